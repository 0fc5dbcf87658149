"""The delivery worker: queue effect notices, expand notices, claim, send and mark deliveries.

Each step runs in transactions of its own, so any number of workers can run at once:

1. Changes that took effect get their "took effect" notice, exactly once (the step holds a
   lock: a PostgreSQL advisory lock, or SQLite's write lock).
2. Each unexpanded notice is claimed with a lease (``claimed_until``; ``FOR UPDATE SKIP
   LOCKED`` on PostgreSQL, an atomic ``UPDATE … RETURNING`` on SQLite) and turned into one
   rendered delivery per recipient, committed in chunks so that sending starts while a
   large notice is still being expanded. A delivery is unique per notice and recipient, so
   a worker that takes over an interrupted expansion adds only the missing ones.
3. Due deliveries are claimed the same way with a lease: a worker that dies mid-batch gives
   its claims back when the lease runs out. The claim commits before anything is sent.
4. A batch is composed into messages (the stored Message-ID, so every attempt carries the
   same one) and goes out over one SMTP connection; each delivery is marked by its own
   result, only while this worker still holds its claim. WORKER_CONNECTIONS sender threads
   do this side by side, beside the expansion: one composes and records while another
   waits for the mail server.

Delivery is at-least-once (a crash between sending and marking sends again after the
lease); the stable Message-ID lets receivers drop the duplicate.
"""

from __future__ import annotations

import logging
import random
import threading
import zlib
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, cast

from flask import Flask, current_app
from flask_mail import BadHeaderError
from sqlalchemy import Table, and_, bindparam, or_, select, text, update
from sqlalchemy.dialects import postgresql, sqlite

from registry import clock
from registry.audit import service as audit
from registry.extensions import db
from registry.notifications import render
from registry.notifications.kinds import Recipient, get_kind
from registry.notifications.models import Delivery, DeliveryStatus, Notice, SuppressedAddress
from registry.notifications.service import normalise_email, queue_notice, suppressed_among
from registry.notifications.transports import (
    Outcome,
    OutgoingMail,
    Result,
    Transport,
    compose,
    transport_for_app,
)
from registry.objections import service as objections

log = logging.getLogger(__name__)

_EFFECT_LOCK = zlib.crc32(b"registry.notifications.effect_notices")
DUE_STATUSES = (DeliveryStatus.PENDING, DeliveryStatus.FAILED)
SUPPRESSED = "address suppressed after a permanent failure"


@dataclass
class Stats:
    effect_notices: int = 0
    notices_expanded: int = 0
    deliveries_created: int = 0
    notices_failed: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)

    @property
    def sent(self) -> int:
        return self.outcomes[Outcome.SENT.value]

    @property
    def idle(self) -> bool:
        return not (self.effect_notices or self.notices_expanded or sum(self.outcomes.values()))

    def as_dict(self) -> dict[str, int]:
        return {
            "effect_notices": self.effect_notices,
            "notices_expanded": self.notices_expanded,
            "deliveries_created": self.deliveries_created,
            "notices_failed": self.notices_failed,
            "sent": self.outcomes[Outcome.SENT.value],
            "retry": self.outcomes[Outcome.RETRY.value],
            "dead": self.outcomes[Outcome.DEAD.value],
        }


def run_once(
    app: Flask | None = None, *, transport: Transport | None = None, max_batches: int = 1000
) -> Stats:
    """One pass: queue effect notices, expand every notice, send every due delivery."""
    if app is not None:
        with app.app_context():
            return run_once(transport=transport, max_batches=max_batches)
    stats = Stats()
    stats.effect_notices = queue_effect_notices()
    # Objection deadlines that passed: one reminder each, claimed atomically.
    objections.queue_due_reminders(at=clock.now())
    db.session.commit()
    senders = Senders(transport or transport_for_app(), max_batches=max_batches)
    try:
        broken: set[int] = set()
        while (expanded := expand_next_notice(skip=broken, on_chunk=senders.more)) is not None:
            notice_id, created = expanded
            if created is None:
                broken.add(notice_id)
            else:
                stats.notices_expanded += 1
                stats.deliveries_created += created
        stats.notices_failed = len(broken)
    finally:
        stats.outcomes.update(senders.finish())
    return stats


def run_forever(app: Flask | None = None, *, stop: threading.Event | None = None) -> None:
    """Poll every WORKER_POLL_SECONDS until ``stop`` is set (or the process ends)."""
    flask_app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    stop = stop or threading.Event()
    poll = float(flask_app.config["WORKER_POLL_SECONDS"])
    failures = 0
    while not stop.is_set():
        try:
            stats = run_once(flask_app)
        except Exception:
            # A database or network hiccup must not end the worker: wait longer after each
            # failed pass (up to a minute), then start afresh.
            failures += 1
            log.exception("delivery pass failed (%d in a row)", failures)
            stop.wait(min(60.0, poll * 2**failures))
            continue
        failures = 0
        if stats.idle:
            stop.wait(poll)


class Senders:
    """WORKER_CONNECTIONS threads sending due batches while notices are being expanded.

    Each thread has its own app context and session, claims its own batches and sends each
    over one connection. It sleeps until the expansion commits more (``more``), and ends
    once expanding is over (``finish``) and nothing is left that is due.
    """

    def __init__(self, transport: Transport, *, max_batches: int) -> None:
        self.app = current_app._get_current_object()  # type: ignore[attr-defined]
        self.transport = transport
        self.max_batches = max_batches
        self.outcomes: Counter[str] = Counter()
        self.failures: list[BaseException] = []
        self._changed = threading.Condition()
        self._version = 0
        self._done = False
        connections = max(1, int(self.app.config["WORKER_CONNECTIONS"]))
        self.threads = [
            threading.Thread(target=self._run, name=f"registry-smtp-{n}", daemon=True)
            for n in range(connections)
        ]
        for thread in self.threads:
            thread.start()

    def more(self) -> None:
        with self._changed:
            self._version += 1
            self._changed.notify_all()

    def finish(self) -> Counter[str]:
        """Let the threads drain what is due, wait for them, and answer what they did."""
        with self._changed:
            self._done = True
            self._changed.notify_all()
        for thread in self.threads:
            thread.join()
        if self.failures:
            raise self.failures[0]
        return self.outcomes

    def _state(self) -> tuple[int, bool]:
        with self._changed:
            return self._version, self._done

    def _run(self) -> None:
        try:
            with self.app.app_context():
                self._loop()
        except BaseException as error:  # re-raised by finish(), in the worker's thread
            self.failures.append(error)

    def _loop(self) -> None:
        batches = 0
        while batches < self.max_batches:
            # Read the state before claiming: a chunk committed after this is waited for.
            version, done = self._state()
            results = send_due(transport=self.transport)
            if results:
                batches += 1
                with self._changed:
                    self.outcomes.update(r.outcome.value for r in results)
                continue
            if done:
                return
            self._wait_after(version)

    def _wait_after(self, version: int) -> None:
        with self._changed:
            self._changed.wait_for(lambda: self._version != version or self._done)


# --- 1. notices for changes that took effect ---------------------------------------------------


def queue_effect_notices(limit: int = 100) -> int:
    """Queue the "took effect" notice of every change that became effective."""
    from registry.subprocessors import service as subprocessors

    total = 0
    while True:
        _lock_step()
        changes = subprocessors.due_effective_changes(at=clock.now(), limit=limit)
        for change in changes:
            queue_notice(
                kind="change_effective", processor_id=change.processor_id, change_id=change.id
            )
            subprocessors.mark_effect_noticed(change=change)
            audit.record(
                action="change.effective",
                object_type="change",
                object_id=change.id,
                processor_id=change.processor_id,
                data={"effective_at": change.effective_at.isoformat()},
            )
        db.session.commit()
        total += len(changes)
        if len(changes) < limit:
            return total


def _lock_step() -> None:
    """Serialise this step between workers until the transaction ends."""
    if _dialect() == "postgresql":
        db.session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _EFFECT_LOCK})
    else:
        # SQLite: a write first takes the database's write lock (waiting for busy_timeout),
        # so the reads that follow see every earlier worker's committed marks.
        db.session.execute(update(Notice).where(Notice.id == -1).values(kind=Notice.kind))


# --- 2. expanding a notice into deliveries ---------------------------------------------------


def expand_next_notice(
    *, skip: set[int] | None = None, on_chunk: Callable[[], None] | None = None
) -> tuple[int, int | None] | None:
    """Claim one unexpanded notice and write its deliveries.

    Answers (notice id, deliveries written), with None written when expanding failed: the
    notice is released for the next pass, and ``skip`` keeps this pass going with the
    others. None when no notice is waiting. ``on_chunk`` is called after each commit.
    """
    notice_id = _claim_notice(skip or set())
    if notice_id is None:
        return None
    try:
        created = expand(notice_id, on_chunk=on_chunk)
    except Exception:
        db.session.rollback()
        log.exception("notice %s could not be expanded; it stays queued", notice_id)
        db.session.execute(update(Notice).where(Notice.id == notice_id).values(claimed_until=None))
        db.session.commit()
        return notice_id, None
    return notice_id, created


def _lease(name: str) -> timedelta:
    return timedelta(seconds=float(current_app.config[name]))


def _claim_notice(skip: set[int]) -> int | None:
    """Take an unexpanded notice nobody else is expanding; commits the claim."""
    moment = clock.now()
    waiting = (
        select(Notice.id)
        .where(
            Notice.expanded_at.is_(None),
            or_(Notice.claimed_until.is_(None), Notice.claimed_until < moment),
        )
        .order_by(Notice.id)
        .limit(1)
    )
    if skip:
        waiting = waiting.where(Notice.id.not_in(skip))
    if _dialect() == "postgresql":
        waiting = waiting.with_for_update(skip_locked=True)
    claimed = db.session.execute(
        update(Notice)
        .where(Notice.id.in_(waiting.scalar_subquery()))
        .values(claimed_until=moment + _lease("NOTICE_LEASE_SECONDS"))
        .returning(Notice.id)
        .execution_options(synchronize_session=False)
    ).scalar()
    db.session.commit()
    return claimed


def expand(notice_id: int, *, on_chunk: Callable[[], None] | None = None) -> int:
    """Write one rendered delivery per recipient, in chunks; suppressed ones are dead rows.

    Each chunk commits on its own and renews the claim; the last marks the notice expanded.
    """
    notice = db.session.get(Notice, notice_id)
    assert notice is not None
    notice.__dict__.pop("_shared_render_cache", None)  # nothing left from a failed attempt
    kind = get_kind(notice.kind)
    recipients = _unique(kind.recipients(notice))
    if not kind.subscriber_visible:
        recipients = [r for r in recipients if r.subscription_id is None]
    suppressed = suppressed_among([r.email for r in recipients])
    size = max(1, int(current_app.config["WORKER_EXPAND_CHUNK"]))
    for start in range(0, len(recipients), size):
        moment = clock.now()
        rows = [
            _delivery_row(
                kind, notice, recipient, moment, normalise_email(recipient.email) in suppressed
            )
            for recipient in recipients[start : start + size]
        ]
        db.session.execute(_insert_missing(), rows)
        db.session.execute(
            update(Notice)
            .where(Notice.id == notice_id)
            .values(claimed_until=moment + _lease("NOTICE_LEASE_SECONDS"))
            .execution_options(synchronize_session=False)
        )
        db.session.commit()
        if on_chunk is not None:
            on_chunk()
    notice = db.session.get(Notice, notice_id)
    assert notice is not None
    notice.__dict__.pop("_shared_render_cache", None)
    if kind.secret_data:
        notice.data = {k: v for k, v in notice.data.items() if k not in kind.secret_data}
    notice.expanded_at = clock.now()
    notice.claimed_until = None
    db.session.commit()
    return len(recipients)


def _unique(recipients: list[Recipient]) -> list[Recipient]:
    """One recipient per address: the first named wins (contacts come before subscribers)."""
    seen: dict[str, Recipient] = {}
    for recipient in recipients:
        seen.setdefault(normalise_email(recipient.email), recipient)
    return list(seen.values())


def _delivery_row(
    kind: Any, notice: Notice, recipient: Recipient, moment: datetime, suppressed: bool
) -> dict[str, Any]:
    message_id = render.new_message_id()
    rendered = render.render(kind, notice, recipient)
    return {
        "notice_id": notice.id,
        "channel": "email",
        "recipient": recipient.email,
        "language": render.language_of(recipient),
        "organisation_id": recipient.organisation_id,
        "agreement_id": recipient.agreement_id,
        "subscription_id": recipient.subscription_id,
        "processor_id": notice.processor_id,
        "message_id": message_id,
        "payload": rendered,
        "status": DeliveryStatus.DEAD if suppressed else DeliveryStatus.PENDING,
        "attempts": 0,
        "next_attempt_at": moment,
        "last_error": SUPPRESSED if suppressed else None,
        "created_at": moment,
    }


def _insert_missing() -> Any:
    """INSERT that skips deliveries an interrupted expansion already wrote."""
    table = cast(Table, Delivery.__table__)
    dialect = postgresql if _dialect() == "postgresql" else sqlite
    return dialect.insert(table).on_conflict_do_nothing(
        index_elements=["notice_id", "channel", "recipient"]
    )


# --- 3. claiming due deliveries ----------------------------------------------------------------


def claim_due(*, limit: int) -> tuple[dict[int, int], datetime]:
    """Atomically take up to ``limit`` due deliveries; commits the claim.

    Answers {delivery id: attempt number} and the lease that proves the claim.
    """
    moment = clock.now()
    lease = moment + _lease("DELIVERY_LEASE_SECONDS")
    due = (
        select(Delivery.id)
        .where(
            or_(
                and_(Delivery.status.in_(DUE_STATUSES), Delivery.next_attempt_at <= moment),
                # A claim whose worker died: its lease ran out.
                and_(Delivery.status == DeliveryStatus.SENDING, Delivery.claimed_until < moment),
            )
        )
        .order_by(Delivery.next_attempt_at, Delivery.id)
        .limit(limit)
    )
    if _dialect() == "postgresql":
        due = due.with_for_update(skip_locked=True)
    claimed = db.session.execute(
        update(Delivery)
        .where(Delivery.id.in_(due.scalar_subquery()))
        .values(
            status=DeliveryStatus.SENDING,
            claimed_until=lease,
            attempts=Delivery.attempts + 1,
        )
        .returning(Delivery.id, Delivery.attempts)
        .execution_options(synchronize_session=False)
    )
    attempts = {row.id: row.attempts for row in claimed}
    db.session.commit()
    return attempts, lease


# --- 4. sending and marking --------------------------------------------------------------------


def send_due(*, transport: Transport, limit: int | None = None) -> list[Result]:
    """Claim one batch, send it, mark each delivery; [] when nothing is due."""
    attempts, lease = claim_due(limit=limit or int(current_app.config["WORKER_BATCH_SIZE"]))
    if not attempts:
        return []
    rows = db.session.execute(
        select(Delivery.id, Delivery.recipient, Delivery.message_id, Delivery.payload)
        .where(Delivery.id.in_(attempts))
        .order_by(Delivery.id)
    ).all()
    suppressed = suppressed_among([row.recipient for row in rows])
    db.session.rollback()  # no transaction stays open while the network is slow
    results: list[Result] = []
    mails: list[OutgoingMail] = []
    for row in rows:
        if normalise_email(row.recipient) in suppressed:
            results.append(Result(row.id, Outcome.DEAD, SUPPRESSED))
            continue
        try:
            mails.append(OutgoingMail(row.id, row.recipient, _composed(row)))
        except BadHeaderError:
            # Retrying cannot mend a header with a line break in it.
            results.append(Result(row.id, Outcome.DEAD, "a header contains a line break"))
    results.extend(transport.send_batch(mails))
    mark(
        results,
        lease=lease,
        attempts=attempts,
        recipients={row.id: row.recipient for row in rows},
    )
    return results


def _composed(row: Any) -> bytes:
    # Composed here, in a sender thread, where it overlaps other connections' round trips.
    mime = compose(recipient=row.recipient, message_id=row.message_id, payload=row.payload)
    return mime.encode("ascii")


def mark(
    results: list[Result],
    *,
    lease: datetime,
    attempts: dict[int, int],
    recipients: dict[int, str],
) -> None:
    """Record each outcome, only where this worker's claim still stands."""
    moment = clock.now()
    max_attempts = int(current_app.config["DELIVERY_MAX_ATTEMPTS"])
    scrub = _scrubbed_payloads([r.delivery_id for r in results if r.outcome is Outcome.SENT])
    updates: list[dict[str, Any]] = []
    for result in results:
        values: dict[str, Any] = {"b_id": result.delivery_id, "b_lease": lease}
        if result.outcome is Outcome.SENT:
            values.update(status=DeliveryStatus.SENT, sent_at=moment, last_error=None)
        elif result.outcome is Outcome.DEAD:
            values.update(status=DeliveryStatus.DEAD, last_error=result.error)
        elif attempts.get(result.delivery_id, 0) >= max_attempts:
            values.update(
                status=DeliveryStatus.DEAD,
                last_error=f"{result.error} (gave up after {max_attempts} attempts)",
            )
        else:
            values.update(
                status=DeliveryStatus.FAILED,
                last_error=result.error,
                next_attempt_at=moment + backoff(attempts.get(result.delivery_id, 1)),
            )
        updates.append(values)
    _bulk_mark(updates, scrub)
    refused = {
        normalise_email(recipients[r.delivery_id]): r.error or "refused"
        for r in results
        if r.suppress
    }
    for address, reason in sorted(refused.items()):
        _suppress(address, reason)
    db.session.commit()


def _bulk_mark(updates: list[dict[str, Any]], scrub: dict[int, dict[str, Any]]) -> None:
    """One executemany per shape of update, each guarded by the claim's lease."""
    table = cast(Table, Delivery.__table__)
    groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for values in updates:
        if values["b_id"] in scrub:
            values["payload"] = scrub[values["b_id"]]
        groups.setdefault(tuple(sorted(values)), []).append(values)
    for keys, batch in groups.items():
        columns: dict[str, Any] = {k: bindparam(k) for k in keys if not k.startswith("b_")}
        statement = (
            update(table)
            .where(
                table.c.id == bindparam("b_id"),
                table.c.claimed_until == bindparam("b_lease"),
                table.c.status == DeliveryStatus.SENDING,
            )
            .values(claimed_until=None, **columns)
        )
        db.session.execute(statement, batch)


def _scrubbed_payloads(sent_ids: list[int]) -> dict[int, dict[str, Any]]:
    """Sent mail of kinds with secrets keeps only its subject in the outbox."""
    if not sent_ids:
        return {}
    rows = db.session.execute(
        select(Delivery.id, Notice.kind, Delivery.payload)
        .join(Notice, Notice.id == Delivery.notice_id)
        .where(Delivery.id.in_(sent_ids))
    ).all()
    scrubbed = {}
    for row in rows:
        if get_kind(row.kind).secret_data:
            scrubbed[row.id] = {"subject": row.payload.get("subject"), "scrubbed": True}
    return scrubbed


def backoff(attempts: int) -> timedelta:
    """Exponential backoff with jitter: base·2^(n-1), drawn from its upper half, capped."""
    config = current_app.config
    base = float(config["DELIVERY_BACKOFF_SECONDS"])
    cap = float(config["DELIVERY_BACKOFF_MAX_SECONDS"])
    delay = min(cap, base * 2 ** max(attempts - 1, 0))
    return timedelta(seconds=delay / 2 + random.uniform(0, delay / 2))


def _suppress(address: str, reason: str) -> None:
    values = {"email": address, "reason": reason, "created_at": clock.now()}
    if _dialect() == "postgresql":
        statement: Any = postgresql.insert(SuppressedAddress).values(**values)
    else:
        statement = sqlite.insert(SuppressedAddress).values(**values)
    db.session.execute(statement.on_conflict_do_nothing(index_elements=["email"]))


def _dialect() -> str:
    return str(db.engine.dialect.name)
