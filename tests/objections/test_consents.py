"""Prior consent (Art. 3.1): only where it can matter, revocable once, seen by both parties."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from flask.testing import FlaskClient

from registry import clock
from tests.factories import ConsentEntryFactory
from tests.objections.conftest import World, announce, notices


def give(client: FlaskClient, party: Any, agreement_id: int, **body: Any) -> Any:
    return client.post(
        f"/api/v1/agreements/{agreement_id}/consents", json=body, headers=party.headers
    )


def revoke(client: FlaskClient, party: Any, agreement_id: int, consent_id: int) -> Any:
    return client.delete(
        f"/api/v1/agreements/{agreement_id}/consents/{consent_id}", headers=party.headers
    )


def test_consent_for_a_third_country_is_recorded_and_told(
    world: World, client: FlaskClient
) -> None:
    response = give(client, world.controller, world.agreement_id, code=" in ", note="DPO, 20 Nov")
    assert response.status_code == 201
    body = response.json
    assert (body["code"], body["name"], body["subprocessor_id"]) == ("IN", "India", None)
    assert body["note"] == "DPO, 20 Nov"
    assert body["active"] is True
    assert body["revoked_at"] is None
    assert [n.kind for n in notices("consent_given")] == ["consent_given"]


@pytest.mark.parametrize(
    ("code", "says"),
    [
        ("DE", "inside the EEA"),
        ("EL", "inside the EEA"),
        ("ES-CN", "inside the EEA"),
        ("NO", "inside the EEA"),
        ("CH", "adequacy decision"),
        ("UK", "adequacy decision"),
        ("JP", "adequacy decision"),
        ("CA", "adequacy decision"),
        ("BR-SP", "adequacy decision"),
    ],
)
def test_consent_where_none_is_needed_is_422_naming_code(
    world: World, client: FlaskClient, code: str, says: str
) -> None:
    response = give(client, world.controller, world.agreement_id, code=code)
    assert response.status_code == 422
    assert list(response.json["errors"]) == ["code"]
    assert says in response.json["errors"]["code"][0]
    assert notices("consent_given") == []


@pytest.mark.parametrize("code", ["XX", "NL-ZZ", "", "Nederland"])
def test_unknown_codes_are_422_naming_code(world: World, client: FlaskClient, code: str) -> None:
    response = give(client, world.controller, world.agreement_id, code=code)
    assert response.status_code == 422
    assert "code" in response.json["errors"]


@pytest.mark.parametrize("code", ["CA-QC", "NL-AW", "GI", "US", "IN"])
def test_places_outside_adequacy_take_consent(world: World, client: FlaskClient, code: str) -> None:
    """Quebec (excluded by the contract), Aruba (not EEA though Dutch), Gibraltar, and the US
    in general (it covers every recipient without DPF certification)."""
    response = give(client, world.controller, world.agreement_id, code=code)
    assert response.status_code == 201, response.json


def test_us_consent_for_one_sub_processor_depends_on_its_dpf_certification(
    world: World, client: FlaskClient
) -> None:
    certified = announce(
        client,
        world.processor,
        subprocessor=ConsentEntryFactory(
            name="Certified Cloud",
            locations=[{"code": "US", "activities": ["hosting"]}],
            dpf_certified=True,
            dpf_checked_on="2026-11-01",
        ),
    )
    uncertified = announce(
        client,
        world.processor,
        subprocessor=ConsentEntryFactory(
            name="Plain Cloud", locations=[{"code": "US", "activities": ["hosting"]}]
        ),
    )
    refused = give(
        client,
        world.controller,
        world.agreement_id,
        code="US",
        subprocessor_id=certified["subprocessor_id"],
    )
    assert refused.status_code == 422
    assert "Data Privacy Framework" in refused.json["errors"]["code"][0]
    accepted = give(
        client,
        world.controller,
        world.agreement_id,
        code="US",
        subprocessor_id=uncertified["subprocessor_id"],
    )
    assert accepted.status_code == 201
    assert accepted.json["subprocessor"] == "Plain Cloud"

    # In effect: the certified one needs nothing, the other has its consent.
    clock.advance(timedelta(days=30))
    view = client.get(
        f"/api/v1/agreements/{world.agreement_id}/transfers", headers=world.controller.headers
    ).json
    statuses = {row["subprocessor"]: row["status"] for row in view["transfers"]}
    assert statuses == {"Certified Cloud": "allowed_adequacy", "Plain Cloud": "consent_given"}


def test_a_consent_limited_to_one_sub_processor_covers_only_it(
    world: World, client: FlaskClient
) -> None:
    first = announce(client, world.processor, subprocessor=ConsentEntryFactory(name="First"))
    announce(client, world.processor, subprocessor=ConsentEntryFactory(name="Second"))
    # Given ahead of the change taking effect, for an announced sub-processor.
    assert (
        give(
            client,
            world.controller,
            world.agreement_id,
            code="IN",
            subprocessor_id=first["subprocessor_id"],
        ).status_code
        == 201
    )
    clock.advance(timedelta(days=30))
    view = client.get(
        f"/api/v1/agreements/{world.agreement_id}/transfers", headers=world.controller.headers
    ).json
    india = {row["subprocessor"]: row["status"] for row in view["transfers"] if row["code"] == "IN"}
    assert india == {"First": "consent_given", "Second": "consent_required"}


def test_a_country_consent_covers_its_subdivisions(world: World, client: FlaskClient) -> None:
    announce(
        client,
        world.processor,
        subprocessor=ConsentEntryFactory(
            name="Mumbai Desk", locations=[{"code": "IN-MH", "activities": ["support"]}]
        ),
    )
    assert give(client, world.controller, world.agreement_id, code="IN").status_code == 201
    clock.advance(timedelta(days=30))
    view = client.get(
        f"/api/v1/agreements/{world.agreement_id}/transfers", headers=world.controller.headers
    ).json
    assert [(r["code"], r["status"]) for r in view["transfers"]] == [("IN-MH", "consent_given")]


@pytest.mark.parametrize("subprocessor_id", [9999, "other-processor"])
def test_an_unknown_sub_processor_is_422_naming_subprocessor_id(
    world: World, client: FlaskClient, subprocessor_id: Any
) -> None:
    if subprocessor_id == "other-processor":
        theirs = announce(client, world.other_processor)
        subprocessor_id = theirs["subprocessor_id"]
    response = give(
        client, world.controller, world.agreement_id, code="IN", subprocessor_id=subprocessor_id
    )
    assert response.status_code == 422
    assert list(response.json["errors"]) == ["subprocessor_id"]


def test_the_same_consent_twice_is_409_and_revoking_is_once(
    world: World, client: FlaskClient
) -> None:
    consent = give(client, world.controller, world.agreement_id, code="IN").json
    again = give(client, world.controller, world.agreement_id, code="IN")
    assert again.status_code == 409
    assert again.json["consent_id"] == consent["id"]

    clock.advance(timedelta(hours=1))
    revoked = revoke(client, world.controller, world.agreement_id, consent["id"])
    assert revoked.status_code == 200
    assert revoked.json["active"] is False
    assert revoked.json["revoked_at"] is not None
    twice = revoke(client, world.controller, world.agreement_id, consent["id"])
    assert twice.status_code == 409
    assert twice.json["state"] == "revoked"
    assert twice.json["allowed_actions"] == []
    assert [n.kind for n in notices("consent_revoked")] == ["consent_revoked"]
    # Revoked: a new consent may be given.
    assert give(client, world.controller, world.agreement_id, code="IN").status_code == 201


def test_a_terminated_agreement_takes_no_consent(world: World, client: FlaskClient) -> None:
    from registry.agreements.models import Agreement
    from registry.extensions import db

    agreement = db.session.get(Agreement, world.agreement_id)
    assert agreement is not None
    agreement.terminated_at = clock.now() - timedelta(days=1)
    db.session.commit()
    response = give(client, world.controller, world.agreement_id, code="IN")
    assert response.status_code == 409


def test_both_parties_list_consents_and_no_one_else_sees_or_changes_them(
    world: World, client: FlaskClient
) -> None:
    first = give(client, world.controller, world.agreement_id, code="IN").json
    second = give(client, world.controller, world.agreement_id, code="CA-QC").json
    revoke(client, world.controller, world.agreement_id, first["id"])
    url = f"/api/v1/agreements/{world.agreement_id}/consents"

    for party in (world.controller, world.processor):
        listed = client.get(url, headers=party.headers)
        assert listed.status_code == 200
        assert [c["id"] for c in listed.json] == [second["id"], first["id"]]
    active = client.get(f"{url}?active=true", headers=world.processor.headers).json
    assert [c["id"] for c in active] == [second["id"]]

    # The processor may read but not give or revoke; others get 404.
    assert give(client, world.processor, world.agreement_id, code="IN").status_code == 403
    assert revoke(client, world.processor, world.agreement_id, second["id"]).status_code == 403
    for intruder in (world.other, world.stranger):
        assert client.get(url, headers=intruder.headers).status_code == 404
        assert give(client, intruder, world.agreement_id, code="IN").status_code == 404
        assert revoke(client, intruder, world.agreement_id, second["id"]).status_code == 404
    assert client.get(url, headers=world.other_processor.headers).status_code == 404
    # A consent of one agreement cannot be revoked through another.
    wrong = revoke(client, world.other, world.other_agreement_id, second["id"])
    assert wrong.status_code == 404
    assert client.get(url, headers=world.controller.headers).json[0]["active"] is True
