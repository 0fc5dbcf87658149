"""Agreements between a processor and a controller, and what they allow.

The processor records an agreement; it is ``pending`` until the controller confirms it, or
declines it as not its own. Recording cannot wait for that answer to bind the processor, so
a pending agreement is in force from the moment it is recorded (``in_force_at``). What the
controller sees is another matter: a pending agreement stays out of its audit trail until
confirmed, and a declined one leaves its view altogether.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import ColumnElement, Select, and_, or_, select
from sqlalchemy.exc import IntegrityError

from registry import clock
from registry.agreements.models import Agreement, AgreementStatus
from registry.audit import service as audit
from registry.auth import request_token_id
from registry.db import savepoint
from registry.errors import Conflict, Invalid, NotFound
from registry.extensions import db
from registry.notifications.service import queue_notice
from registry.organisations.models import Organisation, OrgKind
from registry.organisations.service import as_party
from registry.subprocessors.models import Change
from registry.subprocessors.publishing import pending_changes

# Notice kinds, registered with their templates in registry/agreements/notifications.py.
AGREEMENT_RECORDED = "agreement_recorded"
AGREEMENT_CONFIRMED = "agreement_confirmed"
AGREEMENT_DECLINED = "agreement_declined"
AGREEMENT_WELCOME = "agreement_welcome"  # registered in registry/agreements/welcome.py


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
    """Record a signed DPA, pending until the controller confirms it; the controller is told.

    Unset terms take the defaults of LEGAL.md §1.
    """
    controller = db.session.scalar(
        select(Organisation).where(
            Organisation.slug == controller_slug, Organisation.kind == OrgKind.CONTROLLER
        )
    )
    if controller is None:
        raise Invalid("controller", f"No controller '{controller_slug}' is registered.")
    _check_reference_is_free(processor, reference)
    config = current_app.config
    notice = config["DEFAULT_NOTICE_DAYS"] if notice_days is None else notice_days
    objection = notice if objection_days is None else objection_days
    check_periods(notice_days=notice, objection_days=objection)
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
    try:
        with savepoint():
            db.session.add(agreement)
    except IntegrityError:
        _check_reference_is_free(processor, reference)  # taken a moment ago: the same 409
        raise
    audit.record_on_agreement(
        agreement,
        action="agreement.recorded",
        object_type="agreement",
        object_id=agreement.id,
        data={"reference": reference, "notice_days": notice, "objection_days": objection},
    )
    _notify(AGREEMENT_RECORDED, agreement)
    _welcome(agreement)
    return agreement


def _welcome(agreement: Agreement) -> None:
    """An agreement that comes in force while changes are announced: its contacts are told of
    the list and of each pending change, which they may object to (``objection_deadline``)."""
    pending = pending_changes(agreement.processor_id, agreement.created_at)
    if pending:
        queue_notice(
            kind=AGREEMENT_WELCOME,
            processor_id=agreement.processor_id,
            agreement_id=agreement.id,
            data={"change_ids": [change.id for change in pending]},
        )


def check_periods(*, notice_days: int, objection_days: int, prefix: str = "") -> None:
    """The floors of the configuration, and an objection possible before a change applies;
    ``prefix`` goes before the field named in a refusal."""
    problem = period_problem(notice_days=notice_days, objection_days=objection_days)
    if problem is None:
        return
    field, floor = problem
    if floor is not None:
        raise Invalid(prefix + field, f"Must be at least {floor} days (the minimum).")
    raise Invalid(prefix + field, f"May not exceed notice_days ({notice_days}).")


def period_problem(*, notice_days: int, objection_days: int) -> tuple[str, int | None] | None:
    """The first rule the periods break: (field, its floor) below a configured minimum,
    (objection_days, None) when an objection could not be made before a change applies."""
    config = current_app.config
    for field, days, floor in (
        ("notice_days", notice_days, int(config["MIN_NOTICE_DAYS"])),
        ("objection_days", objection_days, int(config["MIN_OBJECTION_DAYS"])),
    ):
        if days < floor:
            return field, floor
    if objection_days > notice_days:
        return "objection_days", None
    return None


def _check_reference_is_free(processor: Organisation, reference: str) -> None:
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


# --- the controller's answer --------------------------------------------------------------


def confirm_agreement(*, controller: Organisation, agreement_id: int) -> Agreement:
    """The controller confirms a pending agreement as its own; the processor is told."""
    agreement = _pending_of_controller(controller, agreement_id, "confirm")
    agreement.confirmed_at = clock.now()
    agreement.confirmed_by_token_id = request_token_id()
    audit.record_on_agreement(
        agreement, action="agreement.confirmed", object_type="agreement", object_id=agreement.id
    )
    _notify(AGREEMENT_CONFIRMED, agreement)
    return agreement


def decline_agreement(
    *, controller: Organisation, agreement_id: int, reason: str | None = None
) -> Agreement:
    """The controller declines a pending agreement: it ends now and leaves the controller's
    view; the processor is told."""
    agreement = _pending_of_controller(controller, agreement_id, "decline")
    moment = clock.now()
    agreement.declined_at = agreement.terminated_at = moment
    agreement.declined_by_token_id = request_token_id()
    agreement.decline_reason = reason.strip() if reason and reason.strip() else None
    audit.record_on_agreement(
        agreement,
        action="agreement.declined",
        object_type="agreement",
        object_id=agreement.id,
        data={"reason": agreement.decline_reason},
    )
    _notify(AGREEMENT_DECLINED, agreement)
    return agreement


def _pending_of_controller(controller: Organisation, agreement_id: int, verb: str) -> Agreement:
    """The controller's agreement, read afresh and held until the transaction ends (so two
    answers at once are decided one after the other); 409 unless it is still pending."""
    agreement = db.session.get(
        Agreement, agreement_id, with_for_update=True, populate_existing=True
    )
    if agreement is None or not _visible_to_controller(agreement, controller):
        raise NotFound(f"No agreement {agreement_id}.")
    if agreement.status is not AgreementStatus.PENDING:
        raise Conflict(
            f"Agreement {agreement.reference} is {agreement.status.value}; only a pending "
            f"agreement can be {verb}ed.",
            state=agreement.status.value,
            allowed_actions=[],
        )
    return agreement


def _notify(kind: str, agreement: Agreement) -> None:
    queue_notice(kind=kind, processor_id=agreement.processor_id, agreement_id=agreement.id)


def objection_deadline(*, agreement: Agreement, change: Change) -> datetime:
    """Until when this controller may object to the change: the change's own window for this
    agreement, or, for an agreement that came in force after the announcement, ``objection_days``
    from that moment, whichever is later (GDPR Art. 28(2): the opportunity to object)."""
    own_window = agreement.objection_closes_at(change.announced_at)
    late_window = agreement.created_at + timedelta(days=agreement.objection_days)
    return max(own_window, late_window)


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


def agreements_of(
    organisation: Organisation, *, status: AgreementStatus | None = None
) -> Select[Agreement]:
    """The agreements an organisation is a party to; a controller's leave out the declined."""
    party = as_party(
        organisation,
        processor_column=Agreement.processor_id,
        controller_column=Agreement.controller_id,
    )
    statement = select(Agreement).where(party)
    if organisation.kind is OrgKind.CONTROLLER:
        statement = statement.where(Agreement.declined_at.is_(None))
    if status is not None:
        statement = statement.where(_has_status(status))
    return statement.order_by(Agreement.id)


def _has_status(status: AgreementStatus) -> ColumnElement[bool]:
    """``Agreement.status`` as SQL (a declined agreement is ended too)."""
    if status is AgreementStatus.DECLINED:
        return Agreement.declined_at.is_not(None)
    if status is AgreementStatus.TERMINATED:
        return and_(Agreement.declined_at.is_(None), Agreement.terminated_at.is_not(None))
    confirmed = Agreement.confirmed_at.is_not(None)
    return and_(
        Agreement.terminated_at.is_(None),
        confirmed if status is AgreementStatus.CONFIRMED else ~confirmed,
    )


def get_for_party_or_404(*, agreement_id: int, organisation: Organisation) -> Agreement:
    """An agreement the organisation is a party to; anyone else's is 404, and so is one the
    controller declined, for the controller."""
    agreement = db.session.get(Agreement, agreement_id)
    if agreement is None or not (
        agreement.processor_id == organisation.id or _visible_to_controller(agreement, organisation)
    ):
        raise NotFound(f"No agreement {agreement_id}.")
    return agreement


def hold_for_party(*, organisation: Organisation, agreement_id: int) -> Agreement:
    """A party's agreement (the role of the caller's token decides which party), read afresh
    and held until the transaction ends, so two changes at once apply one after the other;
    409 once it has ended."""
    get_for_party_or_404(agreement_id=agreement_id, organisation=organisation)
    agreement = db.session.get(
        Agreement, agreement_id, with_for_update=True, populate_existing=True
    )
    if agreement is None:
        raise NotFound(f"No agreement {agreement_id}.")
    if agreement.terminated_at is not None:
        raise Conflict(
            f"Agreement {agreement.reference} is {agreement.status.value}: it no longer changes.",
            state=agreement.status.value,
            allowed_actions=[],
        )
    return agreement


def _visible_to_controller(agreement: Agreement, organisation: Organisation) -> bool:
    return agreement.controller_id == organisation.id and agreement.declined_at is None


def readable_by_controller(*, controller_id: int) -> Select[Any]:
    """The controller's agreements whose events its audit trail shows: the confirmed ones."""
    return select(Agreement.id).where(
        Agreement.controller_id == controller_id, Agreement.confirmed_at.is_not(None)
    )
