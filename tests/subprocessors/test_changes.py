"""Announcing, withdrawing and reading changes; the list at any moment."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask.testing import FlaskClient

from registry import clock
from tests.conftest import NOW
from tests.factories import EntryFactory, Party, PartyFactory


def announce(client: FlaskClient, party: Party, **body: object) -> dict:
    body.setdefault("reason", "Second data centre for resilience")
    response = client.post(
        f"/api/v1/processors/{party.slug}/changes", json=body, headers=party.headers
    )
    assert response.status_code == 201, response.json
    return response.json


def listed(client: FlaskClient, slug: str, at: str | None = None) -> list[dict]:
    query = {"at": at} if at else {}
    response = client.get(f"/api/v1/processors/{slug}/subprocessors", query_string=query)
    assert response.status_code == 200, response.json
    return response.json["subprocessors"]


def add_then_remove(
    client: FlaskClient, processor: Party, *, days: int
) -> tuple[dict[str, Any], dict[str, Any]]:
    """A sub-processor in force now, and its removal announced for ``days`` later."""
    added = announce(
        client, processor, action="add", subprocessor=EntryFactory(), effective_at=NOW.isoformat()
    )
    removal = announce(
        client,
        processor,
        action="remove",
        subprocessor_id=added["subprocessor_id"],
        effective_at=(NOW + timedelta(days=days)).isoformat(),
    )
    return added, removal


def test_added_subprocessor_appears_at_its_moment_without_any_job(
    client: FlaskClient, processor: Party
) -> None:
    effective = NOW + timedelta(days=3)
    change = announce(
        client,
        processor,
        action="add",
        subprocessor=EntryFactory(),
        effective_at=effective.isoformat(),
    )
    assert change["status"] == "announced"
    assert change["before"] is None and change["after"]["name"] == "Nordhosting"
    assert listed(client, "ipvoice") == []

    clock.advance(timedelta(days=3))
    entries = listed(client, "ipvoice")
    assert [e["name"] for e in entries] == ["Nordhosting"]
    assert entries[0]["id"] == change["subprocessor_id"]
    us = next(loc for loc in entries[0]["locations"] if loc["code"] == "US")
    assert us["assessment"]["requires_consent"] is True
    got = client.get(f"/api/v1/processors/ipvoice/changes/{change['id']}").json
    assert got["status"] == "effective"


def test_list_at_any_moment_follows_update_remove_and_replace(
    client: FlaskClient, processor: Party
) -> None:
    day = timedelta(days=1)
    added = announce(
        client,
        processor,
        action="add",
        subprocessor=EntryFactory(),
        effective_at=(NOW + day).isoformat(),
    )
    sp = added["subprocessor_id"]
    clock.advance(2 * day)
    announce(
        client,
        processor,
        action="update",
        subprocessor_id=sp,
        subprocessor={"purpose": "Hosting and backups"},
        effective_at=(NOW + 5 * day).isoformat(),
    )
    clock.advance(4 * day)
    replaced = announce(
        client,
        processor,
        action="replace",
        subprocessor_id=sp,
        subprocessor=EntryFactory(
            name="Suomicloud", locations=[{"code": "FI", "activities": ["hosting"]}]
        ),
        effective_at=(NOW + 10 * day).isoformat(),
    )
    clock.advance(5 * day)
    later = announce(
        client,
        processor,
        action="remove",
        subprocessor_id=replaced["replacement_id"],
        effective_at=(NOW + 20 * day).isoformat(),
    )
    assert later["after"] is None

    def names_at(offset: int) -> list[tuple[str, str]]:
        moment = (NOW + offset * day + timedelta(hours=1)).isoformat()
        return [(e["name"], e["purpose"]) for e in listed(client, "ipvoice", moment)]

    assert names_at(0) == []
    assert names_at(1) == [("Nordhosting", "Hosting of call recordings")]
    assert names_at(5) == [("Nordhosting", "Hosting and backups")]
    assert names_at(10) == [("Suomicloud", "Hosting of call recordings")]
    assert names_at(20) == []
    assert [e["name"] for e in listed(client, "ipvoice", (NOW + 1 * day).date().isoformat())] == []


def test_withdrawn_change_leaves_the_list_as_it_was(client: FlaskClient, processor: Party) -> None:
    added, removal = add_then_remove(client, processor, days=7)
    withdrawn = client.post(
        f"/api/v1/processors/ipvoice/changes/{removal['id']}/withdraw",
        json={"reason": "Customer demand"},
        headers=processor.headers,
    )
    assert withdrawn.status_code == 200
    assert withdrawn.json["status"] == "withdrawn"
    clock.advance(timedelta(days=30))
    assert [e["name"] for e in listed(client, "ipvoice")] == ["Nordhosting"]
    again = client.post(
        f"/api/v1/processors/ipvoice/changes/{removal['id']}/withdraw",
        json={"reason": "twice"},
        headers=processor.headers,
    )
    assert again.status_code == 409
    assert again.json["state"] == "withdrawn"


def test_effective_change_cannot_be_withdrawn(client: FlaskClient, processor: Party) -> None:
    added = announce(
        client, processor, action="add", subprocessor=EntryFactory(), effective_at=NOW.isoformat()
    )
    response = client.post(
        f"/api/v1/processors/ipvoice/changes/{added['id']}/withdraw",
        json={"reason": "too late"},
        headers=processor.headers,
    )
    assert response.status_code == 409
    assert response.json["state"] == "effective"


def test_second_pending_change_for_one_subprocessor_is_conflict(
    client: FlaskClient, processor: Party
) -> None:
    added = announce(
        client, processor, action="add", subprocessor=EntryFactory(), effective_at=NOW.isoformat()
    )
    sp = added["subprocessor_id"]
    removal = announce(
        client,
        processor,
        action="remove",
        subprocessor_id=sp,
        effective_at=(NOW + timedelta(days=5)).isoformat(),
    )
    for body in (
        {"action": "update", "subprocessor": {"purpose": "Other purpose"}},
        {"action": "replace", "subprocessor": EntryFactory(name="Southhosting")},
        {"action": "remove"},
    ):
        second = client.post(
            "/api/v1/processors/ipvoice/changes",
            json={**body, "subprocessor_id": sp, "reason": "Another change"},
            headers=processor.headers,
        )
        assert second.status_code == 409
        assert second.json["state"] == "announced"
        assert second.json["change_id"] == removal["id"]
        assert f"Change {removal['id']} is already announced" in second.json["detail"]


def test_a_change_is_withdrawn_once(client: FlaskClient, processor: Party) -> None:
    added, removal = add_then_remove(client, processor, days=5)
    path = f"/api/v1/processors/ipvoice/changes/{removal['id']}/withdraw"
    first = client.post(path, json={"reason": "Kept"}, headers=processor.headers)
    assert first.status_code == 200
    again = client.post(path, json={"reason": "Kept"}, headers=processor.headers)
    assert again.status_code == 409
    assert again.json["state"] == "withdrawn"


def test_changes_are_listed_by_status(client: FlaskClient, processor: Party) -> None:
    announce(
        client,
        processor,
        action="add",
        subprocessor=EntryFactory(name="A"),
        effective_at=NOW.isoformat(),
    )
    announce(
        client,
        processor,
        action="add",
        subprocessor=EntryFactory(name="B"),
        effective_at=(NOW + timedelta(days=2)).isoformat(),
    )
    all_changes = client.get("/api/v1/processors/ipvoice/changes").json
    assert [c["after"]["name"] for c in all_changes] == ["B", "A"]
    announced = client.get("/api/v1/processors/ipvoice/changes?status=announced").json
    assert [c["after"]["name"] for c in announced] == ["B"]
    effective = client.get("/api/v1/processors/ipvoice/changes?status=effective").json
    assert [c["after"]["name"] for c in effective] == ["A"]


def test_withdrawing_a_change_closes_the_objections_to_it(
    client: FlaskClient, processor: Party
) -> None:
    controller = PartyFactory(kind="controller", slug="zeewolde")
    agreement = client.post(
        "/api/v1/agreements",
        json={
            "controller": "zeewolde",
            "reference": "VWO-1",
            "signed_on": "2026-03-01",
            "notify_emails": ["privacy@zeewolde.example"],
        },
        headers=processor.headers,
    )
    assert agreement.status_code == 201
    change = announce(client, processor, action="add", subprocessor=EntryFactory())
    objection = client.post(
        f"/api/v1/changes/{change['id']}/objections",
        json={"grounds": "The US location lacks safeguards for our residents' data."},
        headers=controller.headers,
    )
    assert objection.status_code == 201, objection.json
    withdrawn = client.post(
        f"/api/v1/processors/ipvoice/changes/{change['id']}/withdraw",
        json={"reason": "Plans changed"},
        headers=processor.headers,
    )
    assert withdrawn.status_code == 200
    closed = client.get(f"/api/v1/objections/{objection.json['id']}", headers=controller.headers)
    assert closed.json["state"] == "resolved"
    assert closed.json["outcome"] == "change_withdrawn"
