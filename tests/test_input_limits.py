# ruff: noqa: F811  (the objection tests' fixtures, imported below, are parameters here)
"""No input reaches a server error, and every input has a limit.

Body size (413), JSON depth (400), NUL and lone surrogates anywhere in a request (422 naming
where, 400 where nothing can be named), list and string sizes stated in the spec, and the
consultation's messages per party per day (429). tests/test_live_spec.py sends the same inputs
to gunicorn on PostgreSQL, where NUL used to be a database error.
"""

from __future__ import annotations

import io
import json
import sys
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from registry import PROJECT_ROOT, clock
from registry.limits import MAX_JSON_DEPTH, json_depth
from tests.conftest import NOW
from tests.factories import ConsentEntryFactory
from tests.objections.conftest import (  # noqa: F401  (fixtures)
    World,
    announce,
    change,
    objection,
    world,
)

sys.path.insert(0, str(PROJECT_ROOT / "scripts"))
from write_openapi import generated_spec  # noqa: E402

SUBSCRIBE = "/api/v1/processors/ipvoice/subscriptions"
PROBLEM = "application/problem+json"


class Unreadable(io.RawIOBase):
    """A request body that fails the test if anything reads it."""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        raise AssertionError("the body was read")


def nested(depth: int) -> str:
    return '{"email": ' + "[" * (depth - 1) + "]" * (depth - 1) + "}"


# --- size ---------------------------------------------------------------------------------


def test_a_body_over_the_limit_is_413_by_its_content_length_before_it_is_read(
    world: World, client: FlaskClient
) -> None:
    response = client.post(
        SUBSCRIBE,
        content_type="application/json",
        environ_overrides={"wsgi.input": Unreadable(), "CONTENT_LENGTH": "100000000"},
    )
    assert response.status_code == 413
    assert response.mimetype == PROBLEM
    assert response.json["limit"] == 1024 * 1024
    assert "1048576 bytes" in response.json["detail"]


def test_a_chunked_body_is_413_as_soon_as_it_passes_the_limit(
    world: World, client: FlaskClient
) -> None:
    body = b'{"email": "' + b"a" * (1024 * 1024) + b'@example.com"}'
    chunked = {
        "wsgi.input": io.BytesIO(body),
        "wsgi.input_terminated": True,
        "CONTENT_LENGTH": "",
        "HTTP_TRANSFER_ENCODING": "chunked",
    }
    response = client.post(SUBSCRIBE, content_type="application/json", environ_overrides=chunked)
    assert response.status_code == 413
    assert response.json["limit"] == 1024 * 1024


def test_a_chunked_body_under_the_limit_is_read(world: World, client: FlaskClient) -> None:
    chunked = {
        "wsgi.input": io.BytesIO(b'{"email": "dpo@example.com"}'),
        "wsgi.input_terminated": True,
        "CONTENT_LENGTH": "",
        "HTTP_TRANSFER_ENCODING": "chunked",
    }
    response = client.post(SUBSCRIBE, content_type="application/json", environ_overrides=chunked)
    assert response.status_code == 202


def test_the_limit_is_a_setting(world: World, app: Flask, client: FlaskClient) -> None:
    app.config["MAX_CONTENT_LENGTH"] = 40
    response = client.post(SUBSCRIBE, json={"email": "someone.with.a.long.name@example.com"})
    assert response.status_code == 413
    assert response.json["limit"] == 40
    assert client.post(SUBSCRIBE, json={"email": "dpo@example.com"}).status_code == 202


# --- depth --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    ["[" * 1000 + "]" * 1000, '{"a":' * 1000 + "1" + "}" * 1000, "[" * 100_000],
    ids=["arrays", "objects", "unclosed"],
)
def test_json_nested_1000_deep_is_400_on_the_public_subscribe(
    world: World, client: FlaskClient, body: str
) -> None:
    response = client.post(SUBSCRIBE, data=body, content_type="application/json")
    assert response.status_code == 400
    assert response.mimetype == PROBLEM
    assert response.json["limit"] == MAX_JSON_DEPTH
    assert f"more than {MAX_JSON_DEPTH} levels" in response.json["detail"]


def test_json_nested_deep_inside_a_change_is_400(world: World, client: FlaskClient) -> None:
    body = {"action": "add", "reason": "deep", "subprocessor": {"name": "x"}}
    text = json.dumps(body).replace('"x"', "[" * 200 + "]" * 200)
    response = client.post(
        "/api/v1/processors/ipvoice/changes",
        data=text,
        content_type="application/json",
        headers=world.processor.headers,
    )
    assert response.status_code == 400


def test_depth_up_to_the_limit_reaches_the_schema(world: World, client: FlaskClient) -> None:
    at_limit = client.post(SUBSCRIBE, data=nested(MAX_JSON_DEPTH), content_type="application/json")
    assert at_limit.status_code == 422  # the schema's answer: email is no list
    assert "email" in at_limit.json["errors"]
    over = client.post(SUBSCRIBE, data=nested(MAX_JSON_DEPTH + 1), content_type="application/json")
    assert over.status_code == 400


def test_brackets_inside_strings_do_not_count() -> None:
    assert json_depth(b'{"a": "[[[[[[[[", "b": "\\"[[[["}') == 1
    assert json_depth(b'[[1, {"a": [2]}], []]') == 4
    assert json_depth(b'"plain"') == 0


# --- NUL and lone surrogates --------------------------------------------------------------


def test_nul_in_a_path_parameter_is_422_naming_it(world: World, client: FlaskClient) -> None:
    for path in ("/api/v1/processors/ipvoice%00", "/api/v1/processors/ipvoice%00/subprocessors"):
        response = client.get(path)
        assert response.status_code == 422, path
        assert response.mimetype == PROBLEM
        assert list(response.json["errors"]) == ["slug"]
        assert "NUL" in response.json["errors"]["slug"][0]


def test_nul_in_a_path_that_names_no_parameter_is_400(client: FlaskClient) -> None:
    response = client.get("/api/v1/processors%00")
    assert response.status_code == 400
    assert "NUL" in response.json["detail"]


def test_nul_in_a_query_parameter_is_422_naming_it(world: World, client: FlaskClient) -> None:
    response = client.get("/api/v1/deliveries?kind=%00", headers=world.processor.headers)
    assert response.status_code == 422
    assert list(response.json["errors"]) == ["kind"]
    public = client.get("/api/v1/processors/ipvoice/subprocessors?at=2026-01-01%00")
    assert public.status_code == 422
    assert list(public.json["errors"]) == ["at"]


def test_nul_in_a_query_parameter_name_is_400(client: FlaskClient) -> None:
    assert client.get("/api/v1/processors?%00=1").status_code == 400


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/api/v1/agreements", {"controller": "acme", "reference": "R\u0000"}, "reference"),
        (
            "/api/v1/processors/ipvoice/changes",
            {"action": "add", "reason": "new", "subprocessor": {"name": "Nord\u0000"}},
            "subprocessor.name",
        ),
        (
            "/api/v1/processors/ipvoice/changes",
            {"action": "add", "reason": "r", "subprocessor": {"locations": [{"code": "D\u0000"}]}},
            "subprocessor.locations.0.code",
        ),
        ("/api/v1/processors/ipvoice/changes/1/withdraw", {"reason": "why\u0000"}, "reason"),
        (
            "/api/v1/processors/ipvoice/changes",
            {"action": "add", "subprocessor": {"bad\u0000key": 1}},
            "subprocessor",
        ),
    ],
    ids=["reference", "nested name", "in a list", "reason", "member name"],
)
def test_nul_in_any_json_string_is_422_naming_the_field(
    world: World, client: FlaskClient, path: str, body: dict[str, Any], field: str
) -> None:
    response = client.post(path, json=body, headers=world.processor.headers)
    assert response.status_code == 422
    assert response.mimetype == PROBLEM
    assert list(response.json["errors"]) == [field]
    assert "NUL" in response.json["errors"][field][0]


def test_a_json_body_that_is_one_bad_string_is_400(world: World, client: FlaskClient) -> None:
    response = client.post(SUBSCRIBE, data='"\\u0000"', content_type="application/json")
    assert response.status_code == 400


@pytest.mark.parametrize(
    "raw",
    [
        b'{"body": "hello \\ud800"}',
        b'{"body": "hello \\uDFFF there"}',
        b'{"body": "hi \xed\xa0\x80"}',
    ],
    ids=["escaped high", "escaped low", "utf-8 bytes"],
)
def test_a_lone_surrogate_in_a_message_is_422_naming_body(
    world: World, objection: dict[str, Any], client: FlaskClient, raw: bytes
) -> None:
    response = client.post(
        f"/api/v1/objections/{objection['id']}/messages",
        data=raw,
        content_type="application/json",
        headers=world.controller.headers,
    )
    assert response.status_code == 422
    assert list(response.json["errors"]) == ["body"]
    assert "surrogate" in response.json["errors"]["body"][0]


def test_a_surrogate_pair_is_ordinary_text(
    world: World, objection: dict[str, Any], client: FlaskClient
) -> None:
    response = client.post(
        f"/api/v1/objections/{objection['id']}/messages",
        data=b'{"body": "Agreed \\ud83d\\udc4d for now"}',
        content_type="application/json",
        headers=world.controller.headers,
    )
    assert response.status_code == 201
    assert response.json["messages"][-1]["body"] == "Agreed \U0001f44d for now"


def test_nul_in_a_form_field_is_422_naming_it(client: FlaskClient) -> None:
    response = client.post(
        "/api/v1/subscriptions/unsubscribe/sometoken", data={"List-Unsubscribe": "One-Click\0"}
    )
    assert response.status_code == 422
    assert list(response.json["errors"]) == ["List-Unsubscribe"]


# --- list and string sizes ----------------------------------------------------------------


def post_entry(client: FlaskClient, world: World, **fields: Any) -> Any:
    return client.post(
        "/api/v1/processors/ipvoice/changes",
        json={"action": "add", "reason": "Sizes", "subprocessor": ConsentEntryFactory(**fields)},
        headers=world.processor.headers,
    )


def test_data_categories_hold_at_most_50_of_at_most_200_characters(
    world: World, client: FlaskClient
) -> None:
    fifty = [f"category {n}" for n in range(50)]
    assert post_entry(client, world, data_categories=fifty).status_code == 201
    too_many = post_entry(client, world, name="Other", data_categories=[*fifty, "one more"])
    assert too_many.status_code == 422
    assert list(too_many.json["errors"]) == ["subprocessor.data_categories"]
    too_long = post_entry(client, world, name="Third", data_subject_categories=["x" * 201])
    assert too_long.status_code == 422
    assert list(too_long.json["errors"]) == ["subprocessor.data_subject_categories.0"]


def test_a_million_categories_is_413_and_never_reaches_a_mail(
    world: World, client: FlaskClient
) -> None:
    response = post_entry(client, world, data_categories=["x"] * 1_000_000)
    assert response.status_code == 413


def test_a_location_code_is_measured_as_sent(world: World, client: FlaskClient) -> None:
    padded = [{"code": "  DE        ", "activities": []}]
    response = post_entry(client, world, locations=padded)
    assert response.status_code == 422
    assert "subprocessor" in json.dumps(response.json["errors"])


def test_an_agreement_takes_at_most_20_addresses_of_at_most_254_characters(
    world: World, client: FlaskClient
) -> None:
    long_address = "a" * 64 + "@" + ".".join(["b" * 60] * 3) + ".example"
    assert len(long_address) > 254
    response = client.post(
        "/api/v1/agreements",
        json={
            "controller": world.stranger.slug,
            "reference": "DPA-long",
            "signed_on": "2026-03-01",
            "notify_emails": [long_address],
        },
        headers=world.processor.headers,
    )
    assert response.status_code == 422
    assert "notify_emails.0" in response.json["errors"]


def test_at_longer_than_any_time_is_422(world: World, client: FlaskClient) -> None:
    moment = "2026-01-01T00:00:00." + "0" * 30 + "+00:00"
    response = client.get(f"/api/v1/processors/ipvoice/subprocessors?at={moment}")
    assert response.status_code == 422
    assert list(response.json["errors"]) == ["at"]


def request_schemas(spec: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """Every schema a client sends: bodies and parameters, components resolved, by location."""
    components = spec["components"]["schemas"]
    found: list[tuple[str, dict[str, Any]]] = []

    def walk(schema: dict[str, Any], where: str, seen: frozenset[str]) -> None:
        if "$ref" in schema:
            name = schema["$ref"].rsplit("/", 1)[-1]
            if name not in seen:
                walk(components[name], f"{where}→{name}", seen | {name})
            return
        for key in ("allOf", "anyOf", "oneOf"):
            for branch in schema.get(key, []):
                walk(branch, where, seen)
        found.append((where, schema))
        for name, child in schema.get("properties", {}).items():
            walk(child, f"{where}.{name}", seen)
        if isinstance(schema.get("items"), dict):
            walk(schema["items"], f"{where}[]", seen)

    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            if method == "parameters":
                continue  # path parameters: a path is no place for text we keep
            label = f"{method.upper()} {path}"
            for parameter in operation.get("parameters", []):
                if parameter["in"] in ("query", "header"):
                    walk(parameter["schema"], f"{label} ?{parameter['name']}", frozenset())
            for content in operation.get("requestBody", {}).get("content", {}).values():
                walk(content["schema"], f"{label} body", frozenset())
    return found


def test_every_string_and_list_a_client_sends_has_a_stated_maximum() -> None:
    unbounded = []
    for where, schema in request_schemas(generated_spec()):
        types = schema.get("type")
        types = types if isinstance(types, list) else [types]
        bounded = "maxLength" in schema or "enum" in schema
        if "string" in types and not (bounded or schema.get("format") in ("date", "date-time")):
            unbounded.append(where)
        if "array" in types and "maxItems" not in schema:
            unbounded.append(where)
    assert unbounded == []


# --- messages per party per day -----------------------------------------------------------


def write(client: FlaskClient, party: Any, objection_id: int, text: str) -> Any:
    return client.post(
        f"/api/v1/objections/{objection_id}/messages", json={"body": text}, headers=party.headers
    )


def test_a_party_writes_at_most_the_daily_number_of_messages_in_a_thread(
    world: World, objection: dict[str, Any], app: Flask, client: FlaskClient
) -> None:
    app.config["OBJECTION_MESSAGES_PER_DAY"] = 3
    for n in range(3):
        clock.set_frozen(NOW + timedelta(hours=n))
        assert write(client, world.controller, objection["id"], f"Point {n}").status_code == 201

    clock.set_frozen(NOW + timedelta(hours=5))
    refused = write(client, world.controller, objection["id"], "Point 4")
    assert refused.status_code == 429
    assert refused.mimetype == PROBLEM
    assert refused.json["limit"] == 3
    # The first message leaves the 24 hours at NOW + 1 day: 19 hours from now.
    assert refused.json["retry_after"] == 19 * 3600
    assert refused.headers["Retry-After"] == str(19 * 3600)

    # The other party has its own allowance.
    assert write(client, world.processor, objection["id"], "Our answer").status_code == 201

    clock.set_frozen(NOW + timedelta(days=1, seconds=1))
    assert write(client, world.controller, objection["id"], "Point 4").status_code == 201


def test_the_daily_number_counts_per_thread(
    world: World, objection: dict[str, Any], app: Flask, client: FlaskClient
) -> None:
    app.config["OBJECTION_MESSAGES_PER_DAY"] = 1
    assert write(client, world.controller, objection["id"], "One").status_code == 201
    assert write(client, world.controller, objection["id"], "Two").status_code == 429
    second_change = announce(client, world.processor, subprocessor=ConsentEntryFactory(name="B"))
    other = client.post(
        f"/api/v1/changes/{second_change['id']}/objections",
        json={"grounds": "Also this one is not covered by our DPIA."},
        headers=world.controller.headers,
    )
    assert other.status_code == 201
    assert write(client, world.controller, other.json["id"], "One").status_code == 201


def test_the_default_is_20_messages(
    world: World, objection: dict[str, Any], client: FlaskClient
) -> None:
    for n in range(20):
        assert write(client, world.controller, objection["id"], f"Point {n}").status_code == 201
    assert write(client, world.controller, objection["id"], "Point 21").status_code == 429


def test_no_messages_at_all_when_the_setting_is_0(
    world: World, objection: dict[str, Any], app: Flask, client: FlaskClient
) -> None:
    app.config["OBJECTION_MESSAGES_PER_DAY"] = 0
    refused = write(client, world.controller, objection["id"], "A point")
    assert refused.status_code == 429
    assert refused.json["retry_after"] == 24 * 3600
