"""The personal page behind a notice's link: object, consent, reply, withdraw, with no account."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from registry import clock
from registry.agreements.models import Agreement
from registry.audit.models import AuditEvent
from registry.extensions import db
from registry.notifications.models import Delivery
from registry.objections.models import Objection, ObjectionMessage
from registry.web import links
from tests.objections.conftest import GROUNDS, World, change, deliver, notices, text_of, world

__all__ = ["change", "world"]  # fixtures used by name below

CONTACT = "dpo@zeewolde.example"


def token_for(app: Flask, agreement_id: int, email: str = CONTACT) -> str:
    with app.test_request_context():
        agreement = db.session.get(Agreement, agreement_id)
        assert agreement is not None
        return links.respond_token(agreement, email)


@pytest.fixture
def token(app: Flask, world: World) -> str:
    return token_for(app, world.agreement_id)


def test_the_page_shows_the_change_the_transfers_and_the_forms(
    client: FlaskClient, token: str, change: dict[str, Any]
) -> None:
    response = client.get(f"/respond/{token}?change={change['id']}")
    assert response.status_code == 200
    for name, value in {
        "Cache-Control": "no-store",
        "Referrer-Policy": "no-referrer",
        "X-Robots-Tag": "noindex, nofollow",
    }.items():
        assert response.headers[name] == value
    assert "Set-Cookie" not in response.headers
    body = response.get_data(as_text=True)
    assert '<html lang="nl">' in body  # the agreement's language
    assert "Uw overeenkomst met IP Voice Group Services B.V." in body
    assert CONTACT in body
    assert 'name="grounds"' in body and 'name="code"' in body


def test_a_contact_files_an_objection_recorded_in_its_name_with_receipts(
    client: FlaskClient, token: str, change: dict[str, Any], world: World
) -> None:
    response = client.post(
        f"/respond/{token}/objections",
        data={"change_id": str(change["id"]), "grounds": GROUNDS, "remedy": "Keep it in the EEA"},
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    objection = db.session.scalars(select(Objection)).one()
    assert objection.controller_id == world.controller.organisation.id
    event = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "objection.filed")
    ).one()
    assert (event.actor_org_id, event.actor_contact, event.actor_token_id) == (
        world.controller.organisation.id,
        CONTACT,
        None,
    )
    receipt = notices("respond_receipt")[-1]
    assert receipt.agreement_id == world.agreement_id
    assert receipt.data["actor"] == CONTACT
    assert [n.kind for n in notices("objection_filed")] == ["objection_filed"]
    again = client.post(
        f"/respond/{token}/objections",
        data={"change_id": str(change["id"]), "grounds": GROUNDS},
    )
    assert again.status_code == 409  # one open objection, as in the API
    assert db.session.scalars(select(Objection)).all() == [objection]


def test_the_same_rules_as_the_api_give_a_clear_page(
    client: FlaskClient, token: str, change: dict[str, Any]
) -> None:
    response = client.post(
        f"/respond/{token}/objections", data={"change_id": str(change["id"]), "grounds": ""}
    )
    assert response.status_code == 422
    assert "grounds" in response.get_data(as_text=True)
    assert db.session.scalars(select(Objection)).all() == []
    assert notices("respond_receipt") == []


def test_the_consultation_is_read_and_answered_on_the_page(
    client: FlaskClient, token: str, change: dict[str, Any], world: World
) -> None:
    client.post(
        f"/respond/{token}/objections",
        data={"change_id": str(change["id"]), "grounds": GROUNDS},
    )
    objection_id = db.session.scalars(select(Objection.id)).one()
    processor = world.processor.headers
    assert (
        client.post(f"/api/v1/objections/{objection_id}/acknowledge", headers=processor)
    ).status_code == 200
    client.post(
        f"/api/v1/objections/{objection_id}/messages",
        json={"body": "Support stays in Amsterdam for your data."},
        headers=processor,
    )
    page = client.get(f"/respond/{token}").get_data(as_text=True)
    assert "Support stays in Amsterdam for your data." in page
    reply = client.post(
        f"/respond/{token}/objections/{objection_id}/messages",
        data={"body": "Dank u, dat lost het op."},
    )
    assert reply.status_code == 200
    bodies = db.session.scalars(select(ObjectionMessage.body).order_by(ObjectionMessage.id))
    assert list(bodies) == ["Support stays in Amsterdam for your data.", "Dank u, dat lost het op."]
    withdrawn = client.post(
        f"/respond/{token}/objections/{objection_id}/withdraw", data={"reason": "Opgelost"}
    )
    assert withdrawn.status_code == 200
    db.session.expire_all()
    assert db.session.get(Objection, objection_id).state.value == "withdrawn"  # type: ignore[union-attr]


def test_consent_given_on_the_page_shows_in_the_transfers_view(
    client: FlaskClient, token: str, change: dict[str, Any], world: World
) -> None:
    clock.advance(timedelta(days=31))  # the change is in effect: India needs consent now
    response = client.post(
        f"/respond/{token}/consents",
        data={"code": "IN", "name": "J. de Vries", "role": "functionaris gegevensbescherming"},
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    transfers = client.get(
        f"/api/v1/agreements/{world.agreement_id}/transfers", headers=world.controller.headers
    ).json["transfers"]
    assert {row["code"]: row["status"] for row in transfers}["IN"] == "consent_given"
    consent = client.get(
        f"/api/v1/agreements/{world.agreement_id}/consents", headers=world.controller.headers
    ).json[0]
    assert "J. de Vries (functionaris gegevensbescherming)" in consent["note"]
    assert CONTACT in consent["note"]


def test_an_expired_link_says_so(client: FlaskClient, token: str) -> None:
    clock.advance(timedelta(days=91))
    response = client.get(f"/respond/{token}")
    assert response.status_code == 410
    body = response.get_data(as_text=True)
    assert "Deze link werkt niet meer" in body
    assert "privacy@ipvoice.example" in body  # whom to ask
    assert response.headers["Cache-Control"] == "no-store"


def test_a_removed_contact_and_a_forged_link_do_not_work(
    app: Flask, client: FlaskClient, world: World, token: str
) -> None:
    assert client.get("/respond/not-a-token").status_code == 404
    stranger = token_for(app, world.agreement_id, "someone@elsewhere.example")
    assert client.get(f"/respond/{stranger}").status_code == 410
    agreement = db.session.get(Agreement, world.agreement_id)
    assert agreement is not None
    agreement.contacts_revision += 1
    db.session.commit()
    assert client.get(f"/respond/{token}").status_code == 410


def test_another_agreements_link_cannot_act_on_this_agreement(
    app: Flask, client: FlaskClient, world: World, change: dict[str, Any], token: str
) -> None:
    client.post(
        f"/respond/{token}/objections",
        data={"change_id": str(change["id"]), "grounds": GROUNDS},
    )
    objection_id = db.session.scalars(select(Objection.id)).one()
    other = token_for(app, world.other_agreement_id, "dpo@acme.example")
    for path, data in (
        (f"/respond/{other}/objections/{objection_id}/messages", {"body": "Hello"}),
        (f"/respond/{other}/objections/{objection_id}/withdraw", {"reason": "Mine now"}),
    ):
        response = client.post(path, data=data)
        assert response.status_code == 404, path
    assert db.session.scalars(select(ObjectionMessage)).all() == []
    assert db.session.get(Objection, objection_id).state.value == "filed"  # type: ignore[union-attr]


def test_a_lost_link_is_sent_again_to_contacts_only(client: FlaskClient, world: World) -> None:
    for address in (CONTACT, "nobody@example.org"):
        response = client.post("/p/ipvoice/link", data={"email": address})
        assert response.status_code == 200
        assert "If this address is a contact" in response.get_data(as_text=True) or (
            "Als dit adres" in response.get_data(as_text=True)
        )
    sent = notices("respond_link")
    assert [(n.agreement_id, n.data["email"]) for n in sent] == [(world.agreement_id, CONTACT)]


def test_a_real_notice_carries_a_personal_link_that_is_never_stored(
    client: FlaskClient, world: World, change: dict[str, Any], smtp_server: Any
) -> None:
    deliver()
    mail = smtp_server.to(CONTACT)[-1]
    text = text_of(mail)
    links_in_mail = re.findall(r"https://registry\.test(/respond/[^\s?]+)\?change=(\d+)", text)
    assert links_in_mail, text
    path, change_id = links_in_mail[0]
    assert int(change_id) == change["id"]
    assert "POST /api/v1/changes/" in text  # one short line for integrators
    assert "https://registry.test/p/ipvoice/changes/" in text  # the change is a page
    page = client.get(f"{path}?change={change_id}")
    assert page.status_code == 200
    assert "Bezwaar maken tegen een aangekondigde wijziging" in page.get_data(as_text=True)
    token = path.rsplit("/", 1)[1]
    for payload in db.session.scalars(select(Delivery.payload)):
        assert token not in json.dumps(payload)
