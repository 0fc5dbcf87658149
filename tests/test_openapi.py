"""openapi.yaml is the generated spec, OpenAPI 3.1, and documents DESIGN.md's whole API."""

from __future__ import annotations

import re
import sys
from typing import Any

import pytest
import yaml

from registry import PROJECT_ROOT

sys.path.insert(0, str(PROJECT_ROOT / "scripts"))
from write_openapi import generated_spec, render  # noqa: E402

COMMITTED = PROJECT_ROOT / "openapi.yaml"
REGENERATE = ".venv/bin/python scripts/write_openapi.py"
HTTP_METHODS = {"get", "put", "post", "delete", "patch", "head", "options", "trace"}

# The contract of DESIGN.md "The API (v1)": method and path, parameters written as {}.
DESIGN_OPERATIONS = [
    # Public
    ("GET", "/api/v1/adequacy"),
    ("GET", "/api/v1/countries/{}"),
    ("GET", "/api/v1/processors"),
    ("GET", "/api/v1/processors/{}"),
    ("GET", "/api/v1/processors/{}/subprocessors"),
    ("GET", "/api/v1/processors/{}/subprocessors/{}"),
    ("GET", "/api/v1/processors/{}/countries"),
    ("GET", "/api/v1/processors/{}/changes"),
    ("GET", "/api/v1/processors/{}/changes/{}"),
    ("POST", "/api/v1/processors/{}/subscriptions"),
    ("POST", "/api/v1/subscriptions/confirm"),
    ("POST", "/api/v1/subscriptions/unsubscribe/{}"),
    # Processor token
    ("POST", "/api/v1/processors/{}/changes"),
    ("POST", "/api/v1/processors/{}/changes/{}/withdraw"),
    ("POST", "/api/v1/agreements"),
    ("POST", "/api/v1/objections/{}/acknowledge"),
    ("POST", "/api/v1/objections/{}/resolve"),
    ("GET", "/api/v1/deliveries"),
    ("POST", "/api/v1/deliveries/{}/retry"),
    # Controller token
    ("POST", "/api/v1/changes/{}/objections"),
    ("POST", "/api/v1/objections/{}/withdraw"),
    ("POST", "/api/v1/agreements/{}/consents"),
    ("DELETE", "/api/v1/agreements/{}/consents/{}"),
    # Either party of the agreement
    ("GET", "/api/v1/agreements"),
    ("GET", "/api/v1/agreements/{}"),
    ("GET", "/api/v1/agreements/{}/transfers"),
    ("GET", "/api/v1/objections"),
    ("GET", "/api/v1/objections/{}"),
    ("POST", "/api/v1/objections/{}/messages"),
    ("GET", "/api/v1/audit-events"),
    # Admin token
    ("POST", "/api/v1/organisations"),
    ("GET", "/api/v1/organisations"),
    ("POST", "/api/v1/organisations/{}/tokens"),
    ("DELETE", "/api/v1/tokens/{}"),
]


@pytest.fixture(scope="module")
def spec() -> dict[str, Any]:
    return generated_spec()


def operations(spec: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    return {
        (method.upper(), path): operation
        for path, item in spec["paths"].items()
        for method, operation in item.items()
        if method in HTTP_METHODS
    }


def test_committed_file_is_the_generated_spec(spec: dict[str, Any]) -> None:
    assert COMMITTED.exists(), f"openapi.yaml is missing; write it with `{REGENERATE}`"
    text = COMMITTED.read_text(encoding="utf-8")
    assert yaml.safe_load(text) == spec, (
        f"openapi.yaml differs from the spec the code generates; regenerate it with `{REGENERATE}`"
        " and commit it"
    )
    assert text == render(spec), f"openapi.yaml is not formatted as `{REGENERATE}` writes it"


def test_spec_is_openapi_3_1(spec: dict[str, Any]) -> None:
    assert spec["openapi"].startswith("3.1.")
    assert spec["info"]["title"] and spec["info"]["version"]


def test_every_operation_has_a_summary(spec: dict[str, Any]) -> None:
    missing = [
        f"{method} {path}"
        for (method, path), operation in operations(spec).items()
        if not operation.get("summary", "").strip()
    ]
    assert missing == [], "operations without a summary (give the view a docstring)"


def test_operations_with_a_token_document_the_bearer_scheme(spec: dict[str, Any]) -> None:
    scheme = spec["components"]["securitySchemes"]["bearerAuth"]
    assert (scheme["type"], scheme["scheme"]) == ("http", "bearer")
    secured = [op for op in operations(spec).values() if op.get("security")]
    assert secured, "no operation declares that it needs a token"
    for operation in secured:
        assert operation["security"] == [{"bearerAuth": []}]


@pytest.mark.parametrize(
    ("method", "path"), DESIGN_OPERATIONS, ids=[f"{m} {p}" for m, p in DESIGN_OPERATIONS]
)
def test_design_operation_exists(spec: dict[str, Any], method: str, path: str) -> None:
    generic = {(m, re.sub(r"\{[^}]+\}", "{}", p)) for m, p in operations(spec)}
    assert (method, path) in generic, f"DESIGN.md's {method} {path} is not in the API"


def test_every_path_is_under_api_v1(spec: dict[str, Any]) -> None:
    assert [path for path in spec["paths"] if not path.startswith("/api/v1/")] == []
