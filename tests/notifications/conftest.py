"""Parties, agreements, subscribers and changes for the notification tests."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from email.message import Message
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, update

from registry.agreements import service as agreements
from registry.agreements.models import Agreement
from registry.extensions import db
from registry.notifications import service
from registry.notifications.models import Notice, Subscription
from registry.notifications.worker import Stats, run_once
from tests.factories import EntryFactory, Party, PartyFactory


@dataclass
class World:
    processor: Party
    zeewolde: Party  # a Dutch controller
    acme: Party  # an English-speaking controller
    zeewolde_agreement: Agreement
    acme_agreement: Agreement


@pytest.fixture
def world(app: Flask) -> World:
    processor = PartyFactory(kind="processor", slug="ipvoice", name="IP Voice Group Services B.V.")
    zeewolde = PartyFactory(kind="controller", slug="gemeente-zeewolde", name="Gemeente Zeewolde")
    acme = PartyFactory(
        kind="controller", slug="acme-health", name="Acme Health Ltd", language="en"
    )
    nl = agreements.record_agreement(
        processor=processor.organisation,
        controller_slug=zeewolde.slug,
        reference="VWO-2026-014",
        signed_on=date(2026, 3, 1),
        language="nl",
        notify_emails=["privacy@zeewolde.example", "fg@zeewolde.example"],
        notice_days=30,
        objection_days=30,
    )
    en = agreements.record_agreement(
        processor=processor.organisation,
        controller_slug=acme.slug,
        reference="ACME-7",
        signed_on=date(2026, 5, 1),
        language="en",
        notify_emails=["dpo@acme.example"],
        notice_days=30,
        objection_days=14,
    )
    # Whatever recording the agreements told was told long ago: tests see only their notices.
    db.session.execute(update(Notice).values(expanded_at=Notice.created_at))
    db.session.commit()
    return World(processor, zeewolde, acme, nl, en)


def announce(client: FlaskClient, party: Party, **body: Any) -> dict[str, Any]:
    body.setdefault("reason", "Second data centre for resilience")
    body.setdefault("action", "add")
    if body["action"] in ("add", "replace"):
        body.setdefault("subprocessor", EntryFactory())
    response = client.post(
        f"/api/v1/processors/{party.slug}/changes", json=body, headers=party.headers
    )
    assert response.status_code == 201, response.json
    return dict(response.json)


def confirmed_subscriber(party: Party, email: str, language: str = "en") -> Subscription:
    """Subscribe and confirm through the services, with the token the mail would carry."""
    service.subscribe(processor=party.organisation, email=email, language=language)
    notice = db.session.scalars(
        select(Notice)
        .where(Notice.kind == "subscription_confirm", Notice.processor_id == party.organisation.id)
        .order_by(Notice.id.desc())
    ).first()
    assert notice is not None
    subscription = service.confirm_subscription(token=notice.data["token"])
    # The confirmation mail was sent long ago: mark its notice done so tests see only theirs.
    notice.expanded_at = notice.created_at
    db.session.commit()
    return subscription


def deliver() -> Stats:
    """One worker pass, as `registry worker --once` does it."""
    stats = run_once()
    db.session.expire_all()
    return stats


def text_of(message: Message) -> str:
    """The text/plain part, decoded, with plain newlines."""
    for part in message.walk():
        if part.get_content_type() == "text/plain":
            payload = part.get_payload(decode=True)
            assert isinstance(payload, bytes)
            return payload.decode(part.get_content_charset() or "utf-8").replace("\r\n", "\n")
    raise AssertionError("no text/plain part")


def html_of(message: Message) -> str:
    for part in message.walk():
        if part.get_content_type() == "text/html":
            payload = part.get_payload(decode=True)
            assert isinstance(payload, bytes)
            return payload.decode(part.get_content_charset() or "utf-8")
    raise AssertionError("no text/html part")


def subject_of(message: Message) -> str:
    from email.header import decode_header, make_header

    return str(make_header(decode_header(message["Subject"])))
