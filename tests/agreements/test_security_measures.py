"""The processor's overview of its security measures (Art. 6.1, 2.2): versioned, read by its
controllers on request (each read recorded), never public."""

from __future__ import annotations

from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import select

from registry.audit.models import AuditEvent
from registry.extensions import db
from tests.conftest import SmtpServer
from tests.factories import Party
from tests.notifications.conftest import html_of
from tests.objections.conftest import World, deliver, notices, subject_of, text_of, world

__all__ = ["world"]  # fixtures used by name below

URL = "/api/v1/processors/ipvoice/security-measures"
MEASURES = "# Security measures\n\nISO 27001 certified; encryption at rest (AES-256)."


def publish(client: FlaskClient, party: Party, text: str, **body: Any) -> Any:
    return client.put(
        f"/api/v1/processors/{party.slug}/security-measures",
        json={"text": text, **body},
        headers=party.headers,
    )


def provided(agreement_id: int) -> list[dict[str, Any]]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            select(AuditEvent.data)
            .where(
                AuditEvent.action == "agreement.security_measures_provided",
                AuditEvent.agreement_id == agreement_id,
            )
            .order_by(AuditEvent.id)
        )
    )


def test_versions_and_the_same_text_again(client: FlaskClient, world: World) -> None:
    first = publish(client, world.processor, MEASURES)
    assert first.status_code == 200, first.json
    assert (first.json["version"], first.json["text"], first.json["summary"]) == (1, MEASURES, None)
    same = publish(client, world.processor, MEASURES, summary="Nothing new")
    assert same.status_code == 200
    assert (same.json["version"], same.json["summary"]) == (1, None)
    second = publish(client, world.processor, MEASURES + " MFA for staff.", summary="MFA added")
    assert (second.json["version"], second.json["summary"]) == (2, "MFA added")

    current = client.get(URL, headers=world.processor.headers)
    assert current.status_code == 200 and current.json["version"] == 2
    older = client.get(f"{URL}?version=1", headers=world.processor.headers)
    assert (older.json["version"], older.json["text"]) == (1, MEASURES)
    missing = client.get(f"{URL}?version=3", headers=world.processor.headers)
    assert missing.status_code == 404
    versions = client.get(f"{URL}/versions", headers=world.processor.headers)
    assert [(v["version"], v["summary"]) for v in versions.json] == [
        (2, "MFA added"),
        (1, None),
    ]
    assert "text" not in versions.json[0]
    assert provided(world.agreement_id) == []  # the processor's own reads are not provisions
    published = db.session.scalars(
        select(AuditEvent.data).where(AuditEvent.action == "security_measures.published")
    ).all()
    assert [event["version"] for event in published] == [1, 2]


def test_a_controller_reads_and_each_read_is_recorded_as_provided_on_request(
    client: FlaskClient, world: World
) -> None:
    none_yet = client.get(URL, headers=world.controller.headers)
    assert none_yet.status_code == 404
    publish(client, world.processor, MEASURES)
    publish(client, world.processor, MEASURES + " Pen tests yearly.", summary="Pen tests")
    read = client.get(URL, headers=world.controller.headers)
    assert read.status_code == 200 and read.json["version"] == 2
    older = client.get(f"{URL}?version=1", headers=world.controller.headers)
    assert older.json["text"] == MEASURES
    assert provided(world.agreement_id) == [
        {"version": 2, "provided": "provided on request (Art. 6.1)"},
        {"version": 1, "provided": "provided on request (Art. 6.1)"},
    ]
    assert provided(world.other_agreement_id) == []

    # Once the controller has confirmed the agreement, the reads are in its own trail.
    confirmed = client.post(
        f"/api/v1/agreements/{world.agreement_id}/confirm", headers=world.controller.headers
    )
    assert confirmed.status_code == 200
    trail = client.get(
        "/api/v1/audit-events?object_type=security_measures", headers=world.controller.headers
    )
    assert sorted((e["action"], e["agreement_id"], e["data"]["version"]) for e in trail.json) == [
        ("agreement.security_measures_provided", world.agreement_id, 1),
        ("agreement.security_measures_provided", world.agreement_id, 2),
    ]


def test_no_one_else_reads_or_writes_the_overview(client: FlaskClient, world: World) -> None:
    publish(client, world.processor, MEASURES)
    assert client.get(URL).status_code == 401
    for party in (world.stranger, world.other_processor):
        assert client.get(URL, headers=party.headers).status_code == 404
        assert client.get(f"{URL}/versions", headers=party.headers).status_code == 404
    theirs = client.put(URL, json={"text": "Ours now."}, headers=world.other_processor.headers)
    assert theirs.status_code == 404
    by_controller = client.put(URL, json={"text": "Ours now."}, headers=world.controller.headers)
    assert by_controller.status_code == 403
    assert client.get(URL, headers=world.processor.headers).json["text"] == MEASURES
    # Not public: no page and no feed of the processor mentions it.
    assert "ISO 27001" not in client.get("/p/ipvoice").get_data(as_text=True)
    assert "ISO 27001" not in client.get("/p/ipvoice/feed.atom").get_data(as_text=True)
    # A declined agreement is no agreement: the controller no longer reads.
    declined = client.post(
        f"/api/v1/agreements/{world.agreement_id}/decline", headers=world.controller.headers
    )
    assert declined.status_code == 200
    assert client.get(URL, headers=world.controller.headers).status_code == 404


def test_a_text_over_the_limit_or_blank_is_422(client: FlaskClient, world: World) -> None:
    over = publish(client, world.processor, "x" * 100_001)
    assert over.status_code == 422 and "text" in over.json["errors"]
    assert publish(client, world.processor, "x" * 100_000).status_code == 200
    blank = publish(client, world.processor, "  \n ")
    assert blank.status_code == 422 and "text" in blank.json["errors"]
    bad_version = client.get(f"{URL}?version=0", headers=world.processor.headers)
    assert bad_version.status_code == 422


def test_a_new_version_is_told_to_the_controllers_in_both_languages(
    client: FlaskClient, world: World, smtp_server: SmtpServer
) -> None:
    deliver()
    smtp_server.handler.received.clear()
    publish(client, world.processor, MEASURES, summary="Encryption at rest")
    publish(client, world.processor, MEASURES)  # the same text: no notice
    assert len(notices("security_measures_updated")) == 2  # one per agreement in force
    deliver()
    dutch = smtp_server.to("dpo@zeewolde.example")
    assert len(dutch) == 1
    assert subject_of(dutch[0]) == (
        "IP Voice Group Services B.V. heeft versie 1 van het overzicht van beveiligingsmaatregelen "
        "gepubliceerd"
    )
    text = text_of(dutch[0])
    assert "overeenkomst DPA-zeewolde" in text
    assert "op verzoek" in text
    assert "Wat is gewijzigd: Encryption at rest" in text
    assert "GET http" in text and "/api/v1/processors/ipvoice/security-measures?version=1" in text
    assert "Wat is gewijzigd: Encryption at rest" in html_of(dutch[0])

    english = smtp_server.to("dpo@acme.example")
    assert subject_of(english[0]) == (
        "IP Voice Group Services B.V. published version 1 of its security measures"
    )
    text = text_of(english[0])
    assert "Under article 6.1 of data processing agreement DPA-acme" in text
    assert "What changed: Encryption at rest" in text
    assert "/api/v1/processors/ipvoice/security-measures?version=1" in html_of(english[0])
    assert smtp_server.to("dpo@stranger.example") == []
