"""Agreements: recorded by the processor, readable by both parties only; the transfers view."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient

from registry.agreements.models import Agreement
from registry.extensions import db
from tests.conftest import NOW
from tests.factories import EntryFactory, Party, PartyFactory

BODY = {
    "controller": "zeewolde",
    "reference": "VWO-2026-014",
    "signed_on": "2026-03-01",
    "language": "nl",
    "notify_emails": ["privacy@zeewolde.example"],
}


@pytest.fixture
def parties(app: Any) -> dict[str, Party]:
    return {
        "processor": PartyFactory(kind="processor", slug="ipvoice"),
        "controller": PartyFactory(kind="controller", slug="zeewolde"),
        "other_processor": PartyFactory(kind="processor", slug="othervoice"),
        "other_controller": PartyFactory(kind="controller", slug="ermelo"),
    }


def record(client: FlaskClient, party: Party, **overrides: Any) -> Any:
    return client.post("/api/v1/agreements", json={**BODY, **overrides}, headers=party.headers)


def test_defaults_follow_the_contract_terms(client: FlaskClient, parties: dict[str, Party]) -> None:
    response = record(client, parties["processor"])
    assert response.status_code == 201, response.json
    body = response.json
    assert (body["notice_days"], body["objection_days"]) == (30, 30)
    assert (body["acknowledge_days"], body["consultation_days"]) == (5, 30)
    assert body["controller"]["slug"] == "zeewolde"
    shorter = record(client, parties["processor"], reference="B", notice_days=14)
    assert shorter.json["objection_days"] == 14


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"notice_days": 14, "objection_days": 20}, "objection_days"),
        ({"controller": "nobody"}, "controller"),
        ({"controller": "othervoice"}, "controller"),
        ({"language": "de"}, "language"),
        ({"notify_emails": []}, "notify_emails"),
        ({"notify_emails": ["not-an-address"]}, "notify_emails.0"),
        ({"signed_on": "1 March"}, "signed_on"),
        ({"notice_days": -1}, "notice_days"),
        ({"notice_days": 0, "objection_days": 0}, "notice_days"),
        ({"notice_days": 13}, "notice_days"),
        ({"notice_days": 30, "objection_days": 0}, "objection_days"),
        ({"objection_days": 13}, "objection_days"),
    ],
)
def test_bad_agreement_names_the_field(
    client: FlaskClient, parties: dict[str, Party], overrides: dict, field: str
) -> None:
    response = record(client, parties["processor"], **overrides)
    assert response.status_code == 422, response.json
    assert field in response.json["errors"]
    assert db.session.query(Agreement).count() == 0


def test_the_floors_are_named_and_configurable(
    app: Any, client: FlaskClient, parties: dict[str, Party]
) -> None:
    response = record(client, parties["processor"], notice_days=30, objection_days=1)
    assert response.json["errors"] == {
        "objection_days": ["Must be at least 14 days (the minimum)."]
    }
    app.config.update(MIN_NOTICE_DAYS=7, MIN_OBJECTION_DAYS=3)
    shorter = record(client, parties["processor"], notice_days=7, objection_days=3)
    assert shorter.status_code == 201, shorter.json


def test_duplicate_reference_is_conflict(client: FlaskClient, parties: dict[str, Party]) -> None:
    assert record(client, parties["processor"]).status_code == 201
    assert record(client, parties["processor"]).status_code == 409


def test_only_the_parties_can_read(client: FlaskClient, parties: dict[str, Party]) -> None:
    agreement_id = record(client, parties["processor"]).json["id"]
    for name in ("processor", "controller"):
        party = parties[name]
        assert (
            client.get(f"/api/v1/agreements/{agreement_id}", headers=party.headers).status_code
            == 200
        )
        listed = client.get("/api/v1/agreements", headers=party.headers).json
        assert [a["id"] for a in listed] == [agreement_id]
        transfers = client.get(
            f"/api/v1/agreements/{agreement_id}/transfers", headers=party.headers
        )
        assert transfers.status_code == 200
    for name in ("other_processor", "other_controller"):
        party = parties[name]
        assert (
            client.get(f"/api/v1/agreements/{agreement_id}", headers=party.headers).status_code
            == 404
        )
        assert client.get("/api/v1/agreements", headers=party.headers).json == []
        transfers = client.get(
            f"/api/v1/agreements/{agreement_id}/transfers", headers=party.headers
        )
        assert transfers.status_code == 404
    assert client.get(f"/api/v1/agreements/{agreement_id}").status_code == 401


def test_controller_cannot_record(client: FlaskClient, parties: dict[str, Party]) -> None:
    assert record(client, parties["controller"]).status_code == 403


def test_transfers_classify_each_location(client: FlaskClient, parties: dict[str, Party]) -> None:
    processor = parties["processor"]
    agreement_id = record(client, processor).json["id"]
    response = client.post(
        "/api/v1/processors/ipvoice/changes",
        json={
            "action": "add",
            "reason": "Hosting",
            "effective_at": "2027-01-04T09:00:00Z",
            "subprocessor": EntryFactory(
                locations=[{"code": "DE"}, {"code": "CH"}, {"code": "US"}, {"code": "CA-QC"}]
            ),
        },
        headers=processor.headers,
    )
    assert response.status_code == 201, response.json
    now = client.get(f"/api/v1/agreements/{agreement_id}/transfers", headers=processor.headers)
    assert now.json["transfers"] == []
    later = client.get(
        f"/api/v1/agreements/{agreement_id}/transfers?at=2027-01-05",
        headers=parties["controller"].headers,
    ).json
    status = {row["code"]: row["status"] for row in later["transfers"]}
    assert status == {
        "DE": "allowed_eea",
        "CH": "allowed_adequacy",
        "US": "consent_required",
        "CA-QC": "consent_required",
    }
    assert later["summary"] == {"allowed_eea": 1, "allowed_adequacy": 1, "consent_required": 2}
    assert all(row["reason"] for row in later["transfers"])
    assert NOW.year == 2026
