"""Data processing agreements between a processor and a controller, and prior consents."""

from __future__ import annotations

import enum
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Enum, ForeignKey, String, Text, UniqueConstraint
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
    # Raised when a contact is removed; an address's personal links work only if made at or
    # after the revision it (last) became a contact (``contact_revisions``, absent: 0), so a
    # removed address that is named again does not bring its old links back.
    contacts_revision: Mapped[int] = mapped_column(default=0, server_default="0")
    contact_revisions: Mapped[dict[str, int]] = mapped_column(JSONType, default=dict)
    # Where the processor's replies and deadline alerts under this agreement go; None: the
    # processor organisation's own address.
    processor_email: Mapped[str | None] = mapped_column(String(254))
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

    def links_valid_from(self, email: str) -> int:
        """The first ``contacts_revision`` whose personal links work for this contact."""
        return int((self.contact_revisions or {}).get(email.lower(), 0))


# The terms of an agreement that change only by an amendment both parties agree to (Art. 10.3).
AMENDABLE_TERMS = (
    "notice_days",
    "objection_days",
    "acknowledge_days",
    "consultation_days",
    "language",
)


class AmendmentState(enum.StrEnum):
    PROPOSED = "proposed"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"


class Amendment(Model):
    """A change of an agreement's terms one party proposes and the other accepts (Art. 10.3).

    Kept after its answer: with ``previous`` (the terms it replaced) the amendments are the
    history of the agreement's terms.
    """

    __tablename__ = "agreement_amendments"

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(ForeignKey("agreements.id"), index=True)
    proposed_by: Mapped[str] = mapped_column(String(16))  # processor | controller
    proposed_by_token_id: Mapped[int | None] = mapped_column(ForeignKey("api_tokens.id"))
    changes: Mapped[dict[str, Any]] = mapped_column(JSONType)
    reason: Mapped[str] = mapped_column(Text)
    state: Mapped[AmendmentState] = mapped_column(
        Enum(AmendmentState, native_enum=False, length=16), default=AmendmentState.PROPOSED
    )
    proposed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    # The agreement's values of the changed terms just before the amendment applied.
    previous: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    answered_by_token_id: Mapped[int | None] = mapped_column(ForeignKey("api_tokens.id"))
    answer_reason: Mapped[str | None] = mapped_column(Text)

    agreement: Mapped[Agreement] = relationship()


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


class AdequacyReport(Model):
    """A day on which the adequacy table changed, once its impact has been told (or, for the
    ``baseline`` row, the last change before the registry started watching)."""

    __tablename__ = "adequacy_reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(unique=True)
    source: Mapped[str] = mapped_column(String(16))  # baseline, worker or cli
    reported_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    notices: Mapped[int] = mapped_column(default=0)


class SecurityMeasures(Model):
    """One version of the overview of the processor's security measures (Art. 6.1, 2.2): shown
    to the controllers with an agreement on request, never published."""

    __tablename__ = "security_measures"
    __table_args__ = (UniqueConstraint("processor_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    processor_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    version: Mapped[int]
    text: Mapped[str] = mapped_column(Text)
    summary: Mapped[str | None] = mapped_column(Text)
    published_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    published_by_token_id: Mapped[int | None] = mapped_column(ForeignKey("api_tokens.id"))
