"""Public reads: ETag, 304, Cache-Control, ?at=, and the countries of Art. 3.4."""

from __future__ import annotations

from datetime import timedelta

from flask.testing import FlaskClient

from registry import clock
from tests.conftest import NOW
from tests.factories import EntryFactory, Party


def add(client: FlaskClient, party: Party, offset: timedelta, **fields: object) -> dict:
    response = client.post(
        f"/api/v1/processors/{party.slug}/changes",
        json={
            "action": "add",
            "reason": "New sub-processor",
            "subprocessor": EntryFactory(**fields),
            "effective_at": (NOW + offset).isoformat(),
        },
        headers=party.headers,
    )
    assert response.status_code == 201, response.json
    return response.json


def test_etag_304_and_cache_control(client: FlaskClient, processor: Party) -> None:
    add(client, processor, timedelta(0))
    first = client.get("/api/v1/processors/ipvoice/subprocessors")
    etag = first.headers["ETag"]
    assert first.headers["Cache-Control"].startswith("public, max-age=")
    second = client.get("/api/v1/processors/ipvoice/subprocessors", headers={"If-None-Match": etag})
    assert second.status_code == 304
    assert second.headers["ETag"] == etag
    assert second.data == b""


def test_etag_changes_when_a_scheduled_change_takes_effect(
    client: FlaskClient, processor: Party
) -> None:
    add(client, processor, timedelta(hours=2), name="Later")
    before = client.get("/api/v1/processors/ipvoice/subprocessors").headers["ETag"]
    clock.advance(timedelta(hours=1))
    unchanged = client.get(
        "/api/v1/processors/ipvoice/subprocessors", headers={"If-None-Match": before}
    )
    assert unchanged.status_code == 304
    clock.advance(timedelta(hours=1))
    after = client.get(
        "/api/v1/processors/ipvoice/subprocessors", headers={"If-None-Match": before}
    )
    assert after.status_code == 200
    assert after.headers["ETag"] != before
    assert [e["name"] for e in after.json["subprocessors"]] == ["Later"]


def test_etag_changes_when_something_is_written(client: FlaskClient, processor: Party) -> None:
    add(client, processor, timedelta(0))
    before = client.get("/api/v1/processors/ipvoice/subprocessors").headers["ETag"]
    add(client, processor, timedelta(days=9), name="Future")
    assert client.get("/api/v1/processors/ipvoice/subprocessors").headers["ETag"] != before


def test_entry_shows_flowdown_and_assessments(client: FlaskClient, processor: Party) -> None:
    added = add(
        client,
        processor,
        timedelta(0),
        flowdown_signed_on=None,
        dpf_certified=True,
        dpf_checked_on="2026-11-20",
        locations=[
            {"code": "US", "activities": ["support"]},
            {"code": "CA-QC", "activities": ["backup"]},
            {"code": "ES-CN", "activities": ["call centre"]},
        ],
    )
    one = client.get(f"/api/v1/processors/ipvoice/subprocessors/{added['subprocessor_id']}")
    assert one.status_code == 200
    assert one.json["flowdown_missing"] is True
    zones = {
        loc["code"]: (loc["assessment"]["zone"], loc["assessment"]["requires_consent"])
        for loc in one.json["locations"]
    }
    assert zones["US"] == ("adequate", False)
    assert zones["CA-QC"][1] is True
    assert zones["ES-CN"] == ("eea", False)
    assert client.get("/api/v1/processors/ipvoice/subprocessors/999").status_code == 404


def test_countries_of_art_3_4(client: FlaskClient, processor: Party) -> None:
    add(
        client,
        processor,
        timedelta(0),
        name="Certified",
        dpf_certified=True,
        dpf_checked_on="2026-11-20",
        locations=[{"code": "US", "activities": ["support"]}],
    )
    add(
        client,
        processor,
        timedelta(0),
        name="Uncertified",
        locations=[{"code": "US", "activities": ["analytics"]}, {"code": "DE", "activities": []}],
    )
    response = client.get("/api/v1/processors/ipvoice/countries")
    assert response.status_code == 200
    countries = {c["code"]: c for c in response.json["countries"]}
    assert set(countries) == {"US", "DE"}
    assert countries["US"]["requires_consent"] is True
    by_name = {s["name"]: s["requires_consent"] for s in countries["US"]["subprocessors"]}
    assert by_name == {"Certified": False, "Uncertified": True}
    assert countries["DE"]["requires_consent"] is False
    past = client.get(f"/api/v1/processors/ipvoice/countries?at={(NOW - timedelta(days=1)).date()}")
    assert past.json["countries"] == []


def test_bad_at_is_422_naming_at(client: FlaskClient, processor: Party) -> None:
    for bad in ("yesterday", "2026-13-01", "2026-12-01T10:00:00"):
        response = client.get(f"/api/v1/processors/ipvoice/subprocessors?at={bad}")
        assert response.status_code == 422
        assert "at" in response.json["errors"]


def test_unknown_processor_is_404(client: FlaskClient) -> None:
    for path in ("subprocessors", "countries", "changes"):
        assert client.get(f"/api/v1/processors/nobody/{path}").status_code == 404
