"""What stops or loses its basis is published at once: reductions and DPF lapses."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from registry import clock
from registry.extensions import db
from registry.notifications.models import Notice
from registry.subprocessors.immediacy import is_reduction
from tests.conftest import SmtpServer
from tests.factories import EntryFactory
from tests.notifications.conftest import (
    World,
    announce,
    deliver,
    html_of,
    subject_of,
    text_of,
    world,
)

__all__ = ["world"]  # the fixture, used by name below

EFFECTIVE = "2027-01-04T09:00:00Z"
US_CERTIFIED = {
    "locations": [
        {"code": "DE", "activities": ["hosting"]},
        {"code": "US", "activities": ["support"]},
    ],
    "dpf_certified": True,
    "dpf_checked_on": "2026-11-20",
    "transfer_mechanism": "adequacy",
}


def post_change(client: FlaskClient, world: World, **body: Any) -> Any:
    body.setdefault("reason", "Support moved back in house")
    return client.post(
        f"/api/v1/processors/{world.processor.slug}/changes",
        json=body,
        headers=world.processor.headers,
    )


def in_force(client: FlaskClient, world: World, **entry: Any) -> int:
    """A sub-processor on the list now, its announcement told long ago."""
    added = announce(
        client, world.processor, subprocessor=EntryFactory(**entry), effective_at=EFFECTIVE
    )
    clock.advance(timedelta(days=40))
    deliver()
    return int(added["subprocessor_id"])


def kinds() -> list[str]:
    return list(db.session.scalars(select(Notice.kind).order_by(Notice.id)))


def give_consent(client: FlaskClient, party: Any, agreement_id: int, code: str) -> None:
    response = client.post(
        f"/api/v1/agreements/{agreement_id}/consents", json={"code": code}, headers=party.headers
    )
    assert response.status_code == 201, response.json


def transfers_of(client: FlaskClient, party: Any, agreement_id: int) -> dict[str, dict]:
    view = client.get(f"/api/v1/agreements/{agreement_id}/transfers", headers=party.headers).json
    return {row["code"]: row for row in view["transfers"]}


def test_a_removal_takes_effect_at_once_and_everyone_is_told_why_without_notice(
    client: FlaskClient, world: World, smtp_server: SmtpServer
) -> None:
    subprocessor_id = in_force(client, world)
    smtp_server.handler.received.clear()

    response = post_change(client, world, action="remove", subprocessor_id=subprocessor_id)
    assert response.status_code == 201, response.json
    assert response.json["immediate"] == "reduction"
    assert response.json["status"] == "effective"
    assert response.json["effective_at"].startswith(clock.now().isoformat()[:19])
    listed = client.get(f"/api/v1/processors/{world.processor.slug}/subprocessors").json
    assert listed["subprocessors"] == []

    deliver()
    dutch = smtp_server.to("privacy@zeewolde.example")[0]
    assert subject_of(dutch) == (
        "IP Voice Group Services B.V.: direct van kracht — beëindiging van een sub-verwerker "
        "(Nordhosting)"
    )
    assert "WAAROM GEEN AANKONDIGINGSTERMIJN GOLD" in text_of(dutch)
    assert "Deze wijziging schrapt alleen" in text_of(dutch)
    assert "Deze wijziging schrapt alleen" in html_of(dutch)
    english = smtp_server.to("dpo@acme.example")[0]
    assert "with immediate effect: removal of a sub-processor" in text_of(english)
    assert "Notice is due for adding or replacing a sub-processor" in text_of(english)
    # In effect as it was told: the worker adds no "took effect" notice.
    deliver()
    assert kinds().count("change_immediate") == 1
    assert kinds().count("change_effective") == 1  # the addition's, 40 days ago


def test_an_update_that_only_drops_is_immediate_one_that_adds_keeps_the_notice(
    client: FlaskClient, world: World
) -> None:
    subprocessor_id = in_force(client, world)
    dropped = post_change(
        client,
        world,
        action="update",
        subprocessor_id=subprocessor_id,
        subprocessor={
            "locations": [{"code": "DE", "activities": ["hosting"]}],
            "data_categories": ["call recordings"],
        },
    )
    assert dropped.status_code == 201, dropped.json
    assert (dropped.json["immediate"], dropped.json["status"]) == ("reduction", "effective")

    clock.advance(timedelta(hours=1))
    added = post_change(
        client,
        world,
        action="update",
        subprocessor_id=subprocessor_id,
        subprocessor={
            "locations": [
                {"code": "DE", "activities": ["hosting"]},
                {"code": "FR", "activities": ["backup"]},
            ]
        },
    )
    assert added.status_code == 201, added.json
    assert added.json["immediate"] is None
    assert added.json["status"] == "announced"
    assert added.json["effective_at"].startswith(
        (clock.now() + timedelta(days=30)).date().isoformat()
    )


def test_a_reduction_may_be_scheduled_but_not_backdated(client: FlaskClient, world: World) -> None:
    subprocessor_id = in_force(client, world)
    earlier = post_change(
        client,
        world,
        action="remove",
        subprocessor_id=subprocessor_id,
        effective_at=(clock.now() - timedelta(hours=1)).isoformat(),
    )
    assert earlier.status_code == 422
    assert list(earlier.json["errors"]) == ["effective_at"]

    later = post_change(
        client,
        world,
        action="remove",
        subprocessor_id=subprocessor_id,
        effective_at=(clock.now() + timedelta(days=2)).isoformat(),
    )
    assert later.status_code == 201
    assert (later.json["immediate"], later.json["status"]) == ("reduction", "announced")
    assert kinds()[-1] == "change_immediate"


def test_an_immediate_change_is_409_while_another_change_of_it_is_announced(
    client: FlaskClient, world: World
) -> None:
    subprocessor_id = in_force(client, world)
    pending = post_change(
        client,
        world,
        action="update",
        subprocessor_id=subprocessor_id,
        subprocessor={"purpose": "Hosting and support"},
    )
    assert pending.status_code == 201
    removal = post_change(client, world, action="remove", subprocessor_id=subprocessor_id)
    assert removal.status_code == 409
    assert removal.json["change_id"] == pending.json["id"]
    assert f"Change {pending.json['id']}" in removal.json["detail"]


def test_a_dpf_lapse_must_name_the_art46_safeguard_and_change_nothing_else(
    client: FlaskClient, world: World
) -> None:
    subprocessor_id = in_force(client, world, **US_CERTIFIED)
    lapse = {"dpf_certified": False, "dpf_checked_on": None}
    missing = post_change(
        client, world, action="update", subprocessor_id=subprocessor_id, subprocessor=lapse
    )
    assert missing.status_code == 422
    assert list(missing.json["errors"]) == ["subprocessor.transfer_mechanism"]
    assert "Art. 46" in missing.json["errors"]["subprocessor.transfer_mechanism"][0]

    more = post_change(
        client,
        world,
        action="update",
        subprocessor_id=subprocessor_id,
        subprocessor={**lapse, "transfer_mechanism": "scc", "purpose": "Hosting and analytics"},
    )
    assert more.status_code == 422
    assert list(more.json["errors"]) == ["subprocessor"]

    scheduled = post_change(
        client,
        world,
        action="update",
        subprocessor_id=subprocessor_id,
        subprocessor={**lapse, "transfer_mechanism": "scc"},
        effective_at=(clock.now() + timedelta(days=1)).isoformat(),
    )
    assert scheduled.status_code == 422
    assert list(scheduled.json["errors"]) == ["effective_at"]


def test_a_dpf_lapse_is_public_at_once_and_urgent_for_who_has_not_consented(
    client: FlaskClient, world: World, smtp_server: SmtpServer
) -> None:
    subprocessor_id = in_force(client, world, **US_CERTIFIED)
    before = transfers_of(client, world.zeewolde, world.zeewolde_agreement.id)["US"]
    assert before["status"] == "allowed_adequacy"
    give_consent(client, world.acme, world.acme_agreement.id, "US")
    smtp_server.handler.received.clear()

    response = post_change(
        client,
        world,
        action="update",
        subprocessor_id=subprocessor_id,
        subprocessor={"dpf_certified": False, "transfer_mechanism": "scc"},
        reason="Nordhosting's certification is no longer on the DPF List",
    )
    assert response.status_code == 201, response.json
    assert (response.json["immediate"], response.json["status"]) == ("dpf_lapse", "effective")

    entry = client.get(f"/api/v1/processors/{world.processor.slug}/subprocessors").json
    us = next(loc for loc in entry["subprocessors"][0]["locations"] if loc["code"] == "US")
    assert us["assessment"]["zone"] == "third_country"
    after = transfers_of(client, world.zeewolde, world.zeewolde_agreement.id)["US"]
    assert (after["status"], after["lawful_basis"], after["mechanism"]) == (
        "consent_required",
        "art46_safeguard",
        "scc",
    )
    consented = transfers_of(client, world.acme, world.acme_agreement.id)["US"]
    assert consented["status"] == "consent_given"
    assert "the transfer rests on standard contractual clauses" in consented["reason"]
    overview = client.get("/api/v1/transfers", headers=world.processor.headers).json
    blocking = {row["reference"]: row["blocking"] for row in overview}
    assert [r["code"] for r in blocking["VWO-2026-014"]] == ["US"]
    assert blocking["ACME-7"] == []

    deliver()
    dutch = smtp_server.to("privacy@zeewolde.example")[0]
    assert subject_of(dutch).startswith("DRINGEND — IP Voice Group Services B.V.: Nordhosting")
    assert "VOORAFGAANDE TOESTEMMING VEREIST (ARTIKEL 3.1)" in text_of(dutch)
    assert "Voor iedere verwerkingsverantwoordelijke zonder geregistreerde toestemming" in (
        text_of(dutch)
    )
    assert "De doorgiften berusten nu op standaardcontractbepalingen" in text_of(dutch)
    assert "Dringend: Nordhosting niet langer gecertificeerd" in html_of(dutch)
    assert "Voor iedere verwerkingsverantwoordelijke zonder geregistreerde toestemming" in (
        html_of(dutch)
    )
    english = text_of(smtp_server.to("dpo@acme.example")[0])
    assert subject_of(smtp_server.to("dpo@acme.example")[0]).startswith("URGENT — ")
    assert "PRIOR CONSENT REQUIRED" not in english
    assert (
        "Prior consent given (Art. 3.1) for the following locations; the transfer rests on "
        "standard contractual clauses" in english
    )
    assert "allowed" not in english


def test_a_dpf_check_older_than_twelve_months_is_a_warning_on_the_entry_and_the_overview(
    client: FlaskClient, world: World
) -> None:
    in_force(client, world, **{**US_CERTIFIED, "dpf_checked_on": "2025-11-01"})
    entry = client.get(f"/api/v1/processors/{world.processor.slug}/subprocessors").json
    locations = {loc["code"]: loc for loc in entry["subprocessors"][0]["locations"]}
    assert any(
        "2025-11-01, more than 12 months ago" in w
        for w in locations["US"]["assessment"]["warnings"]
    )
    assert not any("12 months" in w for w in locations["DE"]["assessment"]["warnings"])
    overview = client.get("/api/v1/transfers", headers=world.processor.headers).json
    warned = [(row["code"], row["warnings"]) for row in overview[0]["warnings"]]
    assert [code for code, _ in warned] == ["US"]
    assert "more than 12 months ago" in warned[0][1][0]


def test_a_recent_dpf_check_gives_no_warning(client: FlaskClient, world: World) -> None:
    in_force(client, world, **US_CERTIFIED)
    overview = client.get("/api/v1/transfers", headers=world.processor.headers).json
    assert all(row["warnings"] == [] for row in overview)


def test_a_newer_dpf_check_is_recorded_at_once_and_ends_the_warning(
    client: FlaskClient, world: World, smtp_server: SmtpServer
) -> None:
    subprocessor_id = in_force(client, world, **{**US_CERTIFIED, "dpf_checked_on": "2025-11-01"})
    smtp_server.handler.received.clear()
    response = post_change(
        client,
        world,
        action="update",
        subprocessor_id=subprocessor_id,
        subprocessor={"dpf_checked_on": "2027-01-05"},
        reason="Checked the DPF List again",
    )
    assert response.status_code == 201, response.json
    assert (response.json["immediate"], response.json["status"]) == ("dpf_recheck", "effective")
    overview = client.get("/api/v1/transfers", headers=world.processor.headers).json
    assert all(row["warnings"] == [] for row in overview)
    deliver()
    dutch = text_of(smtp_server.to("privacy@zeewolde.example")[0])
    assert "Deze wijziging legt alleen een nieuwere controle" in dutch
    english = text_of(smtp_server.to("dpo@acme.example")[0])
    assert "only records a newer check of the EU-US Data Privacy Framework List" in english


BEFORE = {
    "name": "Nordhosting",
    "data_categories": ["call recordings", "contact details"],
    "locations": [{"code": "DE", "activities": ["hosting", "backup"]}, {"code": "US"}],
}


@pytest.mark.parametrize(
    ("after", "reduces"),
    [
        ({**BEFORE, "data_categories": ["call recordings"]}, True),
        (
            {**BEFORE, "locations": [{"code": "DE", "activities": ["hosting"]}, {"code": "US"}]},
            True,
        ),
        ({**BEFORE, "locations": [{"code": "DE", "activities": ["hosting", "backup"]}]}, True),
        (BEFORE, False),
        ({**BEFORE, "data_categories": ["call recordings", "location data"]}, False),
        (
            {**BEFORE, "locations": [{"code": "DE", "activities": ["hosting"]}, {"code": "CN"}]},
            False,
        ),
        (
            {**BEFORE, "locations": [{"code": "DE", "activities": ["support"]}, {"code": "US"}]},
            False,
        ),
        ({**BEFORE, "data_categories": ["call recordings"], "name": "Nordhost"}, False),
    ],
)
def test_a_reduction_drops_something_and_adds_or_changes_nothing(
    after: dict[str, Any], reduces: bool
) -> None:
    assert is_reduction(BEFORE, after) is reduces
