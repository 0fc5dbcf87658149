"""A processor cannot write into a controller's trail by naming it: an agreement's events
reach the controller's trail once the controller has confirmed it, and never if it declines."""

from __future__ import annotations

from typing import Any

from flask.testing import FlaskClient

from tests.objections.conftest import World, announce


def trail(client: FlaskClient, party: Any, query: str = "") -> list[tuple[str, str | None]]:
    response = client.get(f"/api/v1/audit-events?page_size=100{query}", headers=party.headers)
    assert response.status_code == 200, response.json
    return [(event["action"], event["controller"]) for event in reversed(response.json)]


def answer(client: FlaskClient, world: World, verb: str, **body: Any) -> Any:
    response = client.post(
        f"/api/v1/agreements/{world.agreement_id}/{verb}",
        json=body,
        headers=world.controller.headers,
    )
    assert response.status_code == 200, response.json
    return response.json


def recorded_event_id(client: FlaskClient, world: World) -> int:
    query = f"&action=agreement.recorded&agreement_id={world.agreement_id}"
    listed = client.get(f"/api/v1/audit-events?{query}", headers=world.processor.headers).json
    assert len(listed) == 1
    return int(listed[0]["id"])


def test_a_pending_agreement_stays_out_of_the_controllers_trail(
    world: World, client: FlaskClient
) -> None:
    announce(client, world.processor)
    assert trail(client, world.controller) == []
    event_id = recorded_event_id(client, world)
    hidden = client.get(f"/api/v1/audit-events/{event_id}", headers=world.controller.headers)
    assert hidden.status_code == 404
    # The processor's own trail holds everything it did.
    assert trail(client, world.processor) == [
        ("agreement.recorded", "zeewolde"),
        ("agreement.recorded", "acme"),
        ("change.announced", None),
    ]


def test_confirming_brings_the_earlier_events_into_the_trail(
    world: World, client: FlaskClient
) -> None:
    announce(client, world.processor)
    answer(client, world, "confirm")
    assert trail(client, world.controller) == [
        ("agreement.recorded", "zeewolde"),
        ("change.announced", None),
        ("agreement.confirmed", "zeewolde"),
    ]
    event_id = recorded_event_id(client, world)
    shown = client.get(f"/api/v1/audit-events/{event_id}", headers=world.controller.headers)
    assert shown.status_code == 200
    # Acme has not confirmed its own agreement: Zeewolde's answer changes nothing for Acme.
    assert trail(client, world.other) == []


def test_what_the_controller_did_under_a_pending_agreement_is_in_its_trail(
    world: World, client: FlaskClient
) -> None:
    response = client.post(
        f"/api/v1/agreements/{world.agreement_id}/consents",
        json={"code": "IN"},
        headers=world.controller.headers,
    )
    assert response.status_code == 201, response.json
    assert trail(client, world.controller) == [("consent.given", "zeewolde")]


def test_a_declined_agreement_leaves_only_the_decline_in_the_controllers_trail(
    world: World, client: FlaskClient
) -> None:
    announce(client, world.processor)
    answer(client, world, "decline", reason="We have no contract with IP Voice.")
    controller_trail = client.get(
        "/api/v1/audit-events?page_size=100", headers=world.controller.headers
    ).json
    assert [(e["action"], e["actor"]["organisation"]) for e in controller_trail] == [
        ("agreement.declined", "zeewolde")
    ]
    assert controller_trail[0]["data"] == {"reason": "We have no contract with IP Voice."}
    assert trail(client, world.processor)[-1] == ("agreement.declined", "zeewolde")
