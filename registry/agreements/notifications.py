"""The notice kinds of agreements: a prior consent given or revoked, told to the processor.

``contacts_of`` is every agreement's list of people to tell: the ``notify_emails`` of the
agreement, in its language. The kinds of the domains above (objections) use it too, and
``reactions`` answers with it when the list asks whom to tell about a change.
"""

from __future__ import annotations

from typing import Any

from registry.agreements.consents import CONSENT_GIVEN, CONSENT_REVOKED, subprocessor_name
from registry.agreements.models import Agreement, Consent
from registry.countries.service import country_name
from registry.extensions import db
from registry.notifications.kinds import Recipient, organisation_recipient, register_kind
from registry.notifications.models import Notice
from registry.notifications.render import base_url, format_datetime, language_of
from registry.organisations.models import Organisation


def contacts_of(agreement: Agreement | None, **extra: Any) -> list[Recipient]:
    """The notify_emails of one agreement, in its language (contractual)."""
    if agreement is None:
        return []
    return [
        Recipient(
            email=email,
            language=agreement.language,
            contractual=True,
            organisation_id=agreement.controller_id,
            agreement_id=agreement.id,
            extra={"agreement_reference": agreement.reference, **extra},
        )
        for email in agreement.notify_emails
    ]


def to_controller(notice: Notice) -> list[Recipient]:
    """The contacts of the agreement a notice is about."""
    if notice.agreement_id is None:
        return []
    return contacts_of(db.session.get(Agreement, notice.agreement_id))


def to_processor(notice: Notice) -> list[Recipient]:
    return organisation_recipient(organisation_id=notice.processor_id)


def get_or_gone(model: Any, key: int | None) -> Any:
    """A row a notice names; one deleted since is an error of that notice, not a blank."""
    found = db.session.get(model, key) if key is not None else None
    if found is None:
        raise LookupError(f"{model.__name__} {key} is gone")
    return found


def consent_context(notice: Notice, recipient: Recipient) -> dict[str, Any]:
    language = language_of(recipient)
    consent: Consent = get_or_gone(Consent, notice.data.get("consent_id"))
    agreement: Agreement = get_or_gone(Agreement, consent.agreement_id)
    return {
        "consent": {
            "id": consent.id,
            "code": consent.code,
            "name": country_name(consent.code, language),
            "subprocessor": subprocessor_name(consent),
            "note": consent.note,
            "given_at": format_datetime(consent.given_at, language),
            "revoked_at": format_datetime(consent.revoked_at, language),
            "controller": get_or_gone(Organisation, agreement.controller_id).name,
            "agreement_reference": agreement.reference,
            "url": f"{base_url()}/api/v1/agreements/{agreement.id}/consents",
            "transfers_url": f"{base_url()}/api/v1/agreements/{agreement.id}/transfers",
        }
    }


for _kind in (CONSENT_GIVEN, CONSENT_REVOKED):
    register_kind(_kind, recipients=to_processor, context=consent_context)
