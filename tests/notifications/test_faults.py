"""Faults under a real worker process: killed mid-batch, its mail server restarted, its database
connections terminated, a poison address among many. Every test prints expected / delivered /
duplicates / lost, and asserts that nothing is lost and that duplicates stay within one per SMTP
connection (a message accepted by the server whose acceptance the worker could not record).

They run on PostgreSQL only (CI's second pass): several processes share the database, and leases
and timeouts are short, so the whole module takes seconds.
"""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import IO, Any

import pytest
from flask import Flask
from sqlalchemy import func, insert, select, text

from registry import PROJECT_ROOT, clock
from registry.extensions import db
from registry.notifications.models import Delivery, DeliveryStatus, Subscription
from registry.notifications.models import SubscriptionStatus as Status
from registry.subprocessors import service as subprocessors
from tests.conftest import TEST_DATABASE_URL, SmtpServer
from tests.factories import EntryFactory, Party, PartyFactory

pytestmark = pytest.mark.skipif(
    not TEST_DATABASE_URL.startswith("postgres"),
    reason="fault tests run worker processes against one PostgreSQL database "
    "(CI's PostgreSQL pass); SQLite has one writer",
)

CONNECTIONS = 2
WORKER_NAME = "registry-fault-worker"
POISON = "\u0455ub1@example.org"  # a Cyrillic "s", stored before addresses were checked


@pytest.fixture
def processor(app: Flask) -> Party:
    return PartyFactory(kind="processor", slug="faulty", name="Faulty B.V.")


def announce_to_subscribers(processor: Party, addresses: list[str]) -> None:
    """Confirmed subscribers and one announcement, as of the real time the worker runs in."""
    with clock.freeze(datetime.now(UTC)):
        rows = [
            {
                "processor_id": processor.organisation.id,
                "email": address,
                "language": "en",
                "status": Status.CONFIRMED,
                "unsubscribe_token": secrets.token_urlsafe(32),
                "created_at": clock.now(),
                "confirmed_at": clock.now(),
            }
            for address in addresses
        ]
        db.session.execute(insert(Subscription), rows)
        subprocessors.announce_change(
            processor=processor.organisation,
            action="add",
            reason="Second data centre",
            subprocessor=EntryFactory(),
            effective_at=clock.now() + timedelta(days=60),
        )
        db.session.commit()


def readers(count: int) -> list[str]:
    return [f"reader{index}@example.org" for index in range(count)]


class Workers:
    """``registry worker`` processes on the test database and the test's SMTP server."""

    def __init__(self, tmp_path: Path, smtp_server: SmtpServer) -> None:
        self.tmp_path = tmp_path
        self.processes: list[subprocess.Popen[bytes]] = []
        self.logfiles: list[IO[bytes]] = []
        separator = "&" if "?" in TEST_DATABASE_URL else "?"
        self.env = {
            **os.environ,
            "REGISTRY_DATABASE_URL": f"{TEST_DATABASE_URL}{separator}application_name="
            + WORKER_NAME,
            "REGISTRY_INSTANCE_PATH": str(tmp_path),
            "REGISTRY_BASE_URL": "https://registry.test",
            "REGISTRY_MAIL_SERVER": "127.0.0.1",
            "REGISTRY_MAIL_PORT": str(smtp_server.port),
            "REGISTRY_MAIL_DEFAULT_SENDER": "registry@registry.test",
            "REGISTRY_MAIL_TIMEOUT": "2",
            "REGISTRY_WORKER_CONNECTIONS": str(CONNECTIONS),
            "REGISTRY_WORKER_BATCH_SIZE": "100",
            "REGISTRY_WORKER_POLL_SECONDS": "0.1",
            "REGISTRY_DELIVERY_LEASE_SECONDS": "2",
            "REGISTRY_NOTICE_LEASE_SECONDS": "2",
            "REGISTRY_DELIVERY_BACKOFF_SECONDS": "0.2",
            "REGISTRY_DELIVERY_BACKOFF_MAX_SECONDS": "1",
        }

    def start(self, *arguments: str) -> subprocess.Popen[bytes]:
        log = (self.tmp_path / f"worker-{len(self.processes)}.log").open("wb")
        self.logfiles.append(log)
        process = subprocess.Popen(
            [sys.executable, "-m", "registry.cli", "worker", *arguments],
            cwd=PROJECT_ROOT,
            env=self.env,
            stdout=subprocess.PIPE if arguments else log,
            stderr=log,
        )
        self.processes.append(process)
        return process

    def stop_all(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        for log in self.logfiles:
            log.close()

    def logs(self) -> str:
        return "\n".join(path.read_text() for path in sorted(self.tmp_path.glob("worker-*.log")))


@pytest.fixture
def workers(app: Flask, tmp_path: Path, smtp_server: SmtpServer) -> Iterator[Workers]:
    running = Workers(tmp_path, smtp_server)
    yield running
    running.stop_all()  # before the app's teardown empties the tables under them


def wait_until(condition: Callable[[], bool], *, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting until {what}")
        time.sleep(0.01)


def sent_in_database() -> int:
    count = db.session.scalar(
        select(func.count()).select_from(Delivery).where(Delivery.status == DeliveryStatus.SENT)
    )
    db.session.rollback()
    return int(count or 0)


def arrived(smtp_server: SmtpServer) -> Counter[str]:
    return Counter(str(message["Message-ID"]) for message in list(smtp_server.messages))


def tally(name: str, smtp_server: SmtpServer, expected_addresses: list[str]) -> dict[str, int]:
    """Compare what arrived with the deliveries the addresses should have had; print it."""
    expected = set(
        db.session.scalars(
            select(Delivery.message_id).where(Delivery.recipient.in_(expected_addresses))
        )
    )
    db.session.rollback()
    received = arrived(smtp_server)
    counts = {
        "expected": len(expected_addresses),
        "delivered": len(expected & set(received)),
        "duplicates": sum(received.values()) - len(received),
        "lost": len(expected_addresses) - len(expected & set(received)),
    }
    print(f"{name}: " + " / ".join(f"{key} {value}" for key, value in counts.items()))
    return counts


def deliver_all(
    workers: Workers, smtp_server: SmtpServer, count: int, *, timeout: float = 40
) -> None:
    try:
        wait_until(
            lambda: len(arrived(smtp_server)) >= count and sent_in_database() >= count,
            timeout=timeout,
            what=f"{count} messages arrived and were marked sent",
        )
    except AssertionError:
        print(workers.logs()[-4000:])
        raise


def test_a_worker_killed_mid_batch(
    processor: Party, smtp_server: SmtpServer, workers: Workers
) -> None:
    addresses = readers(600)
    announce_to_subscribers(processor, addresses)
    first = workers.start()
    wait_until(lambda: len(smtp_server.messages) >= 150, timeout=30, what="150 arrived")
    first.kill()  # SIGKILL: no cleanup, its claims stay until their lease runs out
    first.wait()
    assert len(smtp_server.messages) < 600, "the worker finished before it could be killed"
    workers.start()
    deliver_all(workers, smtp_server, 600)
    counts = tally("SIGKILL mid-batch", smtp_server, addresses)
    assert counts["delivered"] == 600 and counts["lost"] == 0
    assert counts["duplicates"] <= CONNECTIONS


def test_the_mail_server_restarted_mid_delivery(
    processor: Party, smtp_server: SmtpServer, workers: Workers
) -> None:
    addresses = readers(400)
    announce_to_subscribers(processor, addresses)
    worker = workers.start()
    wait_until(lambda: len(smtp_server.messages) >= 100, timeout=30, what="100 arrived")
    smtp_server.stop()
    time.sleep(1.0)  # the worker fails, backs off, fails again
    smtp_server.start()
    deliver_all(workers, smtp_server, 400)
    counts = tally("SMTP server restarted", smtp_server, addresses)
    assert counts["delivered"] == 400 and counts["lost"] == 0
    # Only a message accepted just before the server went, whose reply was lost, comes twice.
    assert counts["duplicates"] <= CONNECTIONS
    assert worker.poll() is None


def test_database_connections_terminated_under_the_worker(
    processor: Party, smtp_server: SmtpServer, workers: Workers
) -> None:
    addresses = readers(400)
    announce_to_subscribers(processor, addresses)
    worker = workers.start()
    terminated = 0
    for threshold in (100, 200):
        wait_until(
            lambda threshold=threshold: len(smtp_server.messages) >= threshold,
            timeout=30,
            what=f"{threshold} arrived",
        )
        terminated += int(
            db.session.scalar(
                text(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                    "WHERE application_name = :name"
                ),
                {"name": WORKER_NAME},
            )
            or 0
        )
        db.session.rollback()
    assert terminated >= 2
    deliver_all(workers, smtp_server, 400)
    counts = tally("PostgreSQL connections terminated", smtp_server, addresses)
    assert counts["delivered"] == 400 and counts["lost"] == 0
    assert counts["duplicates"] <= CONNECTIONS
    assert worker.poll() is None, "the worker recovers instead of ending"


def test_a_slow_mail_server_and_no_fault(
    processor: Party, smtp_server: SmtpServer, workers: Workers
) -> None:
    accept = type(smtp_server.handler).handle_DATA.__get__(smtp_server.handler)

    async def slowly(smtp: Any, session: Any, envelope: Any) -> str:
        await asyncio.sleep(0.05)
        return await accept(smtp, session, envelope)

    smtp_server.handler.handle_DATA = slowly  # type: ignore[method-assign]
    addresses = readers(120)
    announce_to_subscribers(processor, addresses)
    # A batch of 100 takes 5 s, five times the lease: the worker extends it as it goes.
    workers.env["REGISTRY_DELIVERY_LEASE_SECONDS"] = "1"
    workers.start()
    deliver_all(workers, smtp_server, 120)
    counts = tally("slow mail server, no fault", smtp_server, addresses)
    assert counts["delivered"] == 120 and counts["lost"] == 0 and counts["duplicates"] == 0
    attempts = set(db.session.scalars(select(Delivery.attempts)))
    assert attempts == {1}


def test_a_poison_address_among_500(
    processor: Party, smtp_server: SmtpServer, workers: Workers
) -> None:
    addresses = readers(499)
    announce_to_subscribers(processor, [*addresses[:250], POISON, *addresses[250:]])
    once = workers.start("--once")
    output, _ = once.communicate(timeout=60)
    assert once.returncode == 0, workers.logs()[-4000:]
    stats: dict[str, Any] = json.loads(output.decode().strip().splitlines()[-1])
    counts = tally("poison address among 500", smtp_server, addresses)
    assert stats["sent"] == 499 and stats["dead"] == 1 and stats["retry"] == 0
    assert counts["delivered"] == 499 and counts["lost"] == 0 and counts["duplicates"] == 0
    poison = db.session.scalar(select(Delivery).where(Delivery.recipient == POISON))
    assert poison is not None and poison.status is DeliveryStatus.DEAD
    assert poison.last_error is not None and "ASCII" in poison.last_error
