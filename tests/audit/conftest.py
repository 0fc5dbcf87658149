"""The audit tests use the parties, change and objection of the objection tests."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from tests.objections.conftest import World, change, objection, world

__all__ = ["change", "confirmed", "objection", "world"]


@pytest.fixture
def confirmed(world: World, client: FlaskClient) -> None:
    """Every controller confirms the agreements recorded with it: their events become its trail."""
    for controller in (world.controller, world.other, world.stranger):
        pending = client.get("/api/v1/agreements?status=pending", headers=controller.headers)
        assert pending.status_code == 200 and pending.json, pending.json
        for agreement in pending.json:
            response = client.post(
                f"/api/v1/agreements/{agreement['id']}/confirm", headers=controller.headers
            )
            assert response.status_code == 200, response.json
