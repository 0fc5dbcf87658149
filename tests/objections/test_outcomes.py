"""What each outcome does, and how objections and consents shape the transfers view."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from urllib.parse import quote

from flask.testing import FlaskClient

from registry import clock
from tests.factories import ConsentEntryFactory
from tests.objections.conftest import World, announce, file, notices

CONCESSIONS = ("change_withdrawn", "not_used_for_controller")


def resolve(
    client: FlaskClient, world: World, objection_id: int, outcome: str, summary: str = "Agreed."
) -> Any:
    """Reach the outcome as the rules ask: acknowledged first; a concession the processor
    grants alone, any other outcome proposed and accepted."""
    base = f"/api/v1/objections/{objection_id}"
    client.post(f"{base}/acknowledge", headers=world.processor.headers)
    body = {"outcome": outcome, "summary": summary}
    if outcome in CONCESSIONS:
        return client.post(f"{base}/resolve", json=body, headers=world.processor.headers)
    proposed = client.post(f"{base}/propose", json=body, headers=world.processor.headers)
    if proposed.status_code != 200:
        return proposed
    return client.post(f"{base}/accept", headers=world.controller.headers)


def transfers(client: FlaskClient, party: Any, agreement_id: int, at: str | None = None) -> Any:
    query = f"?at={quote(at)}" if at else ""
    response = client.get(
        f"/api/v1/agreements/{agreement_id}/transfers{query}", headers=party.headers
    )
    assert response.status_code == 200, response.json
    return response.json


def rows_of(view: dict[str, Any], name: str) -> dict[str, dict[str, Any]]:
    return {row["code"]: row for row in view["transfers"] if row["subprocessor"] == name}


def test_change_withdrawn_withdraws_it_for_everyone_and_closes_every_objection(
    world: World, objection: dict[str, Any], client: FlaskClient
) -> None:
    others = file(client, world.other, objection["change_id"])
    assert others.status_code == 201

    response = resolve(client, world, objection["id"], "change_withdrawn", "We keep support in NL.")
    assert response.status_code == 200
    assert response.json["state"] == "resolved"
    assert response.json["outcome"] == "change_withdrawn"

    change = client.get(f"/api/v1/processors/ipvoice/changes/{objection['change_id']}").json
    assert change["status"] == "withdrawn"
    assert change["withdraw_reason"] == (
        f"Withdrawn after objection {objection['id']}: We keep support in NL."
    )
    other = client.get(f"/api/v1/objections/{others.json['id']}", headers=world.other.headers)
    assert other.json["state"] == "resolved"
    assert other.json["outcome"] == "change_withdrawn"
    # A withdrawal notice like any other, and a resolution notice to each objector.
    assert len(notices("change_withdrawn")) == 1
    assert sorted(n.objection_id for n in notices("objection_resolved")) == sorted(
        [objection["id"], others.json["id"]]
    )
    # The list at the planned moment does not have it.
    later = (clock.now() + timedelta(days=40)).date().isoformat()
    assert (
        rows_of(transfers(client, world.controller, world.agreement_id, later), "Nordhosting") == {}
    )


def test_withdrawing_the_change_itself_resolves_the_objection(
    world: World, objection: dict[str, Any], client: FlaskClient
) -> None:
    withdrawn = client.post(
        f"/api/v1/processors/ipvoice/changes/{objection['change_id']}/withdraw",
        json={"reason": "Plans changed"},
        headers=world.processor.headers,
    )
    assert withdrawn.status_code == 200
    shown = client.get(f"/api/v1/objections/{objection['id']}", headers=world.controller.headers)
    assert (shown.json["state"], shown.json["outcome"]) == ("resolved", "change_withdrawn")
    assert len(notices("change_withdrawn")) == 1
    again = resolve(client, world, objection["id"], "change_withdrawn")
    assert again.status_code == 409
    assert again.json["state"] == "resolved"


def test_change_withdrawn_is_refused_once_the_change_is_in_effect(
    world: World, objection: dict[str, Any], client: FlaskClient
) -> None:
    clock.advance(timedelta(days=31))
    response = resolve(client, world, objection["id"], "change_withdrawn")
    assert response.status_code == 409
    assert response.json["state"] == "in_consultation"
    assert "outcome" in response.json["errors"]
    shown = client.get(f"/api/v1/objections/{objection['id']}", headers=world.controller.headers)
    assert shown.json["state"] == "in_consultation"


def test_not_used_for_controller_excludes_it_for_that_controller_only(
    world: World, objection: dict[str, Any], client: FlaskClient
) -> None:
    assert resolve(client, world, objection["id"], "not_used_for_controller").status_code == 200
    clock.advance(timedelta(days=31))
    mine = rows_of(transfers(client, world.controller, world.agreement_id), "Nordhosting")
    assert {code: row["status"] for code, row in mine.items()} == {
        "DE": "excluded",
        "IN": "excluded",
    }
    assert f"objection {objection['id']}" in mine["DE"]["reason"]
    theirs = rows_of(transfers(client, world.other, world.other_agreement_id), "Nordhosting")
    assert {code: row["status"] for code, row in theirs.items()} == {
        "DE": "allowed_eea",
        "IN": "consent_required",
    }


def test_service_ended_by_controller_keeps_the_agreement_and_its_other_objections(
    world: World, objection: dict[str, Any], client: FlaskClient
) -> None:
    """The controller ends the service under the main contract (Art. 10.1); the agreement
    itself cannot be terminated early (Art. 10.2): it stays in force, and so do its other
    objections."""
    second_change = announce(
        client, world.processor, subprocessor=ConsentEntryFactory(name="Callcenter")
    )
    second = file(client, world.controller, second_change["id"])
    assert second.status_code == 201

    ended = resolve(client, world, objection["id"], "service_ended_by_controller")
    assert ended.status_code == 200, ended.json
    assert (ended.json["state"], ended.json["outcome"]) == (
        "resolved",
        "service_ended_by_controller",
    )
    assert "Art. 10.2" in ended.json["explanation"]
    agreement = client.get(
        f"/api/v1/agreements/{world.agreement_id}", headers=world.controller.headers
    ).json
    assert agreement["terminated_at"] is None
    still = client.get(f"/api/v1/objections/{second.json['id']}", headers=world.controller.headers)
    assert still.json["state"] == "filed"
    # The change goes ahead for everyone else.
    change = client.get(f"/api/v1/processors/ipvoice/changes/{objection['change_id']}").json
    assert change["status"] == "announced"


def test_safeguards_agreed_lets_the_change_apply(
    world: World, objection: dict[str, Any], client: FlaskClient
) -> None:
    assert resolve(client, world, objection["id"], "safeguards_agreed").status_code == 200
    clock.advance(timedelta(days=31))
    mine = rows_of(transfers(client, world.controller, world.agreement_id), "Nordhosting")
    assert {code: row["status"] for code, row in mine.items()} == {
        "DE": "allowed_eea",
        "IN": "consent_required",
    }


# --- the transfers view for a controller that objected, consented, or neither ----------------


def test_transfers_for_a_controller_that_objected_consented_or_neither(
    world: World, objection: dict[str, Any], client: FlaskClient
) -> None:
    consent = client.post(
        f"/api/v1/agreements/{world.other_agreement_id}/consents",
        json={"code": "IN", "note": "Approved by our DPO"},
        headers=world.other.headers,
    )
    assert consent.status_code == 201
    neither = world.stranger
    stranger_agreement = client.post(
        "/api/v1/agreements",
        json={
            "controller": neither.slug,
            "reference": "STR-1",
            "signed_on": "2026-01-01",
            "objection_days": 14,
            "notify_emails": ["dpo@stranger.example"],
        },
        headers=world.processor.headers,
    ).json

    # Before the change takes effect it is in no one's transfers.
    assert rows_of(transfers(client, world.controller, world.agreement_id), "Nordhosting") == {}

    clock.advance(timedelta(days=30))
    objected = rows_of(transfers(client, world.controller, world.agreement_id), "Nordhosting")
    assert {c: r["status"] for c, r in objected.items()} == {
        "DE": "objection_pending",
        "IN": "objection_pending",
    }
    assert f"Objection {objection['id']}" in objected["IN"]["reason"]

    consented = rows_of(transfers(client, world.other, world.other_agreement_id), "Nordhosting")
    assert {c: r["status"] for c, r in consented.items()} == {
        "DE": "allowed_eea",
        "IN": "consent_given",
    }
    assert consented["IN"]["consent_id"] == consent.json["id"]

    plain = rows_of(transfers(client, neither, stranger_agreement["id"]), "Nordhosting")
    assert {c: r["status"] for c, r in plain.items()} == {
        "DE": "allowed_eea",
        "IN": "consent_required",
    }
    assert "Art. 3.1" in plain["IN"]["reason"]

    # The processor sees each agreement the same way, and the overview of what blocks.
    as_processor = transfers(client, world.processor, world.agreement_id)
    assert rows_of(as_processor, "Nordhosting") == objected
    overview = client.get("/api/v1/transfers", headers=world.processor.headers)
    assert overview.status_code == 200
    by_reference = {row["reference"]: row for row in overview.json}
    assert set(by_reference) == {"DPA-zeewolde", "DPA-acme", "STR-1"}
    assert by_reference["DPA-zeewolde"]["summary"] == {"objection_pending": 2}
    assert [(r["code"], r["status"]) for r in by_reference["DPA-zeewolde"]["blocking"]] == [
        ("DE", "objection_pending"),
        ("IN", "objection_pending"),
    ]
    assert by_reference["DPA-acme"]["blocking"] == []
    assert [(r["code"], r["status"]) for r in by_reference["STR-1"]["blocking"]] == [
        ("IN", "consent_required")
    ]
    assert by_reference["STR-1"]["controller"]["slug"] == "stranger"

    # Once resolved, the objection no longer holds the change back; the past stays as it was.
    clock.advance(timedelta(days=1))
    resolve(client, world, objection["id"], "safeguards_agreed")
    now = rows_of(transfers(client, world.controller, world.agreement_id), "Nordhosting")
    assert {c: r["status"] for c, r in now.items()} == {
        "DE": "allowed_eea",
        "IN": "consent_required",
    }
    before = (clock.now() - timedelta(hours=1)).isoformat()
    then = rows_of(transfers(client, world.controller, world.agreement_id, before), "Nordhosting")
    assert {r["status"] for r in then.values()} == {"objection_pending"}


def test_the_overview_is_for_processors_and_paginated(world: World, client: FlaskClient) -> None:
    assert client.get("/api/v1/transfers", headers=world.controller.headers).status_code == 403
    page = client.get("/api/v1/transfers?page_size=1", headers=world.processor.headers)
    assert page.status_code == 200
    assert len(page.json) == 1
    assert "X-Pagination" in page.headers
    # Another processor sees only its own agreements.
    theirs = client.get("/api/v1/transfers", headers=world.other_processor.headers)
    assert [row["controller"]["slug"] for row in theirs.json] == ["stranger"]
