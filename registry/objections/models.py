"""A controller's objection to an intended change or to a sub-processor on the list, and the
consultation that follows."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Enum, ForeignKey, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from registry import clock
from registry.extensions import Model
from registry.organisations.models import Organisation
from registry.types import UTCDateTime


class ObjectionState(enum.StrEnum):
    FILED = "filed"
    IN_CONSULTATION = "in_consultation"
    RESOLUTION_PROPOSED = "resolution_proposed"
    RESOLVED = "resolved"
    WITHDRAWN = "withdrawn"


class Outcome(enum.StrEnum):
    CHANGE_WITHDRAWN = "change_withdrawn"
    NOT_USED_FOR_CONTROLLER = "not_used_for_controller"
    SAFEGUARDS_AGREED = "safeguards_agreed"
    # The controller ends the service under the main contract (Art. 10.1); the data processing
    # agreement itself cannot be terminated early (Art. 10.2) and stays on record.
    SERVICE_ENDED_BY_CONTROLLER = "service_ended_by_controller"


# What the processor may grant alone: a concession that needs no one's consent. Every other
# outcome is a solution both parties reach: proposed, then accepted (Art. 5.2).
CONCESSIONS = frozenset({Outcome.CHANGE_WITHDRAWN, Outcome.NOT_USED_FOR_CONTROLLER})


class ObjectionKind(enum.StrEnum):
    # To an announced change: the change does not apply to the controller until resolved.
    CHANGE = "change"
    # To a sub-processor already on the list: it stays in use during the consultation.
    LISTED = "listed"


class ObjectionAction(enum.StrEnum):
    ACKNOWLEDGE = "acknowledge"
    MESSAGE = "message"
    PROPOSE = "propose"
    ACCEPT = "accept"
    REJECT = "reject"
    RESOLVE = "resolve"
    WITHDRAW = "withdraw"


OPEN_STATES = frozenset(
    {ObjectionState.FILED, ObjectionState.IN_CONSULTATION, ObjectionState.RESOLUTION_PROPOSED}
)

PROCESSOR = "processor"
CONTROLLER = "controller"
BOTH = frozenset({PROCESSOR, CONTROLLER})

# The state machine: from each state, which action each party may take. A processor's
# message on a filed objection answers it, so it moves to in_consultation like /acknowledge.
# Nothing closes before the processor has acknowledged: the parties consult first (Art. 5.2).
# A proposal waits for the controller's accept or reject; the processor may still grant a
# concession meanwhile.
TRANSITIONS: dict[ObjectionState, dict[ObjectionAction, frozenset[str]]] = {
    ObjectionState.FILED: {
        ObjectionAction.ACKNOWLEDGE: frozenset({PROCESSOR}),
        ObjectionAction.MESSAGE: BOTH,
        ObjectionAction.WITHDRAW: frozenset({CONTROLLER}),
    },
    ObjectionState.IN_CONSULTATION: {
        ObjectionAction.MESSAGE: BOTH,
        ObjectionAction.PROPOSE: frozenset({PROCESSOR}),
        ObjectionAction.RESOLVE: frozenset({PROCESSOR}),
        ObjectionAction.WITHDRAW: frozenset({CONTROLLER}),
    },
    ObjectionState.RESOLUTION_PROPOSED: {
        ObjectionAction.MESSAGE: BOTH,
        ObjectionAction.ACCEPT: frozenset({CONTROLLER}),
        ObjectionAction.REJECT: frozenset({CONTROLLER}),
        ObjectionAction.RESOLVE: frozenset({PROCESSOR}),
        ObjectionAction.WITHDRAW: frozenset({CONTROLLER}),
    },
    ObjectionState.RESOLVED: {},
    ObjectionState.WITHDRAWN: {},
}


class Objection(Model):
    __tablename__ = "objections"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[ObjectionKind] = mapped_column(
        Enum(ObjectionKind, native_enum=False, length=16), default=ObjectionKind.CHANGE
    )
    # The change objected to; for a listed objection filed about a change that had taken
    # effect, that change, for the record.
    change_id: Mapped[int | None] = mapped_column(ForeignKey("changes.id"), index=True)
    # The sub-processor objected to: the one a change brings in or alters, or the listed one.
    subprocessor_id: Mapped[int] = mapped_column(ForeignKey("subprocessors.id"), index=True)
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
    # The processor's open proposal (resolution_proposed); cleared when the controller rejects.
    proposed_outcome: Mapped[Outcome | None] = mapped_column(
        Enum(Outcome, native_enum=False, length=32)
    )
    proposed_summary: Mapped[str | None] = mapped_column(Text)
    proposed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    withdraw_reason: Mapped[str | None] = mapped_column(Text)
    # Reminders are sent once each, by the worker.
    acknowledge_reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    consultation_reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    messages: Mapped[list[ObjectionMessage]] = relationship(
        back_populates="objection", order_by="ObjectionMessage.id"
    )
    processor: Mapped[Organisation] = relationship(foreign_keys=[processor_id], viewonly=True)
    controller: Mapped[Organisation] = relationship(foreign_keys=[controller_id], viewonly=True)

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    def allowed_actions(self, party: str) -> list[ObjectionAction]:
        """What ``party`` (processor or controller) may do from the current state."""
        return [action for action, who in TRANSITIONS[self.state].items() if party in who]

    def can(self, action: ObjectionAction, party: str) -> bool:
        return party in TRANSITIONS[self.state].get(action, frozenset())

    def can_acknowledge(self) -> bool:
        return self.can(ObjectionAction.ACKNOWLEDGE, PROCESSOR)

    def can_post_message(self, party: str) -> bool:
        return self.can(ObjectionAction.MESSAGE, party)

    def can_resolve(self) -> bool:
        return self.can(ObjectionAction.RESOLVE, PROCESSOR)

    @property
    def blocking(self) -> bool:
        """Whether, while open, it keeps the sub-processor from this controller's data."""
        return self.kind is ObjectionKind.CHANGE

    def can_withdraw(self) -> bool:
        return self.can(ObjectionAction.WITHDRAW, CONTROLLER)

    def acknowledge_overdue_at(self, moment: datetime) -> bool:
        return self.is_open and self.acknowledged_at is None and moment > self.acknowledge_due_at

    def consultation_overdue_at(self, moment: datetime) -> bool:
        return self.is_open and moment > self.consultation_due_at

    def overdue_at(self, moment: datetime) -> bool:
        """Open past a deadline: unacknowledged after acknowledge_due_at, or unresolved after
        consultation_due_at. At the due moment itself it is still on time."""
        return self.acknowledge_overdue_at(moment) or self.consultation_overdue_at(moment)

    @property
    def overdue(self) -> bool:
        return self.overdue_at(clock.now())


class ObjectionMessage(Model):
    __tablename__ = "objection_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    objection_id: Mapped[int] = mapped_column(ForeignKey("objections.id"), index=True)
    author_org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    author_token_id: Mapped[int | None] = mapped_column(ForeignKey("api_tokens.id"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    objection: Mapped[Objection] = relationship(back_populates="messages")
    author: Mapped[Organisation] = relationship(viewonly=True)

    @property
    def by(self) -> str:
        """Which party wrote it."""
        return PROCESSOR if self.author_org_id == self.objection.processor_id else CONTROLLER
