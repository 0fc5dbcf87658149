"""Every action from every state, allowed and refused; what each transition writes."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from registry.audit.models import AuditEvent
from registry.extensions import db
from registry.objections.models import TRANSITIONS, ObjectionAction, ObjectionState
from tests.factories import Party
from tests.objections.conftest import World, notices

STATES = ("filed", "in_consultation", "resolution_proposed", "resolved", "withdrawn")

# (action, who, path, body) — every step a party can try.
ACTIONS: dict[str, tuple[str, str, dict[str, Any] | None]] = {
    "acknowledge": ("processor", "acknowledge", None),
    "processor_message": ("processor", "messages", {"body": "We can keep support in the EEA."}),
    "controller_message": ("controller", "messages", {"body": "Which data would go to IN?"}),
    "propose": (
        "processor",
        "propose",
        {"outcome": "safeguards_agreed", "summary": "Support only reads pseudonymised data."},
    ),
    "accept": ("controller", "accept", None),
    "reject": ("controller", "reject", {"reason": "Pseudonymised call records are still ours."}),
    "resolve": (
        "processor",
        "resolve",
        {"outcome": "not_used_for_controller", "summary": "Your support stays in the EEA."},
    ),
    "withdraw": ("controller", "withdraw", {"reason": "Our DPO is satisfied."}),
}

# From each state: the state each action leads to, or None when it is refused (409).
EXPECTED: dict[str, dict[str, str | None]] = {
    "filed": {
        "acknowledge": "in_consultation",
        "processor_message": "in_consultation",
        "controller_message": "filed",
        "propose": None,
        "accept": None,
        "reject": None,
        "resolve": None,
        "withdraw": "withdrawn",
    },
    "in_consultation": {
        "acknowledge": None,
        "processor_message": "in_consultation",
        "controller_message": "in_consultation",
        "propose": "resolution_proposed",
        "accept": None,
        "reject": None,
        "resolve": "resolved",
        "withdraw": "withdrawn",
    },
    "resolution_proposed": {
        "acknowledge": None,
        "processor_message": "resolution_proposed",
        "controller_message": "resolution_proposed",
        "propose": None,
        "accept": "resolved",
        "reject": "in_consultation",
        "resolve": "resolved",
        "withdraw": "withdrawn",
    },
    "resolved": {name: None for name in ACTIONS},
    "withdrawn": {name: None for name in ACTIONS},
}

ALLOWED_FOR = {
    ("filed", "processor"): ["acknowledge", "message"],
    ("filed", "controller"): ["message", "withdraw"],
    ("in_consultation", "processor"): ["message", "propose", "resolve"],
    ("in_consultation", "controller"): ["message", "withdraw"],
    ("resolution_proposed", "processor"): ["message", "resolve"],
    ("resolution_proposed", "controller"): ["message", "accept", "reject", "withdraw"],
    ("resolved", "processor"): [],
    ("resolved", "controller"): [],
    ("withdrawn", "processor"): [],
    ("withdrawn", "controller"): [],
}

# The last audit event each step writes, and the notices it queues.
AUDIT_ACTION = {
    "acknowledge": "objection.acknowledged",
    "processor_message": "objection.message_posted",
    "controller_message": "objection.message_posted",
    "propose": "objection.resolution_proposed",
    "accept": "objection.resolved",
    "reject": "objection.proposal_rejected",
    "resolve": "objection.resolved",
    "withdraw": "objection.withdrawn",
}
NOTICE_KINDS = {
    "acknowledge": ["objection_acknowledged"],
    "processor_message": ["objection_message"],
    "controller_message": ["objection_message"],
    "propose": ["objection_proposed"],
    "accept": ["objection_accepted", "objection_resolved"],
    "reject": ["objection_rejected"],
    "resolve": ["objection_resolved"],
    "withdraw": ["objection_withdrawn"],
}


def party(world: World, who: str) -> Party:
    return world.processor if who == "processor" else world.controller


def act(client: FlaskClient, world: World, objection_id: int, name: str) -> Any:
    who, path, body = ACTIONS[name]
    return client.post(
        f"/api/v1/objections/{objection_id}/{path}", json=body, headers=party(world, who).headers
    )


def bring_to(client: FlaskClient, world: World, objection_id: int, state: str) -> None:
    steps = {
        "filed": [],
        "in_consultation": ["acknowledge"],
        "resolution_proposed": ["acknowledge", "propose"],
        "resolved": ["acknowledge", "resolve"],
        "withdrawn": ["withdraw"],
    }[state]
    for step in steps:
        assert act(client, world, objection_id, step).status_code == 200


def test_the_table_covers_the_model() -> None:
    """The test's table and the model's agree on what each party may do."""
    assert set(TRANSITIONS) == set(ObjectionState)
    for state in STATES:
        for who in ("processor", "controller"):
            allowed = [
                a.value
                for a, parties in TRANSITIONS[ObjectionState(state)].items()
                if who in parties
            ]
            assert allowed == ALLOWED_FOR[(state, who)]
    assert {a.value for a in ObjectionAction} == {
        "acknowledge",
        "message",
        "propose",
        "accept",
        "reject",
        "resolve",
        "withdraw",
    }


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("name", list(ACTIONS))
def test_action_from_state(
    world: World, objection: dict[str, Any], client: FlaskClient, state: str, name: str
) -> None:
    bring_to(client, world, objection["id"], state)
    events_before = db.session.scalar(select(db.func.count()).select_from(AuditEvent))
    notices_before = len(notices())

    response = act(client, world, objection["id"], name)
    expected = EXPECTED[state][name]
    who = ACTIONS[name][0]
    db.session.expire_all()

    if expected is None:
        assert response.status_code == 409, response.json
        assert response.mimetype == "application/problem+json"
        assert response.json["state"] == state
        assert response.json["allowed_actions"] == ALLOWED_FOR[(state, who)]
        assert state in response.json["detail"]
        # Nothing written: no event, no notice, the state unchanged.
        assert db.session.scalar(select(db.func.count()).select_from(AuditEvent)) == events_before
        assert len(notices()) == notices_before
        shown = client.get(
            f"/api/v1/objections/{objection['id']}", headers=world.controller.headers
        )
        assert shown.json["state"] == state
        return

    assert response.status_code == (201 if "message" in name else 200), response.json
    assert response.json["state"] == expected
    assert response.json["allowed_actions"] == ALLOWED_FOR[(expected, who)]
    event = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
    assert event is not None
    assert event.action == AUDIT_ACTION[name]
    assert (event.object_type, event.object_id) == ("objection", objection["id"])
    assert event.agreement_id == world.agreement_id
    assert event.actor_org_id == party(world, who).organisation.id
    assert event.actor_token_name == f"{party(world, who).slug} test token"
    assert [n.kind for n in notices()[notices_before:]] == NOTICE_KINDS[name]


def test_a_processor_answer_acknowledges_but_a_controller_message_does_not(
    world: World, objection: dict[str, Any], client: FlaskClient
) -> None:
    controller_says = act(client, world, objection["id"], "controller_message")
    assert controller_says.json["state"] == "filed"
    assert controller_says.json["acknowledged_at"] is None
    processor_says = act(client, world, objection["id"], "processor_message")
    assert processor_says.json["state"] == "in_consultation"
    assert processor_says.json["acknowledged_at"] is not None
    thread = processor_says.json["messages"]
    assert [(m["by"], m["author"]) for m in thread] == [
        ("controller", "zeewolde"),
        ("processor", "ipvoice"),
    ]
    assert thread[1]["body"] == "We can keep support in the EEA."


def test_roles_are_checked_before_states(
    world: World, objection: dict[str, Any], client: FlaskClient
) -> None:
    """A controller cannot acknowledge, propose or resolve; a processor cannot withdraw, accept
    or reject: 403."""
    base = f"/api/v1/objections/{objection['id']}"
    assert client.post(f"{base}/acknowledge", headers=world.controller.headers).status_code == 403
    for path in ("resolve", "propose"):
        refused = client.post(
            f"{base}/{path}",
            json={"outcome": "safeguards_agreed", "summary": "x"},
            headers=world.controller.headers,
        )
        assert refused.status_code == 403
    assert client.post(f"{base}/accept", headers=world.processor.headers).status_code == 403
    rejected = client.post(f"{base}/reject", json={"reason": "x"}, headers=world.processor.headers)
    assert rejected.status_code == 403
    withdrawn = client.post(
        f"{base}/withdraw", json={"reason": "x"}, headers=world.processor.headers
    )
    assert withdrawn.status_code == 403


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("messages", {"body": "  "}, "body"),
        ("messages", {}, "body"),
        ("resolve", {"outcome": "we_agreed", "summary": "x"}, "outcome"),
        ("resolve", {"outcome": "safeguards_agreed", "summary": ""}, "summary"),
        ("propose", {"outcome": "agreement_terminated", "summary": "x"}, "outcome"),
        ("propose", {"outcome": "safeguards_agreed"}, "summary"),
        ("reject", {"reason": " "}, "reason"),
        ("withdraw", {"reason": ""}, "reason"),
    ],
)
def test_bad_bodies_are_422_and_change_nothing(
    world: World,
    objection: dict[str, Any],
    client: FlaskClient,
    path: str,
    body: dict[str, Any],
    field: str,
) -> None:
    who = world.controller if path in ("withdraw", "reject") else world.processor
    response = client.post(
        f"/api/v1/objections/{objection['id']}/{path}", json=body, headers=who.headers
    )
    assert response.status_code == 422
    assert field in response.json["errors"]
    shown = client.get(f"/api/v1/objections/{objection['id']}", headers=world.controller.headers)
    assert shown.json["state"] == "filed"
    assert shown.json["messages"] == []
