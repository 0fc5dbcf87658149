"""Property-based API tests: schemathesis reads openapi.yaml and calls the app in-process.

Every operation gets generated requests (valid and invalid) against a database holding the demo
data, with the token of the role the operation is for. No answer may be a server error, and
every answer must match the status codes and schemas the spec documents.
"""

from __future__ import annotations

import os
import re

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.config import SchemathesisConfig

from registry import PROJECT_ROOT
from registry.demo import load_demo

# The demo processor's slug in every {slug}, so requests reach real data; other parameters
# (ids, codes, tokens) are generated.
CONFIG = SchemathesisConfig.from_dict({"parameters": {"path.slug": "ipvoice"}})
schema = schemathesis.openapi.from_path(PROJECT_ROOT / "openapi.yaml", config=CONFIG)

# Which token an operation that needs one is called with (DESIGN.md's tables); the rest use
# the processor's, which is also a party to every agreement.
ADMIN_PATHS = re.compile(r"^/api/v1/(organisations|tokens)\b")
CONTROLLER_OPERATIONS = re.compile(
    r"^(POST /api/v1/changes/\{[^}]+\}/objections"
    r"|POST /api/v1/objections/\{[^}]+\}/withdraw"
    r"|(POST|DELETE) /api/v1/agreements/\{[^}]+\}/consents.*)$"
)
CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance]


def role_for(method: str, path: str, definition: dict[str, object]) -> str | None:
    if not definition.get("security"):
        return None
    if ADMIN_PATHS.match(path):
        return "admin"
    if CONTROLLER_OPERATIONS.match(f"{method.upper()} {path}"):
        return "gemeente-zeewolde"
    return "ipvoice"


@pytest.fixture
def tokens(app: Flask) -> dict[str, str]:
    """Demo data in a fresh database for each operation; label -> token."""
    return load_demo().tokens


@schema.parametrize()
@settings(
    max_examples=12,
    deadline=None,
    # Explore freely on a developer's machine; in CI the same examples every run, so a red
    # run is a real finding that reproduces, not a draw.
    derandomize=bool(os.environ.get("CI")),
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
        HealthCheck.data_too_large,
    ],
)
def test_api_answers_as_documented(case: schemathesis.Case, app: Flask, tokens: dict) -> None:
    role = role_for(case.operation.method, case.operation.path, case.operation.definition.raw)
    headers = {"Authorization": f"Bearer {tokens[role]}"} if role else None
    case.call_and_validate(app=app, headers=headers, checks=CHECKS)
