"""How agreements answer the list below them (see ``registry.events``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Select, select

from registry.agreements import service
from registry.agreements.models import Agreement
from registry.agreements.notifications import contacts_of
from registry.audit.signals import readable_processors
from registry.notifications.kinds import Recipient
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
    moment its own agreement's objection window closes."""
    recipients = []
    for agreement in service.active_agreements(processor_id=change.processor_id, at=at):
        closes_at = agreement.objection_closes_at(change.announced_at)
        recipients += contacts_of(agreement, objection_closes_at=closes_at)
    return recipients


@readable_processors.connect
def processors_of_controller(_sender: Any, *, controller_id: int) -> Select[Any]:
    """A controller reads the list changes of every processor it has an agreement with."""
    return select(Agreement.processor_id).where(Agreement.controller_id == controller_id)
