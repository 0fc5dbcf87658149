"""The notice kinds of agreements: an agreement recorded, told to the controller's own address
(not to the contacts the processor named: they are the processor's word); the controller's
confirmation or decline, and a prior consent given or revoked, told to the processor.

``contacts_of`` is every agreement's list of people to tell: the ``notify_emails`` of the
agreement, in its language. The kinds of the domains above (objections) use it too, and
``reactions`` answers with it when the list asks whom to tell about a change. ``to_processor``
is the processor, at the address it keeps for the agreement a notice is about
(``processor_email``) or else its organisation's own; replies to a contact's mail go to the same
address (``reply_address``).
"""

from __future__ import annotations

import dataclasses
from typing import Any

from registry.agreements.consent_bases import transfer_bases
from registry.agreements.consents import CONSENT_GIVEN, CONSENT_REVOKED, subprocessor_name
from registry.agreements.models import Agreement, Consent
from registry.agreements.service import (
    AGREEMENT_CONFIRMED,
    AGREEMENT_DECLINED,
    AGREEMENT_RECORDED,
)
from registry.countries.service import country_name
from registry.extensions import db
from registry.notifications.kinds import Recipient, organisation_recipient, register_kind
from registry.notifications.models import Notice
from registry.notifications.render import (
    base_url,
    format_datetime,
    language_of,
    register_reply_to,
)
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
    """The processor, at the address it keeps for the agreement in the notice, if any."""
    recipients = organisation_recipient(organisation_id=notice.processor_id)
    address = _processor_email(notice.agreement_id)
    return [dataclasses.replace(r, email=address) for r in recipients] if address else recipients


def reply_address(notice: Notice, recipient: Recipient) -> str | None:
    """Where a reply goes: the address the processor keeps for the agreement the mail is sent
    under (a contact's), or the notice is about."""
    return _processor_email(recipient.agreement_id or notice.agreement_id)


def _processor_email(agreement_id: int | None) -> str | None:
    agreement = db.session.get(Agreement, agreement_id) if agreement_id is not None else None
    return agreement.processor_email if agreement is not None else None


def to_controller_organisation(notice: Notice) -> list[Recipient]:
    """The controller's own address, as it registered it, about the agreement in the notice."""
    agreement: Agreement = get_or_gone(Agreement, notice.agreement_id)
    if agreement.confirmed_at is not None or agreement.declined_at is not None:
        return []  # answered before the mail went out: nothing is left to ask
    return [
        dataclasses.replace(recipient, agreement_id=agreement.id)
        for recipient in organisation_recipient(organisation_id=agreement.controller_id)
    ]


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
            "bases": transfer_bases(consent, agreement, language),
        }
    }


def agreement_context(notice: Notice, recipient: Recipient) -> dict[str, Any]:
    language = language_of(recipient)
    agreement: Agreement = get_or_gone(Agreement, notice.agreement_id)
    url = f"{base_url()}/api/v1/agreements/{agreement.id}"
    return {
        "agreement": {
            "reference": agreement.reference,
            "controller": get_or_gone(Organisation, agreement.controller_id).name,
            "signed_on": agreement.signed_on,
            "recorded_at": format_datetime(agreement.created_at, language),
            "confirmed_at": format_datetime(agreement.confirmed_at, language),
            "declined_at": format_datetime(agreement.declined_at, language),
            "decline_reason": agreement.decline_reason,
            "notice_days": agreement.notice_days,
            "objection_days": agreement.objection_days,
            "notify_emails": ", ".join(agreement.notify_emails),
            "url": url,
            "confirm_url": f"{url}/confirm",
            "decline_url": f"{url}/decline",
            "contacts_url": f"{url}/contacts",
        }
    }


for _kind in (CONSENT_GIVEN, CONSENT_REVOKED):
    register_kind(_kind, recipients=to_processor, context=consent_context)
register_kind(AGREEMENT_RECORDED, recipients=to_controller_organisation, context=agreement_context)
register_reply_to(reply_address)
for _kind in (AGREEMENT_CONFIRMED, AGREEMENT_DECLINED):
    register_kind(_kind, recipients=to_processor, context=agreement_context)
