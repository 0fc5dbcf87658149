"""The outbox: same-transaction notices, retries, permanent failures, leases, transports."""

from __future__ import annotations

import json
import mailbox
import os
import socket
import threading
from collections import Counter
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from registry import clock
from registry.errors import Conflict
from registry.extensions import db
from registry.notifications.expansion import expand_next_notice
from registry.notifications.kinds import Recipient, register_kind
from registry.notifications.models import Delivery, DeliveryStatus, Notice, SuppressedAddress
from registry.notifications.outbox import Claim, claim_due, record_outcomes
from registry.notifications.outcomes import Ledger, Outcome, OutgoingMail, Result
from registry.notifications.smtp import SmtpTransport
from registry.notifications.transports import maildir_path
from registry.notifications.worker import run_once
from registry.subprocessors.models import Change
from registry.subprocessors.notifications import change_context, change_recipients
from tests.conftest import NOW, SmtpServer
from tests.factories import EntryFactory
from tests.notifications.conftest import (
    World,
    announce,
    confirmed_subscriber,
    deliver,
    subject_of,
)

EFFECTIVE = "2027-01-04T09:00:00Z"


def deliveries() -> list[Delivery]:
    db.session.expire_all()
    return list(db.session.scalars(select(Delivery).order_by(Delivery.id)))


def count(model: Any) -> int:
    return int(db.session.scalar(select(func.count()).select_from(model)) or 0)


def suppression(email: str) -> SuppressedAddress | None:
    db.session.expire_all()
    return db.session.scalar(select(SuppressedAddress).where(SuppressedAddress.email == email))


def test_a_rolled_back_request_queues_nothing(
    app: Flask, client: FlaskClient, world: World, smtp_server: SmtpServer
) -> None:
    from registry.subprocessors import service as subprocessors

    before = count(Notice)  # whatever setting up the agreements told

    def announce_then_refuse() -> None:
        subprocessors.announce_change(
            processor=world.processor.organisation,
            action="add",
            reason="Refused later in the same request",
            subprocessor=EntryFactory(),
            effective_at=NOW + timedelta(days=40),
        )
        assert count(Notice) == before + 1  # written, in this request's transaction
        raise Conflict("Something after the announcement went wrong.")

    app.add_url_rule("/test/announce-then-refuse", view_func=announce_then_refuse, methods=["POST"])
    response = client.post("/test/announce-then-refuse")
    assert response.status_code == 409
    assert count(Notice) == before and count(Change) == 0
    assert deliver().as_dict()["deliveries_created"] == 0
    assert smtp_server.messages == []


def test_a_committed_request_queues_one_notice_whatever_the_recipients(
    client: FlaskClient, world: World
) -> None:
    before = count(Notice)  # whatever setting up the agreements told
    for index in range(5):
        confirmed_subscriber(world.processor, f"r{index}@example.org")
    announce(client, world.processor, effective_at=EFFECTIVE)
    assert count(Notice) == before + 6  # five confirmations (handled) and the announcement
    assert count(Delivery) == 0  # nothing expanded inside the request


def test_smtp_down_then_up_every_notice_arrives_exactly_once(
    app: Flask, client: FlaskClient, world: World, smtp_server: SmtpServer
) -> None:
    confirmed_subscriber(world.processor, "reader@example.org")
    smtp_server.stop()
    announce(client, world.processor, effective_at=EFFECTIVE)
    announce(
        client,
        world.processor,
        subprocessor=EntryFactory(name="Suomicloud"),
        effective_at=EFFECTIVE,
    )

    stats = deliver()
    assert stats.as_dict()["retry"] == 8 and stats.sent == 0
    failed = deliveries()
    assert {d.status for d in failed} == {DeliveryStatus.FAILED}
    assert {d.attempts for d in failed} == {1}
    assert all((d.last_error or "").startswith("connection failed") for d in failed)
    base = timedelta(seconds=app.config["DELIVERY_BACKOFF_SECONDS"])
    assert all(NOW + base / 2 <= d.next_attempt_at <= NOW + base for d in failed)
    message_ids = {d.id: d.message_id for d in failed}

    assert deliver().sent == 0  # nothing due before the backoff ends
    smtp_server.start()
    clock.advance(base)
    assert deliver().sent == 8
    assert deliver().sent == 0

    sent = deliveries()
    assert {d.status for d in sent} == {DeliveryStatus.SENT}
    assert {d.attempts for d in sent} == {2}
    received = Counter((m["To"], subject_of(m)) for m in smtp_server.messages)
    assert len(received) == 8 and set(received.values()) == {1}
    # The Message-ID chosen before the first attempt is the one that arrived.
    assert sorted(m["Message-ID"] for m in smtp_server.messages) == sorted(message_ids.values())


def test_a_5xx_recipient_goes_dead_and_is_suppressed_while_the_others_arrive(
    client: FlaskClient, world: World, smtp_server: SmtpServer
) -> None:
    confirmed_subscriber(world.processor, "fg@zeewolde.example")  # a contact who also follows
    smtp_server.reject("fg@zeewolde.example", "550 5.1.1 No such user here")
    announce(client, world.processor, effective_at=EFFECTIVE)
    stats = deliver()
    assert stats.sent == 2 and stats.as_dict()["dead"] == 1
    assert sorted(m["To"] for m in smtp_server.messages) == [
        "dpo@acme.example",
        "privacy@zeewolde.example",
    ]
    dead = next(d for d in deliveries() if d.recipient == "fg@zeewolde.example")
    assert dead.status is DeliveryStatus.DEAD and dead.last_attempt_at == NOW
    assert dead.last_error == "550 5.1.1 No such user here"
    suppressed = suppression("fg@zeewolde.example")
    assert suppressed is not None and "550" in suppressed.reason

    # The next notice still tries the contract's contact: suppression stops subscriber mail only.
    announce(
        client,
        world.processor,
        subprocessor=EntryFactory(name="Suomicloud"),
        effective_at=EFFECTIVE,
    )
    deliver()
    latest = [d for d in deliveries() if d.recipient == "fg@zeewolde.example"][-1]
    assert latest.subscription_id is None  # contacts come before subscribers
    assert latest.status is DeliveryStatus.DEAD and latest.attempts == 1
    assert latest.last_error == "550 5.1.1 No such user here"


def test_a_4xx_recipient_is_retried_with_backoff_and_the_same_message_id(
    app: Flask, client: FlaskClient, world: World, smtp_server: SmtpServer
) -> None:
    smtp_server.reject("dpo@acme.example", "451 4.3.0 Try again later")
    announce(client, world.processor, effective_at=EFFECTIVE)
    deliver()
    busy = next(d for d in deliveries() if d.recipient == "dpo@acme.example")
    assert busy.status is DeliveryStatus.FAILED and busy.attempts == 1
    assert busy.last_error == "451 4.3.0 Try again later"
    assert suppression("dpo@acme.example") is None

    del smtp_server.handler.rejections["dpo@acme.example"]
    clock.advance(timedelta(seconds=app.config["DELIVERY_BACKOFF_SECONDS"]))
    assert deliver().sent == 1
    (mail,) = smtp_server.to("dpo@acme.example")
    assert mail["Message-ID"] == busy.message_id
    assert len(smtp_server.to("privacy@zeewolde.example")) == 1


def test_backoff_doubles_and_gives_up_after_the_last_attempt(
    app: Flask, client: FlaskClient, world: World, smtp_server: SmtpServer
) -> None:
    app.config["DELIVERY_MAX_ATTEMPTS"] = 4
    base = timedelta(seconds=app.config["DELIVERY_BACKOFF_SECONDS"])
    smtp_server.reject("dpo@acme.example", "452 4.2.2 Mailbox full")
    announce(client, world.processor, effective_at=EFFECTIVE)
    for attempt in range(1, 4):
        deliver()
        busy = next(d for d in deliveries() if d.recipient == "dpo@acme.example")
        assert busy.status is DeliveryStatus.FAILED and busy.attempts == attempt
        delay = busy.next_attempt_at - clock.now()
        full = base * 2 ** (attempt - 1)
        assert full / 2 <= delay <= full
        clock.advance(full)
    deliver()
    gave_up = next(d for d in deliveries() if d.recipient == "dpo@acme.example")
    assert gave_up.status is DeliveryStatus.DEAD and gave_up.attempts == 4
    assert gave_up.last_error == "452 4.2.2 Mailbox full (gave up after 4 attempts)"
    assert suppression("dpo@acme.example") is None


def test_a_crashed_workers_claims_return_after_the_lease(
    app: Flask, client: FlaskClient, world: World, smtp_server: SmtpServer
) -> None:
    announce(client, world.processor, effective_at=EFFECTIVE)
    while expand_next_notice() is not None:
        pass
    attempts, lease = claim_due(limit=100)  # ...and then this worker dies
    assert len(attempts) == 3
    assert {d.status for d in deliveries()} == {DeliveryStatus.SENDING}

    assert deliver().sent == 0  # claims still held
    clock.advance(timedelta(seconds=app.config["DELIVERY_LEASE_SECONDS"] + 1))
    assert deliver().sent == 3
    assert {(d.status, d.attempts) for d in deliveries()} == {(DeliveryStatus.SENT, 2)}

    # The dead worker waking up cannot overwrite what the live one recorded.
    record_outcomes(
        db.session,
        [Result(delivery_id, Outcome.RETRY, "late") for delivery_id in attempts],
        claim=Claim(attempts, lease),
    )
    db.session.commit()
    assert {d.status for d in deliveries()} == {DeliveryStatus.SENT}
    assert len(smtp_server.messages) == 3


def test_a_server_that_never_answers_times_out_and_is_retried(
    app: Flask, client: FlaskClient, world: World
) -> None:
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        app.config["MAIL_TIMEOUT"] = 0.3
        app.extensions["mail"].server = "127.0.0.1"
        app.extensions["mail"].port = silent.getsockname()[1]
        announce(client, world.processor, effective_at=EFFECTIVE)
        stats = deliver()
    assert stats.as_dict()["retry"] == 3
    assert {d.last_error for d in deliveries()} == {"connection failed: timed out"}


def test_one_connection_serves_a_batch(
    app: Flask, client: FlaskClient, world: World, smtp_server: SmtpServer
) -> None:
    for index in range(7):
        confirmed_subscriber(world.processor, f"r{index}@example.org")
    announce(client, world.processor, effective_at=EFFECTIVE)
    connections: list[int] = []
    original = SmtpTransport.send_batch

    class CountingTransport(SmtpTransport):
        def send_batch(self, mails: list[OutgoingMail], ledger: Ledger) -> None:
            connections.append(len(mails))
            original(self, mails, ledger)

    app.config.update(WORKER_BATCH_SIZE=4, WORKER_CONNECTIONS=1)
    stats = run_once(transport=CountingTransport())
    assert stats.sent == 10
    assert connections == [4, 4, 2]
    sessions = {r.envelope_from for r in smtp_server.handler.received}
    assert sessions == {"registry@registry.test"}


def test_without_a_mail_server_mail_goes_to_the_maildir(
    app: Flask, client: FlaskClient, world: World
) -> None:
    confirmed_subscriber(world.processor, "reader@example.org")
    announce(client, world.processor, effective_at=EFFECTIVE)
    assert deliver().sent == 4
    box = mailbox.Maildir(app.config["INSTANCE_MAIL_DIR"], create=False)
    messages = list(box)
    assert sorted(m["To"] for m in messages) == [
        "dpo@acme.example",
        "fg@zeewolde.example",
        "privacy@zeewolde.example",
        "reader@example.org",
    ]
    assert sorted(m["Message-ID"] for m in messages) == sorted(d.message_id for d in deliveries())
    reader = next(m for m in messages if m["To"] == "reader@example.org")
    assert reader["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"

    del app.config["INSTANCE_MAIL_DIR"]
    assert maildir_path() == Path(app.instance_path) / "mail"


def test_worker_command_once_prints_what_it_did(
    client: FlaskClient, runner: Any, world: World, smtp_server: SmtpServer
) -> None:
    announce(client, world.processor, effective_at=EFFECTIVE)
    result = runner.invoke(args=["worker", "--once"])
    assert result.exit_code == 0, result.output
    done = json.loads(result.output.strip().splitlines()[-1])
    assert done["notices_expanded"] == 1 and done["sent"] == 3
    assert len(smtp_server.messages) == 3


def test_a_notice_that_cannot_be_expanded_stays_queued_and_blocks_nothing(
    client: FlaskClient, world: World, smtp_server: SmtpServer
) -> None:
    from registry.notifications.service import queue_notice

    broken = queue_notice(
        kind="change_announced", processor_id=world.processor.organisation.id, change_id=None
    )
    db.session.commit()
    announce(client, world.processor, effective_at=EFFECTIVE)
    stats = deliver()
    assert stats.notices_failed == 1 and stats.sent == 3
    assert db.session.get(Notice, broken.id).expanded_at is None  # type: ignore[union-attr]


@pytest.mark.skipif(
    not os.environ.get("REGISTRY_TEST_DATABASE_URL", "").startswith("postgres"),
    reason="concurrent claims with SKIP LOCKED need PostgreSQL; SQLite has one writer",
)
def test_two_workers_never_send_the_same_delivery_twice(
    app: Flask, client: FlaskClient, world: World, smtp_server: SmtpServer
) -> None:
    for index in range(40):
        confirmed_subscriber(world.processor, f"r{index}@example.org")
    for name in ("Alpha", "Bravo", "Charlie"):
        announce(
            client, world.processor, subprocessor=EntryFactory(name=name), effective_at=EFFECTIVE
        )
    clock.advance(timedelta(days=40))  # all three took effect: two workers race for those too
    app.config.update(WORKER_BATCH_SIZE=10, WORKER_CONNECTIONS=1)
    both_hold_a_claim = threading.Barrier(2, timeout=30)

    class RendezvousTransport(SmtpTransport):
        first = True

        def send_batch(self, mails: list[OutgoingMail], ledger: Ledger) -> None:
            if self.first:  # both workers hold a claimed batch before either sends
                self.first = False
                both_hold_a_claim.wait()
            super().send_batch(mails, ledger)

    results: list[Any] = []

    def work() -> None:
        results.append(run_once(app, transport=RendezvousTransport()))

    workers = [threading.Thread(target=work) for _ in range(2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=60)
    assert len(results) == 2 and all(stats.sent > 0 for stats in results)

    db.session.expire_all()
    kinds = Counter(db.session.scalars(select(Notice.kind).where(Notice.change_id.is_not(None))))
    assert kinds == {"change_announced": 3, "change_effective": 3}
    everything = deliveries()
    assert len(everything) == 6 * 43
    assert {(d.status, d.attempts) for d in everything} == {(DeliveryStatus.SENT, 1)}
    arrived = Counter(m["Message-ID"] for m in smtp_server.messages)
    assert len(arrived) == len(everything) and set(arrived.values()) == {1}
    assert sum(stats.sent for stats in results) == len(everything)


_fail_once_for: set[str] = set()


def _flaky_context(notice: Notice, recipient: Recipient) -> dict[str, Any]:
    if recipient.email in _fail_once_for:
        _fail_once_for.discard(recipient.email)
        raise RuntimeError("rendering failed halfway")
    return change_context(notice, recipient)


register_kind(
    "test_flaky_notice",
    recipients=change_recipients,
    context=_flaky_context,
    template="change_announced",
    subscriber_visible=True,
)


def test_an_interrupted_expansion_is_completed_without_duplicates(
    app: Flask, client: FlaskClient, world: World, smtp_server: SmtpServer
) -> None:
    from registry.notifications.service import queue_notice

    confirmed_subscriber(world.processor, "reader@example.org")
    change = announce(client, world.processor, effective_at=EFFECTIVE)
    deliver()
    smtp_server.handler.received.clear()
    app.config["WORKER_EXPAND_CHUNK"] = 2  # contacts first: two, then the third and the reader
    _fail_once_for.add("dpo@acme.example")
    notice = queue_notice(
        kind="test_flaky_notice",
        processor_id=world.processor.organisation.id,
        change_id=change["id"],
    )
    db.session.commit()

    first = deliver()
    assert first.notices_failed == 1 and first.sent == 2  # the first chunk went out anyway
    assert db.session.get(Notice, notice.id).expanded_at is None  # type: ignore[union-attr]
    ids_before = {d.recipient: d.message_id for d in deliveries() if d.notice_id == notice.id}

    second = deliver()
    assert second.notices_expanded == 1 and second.sent == 2
    mine = [d for d in deliveries() if d.notice_id == notice.id]
    assert sorted(d.recipient for d in mine) == [
        "dpo@acme.example",
        "fg@zeewolde.example",
        "privacy@zeewolde.example",
        "reader@example.org",
    ]
    assert {d.recipient: d.message_id for d in mine if d.recipient in ids_before} == ids_before
    arrived = Counter(m["To"] for m in smtp_server.messages)
    assert len(arrived) == 4 and set(arrived.values()) == {1}


def test_a_notice_claimed_by_a_worker_that_died_is_taken_over_after_its_lease(
    app: Flask, client: FlaskClient, world: World, smtp_server: SmtpServer
) -> None:
    from registry.notifications.expansion import _claim_notice

    announce(client, world.processor, effective_at=EFFECTIVE)
    assert _claim_notice(set()) is not None  # ...and that worker dies before expanding
    assert deliver().notices_expanded == 0
    clock.advance(timedelta(seconds=app.config["NOTICE_LEASE_SECONDS"] + 1))
    stats = deliver()
    assert stats.notices_expanded == 1 and stats.sent == 3


def test_a_header_injection_is_refused_not_sent_and_not_retried(
    client: FlaskClient, smtp_server: SmtpServer
) -> None:
    from tests.factories import PartyFactory

    evil = PartyFactory(
        kind="processor", slug="evil", name="Evil B.V.\r\nBcc: everyone@example.org"
    )
    confirmed_subscriber(evil, "reader@example.org")
    announce(client, evil, effective_at=EFFECTIVE)
    stats = deliver()
    assert stats.as_dict()["dead"] == 1 and smtp_server.messages == []
    (dead,) = [d for d in deliveries() if d.recipient == "reader@example.org"]
    assert dead.status is DeliveryStatus.DEAD
    assert dead.last_error == "a header contains a line break"
