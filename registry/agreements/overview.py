"""The processor's view across its agreements: per controller, what blocks which transfer."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, select

from registry.agreements import transfers
from registry.agreements.models import Agreement
from registry.extensions import db
from registry.organisations.models import Organisation

# Statuses under which a location may not be used for the controller's data.
BLOCKING = ("consent_required", "objection_pending", "excluded")


def _active(processor: Organisation, at: datetime) -> Any:
    return select(Agreement).where(
        Agreement.processor_id == processor.id,
        or_(Agreement.terminated_at.is_(None), Agreement.terminated_at > at),
    )


def count_agreements(*, processor: Organisation, at: datetime) -> int:
    counted = select(func.count()).select_from(_active(processor, at).subquery())
    return int(db.session.scalar(counted) or 0)


def transfers_overview(
    *, processor: Organisation, at: datetime, offset: int, limit: int
) -> list[dict[str, Any]]:
    """For each agreement active at ``at`` (one page): its counts by status and blocking rows."""
    page = db.session.scalars(
        _active(processor, at).order_by(Agreement.id).offset(offset).limit(limit)
    )
    rows = []
    for agreement in page:
        view = transfers.transfers(agreement=agreement, at=at)
        rows.append(
            {
                "agreement_id": agreement.id,
                "reference": agreement.reference,
                "controller": agreement.controller,
                "summary": view["summary"],
                "blocking": [row for row in view["transfers"] if row["status"] in BLOCKING],
            }
        )
    return rows
