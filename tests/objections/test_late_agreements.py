"""An agreement recorded while a change is announced may object to it for its own
``objection_days``, even after the change's window closed for the others (GDPR Art. 28(2))."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from registry import clock
from registry.agreements.models import Agreement
from registry.extensions import db
from registry.web import links
from tests.factories import PartyFactory
from tests.objections.conftest import OBJECTION_DAYS, World, file, record_agreement


def test_a_late_agreement_objects_until_its_own_window_closes(
    app: Flask, world: World, change: dict[str, Any], client: FlaskClient
) -> None:
    clock.advance(timedelta(days=10))
    late = PartyFactory(kind="controller", slug="almere", name="Gemeente Almere")
    agreement = record_agreement(client, world.processor, late)
    later = PartyFactory(kind="controller", slug="lelystad", name="Gemeente Lelystad")
    record_agreement(client, world.processor, later)

    # Day 20: the change's window (14 days) closed for the agreements that knew of it...
    clock.advance(timedelta(days=10))
    closed = file(client, world.controller, change["id"])
    assert closed.status_code == 409
    assert "POST /api/v1/agreements/" in closed.json["detail"]
    # ...but the late agreement has its own 14 days from day 10, and the page offers it.
    with app.test_request_context():
        recorded = db.session.get(Agreement, agreement["id"])
        assert recorded is not None
        token = links.respond_token(recorded, "dpo@almere.example")
    page = client.get(f"/respond/{token}").get_data(as_text=True)
    assert 'name="change_id"' in page and f'value="{change["id"]}"' in page
    objected = file(client, late, change["id"])
    assert objected.status_code == 201, objected.json
    assert (objected.json["kind"], objected.json["blocking"]) == ("change", True)

    # That window closes on day 10 + 14, before the change takes effect on day 30.
    clock.advance(timedelta(days=OBJECTION_DAYS - 10, seconds=1))
    too_late = file(client, later, change["id"])
    assert too_late.status_code == 409
    assert "closed" in too_late.json["detail"]
