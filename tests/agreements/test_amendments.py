"""Terms change only by an amendment one party proposes and the other accepts (Art. 10.3)."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from registry.agreements.models import Agreement
from registry.audit.models import AuditEvent
from registry.extensions import db
from tests.conftest import SmtpServer
from tests.factories import Party
from tests.notifications.conftest import html_of
from tests.objections.conftest import World, deliver, subject_of, text_of, world

__all__ = ["world"]  # fixtures used by name below

CONTACT = "dpo@zeewolde.example"
PROCESSOR_MAIL = "privacy@ipvoice.example"


def propose(client: FlaskClient, party: Party, agreement_id: int, **changes: Any) -> Any:
    return client.post(
        f"/api/v1/agreements/{agreement_id}/amendments",
        json={"changes": changes, "reason": "Longer notice for the new hosting contract."},
        headers=party.headers,
    )


def answer(
    client: FlaskClient, party: Party, agreement_id: int, amendment_id: int, verb: str, **body: Any
) -> Any:
    return client.post(
        f"/api/v1/agreements/{agreement_id}/amendments/{amendment_id}/{verb}",
        json=body or None,
        headers=party.headers,
    )


def terms(agreement_id: int) -> tuple[int, int, str]:
    db.session.expire_all()
    agreement = db.session.get(Agreement, agreement_id)
    assert agreement is not None
    return agreement.notice_days, agreement.objection_days, agreement.language


def test_an_accepted_amendment_applies_and_keeps_the_history(
    client: FlaskClient, world: World, smtp_server: SmtpServer
) -> None:
    deliver()
    smtp_server.handler.received.clear()
    proposed = propose(client, world.processor, world.agreement_id, notice_days=45, language="en")
    assert proposed.status_code == 201, proposed.json
    amendment = proposed.json
    assert (amendment["state"], amendment["proposed_by"]) == ("proposed", "processor")
    assert terms(world.agreement_id) == (30, 14, "nl")  # nothing applies before acceptance
    deliver()
    mail = smtp_server.to(CONTACT)[0]
    assert subject_of(mail) == (
        "IP Voice Group Services B.V. stelt een wijziging van overeenkomst DPA-zeewolde voor"
    )
    text = text_of(mail)
    assert "alleen met wederzijdse instemming gewijzigd" in text
    assert "Aankondigingstermijn: van 30 dagen naar 45 dagen" in text
    assert "Taal van de kennisgevingen: van Nederlands naar Engels" in text
    assert f"/amendments/{amendment['id']}/accept" in text
    assert "Aankondigingstermijn: van 30 dagen naar 45 dagen" in html_of(mail)
    assert smtp_server.to(PROCESSOR_MAIL) == []  # the proposer is not told its own proposal

    mine = answer(client, world.processor, world.agreement_id, amendment["id"], "accept")
    assert mine.status_code == 409 and mine.json["allowed_actions"] == ["withdraw"]
    accepted = answer(client, world.controller, world.agreement_id, amendment["id"], "accept")
    assert accepted.status_code == 200, accepted.json
    assert accepted.json["state"] == "accepted"
    assert accepted.json["previous"] == {"notice_days": 30, "language": "nl"}
    assert terms(world.agreement_id) == (45, 14, "en")
    again = answer(client, world.controller, world.agreement_id, amendment["id"], "reject")
    assert again.status_code == 409 and again.json["state"] == "accepted"

    listed = client.get(
        f"/api/v1/agreements/{world.agreement_id}/amendments", headers=world.controller.headers
    )
    assert [(a["id"], a["state"]) for a in listed.json] == [(amendment["id"], "accepted")]
    actions = db.session.scalars(
        select(AuditEvent.action).where(AuditEvent.object_type == "amendment")
    ).all()
    assert actions == ["agreement.amendment_proposed", "agreement.amendment_accepted"]

    smtp_server.handler.received.clear()
    deliver()
    # Both parties are told; the contacts now in the agreement's new language.
    told = smtp_server.to(CONTACT)[0]
    assert subject_of(told) == "Amendment of agreement DPA-zeewolde accepted: the new terms apply"
    assert "Notice period: from 30 days to 45 days" in text_of(told)
    assert "Notice period: from 30 days to 45 days" in html_of(told)
    processor = smtp_server.to(PROCESSOR_MAIL)[0]
    assert "From that moment these terms apply" in text_of(processor)


def test_a_rejected_or_withdrawn_amendment_changes_nothing(
    client: FlaskClient, world: World, smtp_server: SmtpServer
) -> None:
    first = propose(client, world.controller, world.agreement_id, consultation_days=40).json
    second = propose(client, world.processor, world.agreement_id, acknowledge_days=3)
    assert second.status_code == 409 and second.json["amendment_id"] == first["id"]
    theirs = answer(client, world.controller, world.agreement_id, first["id"], "reject")
    assert theirs.status_code == 409 and theirs.json["allowed_actions"] == ["withdraw"]
    rejected = answer(
        client, world.processor, world.agreement_id, first["id"], "reject", reason="Too long."
    )
    assert rejected.status_code == 200 and rejected.json["answer_reason"] == "Too long."
    deliver()
    smtp_server.handler.received.clear()

    third = propose(client, world.controller, world.agreement_id, objection_days=20).json
    by_other = answer(client, world.processor, world.agreement_id, third["id"], "withdraw")
    assert by_other.status_code == 409 and by_other.json["allowed_actions"] == [
        "accept",
        "reject",
    ]
    withdrawn = answer(client, world.controller, world.agreement_id, third["id"], "withdraw")
    assert withdrawn.status_code == 200 and withdrawn.json["state"] == "withdrawn"
    assert terms(world.agreement_id) == (30, 14, "nl")
    deliver()
    # The proposal and its withdrawal go to the party that was to answer: the processor.
    subjects = [subject_of(mail) for mail in smtp_server.to(PROCESSOR_MAIL)]
    assert subjects == [
        "Gemeente Zeewolde proposes to amend agreement DPA-zeewolde",
        "Amendment of agreement DPA-zeewolde withdrawn",
    ]
    assert "Objection period: from 14 days to 20 days" in text_of(smtp_server.to(PROCESSOR_MAIL)[1])
    assert smtp_server.to(CONTACT) == []


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"notice_days": 10, "objection_days": 10}, "changes.notice_days"),
        ({"objection_days": 7}, "changes.objection_days"),
        ({"objection_days": 31}, "changes.objection_days"),
        ({}, "changes"),
        ({"language": "de"}, "changes.language"),
        ({"reference": "X"}, "changes.reference"),
        ({"notice_days": 30}, "changes"),
    ],
)
def test_a_bad_amendment_names_the_field(
    client: FlaskClient, world: World, changes: dict[str, Any], field: str
) -> None:
    response = propose(client, world.processor, world.agreement_id, **changes)
    assert response.status_code == 422, response.json
    assert field in response.json["errors"], response.json


def test_the_floor_is_named_in_the_refusal(client: FlaskClient, world: World) -> None:
    response = propose(client, world.controller, world.agreement_id, objection_days=7)
    assert response.json["errors"]["changes.objection_days"] == [
        "Must be at least 14 days (the minimum)."
    ]


def test_another_organisation_sees_no_amendment(client: FlaskClient, world: World) -> None:
    amendment = propose(client, world.processor, world.agreement_id, notice_days=60).json
    base = f"/api/v1/agreements/{world.agreement_id}/amendments"
    for intruder in (world.other, world.stranger, world.other_processor):
        headers = intruder.headers
        assert propose(client, intruder, world.agreement_id, notice_days=40).status_code == 404
        assert client.get(base, headers=headers).status_code == 404
        for verb in ("accept", "reject", "withdraw"):
            response = client.post(f"{base}/{amendment['id']}/{verb}", headers=headers)
            assert response.status_code == 404, (verb, response.json)
    # Another agreement's amendment id under this agreement is 404 too.
    other = propose(client, world.other, world.other_agreement_id, notice_days=40).json
    response = answer(client, world.processor, world.agreement_id, other["id"], "accept")
    assert response.status_code == 404
    assert terms(world.agreement_id)[0] == 30
