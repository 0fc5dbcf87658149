"""The overview of the processor's security measures (Art. 6.1, 2.2).

The processor keeps it as versioned text; a version with the text of the current one changes
nothing. It is not public: the processor and the controllers with an agreement in force with it
read it, and every read by a controller is recorded on each of its agreements with the
processor as provided on request (Art. 6.1), so it is in the evidence of that agreement. A new
version is told to the contacts of every agreement in force.
"""

from __future__ import annotations

from sqlalchemy import Select, select

from registry import clock
from registry.agreements.models import Agreement, SecurityMeasures
from registry.agreements.service import in_force
from registry.audit import service as audit
from registry.auth import request_token_id
from registry.errors import NotFound
from registry.extensions import db
from registry.notifications.service import queue_notice
from registry.organisations.models import Organisation, OrgKind
from registry.organisations.service import get_by_slug_or_404

# Notice kind, registered with its templates in registry/agreements/security_notices.py.
SECURITY_MEASURES_UPDATED = "security_measures_updated"
PROVIDED_ON_REQUEST = "provided on request (Art. 6.1)"


def publish_security_measures(
    *, processor: Organisation, text: str, summary: str | None = None
) -> SecurityMeasures:
    """A new version of the processor's overview; the controllers with an agreement in force
    are told. The text of the current version again changes nothing."""
    db.session.get(Organisation, processor.id, with_for_update=True, populate_existing=True)
    current = _latest(processor.id)
    if current is not None and current.text == text:
        return current
    measures = SecurityMeasures(
        processor_id=processor.id,
        version=(current.version if current is not None else 0) + 1,
        text=text,
        summary=summary.strip() if summary and summary.strip() else None,
        published_at=clock.now(),
        published_by_token_id=request_token_id(),
    )
    db.session.add(measures)
    db.session.flush()
    audit.record(
        action="security_measures.published",
        object_type="security_measures",
        object_id=measures.id,
        processor_id=processor.id,
        data={"version": measures.version, "summary": measures.summary},
    )
    for agreement in db.session.scalars(in_force(processor_id=processor.id, at=clock.now())):
        queue_notice(
            kind=SECURITY_MEASURES_UPDATED,
            processor_id=processor.id,
            agreement_id=agreement.id,
            data={"security_measures_id": measures.id},
        )
    return measures


def read_security_measures(
    *, reader: Organisation, slug: str, version: int | None = None
) -> SecurityMeasures:
    """The current version, or version ``version``, for the processor itself or a controller
    with an agreement in force; a controller's read is recorded on each of its agreements."""
    processor, agreements = _readable(reader, slug)
    measures = (
        _latest(processor.id)
        if version is None
        else db.session.scalar(
            select(SecurityMeasures).where(
                SecurityMeasures.processor_id == processor.id,
                SecurityMeasures.version == version,
            )
        )
    )
    if measures is None:
        which = "an overview" if version is None else f"version {version} of its overview"
        raise NotFound(f"Processor '{slug}' has not published {which} of its security measures.")
    for agreement in agreements:
        audit.record_on_agreement(
            agreement,
            action="agreement.security_measures_provided",
            object_type="security_measures",
            object_id=measures.id,
            data={"version": measures.version, "provided": PROVIDED_ON_REQUEST},
        )
    return measures


def security_measures_versions(*, reader: Organisation, slug: str) -> Select[SecurityMeasures]:
    """The versions of the processor's overview, newest first (their texts are not read)."""
    processor, _ = _readable(reader, slug)
    return (
        select(SecurityMeasures)
        .where(SecurityMeasures.processor_id == processor.id)
        .order_by(SecurityMeasures.version.desc())
    )


def _readable(reader: Organisation, slug: str) -> tuple[Organisation, list[Agreement]]:
    """The processor whose overview ``reader`` may read, and the reader's agreements in force
    with it (none for the processor itself); 404 for anyone else."""
    processor = get_by_slug_or_404(slug, kind=OrgKind.PROCESSOR)
    if reader.id == processor.id:
        return processor, []
    agreements: list[Agreement] = []
    if reader.kind is OrgKind.CONTROLLER:
        agreements = list(
            db.session.scalars(
                in_force(processor_id=processor.id, at=clock.now()).where(
                    Agreement.controller_id == reader.id
                )
            )
        )
    if not agreements:
        raise NotFound(f"No processor '{slug}' with an agreement with you.")
    return processor, agreements


def _latest(processor_id: int) -> SecurityMeasures | None:
    return db.session.scalar(
        select(SecurityMeasures)
        .where(SecurityMeasures.processor_id == processor_id)
        .order_by(SecurityMeasures.version.desc())
        .limit(1)
    )
