"""An append-only record of who did what, when, to which object."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from registry.extensions import Model
from registry.types import JSONType, UTCDateTime


class AuditEvent(Model):
    __tablename__ = "audit_events"
    __table_args__ = (
        Index("ix_audit_events_processor", "processor_id", "id"),
        Index("ix_audit_events_controller", "controller_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Who: None for the system itself (the worker, a scheduled effect).
    actor_org_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    actor_token_id: Mapped[int | None] = mapped_column(ForeignKey("api_tokens.id"))
    actor_token_name: Mapped[str | None] = mapped_column(String(100))
    # An agreement contact acting through the personal link in a notice (its address).
    actor_contact: Mapped[str | None] = mapped_column(String(254))
    action: Mapped[str] = mapped_column(String(64))
    object_type: Mapped[str] = mapped_column(String(32))
    object_id: Mapped[int]
    # Whose trail it belongs to: the processor always, the controller when it concerns one.
    processor_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    controller_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    agreement_id: Mapped[int | None] = mapped_column(ForeignKey("agreements.id"))
    data: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
