"""How agreements answer the list below them (see ``registry.events``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Select, select

from registry.agreements import consents, service
from registry.agreements.models import Agreement
from registry.agreements.notifications import contacts_of
from registry.audit.signals import readable_agreements, readable_processors
from registry.extensions import db
from registry.notifications.kinds import Recipient
from registry.notifications.signals import contact_addresses
from registry.subprocessors.models import Change
from registry.subprocessors.signals import change_audience, notice_days_required


@notice_days_required.connect
def longest_notice(_sender: Any, *, processor_id: int, at: datetime) -> int:
    """A change needs the longest notice of the processor's agreements in force (Art. 5.2)."""
    agreements = service.active_agreements(processor_id=processor_id, at=at)
    return max((agreement.notice_days for agreement in agreements), default=0)


@change_audience.connect
def agreement_contacts(_sender: Any, *, change: Change, at: datetime) -> list[Recipient]:
    """Every contact of every agreement in force when the notice was written, each with the
    moment its own agreement's objection window closes and the locations its controller has
    consented to for the sub-processor the change is about (the mail tells each its own case)."""
    recipients = []
    for agreement in service.active_agreements(processor_id=change.processor_id, at=at):
        closes_at = service.objection_deadline(agreement=agreement, change=change)
        consented = consents.consented_codes(agreement=agreement, change=change, at=at)
        recipients += contacts_of(
            agreement, objection_closes_at=closes_at, consented_codes=consented
        )
    return recipients


@readable_processors.connect
def processors_of_controller(_sender: Any, *, controller_id: int) -> Select[Any]:
    """A controller reads the list changes of every processor it has confirmed an agreement
    with; recording one does not put a processor into the controller's trail."""
    return select(Agreement.processor_id).where(
        Agreement.id.in_(service.readable_by_controller(controller_id=controller_id))
    )


@readable_agreements.connect
def confirmed_agreements(_sender: Any, *, controller_id: int) -> Select[Any]:
    """The events of an agreement reach the controller's trail once it has confirmed it."""
    return service.readable_by_controller(controller_id=controller_id)


@contact_addresses.connect
def agreement_contact_addresses(_sender: Any, *, processor_id: int) -> set[str]:
    """The addresses named in any of the processor's agreements (whose suppressions it sees)."""
    named = db.session.scalars(
        select(Agreement.notify_emails).where(Agreement.processor_id == processor_id)
    )
    return {email.lower() for emails in named for email in emails or []}
