"""Expanding a notice into one rendered delivery per recipient.

Each unexpanded notice is claimed with a lease (``claimed_until``; ``FOR UPDATE SKIP LOCKED``
on PostgreSQL, an atomic ``UPDATE … RETURNING`` on SQLite) and turned into deliveries,
committed in chunks so that sending starts while a large notice is still being expanded. A
delivery is unique per notice and recipient, so a worker that takes over an interrupted
expansion adds only the missing ones.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any, cast

from flask import current_app
from sqlalchemy import Table, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite

from registry import clock
from registry.db import dialect
from registry.extensions import db
from registry.notifications import render
from registry.notifications.kinds import NoticeKind, Recipient, get_kind
from registry.notifications.models import Delivery, DeliveryStatus, Notice
from registry.notifications.outbox import SUPPRESSED, lease_of, one_writer
from registry.notifications.suppressions import normalise_email, suppressed_among

log = logging.getLogger(__name__)


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
    if dialect() == "postgresql":
        waiting = waiting.with_for_update(skip_locked=True)
    claimed = db.session.execute(
        update(Notice)
        .where(Notice.id.in_(waiting.scalar_subquery()))
        .values(claimed_until=moment + lease_of("NOTICE_LEASE_SECONDS"))
        .returning(Notice.id)
        .execution_options(synchronize_session=False)
    ).scalar()
    db.session.commit()
    return claimed


def expand(notice_id: int, *, on_chunk: Callable[[], None] | None = None) -> int:
    """Write one rendered delivery per recipient, in chunks; suppressed subscribers are dead
    rows (suppression never stops a contractual notice).

    Each chunk commits on its own and renews the claim; the last marks the notice expanded.
    """
    notice = db.session.get(Notice, notice_id)
    assert notice is not None
    notice.__dict__.pop("_shared_render_cache", None)  # nothing left from a failed attempt
    kind = get_kind(notice.kind)
    recipients = _unique(kind.recipients(notice))
    if not kind.subscriber_visible:
        recipients = [r for r in recipients if r.subscription_id is None]
    suppressed = suppressed_among([r.email for r in recipients if r.subscription_id is not None])
    size = max(1, int(current_app.config["WORKER_EXPAND_CHUNK"]))
    for start in range(0, len(recipients), size):
        moment = clock.now()
        rows = [
            _delivery_row(kind, notice, recipient, moment, _suppressed(recipient, suppressed))
            for recipient in recipients[start : start + size]
        ]
        with one_writer():
            db.session.execute(_insert_missing(), rows)
            db.session.execute(
                update(Notice)
                .where(Notice.id == notice_id)
                .values(claimed_until=moment + lease_of("NOTICE_LEASE_SECONDS"))
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


def _suppressed(recipient: Recipient, suppressed: set[str]) -> bool:
    if recipient.subscription_id is None:
        return False
    return normalise_email(recipient.email) in suppressed


def _unique(recipients: list[Recipient]) -> list[Recipient]:
    """One recipient per address: the first named wins (contacts come before subscribers)."""
    seen: dict[str, Recipient] = {}
    for recipient in recipients:
        seen.setdefault(normalise_email(recipient.email), recipient)
    return list(seen.values())


def _delivery_row(
    kind: NoticeKind, notice: Notice, recipient: Recipient, moment: datetime, suppressed: bool
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
    backend = postgresql if dialect() == "postgresql" else sqlite
    return backend.insert(table).on_conflict_do_nothing(
        index_elements=["notice_id", "channel", "recipient"]
    )
