"""Subscriptions, notices and the outbox of deliveries.

A notice is written in the same transaction as its cause. The worker expands it into
one delivery per recipient in a transaction of its own, then sends the deliveries.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import Enum, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from registry import clock
from registry.extensions import Model
from registry.types import JSONType, UTCDateTime


class SubscriptionStatus(enum.StrEnum):
    PENDING = "pending"
    CONFIRMED = "confirmed"
    UNSUBSCRIBED = "unsubscribed"


class DeliveryStatus(enum.StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"  # a transient failure; retried at next_attempt_at
    DEAD = "dead"  # permanent failure or attempts exhausted


class Subscription(Model):
    __tablename__ = "subscriptions"
    __table_args__ = (UniqueConstraint("processor_id", "email"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    processor_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    email: Mapped[str] = mapped_column(String(254))
    language: Mapped[str] = mapped_column(String(2))
    status: Mapped[SubscriptionStatus] = mapped_column(
        Enum(SubscriptionStatus, native_enum=False, length=16), default=SubscriptionStatus.PENDING
    )
    confirm_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    confirm_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    confirmation_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Stored in clear: it is printed in every mail, and it only allows unsubscribing.
    unsubscribe_token: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    unsubscribed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Notice(Model):
    """Something that happened and must be told: written with its cause."""

    __tablename__ = "notices"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(48))
    processor_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    change_id: Mapped[int | None] = mapped_column(ForeignKey("changes.id"))
    objection_id: Mapped[int | None] = mapped_column(ForeignKey("objections.id"))
    agreement_id: Mapped[int | None] = mapped_column(ForeignKey("agreements.id"))
    subscription_id: Mapped[int | None] = mapped_column(ForeignKey("subscriptions.id"))
    # Facts frozen at the moment of the cause (before/after, deadlines, …).
    data: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    expanded_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    # The lease of the worker expanding it: a worker that dies lets another take over.
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Delivery(Model):
    """One message to one recipient on one channel: the outbox row."""

    __tablename__ = "deliveries"
    __table_args__ = (
        Index("ix_deliveries_due", "status", "next_attempt_at"),
        UniqueConstraint("notice_id", "channel", "recipient"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    notice_id: Mapped[int] = mapped_column(ForeignKey("notices.id"), index=True)
    channel: Mapped[str] = mapped_column(String(16), default="email")
    recipient: Mapped[str] = mapped_column(String(254))
    language: Mapped[str] = mapped_column(String(2))
    # Who the recipient is, for access control and evidence.
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    agreement_id: Mapped[int | None] = mapped_column(ForeignKey("agreements.id"))
    subscription_id: Mapped[int | None] = mapped_column(ForeignKey("subscriptions.id"))
    processor_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    message_id: Mapped[str] = mapped_column(String(200), unique=True)
    # Rendered at expansion: {"subject", "text", "html", "headers", "from_name", "reply_to"}.
    payload: Mapped[dict[str, Any]] = mapped_column(JSONType)
    status: Mapped[DeliveryStatus] = mapped_column(
        Enum(DeliveryStatus, native_enum=False, length=16), default=DeliveryStatus.PENDING
    )
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime)
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When the last outcome was recorded (sent, refused, or failed): the time of a failure.
    last_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    notice: Mapped[Notice] = relationship()


class SuppressedAddress(Model):
    """An address whose mailbox is gone (SMTP 5.1.x, 5.2.1): no more subscriber mail to it.

    Contractual notices to an agreement's contacts are attempted regardless.
    """

    __tablename__ = "suppressed_addresses"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    reason: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
