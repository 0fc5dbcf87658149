"""Sub-processors as versions in time, and the changes that create those versions.

A sub-processor's state at time T is the version with valid_from <= T < valid_to
(valid_to NULL = open-ended). An announced change writes its version ahead of time,
so a scheduled change takes effect at its moment with no job running.
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

from sqlalchemy import Enum, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from registry import clock
from registry.extensions import Model
from registry.types import JSONType, UTCDateTime

# The fields of a version that make up a sub-processor's published entry.
ENTRY_FIELDS = (
    "name",
    "legal_name",
    "registration_number",
    "country_of_incorporation",
    "website",
    "purpose",
    "data_categories",
    "data_subject_categories",
    "locations",
    "dpf_certified",
    "dpf_checked_on",
    "adequacy_scope_confirmed",
    "transfer_mechanism",
    "flowdown_signed_on",
)


class ChangeAction(enum.StrEnum):
    ADD = "add"
    UPDATE = "update"
    REMOVE = "remove"
    REPLACE = "replace"


class ChangeStatus(enum.StrEnum):
    ANNOUNCED = "announced"
    EFFECTIVE = "effective"
    WITHDRAWN = "withdrawn"


class Subprocessor(Model):
    """The stable identity of one sub-processor of one processor."""

    __tablename__ = "subprocessors"

    id: Mapped[int] = mapped_column(primary_key=True)
    processor_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    versions: Mapped[list[SubprocessorVersion]] = relationship(
        back_populates="subprocessor", order_by="SubprocessorVersion.valid_from"
    )


class SubprocessorVersion(Model):
    __tablename__ = "subprocessor_versions"
    __table_args__ = (
        Index(
            "ix_subprocessor_versions_processor_window", "processor_id", "valid_from", "valid_to"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    subprocessor_id: Mapped[int] = mapped_column(ForeignKey("subprocessors.id"), index=True)
    # Denormalised so "the list of processor P at T" is one indexed query.
    processor_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    change_id: Mapped[int | None] = mapped_column(ForeignKey("changes.id"), index=True)
    valid_from: Mapped[datetime] = mapped_column(UTCDateTime)
    valid_to: Mapped[datetime | None] = mapped_column(UTCDateTime)

    name: Mapped[str] = mapped_column(String(200))
    legal_name: Mapped[str | None] = mapped_column(String(300))
    registration_number: Mapped[str | None] = mapped_column(String(100))
    country_of_incorporation: Mapped[str | None] = mapped_column(String(2))
    website: Mapped[str | None] = mapped_column(String(500))
    purpose: Mapped[str] = mapped_column(Text)
    data_categories: Mapped[list[str]] = mapped_column(JSONType, default=list)
    data_subject_categories: Mapped[list[str]] = mapped_column(JSONType, default=list)
    # [{"code": "DE", "activities": ["hosting"]}, ...]; codes normalised (GR, GB, CA-QC).
    locations: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    dpf_certified: Mapped[bool] = mapped_column(default=False)
    dpf_checked_on: Mapped[date | None]
    # The recipient falls within the scope of a limited adequacy decision (Canada, Japan, ...).
    adequacy_scope_confirmed: Mapped[bool] = mapped_column(default=False)
    transfer_mechanism: Mapped[str | None] = mapped_column(String(32))
    flowdown_signed_on: Mapped[date | None]

    subprocessor: Mapped[Subprocessor] = relationship(back_populates="versions")
    change: Mapped[Change | None] = relationship(foreign_keys=[change_id])


class Change(Model):
    """An intended change of the list (Art. 5.2, GDPR Art. 28(2))."""

    __tablename__ = "changes"
    __table_args__ = (Index("ix_changes_processor_effective", "processor_id", "effective_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    processor_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    action: Mapped[ChangeAction] = mapped_column(Enum(ChangeAction, native_enum=False, length=16))
    # The sub-processor changed, removed or replaced; for add, the new one.
    subprocessor_id: Mapped[int] = mapped_column(ForeignKey("subprocessors.id"), index=True)
    # For replace: the sub-processor that takes over.
    replacement_id: Mapped[int | None] = mapped_column(ForeignKey("subprocessors.id"))
    # The version this change closes at effective_at (update/remove/replace).
    closed_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("subprocessor_versions.id", use_alter=True)
    )
    reason: Mapped[str] = mapped_column(Text)
    announced_at: Mapped[datetime] = mapped_column(UTCDateTime)
    effective_at: Mapped[datetime] = mapped_column(UTCDateTime)
    before: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    withdraw_reason: Mapped[str | None] = mapped_column(Text)
    # Why the change needs no notice: "reduction" (it only stops something) or "dpf_lapse"
    # (a transfer lost its adequacy basis); None for a change that waits for the notice period.
    immediate: Mapped[str | None] = mapped_column(String(16))
    announced_by_token_id: Mapped[int | None] = mapped_column(ForeignKey("api_tokens.id"))
    # Set by the worker once the "took effect" notice is queued (exactly once).
    effective_noticed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)

    def status_at(self, moment: datetime) -> ChangeStatus:
        """Derived, never stored: a change is effective from its moment on."""
        if self.withdrawn_at is not None:
            return ChangeStatus.WITHDRAWN
        if self.effective_at <= moment:
            return ChangeStatus.EFFECTIVE
        return ChangeStatus.ANNOUNCED

    @property
    def status(self) -> ChangeStatus:
        return self.status_at(clock.now())

    def can_withdraw(self) -> bool:
        return self.status is ChangeStatus.ANNOUNCED
