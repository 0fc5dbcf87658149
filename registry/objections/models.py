"""A controller's objection to an intended change, and the consultation that follows."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Enum, ForeignKey, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from registry.extensions import db
from registry.types import UTCDateTime


class ObjectionState(enum.StrEnum):
    FILED = "filed"
    IN_CONSULTATION = "in_consultation"
    RESOLVED = "resolved"
    WITHDRAWN = "withdrawn"


class Outcome(enum.StrEnum):
    CHANGE_WITHDRAWN = "change_withdrawn"
    NOT_USED_FOR_CONTROLLER = "not_used_for_controller"
    SAFEGUARDS_AGREED = "safeguards_agreed"
    AGREEMENT_TERMINATED = "agreement_terminated"


OPEN_STATES = frozenset({ObjectionState.FILED, ObjectionState.IN_CONSULTATION})


class Objection(db.Model):
    __tablename__ = "objections"

    id: Mapped[int] = mapped_column(primary_key=True)
    change_id: Mapped[int] = mapped_column(ForeignKey("changes.id"), index=True)
    agreement_id: Mapped[int] = mapped_column(ForeignKey("agreements.id"), index=True)
    processor_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    controller_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    state: Mapped[ObjectionState] = mapped_column(
        Enum(ObjectionState, native_enum=False, length=20), default=ObjectionState.FILED
    )
    grounds: Mapped[str] = mapped_column(Text)
    remedy: Mapped[str | None] = mapped_column(Text)
    filed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    acknowledge_due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    consultation_due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    outcome: Mapped[Outcome | None] = mapped_column(Enum(Outcome, native_enum=False, length=32))
    summary: Mapped[str | None] = mapped_column(Text)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    withdraw_reason: Mapped[str | None] = mapped_column(Text)
    # Reminders are sent once each, by the worker.
    acknowledge_reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    consultation_reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    messages: Mapped[list[ObjectionMessage]] = relationship(
        back_populates="objection", order_by="ObjectionMessage.id"
    )

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES


class ObjectionMessage(db.Model):
    __tablename__ = "objection_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    objection_id: Mapped[int] = mapped_column(ForeignKey("objections.id"), index=True)
    author_org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    author_token_id: Mapped[int | None] = mapped_column(ForeignKey("api_tokens.id"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    objection: Mapped[Objection] = relationship(back_populates="messages")
