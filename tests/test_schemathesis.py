"""Property-based API tests: schemathesis reads the spec the app generates and calls the app
in-process.

Every operation gets generated requests (valid and invalid) against a database holding the demo
data, with the token of the role the operation is for. No answer may be a server error, and
every answer must match the status codes and schemas the spec documents. The spec is the one
the code generates, not the committed openapi.yaml (tests/test_openapi.py keeps those equal).
tests/test_live_spec.py runs every check against gunicorn on PostgreSQL.
"""

from __future__ import annotations

import os
import sys

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
from tests.api_roles import role_for

sys.path.insert(0, str(PROJECT_ROOT / "scripts"))
from write_openapi import generated_spec  # noqa: E402

# The demo processor's slug in every {slug}, so requests reach real data; other parameters
# (ids, codes, tokens) are generated.
CONFIG = SchemathesisConfig.from_dict({"parameters": {"path.slug": "ipvoice"}})
schema = schemathesis.openapi.from_dict(generated_spec(), config=CONFIG)

CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance]


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
