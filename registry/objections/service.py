"""Objections (Art. 5.2) and the consultation that follows.

Every state change of an objection goes through a transition function: the filings of
``filing``, the outcomes of ``outcomes`` (propose, accept, reject, resolve), and here
``acknowledge``, ``post_message``, ``withdraw`` and the worker's ``queue_due_reminders``, which
only reminds: nothing resolves by the clock. Each checks the state machine of
``models.TRANSITIONS``, writes an audit event and queues its notices in the caller's
transaction.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import ColumnElement, Select, and_, or_, select, update

from registry import clock
from registry.agreements.models import Agreement
from registry.audit import service as audit
from registry.auth import request_token_id
from registry.errors import Conflict, NotFound
from registry.extensions import db
from registry.notifications.service import queue_notice
from registry.objections.models import (
    CONTROLLER,
    OPEN_STATES,
    PROCESSOR,
    Objection,
    ObjectionAction,
    ObjectionKind,
    ObjectionMessage,
    ObjectionState,
    Outcome,
)
from registry.organisations.models import Organisation
from registry.organisations.service import as_party
from registry.ratelimit import TooManyRequests
from registry.subprocessors.models import Change, SubprocessorVersion

# Notice kinds, registered with their templates in registry/objections/notifications.py.
OBJECTION_FILED = "objection_filed"
OBJECTION_ACKNOWLEDGED = "objection_acknowledged"
OBJECTION_MESSAGE = "objection_message"
OBJECTION_RESOLVED = "objection_resolved"
OBJECTION_WITHDRAWN = "objection_withdrawn"
OBJECTION_OVERDUE = "objection_overdue"
OBJECTION_PROPOSED = "objection_proposed"
OBJECTION_ACCEPTED = "objection_accepted"
OBJECTION_REJECTED = "objection_rejected"

# Statuses of the transfers view an open objection gives a sub-processor.
OBJECTION_PENDING = "objection_pending"  # held back: blocking
IN_USE_OBJECTION_PENDING = "in_use_objection_pending"  # still in use: not blocking

ACKNOWLEDGE_DEADLINE = "acknowledge"
CONSULTATION_DEADLINE = "consultation"


# --- reading ------------------------------------------------------------------------------


def objections_of(
    organisation: Organisation,
    *,
    state: ObjectionState | None = None,
    kind: ObjectionKind | None = None,
    change_id: int | None = None,
    agreement_id: int | None = None,
) -> Select[Objection]:
    """The objections an organisation filed (controller) or received (processor), newest first."""
    party = as_party(
        organisation,
        processor_column=Objection.processor_id,
        controller_column=Objection.controller_id,
    )
    statement = select(Objection).where(party)
    if state is not None:
        statement = statement.where(Objection.state == state)
    if kind is not None:
        statement = statement.where(Objection.kind == kind)
    if change_id is not None:
        statement = statement.where(Objection.change_id == change_id)
    if agreement_id is not None:
        statement = statement.where(Objection.agreement_id == agreement_id)
    return statement.order_by(Objection.id.desc())


def party_of(objection: Objection, organisation: Organisation) -> str | None:
    """``processor`` or ``controller`` when the organisation is a party, else None."""
    if organisation.id == objection.processor_id:
        return PROCESSOR
    if organisation.id == objection.controller_id:
        return CONTROLLER
    return None


def get_for_party_or_404(
    *, objection_id: int, organisation: Organisation, lock: bool = False
) -> Objection:
    """An objection the organisation is a party to; anyone else's is 404.

    ``lock`` holds the row (PostgreSQL) and reads it afresh, so that two steps at once (a
    withdrawal while resolving) are decided one after the other on fresh state.
    """
    objection = db.session.get(
        Objection, objection_id, with_for_update=lock, populate_existing=lock
    )
    if objection is None or party_of(objection, organisation) is None:
        raise NotFound(f"No objection {objection_id}.")
    return objection


def allowed_actions(objection: Objection, organisation: Organisation) -> list[str]:
    party = party_of(objection, organisation)
    return [action.value for action in objection.allowed_actions(party)] if party else []


def subprocessor_name(objection: Objection) -> str:
    """The sub-processor's name in its latest version (for a change not in effect, the
    version it announced)."""
    name = db.session.scalar(
        select(SubprocessorVersion.name)
        .where(SubprocessorVersion.subprocessor_id == objection.subprocessor_id)
        .order_by(SubprocessorVersion.valid_from.desc(), SubprocessorVersion.id.desc())
        .limit(1)
    )
    return name or ""


def explanation(objection: Objection) -> str:
    """What the objection does and how it ends, in the words of the contract."""
    if objection.kind is ObjectionKind.CHANGE:
        effect = (
            f"An objection to change {objection.change_id}: while it is open, the change does "
            "not apply to this controller's data, also once it takes effect (Art. 5.2)."
        )
    else:
        effect = (
            "An objection to a sub-processor on the list: it stays in use for this controller's "
            "data during the consultation, since the contract gives the controller a say, not a "
            "stop (Art. 5.2)."
        )
    return (
        f"{effect} The parties consult to reach a workable solution: the processor proposes an "
        "outcome, the controller accepts or rejects it; the processor alone may only withdraw "
        "the change or stop using the sub-processor for this controller. An objection still "
        "open after its deadline stays open. Where the controller ends the service under the "
        "main contract (Art. 10.1, outcome service_ended_by_controller), the data processing "
        "agreement itself stays in force: it cannot be terminated early (Art. 10.2)."
    )


# --- the transitions ----------------------------------------------------------------------


def acknowledge(*, processor: Organisation, objection_id: int) -> Objection:
    """The processor confirms receipt: filed → in_consultation."""
    objection = get_for_party_or_404(objection_id=objection_id, organisation=processor, lock=True)
    require(objection, ObjectionAction.ACKNOWLEDGE, party_of(objection, processor))
    _mark_acknowledged(objection)
    record(objection, "objection.acknowledged")
    notify(OBJECTION_ACKNOWLEDGED, objection)
    return objection


def post_message(*, organisation: Organisation, objection_id: int, body: str) -> Objection:
    """Add to the consultation thread; the processor's first answer acknowledges."""
    objection = get_for_party_or_404(
        objection_id=objection_id, organisation=organisation, lock=True
    )
    party = party_of(objection, organisation)
    require(objection, ObjectionAction.MESSAGE, party)
    _check_message_quota(objection, organisation)
    message = add_message(objection, organisation, body)
    acknowledged = party == PROCESSOR and objection.state is ObjectionState.FILED
    if acknowledged:
        _mark_acknowledged(objection)
    db.session.flush()
    record(
        objection,
        "objection.message_posted",
        message_id=message.id,
        by=party,
        acknowledged=acknowledged,
    )
    notify(OBJECTION_MESSAGE, objection, message_id=message.id, by=party)
    db.session.refresh(objection, ["messages"])
    return objection


def add_message(objection: Objection, organisation: Organisation, body: str) -> ObjectionMessage:
    message = ObjectionMessage(
        objection_id=objection.id,
        author_org_id=organisation.id,
        author_token_id=request_token_id(),
        body=body.strip(),
        created_at=clock.now(),
    )
    db.session.add(message)
    return message


def _check_message_quota(objection: Objection, organisation: Organisation) -> None:
    """Refuse a party's message beyond OBJECTION_MESSAGES_PER_DAY in this thread in 24 hours.

    Each message is mailed to the other party; the consultation is a conversation, not a feed.
    The objection row is locked (``post_message``), so two requests cannot both pass.
    """
    limit = int(current_app.config["OBJECTION_MESSAGES_PER_DAY"])
    moment = clock.now()
    recent = list(
        db.session.scalars(
            select(ObjectionMessage.created_at)
            .where(
                ObjectionMessage.objection_id == objection.id,
                ObjectionMessage.author_org_id == organisation.id,
                ObjectionMessage.created_at > moment - timedelta(days=1),
            )
            .order_by(ObjectionMessage.created_at.desc())
            .limit(limit)
        )
    )
    if len(recent) < limit:
        return
    # The oldest of those leaves the 24 hours first, and frees one message (0 allows none).
    oldest = recent[-1] if recent else moment
    retry_after = max(1, math.ceil((oldest + timedelta(days=1) - moment).total_seconds()))
    raise TooManyRequests(
        f"You wrote {limit} messages in objection {objection.id}'s consultation in the last "
        f"24 hours, the most allowed; try again in {retry_after} seconds.",
        retry_after=retry_after,
        limit=limit,
    )


def withdraw(*, controller: Organisation, objection_id: int, reason: str) -> Objection:
    """The controller takes its objection back."""
    objection = get_for_party_or_404(objection_id=objection_id, organisation=controller, lock=True)
    require(objection, ObjectionAction.WITHDRAW, party_of(objection, controller))
    objection.state = ObjectionState.WITHDRAWN
    objection.withdrawn_at = clock.now()
    objection.withdraw_reason = reason.strip()
    record(objection, "objection.withdrawn", reason=objection.withdraw_reason)
    notify(OBJECTION_WITHDRAWN, objection)
    return objection


def close_objections_of_withdrawn_change(*, change: Change, summary: str) -> list[Objection]:
    """Resolve every objection still open against a change that was withdrawn.

    A withdrawn change is withdrawn for every controller, so their objections have their
    remedy; idempotent.
    """
    still_open = db.session.scalars(
        select(Objection)
        .where(Objection.change_id == change.id, Objection.state.in_(OPEN_STATES))
        .order_by(Objection.id)
    )
    closed = list(still_open)
    for objection in closed:
        close(objection, Outcome.CHANGE_WITHDRAWN, summary)
    return closed


def queue_due_reminders(*, at: datetime) -> int:
    """Queue one reminder to the processor for each deadline passed on an open objection.

    Called by the delivery worker on each pass. Each reminder is claimed with a conditional
    UPDATE of its ``*_reminded_at`` column, so concurrent workers send it once.
    """
    queued = 0
    for deadline, due, reminded, extra in (
        (
            ACKNOWLEDGE_DEADLINE,
            Objection.acknowledge_due_at,
            Objection.acknowledge_reminded_at,
            Objection.acknowledged_at.is_(None),
        ),
        (
            CONSULTATION_DEADLINE,
            Objection.consultation_due_at,
            Objection.consultation_reminded_at,
            None,
        ),
    ):
        conditions: list[ColumnElement[bool]] = [
            Objection.state.in_(OPEN_STATES),
            due < at,
            reminded.is_(None),
        ]
        if extra is not None:
            conditions.append(extra)
        due_ids = list(
            db.session.scalars(select(Objection.id).where(*conditions).order_by(Objection.id))
        )
        for objection_id in due_ids:
            claimed = db.session.execute(
                update(Objection)
                .where(Objection.id == objection_id, *conditions)
                .values({reminded.key: at})
                .execution_options(synchronize_session=False)
            )
            if not getattr(claimed, "rowcount", 0):
                continue
            objection = db.session.get(Objection, objection_id)
            assert objection is not None
            db.session.refresh(objection)
            due_at = getattr(objection, due.key)
            record(
                objection,
                "objection.reminder_queued",
                deadline=deadline,
                due_at=due_at.isoformat(),
            )
            notify(OBJECTION_OVERDUE, objection, deadline=deadline, due_at=due_at.isoformat())
            queued += 1
    return queued


# --- what objections decide for the transfers view ----------------------------------------


def affected_subprocessor(change: Change) -> int:
    """The sub-processor a change brings in: the replacement, or the one added or updated."""
    return change.replacement_id or change.subprocessor_id


def _open_at(at: datetime) -> ColumnElement[bool]:
    return and_(
        Objection.filed_at <= at,
        or_(Objection.resolved_at.is_(None), Objection.resolved_at > at),
        or_(Objection.withdrawn_at.is_(None), Objection.withdrawn_at > at),
    )


def objected_subprocessors(*, agreement: Agreement, at: datetime) -> dict[int, tuple[str, str]]:
    """Sub-processors of this controller's transfers under an objection open at ``at``: held
    back (``objection_pending``) by one against a change already in effect, or still in use
    (``in_use_objection_pending``) under one against a sub-processor on the list."""
    against_changes = db.session.execute(
        select(Objection, Change)
        .join(Change, Change.id == Objection.change_id)
        .where(
            Objection.agreement_id == agreement.id,
            Objection.kind == ObjectionKind.CHANGE,
            _open_at(at),
            Change.effective_at <= at,
            Change.withdrawn_at.is_(None),
        )
    )
    against_listed = db.session.scalars(
        select(Objection).where(
            Objection.agreement_id == agreement.id,
            Objection.kind == ObjectionKind.LISTED,
            _open_at(at),
        )
    )
    found: dict[int, tuple[str, str]] = {
        objection.subprocessor_id: (
            IN_USE_OBJECTION_PENDING,
            f"Objection {objection.id} against this sub-processor is open (filed "
            f"{objection.filed_at.date().isoformat()}); it stays in use during the "
            "consultation: the contract gives the controller a say, not a stop (Art. 5.2).",
        )
        for objection in against_listed
    }
    for objection, change in against_changes:
        found[objection.subprocessor_id] = (
            OBJECTION_PENDING,
            f"Objection {objection.id} against change {change.id} is open "
            f"(filed {objection.filed_at.date().isoformat()}); the change does not apply to this "
            "controller until it is resolved (Art. 5.2).",
        )
    return found


def excluded_subprocessors(*, agreement: Agreement, at: datetime) -> dict[int, str]:
    """Sub-processors the processor agreed not to use for this controller."""
    rows = db.session.scalars(
        select(Objection).where(
            Objection.agreement_id == agreement.id,
            Objection.outcome == Outcome.NOT_USED_FOR_CONTROLLER,
            Objection.resolved_at <= at,
        )
    )
    return {
        objection.subprocessor_id: (
            f"Not used for this controller: objection {objection.id} resolved on "
            f"{objection.resolved_at.date().isoformat() if objection.resolved_at else ''}."
        )
        for objection in rows
    }


# --- helpers ------------------------------------------------------------------------------


def require(objection: Objection, action: ObjectionAction, party: str | None) -> None:
    """Refuse an action the state machine does not allow, naming the state and what is."""
    if party is not None and objection.can(action, party):
        return
    allowed = [a.value for a in objection.allowed_actions(party)] if party else []
    raise Conflict(
        f"Objection {objection.id} is {objection.state.value}; '{action.value}' is not possible "
        f"from this state. Allowed: {', '.join(allowed) or 'nothing, it is closed'}.",
        state=objection.state.value,
        allowed_actions=allowed,
    )


def _mark_acknowledged(objection: Objection) -> None:
    objection.state = ObjectionState.IN_CONSULTATION
    objection.acknowledged_at = clock.now()


def close(objection: Objection, outcome: Outcome, summary: str) -> None:
    objection.state = ObjectionState.RESOLVED
    objection.outcome = outcome
    objection.summary = summary
    objection.resolved_at = clock.now()
    record(objection, "objection.resolved", outcome=outcome.value, summary=summary)
    notify(OBJECTION_RESOLVED, objection, outcome=outcome.value)


def record(objection: Objection, action: str, **data: Any) -> None:
    audit.record(
        action=action,
        object_type="objection",
        object_id=objection.id,
        processor_id=objection.processor_id,
        controller_id=objection.controller_id,
        agreement_id=objection.agreement_id,
        data={"state": objection.state.value, **data},
    )


def notify(kind: str, objection: Objection, **data: Any) -> None:
    queue_notice(
        kind=kind,
        processor_id=objection.processor_id,
        change_id=objection.change_id,
        objection_id=objection.id,
        agreement_id=objection.agreement_id,
        data=data,
    )
