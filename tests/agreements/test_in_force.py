"""Which agreements are in force at a moment: one definition, used by every view."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient

from registry.subprocessors import service as subprocessors
from tests.factories import Party, PartyFactory

BODY = {
    "signed_on": "2026-03-01",
    "language": "nl",
    "notify_emails": ["privacy@zeewolde.example"],
}


@pytest.fixture
def processor(app: Any) -> Party:
    PartyFactory(kind="controller", slug="zeewolde")
    PartyFactory(kind="controller", slug="ermelo")
    return PartyFactory(kind="processor", slug="ipvoice")


def overview(client: FlaskClient, processor: Party, at: str) -> Any:
    response = client.get(f"/api/v1/transfers?at={at}", headers=processor.headers)
    assert response.status_code == 200, response.json
    return response


def test_an_agreement_recorded_after_t_is_absent_from_the_overview_at_t(
    client: FlaskClient, processor: Party
) -> None:
    # Recorded at 2026-11-27 09:00 (the frozen clock): not in force at midnight that day.
    body = {**BODY, "controller": "zeewolde", "reference": "VWO-1"}
    assert (
        client.post("/api/v1/agreements", json=body, headers=processor.headers).status_code == 201
    )
    before = overview(client, processor, "2026-11-27")
    assert before.json == []
    assert '"total": 0' in before.headers["X-Pagination"]
    after = overview(client, processor, "2026-11-28")
    assert [row["reference"] for row in after.json] == ["VWO-1"]
    assert '"total": 1' in after.headers["X-Pagination"]


def test_the_overview_reads_the_list_once_per_request(
    client: FlaskClient, processor: Party, monkeypatch: pytest.MonkeyPatch
) -> None:
    for slug, reference in (("zeewolde", "VWO-1"), ("ermelo", "VWO-2")):
        body = {**BODY, "controller": slug, "reference": reference}
        client.post("/api/v1/agreements", json=body, headers=processor.headers)
    calls = []
    list_at = subprocessors.list_at

    def counted(**kwargs: Any) -> Any:
        calls.append(kwargs)
        return list_at(**kwargs)

    monkeypatch.setattr(subprocessors, "list_at", counted)
    assert len(overview(client, processor, "2026-11-28").json) == 2
    assert len(calls) == 1
