"""The receipt of an action taken through a personal link, to every contact of the agreement.

A notice's link works for whoever holds the mail. So that a forwarded mail cannot act unseen,
every contact of the agreement is told what was done, by which address, and when.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from registry import clock
from registry.agreements import service as agreements
from registry.agreements.models import Agreement
from registry.agreements.notifications import to_controller
from registry.notifications.kinds import Recipient, register_kind
from registry.notifications.models import Notice
from registry.notifications.render import format_datetime, language_of
from registry.notifications.service import queue_notice
from registry.organisations.models import Organisation

RESPOND_RECEIPT = "respond_receipt"
RESPOND_LINK = "respond_link"


def queue_receipt(*, agreement: Agreement, actor: str, action: str) -> None:
    """Queue the receipt in the action's own transaction."""
    queue_notice(
        kind=RESPOND_RECEIPT,
        processor_id=agreement.processor_id,
        agreement_id=agreement.id,
        data={"actor": actor, "action": action, "at": clock.now().isoformat()},
    )


def receipt_context(notice: Notice, recipient: Recipient) -> dict[str, Any]:
    return {
        "actor": notice.data["actor"],
        "action": notice.data["action"],
        "at": format_datetime(datetime.fromisoformat(notice.data["at"]), language_of(recipient)),
        "agreement_reference": recipient.extra.get("agreement_reference"),
    }


def queue_new_links(*, processor: Organisation, email: str) -> None:
    """A fresh personal link for every agreement in force that names ``email`` as a contact.

    The caller answers the same whatever happens here: whether an address is a contact is
    none of the asker's business.
    """
    address = email.strip().lower()
    for agreement in agreements.active_agreements(processor_id=processor.id, at=clock.now()):
        if address in {contact.lower() for contact in agreement.notify_emails}:
            queue_notice(
                kind=RESPOND_LINK,
                processor_id=processor.id,
                agreement_id=agreement.id,
                data={"email": address},
            )


def link_recipient(notice: Notice) -> list[Recipient]:
    """The one contact that asked, while it still is one."""
    address = notice.data.get("email", "")
    return [r for r in to_controller(notice) if r.email.lower() == address]


def link_context(notice: Notice, recipient: Recipient) -> dict[str, Any]:
    return {"agreement_reference": recipient.extra.get("agreement_reference")}


register_kind(RESPOND_RECEIPT, recipients=to_controller, context=receipt_context)
register_kind(RESPOND_LINK, recipients=link_recipient, context=link_context)
