"""An agreement that comes in force while changes are announced is told of them, and may object
to each until the later of the change's own window and its own objection period."""

from __future__ import annotations

from datetime import timedelta

from flask.testing import FlaskClient
from sqlalchemy import select

from registry import clock
from registry.agreements import service
from registry.agreements.models import Agreement
from registry.extensions import db
from registry.subprocessors.models import Change
from tests.conftest import NOW, SmtpServer
from tests.factories import ConsentEntryFactory, PartyFactory
from tests.notifications.conftest import html_of
from tests.objections.conftest import (
    World,
    announce,
    deliver,
    notices,
    record_agreement,
    subject_of,
    text_of,
    world,
)

__all__ = ["world"]  # fixtures used by name below


def _rows(kind: str) -> list[int | None]:
    return [notice.agreement_id for notice in notices(kind)]


def test_the_deadline_is_the_later_of_the_changes_window_and_the_agreements_own(
    client: FlaskClient, world: World
) -> None:
    change = db.session.get(Change, announce(client, world.processor)["id"])
    assert change is not None
    early = db.session.get(Agreement, world.agreement_id)
    assert early is not None
    assert service.objection_deadline(agreement=early, change=change) == NOW + timedelta(days=14)

    clock.advance(timedelta(days=10))
    late_party = PartyFactory(kind="controller", slug="ermelo", name="Gemeente Ermelo")
    late = db.session.get(
        Agreement, record_agreement(client, world.processor, late_party, objection_days=20)["id"]
    )
    assert late is not None
    assert service.objection_deadline(agreement=late, change=change) == NOW + timedelta(days=30)
    clock.advance(timedelta(days=10))
    later_party = PartyFactory(kind="controller", slug="putten", name="Gemeente Putten")
    short = db.session.get(Agreement, record_agreement(client, world.processor, later_party)["id"])
    assert short is not None
    # Recorded after the change's own window closed: 14 days of its own from then.
    assert service.objection_deadline(agreement=short, change=change) == NOW + timedelta(days=34)


def test_a_late_agreement_is_welcomed_with_the_list_and_the_pending_changes(
    client: FlaskClient, world: World, smtp_server: SmtpServer
) -> None:
    assert _rows("agreement_welcome") == []  # nothing was announced when these were recorded
    announce(client, world.processor)
    clock.advance(timedelta(days=31))  # in effect: on the list
    change = announce(client, world.processor, subprocessor=ConsentEntryFactory(name="Cloudbridge"))
    clock.advance(timedelta(days=10))
    ermelo = PartyFactory(kind="controller", slug="ermelo", name="Gemeente Ermelo")
    dutch = record_agreement(client, world.processor, ermelo)
    bristol = PartyFactory(kind="controller", slug="bristol", name="Bristol Care Ltd")
    english = record_agreement(client, world.processor, bristol, language="en")
    assert _rows("agreement_welcome") == [dutch["id"], english["id"]]
    deliver()

    mail = smtp_server.to("dpo@ermelo.example")[0]
    assert subject_of(mail) == (
        "Overeenkomst DPA-ermelo met IP Voice Group Services B.V.: de sub-verwerkers en de "
        "aangekondigde wijzigingen"
    )
    text = " ".join(text_of(mail).split())
    assert "IP Voice Group Services B.V. schakelt op dit moment 1 sub-verwerker in." in text
    assert "https://registry.test/p/ipvoice?lang=nl" in text
    assert "nooit korter dan de bezwaartermijn van uw overeenkomst (14 dagen)" in text
    assert "toevoeging van een sub-verwerker: Cloudbridge" in text
    assert "Gaat in op 27 januari 2027 om 10:00 CET" in text
    # Recorded ten days after the announcement, with 14 days of its own: 21 January.
    assert "U kunt bezwaar aantekenen tot 21 januari 2027 om 10:00 CET" in text
    assert f"/p/ipvoice/changes/{change['id']}?lang=nl" in text
    assert "/respond/" in text  # its personal page, to object there
    assert "U kunt bezwaar aantekenen tot" in html_of(mail)

    told = smtp_server.to("dpo@bristol.example")[0]
    assert subject_of(told) == (
        "Agreement DPA-bristol with IP Voice Group Services B.V.: the sub-processors and the "
        "changes announced"
    )
    text = " ".join(text_of(told).split())
    assert "IP Voice Group Services B.V. engages 1 sub-processor at present." in text
    assert "You may object until January 21, 2027 at 10:00 CET" in text


def test_no_welcome_once_the_changes_took_effect_or_were_withdrawn(
    client: FlaskClient, world: World
) -> None:
    change = announce(client, world.processor)
    withdrawn = client.post(
        f"/api/v1/processors/ipvoice/changes/{change['id']}/withdraw",
        json={"reason": "Plans changed."},
        headers=world.processor.headers,
    )
    assert withdrawn.status_code == 200, withdrawn.json
    ermelo = PartyFactory(kind="controller", slug="ermelo", name="Gemeente Ermelo")
    record_agreement(client, world.processor, ermelo)
    assert _rows("agreement_welcome") == []
    assert db.session.scalars(select(Change.id)).all() == [change["id"]]
