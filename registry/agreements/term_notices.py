"""The notices of an agreement's own changes (Art. 10.3): its contacts replaced, and amendments
proposed and answered."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from flask_babel import gettext, lazy_pgettext, ngettext
from flask_babel.speaklater import LazyString

from registry.agreements.amendments import (
    AMENDMENT_ACCEPTED,
    AMENDMENT_PROPOSED,
    AMENDMENT_REJECTED,
    AMENDMENT_WITHDRAWN,
)
from registry.agreements.contacts import AGREEMENT_CONTACTS_CHANGED
from registry.agreements.models import Agreement, Amendment
from registry.agreements.notifications import (
    contacts_of,
    get_or_gone,
    to_controller,
    to_processor,
)
from registry.notifications.kinds import Recipient, register_kind
from registry.notifications.models import Notice
from registry.notifications.render import base_url, format_datetime, language_of
from registry.organisations.models import Organisation

TERMS: Mapping[str, LazyString] = {
    "notice_days": lazy_pgettext("agreement term", "Notice period"),
    "objection_days": lazy_pgettext("agreement term", "Objection period"),
    "acknowledge_days": lazy_pgettext("agreement term", "Period to acknowledge an objection"),
    "consultation_days": lazy_pgettext("agreement term", "Consultation period"),
    "language": lazy_pgettext("agreement term", "Language of the notices"),
}


def term_value(term: str, value: Any) -> str:
    if term == "language":
        return {"nl": gettext("Dutch"), "en": gettext("English")}.get(str(value), str(value))
    return ngettext("%(num)d day", "%(num)d days", int(value))


# --- the contacts ---------------------------------------------------------------------------


def to_old_and_new_contacts(notice: Notice) -> list[Recipient]:
    """Every contact before and after the change (as the notice recorded them), and the
    processor."""
    agreement: Agreement = get_or_gone(Agreement, notice.agreement_id)
    contact = contacts_of(agreement)[0]
    emails = dict.fromkeys([*notice.data.get("after", []), *notice.data.get("before", [])])
    return [
        *(dataclasses.replace(contact, email=email) for email in emails),
        *to_processor(notice),
    ]


def contacts_context(notice: Notice, recipient: Recipient) -> dict[str, Any]:
    agreement: Agreement = get_or_gone(Agreement, notice.agreement_id)
    before, after = notice.data.get("before", []), notice.data.get("after", [])
    return {
        "contacts": {
            "reference": agreement.reference,
            "controller": get_or_gone(Organisation, agreement.controller_id).name,
            "at": format_datetime(notice.created_at, language_of(recipient)),
            "before": ", ".join(before),
            "after": ", ".join(after),
            "removed": ", ".join(e for e in before if e not in after),
            "added": ", ".join(e for e in after if e not in before),
            "is_removed": recipient.email in before and recipient.email not in after,
            "url": f"{base_url()}/api/v1/agreements/{agreement.id}/contacts",
        },
        "agreement_reference": recipient.extra.get("agreement_reference"),
    }


# --- amendments -----------------------------------------------------------------------------


def _amendment(notice: Notice) -> Amendment:
    amendment: Amendment = get_or_gone(Amendment, notice.data.get("amendment_id"))
    return amendment


def to_the_other_party(notice: Notice) -> list[Recipient]:
    """The party that did not propose: told of the proposal, and of its withdrawal."""
    proposer = _amendment(notice).proposed_by
    return to_controller(notice) if proposer == "processor" else to_processor(notice)


def to_both_parties(notice: Notice) -> list[Recipient]:
    return to_controller(notice) + to_processor(notice)


def amendment_context(notice: Notice, recipient: Recipient) -> dict[str, Any]:
    language = language_of(recipient)
    amendment = _amendment(notice)
    agreement: Agreement = get_or_gone(Agreement, amendment.agreement_id)
    previous = amendment.previous or {}
    party_id = agreement.processor_id if amendment.proposed_by == "processor" else None
    proposer = get_or_gone(Organisation, party_id or agreement.controller_id).name
    url = f"{base_url()}/api/v1/agreements/{agreement.id}/amendments/{amendment.id}"
    return {
        "amendment": {
            "id": amendment.id,
            "reference": agreement.reference,
            "proposer": proposer,
            "reason": amendment.reason,
            "state": amendment.state.value,
            "proposed_at": format_datetime(amendment.proposed_at, language),
            "answered_at": format_datetime(amendment.answered_at, language),
            "answer_reason": amendment.answer_reason,
            "rows": [
                {
                    "label": str(TERMS[term]),
                    "before": term_value(term, previous.get(term, getattr(agreement, term))),
                    "after": term_value(term, value),
                }
                for term, value in amendment.changes.items()
            ],
            "accept_url": f"{url}/accept",
            "reject_url": f"{url}/reject",
            "list_url": f"{base_url()}/api/v1/agreements/{agreement.id}/amendments",
        },
        "agreement_reference": recipient.extra.get("agreement_reference"),
    }


register_kind(
    AGREEMENT_CONTACTS_CHANGED, recipients=to_old_and_new_contacts, context=contacts_context
)
register_kind(AMENDMENT_PROPOSED, recipients=to_the_other_party, context=amendment_context)
register_kind(
    AMENDMENT_WITHDRAWN,
    recipients=to_the_other_party,
    context=amendment_context,
    template="agreement_amendment_answered",
)
for _kind in (AMENDMENT_ACCEPTED, AMENDMENT_REJECTED):
    register_kind(
        _kind,
        recipients=to_both_parties,
        context=amendment_context,
        template="agreement_amendment_answered",
    )
