from __future__ import annotations

from typing import Any

import pytest

from tests.factories import Party, make_party


def entry(name: str = "Nordhosting", **overrides: Any) -> dict[str, Any]:
    """A complete sub-processor body as integrators send it."""
    body: dict[str, Any] = {
        "name": name,
        "legal_name": f"{name} GmbH",
        "registration_number": "HRB 123456",
        "country_of_incorporation": "DE",
        "website": "https://nordhosting.example",
        "purpose": "Hosting of call recordings",
        "data_categories": ["call recordings", "contact details"],
        "data_subject_categories": ["end users"],
        "locations": [
            {"code": "DE", "activities": ["hosting"]},
            {"code": "US", "activities": ["support"]},
        ],
        "dpf_certified": False,
        "dpf_checked_on": None,
        "transfer_mechanism": "scc",
        "flowdown_signed_on": "2026-11-01",
    }
    body.update(overrides)
    return body


@pytest.fixture
def processor(app: Any) -> Party:
    return make_party("processor", "ipvoice", name="IP Voice Group Services B.V.")


@pytest.fixture
def other_processor(app: Any) -> Party:
    return make_party("processor", "othervoice")
