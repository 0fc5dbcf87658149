"""Sending: sender threads that each claim a batch and send it over one connection.

WORKER_CONNECTIONS threads do this side by side, beside the expansion: one composes while
another waits for the mail server. Each batch's ledger records every outcome the moment it is
known (``ledger.py``). Each message carries the delivery's stored Message-ID, so every attempt
of it is the same message to the receiver. A message that cannot be composed or sent fails
alone: the rest of its batch goes out.
"""

from __future__ import annotations

import logging
import threading
from collections import Counter
from collections.abc import Sequence
from typing import Any

from flask import current_app
from flask_mail import BadHeaderError
from sqlalchemy import select

from registry.extensions import db
from registry.notifications.kinds import get_kind
from registry.notifications.ledger import Ledger
from registry.notifications.models import Delivery, Notice
from registry.notifications.outbox import SUPPRESSED, claim_due
from registry.notifications.outcomes import LedgerFailed, Outcome, OutgoingMail, Result, Transport
from registry.notifications.render import with_personal_links
from registry.notifications.smtp import describe
from registry.notifications.suppressions import normalise_email, suppressed_among
from registry.notifications.transports import Unsendable, message_bytes

log = logging.getLogger(__name__)


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
    """Claim one batch and send it, each outcome recorded as it comes; [] when nothing is due."""
    claim = claim_due(limit=limit or int(current_app.config["WORKER_BATCH_SIZE"]))
    if not claim.attempts:
        return []
    rows = db.session.execute(
        select(
            Delivery.id,
            Delivery.recipient,
            Delivery.message_id,
            Delivery.payload,
            Delivery.subscription_id,
            Notice.kind,
        )
        .join(Notice, Notice.id == Delivery.notice_id)
        .where(Delivery.id.in_(claim.attempts))
        .order_by(Delivery.id)
    ).all()
    # Suppression stops subscriber mail only: contractual notices are always attempted.
    suppressed = suppressed_among([r.recipient for r in rows if r.subscription_id is not None])
    # Personal links are made now, never stored (render.py); before the network is slow.
    # Only a contact's mail has one: a subscriber's is sent as it is stored.
    payloads = {
        row.id: row.payload
        if row.subscription_id is not None
        else with_personal_links(row.payload or {}, row.recipient)
        for row in rows
    }
    db.session.rollback()  # no transaction stays open while the network is slow
    recipients = {row.id: row.recipient for row in rows}
    with Ledger(claim, recipients=recipients, scrubbed=_scrubbed(rows)) as ledger:
        mails: list[OutgoingMail] = []
        for row in rows:
            if row.subscription_id is not None and normalise_email(row.recipient) in suppressed:
                ledger.record(Result(row.id, Outcome.DEAD, SUPPRESSED))
                continue
            try:
                # Composed here, in a sender thread, where it overlaps other connections' waits.
                data = message_bytes(
                    recipient=row.recipient, message_id=row.message_id, payload=payloads[row.id]
                )
            except Exception as error:
                ledger.record(Result(row.id, Outcome.DEAD, _why_uncomposable(error)))
            else:
                mails.append(OutgoingMail(row.id, row.recipient, data))
        _send(transport, mails, ledger)
    return ledger.results


def _send(transport: Transport, mails: list[OutgoingMail], ledger: Ledger) -> None:
    """Let the transport send; whatever it left without an outcome is retried later."""
    reason = "the transport reported no outcome"
    try:
        transport.send_batch(mails, ledger)
    except LedgerFailed:
        raise
    except Exception as error:
        log.exception("the %s transport failed mid-batch", transport.name)
        reason = f"the transport failed: {describe(error)}"
    for mail in mails:
        if ledger.still_held(mail.delivery_id):
            ledger.record(Result(mail.delivery_id, Outcome.RETRY, reason))


def _why_uncomposable(error: Exception) -> str:
    # Composing depends only on the stored payload: retrying cannot mend it.
    if isinstance(error, BadHeaderError):
        return "a header contains a line break"
    if isinstance(error, Unsendable):
        return str(error)
    return f"the message cannot be composed: {describe(error)}"


def _scrubbed(rows: Sequence[Any]) -> dict[int, dict[str, Any]]:
    """Sent mail of kinds with secrets keeps only its subject in the outbox."""
    return {
        row.id: {"subject": (row.payload or {}).get("subject"), "scrubbed": True}
        for row in rows
        if _has_secrets(row.kind)
    }


def _has_secrets(kind: str) -> bool:
    try:
        return bool(get_kind(kind).secret_data)
    except LookupError:  # a kind no longer registered: nothing known to hide
        return False
