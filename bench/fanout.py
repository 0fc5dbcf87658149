"""Fan-out benchmark: one announcement to 2,000 confirmed subscribers.

Prints
- the announce request's time with 2,000 subscribers next to the same request with none
  (the request writes one notice; the worker expands it later, so the two should match);
- the time from the announce request until the last of the 2,000 mails reaches a local
  aiosmtpd sink, next to a raw smtplib loop sending the same 2,000 messages (composed
  beforehand, so the loop only transmits) over one connection to the same sink;
- their ratio (raw time / registry time; the target is >= 0.7).

The sink runs in its own process so that it does not compete with the worker for the GIL.
Uses a temporary SQLite database and instance folder; nothing outside them is touched.

    .venv/bin/python bench/fanout.py [--subscribers 2000]
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import secrets
import smtplib
import statistics
import sys
import tempfile
import threading
import time
from datetime import timedelta
from multiprocessing.sharedctypes import Synchronized
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

SENDER = "registry@bench.example"


# --- the sink, in a process of its own ----------------------------------------------------------


def run_sink(port: int, count: Synchronized[int], last: Synchronized[float], ready: Any) -> None:
    from aiosmtpd.controller import Controller

    class Handler:
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
            with count.get_lock():
                count.value += 1
            last.value = time.monotonic()  # CLOCK_MONOTONIC is system-wide on Linux
            return "250 OK"

    controller = Controller(Handler(), hostname="127.0.0.1", port=port)
    controller.start()
    ready.set()
    threading.Event().wait()


class Sink:
    def __init__(self) -> None:
        import socket

        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = int(probe.getsockname()[1])
        context = multiprocessing.get_context("spawn")
        self.count: Synchronized[int] = context.Value("i", 0)
        self.last: Synchronized[float] = context.Value("d", 0.0)
        ready = context.Event()
        self.process = context.Process(
            target=run_sink, args=(self.port, self.count, self.last, ready), daemon=True
        )
        self.process.start()
        if not ready.wait(30):
            raise RuntimeError("the SMTP sink did not start")

    def reset(self) -> None:
        with self.count.get_lock():
            self.count.value = 0
        self.last.value = 0.0

    def wait_for(self, expected: int, timeout: float = 600) -> float:
        """Block until ``expected`` messages arrived; answer the moment the last one did."""
        deadline = time.monotonic() + timeout
        while self.count.value < expected:
            if time.monotonic() > deadline:
                raise RuntimeError(f"only {self.count.value} of {expected} messages arrived")
            time.sleep(0.005)
        return float(self.last.value)

    def stop(self) -> None:
        self.process.terminate()
        self.process.join(10)


# --- the registry -------------------------------------------------------------------------------


def make_app(workdir: Path, sink: Sink) -> Any:
    os.environ["REGISTRY_INSTANCE_PATH"] = str(workdir / "instance")
    from registry import create_app

    return create_app(
        {
            "DATABASE_URL": f"sqlite:///{workdir / 'bench.sqlite3'}",
            "BASE_URL": "https://registry.bench.example",
            "MAIL_SERVER": "127.0.0.1",
            "MAIL_PORT": sink.port,
            "MAIL_DEFAULT_SENDER": SENDER,
            "RATELIMIT_ENABLED": False,
            # The worker sleeps this long only when a pass found nothing to do.
            "WORKER_POLL_SECONDS": 0.05,
        }
    )


def make_processor(slug: str, subscribers: int) -> tuple[Any, dict[str, str]]:
    from sqlalchemy import insert

    from registry import clock
    from registry.extensions import db
    from registry.notifications.models import Subscription, SubscriptionStatus
    from registry.organisations import service as organisations
    from registry.organisations.models import OrgKind

    processor = organisations.create_organisation(
        slug=slug,
        name=f"{slug.title()} B.V.",
        kind=OrgKind.PROCESSOR,
        country="NL",
        email=f"privacy@{slug}.example",
    )
    _, secret = organisations.create_token(organisation=processor, name="bench")
    moment = clock.now()
    # Setup only: rows as confirmation would leave them, written in bulk.
    rows = [
        {
            "processor_id": processor.id,
            "email": f"subscriber{index}@{slug}.example",
            "language": "nl" if index % 2 else "en",
            "status": SubscriptionStatus.CONFIRMED,
            "unsubscribe_token": secrets.token_urlsafe(32),
            "created_at": moment,
            "confirmed_at": moment,
        }
        for index in range(subscribers)
    ]
    if rows:
        db.session.execute(insert(Subscription), rows)
    db.session.commit()
    return processor, {"Authorization": f"Bearer {secret}"}


def announce(client: Any, slug: str, headers: dict[str, str], name: str) -> float:
    """POST an announcement; answer the request's wall time in seconds."""
    from registry import clock
    from tests.factories import EntryFactory

    body = {
        "action": "add",
        "reason": "Second data centre for resilience",
        "effective_at": (clock.now() + timedelta(days=31)).isoformat(),
        "subprocessor": EntryFactory(name=name),
    }
    started = time.perf_counter()
    response = client.post(f"/api/v1/processors/{slug}/changes", json=body, headers=headers)
    elapsed = time.perf_counter() - started
    if response.status_code != 201:
        raise RuntimeError(f"announce failed: {response.status_code} {response.get_data(True)}")
    return elapsed


def outbox_counts() -> tuple[int, int]:
    from sqlalchemy import func, select

    from registry.extensions import db
    from registry.notifications.models import Delivery, Notice

    notices = db.session.scalar(select(func.count()).select_from(Notice)) or 0
    deliveries = db.session.scalar(select(func.count()).select_from(Delivery)) or 0
    db.session.rollback()
    return int(notices), int(deliveries)


def prebuilt_messages(processor_id: int) -> list[tuple[str, bytes]]:
    """The registry's own 2,000 messages, composed as the worker composes them, up front."""
    from sqlalchemy import select

    from registry.extensions import db
    from registry.notifications.models import Delivery
    from registry.notifications.transports import compose

    rows = db.session.execute(
        select(Delivery.recipient, Delivery.message_id, Delivery.payload).where(
            Delivery.processor_id == processor_id
        )
    ).all()
    db.session.rollback()
    messages = []
    for row in rows:
        mime = compose(recipient=row.recipient, message_id=row.message_id, payload=row.payload)
        messages.append((row.recipient, mime.encode("ascii")))
    return messages


def raw_loop(sink: Sink, messages: list[tuple[str, bytes]]) -> float:
    sink.reset()
    started = time.monotonic()
    with smtplib.SMTP("127.0.0.1", sink.port) as smtp:
        for recipient, data in messages:
            smtp.sendmail(SENDER, [recipient], data)
    return sink.wait_for(len(messages)) - started


def deliver_announcement(
    client: Any, sink: Sink, slug: str, headers: dict[str, str], expected: int
) -> tuple[float, float, int]:
    """Announce while the worker polls; wait until the last mail reached the sink.

    Answers the request's time, the time from the request until the last mail arrived, and
    how many notices the request wrote.
    """
    sink.reset()
    before = outbox_counts()
    started = time.monotonic()
    request_time = announce(client, slug, headers, "Nordhosting")
    after = outbox_counts()
    last_arrival = sink.wait_for(expected)
    return request_time, last_arrival - started, after[0] - before[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--subscribers", type=int, default=2000)
    parser.add_argument("--repeat-empty", type=int, default=5)
    options = parser.parse_args()
    subscribers = options.subscribers

    sink = Sink()
    with tempfile.TemporaryDirectory(prefix="fanout-") as tmp:
        app = make_app(Path(tmp), sink)
        from registry.extensions import db
        from registry.notifications import worker

        with app.app_context():
            db.create_all()
            client = app.test_client()
            crowd, crowd_headers = make_processor("crowded", subscribers)
            single, single_headers = make_processor("single", subscribers)
            _, empty_headers = make_processor("quiet", 0)
            _, warm_headers = make_processor("warmup", 2)

            # Warm up the request path, the templates and one SMTP round trip.
            announce(client, "warmup", warm_headers, "Warmup")
            worker.run_once()
            sink.wait_for(2)

            # From here on a worker polls beside the requests, as in production.
            stop = threading.Event()
            polling = threading.Thread(
                target=worker.run_forever, args=(app,), kwargs={"stop": stop}
            )
            polling.start()
            time.sleep(0.2)
            empty_times = []
            for index in range(options.repeat_empty):
                empty_times.append(announce(client, "quiet", empty_headers, f"Quiet {index}"))
                time.sleep(0.1)

            connections = int(app.config["WORKER_CONNECTIONS"])
            crowd_time, registry_time, written = deliver_announcement(
                client, sink, "crowded", crowd_headers, subscribers
            )
            app.config["WORKER_CONNECTIONS"] = 1
            single_request, single_time, _ = deliver_announcement(
                client, sink, "single", single_headers, subscribers
            )
            stop.set()
            polling.join(30)

            messages = prebuilt_messages(crowd.id)
            raw_times = [raw_loop(sink, messages), raw_loop(sink, messages)]
            raw_time = min(raw_times)
        sink.stop()

    print(f"subscribers: {subscribers}")
    print(
        f"announce request, {subscribers} subscribers: {crowd_time * 1000:7.1f} ms, "
        f"{single_request * 1000:.1f} ms "
        f"(each wrote {written} notice; the worker writes the deliveries)"
    )
    print(
        f"announce request, 0 subscribers:    {statistics.median(empty_times) * 1000:7.1f} ms "
        f"(median of {len(empty_times)}; range "
        f"{min(empty_times) * 1000:.1f}-{max(empty_times) * 1000:.1f} ms)"
    )
    print(
        f"registry, {connections} SMTP connections (default): announce -> last of "
        f"{subscribers} mails at the sink: {registry_time:6.2f} s "
        f"({subscribers / registry_time:5.0f} mails/s)"
    )
    print(
        f"registry, 1 SMTP connection:             announce -> last of "
        f"{subscribers} mails at the sink: {single_time:6.2f} s "
        f"({subscribers / single_time:5.0f} mails/s)"
    )
    print(
        f"raw smtplib loop, same {subscribers} messages, 1 connection: {raw_time:6.2f} s "
        f"({subscribers / raw_time:5.0f} mails/s; runs "
        + ", ".join(f"{t:.2f}" for t in raw_times)
        + " s)"
    )
    for label, elapsed in (("default", registry_time), ("1 connection", single_time)):
        ratio = raw_time / elapsed
        verdict = "OK" if ratio >= 0.7 else "BELOW"
        print(f"ratio raw/registry ({label}): {ratio:.2f} (target >= 0.70) {verdict}")


if __name__ == "__main__":
    main()
