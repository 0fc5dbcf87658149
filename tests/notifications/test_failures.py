"""A delivery fails alone: whatever goes wrong with one message, the rest of its batch goes out;
outcomes are recorded per message; the attempt cap holds; a stalled delivery shows and can be
requeued; a batch that outlives its lease keeps it."""

from __future__ import annotations

import smtplib
from collections import Counter
from datetime import timedelta
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, update

from registry import clock
from registry.extensions import db
from registry.notifications import smtp
from registry.notifications.expansion import expand_next_notice
from registry.notifications.models import Delivery, DeliveryStatus
from registry.notifications.outbox import NO_OUTCOME, claim_due
from registry.notifications.outcomes import Ledger, Outcome, OutgoingMail, Result
from registry.notifications.worker import run_once
from tests.conftest import SmtpServer
from tests.notifications.conftest import World, announce, confirmed_subscriber, deliver

EFFECTIVE = "2027-01-04T09:00:00Z"
POISON = "\u0455ub1@example.org"  # a Cyrillic "s": valid only where SMTPUTF8 is carried


def deliveries() -> list[Delivery]:
    db.session.expire_all()
    return list(db.session.scalars(select(Delivery).order_by(Delivery.id)))


def by_recipient() -> dict[str, Delivery]:
    return {d.recipient: d for d in deliveries()}


class AsciiSmtpServer(SmtpServer):
    """A server that does not offer SMTPUTF8 (RFC 6531); aiosmtpd's default does."""

    def start(self) -> None:
        self._controller = Controller(
            self.handler, hostname="127.0.0.1", port=self.port, enable_SMTPUTF8=False
        )
        self._controller.start()


def serve_with(app: Flask, server: SmtpServer) -> None:
    server.start()
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=server.port)
    app.extensions["mail"].server = "127.0.0.1"
    app.extensions["mail"].port = server.port


def subscribers(world: World, count: int) -> list[str]:
    addresses = [f"reader{index}@example.org" for index in range(count)]
    for address in addresses:
        confirmed_subscriber(world.processor, address)
    return addresses


def test_an_address_that_cannot_be_encoded_fails_alone_and_the_batch_goes_out(
    app: Flask, client: FlaskClient, world: World, smtp_server: SmtpServer
) -> None:
    # Stored before addresses were checked on input (the service takes what it is given).
    confirmed_subscriber(world.processor, POISON)
    readers = subscribers(world, 5)
    announce(client, world.processor, effective_at=EFFECTIVE)
    stats = deliver()
    assert stats.sent == 3 + 5 and stats.as_dict()["dead"] == 1
    poison = by_recipient()[POISON]
    assert poison.status is DeliveryStatus.DEAD and poison.attempts == 1
    assert poison.last_error == smtp.NOT_ASCII
    assert {d.status for d in deliveries() if d.recipient != POISON} == {DeliveryStatus.SENT}
    assert sorted(m["To"] for m in smtp_server.messages if m["To"] in readers) == sorted(readers)
    assert deliver().sent == 0  # nothing is left sending, nothing is claimed again


def test_with_smtputf8_on_a_server_without_it_refuses_only_that_message(
    app: Flask, client: FlaskClient, world: World
) -> None:
    server = AsciiSmtpServer()
    serve_with(app, server)
    try:
        app.config["MAIL_SMTPUTF8"] = True
        confirmed_subscriber(world.processor, POISON)
        subscribers(world, 2)
        announce(client, world.processor, effective_at=EFFECTIVE)
        stats = deliver()
    finally:
        server.stop()
    assert stats.sent == 5 and stats.as_dict()["dead"] == 1
    assert by_recipient()[POISON].last_error == smtp.NO_SMTPUTF8
    assert len(server.messages) == 5


def test_with_smtputf8_on_a_server_that_carries_it_the_address_is_delivered(
    app: Flask, client: FlaskClient, world: World, smtp_server: SmtpServer
) -> None:
    app.config["MAIL_SMTPUTF8"] = True
    confirmed_subscriber(world.processor, POISON)
    announce(client, world.processor, effective_at=EFFECTIVE)
    assert deliver().sent == 4
    (received,) = [r for r in smtp_server.handler.received if POISON in r.envelope_to]
    # RFC 6532: the header carries the address in UTF-8 as it is.
    assert f"To: {POISON}\n".encode() in received.message.as_bytes()
    assert by_recipient()[POISON].status is DeliveryStatus.SENT


def test_a_message_that_cannot_be_composed_is_dead_with_the_reason(
    client: FlaskClient, world: World, smtp_server: SmtpServer
) -> None:
    announce(client, world.processor, effective_at=EFFECTIVE)
    while expand_next_notice() is not None:
        pass
    broken = by_recipient()["dpo@acme.example"]
    payload = {key: value for key, value in broken.payload.items() if key != "subject"}
    db.session.execute(update(Delivery).where(Delivery.id == broken.id).values(payload=payload))
    db.session.commit()
    stats = deliver()
    assert stats.sent == 2 and stats.as_dict()["dead"] == 1
    dead = by_recipient()["dpo@acme.example"]
    assert dead.status is DeliveryStatus.DEAD
    assert dead.last_error == "the message cannot be composed: KeyError: 'subject'"


def test_an_unexpected_error_sending_one_message_retries_it_alone(
    app: Flask,
    client: FlaskClient,
    world: World,
    smtp_server: SmtpServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    original = smtp.transmit

    def flaky(host: smtplib.SMTP, sender: str, recipient: str, data: bytes, **kwargs: Any) -> None:
        if recipient == "fg@zeewolde.example":
            raise RuntimeError("the library had a bad day")
        original(host, sender, recipient, data, **kwargs)

    monkeypatch.setattr(smtp, "transmit", flaky)
    app.config["WORKER_CONNECTIONS"] = 1
    announce(client, world.processor, effective_at=EFFECTIVE)
    stats = deliver()
    assert stats.sent == 2 and stats.as_dict()["retry"] == 1
    failed = by_recipient()["fg@zeewolde.example"]
    assert failed.status is DeliveryStatus.FAILED
    assert failed.last_error == "unexpected: RuntimeError: the library had a bad day"
    assert sorted(m["To"] for m in smtp_server.messages) == [
        "dpo@acme.example",
        "privacy@zeewolde.example",
    ]


class _Crash(BaseException):
    """A worker killed mid-batch: nothing after it runs."""


def test_each_message_is_marked_sent_before_the_next_is_accepted(
    app: Flask,
    client: FlaskClient,
    world: World,
    smtp_server: SmtpServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    readers = subscribers(world, 7)
    announce(client, world.processor, effective_at=EFFECTIVE)
    app.config["WORKER_CONNECTIONS"] = 1
    accepted: list[str] = []
    original = smtp.transmit

    def dies_after_the_fifth(
        host: smtplib.SMTP, sender: str, recipient: str, data: bytes, **kwargs: Any
    ) -> None:
        original(host, sender, recipient, data, **kwargs)
        accepted.append(recipient)
        if len(accepted) == 5:
            raise _Crash  # accepted by the server, the worker dies before recording it

    monkeypatch.setattr(smtp, "transmit", dies_after_the_fifth)
    with pytest.raises(_Crash):
        run_once()
    statuses = Counter(d.status for d in deliveries())
    assert statuses == {DeliveryStatus.SENT: 4, DeliveryStatus.SENDING: 6}

    monkeypatch.setattr(smtp, "transmit", original)
    clock.advance(timedelta(seconds=app.config["DELIVERY_LEASE_SECONDS"] + 1))
    assert deliver().sent == 6
    arrived = Counter(m["Message-ID"] for m in smtp_server.messages)
    assert len(arrived) == 10 and sum(arrived.values()) == 11  # one duplicate, the fifth
    assert {d.status for d in deliveries()} == {DeliveryStatus.SENT}
    assert set(readers) <= {m["To"] for m in smtp_server.messages}


class SlowTransport:
    """Every message takes a second of (frozen) time; another worker tries to claim meanwhile."""

    name = "slow"

    def __init__(self) -> None:
        self.sent: list[int] = []
        self.claimed_by_others: list[int] = []

    def send_batch(self, mails: list[OutgoingMail], ledger: Ledger) -> None:
        for mail in mails:
            if not ledger.still_held(mail.delivery_id):
                continue
            ledger.settle()
            clock.advance(timedelta(seconds=1))
            self.sent.append(mail.delivery_id)
            ledger.record(Result(mail.delivery_id, Outcome.SENT))
            self.claimed_by_others += list(claim_due(limit=100).attempts)


def test_a_batch_that_outlives_its_lease_keeps_it_and_nothing_is_sent_twice(
    app: Flask, client: FlaskClient, world: World
) -> None:
    subscribers(world, 27)
    announce(client, world.processor, effective_at=EFFECTIVE)
    app.config.update(DELIVERY_LEASE_SECONDS=10, WORKER_CONNECTIONS=1, WORKER_BATCH_SIZE=100)
    transport = SlowTransport()
    stats = run_once(transport=transport)
    assert stats.sent == 30 and len(transport.sent) == 30  # 30 s with a 10 s lease
    assert transport.claimed_by_others == []
    assert {(d.status, d.attempts) for d in deliveries()} == {(DeliveryStatus.SENT, 1)}


def test_the_attempt_cap_holds_when_attempts_never_end(
    app: Flask, client: FlaskClient, world: World, smtp_server: SmtpServer
) -> None:
    app.config["DELIVERY_MAX_ATTEMPTS"] = 3
    lease = timedelta(seconds=app.config["DELIVERY_LEASE_SECONDS"] + 1)
    announce(client, world.processor, effective_at=EFFECTIVE)
    while expand_next_notice() is not None:
        pass
    for _ in range(3):  # three workers claim the batch and die before any outcome
        assert len(claim_due(limit=100).attempts) == 3
        clock.advance(lease)
    assert claim_due(limit=100).attempts == {}
    gave_up = deliveries()
    assert {(d.status, d.attempts) for d in gave_up} == {(DeliveryStatus.DEAD, 3)}
    assert {d.last_error for d in gave_up} == {f"gave up after 3 attempts: {NO_OUTCOME}"}
    assert smtp_server.messages == []


def test_a_stalled_delivery_shows_and_can_be_requeued(
    app: Flask, client: FlaskClient, world: World, smtp_server: SmtpServer
) -> None:
    announce(client, world.processor, effective_at=EFFECTIVE)
    while expand_next_notice() is not None:
        pass
    claim = claim_due(limit=100)  # ...and then this worker hangs
    headers = world.processor.headers
    (row,) = [
        r
        for r in client.get("/api/v1/deliveries", headers=headers).json
        if r["recipient"] == "dpo@acme.example"
    ]
    assert row["status"] == "sending" and row["stalled"] is False
    assert row["claimed_until"] == claim.lease.isoformat()
    live = client.post(f"/api/v1/deliveries/{row['id']}/retry", headers=headers)
    assert live.status_code == 409 and live.json["state"] == "sending"

    clock.advance(timedelta(seconds=app.config["DELIVERY_LEASE_SECONDS"] + 1))
    stalled = client.get("/api/v1/deliveries", headers=headers, query_string={"stalled": "true"})
    assert len(stalled.json) == 3 and {r["stalled"] for r in stalled.json} == {True}
    rest = client.get("/api/v1/deliveries", headers=headers, query_string={"stalled": "false"})
    assert rest.json == []
    retried = client.post(f"/api/v1/deliveries/{row['id']}/retry", headers=headers)
    assert retried.status_code == 200
    assert retried.json["status"] == "pending" and retried.json["stalled"] is False
    assert retried.json["attempts"] == 0

    # Another processor cannot see or requeue it.
    from tests.factories import PartyFactory

    stranger = PartyFactory(kind="processor", slug="stranger")
    assert (
        client.post(f"/api/v1/deliveries/{row['id']}/retry", headers=stranger.headers).status_code
        == 404
    )
    assert deliver().sent == 3  # the requeued one, and the other two taken over
    assert len(smtp_server.to("dpo@acme.example")) == 1


def test_a_line_that_starts_with_a_dot_gets_another() -> None:
    from registry.notifications.smtp import _dot_stuffed

    assert _dot_stuffed(b"a\r\n.b\r\n..c\r\n") == b"a\r\n..b\r\n...c\r\n"
    assert _dot_stuffed(b".x") == b"..x\r\n"
    plain = b"Subject: x\r\n\r\nbody\r\n"
    assert _dot_stuffed(plain) is plain
