"""Deadlines with a frozen clock, across the moment they pass; reminders sent once."""

from __future__ import annotations

import os
import threading
from datetime import datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from registry import clock
from registry.extensions import db
from registry.objections import service
from tests.conftest import NOW, SmtpServer
from tests.factories import ConsentEntryFactory
from tests.objections.conftest import (
    ACKNOWLEDGE_DAYS,
    CONSULTATION_DAYS,
    World,
    announce,
    deliver,
    file,
    notices,
    subject_of,
    text_of,
)

ACKNOWLEDGE_DUE = NOW + timedelta(days=ACKNOWLEDGE_DAYS)
CONSULTATION_DUE = NOW + timedelta(days=CONSULTATION_DAYS)
SECOND = timedelta(seconds=1)


def overdue(client: FlaskClient, world: World, objection_id: int) -> bool:
    shown = client.get(f"/api/v1/objections/{objection_id}", headers=world.controller.headers)
    return bool(shown.json["overdue"])


def test_not_overdue_at_the_acknowledge_deadline_overdue_a_second_later(
    world: World, objection: dict[str, Any], client: FlaskClient
) -> None:
    assert datetime.fromisoformat(objection["acknowledge_due_at"]) == ACKNOWLEDGE_DUE
    clock.set_frozen(ACKNOWLEDGE_DUE)
    assert overdue(client, world, objection["id"]) is False
    clock.set_frozen(ACKNOWLEDGE_DUE + SECOND)
    assert overdue(client, world, objection["id"]) is True
    listed = client.get("/api/v1/objections", headers=world.processor.headers).json
    assert listed[0]["overdue"] is True

    # A late acknowledgement ends that lateness; the consultation deadline is still ahead.
    client.post(
        f"/api/v1/objections/{objection['id']}/acknowledge", headers=world.processor.headers
    )
    assert overdue(client, world, objection["id"]) is False


def test_the_consultation_deadline_passes_for_an_acknowledged_objection(
    world: World, objection: dict[str, Any], client: FlaskClient
) -> None:
    client.post(
        f"/api/v1/objections/{objection['id']}/acknowledge", headers=world.processor.headers
    )
    clock.set_frozen(CONSULTATION_DUE)
    assert overdue(client, world, objection["id"]) is False
    clock.set_frozen(CONSULTATION_DUE + SECOND)
    assert overdue(client, world, objection["id"]) is True


def test_a_closed_objection_is_never_overdue(
    world: World, objection: dict[str, Any], client: FlaskClient
) -> None:
    client.post(
        f"/api/v1/objections/{objection['id']}/withdraw",
        json={"reason": "Settled by phone"},
        headers=world.controller.headers,
    )
    clock.set_frozen(CONSULTATION_DUE + timedelta(days=100))
    assert overdue(client, world, objection["id"]) is False


def test_reminders_are_queued_once_each_after_their_deadline(
    world: World, objection: dict[str, Any]
) -> None:
    clock.set_frozen(ACKNOWLEDGE_DUE)
    assert service.queue_due_reminders(at=clock.now()) == 0
    clock.set_frozen(ACKNOWLEDGE_DUE + SECOND)
    assert service.queue_due_reminders(at=clock.now()) == 1
    assert service.queue_due_reminders(at=clock.now()) == 0
    clock.set_frozen(CONSULTATION_DUE + SECOND)
    assert service.queue_due_reminders(at=clock.now()) == 1
    assert service.queue_due_reminders(at=clock.now() + timedelta(days=9)) == 0
    reminders = notices("objection_overdue")
    assert [n.data["deadline"] for n in reminders] == ["acknowledge", "consultation"]
    assert {n.objection_id for n in reminders} == {objection["id"]}


def test_an_acknowledged_objection_gets_no_acknowledge_reminder(
    world: World, objection: dict[str, Any], client: FlaskClient
) -> None:
    client.post(
        f"/api/v1/objections/{objection['id']}/messages",
        json={"body": "Thank you, we are looking into it."},
        headers=world.processor.headers,
    )
    clock.set_frozen(ACKNOWLEDGE_DUE + timedelta(days=1))
    assert service.queue_due_reminders(at=clock.now()) == 0
    client.post(
        f"/api/v1/objections/{objection['id']}/resolve",
        json={"outcome": "not_used_for_controller", "summary": "Your support stays in the EEA."},
        headers=world.processor.headers,
    )
    clock.set_frozen(CONSULTATION_DUE + timedelta(days=1))
    assert service.queue_due_reminders(at=clock.now()) == 0
    assert notices("objection_overdue") == []


def test_a_proposal_left_unanswered_past_the_deadline_stays_open_and_overdue(
    world: World, objection: dict[str, Any], client: FlaskClient
) -> None:
    """Nothing resolves by the clock: the consultation deadline passing only reminds."""
    base = f"/api/v1/objections/{objection['id']}"
    assert client.post(f"{base}/acknowledge", headers=world.processor.headers).status_code == 200
    proposed = client.post(
        f"{base}/propose",
        json={"outcome": "safeguards_agreed", "summary": "Pseudonymised data only."},
        headers=world.processor.headers,
    )
    assert proposed.status_code == 200
    clock.set_frozen(CONSULTATION_DUE + timedelta(days=60))
    assert service.queue_due_reminders(at=clock.now()) == 1
    assert service.queue_due_reminders(at=clock.now()) == 0
    deliver()
    shown = client.get(base, headers=world.controller.headers).json
    assert (shown["state"], shown["overdue"], shown["outcome"]) == (
        "resolution_proposed",
        True,
        None,
    )
    assert shown["proposed_outcome"] == "safeguards_agreed"
    assert [n.data["deadline"] for n in notices("objection_overdue")] == ["consultation"]
    # The controller may still answer after the deadline.
    accepted = client.post(f"{base}/accept", headers=world.controller.headers)
    assert (accepted.json["state"], accepted.json["overdue"]) == ("resolved", False)


def test_the_worker_sends_each_reminder_once_through_smtp(
    world: World, objection: dict[str, Any], client: FlaskClient, smtp_server: SmtpServer
) -> None:
    processor_mail = world.processor.organisation.email
    deliver()
    filed = smtp_server.to(processor_mail)
    assert [subject_of(m) for m in filed] == [
        f"Objection {objection['id']} from Gemeente Zeewolde to change "
        f"{objection['change_id']}: Nordhosting"
    ]

    clock.set_frozen(ACKNOWLEDGE_DUE + timedelta(minutes=1))
    deliver()
    deliver()
    reminders = smtp_server.to(processor_mail)[1:]
    assert [subject_of(m) for m in reminders] == [
        f"Reminder: objection {objection['id']} from Gemeente Zeewolde is not acknowledged"
    ]
    body = text_of(reminders[0])
    assert "was due to be acknowledged by" in body
    assert f"/api/v1/objections/{objection['id']}" in body

    clock.set_frozen(CONSULTATION_DUE + timedelta(minutes=1))
    deliver()
    deliver()
    reminders = smtp_server.to(processor_mail)[1:]
    assert len(reminders) == 2
    assert subject_of(reminders[1]).endswith("is not resolved")
    # The controller is told nothing by the reminders.
    assert all("Reminder" not in subject_of(m) for m in smtp_server.to("dpo@zeewolde.example"))


@pytest.mark.skipif(
    not os.environ.get("REGISTRY_TEST_DATABASE_URL", "").startswith("postgres"),
    reason="concurrent workers need PostgreSQL; SQLite has one writer",
)
def test_two_workers_queue_each_reminder_once(
    app: Flask, world: World, client: FlaskClient
) -> None:
    for index in range(10):
        change = announce(
            client, world.processor, subprocessor=ConsentEntryFactory(name=f"Desk {index}")
        )
        for controller in (world.controller, world.other):
            assert file(client, controller, change["id"]).status_code == 201
    clock.set_frozen(ACKNOWLEDGE_DUE + SECOND)
    together = threading.Barrier(2, timeout=30)
    counts: list[int] = []

    def work() -> None:
        with app.app_context():
            together.wait()
            counts.append(service.queue_due_reminders(at=clock.now()))
            db.session.commit()

    workers = [threading.Thread(target=work) for _ in range(2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=60)
    assert sum(counts) == 20
    db.session.expire_all()
    reminded = [n.objection_id for n in notices("objection_overdue")]
    assert len(reminded) == len(set(reminded)) == 20
