"""Data-subject requests the processor received and forwarded to the controller (Art. 7).

Only the right invoked, the dates and the processor's own reference are kept: no personal data
of the data subject is ever stored here.
"""

from __future__ import annotations

import calendar
import enum
from datetime import datetime, timedelta

from sqlalchemy import Enum, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from registry import clock
from registry.agreements.models import Agreement
from registry.extensions import Model
from registry.types import UTCDateTime

AT_CONTROLLER_COST = "at the controller's cost (Art. 7.2)"


class DataSubjectRight(enum.StrEnum):
    """The rights of GDPR Arts. 15–22 a data subject may invoke."""

    ACCESS = "access"
    RECTIFICATION = "rectification"
    ERASURE = "erasure"
    RESTRICTION = "restriction"
    PORTABILITY = "portability"
    OBJECTION = "objection"
    AUTOMATED_DECISION = "automated_decision"


class DataSubjectRequest(Model):
    """A request the processor received and forwarded to the controller at once (Art. 7.1)."""

    __tablename__ = "data_subject_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(ForeignKey("agreements.id"), index=True)
    right: Mapped[DataSubjectRight] = mapped_column(
        Enum(DataSubjectRight, native_enum=False, length=32)
    )
    reference: Mapped[str] = mapped_column(String(100))  # the processor's own reference
    channel: Mapped[str] = mapped_column(String(50))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    forwarded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    forwarded_by_token_id: Mapped[int | None] = mapped_column(ForeignKey("api_tokens.id"))
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    acknowledged_by_token_id: Mapped[int | None] = mapped_column(ForeignKey("api_tokens.id"))
    # The controller asked the processor's help (Art. 7.2), at the controller's cost.
    help_requested_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    help_requested_by_token_id: Mapped[int | None] = mapped_column(ForeignKey("api_tokens.id"))
    help_note: Mapped[str | None] = mapped_column(Text)

    agreement: Mapped[Agreement] = relationship()

    @property
    def forwarded_after(self) -> timedelta:
        return self.forwarded_at - self.received_at

    @property
    def answer_due_at(self) -> datetime:
        """One calendar month after receipt (GDPR Art. 12(3)), on the parties' calendar."""
        return clock.as_utc(add_month(clock.local(self.received_at)))

    def forwarded_late(self, limit_days: int) -> bool:
        return self.forwarded_after > timedelta(days=limit_days)


def add_month(moment: datetime) -> datetime:
    """The same day and time a calendar month later; the month's last day when it is shorter
    (31 January → 28 or 29 February)."""
    year, month = (moment.year + 1, 1) if moment.month == 12 else (moment.year, moment.month + 1)
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)
