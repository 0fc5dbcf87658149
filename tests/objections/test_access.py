"""Only the two parties of an objection see it or act on it; everyone else gets 404."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient

from tests.objections.conftest import World, file


def test_another_controller_cannot_see_message_or_withdraw(
    world: World, objection: dict[str, Any], client: FlaskClient
) -> None:
    base = f"/api/v1/objections/{objection['id']}"
    for intruder in (world.other, world.stranger):
        headers = intruder.headers
        assert client.get(base, headers=headers).status_code == 404
        said = client.post(f"{base}/messages", json={"body": "Hello there"}, headers=headers)
        assert said.status_code == 404
        gone = client.post(f"{base}/withdraw", json={"reason": "Not mine"}, headers=headers)
        assert gone.status_code == 404
        assert gone.mimetype == "application/problem+json"
        assert client.get("/api/v1/objections", headers=headers).json == []
    shown = client.get(base, headers=world.controller.headers)
    assert shown.json["state"] == "filed"
    assert shown.json["messages"] == []


def test_another_processor_cannot_see_acknowledge_message_or_resolve(
    world: World, objection: dict[str, Any], client: FlaskClient
) -> None:
    base = f"/api/v1/objections/{objection['id']}"
    headers = world.other_processor.headers
    assert client.get(base, headers=headers).status_code == 404
    assert client.post(f"{base}/acknowledge", headers=headers).status_code == 404
    assert (
        client.post(f"{base}/messages", json={"body": "Hello"}, headers=headers).status_code == 404
    )
    resolved = client.post(
        f"{base}/resolve",
        json={"outcome": "safeguards_agreed", "summary": "Not mine to say"},
        headers=headers,
    )
    assert resolved.status_code == 404
    assert client.get("/api/v1/objections", headers=headers).json == []
    assert client.get(base, headers=world.controller.headers).json["state"] == "filed"


def test_unknown_objection_is_404_for_everyone(world: World, client: FlaskClient) -> None:
    assert client.get("/api/v1/objections/999", headers=world.processor.headers).status_code == 404
    assert client.get("/api/v1/objections/999", headers=world.controller.headers).status_code == 404


def test_anonymous_and_admin_callers_are_refused(
    world: World, objection: dict[str, Any], client: FlaskClient
) -> None:
    from tests.factories import AdminFactory

    assert client.get("/api/v1/objections").status_code == 401
    assert client.get("/api/v1/objections", headers=AdminFactory().headers).status_code == 403


def test_each_party_lists_its_own_objections_with_filters(
    world: World, objection: dict[str, Any], client: FlaskClient
) -> None:
    theirs = file(client, world.other, objection["change_id"])
    assert theirs.status_code == 201

    mine = client.get("/api/v1/objections", headers=world.controller.headers)
    assert [o["id"] for o in mine.json] == [objection["id"]]
    assert "messages" not in mine.json[0]
    assert "X-Pagination" in mine.headers

    received = client.get("/api/v1/objections", headers=world.processor.headers).json
    assert [o["id"] for o in received] == [theirs.json["id"], objection["id"]]
    assert received[0]["allowed_actions"] == ["acknowledge", "message"]

    client.post(
        f"/api/v1/objections/{objection['id']}/acknowledge", headers=world.processor.headers
    )
    filtered = client.get(
        "/api/v1/objections?state=in_consultation", headers=world.processor.headers
    )
    assert [o["id"] for o in filtered.json] == [objection["id"]]
    by_agreement = client.get(
        f"/api/v1/objections?agreement_id={world.other_agreement_id}",
        headers=world.processor.headers,
    )
    assert [o["id"] for o in by_agreement.json] == [theirs.json["id"]]
    by_change = client.get(
        f"/api/v1/objections?change_id={objection['change_id']}&page_size=1",
        headers=world.processor.headers,
    )
    assert len(by_change.json) == 1


@pytest.mark.parametrize("query", ["state=open", "page_size=1000", "change_id=x"])
def test_bad_list_filters_are_422(world: World, client: FlaskClient, query: str) -> None:
    response = client.get(f"/api/v1/objections?{query}", headers=world.processor.headers)
    assert response.status_code == 422
