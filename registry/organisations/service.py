"""Organisations and their API tokens."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Select, select
from sqlalchemy.exc import IntegrityError

from registry import clock
from registry.auth import generate_secret, hash_secret
from registry.db import savepoint
from registry.errors import Conflict, NotFound
from registry.extensions import db
from registry.organisations.models import ApiToken, Organisation, OrgKind


def create_organisation(
    *,
    slug: str,
    name: str,
    kind: OrgKind,
    country: str,
    email: str,
    language: str = "nl",
    website: str | None = None,
) -> Organisation:
    """Register an organisation; a slug taken already, even a moment ago, is 409."""
    if db.session.scalar(select(Organisation.id).where(Organisation.slug == slug)) is not None:
        raise _slug_taken(slug)
    organisation = Organisation(
        slug=slug,
        name=name,
        kind=kind,
        country=country.upper(),
        email=email,
        language=language,
        website=website,
    )
    try:
        # Two requests for one slug both pass the check above; the unique index decides.
        with savepoint():
            db.session.add(organisation)
    except IntegrityError:
        if db.session.scalar(select(Organisation.id).where(Organisation.slug == slug)) is None:
            raise
        raise _slug_taken(slug) from None
    return organisation


def _slug_taken(slug: str) -> Conflict:
    return Conflict(
        f"An organisation with slug '{slug}' exists already.", errors={"slug": ["taken"]}
    )


def get_by_slug_or_404(slug: str, *, kind: OrgKind | None = None) -> Organisation:
    organisation = db.session.scalar(select(Organisation).where(Organisation.slug == slug))
    if organisation is None or (kind is not None and organisation.kind is not kind):
        raise NotFound(f"No {kind or 'organisation'} '{slug}'.")
    return organisation


def as_party(
    organisation: Organisation, *, processor_column: Any, controller_column: Any
) -> ColumnElement[bool]:
    """Rows of which the organisation is the party: the processor's, or the controller's."""
    column = processor_column if organisation.kind is OrgKind.PROCESSOR else controller_column
    return column == organisation.id


def list_organisations_query(*, kind: OrgKind | None = None) -> Select[Organisation]:
    statement = select(Organisation).order_by(Organisation.slug)
    if kind is not None:
        statement = statement.where(Organisation.kind == kind)
    return statement


def create_token(
    *, organisation: Organisation | None, name: str, admin: bool = False
) -> tuple[ApiToken, str]:
    """Create a token; return it with its secret, which is never stored."""
    if (organisation is None) != admin:
        raise ValueError("a token is either an admin token or an organisation's")
    secret = generate_secret()
    token = ApiToken(
        organisation=organisation,
        name=name,
        is_admin=admin,
        token_hash=hash_secret(secret),
        prefix=secret[:10],
    )
    db.session.add(token)
    db.session.flush()
    return token, secret


def revoke_token(*, token_id: int) -> ApiToken:
    token = db.session.get(ApiToken, token_id)
    if token is None:
        raise NotFound(f"No token {token_id}.")
    if token.revoked_at is None:
        token.revoked_at = clock.now()
    return token
