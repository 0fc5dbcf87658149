"""A solution both parties reach (Art. 5.2): the processor proposes, the controller accepts or
rejects; the processor alone only concedes. The mails of each step, in both languages."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import select

from registry import clock
from registry.audit.models import AuditEvent
from registry.extensions import db
from registry.organisations.models import Organisation
from tests.conftest import SmtpServer
from tests.objections.conftest import World, deliver, file, subject_of, text_of

PROCESSOR_MAIL = "privacy@ipvoice.example"
ZEEWOLDE_MAIL = "dpo@zeewolde.example"  # a Dutch agreement
ACME_MAIL = "dpo@acme.example"  # an English agreement
SAFEGUARDS = {"outcome": "safeguards_agreed", "summary": "Support reads pseudonymised data only."}


def step(client: FlaskClient, objection_id: int, path: str, party: Any, body: Any = None) -> Any:
    return client.post(
        f"/api/v1/objections/{objection_id}/{path}", json=body, headers=party.headers
    )


def consulting(client: FlaskClient, world: World, party: Any, change_id: int) -> int:
    """An objection of ``party``, acknowledged: in consultation."""
    objection = file(client, party, change_id).json
    assert step(client, objection["id"], "acknowledge", world.processor).status_code == 200
    return int(objection["id"])


def actions() -> list[str]:
    return list(
        db.session.scalars(
            select(AuditEvent.action)
            .where(AuditEvent.object_type == "objection")
            .order_by(AuditEvent.id)
        )
    )


def test_a_proposal_needs_an_acknowledged_objection(
    world: World, objection: dict[str, Any], client: FlaskClient
) -> None:
    early = step(client, objection["id"], "propose", world.processor, SAFEGUARDS)
    assert early.status_code == 409
    assert early.json["allowed_actions"] == ["acknowledge", "message"]


def test_the_controller_accepts_and_the_objection_resolves_with_the_proposal(
    world: World, change: dict[str, Any], client: FlaskClient
) -> None:
    objection_id = consulting(client, world, world.controller, change["id"])
    proposed = step(client, objection_id, "propose", world.processor, SAFEGUARDS)
    assert proposed.status_code == 200
    assert (proposed.json["state"], proposed.json["outcome"]) == ("resolution_proposed", None)
    assert proposed.json["proposed_outcome"] == "safeguards_agreed"
    assert proposed.json["proposed_summary"] == SAFEGUARDS["summary"]
    shown = client.get(f"/api/v1/objections/{objection_id}", headers=world.controller.headers)
    assert shown.json["allowed_actions"] == ["message", "accept", "reject", "withdraw"]
    # The processor cannot accept its own proposal, nor propose twice.
    assert step(client, objection_id, "accept", world.processor).status_code == 403
    twice = step(client, objection_id, "propose", world.processor, SAFEGUARDS)
    assert twice.status_code == 409

    accepted = step(client, objection_id, "accept", world.controller)
    assert accepted.status_code == 200
    assert (accepted.json["state"], accepted.json["outcome"]) == ("resolved", "safeguards_agreed")
    assert accepted.json["summary"] == SAFEGUARDS["summary"]
    assert accepted.json["proposed_outcome"] is None
    assert actions()[-3:] == [
        "objection.resolution_proposed",
        "objection.proposal_accepted",
        "objection.resolved",
    ]
    assert step(client, objection_id, "accept", world.controller).status_code == 409


def test_the_controller_rejects_with_reasons_and_the_consultation_goes_on(
    world: World, change: dict[str, Any], client: FlaskClient
) -> None:
    objection_id = consulting(client, world, world.controller, change["id"])
    step(client, objection_id, "propose", world.processor, SAFEGUARDS)
    rejected = step(
        client,
        objection_id,
        "reject",
        world.controller,
        {"reason": "Pseudonymised call records are still personal data."},
    )
    assert rejected.status_code == 200
    assert rejected.json["state"] == "in_consultation"
    assert rejected.json["proposed_outcome"] is None
    assert [(m["by"], m["body"]) for m in rejected.json["messages"]] == [
        ("controller", "Pseudonymised call records are still personal data.")
    ]
    event = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
    assert event is not None and event.action == "objection.proposal_rejected"
    assert event.data["outcome"] == "safeguards_agreed"
    # The processor may propose again.
    again = step(client, objection_id, "propose", world.processor, SAFEGUARDS)
    assert again.json["state"] == "resolution_proposed"
    # No proposal open: nothing to accept or reject.
    step(client, objection_id, "reject", world.controller, {"reason": "Still no."})
    assert step(client, objection_id, "accept", world.controller).status_code == 409


def test_resolve_is_for_concessions_only(
    world: World, change: dict[str, Any], client: FlaskClient
) -> None:
    objection_id = consulting(client, world, world.controller, change["id"])
    for outcome in ("safeguards_agreed", "service_ended_by_controller"):
        refused = step(
            client, objection_id, "resolve", world.processor, {"outcome": outcome, "summary": "x"}
        )
        assert refused.status_code == 422
        assert "propose" in refused.json["errors"]["outcome"][0]
    shown = client.get(f"/api/v1/objections/{objection_id}", headers=world.controller.headers)
    assert shown.json["state"] == "in_consultation"
    # A concession while a proposal waits supersedes it.
    step(client, objection_id, "propose", world.processor, SAFEGUARDS)
    conceded = step(
        client,
        objection_id,
        "resolve",
        world.processor,
        {"outcome": "not_used_for_controller", "summary": "Your support stays in the EEA."},
    )
    assert (conceded.json["state"], conceded.json["outcome"]) == (
        "resolved",
        "not_used_for_controller",
    )
    assert conceded.json["proposed_outcome"] is None


def test_another_party_cannot_propose_accept_or_reject(
    world: World, change: dict[str, Any], client: FlaskClient
) -> None:
    objection_id = consulting(client, world, world.controller, change["id"])
    assert (
        step(client, objection_id, "propose", world.other_processor, SAFEGUARDS).status_code == 404
    )
    step(client, objection_id, "propose", world.processor, SAFEGUARDS)
    assert step(client, objection_id, "accept", world.other).status_code == 404
    assert step(
        client, objection_id, "reject", world.other, {"reason": "Not mine"}
    ).status_code == (404)
    shown = client.get(f"/api/v1/objections/{objection_id}", headers=world.controller.headers)
    assert shown.json["state"] == "resolution_proposed"


def test_proposal_mails_go_to_the_controller_with_its_link_and_answers_to_the_processor(
    world: World, change: dict[str, Any], client: FlaskClient, smtp_server: SmtpServer
) -> None:
    nl = consulting(client, world, world.controller, change["id"])
    en = consulting(client, world, world.other, change["id"])
    ended = {
        "outcome": "service_ended_by_controller",
        "summary": "You move your telephony to another provider on 1 March.",
    }
    step(client, nl, "propose", world.processor, ended)
    step(client, en, "propose", world.processor, ended)
    deliver()
    seen = {address: len(smtp_server.to(address)) for address in (PROCESSOR_MAIL,)}

    dutch = smtp_server.to(ZEEWOLDE_MAIL)[-1]
    assert subject_of(dutch) == (
        f"IP Voice Group Services B.V. stelt een oplossing voor bij uw bezwaar {nl}: de "
        "verwerkingsverantwoordelijke beëindigt de dienstverlening op grond van de "
        "hoofdovereenkomst"
    )
    text = text_of(dutch)
    assert "You move your telephony to another provider on 1 March." in text
    assert "Het bezwaar is pas afgehandeld als u het voorstel aanvaardt" in text
    assert "Verwerkersovereenkomst DPA-zeewolde zelf blijft van kracht" in text
    assert "tussentijds worden opgezegd (art. 10.2)" in text
    assert re.search(rf"https://registry\.test/respond/\S+#objection-{nl}", text), text
    english = smtp_server.to(ACME_MAIL)[-1]
    text = text_of(english)
    assert "The objection is resolved only if you accept the proposal" in text
    assert "it cannot be terminated early (Art. 10.2)" in text

    step(client, nl, "accept", world.controller)
    step(client, en, "reject", world.other, {"reason": "We are not leaving."})
    deliver()
    to_processor = smtp_server.to(PROCESSOR_MAIL)[seen[PROCESSOR_MAIL] :]
    assert [subject_of(m) for m in to_processor] == [
        f"Gemeente Zeewolde accepted your proposal on objection {nl}: the controller ends the "
        "service under the main contract",
        f"Acme Health Ltd rejected your proposal on objection {en}",
    ]
    assert "The objection is resolved." in text_of(to_processor[0])
    assert "itself stays in force" in text_of(to_processor[0])
    assert "We are not leaving." in text_of(to_processor[1])
    # The agreement itself is not ended (Art. 10.2).
    agreement = client.get(
        f"/api/v1/agreements/{world.agreement_id}", headers=world.controller.headers
    ).json
    assert agreement["terminated_at"] is None
    resolved = smtp_server.to(ZEEWOLDE_MAIL)[-1]
    assert "Verwerkersovereenkomst DPA-zeewolde zelf blijft van kracht" in text_of(resolved)


def test_safeguards_agreed_names_the_locations_still_needing_consent(
    world: World, change: dict[str, Any], client: FlaskClient, smtp_server: SmtpServer
) -> None:
    """The change applies from its moment, except where prior consent is not on record."""
    consent = client.post(
        f"/api/v1/agreements/{world.other_agreement_id}/consents",
        json={"code": "IN", "note": "Approved by our DPO"},
        headers=world.other.headers,
    )
    assert consent.status_code == 201
    for party in (world.controller, world.other):
        objection_id = consulting(client, world, party, change["id"])
        step(client, objection_id, "propose", world.processor, SAFEGUARDS)
        step(client, objection_id, "accept", party)
    deliver()
    dutch = text_of(smtp_server.to(ZEEWOLDE_MAIL)[-1])
    assert (
        "De wijziging geldt voor uw gegevens vanaf het moment waarop zij ingaat, behalve voor de "
        "locaties waarvoor uw voorafgaande toestemming nog nodig is (art. 3.1): India."
    ) in dutch
    english = text_of(smtp_server.to(ACME_MAIL)[-1])
    assert "The change applies to your data from the moment it takes effect." in english
    assert "except" not in english


def test_a_withdrawn_objection_tells_the_processor_which_consent_is_missing(
    world: World, change: dict[str, Any], client: FlaskClient, smtp_server: SmtpServer
) -> None:
    for language, expected in (
        (
            "en",
            "The change applies to this controller's data from the moment it takes effect, "
            "except the locations that still need its prior consent (Art. 3.1): India.",
        ),
        (
            "nl",
            "De wijziging geldt voor de gegevens van deze verwerkingsverantwoordelijke vanaf het "
            "moment waarop zij ingaat, behalve voor de locaties waarvoor diens voorafgaande "
            "toestemming nog nodig is (art. 3.1): India.",
        ),
    ):
        processor = db.session.get(Organisation, world.processor.organisation.id)
        assert processor is not None
        processor.language = language
        db.session.commit()
        objection = file(client, world.controller, change["id"]).json
        step(client, objection["id"], "withdraw", world.controller, {"reason": "Answered."})
        deliver()
        assert expected in text_of(smtp_server.to(PROCESSOR_MAIL)[-1])

    # With the consent on record, the plain sentence.
    client.post(
        f"/api/v1/agreements/{world.agreement_id}/consents",
        json={"code": "IN"},
        headers=world.controller.headers,
    )
    objection = file(client, world.controller, change["id"]).json
    step(client, objection["id"], "withdraw", world.controller, {"reason": "Answered."})
    clock.advance(timedelta(minutes=1))
    deliver()
    text = text_of(smtp_server.to(PROCESSOR_MAIL)[-1])
    assert (
        "De wijziging geldt voor de gegevens van deze verwerkingsverantwoordelijke vanaf het "
        "moment waarop zij ingaat." in text
    )
    assert "behalve" not in text


def test_a_proposal_answered_before_its_mail_is_sent_is_told_as_made(
    world: World, change: dict[str, Any], client: FlaskClient, smtp_server: SmtpServer
) -> None:
    objection = consulting(client, world, world.controller, change["id"])
    step(client, objection, "propose", world.processor, SAFEGUARDS)
    step(client, objection, "accept", world.controller)
    deliver()
    (proposal,) = [
        m for m in smtp_server.to(ZEEWOLDE_MAIL) if "stelt een oplossing voor" in subject_of(m)
    ]
    assert SAFEGUARDS["summary"] in text_of(proposal)
    assert "None" not in text_of(proposal)
