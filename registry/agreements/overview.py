"""The processor's view across its agreements: per controller, what blocks which transfer."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from registry.agreements import service, transfers
from registry.extensions import db
from registry.organisations.models import Organisation
from registry.subprocessors import service as subprocessors

# Statuses under which a location may not be used for the controller's data.
BLOCKING = (
    "consent_required",
    "objection_pending",
    transfers.EXCLUDED,
    transfers.SAFEGUARD_MISSING,
)


def count_agreements(*, processor: Organisation, at: datetime) -> int:
    in_force = service.in_force(processor_id=processor.id, at=at).order_by(None)
    counted = select(func.count()).select_from(in_force.subquery())
    return int(db.session.scalar(counted) or 0)


def transfers_overview(
    *, processor: Organisation, at: datetime, offset: int, limit: int
) -> list[dict[str, Any]]:
    """For each agreement in force at ``at`` (one page): its counts by status and blocking rows."""
    page = list(
        db.session.scalars(
            service.in_force(processor_id=processor.id, at=at).offset(offset).limit(limit)
        )
    )
    # One list for the whole page: it is the processor's, whatever the agreement.
    versions = subprocessors.list_at(processor_id=processor.id, at=at) if page else []
    rows = []
    for agreement in page:
        view = transfers.transfers(agreement=agreement, at=at, versions=versions)
        rows.append(
            {
                "agreement_id": agreement.id,
                "reference": agreement.reference,
                "controller": agreement.controller,
                "summary": view["summary"],
                "blocking": [row for row in view["transfers"] if row["status"] in BLOCKING],
                "warnings": [row for row in view["transfers"] if row["warnings"]],
            }
        )
    return rows
