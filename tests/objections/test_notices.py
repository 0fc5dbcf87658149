"""Each step tells the other party, in its language, through a real SMTP server."""

from __future__ import annotations

from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import select

from registry.extensions import db
from registry.notifications import service as notifications
from registry.notifications.models import Notice
from tests.conftest import SmtpServer
from tests.objections.conftest import World, deliver, file, subject_of, text_of

PROCESSOR_MAIL = "privacy@ipvoice.example"
ZEEWOLDE_MAIL = "dpo@zeewolde.example"  # a Dutch agreement
ACME_MAIL = "dpo@acme.example"  # an English agreement


def subjects(smtp_server: SmtpServer, address: str) -> list[str]:
    return [subject_of(m) for m in smtp_server.to(address)]


def post(client: FlaskClient, path: str, party: Any, body: dict[str, Any] | None = None) -> Any:
    response = client.post(f"/api/v1/objections/{path}", json=body, headers=party.headers)
    assert response.status_code in (200, 201), response.json
    return response.json


def test_every_step_reaches_the_other_party_in_its_language(
    world: World, change: dict[str, Any], client: FlaskClient, smtp_server: SmtpServer
) -> None:
    deliver()  # the announcement
    before = {a: len(smtp_server.to(a)) for a in (PROCESSOR_MAIL, ZEEWOLDE_MAIL, ACME_MAIL)}

    nl = file(client, world.controller, change["id"], remedy="Houd de support in de EER.").json
    en = file(client, world.other, change["id"]).json
    post(client, f"{nl['id']}/acknowledge", world.processor)
    post(client, f"{en['id']}/acknowledge", world.processor)
    post(
        client,
        f"{nl['id']}/messages",
        world.controller,
        {"body": "Welke gegevens gaan naar India?"},
    )
    post(client, f"{nl['id']}/messages", world.processor, {"body": "Alleen ticketnummers."})
    post(
        client,
        f"{nl['id']}/resolve",
        world.processor,
        {"outcome": "not_used_for_controller", "summary": "Zeewolde blijft op de EER-desk."},
    )
    post(client, f"{en['id']}/withdraw", world.other, {"reason": "Our DPO is satisfied."})
    deliver()

    to_processor = subjects(smtp_server, PROCESSOR_MAIL)[before[PROCESSOR_MAIL] :]
    assert to_processor == [
        f"Objection {nl['id']} from Gemeente Zeewolde to change {change['id']}: Nordhosting",
        f"Objection {en['id']} from Acme Health Ltd to change {change['id']}: Nordhosting",
        f"New message from Gemeente Zeewolde on objection {nl['id']}",
        f"Acme Health Ltd withdrew objection {en['id']}",
    ]
    to_zeewolde = subjects(smtp_server, ZEEWOLDE_MAIL)[before[ZEEWOLDE_MAIL] :]
    assert to_zeewolde == [
        f"IP Voice Group Services B.V. heeft uw bezwaar {nl['id']} ontvangen",
        f"Nieuw bericht van IP Voice Group Services B.V. over bezwaar {nl['id']}",
        f"Bezwaar {nl['id']} afgehandeld: de sub-verwerker wordt niet ingezet voor uw gegevens",
    ]
    to_acme = subjects(smtp_server, ACME_MAIL)[before[ACME_MAIL] :]
    assert to_acme == [f"IP Voice Group Services B.V. acknowledged your objection {en['id']}"]

    filed_mail = smtp_server.to(PROCESSOR_MAIL)[before[PROCESSOR_MAIL]]
    body = text_of(filed_mail)
    assert "The new hosting location in the US is not covered by our DPIA." in body
    assert "Houd de support in de EER." in body
    assert "Acknowledge the objection by" in body
    assert filed_mail["Content-Language"] == "en"
    assert filed_mail.get("List-Unsubscribe") is None

    resolved_mail = smtp_server.to(ZEEWOLDE_MAIL)[before[ZEEWOLDE_MAIL] + 2]
    text = text_of(resolved_mail)
    assert "Zeewolde blijft op de EER-desk." in text
    assert "uitgesloten" in text
    assert "DPA-zeewolde" in text
    assert resolved_mail["Content-Language"] == "nl"
    message_mail = smtp_server.to(ZEEWOLDE_MAIL)[before[ZEEWOLDE_MAIL] + 1]
    assert "Alleen ticketnummers." in text_of(message_mail)


def test_public_subscribers_never_hear_of_objections(
    world: World, change: dict[str, Any], client: FlaskClient, smtp_server: SmtpServer
) -> None:
    notifications.subscribe(
        processor=world.processor.organisation, email="fan@example.org", language="en"
    )
    confirm = db.session.scalar(select(Notice).where(Notice.kind == "subscription_confirm"))
    assert confirm is not None
    notifications.confirm_subscription(token=confirm.data["token"])
    db.session.commit()
    deliver()
    seen = len(smtp_server.to("fan@example.org"))

    objection = file(client, world.controller, change["id"]).json
    post(client, f"{objection['id']}/acknowledge", world.processor)
    post(
        client,
        f"{objection['id']}/resolve",
        world.processor,
        {"outcome": "change_withdrawn", "summary": "We keep support in the EEA."},
    )
    deliver()
    later = subjects(smtp_server, "fan@example.org")[seen:]
    # Only the public withdrawal of the change, nothing about the objection.
    assert len(later) == 1
    assert "bezwaar" not in later[0].lower() and "objection" not in later[0].lower()


def test_consent_given_and_revoked_reach_the_processor(
    world: World, client: FlaskClient, smtp_server: SmtpServer
) -> None:
    given = client.post(
        f"/api/v1/agreements/{world.agreement_id}/consents",
        json={"code": "in", "note": "Approved by our DPO on 2026-11-20"},
        headers=world.controller.headers,
    )
    assert given.status_code == 201
    revoked = client.delete(
        f"/api/v1/agreements/{world.agreement_id}/consents/{given.json['id']}",
        headers=world.controller.headers,
    )
    assert revoked.status_code == 200
    deliver()
    mails = smtp_server.to(PROCESSOR_MAIL)
    assert [subject_of(m) for m in mails] == [
        "Gemeente Zeewolde gave prior consent for India (IN)",
        "Gemeente Zeewolde revoked prior consent for India (IN)",
    ]
    assert "Approved by our DPO on 2026-11-20" in text_of(mails[0])
    assert "for every sub-processor at that location" in text_of(mails[0])
    assert smtp_server.to(ZEEWOLDE_MAIL) == []
