"""The list in time: announce, withdraw and read changes; read the list at any moment."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from marshmallow import ValidationError
from sqlalchemy import Select, or_, select

from registry import clock
from registry.audit import service as audit
from registry.auth import request_token_id
from registry.errors import Conflict, Invalid, NotFound, flatten_errors
from registry.events import answers
from registry.extensions import db
from registry.notifications import service as notifications
from registry.organisations.models import Organisation
from registry.subprocessors import immediacy, revisions, safeguards
from registry.subprocessors.models import (
    ENTRY_FIELDS,
    Change,
    ChangeAction,
    ChangeStatus,
    Subprocessor,
    SubprocessorVersion,
)
from registry.subprocessors.schemas import SubprocessorInSchema
from registry.subprocessors.signals import change_withdrawn, notice_days_required

# Notice kinds, registered with their templates in registry/subprocessors/notifications.py.
CHANGE_ANNOUNCED = "change_announced"
CHANGE_WITHDRAWN = "change_withdrawn"
CHANGE_EFFECTIVE = "change_effective"
# A change that needs no notice (a reduction, a newer DPF check), and the urgent notice of a
# DPF lapse (see ``immediacy``).
CHANGE_IMMEDIATE = "change_immediate"
DPF_LAPSED = "dpf_lapsed"

_DATE_FIELDS = ("dpf_checked_on", "flowdown_signed_on")

entry_schema = SubprocessorInSchema()


# --- reading ------------------------------------------------------------------------------


def in_force(processor_id: int, at: datetime) -> Select[SubprocessorVersion]:
    """The versions of one processor's list in force at ``at``: one indexed query."""
    return select(SubprocessorVersion).where(
        SubprocessorVersion.processor_id == processor_id,
        SubprocessorVersion.valid_from <= at,
        or_(SubprocessorVersion.valid_to.is_(None), SubprocessorVersion.valid_to > at),
    )


def list_at(*, processor_id: int, at: datetime) -> list[SubprocessorVersion]:
    statement = in_force(processor_id, at).order_by(
        SubprocessorVersion.name, SubprocessorVersion.subprocessor_id
    )
    return list(db.session.scalars(statement))


def get_entry_at_or_404(
    *, processor_id: int, subprocessor_id: int, at: datetime
) -> SubprocessorVersion:
    version = db.session.scalar(
        in_force(processor_id, at).where(SubprocessorVersion.subprocessor_id == subprocessor_id)
    )
    if version is None:
        raise NotFound(f"Sub-processor {subprocessor_id} is not on this list at {at.isoformat()}.")
    return version


def list_boundaries(*, processor_id: int) -> list[datetime]:
    """Every moment at which this processor's list changes, sorted."""
    rows = db.session.execute(
        select(SubprocessorVersion.valid_from, SubprocessorVersion.valid_to).where(
            SubprocessorVersion.processor_id == processor_id
        )
    )
    moments = {moment for row in rows for moment in row if moment is not None}
    return sorted(moments)


def snapshot(entry: SubprocessorVersion | dict[str, Any]) -> dict[str, Any]:
    """An entry (a version, or a loaded body) as plain JSON data, as a change's before/after."""
    if isinstance(entry, SubprocessorVersion):
        entry = {name: getattr(entry, name) for name in ENTRY_FIELDS}
    data = {name: entry.get(name) for name in ENTRY_FIELDS}
    for name in _DATE_FIELDS:
        value = data[name]
        data[name] = value.isoformat() if isinstance(value, date) else value
    data["locations"] = [dict(location) for location in data["locations"] or []]
    return data


def changes_query(*, processor_id: int, status: ChangeStatus | None = None) -> Select[Change]:
    statement = select(Change).where(Change.processor_id == processor_id)
    moment = clock.now()
    if status is ChangeStatus.WITHDRAWN:
        statement = statement.where(Change.withdrawn_at.is_not(None))
    elif status is ChangeStatus.ANNOUNCED:
        statement = statement.where(Change.withdrawn_at.is_(None), Change.effective_at > moment)
    elif status is ChangeStatus.EFFECTIVE:
        statement = statement.where(Change.withdrawn_at.is_(None), Change.effective_at <= moment)
    return statement.order_by(Change.effective_at.desc(), Change.id.desc())


def get_change_or_404(*, processor_id: int, change_id: int, fresh: bool = False) -> Change:
    """One change of the processor; ``fresh`` reads it again rather than trust a loaded copy."""
    change = db.session.get(Change, change_id, populate_existing=fresh)
    if change is None or change.processor_id != processor_id:
        raise NotFound(f"No change {change_id} of this processor.")
    return change


def find_change_or_404(*, change_id: int) -> Change:
    """A change of any processor (callers check who may see it)."""
    change = db.session.get(Change, change_id)
    if change is None:
        raise NotFound(f"No change {change_id}.")
    return change


def due_effective_changes(*, at: datetime, limit: int = 100) -> list[Change]:
    """Changes in effect whose "took effect" notice has not been queued yet."""
    statement = (
        select(Change)
        .where(
            Change.withdrawn_at.is_(None),
            Change.effective_at <= at,
            Change.effective_noticed_at.is_(None),
        )
        .order_by(Change.effective_at, Change.id)
        .limit(limit)
    )
    return list(db.session.scalars(statement))


def mark_effect_noticed(*, change: Change) -> None:
    change.effective_noticed_at = clock.now()


# --- notice periods -----------------------------------------------------------------------


def earliest_effective_at(*, processor_id: int, announced_at: datetime) -> datetime:
    """The longest notice period the domains above require (the agreements in force) decides."""
    required = answers(notice_days_required, processor_id=processor_id, at=announced_at)
    return announced_at + timedelta(days=max(required, default=0))


# --- announcing and withdrawing -----------------------------------------------------------


def announce_change(
    *,
    processor: Organisation,
    action: ChangeAction | str,
    reason: str,
    subprocessor_id: int | None = None,
    subprocessor: dict[str, Any] | None = None,
    effective_at: datetime | None = None,
) -> Change:
    """Announce a change; its versions are written now and apply from effective_at.

    An addition, a replacement and any other update wait for the agreements' notice; a
    reduction, a DPF lapse or a newer DPF check (see ``immediacy``) applies at once and is told
    to everyone all the same."""
    action = ChangeAction(action)
    revisions.bump(processor)  # first: concurrent writes to this list wait here for this one
    announced_at = clock.now()
    _check_shape(action, subprocessor_id, subprocessor)
    current = None if action is ChangeAction.ADD else _open_version(processor, subprocessor_id)
    entry = _new_entry(action, current, subprocessor)
    before = snapshot(current) if current is not None else None
    after = snapshot(entry) if entry is not None else None
    immediate = immediacy.classify(action, before, after, subprocessor, announced_at.date())
    effective_at = _allowed_effective_at(processor, announced_at, effective_at, immediate)
    if current is not None:
        _check_after_current(current, effective_at)
    if entry is not None and immediate in (None, immediacy.DPF_LAPSE):
        safeguards.check_transfer_basis(entry, effective_at.date())
    change = Change(
        processor_id=processor.id,
        action=action,
        reason=reason,
        announced_at=announced_at,
        effective_at=effective_at,
        announced_by_token_id=request_token_id(),
        before=before,
        after=after,
        immediate=immediate,
    )
    if current is not None:
        _write_successor(processor, change, current, entry)
    elif entry is not None:
        change.subprocessor_id = _add_subprocessor(processor, entry, effective_at, change).id
    db.session.add(change)
    db.session.flush()
    _record_and_tell(processor, change)
    return change


def _record_and_tell(processor: Organisation, change: Change) -> None:
    audit.record(
        action="change.announced",
        object_type="change",
        object_id=change.id,
        processor_id=processor.id,
        data={
            "action": change.action.value,
            "effective_at": change.effective_at.isoformat(),
            "reason": change.reason,
            "immediate": change.immediate,
        },
    )
    kind = CHANGE_ANNOUNCED
    if change.immediate is not None:
        kind = DPF_LAPSED if change.immediate == immediacy.DPF_LAPSE else CHANGE_IMMEDIATE
    notifications.queue_notice(kind=kind, processor_id=processor.id, change_id=change.id)
    if change.immediate and change.effective_at <= change.announced_at:
        # In effect as it is told: no second "took effect" notice follows.
        change.effective_noticed_at = change.announced_at


def _allowed_effective_at(
    processor: Organisation, announced_at: datetime, asked: datetime | None, immediate: str | None
) -> datetime:
    """The moment asked for, or the earliest allowed; earlier is refused.

    A change that needs notice applies no earlier than the notice periods allow; a reduction
    at once or at a later moment; a DPF lapse at once."""
    if immediate is None:
        earliest = earliest_effective_at(processor_id=processor.id, announced_at=announced_at)
        rule = "The agreements require notice: the earliest allowed moment is"
    else:
        earliest = announced_at
        rule = "A change that needs no notice applies at once or later, not before"
    if asked is None:
        return earliest
    asked = clock.as_utc(asked)
    if immediate == immediacy.DPF_LAPSE and asked > announced_at:
        raise Invalid(
            "effective_at",
            "A DPF lapse is a fact to publish at once: leave effective_at out, or give "
            f"{announced_at.isoformat()}.",
        )
    if asked < earliest:
        raise Invalid("effective_at", f"{rule} {earliest.isoformat()}.")
    return asked


def _new_entry(
    action: ChangeAction, current: SubprocessorVersion | None, body: dict[str, Any] | None
) -> dict[str, Any] | None:
    """The entry as it will read: None for a removal."""
    if action is ChangeAction.REMOVE:
        return None
    if action is ChangeAction.UPDATE and current is not None:
        # Fields left out are kept; the merged entry must pass the same rules as a new one.
        return _load_entry({**snapshot(current), **(body or {})})
    return _load_entry(body)


def _write_successor(
    processor: Organisation,
    change: Change,
    current: SubprocessorVersion,
    entry: dict[str, Any] | None,
) -> None:
    """Close the current version of an updated, replaced or removed entry; write what follows."""
    change.subprocessor_id = current.subprocessor_id
    current.valid_to = change.effective_at
    change.closed_version_id = current.id
    if entry is None:
        return
    if change.action is ChangeAction.UPDATE:
        _write_version(processor, current.subprocessor_id, entry, change.effective_at, change)
    else:
        change.replacement_id = _add_subprocessor(processor, entry, change.effective_at, change).id


def withdraw_change(*, processor: Organisation, change_id: int, reason: str) -> Change:
    """Withdraw an announced change before it takes effect; its future versions disappear."""
    revisions.bump(processor)  # first: a concurrent withdrawal of this change waits, then sees it
    change = get_change_or_404(processor_id=processor.id, change_id=change_id, fresh=True)
    if not change.can_withdraw():
        raise Conflict(
            f"Change {change.id} is {change.status.value}; only an announced change can be "
            "withdrawn.",
            state=change.status.value,
            allowed_actions=[],
        )
    for version in db.session.scalars(
        select(SubprocessorVersion).where(SubprocessorVersion.change_id == change.id)
    ):
        db.session.delete(version)
    if change.closed_version_id is not None:
        closed = db.session.get(SubprocessorVersion, change.closed_version_id)
        if closed is not None:
            closed.valid_to = None
    change.withdrawn_at = clock.now()
    change.withdraw_reason = reason
    db.session.flush()
    change_withdrawn.send(change=change, reason=reason)
    audit.record(
        action="change.withdrawn",
        object_type="change",
        object_id=change.id,
        processor_id=processor.id,
        data={"reason": reason},
    )
    notifications.queue_notice(
        kind=CHANGE_WITHDRAWN, processor_id=processor.id, change_id=change.id
    )
    return change


# --- helpers ------------------------------------------------------------------------------


def _check_shape(
    action: ChangeAction, subprocessor_id: int | None, entry: dict[str, Any] | None
) -> None:
    needs_id = action is not ChangeAction.ADD
    needs_entry = action is not ChangeAction.REMOVE
    if needs_id and subprocessor_id is None:
        raise Invalid("subprocessor_id", f"Required for {action.value}.")
    if not needs_id and subprocessor_id is not None:
        raise Invalid("subprocessor_id", "Not allowed for add: the new sub-processor gets an id.")
    if needs_entry and not entry:
        raise Invalid("subprocessor", f"Required for {action.value}.")
    if not needs_entry and entry:
        raise Invalid("subprocessor", "Not allowed for remove.")


def _load_entry(raw: dict[str, Any] | None) -> dict[str, Any]:
    try:
        loaded: dict[str, Any] = entry_schema.load(raw or {})
    except ValidationError as error:
        errors = flatten_errors(error.messages, "subprocessor")
        raise Invalid(next(iter(errors)), "; ".join(next(iter(errors.values())))) from None
    return loaded


def _add_subprocessor(
    processor: Organisation, entry: dict[str, Any], valid_from: datetime, change: Change
) -> Subprocessor:
    created = Subprocessor(processor_id=processor.id)
    db.session.add(created)
    db.session.flush()
    _write_version(processor, created.id, entry, valid_from, change)
    return created


def _write_version(
    processor: Organisation,
    subprocessor_id: int,
    entry: dict[str, Any],
    valid_from: datetime,
    change: Change,
) -> SubprocessorVersion:
    version = SubprocessorVersion(
        subprocessor_id=subprocessor_id,
        processor_id=processor.id,
        change=change,
        valid_from=valid_from,
        valid_to=None,
        **{name: entry.get(name) for name in ENTRY_FIELDS},
    )
    db.session.add(version)
    return version


def _open_version(processor: Organisation, subprocessor_id: int | None) -> SubprocessorVersion:
    """The open-ended version a change replaces; refuses a second pending change."""
    owner = db.session.scalar(
        select(Subprocessor.processor_id).where(Subprocessor.id == subprocessor_id)
    )
    if owner != processor.id:
        raise Invalid("subprocessor_id", f"No sub-processor {subprocessor_id} on this list.")
    pending = db.session.scalar(
        select(Change.id).where(
            Change.withdrawn_at.is_(None),
            Change.effective_at > clock.now(),
            or_(
                Change.subprocessor_id == subprocessor_id, Change.replacement_id == subprocessor_id
            ),
        )
    )
    if pending is not None:
        raise Conflict(
            f"Change {pending} is already announced for sub-processor {subprocessor_id}; "
            "withdraw it before announcing another.",
            state=ChangeStatus.ANNOUNCED.value,
            change_id=pending,
        )
    current = db.session.scalar(
        select(SubprocessorVersion).where(
            SubprocessorVersion.subprocessor_id == subprocessor_id,
            SubprocessorVersion.valid_to.is_(None),
        )
    )
    if current is None:
        raise Conflict(
            f"Sub-processor {subprocessor_id} is removed from the list already.", state="removed"
        )
    return current


def _check_after_current(current: SubprocessorVersion, effective_at: datetime) -> None:
    if current.valid_from >= effective_at:
        raise Conflict(
            f"Sub-processor {current.subprocessor_id} changed at "
            f"{current.valid_from.isoformat()}; a change to it must take effect after that.",
            state=ChangeStatus.EFFECTIVE.value,
        )
