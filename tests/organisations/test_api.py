from flask.testing import FlaskClient

from tests.factories import AdminFactory, PartyFactory

NEW_PROCESSOR = {
    "slug": "acme-voice",
    "name": "Acme Voice B.V.",
    "kind": "processor",
    "country": "NL",
    "email": "privacy@acme.example",
    "language": "en",
}


def test_admin_creates_organisation_and_token_that_works(client: FlaskClient) -> None:
    admin = AdminFactory().headers
    created = client.post("/api/v1/organisations", json=NEW_PROCESSOR, headers=admin)
    assert created.status_code == 201
    assert created.json["slug"] == "acme-voice"
    assert "email" not in created.json

    issued = client.post(
        "/api/v1/organisations/acme-voice/tokens", json={"name": "ci"}, headers=admin
    )
    assert issued.status_code == 201
    secret = issued.json["token"]
    assert secret.startswith("reg_")
    assert issued.json["role"] == "processor"

    listed = client.get("/api/v1/organisations", headers={"Authorization": f"Bearer {secret}"})
    assert listed.status_code == 403
    assert listed.mimetype == "application/problem+json"


def test_missing_and_bad_tokens_are_401_problems(client: FlaskClient) -> None:
    missing = client.get("/api/v1/organisations")
    assert missing.status_code == 401
    assert missing.mimetype == "application/problem+json"
    assert missing.headers["WWW-Authenticate"].startswith("Bearer")
    bad = client.get("/api/v1/organisations", headers={"Authorization": "Bearer reg_nope"})
    assert bad.status_code == 401


def test_invalid_organisation_names_each_field_and_writes_nothing(client: FlaskClient) -> None:
    admin = AdminFactory().headers
    bad = {**NEW_PROCESSOR, "slug": "Not A Slug", "country": "XX", "email": "nope"}
    response = client.post("/api/v1/organisations", json=bad, headers=admin)
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    assert set(response.json["errors"]) == {"slug", "country", "email"}
    assert client.get("/api/v1/organisations", headers=admin).json == []


def test_duplicate_slug_is_conflict(client: FlaskClient) -> None:
    admin = AdminFactory().headers
    assert (
        client.post("/api/v1/organisations", json=NEW_PROCESSOR, headers=admin).status_code == 201
    )
    again = client.post("/api/v1/organisations", json=NEW_PROCESSOR, headers=admin)
    assert again.status_code == 409


def test_revoked_token_stops_working(client: FlaskClient) -> None:
    admin = AdminFactory().headers
    client.post("/api/v1/organisations", json=NEW_PROCESSOR, headers=admin)
    issued = client.post(
        "/api/v1/organisations/acme-voice/tokens", json={"name": "x"}, headers=admin
    )
    token_headers = {"Authorization": f"Bearer {issued.json['token']}"}
    assert client.delete(f"/api/v1/tokens/{issued.json['id']}", headers=admin).status_code == 204
    assert client.get("/api/v1/organisations", headers=token_headers).status_code == 401


def test_public_processor_directory_hides_controllers(client: FlaskClient) -> None:
    PartyFactory(kind="processor", slug="ipvoice")
    PartyFactory(kind="controller", slug="zeewolde")
    listed = client.get("/api/v1/processors")
    assert [p["slug"] for p in listed.json] == ["ipvoice"]
    assert client.get("/api/v1/processors/zeewolde").status_code == 404


def test_method_not_allowed_keeps_allow_header(client: FlaskClient) -> None:
    response = client.put("/api/v1/processors")
    assert response.status_code == 405
    assert "GET" in response.headers["Allow"]
    assert response.mimetype == "application/problem+json"


def test_cli_creates_org_and_prints_token_last(runner) -> None:  # type: ignore[no-untyped-def]
    result = runner.invoke(
        args=[
            "org",
            "create",
            "--kind",
            "controller",
            "--slug",
            "zeewolde",
            "--name",
            "Gemeente Zeewolde",
            "--country",
            "NL",
            "--email",
            "privacy@zeewolde.example",
        ]
    )
    assert result.exit_code == 0, result.output
    token = runner.invoke(args=["token", "create", "--org", "zeewolde"])
    assert token.exit_code == 0, token.output
    assert token.stdout.strip().splitlines()[-1].startswith("reg_")
    admin = runner.invoke(args=["token", "create", "--admin"])
    assert admin.stdout.strip().splitlines()[-1].startswith("reg_")
    both = runner.invoke(args=["token", "create", "--admin", "--org", "zeewolde"])
    assert both.exit_code != 0
