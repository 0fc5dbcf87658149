from __future__ import annotations

from typing import Any

import pytest

from tests.factories import Party, PartyFactory


@pytest.fixture
def processor(app: Any) -> Party:
    return PartyFactory(kind="processor", slug="ipvoice", name="IP Voice Group Services B.V.")


@pytest.fixture
def other_processor(app: Any) -> Party:
    return PartyFactory(kind="processor", slug="othervoice")
