"""Filing an objection (Art. 5.2): to an announced change, or to a sub-processor on the list.

The contract lets the controller object, on reasonable grounds, to the third parties on the
list, at any time; an announced change it may object to within its objection window (for an
agreement recorded while the change was announced, at least ``objection_days`` from then). An
objection to a change that has taken effect is one to a sub-processor on the list.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from registry import clock
from registry.agreements import service as agreements
from registry.agreements.models import Agreement
from registry.errors import Conflict, Invalid, NotFound
from registry.extensions import db
from registry.objections.models import OPEN_STATES, Objection, ObjectionKind, ObjectionState
from registry.objections.service import OBJECTION_FILED, affected_subprocessor, notify, record
from registry.organisations.models import Organisation
from registry.subprocessors import service as subprocessors
from registry.subprocessors.models import Change, ChangeAction, SubprocessorVersion


def file_objection(
    *, controller: Organisation, change_id: int, grounds: str, remedy: str | None = None
) -> Objection:
    """Object to an announced change, inside this agreement's objection window; once the change
    has taken effect, to the sub-processor it brought (not blocking)."""
    change = subprocessors.find_change_or_404(change_id=change_id)
    agreement = agreements.active_agreement_between(
        processor_id=change.processor_id, controller_id=controller.id
    )
    if agreement is None:
        raise NotFound(f"No change {change_id} of a processor you have an agreement with.")
    _lock(agreement)
    moment = clock.now()
    if change.withdrawn_at is not None:
        raise Conflict(
            f"Change {change.id} was withdrawn on {change.withdrawn_at.isoformat()}; "
            "there is nothing to object to.",
            change_status=change.status.value,
        )
    if change.effective_at <= moment:
        subprocessor_id = _still_listed(change, agreement, moment)
        _check_none_open(agreement, subprocessor_id)
        return _file(
            agreement, ObjectionKind.LISTED, subprocessor_id, grounds, remedy, moment, change
        )
    _check_window(change, agreement, moment)
    _check_none_open_against_change(change, controller)
    return _file(
        agreement,
        ObjectionKind.CHANGE,
        affected_subprocessor(change),
        grounds,
        remedy,
        moment,
        change,
    )


def file_listed_objection(
    *,
    controller: Organisation,
    agreement_id: int,
    subprocessor_id: int,
    grounds: str,
    remedy: str | None = None,
) -> Objection:
    """Object to a sub-processor on the processor's current list, at any time (Art. 5.2)."""
    agreement = agreements.get_for_party_or_404(agreement_id=agreement_id, organisation=controller)
    if agreement.controller_id != controller.id:
        raise NotFound(f"No agreement {agreement_id}.")
    _lock(agreement)
    moment = clock.now()
    if agreement.terminated_at is not None and agreement.terminated_at <= moment:
        raise Conflict(
            f"Agreement {agreement.reference} ended on {agreement.terminated_at.isoformat()}.",
            agreement_status=agreement.status.value,
        )
    listed = _is_listed(agreement, subprocessor_id, moment)
    if not listed:
        raise Invalid(
            "subprocessor_id",
            f"Sub-processor {subprocessor_id} is not on the current list of the processor of "
            f"agreement {agreement.reference}; an announced one is objected to through its "
            "change (POST /api/v1/changes/{id}/objections).",
        )
    _check_none_open(agreement, subprocessor_id)
    return _file(agreement, ObjectionKind.LISTED, subprocessor_id, grounds, remedy, moment, None)


def _is_listed(agreement: Agreement, subprocessor_id: int, moment: datetime) -> bool:
    version = db.session.scalar(
        subprocessors.in_force(agreement.processor_id, moment).where(
            SubprocessorVersion.subprocessor_id == subprocessor_id
        )
    )
    return version is not None


def _lock(agreement: Agreement) -> None:
    """Serialise filings per agreement (PostgreSQL), so two requests cannot both pass the
    one-open-objection check."""
    db.session.execute(select(Agreement.id).where(Agreement.id == agreement.id).with_for_update())


def _file(
    agreement: Agreement,
    kind: ObjectionKind,
    subprocessor_id: int,
    grounds: str,
    remedy: str | None,
    moment: datetime,
    change: Change | None,
) -> Objection:
    objection = Objection(
        kind=kind,
        change_id=change.id if change else None,
        subprocessor_id=subprocessor_id,
        agreement_id=agreement.id,
        processor_id=agreement.processor_id,
        controller_id=agreement.controller_id,
        state=ObjectionState.FILED,
        grounds=grounds.strip(),
        remedy=remedy.strip() if remedy and remedy.strip() else None,
        filed_at=moment,
        acknowledge_due_at=moment + timedelta(days=agreement.acknowledge_days),
        consultation_due_at=moment + timedelta(days=agreement.consultation_days),
    )
    db.session.add(objection)
    db.session.flush()
    record(
        objection,
        "objection.filed",
        kind=kind.value,
        change_id=objection.change_id,
        subprocessor_id=subprocessor_id,
        acknowledge_due_at=objection.acknowledge_due_at.isoformat(),
        consultation_due_at=objection.consultation_due_at.isoformat(),
    )
    notify(OBJECTION_FILED, objection)
    return objection


def _still_listed(change: Change, agreement: Agreement, moment: datetime) -> int:
    """The sub-processor a change in effect brought, while it is on the list; else 409."""
    subprocessor_id = affected_subprocessor(change)
    listed = _is_listed(agreement, subprocessor_id, moment)
    if change.action is ChangeAction.REMOVE or not listed:
        raise Conflict(
            f"Change {change.id} took effect on {change.effective_at.isoformat()} and its "
            "sub-processor is not on the list any more; there is nothing to object to.",
            change_status=change.status.value,
        )
    return subprocessor_id


def _check_window(change: Change, agreement: Agreement, moment: datetime) -> None:
    closes_at = agreements.objection_deadline(agreement=agreement, change=change)
    if moment > closes_at:
        raise Conflict(
            f"The objection window for change {change.id} closed on {closes_at.isoformat()} "
            f"({agreement.objection_days} days after its announcement, agreement "
            f"{agreement.reference}). Once it takes effect you may object to the sub-processor "
            f"on the list (POST /api/v1/agreements/{agreement.id}/objections).",
            closed_at=closes_at.isoformat(),
        )


def _check_none_open_against_change(change: Change, controller: Organisation) -> None:
    open_one = db.session.scalar(
        select(Objection.id).where(
            Objection.change_id == change.id,
            Objection.controller_id == controller.id,
            Objection.state.in_(OPEN_STATES),
        )
    )
    if open_one is not None:
        raise Conflict(
            f"Objection {open_one} against change {change.id} is open already; continue "
            "the consultation there.",
            objection_id=open_one,
        )


def _check_none_open(agreement: Agreement, subprocessor_id: int) -> None:
    open_one = db.session.scalar(
        select(Objection.id).where(
            Objection.agreement_id == agreement.id,
            Objection.subprocessor_id == subprocessor_id,
            Objection.state.in_(OPEN_STATES),
        )
    )
    if open_one is not None:
        raise Conflict(
            f"Objection {open_one} against sub-processor {subprocessor_id} is open already on "
            f"agreement {agreement.reference}; continue the consultation there.",
            objection_id=open_one,
        )
