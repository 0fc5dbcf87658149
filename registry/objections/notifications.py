"""Notices between the parties about objections and consents; never to public subscribers.

To the processor (its organisation address): an objection filed or withdrawn, a controller's
message, a deadline passed, a consent given or revoked. To the controller (the agreement's
``notify_emails``, in the agreement's language): an objection acknowledged or resolved, the
processor's messages. Templates: ``registry/templates/email/<kind>/<lang>/``, with the shared
blocks in ``email/_objection/<lang>/``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from registry.agreements.consents import CONSENT_GIVEN, CONSENT_REVOKED
from registry.agreements.models import Agreement, Consent
from registry.extensions import db
from registry.notifications.kinds import (
    Recipient,
    agreement_recipients,
    organisation_recipient,
    register_kind,
    shared,
)
from registry.notifications.models import Notice
from registry.notifications.notices import ACTIONS
from registry.notifications.render import base_url, format_datetime, language_of
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
from registry.subprocessors.models import Change

OUTCOMES = {
    "nl": {
        "change_withdrawn": "de wijziging is ingetrokken",
        "not_used_for_controller": "de sub-verwerker wordt niet ingezet voor uw gegevens",
        "safeguards_agreed": "er zijn aanvullende waarborgen overeengekomen",
        "agreement_terminated": "de verwerkersovereenkomst is beëindigd",
    },
    "en": {
        "change_withdrawn": "the change is withdrawn",
        "not_used_for_controller": "the sub-processor will not be used for your data",
        "safeguards_agreed": "additional safeguards were agreed",
        "agreement_terminated": "the data processing agreement is terminated",
    },
}


# --- recipients ----------------------------------------------------------------------------


def to_processor(notice: Notice) -> list[Recipient]:
    return organisation_recipient(organisation_id=notice.processor_id)


def to_controller(notice: Notice) -> list[Recipient]:
    if notice.agreement_id is None:
        return []
    return agreement_recipients(agreement_id=notice.agreement_id)


def to_other_party(notice: Notice) -> list[Recipient]:
    """A message goes to the party that did not write it."""
    return to_controller(notice) if notice.data.get("by") == PROCESSOR else to_processor(notice)


# --- facts for the templates ---------------------------------------------------------------


def _get(model: Any, key: int | None) -> Any:
    found = db.session.get(model, key) if key is not None else None
    if found is None:
        raise LookupError(f"{model.__name__} {key} is gone")
    return found


def _objection_facts(notice: Notice, language: str) -> dict[str, Any]:
    objection: Objection = _get(Objection, notice.objection_id)
    change: Change = _get(Change, objection.change_id)
    agreement: Agreement = _get(Agreement, objection.agreement_id)
    entry = change.after or change.before or {}
    return {
        "id": objection.id,
        "url": f"{base_url()}/api/v1/objections/{objection.id}",
        "controller": _get(Organisation, objection.controller_id).name,
        "agreement_reference": agreement.reference,
        "change_id": change.id,
        "change_label": ACTIONS[language][change.action.value],
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
    context: dict[str, Any] = {
        "objection": facts,
        # Only an agreement contact gets the footer naming its agreement.
        "agreement_reference": recipient.extra.get("agreement_reference"),
    }
    data = notice.data
    if "outcome" in data:
        context["outcome"] = data["outcome"]
        context["outcome_label"] = OUTCOMES[language][data["outcome"]]
    if "message_id" in data:
        message: ObjectionMessage = _get(ObjectionMessage, data["message_id"])
        context["message"] = {
            "body": message.body,
            "author": _get(Organisation, message.author_org_id).name,
            "by": data.get("by", CONTROLLER),
        }
    if "deadline" in data:
        context["deadline"] = data["deadline"]
        context["due_at"] = format_datetime(datetime.fromisoformat(data["due_at"]), language)
    return context


def consent_context(notice: Notice, recipient: Recipient) -> dict[str, Any]:
    from registry.agreements.consents import subprocessor_name
    from registry.countries.service import country_name

    language = language_of(recipient)
    consent: Consent = _get(Consent, notice.data.get("consent_id"))
    agreement: Agreement = _get(Agreement, consent.agreement_id)
    return {
        "consent": {
            "id": consent.id,
            "code": consent.code,
            "name": country_name(consent.code, language),
            "subprocessor": subprocessor_name(consent),
            "note": consent.note,
            "given_at": format_datetime(consent.given_at, language),
            "revoked_at": format_datetime(consent.revoked_at, language),
            "controller": _get(Organisation, agreement.controller_id).name,
            "agreement_reference": agreement.reference,
            "url": f"{base_url()}/api/v1/agreements/{agreement.id}/consents",
            "transfers_url": f"{base_url()}/api/v1/agreements/{agreement.id}/transfers",
        }
    }


for _kind, _recipients in (
    (OBJECTION_FILED, to_processor),
    (OBJECTION_ACKNOWLEDGED, to_controller),
    (OBJECTION_MESSAGE, to_other_party),
    (OBJECTION_RESOLVED, to_controller),
    (OBJECTION_WITHDRAWN, to_processor),
    (OBJECTION_OVERDUE, to_processor),
):
    register_kind(_kind, recipients=_recipients, context=objection_context)

for _kind in (CONSENT_GIVEN, CONSENT_REVOKED):
    register_kind(_kind, recipients=to_processor, context=consent_context)
