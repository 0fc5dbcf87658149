"""The personal page behind a notice's link: object, consent, reply, withdraw, with no account."""

from __future__ import annotations

import html
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
    # Said in the agreement's language first; the service's own words follow as details.
    page = " ".join(html.unescape(again.get_data(as_text=True)).split())
    assert "Dit is op dit moment niet mogelijk: het is misschien al gedaan" in page
    assert "Details (in het Engels, zoals het register ze vastlegt):" in page


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
    agreement.notify_emails = ["someone@elsewhere.example"]
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


def test_a_proposal_is_accepted_or_rejected_on_the_page_with_receipts(
    app: Flask, client: FlaskClient, token: str, change: dict[str, Any], world: World
) -> None:
    client.post(
        f"/respond/{token}/objections", data={"change_id": str(change["id"]), "grounds": GROUNDS}
    )
    objection_id = db.session.scalars(select(Objection.id)).one()
    base = f"/api/v1/objections/{objection_id}"
    proposal = {"outcome": "safeguards_agreed", "summary": "Alleen gepseudonimiseerde gegevens."}
    client.post(f"{base}/acknowledge", headers=world.processor.headers)
    client.post(f"{base}/propose", json=proposal, headers=world.processor.headers)

    page = client.get(f"/respond/{token}").get_data(as_text=True)
    assert "Alleen gepseudonimiseerde gegevens." in page
    assert "er zijn aanvullende waarborgen overeengekomen" in page
    assert f"/respond/{token}/objections/{objection_id}/accept" in page
    assert f"/respond/{token}/objections/{objection_id}/reject" in page
    other = token_for(app, world.other_agreement_id, "dpo@acme.example")
    assert client.post(f"/respond/{other}/objections/{objection_id}/accept").status_code == 404
    empty = client.post(f"/respond/{token}/objections/{objection_id}/reject", data={"reason": ""})
    assert empty.status_code == 422

    rejected = client.post(
        f"/respond/{token}/objections/{objection_id}/reject",
        data={"reason": "Ook gepseudonimiseerd blijven het persoonsgegevens."},
    )
    assert rejected.status_code == 200, rejected.get_data(as_text=True)
    shown = client.get(base, headers=world.controller.headers).json
    assert shown["state"] == "in_consultation"
    assert shown["messages"][-1]["body"] == "Ook gepseudonimiseerd blijven het persoonsgegevens."
    event = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "objection.proposal_rejected")
    ).one()
    assert (event.actor_contact, event.actor_token_id) == (CONTACT, None)

    client.post(f"{base}/propose", json=proposal, headers=world.processor.headers)
    accepted = client.post(f"/respond/{token}/objections/{objection_id}/accept")
    assert accepted.status_code == 200
    assert f"Het voorstel bij bezwaar {objection_id} is aanvaard" in accepted.get_data(as_text=True)
    shown = client.get(base, headers=world.controller.headers).json
    assert (shown["state"], shown["outcome"]) == ("resolved", "safeguards_agreed")
    receipts = [n.data["action"] for n in notices("respond_receipt")]
    assert receipts[-2:] == [
        f"Het voorstel bij bezwaar {objection_id} is afgewezen; het overleg gaat verder.",
        f"Het voorstel bij bezwaar {objection_id} is aanvaard; het bezwaar is afgehandeld.",
    ]
    again = client.post(f"/respond/{token}/objections/{objection_id}/accept")
    assert again.status_code == 409


def test_a_contact_objects_to_a_sub_processor_on_the_list(
    client: FlaskClient, token: str, change: dict[str, Any], world: World
) -> None:
    clock.advance(timedelta(days=31))  # Nordhosting is on the list
    page = client.get(f"/respond/{token}").get_data(as_text=True)
    assert "Bezwaar maken tegen een sub-verwerker op de lijst (art. 5.2)" in page
    assert f'<option value="{change["subprocessor_id"]}">Nordhosting</option>' in page
    response = client.post(
        f"/respond/{token}/listed-objections",
        data={"subprocessor_id": str(change["subprocessor_id"]), "grounds": GROUNDS},
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    objection = db.session.scalars(select(Objection)).one()
    assert (objection.kind.value, objection.subprocessor_id) == (
        "listed",
        change["subprocessor_id"],
    )
    page = client.get(f"/respond/{token}").get_data(as_text=True)
    assert "De sub-verwerker blijft tijdens het overleg in gebruik voor uw gegevens" in page
    assert "In gebruik; uw bezwaar loopt" in page  # the transfers row: not held back
    assert 'name="subprocessor_id"' not in page  # nothing left to object to
    again = client.post(
        f"/respond/{token}/listed-objections",
        data={"subprocessor_id": str(change["subprocessor_id"]), "grounds": GROUNDS},
    )
    assert again.status_code == 409
    missing = client.post(f"/respond/{token}/listed-objections", data={"grounds": GROUNDS})
    assert missing.status_code == 422


# --- the agreement itself: contacts and amendments (Art. 10.3) --------------------------------

NEW_CONTACT = "privacy@zeewolde.example"


def agreement_of(world: World) -> Agreement:
    db.session.expire_all()
    agreement = db.session.get(Agreement, world.agreement_id)
    assert agreement is not None
    return agreement


def audit_actor(action: str) -> tuple[str | None, int | None]:
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)).one()
    return event.actor_contact, event.actor_token_id


def test_a_contact_changes_the_contacts_on_the_page(
    client: FlaskClient, token: str, world: World
) -> None:
    page = client.get(f"/respond/{token}").get_data(as_text=True)
    assert "Contactpersonen voor kennisgevingen (art. 10.3)" in page
    assert f">{CONTACT}</textarea>" in page
    response = client.post(
        f"/respond/{token}/contacts", data={"notify_emails": f"{CONTACT}\n\n {NEW_CONTACT} \n"}
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_data(as_text=True)
    assert f"De contactpersonen van de overeenkomst zijn nu: {CONTACT}, {NEW_CONTACT}." in body
    assert f"/respond/{token}" in body  # the link still works: back to the page
    assert agreement_of(world).notify_emails == [CONTACT, NEW_CONTACT]
    assert audit_actor("agreement.contacts_changed") == (CONTACT, None)
    assert [n.data["actor"] for n in notices("respond_receipt")] == [CONTACT]
    assert [n.data["after"] for n in notices("agreement_contacts_changed")] == [
        [CONTACT, NEW_CONTACT]
    ]
    assert client.get(f"/respond/{token}").status_code == 200


def test_a_bad_address_is_shown_next_to_the_field_and_changes_nothing(
    client: FlaskClient, token: str, world: World
) -> None:
    response = client.post(
        f"/respond/{token}/contacts", data={"notify_emails": f"{CONTACT}\nfg@zeewolde"}
    )
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    error = "“fg@zeewolde” is geen adres waarop e-mail kan worden afgeleverd."
    assert f'<span class="field-error" id="notify_emails-error">{error}</span>' in body
    assert 'aria-describedby="notify_emails-error"' in body
    assert f">{CONTACT}\nfg@zeewolde</textarea>" in body  # what was entered, to correct it
    empty = client.post(f"/respond/{token}/contacts", data={"notify_emails": " \n"})
    assert "Noem 1 tot 20 adressen, één per regel." in empty.get_data(as_text=True)
    assert agreement_of(world).notify_emails == [CONTACT]
    assert notices("respond_receipt") == notices("agreement_contacts_changed") == []


def test_removing_ones_own_address_needs_the_confirmation_and_ends_the_link(
    client: FlaskClient, token: str, world: World
) -> None:
    refused = client.post(f"/respond/{token}/contacts", data={"notify_emails": NEW_CONTACT})
    assert refused.status_code == 422
    assert "vink het vakje aan om te bevestigen" in refused.get_data(as_text=True)
    assert agreement_of(world).notify_emails == [CONTACT]

    done = client.post(
        f"/respond/{token}/contacts", data={"notify_emails": NEW_CONTACT, "understood": "yes"}
    )
    assert done.status_code == 200, done.get_data(as_text=True)
    body = done.get_data(as_text=True)
    assert f"{CONTACT} hoort daar niet meer bij" in body
    assert "ook deze, werken niet meer" in body
    assert f"/respond/{token}" not in body  # no way back to a page that is gone
    assert agreement_of(world).notify_emails == [NEW_CONTACT]
    assert audit_actor("agreement.contacts_changed") == (CONTACT, None)
    assert [n.data["actor"] for n in notices("respond_receipt")] == [CONTACT]
    gone = client.get(f"/respond/{token}")
    assert gone.status_code == 410
    assert "Deze link werkt niet meer" in gone.get_data(as_text=True)


def propose_as_processor(client: FlaskClient, world: World, agreement_id: int) -> int:
    response = client.post(
        f"/api/v1/agreements/{agreement_id}/amendments",
        json={"changes": {"notice_days": 45}, "reason": "Meer tijd voor onze klanten."},
        headers=world.processor.headers,
    )
    assert response.status_code == 201, response.json
    return int(response.json["id"])


def test_a_contact_accepts_the_processors_amendment_on_the_page(
    client: FlaskClient, token: str, world: World, smtp_server: Any
) -> None:
    amendment_id = propose_as_processor(client, world, world.agreement_id)
    deliver()
    mail = text_of(smtp_server.to(CONTACT)[-1])
    assert "Aanvaard of verwerp de wijziging op uw persoonlijke pagina:" in mail
    assert re.search(r"https://registry\.test/respond/[^\s#]+#amendments", mail), mail

    page = client.get(f"/respond/{token}").get_data(as_text=True)
    assert f"Wijzigingsvoorstel {amendment_id} van IP Voice Group Services B.V." in page
    assert "<td>Aankondigingstermijn</td><td>30 dagen</td><td>45 dagen</td>" in page
    assert "Meer tijd voor onze klanten." in page
    assert f"/respond/{token}/amendments/{amendment_id}/accept" in page
    assert f"/respond/{token}/amendments/{amendment_id}/withdraw" not in page

    response = client.post(f"/respond/{token}/amendments/{amendment_id}/accept")
    assert response.status_code == 200, response.get_data(as_text=True)
    assert f"Wijzigingsvoorstel {amendment_id} is aanvaard" in response.get_data(as_text=True)
    assert agreement_of(world).notice_days == 45
    assert audit_actor("agreement.amendment_accepted") == (CONTACT, None)
    assert [n.data["actor"] for n in notices("respond_receipt")] == [CONTACT]
    again = client.post(f"/respond/{token}/amendments/{amendment_id}/accept")
    assert again.status_code == 409


def test_a_contact_proposes_an_amendment_on_the_page_and_withdraws_it(
    client: FlaskClient, token: str, world: World
) -> None:
    form = {
        "notice_days": "30",
        "objection_days": "14",
        "acknowledge_days": "5",
        "consultation_days": "30",
        "language": "nl",
        "reason": "Meer tijd voor overleg met de raad.",
    }
    too_short = client.post(f"/respond/{token}/amendments", data={**form, "notice_days": "7"})
    assert too_short.status_code == 422
    body = too_short.get_data(as_text=True)
    assert (
        '<span class="field-error" id="notice_days-error">Ten minste 14 dagen (het minimum).'
        in body
    )
    assert 'value="7" aria-invalid="true"' in body  # what was entered, marked
    unchanged = client.post(
        f"/respond/{token}/amendments", data={**form, "consultation_days": "20"}
    )
    assert "Wijzig ten minste één voorwaarde" in unchanged.get_data(as_text=True)
    assert notices("agreement_amendment_proposed") == []

    response = client.post(f"/respond/{token}/amendments", data=form)
    assert response.status_code == 200, response.get_data(as_text=True)
    shown = client.get(
        f"/api/v1/agreements/{world.agreement_id}/amendments", headers=world.processor.headers
    ).json[0]
    assert (shown["proposed_by"], shown["changes"], shown["state"]) == (
        "controller",
        {"consultation_days": 30},
        "proposed",
    )
    assert audit_actor("agreement.amendment_proposed") == (CONTACT, None)
    page = client.get(f"/respond/{token}").get_data(as_text=True)
    assert f"Wijzigingsvoorstel {shown['id']} van uw organisatie" in page
    assert "IP Voice Group Services B.V. moet het nog aanvaarden of verwerpen" in page
    assert f"/respond/{token}/amendments/{shown['id']}/accept" not in page
    assert 'name="notice_days"' not in page  # one open amendment at a time

    withdrawn = client.post(
        f"/respond/{token}/amendments/{shown['id']}/withdraw", data={"reason": "Niet meer nodig."}
    )
    assert withdrawn.status_code == 200, withdrawn.get_data(as_text=True)
    assert agreement_of(world).consultation_days == 20
    assert [n.data["actor"] for n in notices("respond_receipt")] == [CONTACT, CONTACT]


def test_another_agreements_link_cannot_answer_this_agreements_amendment(
    app: Flask, client: FlaskClient, world: World
) -> None:
    amendment_id = propose_as_processor(client, world, world.agreement_id)
    other = token_for(app, world.other_agreement_id, "dpo@acme.example")
    for verb in ("accept", "reject", "withdraw"):
        response = client.post(f"/respond/{other}/amendments/{amendment_id}/{verb}")
        assert response.status_code == 404, verb
    shown = client.get(
        f"/api/v1/agreements/{world.agreement_id}/amendments", headers=world.controller.headers
    ).json[0]
    assert shown["state"] == "proposed"
    assert agreement_of(world).notice_days == 30
    assert notices("respond_receipt") == []


@pytest.mark.parametrize(
    ("language", "sentences"),
    [
        (
            "nl",
            [
                "Contactpersonen voor kennisgevingen (art. 10.3)",
                "Ik begrijp dat mijn eigen link niet meer werkt als ik mijn adres verwijder",
                "De voorwaarden van de overeenkomst (art. 10.3)",
                "<dt>Termijn voor overleg</dt><dd>20 dagen</dd>",
                "<dt>Taal van de kennisgevingen</dt><dd>Nederlands</dd>",
                "Een wijziging voorstellen",
            ],
        ),
        (
            "en",
            [
                "Contacts for notices (Art. 10.3)",
                "I understand that my own link stops working if I remove my address",
                "The terms of the agreement (Art. 10.3)",
                "<dt>Consultation period</dt><dd>20 days</dd>",
                "<dt>Language of the notices</dt><dd>English</dd>",
                "Propose an amendment",
            ],
        ),
    ],
)
def test_the_agreement_sections_speak_the_agreements_language(
    app: Flask, client: FlaskClient, world: World, language: str, sentences: list[str]
) -> None:
    agreement_id, email = world.agreement_id, CONTACT
    if language == "en":
        agreement_id, email = world.other_agreement_id, "dpo@acme.example"
    page = client.get(f"/respond/{token_for(app, agreement_id, email)}").get_data(as_text=True)
    for sentence in sentences:
        assert sentence in page


def test_the_mail_footer_points_to_the_personal_page_for_the_contacts(
    client: FlaskClient, world: World, change: dict[str, Any], smtp_server: Any
) -> None:
    deliver()
    api = "/api/v1/agreements/{}/contacts"
    for email, sentence, agreement_id in (
        (CONTACT, "Wijzig de contactpersonen op uw persoonlijke pagina", world.agreement_id),
        (
            "dpo@acme.example",
            "Change the contacts on your personal page",
            world.other_agreement_id,
        ),
    ):
        text = text_of(smtp_server.to(email)[-1])
        found = re.search(
            sentence + r": https://registry\.test(/respond/[^\s?#]+)\S*#contacts", text
        )
        assert found, text
        assert "itself, with an API token" not in text and "zelf aan, met een API" not in text
        assert f"API-token: PATCH https://registry.test{api.format(agreement_id)}" in text or (
            f"API token: PATCH https://registry.test{api.format(agreement_id)}" in text
        )  # one short line for integrators
        assert client.get(found.group(1)).status_code == 200


def test_the_agreement_mails_point_to_the_personal_page_in_both_languages(
    client: FlaskClient, world: World, smtp_server: Any
) -> None:
    for agreement_id in (world.agreement_id, world.other_agreement_id):
        propose_as_processor(client, world, agreement_id)
    deliver()
    for email, sentence in (
        (CONTACT, "Aanvaard of verwerp de wijziging op uw persoonlijke pagina:"),
        ("dpo@acme.example", "Accept or reject it on your personal page:"),
    ):
        text = text_of(smtp_server.to(email)[-1])
        assert re.search(sentence + r"\nhttps://registry\.test/respond/\S+#amendments", text), text
    # The mail asking the controller's own address to confirm names no personal link: that
    # address is not a contact, so it says where the contacts find theirs.
    for organisation, sentence in (
        (world.controller, "Uw organisatie beheert de contactpersonen zelf: elke kennisgeving"),
        (world.other, "Your organisation keeps the contacts itself: every notice"),
    ):
        address = organisation.organisation.email
        text = " ".join(text_of(smtp_server.to(address)[0]).split())
        assert sentence in text, text
        assert "/respond/" not in text
