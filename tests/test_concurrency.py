"""Twenty requests at once: writes that race are decided one after the other, never 500.

Each request runs in its own thread with its own app context, test client and database
connection; a barrier releases them together. The races run on PostgreSQL only: SQLite lets
one writer in at a time. Run with ``-s`` to see each tally.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from werkzeug.test import TestResponse

from registry import create_app
from registry.agreements.models import Agreement
from registry.audit.models import AuditEvent
from registry.extensions import db
from registry.notifications.models import Notice, Subscription
from registry.organisations.models import Organisation
from registry.subprocessors.models import Change
from tests.conftest import NOW, TEST_DATABASE_URL, _test_config
from tests.factories import AdminFactory, EntryFactory, Party, PartyFactory

postgresql_only = pytest.mark.skipif(
    not TEST_DATABASE_URL.startswith("postgres"),
    reason="concurrent writers need PostgreSQL; SQLite has one writer",
)

PARALLEL = 20
LATER = (NOW + timedelta(days=10)).isoformat()

Send = Callable[[FlaskClient, int], TestResponse]


@pytest.fixture
def racing_app(app: Flask, database_url: str, tmp_path: Path) -> Iterator[Flask]:
    """A second app on the same database with a connection for every racing request (the
    ``app`` fixture still empties the tables afterwards)."""
    config = {
        **_test_config(database_url, tmp_path / "racing"),
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_size": PARALLEL, "max_overflow": 0},
        "SUBSCRIBE_RATE_LIMIT": "1000 per hour",
    }
    racing = create_app(config)
    yield racing
    with racing.app_context():
        db.engine.dispose()


def race(app: Flask, name: str, send: Send) -> Counter[int]:
    """Send PARALLEL requests at once; their status codes, counted (and printed)."""
    start = threading.Barrier(PARALLEL, timeout=30)
    statuses: list[int] = []
    failures: list[BaseException] = []

    def one(index: int) -> None:
        try:
            with app.app_context():
                client = app.test_client()
                start.wait()
                statuses.append(send(client, index).status_code)
        except BaseException as error:  # reported in the test's own thread below
            failures.append(error)

    threads = [threading.Thread(target=one, args=(index,)) for index in range(PARALLEL)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not failures, failures
    tally = Counter(statuses)
    print(f"\n{name}: {dict(sorted(tally.items()))}")
    db.session.expire_all()
    return tally


def count(statement: Any) -> int:
    return int(db.session.scalar(select(func.count()).select_from(statement.subquery())) or 0)


@pytest.fixture
def processor(client: FlaskClient) -> Party:
    party = PartyFactory(kind="processor", slug="ipvoice")
    # Used once before the race, so the racing requests do not write the token's last use
    # (which would queue them on the token's row and hide the race).
    assert client.get("/api/v1/agreements", headers=party.headers).status_code == 200
    return party


def add(client: FlaskClient, processor: Party, **entry: Any) -> dict[str, Any]:
    response = client.post(
        "/api/v1/processors/ipvoice/changes",
        json={
            "action": "add",
            "reason": "Hosting",
            "subprocessor": EntryFactory(**entry),
            "effective_at": NOW.isoformat(),
        },
        headers=processor.headers,
    )
    assert response.status_code == 201, response.json
    return dict(response.json)


@postgresql_only
def test_one_change_at_a_time_per_subprocessor(
    racing_app: Flask, client: FlaskClient, processor: Party
) -> None:
    subprocessor_id = add(client, processor)["subprocessor_id"]
    bodies = [
        {"action": "remove"},
        {"action": "update", "subprocessor": {"purpose": "Backups only"}},
        {"action": "replace", "subprocessor": EntryFactory(name="Southhosting")},
    ]

    def change(racer: FlaskClient, index: int) -> TestResponse:
        body = {
            **bodies[index % 3],
            "subprocessor_id": subprocessor_id,
            "reason": f"Change {index}",
            "effective_at": LATER,
        }
        return racer.post(
            "/api/v1/processors/ipvoice/changes", json=body, headers=processor.headers
        )

    tally = race(racing_app, "remove/update/replace of one sub-processor", change)
    assert tally == {201: 1, 409: PARALLEL - 1}
    announced = db.session.scalars(
        select(Change).where(Change.subprocessor_id == subprocessor_id, Change.action != "add")
    ).all()
    assert len(announced) == 1
    refused = change(client, 0)
    assert refused.status_code == 409, refused.json
    assert (refused.json["state"], refused.json["change_id"]) == ("announced", announced[0].id)
    assert f"Change {announced[0].id} is already announced" in refused.json["detail"]

    # Withdrawn, the sub-processor is back as it was, and open to one change again.
    withdrawn = client.post(
        f"/api/v1/processors/ipvoice/changes/{announced[0].id}/withdraw",
        json={"reason": "Raced"},
        headers=processor.headers,
    )
    assert withdrawn.status_code == 200
    listed = client.get("/api/v1/processors/ipvoice/subprocessors?at=" + LATER[:10]).json
    assert [entry["id"] for entry in listed["subprocessors"]] == [subprocessor_id]
    assert change(client, 0).status_code == 201


@postgresql_only
def test_one_withdrawal_of_one_change(
    racing_app: Flask, client: FlaskClient, processor: Party
) -> None:
    subprocessor_id = add(client, processor)["subprocessor_id"]
    removal = client.post(
        "/api/v1/processors/ipvoice/changes",
        json={
            "action": "remove",
            "subprocessor_id": subprocessor_id,
            "reason": "Ends",
            "effective_at": LATER,
        },
        headers=processor.headers,
    ).json

    def withdraw(racer: FlaskClient, index: int) -> TestResponse:
        return racer.post(
            f"/api/v1/processors/ipvoice/changes/{removal['id']}/withdraw",
            json={"reason": f"Withdrawal {index}"},
            headers=processor.headers,
        )

    tally = race(racing_app, "withdrawals of one change", withdraw)
    assert tally == {200: 1, 409: PARALLEL - 1}
    assert count(select(Notice).where(Notice.kind == "change_withdrawn")) == 1


@postgresql_only
def test_every_write_raises_the_list_revision(
    racing_app: Flask, client: FlaskClient, processor: Party
) -> None:
    before = client.get("/api/v1/processors/ipvoice/subprocessors").headers["ETag"]
    start = db.session.get(Organisation, processor.organisation.id).list_revision  # type: ignore[union-attr]

    def same_add(racer: FlaskClient, _index: int) -> TestResponse:
        body = {"action": "add", "reason": "Hosting", "subprocessor": EntryFactory()}
        return racer.post(
            "/api/v1/processors/ipvoice/changes", json=body, headers=processor.headers
        )

    tally = race(racing_app, "identical additions", same_add)
    assert tally == {201: PARALLEL}
    db.session.expire_all()
    revision = db.session.get(Organisation, processor.organisation.id).list_revision  # type: ignore[union-attr]
    assert revision == start + PARALLEL
    client.application.extensions["registry_revisions"].clear()
    assert client.get("/api/v1/processors/ipvoice/subprocessors").headers["ETag"] != before


@postgresql_only
def test_one_agreement_per_reference(
    racing_app: Flask, client: FlaskClient, processor: Party
) -> None:
    PartyFactory(kind="controller", slug="zeewolde")
    body = {
        "controller": "zeewolde",
        "reference": "VWO-2026-014",
        "signed_on": "2026-03-01",
        "notify_emails": ["fg@zeewolde.example"],
    }
    answers: list[dict[str, Any]] = []

    def record(racer: FlaskClient, _index: int) -> TestResponse:
        response = racer.post("/api/v1/agreements", json=body, headers=processor.headers)
        answers.append(response.json or {})
        return response

    tally = race(racing_app, "agreements with one reference", record)
    assert tally == {201: 1, 409: PARALLEL - 1}
    assert count(select(Agreement)) == 1
    refused = [answer for answer in answers if answer.get("status") == 409]
    assert all(answer["errors"] == {"reference": ["taken"]} for answer in refused)
    assert count(select(Notice).where(Notice.kind == "agreement_recorded")) == 1


@postgresql_only
def test_one_answer_to_an_agreement(
    racing_app: Flask, client: FlaskClient, processor: Party
) -> None:
    controller = PartyFactory(kind="controller", slug="zeewolde")
    agreement = client.post(
        "/api/v1/agreements",
        json={
            "controller": "zeewolde",
            "reference": "VWO-1",
            "signed_on": "2026-03-01",
            "notify_emails": ["fg@zeewolde.example"],
        },
        headers=processor.headers,
    ).json
    assert client.get("/api/v1/agreements", headers=controller.headers).status_code == 200

    def answer(racer: FlaskClient, index: int) -> TestResponse:
        verb = "confirm" if index % 2 else "decline"
        return racer.post(
            f"/api/v1/agreements/{agreement['id']}/{verb}", headers=controller.headers
        )

    tally = race(racing_app, "confirmations and declines of one agreement", answer)
    # The first answer decides; a confirmed agreement refuses the rest (409), a declined one
    # has left the controller's view (404).
    assert tally[200] == 1 and tally[409] + tally[404] == PARALLEL - 1 and tally[500] == 0
    answered = select(AuditEvent).where(
        AuditEvent.action.in_(["agreement.confirmed", "agreement.declined"])
    )
    assert count(answered) == 1


@postgresql_only
def test_one_subscription_per_address(racing_app: Flask, client: FlaskClient) -> None:
    PartyFactory(kind="processor", slug="ipvoice")

    def subscribe(racer: FlaskClient, _index: int) -> TestResponse:
        return racer.post(
            "/api/v1/processors/ipvoice/subscriptions",
            json={"email": "Reader@Example.org", "language": "en"},
        )

    tally = race(racing_app, "subscriptions of one address", subscribe)
    assert tally == {202: PARALLEL}
    assert count(select(Subscription)) == 1
    assert count(select(Notice).where(Notice.kind == "subscription_confirm")) == 1


@postgresql_only
def test_one_organisation_per_slug(racing_app: Flask, client: FlaskClient) -> None:
    admin = AdminFactory()
    assert client.get("/api/v1/organisations", headers=admin.headers).status_code == 200
    body = {
        "slug": "zeewolde",
        "name": "Gemeente Zeewolde",
        "kind": "controller",
        "country": "NL",
        "email": "privacy@zeewolde.example",
    }

    def create(racer: FlaskClient, _index: int) -> TestResponse:
        return racer.post("/api/v1/organisations", json=body, headers=admin.headers)

    tally = race(racing_app, "organisations with one slug", create)
    assert tally == {201: 1, 409: PARALLEL - 1}
    assert count(select(Organisation).where(Organisation.slug == "zeewolde")) == 1


def test_an_insert_in_a_savepoint_is_committed_with_its_request(client: FlaskClient) -> None:
    admin = AdminFactory()
    response = client.post(
        "/api/v1/organisations",
        json={
            "slug": "zeewolde",
            "name": "Gemeente Zeewolde",
            "kind": "controller",
            "country": "NL",
            "email": "privacy@zeewolde.example",
        },
        headers=admin.headers,
    )
    assert response.status_code == 201, response.json
    with db.engine.connect() as elsewhere:  # sees only what was committed
        found = elsewhere.execute(select(Organisation.id).where(Organisation.slug == "zeewolde"))
        assert found.first() is not None
