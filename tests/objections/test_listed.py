"""Objections to a sub-processor already on the list (Art. 5.2): at any time, not blocking."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from registry import clock
from registry.audit.models import AuditEvent
from registry.extensions import db
from tests.conftest import SmtpServer
from tests.objections.conftest import GROUNDS, World, announce, deliver, file, subject_of, text_of

PROCESSOR_MAIL = "privacy@ipvoice.example"
ZEEWOLDE_MAIL = "dpo@zeewolde.example"


@pytest.fixture
def listed(world: World, change: dict[str, Any]) -> dict[str, Any]:
    """The announced addition, on the list once its notice has run."""
    clock.advance(timedelta(days=31))
    return change


def object_to(
    client: FlaskClient, party: Any, agreement_id: int, subprocessor_id: int, **body: Any
) -> Any:
    body.setdefault("grounds", GROUNDS)
    return client.post(
        f"/api/v1/agreements/{agreement_id}/objections",
        json={"subprocessor_id": subprocessor_id, **body},
        headers=party.headers,
    )


def statuses(client: FlaskClient, party: Any, agreement_id: int) -> dict[str, str]:
    view = client.get(f"/api/v1/agreements/{agreement_id}/transfers", headers=party.headers).json
    return {row["code"]: row["status"] for row in view["transfers"]}


def test_a_listed_sub_processor_stays_in_use_while_the_objection_is_open(
    world: World, listed: dict[str, Any], client: FlaskClient
) -> None:
    consent = client.post(
        f"/api/v1/agreements/{world.agreement_id}/consents",
        json={"code": "IN", "note": "Approved by our DPO"},
        headers=world.controller.headers,
    )
    assert consent.status_code == 201
    response = object_to(
        client, world.controller, world.agreement_id, listed["subprocessor_id"], remedy="Stop."
    )
    assert response.status_code == 201, response.json
    objection = response.json
    assert (objection["kind"], objection["blocking"], objection["change_id"]) == (
        "listed",
        False,
        None,
    )
    assert objection["subprocessor_id"] == listed["subprocessor_id"]
    assert objection["subprocessor_name"] == "Nordhosting"
    assert "say, not a stop" in objection["explanation"]
    assert "Art. 10.2" in objection["explanation"]
    event = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "objection.filed")
    ).one()
    assert event.data["kind"] == "listed"

    view = client.get(
        f"/api/v1/agreements/{world.agreement_id}/transfers", headers=world.controller.headers
    ).json
    rows = {row["code"]: row for row in view["transfers"]}
    assert {code: row["status"] for code, row in rows.items()} == {
        "DE": "in_use_objection_pending",
        "IN": "in_use_objection_pending",
    }
    assert f"Objection {objection['id']}" in rows["DE"]["reason"]
    assert rows["IN"]["consent_id"] == consent.json["id"]
    overview = client.get("/api/v1/transfers", headers=world.processor.headers).json
    mine = next(row for row in overview if row["reference"] == "DPA-zeewolde")
    assert mine["summary"] == {"in_use_objection_pending": 2}
    assert mine["blocking"] == []


def test_an_objection_takes_nothing_away_from_a_consent_still_needed(
    world: World, listed: dict[str, Any], client: FlaskClient
) -> None:
    response = object_to(client, world.controller, world.agreement_id, listed["subprocessor_id"])
    assert response.status_code == 201
    assert statuses(client, world.controller, world.agreement_id) == {
        "DE": "in_use_objection_pending",
        "IN": "consent_required",
    }
    overview = client.get("/api/v1/transfers", headers=world.processor.headers).json
    mine = next(row for row in overview if row["reference"] == "DPA-zeewolde")
    assert [(r["code"], r["status"]) for r in mine["blocking"]] == [("IN", "consent_required")]


def test_only_a_sub_processor_on_the_current_list(
    world: World, change: dict[str, Any], client: FlaskClient
) -> None:
    # Announced, not yet on the list: objected to through its change.
    early = object_to(client, world.controller, world.agreement_id, change["subprocessor_id"])
    assert early.status_code == 422
    assert "subprocessor_id" in early.json["errors"]
    assert "/api/v1/changes/" in early.json["errors"]["subprocessor_id"][0]
    unknown = object_to(client, world.controller, world.agreement_id, 99999)
    assert unknown.status_code == 422
    assert "subprocessor_id" in unknown.json["errors"]
    bad = client.post(
        f"/api/v1/agreements/{world.agreement_id}/objections",
        json={"subprocessor_id": change["subprocessor_id"], "grounds": "no"},
        headers=world.controller.headers,
    )
    assert bad.status_code == 422
    assert "grounds" in bad.json["errors"]


def test_another_organisations_agreement_is_404_and_a_processor_403(
    world: World, listed: dict[str, Any], client: FlaskClient
) -> None:
    theirs = object_to(client, world.other, world.agreement_id, listed["subprocessor_id"])
    assert theirs.status_code == 404
    assert theirs.mimetype == "application/problem+json"
    stranger = object_to(client, world.stranger, world.agreement_id, listed["subprocessor_id"])
    assert stranger.status_code == 404
    processor = object_to(client, world.processor, world.agreement_id, listed["subprocessor_id"])
    assert processor.status_code == 403
    assert object_to(client, world.controller, 99999, listed["subprocessor_id"]).status_code == 404


def test_one_open_objection_per_agreement_and_sub_processor(
    world: World, listed: dict[str, Any], client: FlaskClient
) -> None:
    first = object_to(client, world.controller, world.agreement_id, listed["subprocessor_id"])
    second = object_to(client, world.controller, world.agreement_id, listed["subprocessor_id"])
    assert second.status_code == 409
    assert second.json["objection_id"] == first.json["id"]
    assert f"Objection {first.json['id']}" in second.json["detail"]
    # Another controller objects on its own agreement.
    theirs = object_to(client, world.other, world.other_agreement_id, listed["subprocessor_id"])
    assert theirs.status_code == 201
    # Once withdrawn, it may be raised again.
    client.post(
        f"/api/v1/objections/{first.json['id']}/withdraw",
        json={"reason": "Answered."},
        headers=world.controller.headers,
    )
    again = object_to(client, world.controller, world.agreement_id, listed["subprocessor_id"])
    assert again.status_code == 201


def test_a_listed_objection_ends_without_withdrawing_a_change(
    world: World, listed: dict[str, Any], client: FlaskClient
) -> None:
    objection = object_to(
        client, world.controller, world.agreement_id, listed["subprocessor_id"]
    ).json
    base = f"/api/v1/objections/{objection['id']}"
    client.post(f"{base}/acknowledge", headers=world.processor.headers)
    for path in ("resolve", "propose"):
        refused = client.post(
            f"{base}/{path}",
            json={"outcome": "change_withdrawn", "summary": "x"},
            headers=world.processor.headers,
        )
        assert refused.status_code == 422
        assert "outcome" in refused.json["errors"]
    excluded = client.post(
        f"{base}/resolve",
        json={"outcome": "not_used_for_controller", "summary": "Your support stays in the EEA."},
        headers=world.processor.headers,
    )
    assert excluded.status_code == 200
    assert statuses(client, world.controller, world.agreement_id) == {
        "DE": "excluded",
        "IN": "excluded",
    }
    assert statuses(client, world.other, world.other_agreement_id) == {
        "DE": "allowed_eea",
        "IN": "consent_required",
    }


def test_an_objection_to_a_change_in_effect_is_one_to_the_listed_sub_processor(
    world: World, listed: dict[str, Any], client: FlaskClient
) -> None:
    response = file(client, world.controller, listed["id"])
    assert response.status_code == 201, response.json
    assert (response.json["kind"], response.json["blocking"]) == ("listed", False)
    assert response.json["change_id"] == listed["id"]
    assert response.json["subprocessor_id"] == listed["subprocessor_id"]
    assert statuses(client, world.controller, world.agreement_id)["DE"] == (
        "in_use_objection_pending"
    )
    # One open per sub-processor, whichever way it was filed.
    again = object_to(client, world.controller, world.agreement_id, listed["subprocessor_id"])
    assert again.status_code == 409


def test_an_objection_to_a_removal_in_effect_is_refused(
    world: World, listed: dict[str, Any], client: FlaskClient
) -> None:
    removal = announce(
        client,
        world.processor,
        action="remove",
        subprocessor_id=listed["subprocessor_id"],
        reason="Contract ended",
    )
    clock.advance(timedelta(days=31))
    response = file(client, world.controller, removal["id"])
    assert response.status_code == 409
    assert "not on the list" in response.json["detail"]


def test_mails_of_a_listed_objection_name_the_sub_processor_not_a_change(
    world: World, listed: dict[str, Any], client: FlaskClient, smtp_server: SmtpServer
) -> None:
    deliver()
    seen = {address: len(smtp_server.to(address)) for address in (PROCESSOR_MAIL, ZEEWOLDE_MAIL)}
    objection = object_to(
        client, world.controller, world.agreement_id, listed["subprocessor_id"]
    ).json
    client.post(
        f"/api/v1/objections/{objection['id']}/acknowledge", headers=world.processor.headers
    )
    deliver()
    filed = smtp_server.to(PROCESSOR_MAIL)[seen[PROCESSOR_MAIL]]
    assert subject_of(filed) == (
        f"Objection {objection['id']} from Gemeente Zeewolde to sub-processor Nordhosting"
    )
    text = text_of(filed)
    assert "objects to Nordhosting, a sub-processor on your list" in text
    assert "Nordhosting stays in use for this controller's data" in text
    assert "the change" not in text
    acknowledged = smtp_server.to(ZEEWOLDE_MAIL)[seen[ZEEWOLDE_MAIL]]
    text = text_of(acknowledged)
    assert "uw bezwaar tegen de sub-verwerker Nordhosting ontvangen" in text
    assert "wijziging" not in text.split("--")[0]


def test_safeguards_agreed_on_a_listed_sub_processor_reads_right_in_both_languages(
    world: World, listed: dict[str, Any], client: FlaskClient, smtp_server: SmtpServer
) -> None:
    client.post(
        f"/api/v1/agreements/{world.other_agreement_id}/consents",
        json={"code": "IN"},
        headers=world.other.headers,
    )
    for party, agreement_id in (
        (world.controller, world.agreement_id),
        (world.other, world.other_agreement_id),
    ):
        objection = object_to(client, party, agreement_id, listed["subprocessor_id"]).json
        base = f"/api/v1/objections/{objection['id']}"
        client.post(f"{base}/acknowledge", headers=world.processor.headers)
        client.post(
            f"{base}/propose",
            json={"outcome": "safeguards_agreed", "summary": "Support reads pseudonyms only."},
            headers=world.processor.headers,
        )
        assert client.post(f"{base}/accept", headers=party.headers).status_code == 200
    deliver()
    (resolved,) = [m for m in smtp_server.to(ZEEWOLDE_MAIL) if subject_of(m).startswith("Bezwaar")]
    dutch = text_of(resolved)
    assert "over uw bezwaar" in dutch and "tegen de sub-verwerker Nordhosting" in dutch
    assert (
        "Nordhosting blijft in gebruik voor uw gegevens, behalve op de locaties waarvoor uw "
        "voorafgaande toestemming nog nodig is (art. 3.1): India."
    ) in dutch
    assert "wijziging" not in dutch.split("--")[0]
    (resolved,) = [
        m for m in smtp_server.to("dpo@acme.example") if subject_of(m).startswith("Objection")
    ]
    english = text_of(resolved)
    assert "Nordhosting stays in use for your data." in english
    assert "the change" not in english
