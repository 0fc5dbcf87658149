"""A change of the adequacy table told to the processor and its controllers, once."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from registry import clock
from registry.audit.models import AuditEvent
from registry.extensions import db
from registry.notifications.models import Notice
from tests.conftest import SmtpServer
from tests.factories import EntryFactory
from tests.notifications.conftest import World, announce, deliver, html_of, subject_of, text_of

LONDON = EntryFactory(
    name="Londonhost",
    locations=[{"code": "GB", "activities": ["hosting"]}],
    transfer_mechanism="adequacy",
)
BEFORE_EXPIRY = datetime(2031, 12, 27, 6, 0, tzinfo=UTC)
AFTER_EXPIRY = datetime(2031, 12, 28, 6, 0, tzinfo=UTC)


@pytest.fixture
def uk_location(client: FlaskClient, world: World, smtp_server: SmtpServer) -> None:
    announce(client, world.processor, subprocessor=LONDON, effective_at="2027-01-04T09:00:00Z")
    with clock.freeze(datetime(2027, 1, 5, tzinfo=UTC)):
        deliver()  # the announcement and its taking effect


def impact(app: Flask, start: str, end: str) -> Any:
    return app.test_cli_runner().invoke(args=["adequacy", "impact", "--from", start, "--to", end])


def adequacy_mail(smtp_server: SmtpServer, address: str) -> list[Any]:
    return [m for m in smtp_server.to(address) if "2031" in subject_of(m)]


def told() -> int:
    return (
        db.session.scalar(
            select(func.count()).select_from(Notice).where(Notice.kind == "adequacy_changed")
        )
        or 0
    )


def test_the_uk_expiry_is_told_to_processor_and_controllers_once(
    app: Flask, world: World, uk_location: None, smtp_server: SmtpServer
) -> None:
    with clock.freeze(AFTER_EXPIRY):
        result = impact(app, "2031-12-27", "2031-12-28")
        assert result.exit_code == 0, result.output
        assert "2031-12-28: 1 processor(s) told" in result.output
        deliver()

    (english,) = adequacy_mail(smtp_server, "dpo@acme.example")
    assert subject_of(english) == (
        "IP Voice Group Services B.V.: the adequacy table changes on December 28, 2031"
    )
    body = " ".join(text_of(english).split())
    assert (
        "The EU adequacy table changes on December 28, 2031: the assessment of the following "
        "locations on the list of sub-processors of IP Voice Group Services B.V. changes with it."
    ) in body
    assert (
        "Londonhost, United Kingdom (GB): until then adequacy decision C(2025) 8771 (renewal of "
        "(EU) 2021/1772); from December 28, 2031 no adequacy decision: prior consent required "
        "(Art. 3.1)."
    ) in body
    assert "Londonhost, United Kingdom (GB)" in html_of(english)

    (dutch,) = adequacy_mail(smtp_server, "privacy@zeewolde.example")
    body = " ".join(text_of(dutch).split())
    assert (
        "De tabel van adequaatheidsbesluiten van de EU wijzigt op 28 december 2031: daarmee "
        "verandert de beoordeling van de volgende locaties op de lijst van sub-verwerkers van "
        "IP Voice Group Services B.V."
    ) in body
    assert "Londonhost, Verenigd Koninkrijk (GB): tot dan adequaatheidsbesluit" in body
    assert (
        "vanaf 28 december 2031 geen adequaatheidsbesluit: voorafgaande toestemming vereist "
        "(art. 3.1)."
    ) in body
    assert len(adequacy_mail(smtp_server, "fg@zeewolde.example")) == 1
    assert len(adequacy_mail(smtp_server, world.processor.organisation.email)) == 1

    events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "adequacy.changed")
    ).all()
    assert {event.agreement_id for event in events} == {
        None,
        world.zeewolde_agreement.id,
        world.acme_agreement.id,
    }
    assert all(event.data == {"day": "2031-12-28", "locations": ["GB"]} for event in events)

    with clock.freeze(AFTER_EXPIRY):
        again = impact(app, "2031-12-27", "2031-12-28")
        assert "No change of the adequacy table left to tell" in again.output
        deliver()
    assert told() == 1
    assert len(adequacy_mail(smtp_server, "dpo@acme.example")) == 1


def test_the_worker_tells_each_day_once_and_not_what_preceded_it(
    world: World, uk_location: None, smtp_server: SmtpServer
) -> None:
    with clock.freeze(BEFORE_EXPIRY):
        assert deliver().jobs["adequacy_changed"] == 0  # where the worker starts watching
    with clock.freeze(AFTER_EXPIRY):
        assert deliver().jobs["adequacy_changed"] == 1
        assert deliver().jobs["adequacy_changed"] == 0
    assert told() == 1
    assert len(adequacy_mail(smtp_server, "dpo@acme.example")) == 1


def test_a_day_told_by_the_command_is_not_told_again_by_the_worker(
    app: Flask, world: World, uk_location: None
) -> None:
    with clock.freeze(BEFORE_EXPIRY):
        deliver()
        impact(app, "2031-12-27", "2031-12-28")  # told in advance
    with clock.freeze(AFTER_EXPIRY):
        assert deliver().jobs["adequacy_changed"] == 0
    assert told() == 1


def test_a_day_without_an_affected_location_tells_no_one(app: Flask, world: World) -> None:
    result = impact(app, "2026-01-25", "2026-01-26")  # Brazil: not on this list
    assert result.exit_code == 0
    assert "2026-01-26: 0 processor(s) told" in result.output
    assert told() == 0


def test_to_before_from_is_refused(app: Flask) -> None:
    result = impact(app, "2031-12-28", "2031-12-27")
    assert result.exit_code != 0
    assert "--to is before --from" in result.output


def test_a_controller_for_whom_the_subprocessor_is_not_used_is_not_told(
    app: Flask, client: FlaskClient, world: World, uk_location: None, smtp_server: SmtpServer
) -> None:
    listing = client.get("/api/v1/processors/ipvoice/subprocessors?at=2027-02-01").json
    (london,) = [entry for entry in listing["subprocessors"] if entry["name"] == "Londonhost"]
    with clock.freeze(datetime(2027, 2, 1, tzinfo=UTC)):
        filed = client.post(
            f"/api/v1/agreements/{world.acme_agreement.id}/objections",
            json={"subprocessor_id": london["id"], "grounds": "We keep our data out of the UK."},
            headers=world.acme.headers,
        )
        assert filed.status_code == 201, filed.json
        base = f"/api/v1/objections/{filed.json['id']}"
        client.post(f"{base}/acknowledge", headers=world.processor.headers)
        resolved = client.post(
            f"{base}/resolve",
            json={"outcome": "not_used_for_controller", "summary": "Acme's data stays out."},
            headers=world.processor.headers,
        )
        assert resolved.status_code == 200, resolved.json

    with clock.freeze(AFTER_EXPIRY):
        assert impact(app, "2031-12-27", "2031-12-28").exit_code == 0
        deliver()

    assert adequacy_mail(smtp_server, "dpo@acme.example") == []
    assert len(adequacy_mail(smtp_server, "privacy@zeewolde.example")) == 1
    events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "adequacy.changed")
    ).all()
    assert {event.agreement_id for event in events} == {None, world.zeewolde_agreement.id}
