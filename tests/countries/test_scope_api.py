"""``adequacy_scope_confirmed``: on the assessment endpoint and on a sub-processor's entry."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient

from tests.factories import EntryFactory, PartyFactory

UNCONFIRMED = "does not confirm that this recipient falls within that scope"


def test_the_endpoint_reports_the_scope_and_its_confirmation(client: FlaskClient) -> None:
    plain = client.get("/api/v1/countries/JP?at=2026-12-02").json
    assert plain["scope"] == {
        "limited": True,
        "text": "Business operators subject to the Act on the Protection of Personal "
        "Information (APPI), with the Supplementary Rules",
        "confirmed": False,
    }
    assert any(UNCONFIRMED in warning for warning in plain["warnings"])
    confirmed = client.get("/api/v1/countries/JP?at=2026-12-02&adequacy_scope_confirmed=true")
    assert confirmed.json["scope"]["confirmed"] is True
    assert not any(UNCONFIRMED in warning for warning in confirmed.json["warnings"])
    assert (confirmed.json["zone"], confirmed.json["requires_consent"]) == ("adequate", False)


def test_a_bad_scope_flag_is_a_422_naming_it(client: FlaskClient) -> None:
    response = client.get("/api/v1/countries/JP?adequacy_scope_confirmed=maybe")
    assert response.status_code == 422
    assert "adequacy_scope_confirmed" in response.get_data(as_text=True)


def publish(client: FlaskClient, **fields: Any) -> dict[str, Any]:
    processor = PartyFactory(kind="processor", slug="ipvoice", name="IP Voice Group Services B.V.")
    entry = EntryFactory(
        locations=[{"code": "CA", "activities": ["support"]}],
        transfer_mechanism="adequacy",
        **fields,
    )
    response = client.post(
        "/api/v1/processors/ipvoice/changes",
        json={"action": "add", "reason": "Support desk", "subprocessor": entry},
        headers=processor.headers,
    )
    assert response.status_code == 201, response.json
    listed = client.get("/api/v1/processors/ipvoice/subprocessors").json
    (published,) = listed["subprocessors"]
    return dict(published)


@pytest.mark.parametrize("confirmed", [True, False])
def test_the_entry_carries_the_flag_to_its_assessment(client: FlaskClient, confirmed: bool) -> None:
    published = publish(client, adequacy_scope_confirmed=confirmed)
    assert published["adequacy_scope_confirmed"] is confirmed
    (location,) = published["locations"]
    assessment = location["assessment"]
    assert assessment["scope"]["confirmed"] is confirmed
    assert any(UNCONFIRMED in warning for warning in assessment["warnings"]) is not confirmed
    assert assessment["requires_consent"] is False  # a warning, never a consent requirement


def test_the_flag_defaults_to_false(client: FlaskClient) -> None:
    published = publish(client)
    assert published["adequacy_scope_confirmed"] is False


def test_the_flag_must_be_a_boolean(client: FlaskClient) -> None:
    processor = PartyFactory(kind="processor", slug="ipvoice", name="IP Voice Group Services B.V.")
    entry = EntryFactory(adequacy_scope_confirmed="perhaps")
    response = client.post(
        "/api/v1/processors/ipvoice/changes",
        json={"action": "add", "reason": "Support desk", "subprocessor": entry},
        headers=processor.headers,
    )
    assert response.status_code == 422
    assert "adequacy_scope_confirmed" in response.get_data(as_text=True)
