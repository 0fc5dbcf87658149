"""Notices between the parties about objections; never to public subscribers.

To the processor (its organisation address): an objection filed or withdrawn, a controller's
message, a deadline passed. To the controller (the agreement's ``notify_emails``, in the
agreement's language): an objection acknowledged or resolved, the processor's messages.
Templates: ``registry/templates/email/<kind>/``, with the shared blocks in
``email/_objection/``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from flask_babel import force_locale, lazy_pgettext
from flask_babel.speaklater import LazyString

from registry.agreements.models import Agreement
from registry.agreements.notifications import get_or_gone, to_controller, to_processor
from registry.notifications.jobs import register_job
from registry.notifications.kinds import Recipient, register_kind, shared
from registry.notifications.models import Notice
from registry.notifications.render import base_url, format_datetime, language_of, personal_link
from registry.objections import service
from registry.objections.models import CONTROLLER, PROCESSOR, Objection, ObjectionMessage
from registry.objections.service import (
    OBJECTION_ACKNOWLEDGED,
    OBJECTION_FILED,
    OBJECTION_MESSAGE,
    OBJECTION_OVERDUE,
    OBJECTION_RESOLVED,
    OBJECTION_WITHDRAWN,
)
from registry.organisations.models import Organisation
from registry.subprocessors.display import action_label
from registry.subprocessors.models import Change

OUTCOMES: Mapping[str, LazyString] = {
    "change_withdrawn": lazy_pgettext("objection outcome", "the change is withdrawn"),
    "not_used_for_controller": lazy_pgettext(
        "objection outcome", "the sub-processor will not be used for your data"
    ),
    "safeguards_agreed": lazy_pgettext("objection outcome", "additional safeguards were agreed"),
    "agreement_terminated": lazy_pgettext(
        "objection outcome", "the data processing agreement is terminated"
    ),
}


def outcome_label(outcome: str, language: str) -> str:
    """How an objection ended, as a clause: "the change is withdrawn"."""
    with force_locale(language):
        return str(OUTCOMES[outcome])


# --- recipients ----------------------------------------------------------------------------


def to_other_party(notice: Notice) -> list[Recipient]:
    """A message goes to the party that did not write it."""
    return to_controller(notice) if notice.data.get("by") == PROCESSOR else to_processor(notice)


# --- facts for the templates ---------------------------------------------------------------


def _objection_facts(notice: Notice, language: str) -> dict[str, Any]:
    objection: Objection = get_or_gone(Objection, notice.objection_id)
    change: Change = get_or_gone(Change, objection.change_id)
    agreement: Agreement = get_or_gone(Agreement, objection.agreement_id)
    entry = change.after or change.before or {}
    return {
        "id": objection.id,
        "url": f"{base_url()}/api/v1/objections/{objection.id}",
        "controller": get_or_gone(Organisation, objection.controller_id).name,
        "agreement_reference": agreement.reference,
        "change_id": change.id,
        "change_label": action_label(change.action.value, language),
        "change_name": entry.get("name", ""),
        "effective_at": format_datetime(change.effective_at, language),
        "grounds": objection.grounds,
        "remedy": objection.remedy,
        "filed_at": format_datetime(objection.filed_at, language),
        "acknowledge_due_at": format_datetime(objection.acknowledge_due_at, language),
        "consultation_due_at": format_datetime(objection.consultation_due_at, language),
        "summary": objection.summary,
        "withdraw_reason": objection.withdraw_reason,
    }


def objection_context(notice: Notice, recipient: Recipient) -> dict[str, Any]:
    language = language_of(recipient)
    facts = shared(notice, ("objection", language), lambda: _objection_facts(notice, language))
    personal = personal_link(notice, recipient)
    context: dict[str, Any] = {
        # A contact answers on its own page; the processor's staff work through the API.
        "objection": {**facts, "url": f"{personal}#objection-{facts['id']}"} if personal else facts,
        # Only an agreement contact gets the footer naming its agreement.
        "agreement_reference": recipient.extra.get("agreement_reference"),
    }
    data = notice.data
    if "outcome" in data:
        context["outcome"] = data["outcome"]
        context["outcome_label"] = outcome_label(data["outcome"], language)
    if "message_id" in data:
        message: ObjectionMessage = get_or_gone(ObjectionMessage, data["message_id"])
        context["message"] = {
            "body": message.body,
            "author": get_or_gone(Organisation, message.author_org_id).name,
            "by": data.get("by", CONTROLLER),
        }
    if "deadline" in data:
        context["deadline"] = data["deadline"]
        context["due_at"] = format_datetime(datetime.fromisoformat(data["due_at"]), language)
    return context


for _kind, _recipients in (
    (OBJECTION_FILED, to_processor),
    (OBJECTION_ACKNOWLEDGED, to_controller),
    (OBJECTION_MESSAGE, to_other_party),
    (OBJECTION_RESOLVED, to_controller),
    (OBJECTION_WITHDRAWN, to_processor),
    (OBJECTION_OVERDUE, to_processor),
):
    register_kind(_kind, recipients=_recipients, context=objection_context)

register_job(OBJECTION_OVERDUE, service.queue_due_reminders)
