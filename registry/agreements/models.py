"""Data processing agreements between a processor and a controller, and prior consents."""

from __future__ import annotations

import enum
from datetime import date, datetime, timedelta

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from registry import clock
from registry.extensions import Model
from registry.organisations.models import Organisation
from registry.types import JSONType, UTCDateTime


class AgreementStatus(enum.StrEnum):
    """Where an agreement stands between its parties; derived, never stored."""

    PENDING = "pending"  # recorded by the processor, not yet confirmed by the controller
    CONFIRMED = "confirmed"
    DECLINED = "declined"  # the controller said it is not its agreement: ended, and gone
    TERMINATED = "terminated"


class Agreement(Model):
    """A DPA as the processor records it; the controller confirms or declines it.

    It binds the processor from the moment it is recorded (``service.in_force_at``): what the
    processor owes a controller does not wait for the controller to answer.
    """

    __tablename__ = "agreements"
    __table_args__ = (UniqueConstraint("processor_id", "reference"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    processor_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    controller_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    reference: Mapped[str] = mapped_column(String(100))
    signed_on: Mapped[date]
    language: Mapped[str] = mapped_column(String(2))
    notice_days: Mapped[int]
    objection_days: Mapped[int]
    acknowledge_days: Mapped[int]
    consultation_days: Mapped[int]
    notify_emails: Mapped[list[str]] = mapped_column(JSONType, default=list)
    # Raised whenever the contacts change: the personal links of earlier notices stop working.
    contacts_revision: Mapped[int] = mapped_column(default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    confirmed_by_token_id: Mapped[int | None] = mapped_column(ForeignKey("api_tokens.id"))
    # A declined agreement ends when it is declined (terminated_at too) and leaves the
    # controller's view; the processor keeps it as history.
    declined_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    declined_by_token_id: Mapped[int | None] = mapped_column(ForeignKey("api_tokens.id"))
    decline_reason: Mapped[str | None] = mapped_column(Text)
    # Ended agreements keep their history but receive no notices.
    terminated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    processor: Mapped[Organisation] = relationship(foreign_keys=[processor_id])
    controller: Mapped[Organisation] = relationship(foreign_keys=[controller_id])

    @property
    def status(self) -> AgreementStatus:
        if self.declined_at is not None:
            return AgreementStatus.DECLINED
        if self.terminated_at is not None:
            return AgreementStatus.TERMINATED
        if self.confirmed_at is not None:
            return AgreementStatus.CONFIRMED
        return AgreementStatus.PENDING

    def objection_closes_at(self, announced_at: datetime) -> datetime:
        return announced_at + timedelta(days=self.objection_days)


class Consent(Model):
    """The controller's prior consent for a location outside the EEA without adequacy (Art. 3.1)."""

    __tablename__ = "consents"

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(ForeignKey("agreements.id"), index=True)
    code: Mapped[str] = mapped_column(String(10))
    # None: for every sub-processor at this location.
    subprocessor_id: Mapped[int | None] = mapped_column(ForeignKey("subprocessors.id"))
    note: Mapped[str | None] = mapped_column(Text)
    given_at: Mapped[datetime] = mapped_column(UTCDateTime)
    given_by_token_id: Mapped[int | None] = mapped_column(ForeignKey("api_tokens.id"))
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_by_token_id: Mapped[int | None] = mapped_column(ForeignKey("api_tokens.id"))

    agreement: Mapped[Agreement] = relationship()
