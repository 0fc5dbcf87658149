"""Recording each outcome of a claimed batch as it happens, and keeping the claim alive.

A transport reports each outcome to its batch's ledger. The ledger writes it in a thread of its
own, on a database connection of its own (``outbox.open_connection``), while the transport goes
on with the next message (``flush``: the SMTP transport calls it as soon as it has asked the
server to take the next MAIL); before that next message can be accepted, the transport waits
for the write (``settle``). A worker killed at any moment thus leaves at most one message per
connection that the server accepted and that is not marked sent: the one duplicate a later
worker sends, with the same Message-ID.

While the batch is in flight the ledger extends the lease of what it has not sent yet, once half
of it has passed, whether or not outcomes come in: a slow or silent mail server never lets
another worker claim messages still queued here. A delivery whose claim was taken meanwhile (its
lease ran out, or it was requeued) is not sent.
"""

from __future__ import annotations

import threading
from datetime import datetime
from types import TracebackType
from typing import Any

from flask import current_app
from sqlalchemy import Connection
from sqlalchemy.exc import DBAPIError

from registry import clock
from registry.notifications.outbox import (
    Claim,
    close_connection,
    extend_lease,
    lease_of,
    one_writer,
    open_connection,
    record_outcomes,
)
from registry.notifications.outcomes import LedgerFailed, Result
from registry.notifications.suppressions import suppress


class Ledger:
    """The recorder of one claimed batch (``outcomes.Ledger``); a context manager that writes
    what is left on a clean exit."""

    def __init__(
        self, claim: Claim, *, recipients: dict[int, str], scrubbed: dict[int, dict[str, Any]]
    ) -> None:
        self.app = current_app._get_current_object()  # type: ignore[attr-defined]
        self.results: list[Result] = []
        self._claim = claim
        self._duration = lease_of("DELIVERY_LEASE_SECONDS")
        self._recipients = recipients
        self._scrubbed = scrubbed
        self._unsent = set(claim.attempts)  # held by this batch, no outcome reported yet
        self._pending: list[Result] = []  # reported, not yet handed to the writer
        self._writing = False
        self._closing = False
        self._failure: BaseException | None = None
        self._changed = threading.Condition()
        self._writer = threading.Thread(target=self._run, name="registry-ledger", daemon=True)

    def __enter__(self) -> Ledger:
        self._writer.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        try:
            if exc is None:
                self.settle()
        finally:
            with self._changed:
                self._closing = True
                self._changed.notify_all()
            self._writer.join()

    # --- the transport's side ----------------------------------------------------------------

    def still_held(self, delivery_id: int) -> bool:
        with self._changed:
            if self._failure is not None or delivery_id not in self._unsent:
                return False
            # A lease that could not be extended is left alone well before it runs out and
            # another worker may claim the rest.
            return self._claim.lease - clock.now() > self._duration / 4

    def record(self, result: Result) -> None:
        with self._changed:
            self._unsent.discard(result.delivery_id)
            self._pending.append(result)
            self.results.append(result)

    def flush(self) -> None:
        """Start writing what was reported; returns at once."""
        with self._changed:
            if self._pending and not self._writing:
                self._writing = True
                self._changed.notify_all()

    def settle(self) -> None:
        """Wait until everything reported is written; LedgerFailed if it cannot be."""
        with self._changed:
            while True:
                if self._failure is not None:
                    raise LedgerFailed("outcomes could not be recorded") from self._failure
                if not self._writing and not self._pending:
                    return
                if not self._writing:
                    self._writing = True
                    self._changed.notify_all()
                self._changed.wait()

    # --- the writer's thread -----------------------------------------------------------------

    def _run(self) -> None:
        try:
            with self.app.app_context():
                connection = open_connection()
                try:
                    while (work := self._next()) is not None:
                        connection = self._write_or_fail(connection, *work)
                finally:
                    close_connection(connection)
        except BaseException as error:  # no database at all: the sender learns it in settle()
            with self._changed:
                self._failure = self._failure or error
                self._writing = False
                self._changed.notify_all()

    def _next(self) -> tuple[list[Result], set[int]] | None:
        """Wait for outcomes to write, the moment to extend the lease, or the end."""
        with self._changed:
            while True:
                due = self._lease_due()
                if self._closing and not self._writing:
                    return None
                if self._writing or due:
                    self._writing = True
                    results, self._pending = self._pending, []
                    return results, set(self._unsent) if due else set()
                half = (self._claim.lease - clock.now() - self._duration / 2).total_seconds()
                keep = self._unsent and self._failure is None
                self._changed.wait(max(0.01, half) if keep else None)

    def _lease_due(self) -> bool:
        spent = self._claim.lease - clock.now() <= self._duration / 2
        return spent and bool(self._unsent) and self._failure is None

    def _write_or_fail(
        self, connection: Connection, results: list[Result], extend: set[int]
    ) -> Connection:
        """Write; after a database error, once more on a new connection (a restarted server,
        a terminated backend): writes are guarded by the lease, so repeating one is harmless."""
        failure: BaseException | None = None
        try:
            try:
                self._write(connection, results, extend)
            except DBAPIError:
                close_connection(connection)
                connection = open_connection()
                self._write(connection, results, extend)
        except Exception as error:
            failure = error
        with self._changed:
            self._failure = self._failure or failure
            self._writing = False
            self._changed.notify_all()
        return connection

    def _write(self, connection: Connection, results: list[Result], extend: set[int]) -> None:
        if not results and not extend:
            return
        moment: datetime = clock.now()
        until = moment + self._duration
        with one_writer(connection.dialect.name), connection.begin():
            record_outcomes(connection, results, claim=self._claim, scrubbed=self._scrubbed)
            for result in results:
                if result.suppress:
                    address = self._recipients[result.delivery_id]
                    suppress(connection, address=address, reason=result.error or "refused")
            held = extend_lease(connection, extend, lease=self._claim.lease, until=until)
        if extend:
            with self._changed:
                self._claim = Claim(self._claim.attempts, until)
                self._unsent -= extend - held
