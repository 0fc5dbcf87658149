"""Each party reads its own audit trail; nothing can edit or delete an event."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient

from tests.factories import AdminFactory
from tests.objections.conftest import World, announce, file


def events(client: FlaskClient, party: Any, query: str = "") -> list[dict[str, Any]]:
    response = client.get(f"/api/v1/audit-events?page_size=100{query}", headers=party.headers)
    assert response.status_code == 200, response.json
    return list(response.json)


def actions(listed: list[dict[str, Any]]) -> list[tuple[str, str | None]]:
    return [(e["action"], e["controller"]) for e in reversed(listed)]


@pytest.fixture
def history(
    confirmed: None, world: World, objection: dict[str, Any], client: FlaskClient
) -> dict[str, Any]:
    """The controllers confirmed their agreements; Zeewolde objects and consents; Acme objects
    too; the other processor announces."""
    client.post(
        f"/api/v1/objections/{objection['id']}/acknowledge", headers=world.processor.headers
    )
    client.post(
        f"/api/v1/objections/{objection['id']}/messages",
        json={"body": "Which data goes to India?"},
        headers=world.controller.headers,
    )
    consent = client.post(
        f"/api/v1/agreements/{world.agreement_id}/consents",
        json={"code": "IN"},
        headers=world.controller.headers,
    ).json
    theirs = file(client, world.other, objection["change_id"]).json
    elsewhere = announce(client, world.other_processor)
    return {"objection": objection, "consent": consent, "theirs": theirs, "elsewhere": elsewhere}


def test_the_processor_sees_every_event_of_its_own(
    world: World, history: dict[str, Any], client: FlaskClient
) -> None:
    assert actions(events(client, world.processor)) == [
        ("agreement.recorded", "zeewolde"),
        ("agreement.recorded", "acme"),
        ("agreement.confirmed", "zeewolde"),
        ("agreement.confirmed", "acme"),
        ("change.announced", None),
        ("objection.filed", "zeewolde"),
        ("objection.acknowledged", "zeewolde"),
        ("objection.message_posted", "zeewolde"),
        ("consent.given", "zeewolde"),
        ("objection.filed", "acme"),
    ]


def test_a_controller_sees_its_own_events_and_its_processors_changes(
    world: World, history: dict[str, Any], client: FlaskClient
) -> None:
    assert actions(events(client, world.controller)) == [
        ("agreement.recorded", "zeewolde"),
        ("agreement.confirmed", "zeewolde"),
        ("change.announced", None),
        ("objection.filed", "zeewolde"),
        ("objection.acknowledged", "zeewolde"),
        ("objection.message_posted", "zeewolde"),
        ("consent.given", "zeewolde"),
    ]
    assert actions(events(client, world.other)) == [
        ("agreement.recorded", "acme"),
        ("agreement.confirmed", "acme"),
        ("change.announced", None),
        ("objection.filed", "acme"),
    ]
    # The stranger's processor is the other one: only its own agreement and that change.
    stranger = events(client, world.stranger)
    assert actions(stranger) == [
        ("agreement.recorded", "stranger"),
        ("agreement.confirmed", "stranger"),
        ("change.announced", None),
    ]
    assert {e["processor"] for e in stranger} == {"othervoice"}
    assert actions(events(client, world.other_processor)) == [
        ("agreement.recorded", "stranger"),
        ("agreement.confirmed", "stranger"),
        ("change.announced", None),
    ]


def test_an_event_names_who_did_what_to_which_object(
    world: World, history: dict[str, Any], client: FlaskClient
) -> None:
    filed = events(client, world.controller, "&action=objection.filed")
    assert len(filed) == 1
    event = filed[0]
    assert event["actor"] == {
        "organisation": "zeewolde",
        "organisation_name": "Gemeente Zeewolde",
        "token_name": "zeewolde test token",
        "contact": None,  # set when a contact acts through a notice's link
    }
    assert (event["object_type"], event["object_id"]) == ("objection", history["objection"]["id"])
    assert event["agreement_id"] == world.agreement_id
    assert event["processor"] == "ipvoice"
    assert event["occurred_at"].startswith("2026-11-27T09:00:00")
    assert event["data"]["state"] == "filed"

    acknowledged = events(client, world.controller, "&action=objection.acknowledged")[0]
    assert acknowledged["actor"]["organisation"] == "ipvoice"

    one = client.get(f"/api/v1/audit-events/{event['id']}", headers=world.processor.headers)
    assert one.status_code == 200
    assert one.json == event


def test_filters_narrow_the_trail(
    world: World, history: dict[str, Any], client: FlaskClient
) -> None:
    objection_id = history["objection"]["id"]
    trail = events(client, world.processor, f"&object_type=objection&object_id={objection_id}")
    assert [e["action"] for e in reversed(trail)] == [
        "objection.filed",
        "objection.acknowledged",
        "objection.message_posted",
    ]
    by_agreement = events(client, world.processor, f"&agreement_id={world.other_agreement_id}")
    assert {e["controller"] for e in by_agreement} == {"acme"}
    bad = client.get("/api/v1/audit-events?object_type=nonsense", headers=world.processor.headers)
    assert bad.status_code == 422


def test_another_partys_event_is_404(
    world: World, history: dict[str, Any], client: FlaskClient
) -> None:
    acme_filed = events(client, world.other, "&action=objection.filed")[0]
    for intruder in (world.controller, world.stranger, world.other_processor):
        response = client.get(f"/api/v1/audit-events/{acme_filed['id']}", headers=intruder.headers)
        assert response.status_code == 404
    assert (
        client.get("/api/v1/audit-events/99999", headers=world.processor.headers).status_code == 404
    )


@pytest.mark.parametrize("method", ["PUT", "PATCH", "DELETE", "POST"])
def test_no_method_edits_or_deletes_an_event(
    world: World, history: dict[str, Any], client: FlaskClient, method: str
) -> None:
    event = events(client, world.processor)[0]
    for path in ("/api/v1/audit-events", f"/api/v1/audit-events/{event['id']}"):
        response = client.open(
            path,
            method=method,
            json={"action": "nothing.happened"},
            headers=world.processor.headers,
        )
        assert response.status_code == 405
        assert response.mimetype == "application/problem+json"
        assert "GET" in response.headers["Allow"]
        assert method not in response.headers["Allow"]
    assert events(client, world.processor)[0] == event


def test_only_parties_read_the_trail(world: World, client: FlaskClient) -> None:
    assert client.get("/api/v1/audit-events").status_code == 401
    assert client.get("/api/v1/audit-events", headers=AdminFactory().headers).status_code == 403
