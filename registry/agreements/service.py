"""Agreements between a processor and a controller, and what they allow."""

from __future__ import annotations

from datetime import date, datetime

from flask import current_app
from sqlalchemy import ColumnElement, Select, and_, or_, select

from registry import clock
from registry.agreements.models import Agreement
from registry.audit import service as audit
from registry.errors import Conflict, Invalid, NotFound
from registry.extensions import db
from registry.organisations.models import Organisation, OrgKind
from registry.organisations.service import as_party


def record_agreement(
    *,
    processor: Organisation,
    controller_slug: str,
    reference: str,
    signed_on: date,
    language: str,
    notify_emails: list[str],
    notice_days: int | None = None,
    objection_days: int | None = None,
    acknowledge_days: int | None = None,
    consultation_days: int | None = None,
) -> Agreement:
    """Record a signed DPA; unset terms take the defaults of LEGAL.md §1."""
    controller = db.session.scalar(
        select(Organisation).where(
            Organisation.slug == controller_slug, Organisation.kind == OrgKind.CONTROLLER
        )
    )
    if controller is None:
        raise Invalid("controller", f"No controller '{controller_slug}' is registered.")
    taken = db.session.scalar(
        select(Agreement.id).where(
            Agreement.processor_id == processor.id, Agreement.reference == reference
        )
    )
    if taken is not None:
        raise Conflict(
            f"Agreement {taken} has reference '{reference}' already.",
            errors={"reference": ["taken"]},
        )
    config = current_app.config
    notice = config["DEFAULT_NOTICE_DAYS"] if notice_days is None else notice_days
    objection = notice if objection_days is None else objection_days
    if objection > notice:
        raise Invalid("objection_days", f"May not exceed notice_days ({notice}).")
    agreement = Agreement(
        processor_id=processor.id,
        controller_id=controller.id,
        reference=reference,
        signed_on=signed_on,
        language=language,
        notice_days=notice,
        objection_days=objection,
        acknowledge_days=acknowledge_days or config["DEFAULT_ACKNOWLEDGE_DAYS"],
        consultation_days=consultation_days or config["DEFAULT_CONSULTATION_DAYS"],
        notify_emails=list(dict.fromkeys(e.lower() for e in notify_emails)),
    )
    db.session.add(agreement)
    db.session.flush()
    audit.record_on_agreement(
        agreement,
        action="agreement.recorded",
        object_type="agreement",
        object_id=agreement.id,
        data={"reference": reference, "notice_days": notice, "objection_days": objection},
    )
    return agreement


def in_force_at(at: datetime) -> ColumnElement[bool]:
    """The one definition of an agreement in force at ``at``: recorded by then, not ended."""
    return and_(
        Agreement.created_at <= at,
        or_(Agreement.terminated_at.is_(None), Agreement.terminated_at > at),
    )


def in_force(*, processor_id: int, at: datetime) -> Select[Agreement]:
    """The processor's agreements in force at ``at``, in the order they were recorded."""
    return (
        select(Agreement)
        .where(Agreement.processor_id == processor_id, in_force_at(at))
        .order_by(Agreement.id)
    )


def active_agreements(*, processor_id: int, at: datetime) -> list[Agreement]:
    return list(db.session.scalars(in_force(processor_id=processor_id, at=at)))


def is_in_force(agreement: Agreement, at: datetime) -> bool:
    found = db.session.scalar(
        select(Agreement.id).where(Agreement.id == agreement.id, in_force_at(at))
    )
    return found is not None


def active_agreement_between(*, processor_id: int, controller_id: int) -> Agreement | None:
    return db.session.scalar(
        in_force(processor_id=processor_id, at=clock.now())
        .where(Agreement.controller_id == controller_id)
        .limit(1)
    )


def agreements_of(organisation: Organisation) -> Select[Agreement]:
    """The agreements an organisation is a party to."""
    party = as_party(
        organisation,
        processor_column=Agreement.processor_id,
        controller_column=Agreement.controller_id,
    )
    return select(Agreement).where(party).order_by(Agreement.id)


def get_for_party_or_404(*, agreement_id: int, organisation: Organisation) -> Agreement:
    """An agreement the organisation is a party to; anyone else's is 404."""
    agreement = db.session.get(Agreement, agreement_id)
    if agreement is None or organisation.id not in (
        agreement.processor_id,
        agreement.controller_id,
    ):
        raise NotFound(f"No agreement {agreement_id}.")
    return agreement
