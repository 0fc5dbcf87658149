"""Transfers need a safeguard in law (GDPR Chapter V); consent answers the contract (Art. 3.1)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from registry import clock
from registry.agreements.models import Agreement, Consent
from registry.extensions import db
from registry.notifications.kinds import Recipient, get_kind
from registry.notifications.models import Notice
from registry.notifications.render import render
from registry.web import links
from tests.conftest import SmtpServer
from tests.factories import EntryFactory
from tests.notifications.conftest import (
    World,
    announce,
    deliver,
    html_of,
    text_of,
    world,
)

__all__ = ["world"]  # the fixture, used by name below

EFFECTIVE = "2027-01-04T09:00:00Z"


def entry(code: str, mechanism: str | None, **fields: Any) -> dict[str, Any]:
    return EntryFactory(
        locations=[
            {"code": "DE", "activities": ["hosting"]},
            {"code": code, "activities": ["support"]},
        ],
        transfer_mechanism=mechanism,
        **fields,
    )


def add(client: FlaskClient, world: World, body: dict[str, Any]) -> Any:
    return client.post(
        f"/api/v1/processors/{world.processor.slug}/changes",
        json={"action": "add", "subprocessor": body, "reason": "Support desk abroad"},
        headers=world.processor.headers,
    )


def in_force(client: FlaskClient, world: World, body: dict[str, Any]) -> int:
    added = announce(client, world.processor, subprocessor=body, effective_at=EFFECTIVE)
    clock.advance(timedelta(days=40))
    deliver()
    return int(added["subprocessor_id"])


def consent(client: FlaskClient, party: Any, agreement_id: int, code: str) -> dict[str, Any]:
    response = client.post(
        f"/api/v1/agreements/{agreement_id}/consents", json={"code": code}, headers=party.headers
    )
    assert response.status_code == 201, response.json
    return dict(response.json)


def rows(client: FlaskClient, party: Any, agreement_id: int, **query: str) -> dict[str, dict]:
    view = client.get(
        f"/api/v1/agreements/{agreement_id}/transfers", query_string=query, headers=party.headers
    ).json
    return {row["code"]: row for row in view["transfers"]}


@pytest.mark.parametrize("mechanism", [None, "derogation_x"])
def test_a_third_country_without_an_art46_safeguard_is_refused(
    client: FlaskClient, world: World, mechanism: str | None
) -> None:
    response = add(client, world, entry("IN", mechanism))
    assert response.status_code == 422
    assert list(response.json["errors"]) == ["subprocessor.transfer_mechanism"]
    if mechanism is None:
        message = response.json["errors"]["subprocessor.transfer_mechanism"][0]
        assert "IN is outside the EEA" in message
        assert "consent under the agreement does not replace it" in message


def test_adequacy_is_refused_where_no_decision_covers_the_recipient(
    client: FlaskClient, world: World
) -> None:
    china = add(client, world, entry("CN", "adequacy"))
    assert china.status_code == 422
    assert "at CN" in china.json["errors"]["subprocessor.transfer_mechanism"][0]
    uncertified = add(client, world, entry("US", "adequacy", dpf_certified=False))
    assert uncertified.status_code == 422
    assert "at US" in uncertified.json["errors"]["subprocessor.transfer_mechanism"][0]


@pytest.mark.parametrize(
    "mechanism", ["scc", "bcr", "ad_hoc_clauses", "code_of_conduct", "certification"]
)
def test_every_art46_safeguard_is_accepted(
    client: FlaskClient, world: World, mechanism: str
) -> None:
    response = add(client, world, entry("IN", mechanism))
    assert response.status_code == 201, response.json
    assert response.json["after"]["transfer_mechanism"] == mechanism


def test_quebec_rests_on_adequacy_in_law_and_still_needs_consent_by_contract(
    client: FlaskClient, world: World
) -> None:
    in_force(client, world, entry("CA-QC", "adequacy"))
    quebec = rows(client, world.zeewolde, world.zeewolde_agreement.id)["CA-QC"]
    assert (quebec["lawful_basis"], quebec["mechanism"], quebec["status"]) == (
        "adequacy",
        "adequacy",
        "consent_required",
    )
    consent(client, world.zeewolde, world.zeewolde_agreement.id, "CA-QC")
    given = rows(client, world.zeewolde, world.zeewolde_agreement.id)["CA-QC"]
    assert given["status"] == "consent_given"
    assert given["reason"].startswith("Prior consent given (Art. 3.1) on 2027-01-06")
    assert "; the transfer rests on the adequacy decision" in given["reason"]
    assert "allowed" not in given["reason"]


def test_a_derogation_is_accepted_with_a_warning(client: FlaskClient, world: World) -> None:
    in_force(client, world, entry("IN", "derogation"))
    listed = client.get(f"/api/v1/processors/{world.processor.slug}/subprocessors").json
    india = next(loc for loc in listed["subprocessors"][0]["locations"] if loc["code"] == "IN")
    assert any("occasional transfers" in w for w in india["assessment"]["warnings"])
    row = rows(client, world.zeewolde, world.zeewolde_agreement.id)["IN"]
    assert (row["lawful_basis"], row["status"]) == ("art49_derogation", "consent_required")
    assert "EDPB Guidelines 2/2018" in row["warnings"][0]


def test_a_transfer_without_basis_in_law_blocks_whatever_the_consent(
    client: FlaskClient, world: World
) -> None:
    # The UK decision ends after 2031-12-27: an entry resting on it alone loses its basis.
    in_force(client, world, entry("GB", None))
    later = "2032-01-05"
    uk = rows(client, world.zeewolde, world.zeewolde_agreement.id, at=later)["GB"]
    assert (uk["lawful_basis"], uk["status"]) == ("none", "safeguard_missing")
    assert "does not replace one" in uk["reason"]
    overview = client.get(
        "/api/v1/transfers", query_string={"at": later}, headers=world.processor.headers
    ).json
    assert {r["code"]: r["status"] for r in overview[0]["blocking"]} == {"GB": "safeguard_missing"}
    # A consent recorded for it changes nothing in law.
    db.session.add(
        Consent(
            agreement_id=world.zeewolde_agreement.id,
            code="GB",
            given_at=clock.now(),
        )
    )
    db.session.commit()
    again = rows(client, world.zeewolde, world.zeewolde_agreement.id, at=later)["GB"]
    assert again["status"] == "safeguard_missing"


def _consent_mail(consent_id: int, language: str) -> dict[str, Any]:
    notice = db.session.query(Notice).filter(Notice.kind == "consent_given").one()
    assert notice.data["consent_id"] == consent_id
    recipient = Recipient(email="privacy@ipvoice.example", language=language, contractual=True)
    return render(get_kind("consent_given"), notice, recipient)


def test_the_consent_mail_says_consent_given_and_what_the_transfer_rests_on(
    client: FlaskClient, world: World
) -> None:
    in_force(client, world, entry("IN", "scc"))
    given = consent(client, world.acme, world.acme_agreement.id, "IN")
    english = _consent_mail(given["id"], "en")
    assert (
        "Nordhosting (IN): prior consent given (Art. 3.1); the transfer rests on standard "
        "contractual clauses (Art. 46(2)(c) GDPR, Decision (EU) 2021/914)."
    ) in english["text"]
    assert "Consent does not replace a safeguard" in english["html"]
    assert "allowed" not in english["text"]
    dutch = _consent_mail(given["id"], "nl")
    assert (
        "Nordhosting (IN): voorafgaande toestemming gegeven (art. 3.1); de doorgifte berust op "
        "standaardcontractbepalingen"
    ) in dutch["text"]
    assert "toegestaan" not in dutch["text"] and "toegestaan" not in dutch["html"]


def test_the_announcement_tells_each_controller_its_own_consent_case(
    client: FlaskClient, world: World, smtp_server: SmtpServer
) -> None:
    consent(client, world.acme, world.acme_agreement.id, "IN")
    deliver()
    smtp_server.handler.received.clear()
    announce(client, world.processor, subprocessor=entry("IN", "scc"), effective_at=EFFECTIVE)
    deliver()

    english = text_of(smtp_server.to("dpo@acme.example")[0])
    assert "PRIOR CONSENT REQUIRED" not in english
    assert "PRIOR CONSENT GIVEN (ARTICLE 3.1)" in english
    assert (
        "Prior consent given (Art. 3.1) for the following locations; the transfer rests on "
        "standard contractual clauses"
    ) in english
    dutch_message = smtp_server.to("privacy@zeewolde.example")[0]
    dutch = text_of(dutch_message)
    assert "VOORAFGAANDE TOESTEMMING VEREIST (ARTIKEL 3.1)" in dutch
    assert (
        "buiten de Europese Economische Ruimte alleen worden verwerkt met voorafgaande "
        "toestemming van de verwerkingsverantwoordelijke, tenzij een adequaatheidsbesluit van "
        "toepassing is zoals artikel 3.3 bepaalt"
    ) in dutch
    assert "tenzij een adequaatheidsbesluit" in html_of(dutch_message)
    assert "* India (IN): support (nieuwe locatie)" in dutch


def test_the_english_announcement_names_the_adequacy_exception(
    client: FlaskClient, world: World, smtp_server: SmtpServer
) -> None:
    announce(client, world.processor, subprocessor=entry("IN", "scc"), effective_at=EFFECTIVE)
    deliver()
    english = text_of(smtp_server.to("dpo@acme.example")[0])
    assert "PRIOR CONSENT REQUIRED (ARTICLE 3.1)" in english
    assert (
        "only with the controller's prior consent, unless an adequacy decision applies as "
        "article 3.3 provides"
    ) in english


def test_the_personal_page_says_consent_given_and_what_the_transfer_rests_on(
    app: Flask, client: FlaskClient, world: World
) -> None:
    in_force(client, world, entry("IN", "scc"))
    for agreement, party, email, says in (
        (
            world.zeewolde_agreement,
            world.zeewolde,
            "privacy@zeewolde.example",
            "Voorafgaande toestemming gegeven (art. 3.1); de doorgifte berust op "
            "standaardcontractbepalingen",
        ),
        (
            world.acme_agreement,
            world.acme,
            "dpo@acme.example",
            "Prior consent given (Art. 3.1); the transfer rests on standard contractual clauses",
        ),
    ):
        consent(client, party, agreement.id, "IN")
        with app.test_request_context():
            token = links.respond_token(db.session.get(Agreement, agreement.id), email)
        page = client.get(f"/respond/{token}").get_data(as_text=True)
        assert says in page
        assert "toegestaan" not in page and "allowed" not in page
