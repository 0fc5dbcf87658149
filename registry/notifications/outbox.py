"""The outbox of deliveries: claim what is due, record each outcome, back off, give up.

Due deliveries are claimed with a lease (``FOR UPDATE SKIP LOCKED`` on PostgreSQL, an atomic
``UPDATE … RETURNING`` on SQLite): a worker that dies mid-batch gives its claims back when
the lease runs out, and a worker still sending extends it (``extend_lease``). The claim commits
before anything is sent, and an outcome is recorded only while the claim that sent it still
stands. Every claim counts as an attempt, so DELIVERY_MAX_ATTEMPTS holds even for a delivery
whose attempts never record an outcome (its worker keeps dying): it is given up instead.
"""

from __future__ import annotations

import contextlib
import functools
import random
import threading
from datetime import datetime, timedelta
from typing import Any, NamedTuple, Protocol, cast

from flask import current_app
from sqlalchemy import Connection, Table, and_, bindparam, func, or_, select, update
from sqlalchemy.exc import DBAPIError

from registry import clock
from registry.db import dialect
from registry.extensions import db
from registry.notifications.models import Delivery, DeliveryStatus
from registry.notifications.outcomes import Outcome, Result

DUE_STATUSES = (DeliveryStatus.PENDING, DeliveryStatus.FAILED)
SUPPRESSED = "address suppressed after a permanent failure"
NO_OUTCOME = "the last attempt ended without an outcome (its worker stopped or lost its lease)"


class Executor(Protocol):
    """A session or a connection: what runs the outbox's statements."""

    def execute(self, statement: Any, params: Any = ..., /) -> Any: ...


class Claim(NamedTuple):
    attempts: dict[int, int]  # delivery id -> the attempt this claim is
    lease: datetime  # the claim's proof: claimed_until, until extended


_SQLITE_WRITES = threading.RLock()


def one_writer(dialect_name: str | None = None) -> contextlib.AbstractContextManager[Any]:
    """On SQLite, the worker's threads write one at a time, queueing here for each other.

    SQLite lets one connection write at a time; one that finds the database locked sleeps in
    steps of milliseconds before it looks again, longer than a write to the outbox takes. A
    queue in the process hands the turn over at once. PostgreSQL locks rows, not the database.
    """
    if (dialect_name or dialect()) == "sqlite":
        return _SQLITE_WRITES
    return contextlib.nullcontext()


def lease_of(setting: str) -> timedelta:
    """The lease a claim lasts, from a ``*_LEASE_SECONDS`` setting."""
    return timedelta(seconds=float(current_app.config[setting]))


def max_attempts() -> int:
    return int(current_app.config["DELIVERY_MAX_ATTEMPTS"])


def open_connection() -> Connection:
    """A connection of its own for the outbox's short writes, each committed at once.

    On SQLite it commits with ``synchronous=NORMAL`` (the usual setting with WAL): a commit
    survives a crash of the process, not of the machine. Losing a claim or a mark that way only
    sends a message again, with its Message-ID; a full sync for each would halve the rate.
    """
    connection = db.engine.connect()
    if connection.dialect.name == "sqlite":
        previous = connection.exec_driver_sql("PRAGMA synchronous").scalar()
        connection.info["registry_synchronous"] = int(previous or 2)
        connection.exec_driver_sql("PRAGMA synchronous=NORMAL")
        connection.commit()
    return connection


def close_connection(connection: Connection) -> None:
    previous = connection.info.pop("registry_synchronous", None)
    try:
        if previous is not None and not connection.invalidated:
            connection.rollback()
            # Back as the pool handed it out, for whoever uses the connection next.
            connection.exec_driver_sql(f"PRAGMA synchronous={int(previous)}")
            connection.commit()
    except DBAPIError:
        connection.invalidate()  # the pool opens a fresh one instead
    finally:
        connection.close()


def claim_due(*, limit: int) -> Claim:
    """Atomically take up to ``limit`` due deliveries; commits the claim.

    Those due again after their last allowed attempt are given up first, in the same
    transaction, so no claim ever exceeds DELIVERY_MAX_ATTEMPTS.
    """
    connection = open_connection()
    try:
        with one_writer(connection.dialect.name), connection.begin():
            return _claim(connection, limit, clock.now(), max_attempts())
    finally:
        close_connection(connection)


def _claim(connection: Connection, limit: int, moment: datetime, cap: int) -> Claim:
    _give_up_exhausted(connection, moment, cap)
    due = (
        select(Delivery.id)
        .where(_is_due(moment), Delivery.attempts < cap)
        .order_by(Delivery.next_attempt_at, Delivery.id)
        .limit(limit)
    )
    if dialect() == "postgresql":
        due = due.with_for_update(skip_locked=True)
    lease = moment + lease_of("DELIVERY_LEASE_SECONDS")
    claimed = connection.execute(
        update(Delivery)
        .where(Delivery.id.in_(due.scalar_subquery()))
        .values(status=DeliveryStatus.SENDING, claimed_until=lease, attempts=Delivery.attempts + 1)
        .returning(Delivery.id, Delivery.attempts)
    )
    return Claim({row.id: row.attempts for row in claimed}, lease)


def _is_due(moment: datetime) -> Any:
    return or_(
        and_(Delivery.status.in_(DUE_STATUSES), Delivery.next_attempt_at <= moment),
        # A claim whose worker died or stalled: its lease ran out.
        and_(Delivery.status == DeliveryStatus.SENDING, Delivery.claimed_until < moment),
    )


def _give_up_exhausted(connection: Connection, moment: datetime, cap: int) -> None:
    stale = and_(Delivery.status == DeliveryStatus.SENDING, Delivery.claimed_until < moment)
    given_up = {"status": DeliveryStatus.DEAD, "claimed_until": None, "last_attempt_at": moment}
    connection.execute(
        update(Delivery)
        .where(stale, Delivery.attempts >= cap)
        .values(**given_up, last_error=f"gave up after {cap} attempts: {NO_OUTCOME}")
    )
    # Failed ones over the cap exist only when DELIVERY_MAX_ATTEMPTS was lowered since.
    gave_up = f" (gave up after {cap} attempts)"
    connection.execute(
        update(Delivery)
        .where(_is_due(moment), Delivery.attempts >= cap)
        .values(**given_up, last_error=func.coalesce(Delivery.last_error, "failed") + gave_up)
    )


def outcome_values(result: Result, *, attempt: int, moment: datetime, cap: int) -> dict[str, Any]:
    """The columns one outcome sets: sent, dead, failed with backoff, or given up."""
    values: dict[str, Any] = {"last_attempt_at": moment}
    if result.outcome is Outcome.SENT:
        values.update(status=DeliveryStatus.SENT, sent_at=moment, last_error=None)
    elif result.outcome is Outcome.DEAD:
        values.update(status=DeliveryStatus.DEAD, last_error=result.error)
    elif attempt >= cap:
        values.update(
            status=DeliveryStatus.DEAD, last_error=f"{result.error} (gave up after {cap} attempts)"
        )
    else:
        values.update(
            status=DeliveryStatus.FAILED,
            last_error=result.error,
            next_attempt_at=moment + backoff(attempt),
        )
    return values


def record_outcomes(
    executor: Executor,
    results: list[Result],
    *,
    claim: Claim,
    scrubbed: dict[int, dict[str, Any]] | None = None,
) -> None:
    """Write each outcome where ``claim`` still stands (flushes nothing else, never commits).

    ``scrubbed``: the payload a sent delivery keeps instead of its body (kinds with secrets).
    """
    moment, cap = clock.now(), max_attempts()
    groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for result in results:
        attempt = claim.attempts.get(result.delivery_id, cap)
        values = outcome_values(result, attempt=attempt, moment=moment, cap=cap)
        if result.outcome is Outcome.SENT and scrubbed and result.delivery_id in scrubbed:
            values["payload"] = scrubbed[result.delivery_id]
        values.update(b_id=result.delivery_id, b_lease=claim.lease)
        groups.setdefault(tuple(sorted(values)), []).append(values)
    for keys, batch in groups.items():
        # One row, the usual case while sending, goes without executemany's bookkeeping.
        executor.execute(_marking(keys), batch[0] if len(batch) == 1 else batch)


@functools.lru_cache(maxsize=32)
def _marking(keys: tuple[str, ...]) -> Any:
    """One UPDATE per shape of outcome, guarded by the claim's lease; built once per shape."""
    table = cast(Table, Delivery.__table__)
    columns: dict[str, Any] = {k: bindparam(k) for k in keys if not k.startswith("b_")}
    return (
        update(table)
        .where(
            table.c.id == bindparam("b_id"),
            table.c.claimed_until == bindparam("b_lease"),
            table.c.status == DeliveryStatus.SENDING,
        )
        .values(claimed_until=None, **columns)
    )


def extend_lease(
    executor: Executor, delivery_ids: set[int], *, lease: datetime, until: datetime
) -> set[int]:
    """Move the lease of the claimed deliveries on to ``until``; answers those still held."""
    if not delivery_ids:
        return set()
    extended = executor.execute(
        update(Delivery)
        .where(
            Delivery.id.in_(sorted(delivery_ids)),
            Delivery.claimed_until == lease,
            Delivery.status == DeliveryStatus.SENDING,
        )
        .values(claimed_until=until)
        .returning(Delivery.id)
        .execution_options(synchronize_session=False)
    )
    return {row.id for row in extended}


def backoff(attempts: int) -> timedelta:
    """Exponential backoff with jitter: base·2^(n-1), drawn from its upper half, capped."""
    config = current_app.config
    base = float(config["DELIVERY_BACKOFF_SECONDS"])
    cap = float(config["DELIVERY_BACKOFF_MAX_SECONDS"])
    delay = min(cap, base * 2 ** max(attempts - 1, 0))
    return timedelta(seconds=delay / 2 + random.uniform(0, delay / 2))
