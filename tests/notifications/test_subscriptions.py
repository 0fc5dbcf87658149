"""Public subscriptions: double opt-in, resend window, rate limit, confirm and unsubscribe."""

from __future__ import annotations

import re
from datetime import timedelta
from email.message import Message

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from registry import clock
from registry.extensions import db
from registry.notifications.models import (
    Delivery,
    Notice,
    Subscription,
    SubscriptionStatus,
)
from tests.conftest import SmtpServer
from tests.factories import Party, PartyFactory
from tests.notifications.conftest import (
    World,
    announce,
    deliver,
    subject_of,
    text_of,
)

ACCEPTED = {
    "status": "accepted",
    "detail": "If this address can be subscribed, a confirmation mail is on its way.",
}


def subscribe(
    client: FlaskClient, slug: str, email: str, language: str = "en", **headers: str
) -> tuple[int, dict]:
    response = client.post(
        f"/api/v1/processors/{slug}/subscriptions",
        json={"email": email, "language": language},
        headers=headers,
    )
    return response.status_code, response.json


def confirm_link(message: Message) -> str:
    found = re.search(
        r"https://registry\.test(/api/v1/subscriptions/confirm/\S+)", text_of(message)
    )
    assert found, text_of(message)
    return found.group(1)


def subscription(email: str) -> Subscription:
    found = db.session.scalar(select(Subscription).where(Subscription.email == email))
    assert found is not None
    return found


def test_subscribe_answers_the_same_whatever_the_address(
    client: FlaskClient, world: World, smtp_server: SmtpServer
) -> None:
    first = subscribe(client, "ipvoice", "new@example.org")
    again = subscribe(client, "ipvoice", "new@example.org")
    deliver()
    client.post(
        "/api/v1/subscriptions/confirm",
        json={"token": confirm_link(smtp_server.to("new@example.org")[0]).rsplit("/", 1)[1]},
    )
    confirmed = subscribe(client, "ipvoice", "new@example.org")
    assert first == again == confirmed == (202, ACCEPTED)


def test_unknown_processor_is_404_and_a_controller_is_not_a_processor(
    client: FlaskClient, world: World
) -> None:
    assert subscribe(client, "nobody", "a@example.org")[0] == 404
    assert subscribe(client, world.zeewolde.slug, "a@example.org")[0] == 404


def test_bad_address_and_language_are_422_naming_the_fields(
    client: FlaskClient, world: World
) -> None:
    response = client.post(
        "/api/v1/processors/ipvoice/subscriptions", json={"email": "nope", "language": "de"}
    )
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    assert set(response.json["errors"]) == {"email", "language"}
    assert db.session.scalar(select(func.count()).select_from(Subscription)) == 0


def test_confirmation_mail_in_the_chosen_language_then_confirm_by_button(
    client: FlaskClient, world: World, smtp_server: SmtpServer
) -> None:
    subscribe(client, "ipvoice", "Lezer@Example.org", language="nl")
    deliver()
    (mail,) = smtp_server.to("lezer@example.org")
    assert subject_of(mail) == (
        "Bevestig uw inschrijving voor wijzigingen in de sub-verwerkers van "
        "IP Voice Group Services B.V."
    )
    assert "List-Unsubscribe" not in mail  # not on the list yet
    assert "29 november 2026 om 10:00 CET" in text_of(mail)  # 48 hours, in Dutch
    link = confirm_link(mail)

    # A mail scanner fetching the link confirms nothing.
    page = client.get(link)
    assert page.status_code == 200
    assert page.mimetype == "text/html"
    # One language at a time, the subscriber's, in the site's layout, back to the processor.
    assert "Inschrijving bevestigen" in page.text and "Confirm subscription" not in page.text
    assert 'href="/p/ipvoice?lang=nl"' in page.text
    assert page.headers["Referrer-Policy"] == "no-referrer"
    assert subscription("lezer@example.org").status is SubscriptionStatus.PENDING

    done = client.post(link)
    assert done.status_code == 200
    assert "Inschrijving bevestigd" in done.text
    db.session.expire_all()
    assert subscription("lezer@example.org").status is SubscriptionStatus.CONFIRMED


def test_confirm_by_api_is_idempotent_and_a_bad_token_is_422_naming_token(
    client: FlaskClient, world: World, smtp_server: SmtpServer
) -> None:
    subscribe(client, "ipvoice", "api@example.org")
    deliver()
    token = confirm_link(smtp_server.to("api@example.org")[0]).rsplit("/", 1)[1]
    for _ in range(2):
        response = client.post("/api/v1/subscriptions/confirm", json={"token": token})
        assert response.status_code == 200
        assert response.json == {"processor": "ipvoice", "status": "confirmed", "language": "en"}
    bad = client.post("/api/v1/subscriptions/confirm", json={"token": "forged"})
    assert bad.status_code == 422
    assert bad.mimetype == "application/problem+json"
    assert list(bad.json["errors"]) == ["token"]
    missing = client.post("/api/v1/subscriptions/confirm", json={})
    assert missing.status_code == 422 and list(missing.json["errors"]) == ["token"]


def test_confirm_token_expires(client: FlaskClient, world: World, smtp_server: SmtpServer) -> None:
    subscribe(client, "ipvoice", "late@example.org")
    deliver()
    token = confirm_link(smtp_server.to("late@example.org")[0]).rsplit("/", 1)[1]
    clock.advance(timedelta(hours=48))
    response = client.post("/api/v1/subscriptions/confirm", json={"token": token})
    assert response.status_code == 422
    assert "token" in response.json["errors"]
    page = client.get(f"/api/v1/subscriptions/confirm/{token}")
    assert page.status_code == 404 and "This link is not valid" in page.text
    assert client.post(f"/api/v1/subscriptions/confirm/{token}").status_code == 404
    db.session.expire_all()
    assert subscription("late@example.org").status is SubscriptionStatus.PENDING

    # Asking again later sends a new link, which works.
    subscribe(client, "ipvoice", "late@example.org")
    deliver()
    assert len(smtp_server.to("late@example.org")) == 2
    fresh = confirm_link(smtp_server.to("late@example.org")[1]).rsplit("/", 1)[1]
    assert fresh != token
    assert client.post("/api/v1/subscriptions/confirm", json={"token": fresh}).status_code == 200


def test_one_confirmation_mail_per_window_and_none_once_confirmed(
    client: FlaskClient, world: World, smtp_server: SmtpServer
) -> None:
    for _ in range(3):
        subscribe(client, "ipvoice", "eager@example.org")
    deliver()
    assert len(smtp_server.to("eager@example.org")) == 1

    clock.advance(timedelta(minutes=14))
    subscribe(client, "ipvoice", "eager@example.org")
    deliver()
    assert len(smtp_server.to("eager@example.org")) == 1

    clock.advance(timedelta(minutes=2))
    subscribe(client, "ipvoice", "eager@example.org")
    deliver()
    assert len(smtp_server.to("eager@example.org")) == 2
    token = confirm_link(smtp_server.to("eager@example.org")[1]).rsplit("/", 1)[1]
    client.post("/api/v1/subscriptions/confirm", json={"token": token})

    clock.advance(timedelta(hours=1))
    subscribe(client, "ipvoice", "eager@example.org")
    deliver()
    assert len(smtp_server.to("eager@example.org")) == 2


def test_an_unconfirmed_address_gets_nothing_but_the_confirmation(
    client: FlaskClient, world: World, smtp_server: SmtpServer
) -> None:
    subscribe(client, "ipvoice", "unsure@example.org")
    deliver()
    announce(client, world.processor, effective_at="2027-01-04T09:00:00Z")
    deliver()
    (only,) = smtp_server.to("unsure@example.org")
    assert subject_of(only).startswith("Confirm your subscription")


def test_the_confirmation_token_is_kept_only_as_a_hash(
    client: FlaskClient, world: World, smtp_server: SmtpServer
) -> None:
    subscribe(client, "ipvoice", "secret@example.org")
    deliver()
    token = confirm_link(smtp_server.to("secret@example.org")[0]).rsplit("/", 1)[1]
    stored = subscription("secret@example.org")
    assert stored.confirm_token_hash and token not in stored.confirm_token_hash
    notice = db.session.scalar(select(Notice).where(Notice.kind == "subscription_confirm"))
    assert notice is not None and "token" not in notice.data
    delivery = db.session.scalar(select(Delivery).where(Delivery.notice_id == notice.id))
    assert delivery is not None and token not in str(delivery.payload)


def test_rate_limit_per_client_is_429_problem(
    app: Flask, client: FlaskClient, world: World
) -> None:
    limit = int(str(app.config["SUBSCRIBE_RATE_LIMIT"]).split()[0])
    for index in range(limit):
        assert subscribe(client, "ipvoice", f"r{index}@example.org")[0] == 202
    response = client.post(
        "/api/v1/processors/ipvoice/subscriptions",
        json={"email": "one-more@example.org", "language": "en"},
    )
    assert response.status_code == 429
    assert response.mimetype == "application/problem+json"
    assert response.json["status"] == 429
    assert "Retry-After" in response.headers
    assert (
        db.session.scalar(
            select(func.count())
            .select_from(Subscription)
            .where(Subscription.email == "one-more@example.org")
        )
        == 0
    )
    # Another client is not held back.
    other = client.post(
        "/api/v1/processors/ipvoice/subscriptions",
        json={"email": "elsewhere@example.org", "language": "en"},
        environ_base={"REMOTE_ADDR": "192.0.2.7"},
    )
    assert other.status_code == 202


def test_one_click_unsubscribe_needs_no_token_and_repeats_harmlessly(
    client: FlaskClient, world: World
) -> None:
    from tests.notifications.conftest import confirmed_subscriber

    sub = confirmed_subscriber(world.processor, "leaving@example.org")
    url = f"/api/v1/subscriptions/unsubscribe/{sub.unsubscribe_token}"
    for _ in range(2):
        response = client.post(
            url,
            data={"List-Unsubscribe": "One-Click"},
            content_type="application/x-www-form-urlencoded",
        )
        assert response.status_code == 200
        assert response.json["status"] == "unsubscribed"
    assert client.post("/api/v1/subscriptions/unsubscribe/forged").status_code == 404


def test_unsubscribe_page_shows_a_button_and_a_get_changes_nothing(
    client: FlaskClient, world: World
) -> None:
    from tests.notifications.conftest import confirmed_subscriber

    sub = confirmed_subscriber(world.processor, "looker@example.org", language="nl")
    url = f"/api/v1/subscriptions/unsubscribe/{sub.unsubscribe_token}"
    for _ in range(3):
        page = client.get(url)
        assert page.status_code == 200
        assert page.mimetype == "text/html"
        assert '<html lang="nl">' in page.text
        assert "Afmelden" in page.text
        assert f'action="{url}"' in page.text
    db.session.expire_all()
    assert subscription("looker@example.org").status is SubscriptionStatus.CONFIRMED

    done = client.post(url, data={"List-Unsubscribe": "One-Click"}, headers={"Accept": "text/html"})
    assert done.status_code == 200 and "U bent afgemeld" in done.text
    assert "U bent afgemeld" in client.get(url).text
    assert client.get("/api/v1/subscriptions/unsubscribe/forged").status_code == 404


def test_unsubscribed_address_gets_no_more_notices_and_old_confirm_links_die(
    client: FlaskClient, world: World, smtp_server: SmtpServer
) -> None:
    subscribe(client, "ipvoice", "gone@example.org")
    deliver()
    token = confirm_link(smtp_server.to("gone@example.org")[0]).rsplit("/", 1)[1]
    client.post("/api/v1/subscriptions/confirm", json={"token": token})
    db.session.expire_all()
    client.post(
        f"/api/v1/subscriptions/unsubscribe/{subscription('gone@example.org').unsubscribe_token}"
    )
    assert client.post("/api/v1/subscriptions/confirm", json={"token": token}).status_code == 422

    announce(client, world.processor, effective_at="2027-01-04T09:00:00Z")
    deliver()
    assert len(smtp_server.to("gone@example.org")) == 1  # the confirmation only


def test_subscriptions_of_one_processor_do_not_reach_another(
    client: FlaskClient, world: World, smtp_server: SmtpServer
) -> None:
    from tests.notifications.conftest import confirmed_subscriber

    other: Party = PartyFactory(kind="processor", slug="othervoice")
    confirmed_subscriber(other, "follower@example.org")
    announce(client, world.processor, effective_at="2027-01-04T09:00:00Z")
    deliver()
    assert smtp_server.to("follower@example.org") == []


def test_only_the_newest_confirmation_goes_out_when_the_worker_was_away(
    client: FlaskClient, world: World, smtp_server: SmtpServer
) -> None:
    subscribe(client, "ipvoice", "patient@example.org")
    clock.advance(timedelta(minutes=20))
    subscribe(client, "ipvoice", "patient@example.org")
    deliver()
    (mail,) = smtp_server.to("patient@example.org")
    token = confirm_link(mail).rsplit("/", 1)[1]
    assert client.post("/api/v1/subscriptions/confirm", json={"token": token}).status_code == 200
