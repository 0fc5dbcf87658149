"""The site in a real browser: subscribing from the form, answering a notice, accessibility."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from registry import clock
from registry.extensions import db
from registry.notifications.models import Subscription, SubscriptionStatus
from tests.browser import CHROMIUM_ARGS, chromium_or_skip, served
from tests.conftest import SmtpServer
from tests.objections.conftest import World, change, deliver, text_of, world

pytestmark = pytest.mark.browser
__all__ = ["change", "world"]  # fixtures used by name below

CONTACT = "dpo@zeewolde.example"


@pytest.fixture
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(chromium_or_skip()), args=CHROMIUM_ARGS
        )
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture
def live(app: Flask) -> Iterator[str]:
    with served(app) as base:
        yield base


def on_live_server(url: str, base: str) -> str:
    """A link from a mail (BASE_URL https://registry.test) pointed at the live server."""
    return re.sub(r"^https://registry\.test", base, url)


def test_a_reader_subscribes_on_the_page_and_confirms_from_the_mail(
    world: World, smtp_server: SmtpServer, live: str, browser: Any
) -> None:
    page = browser.new_page(locale="nl-NL")
    page.goto(f"{live}/p/ipvoice")
    page.fill("#email", "lezer@example.org")
    page.select_option("#language", "nl")
    page.click("text=Inschrijven")
    assert page.locator("h1").inner_text() == "Kijk in uw mailbox"
    deliver()
    mail = text_of(smtp_server.to("lezer@example.org")[0])
    found = re.search(r"https://registry\.test/\S+/confirm/\S+", mail)
    assert found, mail
    page.goto(on_live_server(found.group(0), live))
    page.click("#submit")
    db.session.expire_all()
    subscription = db.session.scalar(select(Subscription))
    assert subscription is not None and subscription.status is SubscriptionStatus.CONFIRMED


def test_a_contact_answers_a_real_notice_on_its_page(
    client: FlaskClient,
    world: World,
    change: dict[str, Any],
    smtp_server: SmtpServer,
    live: str,
    browser: Any,
) -> None:
    deliver()
    notice = text_of(smtp_server.to(CONTACT)[-1])
    found = re.search(r"https://registry\.test/respond/\S+", notice)
    assert found, notice
    personal = on_live_server(found.group(0), live)
    page = browser.new_page()
    page.goto(personal)
    page.fill("#grounds", "De ondersteuning vanuit India valt niet onder onze DPIA.")
    page.click("text=Bezwaar indienen")
    assert "Bezwaar 1 is ingediend." in page.content()
    processor = world.processor.headers
    client.post("/api/v1/objections/1/acknowledge", headers=processor)
    client.post(
        "/api/v1/objections/1/messages",
        json={"body": "Voor uw gegevens blijft de ondersteuning in Amsterdam."},
        headers=processor,
    )
    page.goto(personal)
    assert "Voor uw gegevens blijft de ondersteuning in Amsterdam." in page.content()
    page.fill("#reply-1", "Dank u, dat lost ons bezwaar op.")
    page.click("text=Antwoord versturen")
    assert "Uw antwoord is verstuurd." in page.content()
    page.goto(personal)
    page.check("input[name=code][value=IN]")
    page.fill("#consent-name", "J. de Vries")
    page.fill("#consent-role", "functionaris gegevensbescherming")
    page.click("button:has-text('Toestemming geven')")
    assert "Voorafgaande toestemming is gegeven voor India." in page.content(), page.inner_text(
        "main"
    )
    page.goto(personal)
    page.fill("#withdraw-1", "Opgelost in het overleg")
    page.click("button:has-text('Bezwaar intrekken')")
    assert "Bezwaar 1 is ingetrokken." in page.content()
    clock.advance(timedelta(days=31))  # the change is in effect, the objection withdrawn
    transfers = client.get(
        f"/api/v1/agreements/{world.agreement_id}/transfers", headers=world.controller.headers
    ).json["transfers"]
    assert {row["code"]: row["status"] for row in transfers}["IN"] == "consent_given"
    clock.advance(timedelta(days=60))  # 91 days after the notice: the link has expired
    page.goto(personal)
    assert page.locator("h1").inner_text() == "Deze link werkt niet meer"


def test_no_serious_accessibility_violation(
    client: FlaskClient, world: World, change: dict[str, Any], live: str, browser: Any
) -> None:
    from axe_playwright_python.sync_playwright import Axe

    from registry.agreements.models import Agreement
    from registry.web import links

    with client.application.test_request_context():
        agreement = db.session.get(Agreement, world.agreement_id)
        assert agreement is not None
        token = links.respond_token(agreement, CONTACT)
    axe = Axe()
    page = browser.new_page()
    for path in (
        "/?lang=nl",
        "/p/ipvoice?lang=nl",
        "/p/ipvoice?lang=en",
        f"/p/ipvoice/changes/{change['id']}?lang=nl",
        f"/respond/{token}?change={change['id']}",
    ):
        page.goto(live + path)
        results = axe.run(page)
        serious = [
            (violation["id"], violation["help"])
            for violation in results.response["violations"]
            if violation["impact"] in ("serious", "critical")
        ]
        assert serious == [], (path, serious)
