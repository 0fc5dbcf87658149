"""Sending: sender threads that each claim a batch, send it over one connection and mark it.

WORKER_CONNECTIONS threads do this side by side, beside the expansion: one composes and
records while another waits for the mail server. Each message carries the delivery's stored
Message-ID, so every attempt of it is the same message to the receiver.
"""

from __future__ import annotations

import threading
from collections import Counter
from typing import Any

from flask import current_app
from flask_mail import BadHeaderError
from sqlalchemy import select

from registry.extensions import db
from registry.notifications.models import Delivery
from registry.notifications.outbox import SUPPRESSED, claim_due, mark
from registry.notifications.service import normalise_email, suppressed_among
from registry.notifications.transports import Outcome, OutgoingMail, Result, Transport, compose


class Senders:
    """WORKER_CONNECTIONS threads sending due batches while notices are being expanded.

    Each thread has its own app context and session, claims its own batches and sends each
    over one connection. It sleeps until the expansion commits more (``more``), and ends
    once expanding is over (``finish``) and nothing is left that is due.
    """

    def __init__(self, transport: Transport, *, max_batches: int) -> None:
        self.app = current_app._get_current_object()  # type: ignore[attr-defined]
        self.transport = transport
        self.max_batches = max_batches
        self.outcomes: Counter[str] = Counter()
        self.failures: list[BaseException] = []
        self._changed = threading.Condition()
        self._version = 0
        self._done = False
        connections = max(1, int(self.app.config["WORKER_CONNECTIONS"]))
        self.threads = [
            threading.Thread(target=self._run, name=f"registry-smtp-{n}", daemon=True)
            for n in range(connections)
        ]
        for thread in self.threads:
            thread.start()

    def more(self) -> None:
        with self._changed:
            self._version += 1
            self._changed.notify_all()

    def finish(self) -> Counter[str]:
        """Let the threads drain what is due, wait for them, and answer what they did."""
        with self._changed:
            self._done = True
            self._changed.notify_all()
        for thread in self.threads:
            thread.join()
        if self.failures:
            raise self.failures[0]
        return self.outcomes

    def _state(self) -> tuple[int, bool]:
        with self._changed:
            return self._version, self._done

    def _run(self) -> None:
        try:
            with self.app.app_context():
                self._loop()
        except BaseException as error:  # re-raised by finish(), in the worker's thread
            self.failures.append(error)

    def _loop(self) -> None:
        batches = 0
        while batches < self.max_batches:
            # Read the state before claiming: a chunk committed after this is waited for.
            version, done = self._state()
            results = send_due(transport=self.transport)
            if results:
                batches += 1
                with self._changed:
                    self.outcomes.update(r.outcome.value for r in results)
                continue
            if done:
                return
            self._wait_after(version)

    def _wait_after(self, version: int) -> None:
        with self._changed:
            self._changed.wait_for(lambda: self._version != version or self._done)


def send_due(*, transport: Transport, limit: int | None = None) -> list[Result]:
    """Claim one batch, send it, mark each delivery; [] when nothing is due."""
    attempts, lease = claim_due(limit=limit or int(current_app.config["WORKER_BATCH_SIZE"]))
    if not attempts:
        return []
    rows = db.session.execute(
        select(Delivery.id, Delivery.recipient, Delivery.message_id, Delivery.payload)
        .where(Delivery.id.in_(attempts))
        .order_by(Delivery.id)
    ).all()
    suppressed = suppressed_among([row.recipient for row in rows])
    db.session.rollback()  # no transaction stays open while the network is slow
    results: list[Result] = []
    mails: list[OutgoingMail] = []
    for row in rows:
        if normalise_email(row.recipient) in suppressed:
            results.append(Result(row.id, Outcome.DEAD, SUPPRESSED))
            continue
        try:
            mails.append(OutgoingMail(row.id, row.recipient, _composed(row)))
        except BadHeaderError:
            # Retrying cannot mend a header with a line break in it.
            results.append(Result(row.id, Outcome.DEAD, "a header contains a line break"))
    results.extend(transport.send_batch(mails))
    mark(
        results,
        lease=lease,
        attempts=attempts,
        recipients={row.id: row.recipient for row in rows},
    )
    return results


def _composed(row: Any) -> bytes:
    # Composed here, in a sender thread, where it overlaps other connections' round trips.
    mime = compose(recipient=row.recipient, message_id=row.message_id, payload=row.payload)
    return mime.encode("ascii")
