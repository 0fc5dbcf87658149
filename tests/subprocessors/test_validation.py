"""Bad input names the field and the rule, and writes nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask.testing import FlaskClient

from registry.extensions import db
from registry.subprocessors.models import Change, Subprocessor
from tests.conftest import NOW
from tests.factories import EntryFactory, Party, PartyFactory


def post_change(client: FlaskClient, party: Party, body: dict, slug: str | None = None):  # type: ignore[no-untyped-def]
    return client.post(
        f"/api/v1/processors/{slug or party.slug}/changes", json=body, headers=party.headers
    )


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (
            {
                "action": "add",
                "reason": "x long",
                "subprocessor": EntryFactory(locations=[{"code": "XX"}]),
            },
            "subprocessor.locations.0.code",
        ),
        (
            {"action": "add", "reason": "x long", "subprocessor": EntryFactory(locations=[])},
            "subprocessor.locations",
        ),
        (
            {"action": "add", "reason": "x long", "subprocessor": EntryFactory(name="")},
            "subprocessor.name",
        ),
        (
            {"action": "add", "reason": "x long", "subprocessor": EntryFactory(dpf_certified=True)},
            "subprocessor.dpf_checked_on",
        ),
        (
            {
                "action": "add",
                "reason": "x long",
                "subprocessor": EntryFactory(transfer_mechanism="shield"),
            },
            "subprocessor.transfer_mechanism",
        ),
        ({"action": "add", "reason": "x long"}, "subprocessor"),
        (
            {
                "action": "add",
                "reason": "x long",
                "subprocessor_id": 1,
                "subprocessor": EntryFactory(),
            },
            "subprocessor_id",
        ),
        ({"action": "remove", "reason": "x long"}, "subprocessor_id"),
        ({"action": "rename", "reason": "x long"}, "action"),
        ({"action": "add", "subprocessor": EntryFactory()}, "reason"),
        (
            {
                "action": "add",
                "reason": "x long",
                "subprocessor": EntryFactory(),
                "effective_at": "2026-12-01T10:00:00",
            },
            "effective_at",
        ),
        (
            {
                "action": "update",
                "reason": "x long",
                "subprocessor_id": 999,
                "subprocessor": {"purpose": "other"},
            },
            "subprocessor_id",
        ),
    ],
)
def test_bad_change_is_422_naming_the_field(
    client: FlaskClient, processor: Party, body: dict, field: str
) -> None:
    response = post_change(client, processor, body)
    assert response.status_code == 422, response.json
    assert response.mimetype == "application/problem+json"
    assert field in response.json["errors"], response.json
    assert db.session.query(Change).count() == 0
    assert db.session.query(Subprocessor).count() == 0


def test_aliases_are_normalised(client: FlaskClient, processor: Party) -> None:
    body = {
        "action": "add",
        "reason": "Greek office",
        "effective_at": NOW.isoformat(),
        "subprocessor": EntryFactory(locations=[{"code": "el"}, {"code": "UK"}]),
    }
    response = post_change(client, processor, body)
    assert response.status_code == 201, response.json
    assert [loc["code"] for loc in response.json["after"]["locations"]] == ["GR", "GB"]


def test_notice_period_of_agreements_sets_the_earliest_moment(
    client: FlaskClient, processor: Party
) -> None:
    controller = PartyFactory(kind="controller", slug="zeewolde")
    agreement = client.post(
        "/api/v1/agreements",
        json={
            "controller": controller.slug,
            "reference": "VWO-1",
            "signed_on": "2026-03-01",
            "notice_days": 30,
            "notify_emails": ["privacy@zeewolde.example"],
        },
        headers=processor.headers,
    )
    assert agreement.status_code == 201
    too_early = (NOW + timedelta(days=29)).isoformat()
    response = post_change(
        client,
        processor,
        {
            "action": "add",
            "reason": "New host",
            "subprocessor": EntryFactory(),
            "effective_at": too_early,
        },
    )
    assert response.status_code == 422
    earliest = (NOW + timedelta(days=30)).isoformat()
    assert earliest in response.json["errors"]["effective_at"][0]

    defaulted = post_change(
        client, processor, {"action": "add", "reason": "New host", "subprocessor": EntryFactory()}
    )
    assert defaulted.status_code == 201
    assert defaulted.json["effective_at"].startswith((NOW + timedelta(days=30)).date().isoformat())


def test_only_the_processor_itself_announces(
    client: FlaskClient, processor: Party, other_processor: Party
) -> None:
    controller = PartyFactory(kind="controller", slug="zeewolde")
    body = {"action": "add", "reason": "New host", "subprocessor": EntryFactory()}
    assert post_change(client, other_processor, body, slug="ipvoice").status_code == 404
    assert post_change(client, controller, body, slug="ipvoice").status_code == 403
    assert client.post("/api/v1/processors/ipvoice/changes", json=body).status_code == 401
    assert db.session.query(Change).count() == 0


def test_other_processor_cannot_withdraw_or_update(
    client: FlaskClient, processor: Party, other_processor: Party
) -> None:
    added = post_change(
        client,
        processor,
        {
            "action": "add",
            "reason": "New host",
            "subprocessor": EntryFactory(),
            "effective_at": (NOW + timedelta(days=3)).isoformat(),
        },
    )
    change_id, sp = added.json["id"], added.json["subprocessor_id"]
    withdraw = client.post(
        f"/api/v1/processors/othervoice/changes/{change_id}/withdraw",
        json={"reason": "not mine"},
        headers=other_processor.headers,
    )
    assert withdraw.status_code == 404
    update = post_change(
        client, other_processor, {"action": "remove", "reason": "not mine", "subprocessor_id": sp}
    )
    assert update.status_code == 422
    assert "subprocessor_id" in update.json["errors"]
    assert client.get(f"/api/v1/processors/othervoice/changes/{change_id}").status_code == 404
