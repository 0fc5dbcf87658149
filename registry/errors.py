"""Every error as application/problem+json (RFC 9457).

Services raise the ``Problem`` subclasses below; views may also call
``flask_smorest.abort``. Both end in ``problem_response``.
"""

from __future__ import annotations

import http
from collections.abc import Mapping
from typing import Any

from flask import Response, current_app, json
from marshmallow import INCLUDE, Schema, fields
from werkzeug.exceptions import HTTPException, InternalServerError

PROBLEM_TYPE_BASE = "https://subprocessor-registry.example/problems/"
PROBLEM_CONTENT_TYPE = "application/problem+json"
# webargs keys its messages by where the input came from; a client cares about the field.
WEBARGS_LOCATIONS = frozenset({"json", "query", "path", "headers", "cookies", "form", "files"})


class ProblemSchema(Schema):
    """RFC 9457's members, then the extension members a refusal may add (RFC 9457 §3.2)."""

    class Meta:
        # A problem type may carry members of its own; a client ignores those it does not know.
        unknown = INCLUDE

    type = fields.String(metadata={"description": "URI naming the kind of problem"})
    title = fields.String()
    status = fields.Integer()
    detail = fields.String()
    errors = fields.Dict(
        keys=fields.String(),
        values=fields.List(fields.String()),
        metadata={"description": "Field path → messages (validation errors only)"},
    )
    state = fields.String(metadata={"description": "Current state (illegal transitions only)"})
    allowed_actions = fields.List(fields.String())
    retry_after = fields.Integer(metadata={"description": "Seconds to wait (429 only)"})
    limit = fields.Integer(
        metadata={"description": "The limit reached: bytes (413), JSON depth (400), count (429)"}
    )
    closed_at = fields.String(
        metadata={"format": "date-time", "description": "When the objection window closed"}
    )
    objection_id = fields.Integer(metadata={"description": "The objection already open"})
    change_id = fields.Integer(metadata={"description": "The change this one conflicts with"})
    change_status = fields.String(metadata={"description": "The change's status"})
    consent_id = fields.Integer(metadata={"description": "The consent already given"})
    amendment_id = fields.Integer(metadata={"description": "The amendment already open"})
    created = fields.String(metadata={"description": "What an earlier request created"})


class Problem(Exception):
    """A domain error a service can raise; rendered as problem+json."""

    status = 400
    slug = "bad-request"

    def __init__(self, detail: str, **extra: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.extra = extra


class NotFound(Problem):
    status = 404
    slug = "not-found"


class Forbidden(Problem):
    status = 403
    slug = "forbidden"


class Conflict(Problem):
    """An illegal state transition or a duplicate."""

    status = 409
    slug = "conflict"


class Invalid(Problem):
    """Input that parses but breaks a rule; names the field."""

    status = 422
    slug = "validation-error"

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}", errors={field: [message]})


def refusal(blueprint: Any, status: int, description: str) -> Any:
    """Document one refusal an operation can answer: problem+json, with what it means there.

    ``@refusal(bp, 409, "The change took effect already")`` under ``@bp.response``.
    """
    # Keyed "409", as apispec plugins and the final spec key responses: an int key would sit
    # beside a plugin's "409" and lose to it when the spec is written.
    return blueprint.alt_response(
        str(status),
        schema=ProblemSchema,
        content_type=PROBLEM_CONTENT_TYPE,
        description=description,
    )


def flatten_errors(messages: Any, prefix: str = "") -> dict[str, list[str]]:
    """Turn marshmallow's nested messages into {"a.b.0.c": [...]}."""
    if isinstance(messages, Mapping):
        flat: dict[str, list[str]] = {}
        for key, value in messages.items():
            path = f"{prefix}.{key}" if prefix else str(key)
            flat.update(flatten_errors(value, path))
        return flat
    if isinstance(messages, list) and all(isinstance(m, str) for m in messages):
        return {prefix or "_schema": list(messages)}
    if isinstance(messages, list):
        flat = {}
        for index, value in enumerate(messages):
            flat.update(flatten_errors(value, f"{prefix}.{index}" if prefix else str(index)))
        return flat
    return {prefix or "_schema": [str(messages)]}


def problem_response(
    status: int,
    *,
    detail: str | None = None,
    slug: str | None = None,
    headers: Mapping[str, str] | None = None,
    **extra: Any,
) -> Response:
    phrase = http.HTTPStatus(status).phrase
    body: dict[str, Any] = {
        "type": PROBLEM_TYPE_BASE + (slug or phrase.lower().replace(" ", "-")),
        "title": phrase,
        "status": status,
        "detail": detail or phrase,
    }
    body.update({k: v for k, v in extra.items() if v is not None})
    response = current_app.response_class(
        json.dumps(body), status=status, mimetype=PROBLEM_CONTENT_TYPE
    )
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def handle_problem(error: Problem) -> Response:
    headers = {}
    if error.status == 401:
        headers["WWW-Authenticate"] = 'Bearer realm="registry"'
    if "retry_after" in error.extra:
        headers["Retry-After"] = str(error.extra["retry_after"])
    return problem_response(
        error.status, detail=error.detail, slug=error.slug, headers=headers, **error.extra
    )


def handle_http_exception(error: HTTPException) -> Response:
    """flask-smorest's handler, but problem+json and keeping headers such as Allow."""
    status = error.code or 500
    data = getattr(error, "data", None) or {}
    extra: dict[str, Any] = {}
    errors = data.get("errors") or data.get("messages")
    if errors:
        # webargs nests messages under their location ("json", "query"); drop that level.
        if isinstance(errors, Mapping) and set(errors) <= WEBARGS_LOCATIONS:
            errors = {
                k: v
                for location in errors.values()
                # A message about the whole body ("Invalid JSON body.") names no field.
                for k, v in (
                    location.items() if isinstance(location, Mapping) else [("_schema", location)]
                )
            }
        extra["errors"] = flatten_errors(errors)
    detail = data.get("message")
    if detail is None and extra.get("errors"):
        detail = "; ".join(f"{f}: {' '.join(m)}" for f, m in extra["errors"].items())
    if detail is None and status != 500:
        detail = error.description
    headers = dict(error.get_headers())
    headers.pop("Content-Type", None)
    headers.update(data.get("headers") or {})
    slug = "validation-error" if status == 422 else None
    return problem_response(status, detail=detail, slug=slug, headers=headers, **extra)


def handle_unexpected(error: Exception) -> Response:
    current_app.logger.exception("unhandled error", exc_info=error)
    return handle_http_exception(InternalServerError())
