from __future__ import annotations

from typing import Any

import pytest

from tests.factories import Party, make_party


@pytest.fixture
def processor(app: Any) -> Party:
    return make_party("processor", "ipvoice", name="IP Voice Group Services B.V.")


@pytest.fixture
def other_processor(app: Any) -> Party:
    return make_party("processor", "othervoice")
