"""The controller keeps its agreement's contacts; the processor its own address (Art. 10.3)."""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from registry.agreements.models import Agreement
from registry.audit.models import AuditEvent
from registry.extensions import db
from registry.web import links
from tests.conftest import SmtpServer
from tests.notifications.conftest import html_of
from tests.objections.conftest import World, announce, deliver, subject_of, text_of, world

__all__ = ["world"]  # fixtures used by name below

CONTACT = "dpo@zeewolde.example"  # the Dutch agreement's contact
NEW = "fg@zeewolde.example"
DESK = "replies@ipvoice.example"


def patch_contacts(client: FlaskClient, party: Any, agreement_id: int, emails: list[str]) -> Any:
    return client.patch(
        f"/api/v1/agreements/{agreement_id}/contacts",
        json={"notify_emails": emails},
        headers=party.headers,
    )


def token_for(app: Flask, agreement_id: int, email: str) -> str:
    with app.test_request_context():
        agreement = db.session.get(Agreement, agreement_id)
        assert agreement is not None
        return links.respond_token(agreement, email)


def test_the_controller_replaces_its_contacts_and_everyone_is_told(
    client: FlaskClient, world: World, smtp_server: SmtpServer
) -> None:
    deliver()
    smtp_server.handler.received.clear()
    response = patch_contacts(client, world.controller, world.agreement_id, [NEW.upper()])
    assert response.status_code == 200, response.json
    assert response.json["notify_emails"] == [NEW]
    event = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "agreement.contacts_changed")
    ).one()
    assert event.data["removed"] == [CONTACT] and event.agreement_id == world.agreement_id

    deliver()
    removed, added = smtp_server.to(CONTACT)[0], smtp_server.to(NEW)[0]
    assert subject_of(added) == (
        "Gemeente Zeewolde heeft de contactpersonen van overeenkomst DPA-zeewolde gewijzigd"
    )
    assert "Uw adres hoort daar niet meer bij" in text_of(removed)
    assert "Uw adres hoort daar niet meer bij" not in text_of(added)
    assert f"Contactpersonen nu: {NEW}" in text_of(added)
    url = f"https://registry.test/api/v1/agreements/{world.agreement_id}/contacts"
    # The footer says how to change the contacts now: on the personal page, and for
    # integrators through the API; a removed address has no page any more.
    assert "Wijzig de contactpersonen op uw persoonlijke pagina: https://" in text_of(added)
    assert "Wijzig de contactpersonen" not in text_of(removed)
    assert f"PATCH {url}" in html_of(added)
    processor = smtp_server.to("privacy@ipvoice.example")[0]
    assert (
        subject_of(processor) == "Gemeente Zeewolde changed the contacts of agreement DPA-zeewolde"
    )
    assert f"Removed: {CONTACT}" in text_of(processor)
    assert "no longer one of them" not in text_of(processor)


def test_a_removed_contacts_links_stop_and_a_kept_contacts_go_on(
    app: Flask, client: FlaskClient, world: World
) -> None:
    patch_contacts(client, world.controller, world.agreement_id, [CONTACT, NEW])
    kept, leaving = (token_for(app, world.agreement_id, email) for email in (CONTACT, NEW))
    assert client.get(f"/respond/{leaving}").status_code == 200

    response = patch_contacts(client, world.controller, world.agreement_id, [CONTACT])
    assert response.status_code == 200, response.json
    assert client.get(f"/respond/{kept}").status_code == 200
    assert client.get(f"/respond/{leaving}").status_code == 410
    # Named again, the address gets new links; the old ones stay dead.
    patch_contacts(client, world.controller, world.agreement_id, [CONTACT, NEW])
    assert client.get(f"/respond/{leaving}").status_code == 410
    assert client.get(f"/respond/{token_for(app, world.agreement_id, NEW)}").status_code == 200
    assert client.get(f"/respond/{kept}").status_code == 200


def test_adding_a_contact_keeps_every_link(app: Flask, client: FlaskClient, world: World) -> None:
    kept = token_for(app, world.agreement_id, CONTACT)
    patch_contacts(client, world.controller, world.agreement_id, [CONTACT, NEW])
    agreement = db.session.get(Agreement, world.agreement_id)
    assert agreement is not None and agreement.contacts_revision == 0
    assert client.get(f"/respond/{kept}").status_code == 200


def test_only_the_controller_changes_its_contacts(client: FlaskClient, world: World) -> None:
    assert patch_contacts(client, world.processor, world.agreement_id, [NEW]).status_code == 403
    for intruder in (world.other, world.stranger):
        response = patch_contacts(client, intruder, world.agreement_id, [NEW])
        assert response.status_code == 404, response.json
    for emails, field in (([], "notify_emails"), (["not-an-address"], "notify_emails.0")):
        response = patch_contacts(client, world.controller, world.agreement_id, emails)
        assert response.status_code == 422 and field in response.json["errors"]
    agreement = db.session.get(Agreement, world.agreement_id)
    assert agreement is not None and agreement.notify_emails == [CONTACT]


def test_the_processor_keeps_its_own_address_for_replies_and_alerts(
    client: FlaskClient, world: World, smtp_server: SmtpServer
) -> None:
    path = f"/api/v1/agreements/{world.agreement_id}/processor-contact"
    assert (
        client.patch(path, json={"email": DESK}, headers=world.controller.headers).status_code
        == 403
    )
    other = client.patch(path, json={"email": DESK}, headers=world.other_processor.headers)
    assert other.status_code == 404
    bad = client.patch(path, json={"email": "nope"}, headers=world.processor.headers)
    assert bad.status_code == 422 and "email" in bad.json["errors"]
    response = client.patch(path, json={"email": DESK}, headers=world.processor.headers)
    assert response.status_code == 200 and response.json["processor_email"] == DESK
    assert db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "agreement.processor_contact_changed")
    ).one()

    change = announce(client, world.processor)
    filed = client.post(
        f"/api/v1/changes/{change['id']}/objections",
        json={"grounds": "Not in our DPIA."},
        headers=world.controller.headers,
    )
    assert filed.status_code == 201, filed.json
    patch_contacts(client, world.controller, world.agreement_id, [NEW])
    deliver()
    # The objection and the contacts' notice reach the address the processor keeps for this
    # agreement; a contact's reply goes there as well.
    assert len(smtp_server.to(DESK)) == 2
    assert {mail["Reply-To"] for mail in smtp_server.to(NEW)} == {DESK}
    # Another agreement's contacts still reply to the processor's own address.
    announced = smtp_server.to("dpo@acme.example")[0]
    assert announced["Reply-To"] == "privacy@ipvoice.example"

    reset = client.patch(path, json={"email": None}, headers=world.processor.headers)
    assert reset.status_code == 200 and reset.json["processor_email"] is None
