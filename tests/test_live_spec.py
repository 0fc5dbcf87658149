# ruff: noqa: F811  (the objection tests' fixtures, imported below, are parameters here)
"""The spec and the server agree, over HTTP: schemathesis against gunicorn on PostgreSQL.

gunicorn serves the app (``config/gunicorn.conf.py``, as in production) from a schema of its
own in the PostgreSQL test database, holding the demo data. schemathesis reads the spec the code
generates, which the first test finds the server serving at ``/openapi.json`` (the committed
openapi.yaml is regenerated from it), and calls every operation with generated requests, valid
and invalid, as the role the operation is for: the processor, a controller, the admin for the
admin paths. Every check runs except ``positive_data_acceptance`` (a schema-valid request may
still break a business rule): no server error, and no status, content type, header or body the
spec does not declare.

Then the inputs that used to be server errors on PostgreSQL (NUL, lone surrogates, deep JSON,
large bodies, chunked too) go over the wire, and gunicorn's log shows no unhandled error.
Without PostgreSQL these are skipped: NUL is storable in SQLite, so the driver errors they are
about are PostgreSQL's. The last tests check, in-process on either database, the declarations
the checks rely on: X-Pagination, the problem schema, a described refusal on every operation.
"""

from __future__ import annotations

import http.client
import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import jsonschema_rs
import pytest
import schemathesis
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, settings
from schemathesis.checks import CHECKS, load_all_checks
from schemathesis.config import SchemathesisConfig
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url

from registry import PROJECT_ROOT, clock, create_app
from registry.demo import load_demo
from registry.extensions import db
from registry.organisations import service as organisations
from registry.organisations.models import ApiToken
from tests.api_roles import ADMIN, CONTROLLER, PROCESSOR, role_for
from tests.conftest import NOW, TEST_DATABASE_URL, free_port
from tests.factories import ConsentEntryFactory
from tests.objections.conftest import (  # noqa: F401  (fixtures)
    OBJECTION_DAYS,
    World,
    announce,
    change,
    file,
    objection,
    world,
)

sys.path.insert(0, str(PROJECT_ROOT / "scripts"))
from write_openapi import generated_spec  # noqa: E402

# Of its own per run: two runs on one test database must not drop each other's tables.
LIVE_SCHEMA = f"live_spec_{os.getpid()}"
STARTUP_SECONDS = 60
# About 45 operations, each with its coverage phase too: about a minute on a laptop.
MAX_EXAMPLES = 15
SKIP_REASON = "the live spec test runs on PostgreSQL: set REGISTRY_TEST_DATABASE_URL=postgresql://…"

load_all_checks()
CHECKS_BUT_POSITIVE = [c for c in CHECKS.get_all() if c.__name__ != "positive_data_acceptance"]


@dataclass
class LiveServer:
    base_url: str
    tokens: dict[str, str]
    # DELETE /tokens/{id} would revoke the tokens the run is made with: spares stand in.
    protected_token_ids: set[int]
    spare_token_ids: list[int]
    log: Path


def live_database_url() -> str:
    """The test database, with the live server's tables in a PostgreSQL schema of their own."""
    url = make_url(TEST_DATABASE_URL)
    return url.update_query_dict({"options": f"-csearch_path={LIVE_SCHEMA}"}).render_as_string(
        hide_password=False
    )


def _prepare_database(database_url: str) -> tuple[dict[str, str], set[int], list[int]]:
    """A fresh schema with the demo data; answers the tokens and which ids to keep alive."""
    engine = create_engine(make_url(TEST_DATABASE_URL).set(drivername="postgresql+psycopg"))
    with engine.begin() as connection:
        connection.execute(text(f"DROP SCHEMA IF EXISTS {LIVE_SCHEMA} CASCADE"))
        connection.execute(text(f"CREATE SCHEMA {LIVE_SCHEMA}"))
    engine.dispose()
    app = create_app({"DATABASE_URL": database_url, "TESTING": True})
    with app.app_context():
        db.create_all()
        tokens = load_demo().tokens
        protected = set(db.session.scalars(select(ApiToken.id)))
        spares = [
            organisations.create_token(organisation=None, name=f"spare {n}", admin=True)[0]
            for n in range(3)
        ]
        db.session.commit()
        spare_ids = [token.id for token in spares]
        db.session.remove()
        db.engine.dispose()
    return tokens, protected, spare_ids


def _drop_schema() -> None:
    engine = create_engine(make_url(TEST_DATABASE_URL).set(drivername="postgresql+psycopg"))
    with engine.begin() as connection:
        connection.execute(text(f"DROP SCHEMA IF EXISTS {LIVE_SCHEMA} CASCADE"))
    engine.dispose()


def _wait_until_up(base_url: str, server: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while True:
        assert server.poll() is None, log.read_text()
        try:
            urllib.request.urlopen(f"{base_url}/openapi.json", timeout=2).close()
            return
        except OSError:
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.2)


@pytest.fixture(scope="module")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """gunicorn on a free port, two workers, over the demo data in its own schema."""
    if not TEST_DATABASE_URL.startswith("postgres"):
        pytest.skip(SKIP_REASON)
    database_url = live_database_url()
    tokens, protected, spares = _prepare_database(database_url)
    folder = tmp_path_factory.mktemp("live")
    port = free_port()
    env = {key: value for key, value in os.environ.items() if not key.startswith("REGISTRY_")}
    env.update(
        REGISTRY_DATABASE_URL=database_url,
        REGISTRY_INSTANCE_PATH=str(folder / "instance"),
        REGISTRY_BIND=f"127.0.0.1:{port}",
        REGISTRY_WEB_WORKERS="2",
    )
    log = folder / "gunicorn.log"
    with log.open("wb") as output:
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "config/gunicorn.conf.py", "wsgi:app"],
            cwd=PROJECT_ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    base_url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(base_url, server, log)
        TOKENS.update(tokens)
        yield LiveServer(base_url, tokens, protected, spares, log)
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        _drop_schema()


# The spec the server's own code generates; the server is asked below to serve the same one.
CONFIG = SchemathesisConfig.from_dict({"parameters": {"path.slug": PROCESSOR}})
schema = schemathesis.openapi.from_dict(generated_spec(), config=CONFIG)
# Filled by the live_server fixture, read by DemoTokens when a case is generated.
TOKENS: dict[str, str] = {}
PENDING = "role:"


@schema.auth()
class DemoTokens:
    """The token of the role each operation is for (tests/api_roles.py).

    Given as schemathesis auth, not as a header of every call, so that a case testing a
    missing or wrong Authorization is sent without it.
    """

    def get(self, case: schemathesis.Case, context: Any) -> dict[str, str]:
        return TOKENS

    def set(self, case: schemathesis.Case, data: dict[str, str], context: Any) -> None:
        role = role_for(case.operation.method, case.operation.path, case.operation.definition.raw)
        if role is not None:
            # Examples are drawn at collection, before the server and its tokens exist: those
            # carry the role, and the test puts the token in (with_token).
            token = data.get(role) or f"{PENDING}{role}"
            case.headers = {**(case.headers or {}), "Authorization": f"Bearer {token}"}


def with_token(case: schemathesis.Case) -> None:
    headers = case.headers or {}
    sent = headers.get("Authorization", "")
    if sent.startswith(f"Bearer {PENDING}"):
        headers["Authorization"] = f"Bearer {TOKENS[sent.removeprefix(f'Bearer {PENDING}')]}"


def test_the_live_server_serves_the_spec_under_test(live_server: LiveServer) -> None:
    with urllib.request.urlopen(f"{live_server.base_url}/openapi.json", timeout=10) as answer:
        served = json.loads(answer.read())
    assert served == generated_spec()


def _spare_for_protected_token(case: schemathesis.Case, server: LiveServer) -> None:
    if case.operation.path != "/api/v1/tokens/{token_id}" or not case.path_parameters:
        return
    # Generated as a number, or as text in the coverage phase ("1").
    if str(case.path_parameters.get("token_id")) in {str(i) for i in server.protected_token_ids}:
        case.path_parameters["token_id"] = server.spare_token_ids[0]


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    derandomize=bool(os.environ.get("CI")),
    suppress_health_check=list(HealthCheck),
)
def test_the_live_server_answers_as_its_spec_says(
    case: schemathesis.Case, live_server: LiveServer
) -> None:
    _spare_for_protected_token(case, live_server)
    with_token(case)
    case.call_and_validate(base_url=live_server.base_url, checks=CHECKS_BUT_POSITIVE, timeout=30)


# --- the inputs of the report, over the wire ---------------------------------------------


def send(
    server: LiveServer,
    method: str,
    path: str,
    body: bytes | None = None,
    *,
    role: str | None = None,
    chunked: bool = False,
    headers: dict[str, str] | None = None,
) -> tuple[int, dict[str, Any]]:
    """One raw HTTP request (no client-side quoting or checks); the status and the problem."""
    host, port = server.base_url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=30)
    sent = {"Content-Type": "application/json", **(headers or {})}
    if role:
        sent["Authorization"] = f"Bearer {server.tokens[role]}"
    try:
        try:
            connection.request(method, path, body=body, headers=sent, encode_chunked=chunked)
        except (BrokenPipeError, ConnectionResetError):
            pass  # answered and closed before the whole body was sent: read that answer
        response = connection.getresponse()
        payload = response.read()
    finally:
        connection.close()
    problem = json.loads(payload) if response.getheader("Content-Type", "").endswith("json") else {}
    return response.status, problem if isinstance(problem, dict) else {}


def test_the_reported_inputs_answer_4xx_over_the_wire(live_server: LiveServer) -> None:
    subscribe = "/api/v1/processors/ipvoice/subscriptions"
    deep = b"[" * 1000 + b"]" * 1000
    cases: list[tuple[str, tuple[int, dict[str, Any]], int]] = [
        ("deep JSON, subscribe", send(live_server, "POST", subscribe, deep), 400),
        ("NUL in path", send(live_server, "GET", "/api/v1/processors/ipvoice%00"), 422),
        (
            "NUL in query",
            send(live_server, "GET", "/api/v1/deliveries?kind=%00", role=PROCESSOR),
            422,
        ),
        (
            "NUL in reason",
            send(
                live_server,
                "POST",
                "/api/v1/processors/ipvoice/changes/1/withdraw",
                b'{"reason": "because\\u0000"}',
                role=PROCESSOR,
            ),
            422,
        ),
        (
            "surrogate in a message",
            send(
                live_server,
                "POST",
                "/api/v1/objections/1/messages",
                b'{"body": "hello \\ud800"}',
                role=CONTROLLER,
            ),
            422,
        ),
        (
            "NUL in a name",
            send(
                live_server,
                "POST",
                "/api/v1/organisations",
                b'{"slug": "x", "name": "A\\u0000", "kind": "processor", "country": "NL", '
                b'"email": "a@example.com"}',
                role=ADMIN,
            ),
            422,
        ),
        (
            "2 MB chunked",
            send(live_server, "POST", subscribe, iter([b"[" + b" " * 65536] * 32), chunked=True),
            413,
        ),
    ]
    found = {label: status for label, (status, _), _ in cases}
    expected = {label: want for label, _, want in cases}
    assert found == expected
    for label, (status, problem), _ in cases:
        assert problem.get("status") == status, label


def test_a_large_body_is_refused_before_it_is_sent_in_full(live_server: LiveServer) -> None:
    """100 MB announced: the answer comes after the headers, without waiting for the body."""
    host, port = live_server.base_url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=10)
    try:
        connection.putrequest("POST", "/api/v1/processors/ipvoice/subscriptions")
        connection.putheader("Content-Type", "application/json")
        connection.putheader("Content-Length", str(100_000_000))
        connection.endheaders(b'{"email": "')
        response = connection.getresponse()
        assert response.status == 413
        assert json.loads(response.read())["limit"] == 1024 * 1024
    finally:
        connection.close()


def test_no_server_error_reached_the_log(live_server: LiveServer) -> None:
    """Whatever the runs above sent, gunicorn logged no unhandled error."""
    assert "unhandled error" not in live_server.log.read_text()


# --- what the checks above rely on, in-process on either database -------------------------


def errors_against(schema_name: str, instance: Any) -> list[str]:
    spec = generated_spec()
    validator = jsonschema_rs.Draft202012Validator(spec["components"]["schemas"][schema_name])
    return [error.message for error in validator.iter_errors(instance)]


def test_x_pagination_is_the_string_of_json_it_is_declared(
    world: World, client: FlaskClient
) -> None:
    declared = generated_spec()["components"]["headers"]["PAGINATION"]["schema"]
    assert declared["type"] == "string"
    assert declared["contentMediaType"] == "application/json"
    response = client.get("/api/v1/processors?page_size=1&page=2")
    sent = json.loads(response.headers["X-Pagination"])
    assert sent == {
        "total": 2,
        "total_pages": 2,
        "first_page": 1,
        "last_page": 2,
        "page": 2,
        "previous_page": 1,
    }
    assert errors_against("PaginationMetadata", sent) == []


def test_refusals_with_members_of_their_own_match_the_problem_schema(
    world: World, objection: dict[str, Any], app: Flask, client: FlaskClient
) -> None:
    change_id = objection["change_id"]
    again = file(client, world.controller, change_id)
    assert again.status_code == 409 and "objection_id" in again.json
    later = announce(client, world.processor, subprocessor=ConsentEntryFactory(name="Later"))
    clock.set_frozen(NOW + timedelta(days=OBJECTION_DAYS, seconds=1))
    closed = file(client, world.controller, later["id"])
    assert closed.status_code == 409 and "closed_at" in closed.json
    app.config["OBJECTION_MESSAGES_PER_DAY"] = 1
    for _ in range(2):
        limited = client.post(
            f"/api/v1/objections/{objection['id']}/messages",
            json={"body": "One more point."},
            headers=world.controller.headers,
        )
    assert limited.status_code == 429 and "limit" in limited.json
    for refusal in (again, closed, limited):
        assert errors_against("Problem", refusal.json) == [], refusal.json


def test_every_refusal_is_declared_with_what_it_means_there() -> None:
    """An operation that finds something by its path declares 404; each refusal says why."""
    spec = generated_spec()
    missing, undescribed = [], []
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            if method == "parameters":
                continue
            label = f"{method.upper()} {path}"
            responses = operation["responses"]
            # A location code is assessed, not looked up: an unknown one is 422 (declared).
            if "{" in path and "/countries/{" not in path and "404" not in responses:
                missing.append(label)
            for status, response in responses.items():
                if status in ("404", "409", "429") and not response.get("description"):
                    undescribed.append(f"{label} {status}")
    assert missing == []
    assert undescribed == []
