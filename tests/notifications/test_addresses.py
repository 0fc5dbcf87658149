"""Addresses are checked where they come in: subscriptions, agreement contacts, organisations."""

from __future__ import annotations

from datetime import date

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from registry.extensions import db
from registry.notifications.models import Subscription
from registry.organisations.addresses import NOT_ASCII_LOCAL, normalise_address, transport_form
from tests.conftest import SmtpServer
from tests.factories import AdminFactory
from tests.notifications.conftest import World, announce, confirmed_subscriber, deliver

POISON = "\u0455ub1@example.org"  # a Cyrillic "s"


def subscribe(client: FlaskClient, email: str) -> tuple[int, dict]:
    response = client.post(
        "/api/v1/processors/ipvoice/subscriptions", json={"email": email, "language": "en"}
    )
    return response.status_code, response.json


def test_a_non_ascii_local_part_is_refused_unless_the_mail_server_carries_it(
    app: Flask, client: FlaskClient, world: World
) -> None:
    status, body = subscribe(client, POISON)
    assert status == 422
    assert body["errors"] == {"email": [NOT_ASCII_LOCAL]}
    assert db.session.scalars(select(Subscription)).all() == []

    app.config["MAIL_SMTPUTF8"] = True
    assert subscribe(client, POISON)[0] == 202
    assert db.session.scalar(select(Subscription.email)) == POISON


@pytest.mark.parametrize(
    "address",
    ["nope", "a@localhost", "a b@example.org", "Name <a@example.org>", "a@example", "a@[1.2.3.4]"],
)
def test_an_address_that_cannot_receive_mail_is_422_naming_the_field(
    client: FlaskClient, world: World, address: str
) -> None:
    status, body = subscribe(client, address)
    assert status == 422 and set(body["errors"]) == {"email"}


def test_an_internationalised_domain_is_stored_in_unicode_and_sent_in_ascii(
    client: FlaskClient, world: World, smtp_server: SmtpServer
) -> None:
    assert normalise_address("Reader@XN--BCHER-KVA.example") == "Reader@bücher.example"
    assert transport_form("reader@bücher.example") == "reader@xn--bcher-kva.example"
    assert subscribe(client, "Reader@Bücher.example")[0] == 202
    assert db.session.scalar(select(Subscription.email)) == "reader@bücher.example"

    confirmed_subscriber(world.processor, "other@bücher.example")
    announce(client, world.processor, effective_at="2027-01-04T09:00:00Z")
    deliver()
    (mail,) = smtp_server.to("other@xn--bcher-kva.example")
    assert mail["To"] == "other@xn--bcher-kva.example"


def test_agreement_contacts_are_checked_one_by_one(client: FlaskClient, world: World) -> None:
    body = {
        "controller": world.acme.slug,
        "reference": "ACME-8",
        "signed_on": date(2026, 6, 1).isoformat(),
        "notify_emails": ["dpo@acme.example", POISON, "ok@bücher.example"],
    }
    response = client.post("/api/v1/agreements", json=body, headers=world.processor.headers)
    assert response.status_code == 422
    assert response.json["errors"] == {"notify_emails.1": [NOT_ASCII_LOCAL]}

    body["notify_emails"] = ["DPO@acme.example", "ok@XN--BCHER-KVA.example"]
    response = client.post("/api/v1/agreements", json=body, headers=world.processor.headers)
    assert response.status_code == 201, response.json
    assert response.json["notify_emails"] == ["dpo@acme.example", "ok@bücher.example"]


def test_an_organisations_address_is_checked(client: FlaskClient) -> None:
    body = {
        "slug": "acme",
        "name": "Acme",
        "kind": "controller",
        "country": "NL",
        "email": POISON,
    }
    admin = AdminFactory().headers
    response = client.post("/api/v1/organisations", json=body, headers=admin)
    assert response.status_code == 422
    assert response.json["errors"] == {"email": [NOT_ASCII_LOCAL]}
    body["email"] = "privacy@acme.example"
    assert client.post("/api/v1/organisations", json=body, headers=admin).status_code == 201
