"""Filing an objection: grounds, the objection window, one open objection, who may file."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from flask.testing import FlaskClient

from registry import clock
from tests.conftest import NOW
from tests.factories import ConsentEntryFactory
from tests.objections.conftest import (
    ACKNOWLEDGE_DAYS,
    CONSULTATION_DAYS,
    OBJECTION_DAYS,
    World,
    announce,
    file,
    notices,
)


def test_filing_answers_the_objection_with_its_deadlines(
    world: World, change: dict[str, Any], client: FlaskClient
) -> None:
    response = file(client, world.controller, change["id"], remedy="Keep support in the EEA.")
    assert response.status_code == 201
    body = response.json
    assert body["state"] == "filed"
    assert body["change_id"] == change["id"]
    assert body["agreement_id"] == world.agreement_id
    assert body["controller"]["slug"] == "zeewolde"
    assert body["processor"]["slug"] == "ipvoice"
    assert body["remedy"] == "Keep support in the EEA."
    filed = datetime.fromisoformat(body["filed_at"])
    assert filed == NOW
    assert datetime.fromisoformat(body["acknowledge_due_at"]) == NOW + timedelta(
        days=ACKNOWLEDGE_DAYS
    )
    assert datetime.fromisoformat(body["consultation_due_at"]) == NOW + timedelta(
        days=CONSULTATION_DAYS
    )
    assert body["overdue"] is False
    assert body["outcome"] is None
    assert body["messages"] == []
    assert body["allowed_actions"] == ["message", "withdraw"]
    assert [n.kind for n in notices("objection_filed")] == ["objection_filed"]


def test_remedy_is_optional(world: World, change: dict[str, Any], client: FlaskClient) -> None:
    response = file(client, world.controller, change["id"])
    assert response.status_code == 201
    assert response.json["remedy"] is None


@pytest.mark.parametrize("grounds", ["", "   ", "No", "   unreasonable  ", "-- !!"])
def test_empty_or_one_word_grounds_are_422_naming_grounds(
    world: World, change: dict[str, Any], client: FlaskClient, grounds: str
) -> None:
    response = file(client, world.controller, change["id"], grounds=grounds)
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    assert list(response.json["errors"]) == ["grounds"]
    assert notices("objection_filed") == []
    listed = client.get("/api/v1/objections", headers=world.controller.headers)
    assert listed.json == []


def test_missing_grounds_is_422(world: World, change: dict[str, Any], client: FlaskClient) -> None:
    response = client.post(
        f"/api/v1/changes/{change['id']}/objections",
        json={"remedy": "x"},
        headers=world.controller.headers,
    )
    assert response.status_code == 422
    assert "grounds" in response.json["errors"]


def test_the_window_is_open_until_its_last_moment_and_closed_a_second_later(
    world: World, client: FlaskClient
) -> None:
    first = announce(client, world.processor)
    second = announce(client, world.processor, subprocessor=ConsentEntryFactory(name="Other"))
    closes = NOW + timedelta(days=OBJECTION_DAYS)

    clock.set_frozen(closes)
    assert file(client, world.controller, first["id"]).status_code == 201

    clock.set_frozen(closes + timedelta(seconds=1))
    late = file(client, world.controller, second["id"])
    assert late.status_code == 409
    assert late.json["closed_at"] == closes.isoformat()
    assert closes.isoformat() in late.json["detail"]


def test_each_agreement_has_its_own_window(
    world: World, change: dict[str, Any], client: FlaskClient
) -> None:
    # The other controller's agreement allows 14 days too; a 30-day agreement outlives it.
    longer = client.post(
        "/api/v1/agreements",
        json={
            "controller": world.stranger.slug,
            "reference": "LONG-1",
            "signed_on": "2026-01-01",
            "objection_days": 30,
            "notify_emails": ["dpo@stranger.example"],
        },
        headers=world.processor.headers,
    )
    assert longer.status_code == 201
    clock.advance(timedelta(days=20))
    assert file(client, world.controller, change["id"]).status_code == 409
    assert file(client, world.stranger, change["id"]).status_code == 201


def test_a_second_open_objection_is_409_but_a_new_one_after_withdrawal_is_fine(
    world: World, objection: dict[str, Any], client: FlaskClient
) -> None:
    again = file(client, world.controller, objection["change_id"])
    assert again.status_code == 409
    assert again.json["objection_id"] == objection["id"]

    withdrawn = client.post(
        f"/api/v1/objections/{objection['id']}/withdraw",
        json={"reason": "Filed by mistake"},
        headers=world.controller.headers,
    )
    assert withdrawn.status_code == 200
    assert file(client, world.controller, objection["change_id"]).status_code == 201


def test_another_controller_may_object_to_the_same_change(
    world: World, objection: dict[str, Any], client: FlaskClient
) -> None:
    response = file(client, world.other, objection["change_id"])
    assert response.status_code == 201
    assert response.json["agreement_id"] == world.other_agreement_id


def test_a_controller_without_an_agreement_gets_404(
    world: World, change: dict[str, Any], client: FlaskClient
) -> None:
    response = file(client, world.stranger, change["id"])
    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"
    assert notices("objection_filed") == []


def test_an_unknown_change_is_404(world: World, client: FlaskClient) -> None:
    assert file(client, world.controller, 9999).status_code == 404


def test_a_terminated_agreement_cannot_object(
    world: World, change: dict[str, Any], client: FlaskClient
) -> None:
    from registry.agreements.models import Agreement
    from registry.extensions import db

    agreement = db.session.get(Agreement, world.agreement_id)
    assert agreement is not None
    agreement.terminated_at = NOW - timedelta(minutes=1)
    db.session.commit()
    assert file(client, world.controller, change["id"]).status_code == 404


def test_a_withdrawn_change_cannot_be_objected_to(
    world: World, change: dict[str, Any], client: FlaskClient
) -> None:
    withdrawn = client.post(
        f"/api/v1/processors/ipvoice/changes/{change['id']}/withdraw",
        json={"reason": "Plans changed"},
        headers=world.processor.headers,
    )
    assert withdrawn.status_code == 200
    response = file(client, world.controller, change["id"])
    assert response.status_code == 409
    assert "withdrawn" in response.json["detail"]


def test_a_processor_token_cannot_file(
    world: World, change: dict[str, Any], client: FlaskClient
) -> None:
    assert file(client, world.processor, change["id"]).status_code == 403
    no_token = client.post(
        f"/api/v1/changes/{change['id']}/objections", json={"grounds": "two words"}
    )
    assert no_token.status_code == 401
