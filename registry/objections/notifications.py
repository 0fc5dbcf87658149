"""Notices between the parties about objections; never to public subscribers.

To the processor (its organisation address): an objection filed or withdrawn, a controller's
message, a proposal accepted or rejected, a deadline passed. To the controller (the agreement's
``notify_emails``, in the agreement's language, with the personal link): an objection
acknowledged, a proposal to answer, an objection resolved, the processor's messages.
Templates: ``registry/templates/email/<kind>/``, with the shared blocks in
``email/_objection/``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from flask_babel import force_locale, lazy_pgettext
from flask_babel.speaklater import LazyString

from registry import clock
from registry.agreements import transfers
from registry.agreements.models import Agreement
from registry.agreements.notifications import get_or_gone, to_controller, to_processor
from registry.countries.service import country_name
from registry.notifications.jobs import register_job
from registry.notifications.kinds import Recipient, register_kind, shared
from registry.notifications.models import Notice
from registry.notifications.render import base_url, format_datetime, language_of, personal_link
from registry.objections import service
from registry.objections.models import (
    CONTROLLER,
    PROCESSOR,
    Objection,
    ObjectionKind,
    ObjectionMessage,
)
from registry.objections.service import (
    OBJECTION_ACCEPTED,
    OBJECTION_ACKNOWLEDGED,
    OBJECTION_FILED,
    OBJECTION_MESSAGE,
    OBJECTION_OVERDUE,
    OBJECTION_PROPOSED,
    OBJECTION_REJECTED,
    OBJECTION_RESOLVED,
    OBJECTION_WITHDRAWN,
    subprocessor_name,
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
    "service_ended_by_controller": lazy_pgettext(
        "objection outcome", "the controller ends the service under the main contract"
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
    agreement: Agreement = get_or_gone(Agreement, objection.agreement_id)
    facts = {
        "id": objection.id,
        "kind": objection.kind.value,
        "url": f"{base_url()}/api/v1/objections/{objection.id}",
        "controller": get_or_gone(Organisation, objection.controller_id).name,
        "agreement_reference": agreement.reference,
        "subprocessor_name": subprocessor_name(objection),
        "change_id": None,
        "grounds": objection.grounds,
        "remedy": objection.remedy,
        "filed_at": format_datetime(objection.filed_at, language),
        "acknowledge_due_at": format_datetime(objection.acknowledge_due_at, language),
        "consultation_due_at": format_datetime(objection.consultation_due_at, language),
        "summary": objection.summary,
        "proposed_summary": objection.proposed_summary,
        "withdraw_reason": objection.withdraw_reason,
    }
    if objection.change_id is not None:
        change: Change = get_or_gone(Change, objection.change_id)
        entry = change.after or change.before or {}
        facts |= {
            "change_id": change.id,
            "change_label": action_label(change.action.value, language),
            "change_name": entry.get("name", ""),
            "effective_at": format_datetime(change.effective_at, language),
        }
    return facts


def consent_still_needed(objection: Objection, language: str) -> list[str]:
    """The locations of the objected sub-processor that will still need this controller's prior
    consent (Art. 3.1) once it applies: when the change takes effect, or now."""
    agreement: Agreement = get_or_gone(Agreement, objection.agreement_id)
    at = clock.now()
    if objection.kind is ObjectionKind.CHANGE and objection.change_id is not None:
        at = max(at, get_or_gone(Change, objection.change_id).effective_at)
    rows = transfers.transfers(agreement=agreement, at=at)["transfers"]
    codes = dict.fromkeys(
        row["code"]
        for row in rows
        if row["subprocessor_id"] == objection.subprocessor_id
        and row["status"] == "consent_required"
    )
    return [country_name(code, language) for code in codes]


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
    if notice.kind == OBJECTION_WITHDRAWN or data.get("outcome") == "safeguards_agreed":
        objection: Objection = get_or_gone(Objection, notice.objection_id)
        context["consent_needed"] = ", ".join(
            shared(
                notice,
                ("consent_needed", language),
                lambda: consent_still_needed(objection, language),
            )
        )
    if "outcome" in data:
        context["outcome"] = data["outcome"]
        context["outcome_label"] = outcome_label(data["outcome"], language)
        context["proposal_summary"] = data.get("summary")
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
    (OBJECTION_PROPOSED, to_controller),
    (OBJECTION_ACCEPTED, to_processor),
    (OBJECTION_REJECTED, to_processor),
):
    register_kind(_kind, recipients=_recipients, context=objection_context)

register_job(OBJECTION_OVERDUE, service.queue_due_reminders)
