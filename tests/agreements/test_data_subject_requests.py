"""Data-subject requests (Art. 7): forwarded by the processor without personal data of the data
subject, acknowledged by the controller, help asked at the controller's cost."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import select

from registry import clock
from registry.agreements.data_subject_request_models import add_month
from registry.audit.models import AuditEvent
from registry.extensions import db
from tests.conftest import NOW, SmtpServer
from tests.factories import Party
from tests.notifications.conftest import html_of
from tests.objections.conftest import World, deliver, notices, subject_of, text_of, world

__all__ = ["world"]  # fixtures used by name below

REQUEST = {
    "received_at": "2026-11-26T14:30:00+01:00",
    "right": "erasure",
    "reference": "DSR-2026-0042",
    "channel": "email",
}


def forward(client: FlaskClient, party: Party, agreement_id: int, **body: Any) -> Any:
    return client.post(
        f"/api/v1/agreements/{agreement_id}/data-subject-requests",
        json={**REQUEST, **body},
        headers=party.headers,
    )


def forwarded(client: FlaskClient, world: World, agreement_id: int | None = None) -> Any:
    response = forward(client, world.processor, agreement_id or world.agreement_id)
    assert response.status_code == 201, response.json
    return response.json


def test_a_request_is_recorded_and_forwarded_with_the_controllers_clock(
    client: FlaskClient, world: World
) -> None:
    request = forwarded(client, world)
    assert request["right"] == "erasure"
    assert (request["reference"], request["channel"]) == ("DSR-2026-0042", "email")
    assert request["received_at"] == "2026-11-26T13:30:00+00:00"
    assert request["forwarded_at"] == NOW.isoformat()
    assert request["forwarded_after_hours"] == 19.5
    assert request["forwarded_late"] is False
    assert request["answer_due_at"] == "2026-12-26T13:30:00+00:00"
    assert (request["acknowledged_at"], request["help_requested_at"], request["help"]) == (
        None,
        None,
        None,
    )
    for party in (world.processor, world.controller):
        listed = client.get(
            f"/api/v1/agreements/{world.agreement_id}/data-subject-requests",
            headers=party.headers,
        )
        assert listed.status_code == 200 and [r["id"] for r in listed.json] == [request["id"]]
        assert json.loads(listed.headers["X-Pagination"])["total"] == 1
        one = client.get(f"/api/v1/data-subject-requests/{request['id']}", headers=party.headers)
        assert one.status_code == 200 and one.json == request
    event = db.session.scalar(
        select(AuditEvent).where(AuditEvent.action == "agreement.data_subject_request_forwarded")
    )
    assert event is not None and event.agreement_id == world.agreement_id
    assert event.data["right"] == "erasure" and event.data["reference"] == "DSR-2026-0042"


def test_a_field_not_in_the_schema_is_refused_so_no_personal_data_gets_in(
    client: FlaskClient, world: World
) -> None:
    response = forward(client, world.processor, world.agreement_id, name="Jan")
    assert response.status_code == 422
    assert "name" in response.json["errors"]
    email = forward(client, world.processor, world.agreement_id, email="jan@example.nl")
    assert email.status_code == 422 and "email" in email.json["errors"]
    assert notices("data_subject_request_forwarded") == []


def test_the_rules_of_the_fields(client: FlaskClient, world: World) -> None:
    unknown = forward(client, world.processor, world.agreement_id, right="be_forgotten_twice")
    assert unknown.status_code == 422 and "right" in unknown.json["errors"]
    future = forward(
        client, world.processor, world.agreement_id, received_at="2026-11-27T10:00:01+00:00"
    )
    assert future.status_code == 422 and "received_at" in future.json["errors"]
    before = forward(
        client, world.processor, world.agreement_id, received_at="2026-02-28T12:00:00+00:00"
    )
    assert before.status_code == 422 and "received_at" in before.json["errors"]
    for extreme in ("0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00"):
        refused = forward(client, world.processor, world.agreement_id, received_at=extreme)
        assert refused.status_code == 422 and "received_at" in refused.json["errors"]
    naive = forward(client, world.processor, world.agreement_id, received_at="2026-11-26T10:00:00")
    assert naive.status_code == 422 and "received_at" in naive.json["errors"]
    long = forward(client, world.processor, world.agreement_id, reference="R" * 101)
    assert long.status_code == 422 and "reference" in long.json["errors"]
    blank = forward(client, world.processor, world.agreement_id, channel="  ")
    assert blank.status_code == 422 and "channel" in blank.json["errors"]
    wide = forward(client, world.processor, world.agreement_id, channel="c" * 51)
    assert wide.status_code == 422 and "channel" in wide.json["errors"]
    missing = client.post(
        f"/api/v1/agreements/{world.agreement_id}/data-subject-requests",
        json={"right": "access"},
        headers=world.processor.headers,
    )
    assert missing.status_code == 422
    assert {"received_at", "reference", "channel"} <= set(missing.json["errors"])
    assert (
        forward(client, world.processor, world.agreement_id, reference="R" * 100).status_code == 201
    )


def test_a_forward_later_than_the_configured_days_is_flagged(
    client: FlaskClient, world: World
) -> None:
    three_days = (NOW - timedelta(days=3)).isoformat()
    late = forward(client, world.processor, world.agreement_id, received_at=three_days).json
    assert late["forwarded_late"] is True and late["forwarded_after_hours"] == 72.0
    two_days = (NOW - timedelta(days=2)).isoformat()
    in_time = forward(client, world.processor, world.agreement_id, received_at=two_days).json
    assert in_time["forwarded_late"] is False


def test_the_limit_is_configured(client: FlaskClient, world: World) -> None:
    client.application.config["DSR_FORWARD_DAYS"] = 5
    three_days = (NOW - timedelta(days=3)).isoformat()
    request = forward(client, world.processor, world.agreement_id, received_at=three_days).json
    assert request["forwarded_late"] is False


def test_the_answer_is_due_one_calendar_month_after_receipt(
    client: FlaskClient, world: World
) -> None:
    with clock.freeze(datetime(2027, 2, 1, 9, 0, tzinfo=UTC)):
        request = forward(
            client, world.processor, world.agreement_id, received_at="2027-01-31T10:00:00+01:00"
        ).json
    assert request["answer_due_at"] == "2027-02-28T09:00:00+00:00"
    # On the parties' calendar: late on 31 March in Amsterdam is 30 April there, summer time.
    assert add_month(clock.local(datetime(2027, 3, 31, 22, 30, tzinfo=UTC))).isoformat() == (
        "2027-05-01T00:30:00+02:00"
    )
    assert add_month(datetime(2027, 12, 15, tzinfo=UTC)) == datetime(2028, 1, 15, tzinfo=UTC)
    assert add_month(datetime(2028, 1, 31, tzinfo=UTC)) == datetime(2028, 2, 29, tzinfo=UTC)


def test_the_controller_acknowledges_once(client: FlaskClient, world: World) -> None:
    request = forwarded(client, world)
    url = f"/api/v1/data-subject-requests/{request['id']}/acknowledge"
    assert client.post(url, headers=world.processor.headers).status_code == 403
    clock.advance(timedelta(hours=3))
    first = client.post(url, headers=world.controller.headers)
    assert first.status_code == 200
    assert first.json["acknowledged_at"] == (NOW + timedelta(hours=3)).isoformat()
    again = client.post(url, headers=world.controller.headers)
    assert again.status_code == 409
    actions = db.session.scalars(
        select(AuditEvent.action).where(AuditEvent.object_type == "data_subject_request")
    ).all()
    assert actions == [
        "agreement.data_subject_request_forwarded",
        "agreement.data_subject_request_acknowledged",
    ]


def test_the_controller_asks_help_once_at_its_own_cost(client: FlaskClient, world: World) -> None:
    request = forwarded(client, world)
    url = f"/api/v1/data-subject-requests/{request['id']}/help"
    assert client.post(url, json={}, headers=world.processor.headers).status_code == 403
    extra = client.post(url, json={"name": "Jan"}, headers=world.controller.headers)
    assert extra.status_code == 422 and "name" in extra.json["errors"]
    asked = client.post(
        url, json={"note": "Please export the call recordings."}, headers=world.controller.headers
    )
    assert asked.status_code == 200, asked.json
    assert asked.json["help_requested_at"] == NOW.isoformat()
    assert asked.json["help"] == {
        "requested_at": NOW.isoformat(),
        "note": "Please export the call recordings.",
        "cost": "at the controller's cost (Art. 7.2)",
    }
    assert client.post(url, headers=world.controller.headers).status_code == 409
    event = db.session.scalar(
        select(AuditEvent).where(
            AuditEvent.action == "agreement.data_subject_request_help_requested"
        )
    )
    assert event is not None
    assert event.data["cost"] == "at the controller's cost (Art. 7.2)"
    assert event.data["note"] == "Please export the call recordings."
    assert len(notices("data_subject_request_help_requested")) == 1


def test_a_controller_cannot_forward_and_an_ended_agreement_takes_none(
    client: FlaskClient, world: World
) -> None:
    assert forward(client, world.controller, world.agreement_id).status_code == 403
    declined = client.post(
        f"/api/v1/agreements/{world.agreement_id}/decline", headers=world.controller.headers
    )
    assert declined.status_code == 200
    assert forward(client, world.processor, world.agreement_id).status_code == 409


def test_another_organisations_token_is_404_on_every_endpoint(
    client: FlaskClient, world: World
) -> None:
    request = forwarded(client, world)
    base = f"/api/v1/data-subject-requests/{request['id']}"
    listing = f"/api/v1/agreements/{world.agreement_id}/data-subject-requests"
    assert forward(client, world.other_processor, world.agreement_id).status_code == 404
    for party in (world.other_processor, world.other, world.stranger):
        assert client.get(listing, headers=party.headers).status_code == 404
        assert client.get(base, headers=party.headers).status_code == 404
    for party in (world.other, world.stranger):
        assert client.post(f"{base}/acknowledge", headers=party.headers).status_code == 404
        assert client.post(f"{base}/help", json={}, headers=party.headers).status_code == 404
    assert client.get(base).status_code == 401
    missing = "/api/v1/data-subject-requests/999999"
    assert client.get(missing, headers=world.controller.headers).status_code == 404
    assert (
        client.post(f"{missing}/acknowledge", headers=world.controller.headers).status_code == 404
    )


def test_the_forward_is_told_to_the_contacts_in_both_languages_without_personal_data(
    client: FlaskClient, world: World, smtp_server: SmtpServer
) -> None:
    deliver()
    smtp_server.handler.received.clear()
    forwarded(client, world)
    three_days = (NOW - timedelta(days=3)).isoformat()
    english = forward(
        client,
        world.processor,
        world.other_agreement_id,
        right="access",
        reference="REQ-7",
        channel="phone",
        received_at=three_days,
    )
    assert english.status_code == 201
    assert len(notices("data_subject_request_forwarded")) == 2
    deliver()

    dutch = smtp_server.to("dpo@zeewolde.example")
    assert len(dutch) == 1
    assert subject_of(dutch[0]) == (
        "IP Voice Group Services B.V. stuurt een verzoek van een betrokkene door (DSR-2026-0042)"
    )
    text = text_of(dutch[0])
    assert "Op grond van artikel 7.1 van verwerkersovereenkomst DPA-zeewolde" in text
    assert "Ingeroepen recht: wissing (AVG art. 17)" in text
    assert "Referentie van de verwerker: DSR-2026-0042" in text
    assert "Ontvangen via: email" in text
    assert "Ontvangen door de verwerker: 26 november 2026 om 14:30 CET" in text
    assert "uiterlijk op 26 december 2026 om 14:30 CET" in text
    assert "Er staan geen persoonsgegevens van de betrokkene in deze e-mail" in text
    assert "later dan" not in text
    assert "/api/v1/data-subject-requests/" in text and "/acknowledge" in text
    assert "uiterlijk op 26 december 2026 om 14:30 CET" in html_of(dutch[0])

    mail = smtp_server.to("dpo@acme.example")
    assert subject_of(mail[0]) == (
        "IP Voice Group Services B.V. forwards a data-subject request (REQ-7)"
    )
    text = text_of(mail[0])
    assert "Under article 7.1 of data processing agreement DPA-acme" in text
    assert "Right invoked: access (GDPR art. 15)" in text
    assert "Received through: phone" in text
    assert "more than 2 days after it was received" in text
    assert "at the latest on December 24, 2026 at 10:00 CET" in text
    assert "No personal data of the data subject is in this mail or in the registry" in text
    assert "No personal data of the data subject" in html_of(mail[0])
    assert smtp_server.to("dpo@stranger.example") == []


def test_a_request_for_help_is_told_to_the_processor(
    client: FlaskClient, world: World, smtp_server: SmtpServer
) -> None:
    request = forwarded(client, world)
    deliver()
    smtp_server.handler.received.clear()
    asked = client.post(
        f"/api/v1/data-subject-requests/{request['id']}/help",
        json={"note": "Please export the call recordings."},
        headers=world.controller.headers,
    )
    assert asked.status_code == 200
    deliver()
    mails = smtp_server.to("privacy@ipvoice.example")
    assert len(mails) == 1
    assert subject_of(mails[0]) == (
        "Gemeente Zeewolde asks your help with data-subject request DSR-2026-0042"
    )
    text = text_of(mails[0])
    assert "under article 7.2 of data processing agreement DPA-zeewolde" in text
    assert "The help is at the controller's cost." in text
    assert "Right invoked: erasure (GDPR art. 17)" in text
    assert "Please export the call recordings." in text
    assert "at the controller's cost" in html_of(mails[0])
