"""Bearer tokens, roles and the current organisation.

A token is ``reg_`` + ``secrets.token_urlsafe(32)``, stored as SHA-256 and shown once.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import secrets
from collections.abc import Callable
from datetime import timedelta
from typing import Any, TypeVar, cast

from flask import current_app, g, has_request_context, request
from sqlalchemy import select

from registry import clock, idempotency
from registry.errors import Problem
from registry.extensions import db
from registry.organisations.models import ApiToken, Organisation

TOKEN_PREFIX = "reg_"
ROLES = ("admin", "processor", "controller")
BEARER_SECURITY: list[dict[str, list[str]]] = [{"bearerAuth": []}]
_LAST_USED_RESOLUTION = timedelta(hours=1)

F = TypeVar("F", bound=Callable[..., Any])


class Unauthorized(Problem):
    status = 401
    slug = "unauthorized"


class WrongRole(Problem):
    status = 403
    slug = "forbidden"


def generate_secret() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _token_from_header() -> ApiToken | None:
    header = request.headers.get("Authorization", "")
    scheme, _, secret = header.partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        return None
    digest = hash_secret(secret.strip())
    token = db.session.execute(
        select(ApiToken).where(ApiToken.token_hash == digest, ApiToken.revoked_at.is_(None))
    ).scalar_one_or_none()
    if token is None or not hmac.compare_digest(token.token_hash, digest):
        return None
    moment = clock.now()
    if token.last_used_at is None or moment - token.last_used_at > _LAST_USED_RESOLUTION:
        token.last_used_at = moment
    return token


def current_token() -> ApiToken:
    token = g.get("api_token")
    if token is None:
        raise Unauthorized("A valid bearer token is required.")
    return cast(ApiToken, token)


def request_token() -> ApiToken | None:
    """The token this request was let in with; None outside requests (worker, CLI)."""
    return g.get("api_token") if has_request_context() else None


def request_contact() -> tuple[int, str] | None:
    """(organisation id, address) of an agreement contact acting through a notice's link."""
    contact = g.get("link_actor") if has_request_context() else None
    return cast(tuple[int, str], contact) if contact is not None else None


def request_token_id() -> int | None:
    token = request_token()
    return token.id if token is not None else None


def current_org() -> Organisation:
    """The organisation of the token in use (never None for processor/controller roles)."""
    organisation = current_token().organisation
    if organisation is None:
        raise WrongRole("This action needs an organisation's token, not an admin token.")
    return organisation


def _idempotency_scope(token: ApiToken) -> str:
    """Keys are an organisation's own: a retry with another of its tokens is the same client."""
    if token.organisation_id is not None:
        return f"org:{token.organisation_id}"
    return f"token:{token.id}"


def requires(*roles: str) -> Callable[[F], F]:
    """Let only tokens of these roles through: no or bad token 401, wrong role 403."""
    unknown = set(roles) - set(ROLES)
    if unknown:
        raise ValueError(f"unknown roles {unknown}")

    def decorator(view: F) -> F:
        @functools.wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            token = _token_from_header()
            if token is None:
                raise Unauthorized("A valid bearer token is required.")
            if token.role not in roles:
                raise WrongRole(f"This action needs a {' or '.join(roles)} token.")
            g.api_token = token
            with idempotency.guarded(_idempotency_scope(token), view) as replay:
                if replay is not None:
                    return replay
                return idempotency.finish(current_app.make_response(view(*args, **kwargs)))

        doc = getattr(wrapper, "_apidoc", {})
        wrapper._apidoc = {  # type: ignore[attr-defined]
            **doc,
            "manual_doc": {**doc.get("manual_doc", {}), "security": BEARER_SECURITY},
        }
        return cast(F, wrapper)

    return decorator
