"""The notice kinds of the list: a change announced, withdrawn, in effect.

Change notices go to the contacts the domains above answer for (``signals.change_audience``:
every agreement in force, in the agreement's language, with that agreement's objection
deadline) and to every confirmed subscriber of the processor (with an unsubscribe link). An
address appears once per notice: as a contact if it is one, else as a subscriber.

A change that needs no notice (a reduction) is told at once as ``change_immediate``; a lapse
of DPF certification as the urgent ``dpf_lapsed``. Each contact reads which locations its own
controller still has to consent to (``consented_codes`` in the audience's answer).

The worker runs ``queue_effect_notices`` on each pass: a change that took effect gets its
"took effect" notice exactly once.
"""

from __future__ import annotations

import zlib
from datetime import datetime
from typing import Any

from registry.audit import service as audit
from registry.db import serialise_step
from registry.events import answers
from registry.extensions import db
from registry.notifications.jobs import register_job
from registry.notifications.kinds import Recipient, register_kind, shared
from registry.notifications.models import Notice
from registry.notifications.render import base_url, format_date, format_datetime, language_of
from registry.notifications.service import queue_notice, subscriber_recipients
from registry.organisations.models import Organisation
from registry.subprocessors import service
from registry.subprocessors.display import (
    action_label,
    consent_locations,
    display_value,
    field_rows,
    split_by_consent,
)
from registry.subprocessors.models import Change
from registry.subprocessors.service import (
    CHANGE_ANNOUNCED,
    CHANGE_EFFECTIVE,
    CHANGE_IMMEDIATE,
    CHANGE_WITHDRAWN,
    DPF_LAPSED,
)
from registry.subprocessors.signals import change_audience

_EFFECT_LOCK = zlib.crc32(b"registry.subprocessors.effect_notices")


def _change(notice: Notice) -> Change:
    change = db.session.get(Change, notice.change_id)
    if change is None:
        raise LookupError(f"notice {notice.id} names change {notice.change_id}, which is gone")
    return change


def change_recipients(notice: Notice) -> list[Recipient]:
    """Agreement contacts first (contractual), then confirmed subscribers."""
    change = _change(notice)
    contacts = [
        recipient
        for answer in answers(change_audience, change=change, at=notice.created_at)
        for recipient in answer
    ]
    return contacts + subscriber_recipients(processor_id=notice.processor_id)


def _change_facts(notice: Notice, language: str) -> dict[str, Any]:
    change = _change(notice)
    before, after = change.before, change.after
    name = (after or before or {}).get("name", "")
    return {
        "id": change.id,
        "action": change.action.value,
        "action_label": action_label(change.action.value, language),
        "name": name,
        "previous_name": (before or {}).get("name") if change.action.value == "replace" else None,
        "reason": change.reason,
        "announced_at": format_datetime(change.announced_at, language),
        "effective_at": format_datetime(change.effective_at, language),
        "effective_on": format_date(change.effective_at),
        "withdrawn_at": format_datetime(change.withdrawn_at, language),
        "withdraw_reason": change.withdraw_reason,
        "url": f"{base_url()}/p/{_processor_slug(notice)}/changes/{change.id}?lang={language}",
        "api_path": f"/api/v1/changes/{change.id}/objections",
        "rows": field_rows(before, after, language),
        "consent": consent_locations(before, after, change.effective_at, language),
        "mechanism": display_value(
            "transfer_mechanism", (after or {}).get("transfer_mechanism"), language
        ),
        "immediate": change.immediate,
        "at_once": change.effective_at <= change.announced_at,
    }


def change_context(notice: Notice, recipient: Recipient) -> dict[str, Any]:
    language = language_of(recipient)
    facts = shared(notice, ("change", language), lambda: _change_facts(notice, language))
    deadline = recipient.extra.get("objection_closes_at")
    # A controller is told what it still has to decide; a subscriber sees every location.
    needed, given = split_by_consent(facts["consent"], recipient.extra.get("consented_codes", []))
    return {
        "change": facts,
        "consent_needed": needed,
        "consent_given": given,
        "agreement_reference": recipient.extra.get("agreement_reference"),
        "objection_closes_at": format_datetime(deadline, language) if deadline else None,
    }


def _processor_slug(notice: Notice) -> str:
    processor = db.session.get(Organisation, notice.processor_id)
    return processor.slug if processor is not None else str(notice.processor_id)


def queue_effect_notices(*, at: datetime, limit: int = 100) -> int:
    """Queue the "took effect" notice of every change in effect by ``at``, once each."""
    total = 0
    while True:
        serialise_step(_EFFECT_LOCK)
        changes = service.due_effective_changes(at=at, limit=limit)
        for change in changes:
            queue_notice(
                kind=CHANGE_EFFECTIVE, processor_id=change.processor_id, change_id=change.id
            )
            service.mark_effect_noticed(change=change)
            audit.record(
                action="change.effective",
                object_type="change",
                object_id=change.id,
                processor_id=change.processor_id,
                data={"effective_at": change.effective_at.isoformat()},
            )
        db.session.commit()
        total += len(changes)
        if len(changes) < limit:
            return total


for _name in (CHANGE_ANNOUNCED, CHANGE_WITHDRAWN, CHANGE_EFFECTIVE, CHANGE_IMMEDIATE, DPF_LAPSED):
    register_kind(
        _name, recipients=change_recipients, context=change_context, subscriber_visible=True
    )
register_job(CHANGE_EFFECTIVE, queue_effect_notices)
