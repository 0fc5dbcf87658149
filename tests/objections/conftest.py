"""Parties, agreements and an announced change for the objection, consent and audit tests."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from registry.extensions import db
from registry.notifications.models import Notice
from registry.notifications.worker import Stats, run_once
from tests.factories import ConsentEntryFactory, Party, PartyFactory

ACKNOWLEDGE_DAYS = 5
CONSULTATION_DAYS = 20
OBJECTION_DAYS = 14
GROUNDS = "The new hosting location in the US is not covered by our DPIA."


@dataclass
class World:
    processor: Party
    controller: Party  # objects; Dutch agreement
    other: Party  # another controller of the same processor; English agreement
    stranger: Party  # a controller without an agreement with the processor
    other_processor: Party
    agreement_id: int
    other_agreement_id: int


def record_agreement(
    client: FlaskClient, processor: Party, controller: Party, **terms: Any
) -> dict[str, Any]:
    body = {
        "controller": controller.slug,
        "reference": f"DPA-{controller.slug}",
        "signed_on": "2026-03-01",
        "language": "nl",
        "notice_days": 30,
        "objection_days": OBJECTION_DAYS,
        "acknowledge_days": ACKNOWLEDGE_DAYS,
        "consultation_days": CONSULTATION_DAYS,
        "notify_emails": [f"dpo@{controller.slug}.example"],
        **terms,
    }
    response = client.post("/api/v1/agreements", json=body, headers=processor.headers)
    assert response.status_code == 201, response.json
    return dict(response.json)


@pytest.fixture
def world(app: Flask, client: FlaskClient) -> World:
    processor = PartyFactory(
        kind="processor", slug="ipvoice", name="IP Voice Group Services B.V.", language="en"
    )
    controller = PartyFactory(kind="controller", slug="zeewolde", name="Gemeente Zeewolde")
    other = PartyFactory(kind="controller", slug="acme", name="Acme Health Ltd", language="en")
    stranger = PartyFactory(kind="controller", slug="stranger", name="Stranger B.V.")
    other_processor = PartyFactory(kind="processor", slug="othervoice", name="Other Voice B.V.")
    agreement = record_agreement(client, processor, controller)
    other_agreement = record_agreement(client, processor, other, language="en")
    record_agreement(client, other_processor, stranger)
    return World(
        processor,
        controller,
        other,
        stranger,
        other_processor,
        agreement["id"],
        other_agreement["id"],
    )


def announce(client: FlaskClient, processor: Party, **body: Any) -> dict[str, Any]:
    body.setdefault("reason", "Support desk in Bangalore")
    body.setdefault("action", "add")
    if body["action"] in ("add", "replace", "update"):
        body.setdefault("subprocessor", ConsentEntryFactory())
    response = client.post(
        f"/api/v1/processors/{processor.slug}/changes", json=body, headers=processor.headers
    )
    assert response.status_code == 201, response.json
    return dict(response.json)


@pytest.fixture
def change(world: World, client: FlaskClient) -> dict[str, Any]:
    """An announced addition with a location in the EEA and one needing consent."""
    return announce(client, world.processor)


def file(
    client: FlaskClient, party: Party, change_id: int, **body: Any
) -> Any:  # the test response
    body.setdefault("grounds", GROUNDS)
    return client.post(f"/api/v1/changes/{change_id}/objections", json=body, headers=party.headers)


@pytest.fixture
def objection(world: World, change: dict[str, Any], client: FlaskClient) -> dict[str, Any]:
    response = file(client, world.controller, change["id"], remedy="Keep support in the EEA.")
    assert response.status_code == 201, response.json
    return dict(response.json)


def notices(kind: str | None = None) -> list[Notice]:
    statement = select(Notice).order_by(Notice.id)
    if kind is not None:
        statement = statement.where(Notice.kind == kind)
    return list(db.session.scalars(statement))


def deliver() -> Stats:
    """One worker pass, as `registry worker --once` does it."""
    stats = run_once()
    db.session.expire_all()
    return stats


def subject_of(message: Any) -> str:
    from email.header import decode_header, make_header

    return str(make_header(decode_header(message["Subject"])))


def text_of(message: Any) -> str:
    for part in message.walk():
        if part.get_content_type() == "text/plain":
            payload = part.get_payload(decode=True)
            return str(payload.decode(part.get_content_charset() or "utf-8"))
    raise AssertionError("no text/plain part")
