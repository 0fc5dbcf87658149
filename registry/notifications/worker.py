"""The delivery worker: run the domains' jobs, expand notices, send what is due.

Each step runs in transactions of its own, so any number of workers can run at once:

1. The periodic jobs domains registered (``jobs.py``) queue what time alone made due.
2. Each unexpanded notice becomes one rendered delivery per recipient (``expansion.py``).
3. Sender threads claim due deliveries under a lease, send each batch over one connection
   and record each outcome as it comes (``senders.py``, ``ledger.py``, ``outbox.py``); they
   start as soon as the first chunk of deliveries is written.

Delivery is at-least-once: a worker killed mid-batch sends again, after the lease, at most the
one message per connection that the server had accepted and the worker had not yet recorded;
the stable Message-ID lets receivers drop that duplicate.
"""

from __future__ import annotations

import logging
import threading
from collections import Counter
from dataclasses import dataclass, field

from flask import Flask, current_app

from registry import clock
from registry.notifications.expansion import expand_next_notice
from registry.notifications.jobs import run_jobs
from registry.notifications.senders import Senders
from registry.notifications.transports import Outcome, Transport, transport_for_app

log = logging.getLogger(__name__)


@dataclass
class Stats:
    jobs: Counter[str] = field(default_factory=Counter)
    notices_expanded: int = 0
    deliveries_created: int = 0
    notices_failed: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)

    @property
    def sent(self) -> int:
        return self.outcomes[Outcome.SENT.value]

    @property
    def idle(self) -> bool:
        return not (sum(self.jobs.values()) or self.notices_expanded or sum(self.outcomes.values()))

    def as_dict(self) -> dict[str, int]:
        return {
            **dict(sorted(self.jobs.items())),
            "notices_expanded": self.notices_expanded,
            "deliveries_created": self.deliveries_created,
            "notices_failed": self.notices_failed,
            "sent": self.outcomes[Outcome.SENT.value],
            "retry": self.outcomes[Outcome.RETRY.value],
            "dead": self.outcomes[Outcome.DEAD.value],
        }


def run_once(
    app: Flask | None = None, *, transport: Transport | None = None, max_batches: int = 1000
) -> Stats:
    """One pass: run the jobs, expand every notice, send every due delivery."""
    if app is not None:
        with app.app_context():
            return run_once(transport=transport, max_batches=max_batches)
    stats = Stats()
    stats.jobs.update(run_jobs(clock.now()))
    senders = Senders(transport or transport_for_app(), max_batches=max_batches)
    try:
        broken: set[int] = set()
        while (expanded := expand_next_notice(skip=broken, on_chunk=senders.more)) is not None:
            notice_id, created = expanded
            if created is None:
                broken.add(notice_id)
            else:
                stats.notices_expanded += 1
                stats.deliveries_created += created
        stats.notices_failed = len(broken)
    finally:
        stats.outcomes.update(senders.finish())
    return stats


def run_forever(app: Flask | None = None, *, stop: threading.Event | None = None) -> None:
    """Poll every WORKER_POLL_SECONDS until ``stop`` is set (or the process ends)."""
    flask_app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    stop = stop or threading.Event()
    poll = float(flask_app.config["WORKER_POLL_SECONDS"])
    failures = 0
    while not stop.is_set():
        try:
            stats = run_once(flask_app)
        except Exception:
            # A database or network hiccup must not end the worker: wait longer after each
            # failed pass (up to a minute), then start afresh.
            failures += 1
            log.exception("delivery pass failed (%d in a row)", failures)
            stop.wait(min(60.0, poll * 2**failures))
            continue
        failures = 0
        if stats.idle:
            stop.wait(poll)
