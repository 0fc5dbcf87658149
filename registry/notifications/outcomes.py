"""What a transport is given, what it answers, and where it reports each outcome.

A transport sends a batch of composed messages and reports each delivery's ``Result`` to the
batch's ``Ledger`` the moment it is known. It never touches the database: the ledger records,
and the outbox decides what each outcome means.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Protocol


class Outcome(enum.StrEnum):
    SENT = "sent"
    RETRY = "retry"  # transient: connection refused, timeout, SMTP 4xx
    DEAD = "dead"  # permanent: SMTP 5xx, or a message that can never be composed or sent


@dataclass(frozen=True)
class OutgoingMail:
    delivery_id: int
    recipient: str
    data: bytes  # the composed message (``transports.compose``)


@dataclass(frozen=True)
class Result:
    delivery_id: int
    outcome: Outcome
    error: str | None = None
    # The mailbox itself is gone (5.1.x, 5.2.1): no more subscriber mail to the address.
    suppress: bool = False


class LedgerFailed(RuntimeError):
    """The database could not record an outcome: stop sending, the claim's lease returns the
    rest of the batch."""


class Ledger(Protocol):
    """Where a transport reports outcomes (``notifications.ledger.Ledger``)."""

    def still_held(self, delivery_id: int) -> bool:
        """Whether this batch's claim on the delivery stands: send it only then."""
        ...

    def record(self, result: Result) -> None:
        """Report one outcome."""
        ...

    def flush(self) -> None:
        """Start writing the outcomes reported so far; returns at once."""
        ...

    def settle(self) -> None:
        """Wait until every outcome reported so far is written. Call it before the next
        message can be accepted, so a crash leaves at most one accepted message unrecorded."""
        ...


class Transport(Protocol):
    name: str

    def send_batch(self, mails: list[OutgoingMail], ledger: Ledger) -> None: ...
