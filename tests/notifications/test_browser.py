"""The links in mail, followed in a real browser against a real server."""

from __future__ import annotations

import re
from collections.abc import Iterator
from email.message import Message

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from registry.extensions import db
from registry.notifications.models import Subscription, SubscriptionStatus
from tests.browser import CHROMIUM_ARGS, chromium_or_skip, served
from tests.conftest import SmtpServer
from tests.notifications.conftest import World, announce, deliver, subject_of, text_of

pytestmark = pytest.mark.browser


@pytest.fixture
def live_server(app: Flask) -> Iterator[str]:
    with served(app) as base:
        yield base


def link_in(message: Message, kind: str, base: str) -> str:
    """The link of this kind in the mail, pointed at the live server instead of BASE_URL."""
    found = re.search(
        rf"https://registry\.test(/api/v1/subscriptions/{kind}/\S+)", text_of(message)
    )
    assert found, text_of(message)
    return base + found.group(1)


def status_of(email: str) -> SubscriptionStatus:
    db.session.expire_all()
    subscription = db.session.scalar(select(Subscription).where(Subscription.email == email))
    assert subscription is not None
    return subscription.status


def test_confirm_and_unsubscribe_by_following_the_mail_in_a_browser(
    client: FlaskClient, world: World, smtp_server: SmtpServer, live_server: str
) -> None:
    from playwright.sync_api import sync_playwright

    email = "lezer@example.org"
    response = client.post(
        "/api/v1/processors/ipvoice/subscriptions", json={"email": email, "language": "nl"}
    )
    assert response.status_code == 202
    deliver()
    confirm_url = link_in(smtp_server.to(email)[0], "confirm", live_server)

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(chromium_or_skip()), args=CHROMIUM_ARGS
        )
        try:
            page = browser.new_page()
            page.goto(confirm_url)
            assert page.locator("h1").first.inner_text() == "Inschrijving bevestigen"
            assert status_of(email) is SubscriptionStatus.PENDING  # opening is not confirming
            page.click("#submit")
            page.wait_for_selector("text=Inschrijving bevestigd")
            assert status_of(email) is SubscriptionStatus.CONFIRMED

            announce(client, world.processor, effective_at="2027-01-04T09:00:00Z")
            deliver()
            notice = smtp_server.to(email)[-1]
            assert "voorgenomen toevoeging" in subject_of(notice)
            header_link = re.search(r"<(https://[^>]+)>", notice["List-Unsubscribe"])
            assert header_link is not None
            unsubscribe_url = link_in(notice, "unsubscribe", live_server)
            assert unsubscribe_url.endswith(header_link.group(1).split("registry.test", 1)[1])

            page.goto(unsubscribe_url)
            button = page.locator("#submit")
            assert button.inner_text() == "Afmelden"
            page.reload()  # fetching the link again, as a scanner would, changes nothing
            assert status_of(email) is SubscriptionStatus.CONFIRMED
            page.click("#submit")
            page.wait_for_selector("text=U bent afgemeld")
            assert page.locator("html").get_attribute("lang") == "nl"
            assert "You are unsubscribed" not in page.content()
        finally:
            browser.close()
    assert status_of(email) is SubscriptionStatus.UNSUBSCRIBED

    before = len(smtp_server.to(email))
    announce(client, world.processor, effective_at="2027-01-05T09:00:00Z")
    deliver()
    assert len(smtp_server.to(email)) == before
