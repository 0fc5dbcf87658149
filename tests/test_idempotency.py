"""Idempotency-Key: a retried POST is answered again, never done twice."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from registry import clock, idempotency
from registry.extensions import api, db
from registry.idempotency import IdempotencyRecord
from registry.notifications.models import Notice
from registry.subprocessors.models import Change
from tests.factories import AdminFactory, EntryFactory, Party, PartyFactory

CHANGES = "/api/v1/processors/ipvoice/changes"


@pytest.fixture
def processor(app: Flask) -> Party:
    return PartyFactory(kind="processor", slug="ipvoice")


def announce(client: FlaskClient, party: Party, key: str | None, **body: Any) -> Any:
    headers = {**party.headers, **({"Idempotency-Key": key} if key else {})}
    payload = {"action": "add", "reason": "Hosting", "subprocessor": EntryFactory(), **body}
    return client.post(CHANGES, json=payload, headers=headers)


def count(model: Any) -> int:
    return int(db.session.scalar(select(func.count()).select_from(model)) or 0)


def test_a_retry_replays_the_first_answer_without_a_second_write(
    client: FlaskClient, processor: Party
) -> None:
    first = announce(client, processor, "retry-1")
    assert first.status_code == 201, first.json
    again = announce(client, processor, "retry-1")
    assert again.status_code == 201
    assert again.get_data() == first.get_data()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert (count(Change), count(Notice)) == (1, 1)
    # Without a key every POST is a new request.
    assert announce(client, processor, None).status_code == 201
    assert count(Change) == 2


def test_the_same_key_with_another_body_is_422_and_changes_nothing(
    client: FlaskClient, processor: Party
) -> None:
    assert announce(client, processor, "k").status_code == 201
    other = announce(client, processor, "k", reason="Something else")
    assert other.status_code == 422
    assert other.json["errors"] == {
        "Idempotency-Key": ["Was used already for a request with another body or path."]
    }
    assert count(Change) == 1


def test_a_key_still_in_flight_is_409(app: Flask, client: FlaskClient, processor: Party) -> None:
    body = {"action": "add", "reason": "Hosting", "subprocessor": EntryFactory()}
    with app.test_request_context(CHANGES, method="POST", json=body):
        # The first request has claimed its key and is still running.
        idempotency._claim(f"org:{processor.organisation.id}", "busy", idempotency._fingerprint())
    headers = {**processor.headers, "Idempotency-Key": "busy"}
    response = client.post(CHANGES, json=body, headers=headers)
    assert response.status_code == 409
    assert response.json["state"] == "in_flight"
    assert count(Change) == 0
    # A claim whose request died is taken over once its lock has run out.
    clock.advance(timedelta(seconds=61))
    assert client.post(CHANGES, json=body, headers=headers).status_code == 201


def test_a_failed_request_leaves_the_key_free(client: FlaskClient, processor: Party) -> None:
    failed = announce(client, processor, "fix-me", action="remove")
    assert failed.status_code == 422
    assert count(IdempotencyRecord) == 0
    assert announce(client, processor, "fix-me").status_code == 201


def test_the_replay_window_is_24_hours(client: FlaskClient, processor: Party) -> None:
    assert announce(client, processor, "daily").status_code == 201
    clock.advance(timedelta(hours=23))
    assert announce(client, processor, "daily").headers.get("Idempotent-Replayed") == "true"
    clock.advance(timedelta(hours=2))
    replayed = announce(client, processor, "daily")
    assert replayed.status_code == 201 and "Idempotent-Replayed" not in replayed.headers
    assert count(Change) == 2


def test_keys_belong_to_one_organisation(client: FlaskClient, processor: Party) -> None:
    other = PartyFactory(kind="processor", slug="othervoice")
    assert announce(client, processor, "shared").status_code == 201
    response = client.post(
        "/api/v1/processors/othervoice/changes",
        json={"action": "add", "reason": "Hosting", "subprocessor": EntryFactory()},
        headers={**other.headers, "Idempotency-Key": "shared"},
    )
    assert response.status_code == 201
    assert "Idempotent-Replayed" not in response.headers


def test_a_secret_shown_once_is_never_stored_or_replayed(
    client: FlaskClient, processor: Party
) -> None:
    admin = {**AdminFactory().headers, "Idempotency-Key": "new-token"}
    path = "/api/v1/organisations/ipvoice/tokens"
    created = client.post(path, json={"name": "ci"}, headers=admin)
    assert created.status_code == 201
    secret = created.json["token"]
    replay = client.post(path, json={"name": "ci"}, headers=admin)
    assert replay.status_code == 409
    assert replay.json["created"] == f"token {created.json['id']}"
    assert secret not in replay.get_data(as_text=True)
    stored = db.session.scalars(select(IdempotencyRecord)).one()
    assert stored.body is None and secret not in (stored.headers or "")


@pytest.mark.parametrize("key", ["", "x" * 256, "tab\there", "sleutel-ë"])
def test_a_malformed_key_is_422_naming_the_header(
    client: FlaskClient, processor: Party, key: str
) -> None:
    headers = {**processor.headers, "Idempotency-Key": key}
    body = {"action": "add", "reason": "Hosting", "subprocessor": EntryFactory()}
    response = client.post(CHANGES, json=body, headers=headers)
    assert response.status_code == 422
    assert list(response.json["errors"]) == ["Idempotency-Key"]
    assert count(Change) == 0


def test_the_worker_forgets_expired_keys(client: FlaskClient, processor: Party) -> None:
    assert announce(client, processor, "old").status_code == 201
    assert idempotency.delete_expired(at=clock.now()) == 0
    assert idempotency.delete_expired(at=clock.now() + timedelta(hours=24)) == 1


def test_every_authenticated_post_documents_the_header(app: Flask) -> None:
    spec = api.spec.to_dict()
    posts = [
        (path, item["post"])
        for path, item in spec["paths"].items()
        if "post" in item and item["post"].get("security")
    ]
    assert posts
    for path, operation in posts:
        names = [p.get("name") for p in operation.get("parameters", [])]
        assert "Idempotency-Key" in names, path
        assert {"409", "422"} <= set(operation["responses"]), path
