"""GET /api/v1/adequacy and GET /api/v1/countries/{code}: public, cacheable, problem+json."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient

from registry import clock
from tests.factories import PartyFactory


def test_assessment_has_every_field(client: FlaskClient) -> None:
    response = client.get("/api/v1/countries/ca-qc")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    body = response.json
    assert body["code"] == "CA-QC"
    assert body["country"] == "CA"
    assert body["name"] == "Quebec"
    assert body["zone"] == "adequate"
    assert body["requires_consent"] is True
    assert body["adequacy"]["decision"] == "2002/2/EC"
    assert body["adequacy"]["until"] is None
    assert body["as_of"] == "2026-11-27"
    assert set(body) >= {
        "code", "country", "name", "name_nl", "zone", "adequacy", "requires_consent",
        "conditions", "warnings", "as_of",
    }  # fmt: skip


@pytest.mark.parametrize(
    ("code", "name", "name_nl"),
    [
        ("US", "United States", "Verenigde Staten"),
        ("CH", "Switzerland", "Zwitserland"),
        ("DE", "Germany", "Duitsland"),
        ("el", "Greece", "Griekenland"),
    ],
)
def test_names_in_english_and_dutch(
    client: FlaskClient, code: str, name: str, name_nl: str
) -> None:
    body = client.get(f"/api/v1/countries/{code}").json
    assert (body["name"], body["name_nl"]) == (name, name_nl)


def test_us_needs_dpf_certification(client: FlaskClient) -> None:
    uncertified = client.get("/api/v1/countries/US").json
    assert uncertified["zone"] == "third_country"
    assert uncertified["requires_consent"] is True
    assert any("Data Privacy Framework" in c for c in uncertified["conditions"])
    certified = client.get("/api/v1/countries/US?dpf_certified=true").json
    assert certified["zone"] == "adequate"
    assert certified["requires_consent"] is False
    assert certified["adequacy"]["in_effect_from"] == "2023-07-10"


def test_at_selects_the_date(client: FlaskClient) -> None:
    body = client.get("/api/v1/countries/US?at=2018-01-01&dpf_certified=1").json
    assert body["as_of"] == "2018-01-01"
    assert "2016/1250" in body["adequacy"]["decision"]
    gap = client.get("/api/v1/countries/US?at=2021-01-01&dpf_certified=true").json
    assert gap["zone"] == "third_country"
    assert gap["warnings"]


def test_at_defaults_to_the_clock(client: FlaskClient) -> None:
    assert client.get("/api/v1/countries/GB").json["as_of"] == "2026-11-27"
    with clock.freeze(datetime(2031, 12, 28, 0, 0, tzinfo=UTC)):
        body = client.get("/api/v1/countries/GB").json
        assert body["as_of"] == "2031-12-28"
        assert body["zone"] == "third_country"
        assert client.get("/api/v1/adequacy").json["as_of"] == "2031-12-28"
    clock.advance(timedelta(hours=15))  # 2026-11-28 00:00 UTC
    assert client.get("/api/v1/countries/GB").json["as_of"] == "2026-11-28"


@pytest.mark.parametrize("code", ["XX", "EU", "DE-ZZZ", "%20de", "DEU", "1"])
def test_unknown_code_is_a_422_problem_naming_code(client: FlaskClient, code: str) -> None:
    response = client.get(f"/api/v1/countries/{code}")
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    assert response.json["status"] == 422
    assert list(response.json["errors"]) == ["code"]
    assert "Unknown location code" in response.json["errors"]["code"][0]
    assert "Cache-Control" not in response.headers


@pytest.mark.parametrize("url", ["/api/v1/countries/DE", "/api/v1/adequacy"])
@pytest.mark.parametrize("at", ["2026-13-01", "tomorrow", "", "2026-02-30"])
def test_bad_at_is_a_422_problem_naming_at(client: FlaskClient, url: str, at: str) -> None:
    response = client.get(f"{url}?at={at}")
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    assert list(response.json["errors"]) == ["at"]


def test_bad_dpf_flag_is_a_422_naming_it(client: FlaskClient) -> None:
    response = client.get("/api/v1/countries/US?dpf_certified=perhaps")
    assert response.status_code == 422
    assert list(response.json["errors"]) == ["dpf_certified"]


def test_adequacy_table(client: FlaskClient) -> None:
    response = client.get("/api/v1/adequacy?at=2026-01-26")
    assert response.status_code == 200
    body = response.json
    assert body["as_of"] == "2026-01-26"
    assert "NL" in body["eea"] and "CH" not in body["eea"]
    rows = {row["code"]: row for row in body["decisions"]}
    assert rows["BR"]["in_effect_from"] == "2026-01-26"
    assert rows["US"]["name_nl"] == "Verenigde Staten"
    assert rows["CH"]["name_nl"] == "Zwitserland"
    assert rows["GB"]["until"] == "2031-12-27"
    assert any("PIPEDA" in c for c in rows["CA"]["conditions"])
    assert "Privacy Shield" not in str(body["decisions"])
    assert any("Privacy Shield" in row["decision"] for row in body["history"])
    assert {t["code"] for t in body["outside_eea_territories"]} >= {"NL-AW", "GL", "GI"}


def test_public_reads_are_cacheable(app: Flask, client: FlaskClient) -> None:
    app.config["PUBLIC_MAX_AGE_SECONDS"] = 123
    for url in ("/api/v1/adequacy", "/api/v1/countries/NL"):
        response = client.get(url)
        assert response.headers["Cache-Control"] == "public, max-age=123"
        etag = response.headers["ETag"]
        again = client.get(url, headers={"If-None-Match": etag})
        assert again.status_code == 304
        assert again.data == b""
        other_day = client.get(f"{url}?at=2020-01-01", headers={"If-None-Match": etag})
        assert other_day.status_code == 200


def test_tokens_change_nothing_and_nothing_can_be_written(client: FlaskClient) -> None:
    processor = PartyFactory(kind="processor", slug="acme-voice")
    controller = PartyFactory(kind="controller", slug="zeewolde")
    anonymous = client.get("/api/v1/countries/US").json
    assert client.get("/api/v1/countries/US", headers=processor.headers).json == anonymous
    assert client.get("/api/v1/countries/US", headers=controller.headers).json == anonymous
    for url in ("/api/v1/adequacy", "/api/v1/countries/US"):
        for method in ("post", "put", "patch", "delete"):
            response = getattr(client, method)(url, json={}, headers=processor.headers)
            assert response.status_code == 405
            assert response.mimetype == "application/problem+json"
            assert "GET" in response.headers["Allow"]
