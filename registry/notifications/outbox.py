"""The outbox of deliveries: claim what is due, record each outcome, back off, suppress.

Due deliveries are claimed with a lease (``FOR UPDATE SKIP LOCKED`` on PostgreSQL, an atomic
``UPDATE … RETURNING`` on SQLite): a worker that dies mid-batch gives its claims back when
the lease runs out. The claim commits before anything is sent, and an outcome is recorded
only while the claim that sent it still stands.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Any, cast

from flask import current_app
from sqlalchemy import Table, and_, bindparam, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite

from registry import clock
from registry.db import dialect
from registry.extensions import db
from registry.notifications.kinds import get_kind
from registry.notifications.models import Delivery, DeliveryStatus, Notice, SuppressedAddress
from registry.notifications.service import normalise_email
from registry.notifications.transports import Outcome, Result

DUE_STATUSES = (DeliveryStatus.PENDING, DeliveryStatus.FAILED)
SUPPRESSED = "address suppressed after a permanent failure"


def lease_of(setting: str) -> timedelta:
    """The lease a claim lasts, from a ``*_LEASE_SECONDS`` setting."""
    return timedelta(seconds=float(current_app.config[setting]))


def claim_due(*, limit: int) -> tuple[dict[int, int], datetime]:
    """Atomically take up to ``limit`` due deliveries; commits the claim.

    Answers {delivery id: attempt number} and the lease that proves the claim.
    """
    moment = clock.now()
    lease = moment + lease_of("DELIVERY_LEASE_SECONDS")
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
    if dialect() == "postgresql":
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
    if dialect() == "postgresql":
        statement: Any = postgresql.insert(SuppressedAddress).values(**values)
    else:
        statement = sqlite.insert(SuppressedAddress).values(**values)
    db.session.execute(statement.on_conflict_do_nothing(index_elements=["email"]))
