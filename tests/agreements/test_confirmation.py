"""An agreement needs both parties: the processor records it, the controller confirms or
declines it. It binds the processor from the moment it is recorded all the same."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from registry import clock
from registry.agreements.models import Agreement
from registry.extensions import db
from registry.notifications.models import Delivery
from registry.notifications.worker import run_once
from tests.conftest import NOW, SmtpServer
from tests.factories import AdminFactory, EntryFactory, Party, PartyFactory
from tests.notifications.conftest import html_of, subject_of, text_of

BODY = {
    "controller": "zeewolde",
    "reference": "VWO-2026-014",
    "signed_on": "2026-03-01",
    "language": "nl",
    "notify_emails": ["fg@zeewolde.example"],
    "notice_days": 30,
    "objection_days": 14,
}
CONTROLLER_MAIL = "privacy@zeewolde.example"  # the controller's own address (Organisation.email)
PROCESSOR_MAIL = "privacy@ipvoice.example"


@pytest.fixture
def parties(app: Any) -> dict[str, Party]:
    return {
        "processor": PartyFactory(
            kind="processor", slug="ipvoice", name="IP Voice Group Services B.V.", language="en"
        ),
        "controller": PartyFactory(kind="controller", slug="zeewolde", name="Gemeente Zeewolde"),
        "other_processor": PartyFactory(kind="processor", slug="othervoice"),
        "other_controller": PartyFactory(kind="controller", slug="ermelo"),
    }


@pytest.fixture
def agreement(client: FlaskClient, parties: dict[str, Party]) -> dict[str, Any]:
    response = client.post("/api/v1/agreements", json=BODY, headers=parties["processor"].headers)
    assert response.status_code == 201, response.json
    return dict(response.json)


def answer(client: FlaskClient, party: Party, agreement_id: int, verb: str, **body: Any) -> Any:
    return client.post(
        f"/api/v1/agreements/{agreement_id}/{verb}", json=body or None, headers=party.headers
    )


def deliver() -> None:
    run_once()
    db.session.expire_all()


def test_a_recorded_agreement_is_pending_for_both_parties(
    client: FlaskClient, parties: dict[str, Party], agreement: dict[str, Any]
) -> None:
    assert agreement["status"] == "pending"
    assert agreement["confirmed_at"] is None and agreement["declined_at"] is None
    for name in ("processor", "controller"):
        headers = parties[name].headers
        listed = client.get("/api/v1/agreements?status=pending", headers=headers).json
        assert [(a["id"], a["status"]) for a in listed] == [(agreement["id"], "pending")]
        assert client.get("/api/v1/agreements?status=confirmed", headers=headers).json == []
    bad = client.get("/api/v1/agreements?status=signed", headers=parties["controller"].headers)
    assert bad.status_code == 422 and "status" in bad.json["errors"]


def test_the_controllers_own_address_is_asked_to_confirm(
    client: FlaskClient,
    parties: dict[str, Party],
    agreement: dict[str, Any],
    smtp_server: SmtpServer,
) -> None:
    deliver()
    # Only the address the controller registered: the contacts are the processor's word.
    assert [r.envelope_to for r in smtp_server.handler.received] == [[CONTROLLER_MAIL]]
    mail = smtp_server.to(CONTROLLER_MAIL)[0]
    assert subject_of(mail) == (
        "IP Voice Group Services B.V. heeft overeenkomst VWO-2026-014 met u vastgelegd: "
        "bevestig of weiger deze"
    )
    assert mail["Content-Language"] == "nl"
    text = text_of(mail)
    assert "ondertekend op 1 maart 2026" in text
    assert "Gemeente Zeewolde als verwerkingsverantwoordelijke" in text
    assert "De overeenkomst wacht op uw bevestiging" in text
    assert "Aankondigingstermijn: 30 dagen" in text
    assert "Bezwaartermijn: 14 dagen" in text
    assert "fg@zeewolde.example" in text
    assert "Uw organisatie beheert de contactpersonen zelf: elke kennisgeving" in " ".join(
        text.split()
    )
    base = f"https://registry.test/api/v1/agreements/{agreement['id']}"
    assert f"Bevestigen: POST {base}/confirm" in text
    assert f"Voor koppelingen, met een API-token: PATCH {base}/contacts" in text
    assert f"Weigeren: POST {base}/decline" in text
    assert f"POST {base}/confirm" in html_of(mail)
    delivery = db.session.scalars(select(Delivery)).one()
    assert delivery.agreement_id == agreement["id"]
    assert delivery.organisation_id == parties["controller"].organisation.id


def test_confirming_tells_the_processor_and_is_final(
    client: FlaskClient,
    parties: dict[str, Party],
    agreement: dict[str, Any],
    smtp_server: SmtpServer,
) -> None:
    controller = parties["controller"]
    clock.advance(timedelta(hours=2))
    response = answer(client, controller, agreement["id"], "confirm")
    assert response.status_code == 200, response.json
    assert response.json["status"] == "confirmed"
    assert response.json["confirmed_at"].startswith("2026-11-27T11:00:00")
    seen = client.get(f"/api/v1/agreements/{agreement['id']}", headers=parties["processor"].headers)
    assert seen.json["status"] == "confirmed"

    for verb in ("confirm", "decline"):
        again = answer(client, controller, agreement["id"], verb)
        assert again.status_code == 409, again.json
        assert again.json["state"] == "confirmed"
        assert "confirmed" in again.json["detail"]

    deliver()
    mail = smtp_server.to(PROCESSOR_MAIL)[0]
    assert subject_of(mail) == "Gemeente Zeewolde confirmed agreement VWO-2026-014"
    text = text_of(mail)
    assert (
        "confirmed data processing agreement VWO-2026-014 on November 27, 2026 at 12:00 CET"
    ) in text
    assert "in force since you recorded it on November 27, 2026 at 10:00 CET" in text


def test_declining_ends_the_agreement_and_removes_it_from_the_controllers_view(
    client: FlaskClient,
    parties: dict[str, Party],
    agreement: dict[str, Any],
    smtp_server: SmtpServer,
) -> None:
    controller, processor = parties["controller"], parties["processor"]
    agreement_id = agreement["id"]
    response = answer(client, controller, agreement_id, "decline", reason="Not our contract.")
    assert response.status_code == 200, response.json
    assert response.json["status"] == "declined"
    assert response.json["decline_reason"] == "Not our contract."
    assert response.json["declined_at"] == response.json["terminated_at"]

    assert client.get("/api/v1/agreements", headers=controller.headers).json == []
    for path in ("", "/transfers", "/consents"):
        gone = client.get(f"/api/v1/agreements/{agreement_id}{path}", headers=controller.headers)
        assert gone.status_code == 404, (path, gone.json)
    consent = client.post(
        f"/api/v1/agreements/{agreement_id}/consents",
        json={"code": "IN"},
        headers=controller.headers,
    )
    assert consent.status_code == 404
    assert answer(client, controller, agreement_id, "confirm").status_code == 404

    # The processor keeps it as history, declined.
    kept = client.get(f"/api/v1/agreements/{agreement_id}", headers=processor.headers).json
    assert kept["status"] == "declined"
    declined = client.get("/api/v1/agreements?status=declined", headers=processor.headers).json
    assert [a["id"] for a in declined] == [agreement_id]

    deliver()
    assert smtp_server.to(CONTROLLER_MAIL) == []  # answered before it was asked: no question
    mail = smtp_server.to(PROCESSOR_MAIL)[0]
    assert subject_of(mail) == "Gemeente Zeewolde declined agreement VWO-2026-014"
    text = text_of(mail)
    assert "The agreement has ended" in text
    assert "Reason given by the controller:\nNot our contract." in text


def test_a_declined_agreement_is_no_longer_in_force(
    client: FlaskClient, parties: dict[str, Party], agreement: dict[str, Any]
) -> None:
    processor = parties["processor"]
    answer(client, parties["controller"], agreement["id"], "decline")
    clock.advance(timedelta(days=1))
    overview = client.get("/api/v1/transfers", headers=processor.headers)
    assert overview.json == []
    # No notice period to respect any more, and no contact to tell.
    response = client.post(
        "/api/v1/processors/ipvoice/changes",
        json={"action": "add", "reason": "Hosting", "subprocessor": EntryFactory()},
        headers=processor.headers,
    )
    assert response.status_code == 201, response.json
    assert response.json["effective_at"] == response.json["announced_at"]


def test_a_pending_agreement_binds_the_processor_from_when_it_was_recorded(
    client: FlaskClient, parties: dict[str, Party], agreement: dict[str, Any]
) -> None:
    processor, controller = parties["processor"], parties["controller"]
    response = client.post(
        "/api/v1/processors/ipvoice/changes",
        json={"action": "add", "reason": "Hosting", "subprocessor": EntryFactory()},
        headers=processor.headers,
    )
    assert response.status_code == 201, response.json
    change = response.json
    assert change["effective_at"].startswith((NOW + timedelta(days=30)).date().isoformat())
    run_once()
    db.session.expire_all()
    told = db.session.scalars(
        select(Delivery.recipient).where(Delivery.agreement_id == agreement["id"])
    ).all()
    assert sorted(told) == ["fg@zeewolde.example", CONTROLLER_MAIL]
    transfers = client.get(
        f"/api/v1/agreements/{agreement['id']}/transfers", headers=controller.headers
    )
    assert transfers.status_code == 200
    objection = client.post(
        f"/api/v1/changes/{change['id']}/objections",
        json={"grounds": "Not in our DPIA."},
        headers=controller.headers,
    )
    assert objection.status_code == 201, objection.json


def test_an_ended_pending_agreement_cannot_be_answered(
    client: FlaskClient, parties: dict[str, Party], agreement: dict[str, Any]
) -> None:
    db.session.get(Agreement, agreement["id"]).terminated_at = NOW  # type: ignore[union-attr]
    db.session.commit()
    response = answer(client, parties["controller"], agreement["id"], "confirm")
    assert response.status_code == 409
    assert response.json["state"] == "terminated"


def test_only_the_controller_of_the_agreement_answers(
    client: FlaskClient, parties: dict[str, Party], agreement: dict[str, Any]
) -> None:
    for verb in ("confirm", "decline"):
        path = f"/api/v1/agreements/{agreement['id']}/{verb}"
        assert client.post(path).status_code == 401
        stranger = client.post(path, headers=parties["other_controller"].headers)
        assert stranger.status_code == 404
        assert client.post(path, headers=AdminFactory().headers).status_code == 403
        for name in ("processor", "other_processor"):
            assert client.post(path, headers=parties[name].headers).status_code == 403
        missing = client.post(
            "/api/v1/agreements/99999/" + verb, headers=parties["controller"].headers
        )
        assert missing.status_code == 404
    listed = client.get("/api/v1/agreements", headers=parties["controller"].headers).json
    assert [a["status"] for a in listed] == ["pending"]
