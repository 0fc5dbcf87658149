"""The public site: the landing page, a processor's page, a change, CSV, Atom, subscribing."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from pathlib import Path
from typing import Any

import feedparser
import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_migrate import upgrade
from sqlalchemy import select

from registry import clock, create_app
from registry.extensions import db
from registry.notifications.models import Notice, Subscription, SubscriptionStatus
from tests.factories import EntryFactory, Party, PartyFactory

ADD_US_AND_QUEBEC = {
    "action": "add",
    "reason": "Speech analytics",
    "effective_at": "2027-01-04T09:00:00Z",
}


@pytest.fixture
def processor(app: Flask) -> Party:
    return PartyFactory(
        kind="processor", slug="ipvoice", name="IP Voice Group Services B.V.", language="nl"
    )


def announce(client: FlaskClient, processor: Party, **body: Any) -> dict[str, Any]:
    payload = {**ADD_US_AND_QUEBEC, "subprocessor": EntryFactory(), **body}
    response = client.post(
        "/api/v1/processors/ipvoice/changes", json=payload, headers=processor.headers
    )
    assert response.status_code == 201, response.json
    return dict(response.json)


def page(client: FlaskClient, path: str, **headers: str) -> Any:
    response = client.get(path, headers=headers)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert "Set-Cookie" not in response.headers
    return response


def test_the_landing_page_lists_the_processors(client: FlaskClient, processor: Party) -> None:
    PartyFactory(kind="controller", slug="gemeente-zeewolde", name="Gemeente Zeewolde")
    body = page(client, "/?lang=en").get_data(as_text=True)
    assert 'href="/p/ipvoice?lang=en"' in body
    assert "IP Voice Group Services B.V." in body
    assert "Gemeente Zeewolde" not in body  # controllers publish nothing


def test_the_processor_page_shows_the_list_the_announced_change_and_the_countries(
    client: FlaskClient, processor: Party
) -> None:
    announce(client, processor, effective_at=None)  # the earliest allowed: at once here
    entry = EntryFactory(
        name="Quebec Voice", locations=[{"code": "CA-QC", "activities": ["support"]}]
    )
    announce(client, processor, subprocessor=entry)
    body = page(client, "/p/ipvoice?lang=en").get_data(as_text=True)
    assert "Nordhosting" in body  # in force
    assert "Announced changes" in body and "Quebec Voice" in body
    assert "January 4, 2027 at 10:00 CET (in 38 days)" in body
    assert "Inside the EEA" in body
    assert "Needs the controller&#39;s prior consent (Art. 3.1)" in body
    assert "Processing countries" in body
    dutch = page(client, "/p/ipvoice?lang=nl").get_data(as_text=True)
    assert '<html lang="nl">' in dutch
    assert "4 januari 2027" in dutch


def test_the_page_can_show_any_date(client: FlaskClient, processor: Party) -> None:
    announce(client, processor)
    today = page(client, "/p/ipvoice?lang=en").get_data(as_text=True)
    later = page(client, "/p/ipvoice?lang=en&at=2027-01-05").get_data(as_text=True)
    assert "No sub-processors on this date." in today
    assert "Nordhosting" in later and "Announced changes" not in later
    assert client.get("/p/ipvoice?at=someday").status_code == 422


def test_the_language_comes_from_the_query_the_browser_or_the_processor(
    client: FlaskClient, processor: Party
) -> None:
    assert '<html lang="nl">' in page(client, "/p/ipvoice").get_data(as_text=True)
    english = page(client, "/p/ipvoice", **{"Accept-Language": "en-GB,en;q=0.8"})
    assert '<html lang="en">' in english.get_data(as_text=True)
    assert english.headers["Vary"] == "Accept-Language"
    asked = page(client, "/p/ipvoice?lang=nl", **{"Accept-Language": "en"})
    assert '<html lang="nl">' in asked.get_data(as_text=True)


def test_the_page_is_cacheable_per_language_and_day(client: FlaskClient, processor: Party) -> None:
    first = page(client, "/p/ipvoice?lang=en")
    etag = first.headers["ETag"]
    assert first.headers["Cache-Control"].startswith("public")
    again = client.get("/p/ipvoice?lang=en", headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert page(client, "/p/ipvoice?lang=nl").headers["ETag"] != etag
    clock.advance(timedelta(days=1))  # the days left change
    assert page(client, "/p/ipvoice?lang=en").headers["ETag"] != etag
    announce(client, processor)  # and so does the list
    assert client.get("/p/ipvoice?lang=en", headers={"If-None-Match": etag}).status_code == 200


def test_an_unknown_processor_is_a_404(client: FlaskClient, processor: Party) -> None:
    assert client.get("/p/nobody").status_code == 404
    PartyFactory(kind="controller", slug="gemeente-zeewolde")
    assert client.get("/p/gemeente-zeewolde").status_code == 404


def test_a_change_page_shows_what_why_when_and_every_new_location(
    client: FlaskClient, processor: Party
) -> None:
    change = announce(client, processor)
    body = page(client, f"/p/ipvoice/changes/{change['id']}?lang=en").get_data(as_text=True)
    assert "Addition of a sub-processor: Nordhosting" in body
    assert "Speech analytics" in body
    assert "Germany" in body and "United States" in body
    assert "Needs the controller&#39;s prior consent" in body  # US without DPF certification
    other = PartyFactory(kind="processor", slug="othervoice")
    assert client.get(f"/p/othervoice/changes/{change['id']}").status_code == 404
    assert other.slug == "othervoice"


def test_the_csv_has_one_row_per_location(client: FlaskClient, processor: Party) -> None:
    announce(client, processor)
    response = page(client, "/p/ipvoice/subprocessors.csv?at=2027-01-05")
    assert response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert [(row["name"], row["location"]) for row in rows] == [
        ("Nordhosting", "DE"),
        ("Nordhosting", "US"),
    ]
    assert rows[1]["requires_consent"] == "yes" and rows[0]["zone"] == "eea"
    etag = response.headers["ETag"]
    again = client.get(
        "/p/ipvoice/subprocessors.csv?at=2027-01-05", headers={"If-None-Match": etag}
    )
    assert again.status_code == 304


def test_the_atom_feed_has_an_entry_per_change_and_state(
    client: FlaskClient, processor: Party
) -> None:
    first = announce(client, processor)
    second = announce(client, processor, subprocessor=EntryFactory(name="Other"))
    client.post(
        f"/api/v1/processors/ipvoice/changes/{second['id']}/withdraw",
        json={"reason": "Not needed"},
        headers=processor.headers,
    )
    clock.advance(timedelta(days=40))
    response = page(client, "/p/ipvoice/feed.atom?lang=en")
    assert response.mimetype == "application/atom+xml"
    feed = feedparser.parse(response.get_data())
    assert not feed.bozo, feed.bozo_exception
    assert feed.version == "atom10"
    assert feed.feed.title and feed.feed.id and feed.feed.updated
    ids = [entry.id for entry in feed.entries]
    base = "https://registry.test/p/ipvoice/changes"
    assert set(ids) == {
        f"{base}/{first['id']}#announced",
        f"{base}/{first['id']}#effective",
        f"{base}/{second['id']}#announced",
        f"{base}/{second['id']}#withdrawn",
    }
    for entry in feed.entries:  # the elements Atom (RFC 4287) requires of an entry
        assert entry.id and entry.title and entry.updated and entry.link
    announced = next(e for e in feed.entries if e.id.endswith(f"{first['id']}#announced"))
    assert "Nordhosting" in announced.content[0].value
    assert feedparser.parse(page(client, "/p/ipvoice/feed.atom").get_data()).entries[0].id in ids


def test_the_subscribe_form_runs_the_double_opt_in(client: FlaskClient, processor: Party) -> None:
    response = client.post(
        "/p/ipvoice/subscribe", data={"email": "Reader@Example.org", "language": "en"}
    )
    assert response.status_code == 200
    assert "Check your mail" in response.get_data(as_text=True)
    subscription = db.session.scalars(select(Subscription)).one()
    assert (subscription.email, subscription.status) == (
        "reader@example.org",
        SubscriptionStatus.PENDING,
    )
    assert db.session.scalars(select(Notice.kind)).all() == ["subscription_confirm"]
    invalid = client.post("/p/ipvoice/subscribe", data={"email": "nobody", "language": "en"})
    assert invalid.status_code == 422
    assert "This address cannot be used" in invalid.get_data(as_text=True)


def test_the_form_and_the_api_share_one_rate_limit(
    app: Flask, client: FlaskClient, processor: Party
) -> None:
    app.config["SUBSCRIBE_RATE_LIMIT"] = "2 per hour"
    app.extensions.pop("registry_ratelimit", None)
    env = {"REMOTE_ADDR": "10.1.2.3"}
    form = client.post("/p/ipvoice/subscribe", data={"email": "a@example.org"}, environ_base=env)
    api = client.post(
        "/api/v1/processors/ipvoice/subscriptions",
        json={"email": "b@example.org", "language": "nl"},
        environ_base=env,
    )
    assert (form.status_code, api.status_code) == (200, 202)
    limited = client.post("/p/ipvoice/subscribe", data={"email": "c@example.org"}, environ_base=env)
    assert limited.status_code == 429
    assert "Probeer het over 60 minuten opnieuw." in limited.get_data(as_text=True)


def test_health_and_readiness(tmp_path: Path, client: FlaskClient) -> None:
    assert client.get("/healthz").json == {"status": "ok"}
    # The test schema is made without migrations: not the schema this code expects.
    not_ready = client.get("/readyz")
    assert not_ready.status_code == 503 and not_ready.json["schema"] is None
    migrated = create_app({"TESTING": True, "DATABASE_URL": f"sqlite:///{tmp_path}/r.sqlite3"})
    with migrated.app_context():
        upgrade()
    ready = migrated.test_client().get("/readyz")
    assert ready.status_code == 200, ready.json
    assert ready.json["schema"] == ready.json["expected_schema"]
