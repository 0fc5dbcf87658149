"""The notice kinds of this domain: a change announced, withdrawn, in effect; a confirmation.

Change notices go to every active agreement's ``notify_emails`` (contractual, in the
agreement's language, with that agreement's objection deadline) and to every confirmed
subscriber of the processor (with an unsubscribe link). An address appears once per notice:
as a contact if it is one (of the first agreement that names it), else as a subscriber.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import select

from registry.extensions import db
from registry.notifications.kinds import Recipient, register_kind, shared
from registry.notifications.models import Notice, Subscription, SubscriptionStatus
from registry.notifications.render import base_url, format_date, format_datetime, language_of
from registry.notifications.service import hash_token
from registry.subprocessors.models import ENTRY_FIELDS

LABELS = {
    "nl": {
        "name": "Naam",
        "legal_name": "Statutaire naam",
        "registration_number": "Registratienummer",
        "country_of_incorporation": "Land van vestiging",
        "website": "Website",
        "purpose": "Doel van de verwerking",
        "data_categories": "Categorieën persoonsgegevens",
        "data_subject_categories": "Categorieën betrokkenen",
        "locations": "Verwerkingslocaties",
        "dpf_certified": "Gecertificeerd onder het EU-VS Data Privacy Framework",
        "dpf_checked_on": "DPF-certificering gecontroleerd op",
        "transfer_mechanism": "Doorgiftemechanisme",
        "flowdown_signed_on": "Gelijke verplichtingen schriftelijk opgelegd op",
    },
    "en": {
        "name": "Name",
        "legal_name": "Legal name",
        "registration_number": "Registration number",
        "country_of_incorporation": "Country of incorporation",
        "website": "Website",
        "purpose": "Purpose of the processing",
        "data_categories": "Categories of personal data",
        "data_subject_categories": "Categories of data subjects",
        "locations": "Processing locations",
        "dpf_certified": "Certified under the EU-US Data Privacy Framework",
        "dpf_checked_on": "DPF certification checked on",
        "transfer_mechanism": "Transfer mechanism",
        "flowdown_signed_on": "Same obligations imposed in writing on",
    },
}

ACTIONS = {
    "nl": {
        "add": "toevoeging van een sub-verwerker",
        "update": "wijziging van een sub-verwerker",
        "remove": "beëindiging van een sub-verwerker",
        "replace": "vervanging van een sub-verwerker",
    },
    "en": {
        "add": "addition of a sub-processor",
        "update": "change to a sub-processor",
        "remove": "removal of a sub-processor",
        "replace": "replacement of a sub-processor",
    },
}

MECHANISMS = {
    "nl": {
        "adequacy": "adequaatheidsbesluit (art. 45 AVG)",
        "scc": "standaardcontractbepalingen (art. 46 lid 2 onder c AVG, Besluit (EU) 2021/914)",
        "bcr": "bindende bedrijfsvoorschriften (art. 47 AVG)",
        "derogation": "uitzondering voor specifieke situaties (art. 49 AVG)",
        "none": "geen (binnen de EER)",
    },
    "en": {
        "adequacy": "adequacy decision (Art. 45 GDPR)",
        "scc": "standard contractual clauses (Art. 46(2)(c) GDPR, Decision (EU) 2021/914)",
        "bcr": "binding corporate rules (Art. 47 GDPR)",
        "derogation": "derogation for a specific situation (Art. 49 GDPR)",
        "none": "none (within the EEA)",
    },
}

YES_NO = {"nl": ("ja", "nee"), "en": ("yes", "no")}
EMPTY = "—"


# --- values as a reader sees them --------------------------------------------------------------


def country_label(code: str, language: str) -> str:
    from registry.countries.service import country_name

    return f"{country_name(code, language)} ({code})"


def _as_date(value: Any) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def display_value(field: str, value: Any, language: str) -> str:
    """One field of an entry as text in the reader's language."""
    if value is None or value == "" or value == []:
        return EMPTY
    if field == "locations":
        return "; ".join(
            country_label(location["code"], language)
            + (f": {', '.join(location['activities'])}" if location.get("activities") else "")
            for location in value
        )
    if field == "country_of_incorporation":
        return country_label(str(value), language)
    if field in ("dpf_checked_on", "flowdown_signed_on"):
        return format_date(_as_date(value))
    if field == "transfer_mechanism":
        return MECHANISMS[language].get(str(value), str(value))
    if isinstance(value, bool):
        yes, no = YES_NO[language]
        return yes if value else no
    if isinstance(value, list):
        return ", ".join(str(item) for item in value)
    return str(value)


def field_rows(
    before: dict[str, Any] | None, after: dict[str, Any] | None, language: str
) -> list[dict[str, str]]:
    """What changes, field by field: label, value before, value after."""
    rows = []
    for field in ENTRY_FIELDS:
        old = (before or {}).get(field)
        new = (after or {}).get(field)
        if old == new or (old in (None, "", []) and new in (None, "", [])):
            continue
        rows.append(
            {
                "field": field,
                "label": LABELS[language][field],
                "before": display_value(field, old, language),
                "after": display_value(field, new, language),
            }
        )
    return rows


def consent_locations(
    before: dict[str, Any] | None, after: dict[str, Any] | None, at: datetime, language: str
) -> list[dict[str, Any]]:
    """Locations of the new entry that need the controller's prior consent (Art. 3.1)."""
    from registry.countries.service import assess, country_name

    if not after:
        return []
    known = {location["code"] for location in (before or {}).get("locations") or []}
    needed = []
    for location in after.get("locations") or []:
        assessment = assess(
            location["code"], at.date(), dpf_certified=bool(after.get("dpf_certified"))
        )
        if not assessment["requires_consent"]:
            continue
        name = country_name(location["code"], language)
        needed.append(
            {
                "code": location["code"],
                "name": name,
                "activities": list(location.get("activities") or []),
                "zone": assessment["zone"],
                "reasons": consent_reasons(assessment, name, language),
                "new": location["code"] not in known,
            }
        )
    return needed


def consent_reasons(assessment: dict[str, Any], name: str, language: str) -> list[str]:
    """Why a location needs consent. English uses the assessment's own conditions; Dutch
    says the same from its structured facts (the data file's texts are English)."""
    if language == "en":
        return list(assessment["conditions"]) or [
            f"The European Commission has no adequacy decision in force for {name}."
        ]
    reasons = []
    exclusion = assessment.get("contract_exclusion")
    if assessment["zone"] == "third_country":
        if assessment["conditions"]:
            reasons.append(
                "Het adequaatheidsbesluit geldt alleen voor ontvangers die onder het "
                "EU-VS Data Privacy Framework zijn gecertificeerd; deze sub-verwerker is "
                "niet als gecertificeerd aangemerkt."
            )
        elif exclusion is None:
            reasons.append(
                f"Voor {name} geldt geen adequaatheidsbesluit van de Europese Commissie."
            )
    if exclusion is not None:
        reasons.append(
            f"Artikel {exclusion['article']} van de verwerkersovereenkomst zondert {name} "
            "uit van de landen waarnaar doorgifte zonder toestemming is toegestaan."
        )
    return reasons


# --- change notices ----------------------------------------------------------------------------


def _change(notice: Notice) -> Any:
    from registry.subprocessors.models import Change

    change = db.session.get(Change, notice.change_id)
    if change is None:
        raise LookupError(f"notice {notice.id} names change {notice.change_id}, which is gone")
    return change


def change_recipients(notice: Notice) -> list[Recipient]:
    """Agreement contacts first (contractual), then confirmed subscribers; each address once."""
    from registry.agreements import service as agreements

    change = _change(notice)
    recipients: dict[str, Recipient] = {}
    for agreement in agreements.active_agreements(
        processor_id=notice.processor_id, at=notice.created_at
    ):
        extra = {
            "agreement_reference": agreement.reference,
            "objection_closes_at": agreement.objection_closes_at(change.announced_at),
        }
        for email in agreement.notify_emails:
            recipients.setdefault(
                email.lower(),
                Recipient(
                    email=email,
                    language=agreement.language,
                    contractual=True,
                    organisation_id=agreement.controller_id,
                    agreement_id=agreement.id,
                    extra=extra,
                ),
            )
    subscribers = db.session.execute(
        select(
            Subscription.id,
            Subscription.email,
            Subscription.language,
            Subscription.unsubscribe_token,
        )
        .where(
            Subscription.processor_id == notice.processor_id,
            Subscription.status == SubscriptionStatus.CONFIRMED,
        )
        .order_by(Subscription.id)
    )
    for subscriber in subscribers:
        recipients.setdefault(
            subscriber.email.lower(),
            Recipient(
                email=subscriber.email,
                language=subscriber.language,
                contractual=False,
                subscription_id=subscriber.id,
                unsubscribe_token=subscriber.unsubscribe_token,
            ),
        )
    return list(recipients.values())


def _change_facts(notice: Notice, language: str) -> dict[str, Any]:
    change = _change(notice)
    before, after = change.before, change.after
    name = (after or before or {}).get("name", "")
    return {
        "id": change.id,
        "action": change.action.value,
        "action_label": ACTIONS[language][change.action.value],
        "name": name,
        "previous_name": (before or {}).get("name") if change.action.value == "replace" else None,
        "reason": change.reason,
        "announced_at": format_datetime(change.announced_at, language),
        "effective_at": format_datetime(change.effective_at, language),
        "effective_on": format_date(change.effective_at),
        "withdrawn_at": format_datetime(change.withdrawn_at, language),
        "withdraw_reason": change.withdraw_reason,
        "url": f"{base_url()}/api/v1/processors/{_processor_slug(notice)}/changes/{change.id}",
        "rows": field_rows(before, after, language),
        "consent": consent_locations(before, after, change.effective_at, language),
    }


def change_context(notice: Notice, recipient: Recipient) -> dict[str, Any]:
    language = language_of(recipient)
    facts = shared(notice, ("change", language), lambda: _change_facts(notice, language))
    deadline = recipient.extra.get("objection_closes_at")
    return {
        "change": facts,
        "agreement_reference": recipient.extra.get("agreement_reference"),
        "objection_closes_at": format_datetime(deadline, language) if deadline else None,
    }


def _processor_slug(notice: Notice) -> str:
    from registry.organisations.models import Organisation

    processor = db.session.get(Organisation, notice.processor_id)
    return processor.slug if processor is not None else str(notice.processor_id)


for _name in ("change_announced", "change_withdrawn", "change_effective"):
    register_kind(
        _name, recipients=change_recipients, context=change_context, subscriber_visible=True
    )


# --- the confirmation of a subscription --------------------------------------------------------


def confirm_recipients(notice: Notice) -> list[Recipient]:
    """The address that asked, while its request is open and this token is its latest."""
    subscription = db.session.get(Subscription, notice.subscription_id)
    if subscription is None or subscription.status is not SubscriptionStatus.PENDING:
        return []
    if subscription.confirm_token_hash != hash_token(notice.data.get("token", "")):
        return []  # a newer request replaced this link; only the newest mail is worth sending
    return [
        Recipient(
            email=subscription.email,
            language=subscription.language,
            contractual=False,
            subscription_id=subscription.id,
        )
    ]


def confirm_context(notice: Notice, recipient: Recipient) -> dict[str, Any]:
    language = language_of(recipient)
    expires_at = datetime.fromisoformat(notice.data["expires_at"])
    return {
        "confirm_url": f"{base_url()}/api/v1/subscriptions/confirm/{notice.data['token']}",
        "expires_at": format_datetime(expires_at, language),
    }


register_kind(
    "subscription_confirm",
    recipients=confirm_recipients,
    context=confirm_context,
    subscriber_visible=True,
    secret_data=("token",),
)
