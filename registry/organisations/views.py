"""Organisations, their tokens (admin), and the public processor directory."""

from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint

from registry.auth import requires
from registry.errors import refusal
from registry.idempotency import shows_secret_once
from registry.organisations import service
from registry.organisations.models import ApiToken, Organisation, OrgKind
from registry.organisations.schemas import (
    NewTokenSchema,
    OrganisationSchema,
    PublicProcessorSchema,
    TokenCreateSchema,
)
from registry.pagination import paginated

bp = Blueprint(
    "organisations", __name__, url_prefix="/api/v1", description="Organisations and API tokens"
)

organisation_schema = OrganisationSchema()


@bp.route("/organisations", methods=["POST"])
@requires("admin")
@bp.arguments(OrganisationSchema)
@bp.response(201, OrganisationSchema)
@refusal(bp, 409, "An organisation with this slug exists already")
def create_organisation(data: dict[str, Any]) -> Organisation:
    """Register a processor or controller."""
    return service.create_organisation(**data)


@bp.route("/organisations", methods=["GET"])
@requires("admin")
@bp.response(200, OrganisationSchema(many=True))
@paginated(bp)
def list_organisations() -> Any:
    """List every organisation."""
    return service.list_organisations_query()


@bp.route("/organisations/<slug>/tokens", methods=["POST"])
@requires("admin")
@shows_secret_once("token")
@bp.arguments(TokenCreateSchema)
@bp.response(201, NewTokenSchema)
@refusal(bp, 404, "No organisation with this slug")
@refusal(
    bp,
    409,
    "This Idempotency-Key created a token already: its secret was shown once, and is not "
    "shown again; or the key's first request is still running",
)
def create_token(data: dict[str, Any], slug: str) -> dict[str, Any]:
    """Issue a token for an organisation; the secret is in this answer only."""
    organisation = service.get_by_slug_or_404(slug)
    token, secret = service.create_token(organisation=organisation, name=data["name"])
    return _token_with_secret(token, secret)


@bp.route("/tokens/<int:token_id>", methods=["DELETE"])
@requires("admin")
@bp.response(204)
@refusal(bp, 404, "No token with this id")
def revoke_token(token_id: int) -> None:
    """Revoke a token at once."""
    service.revoke_token(token_id=token_id)


@bp.route("/processors", methods=["GET"])
@bp.response(200, PublicProcessorSchema(many=True))
@paginated(bp)
def list_processors() -> Any:
    """List the processors that publish here."""
    return service.list_organisations_query(kind=OrgKind.PROCESSOR)


@bp.route("/processors/<slug>", methods=["GET"])
@bp.response(200, PublicProcessorSchema)
@refusal(bp, 404, "No processor with this slug")
def get_processor(slug: str) -> Organisation:
    """Show a processor's public profile."""
    return service.get_by_slug_or_404(slug, kind=OrgKind.PROCESSOR)


def _token_with_secret(token: ApiToken, secret: str) -> dict[str, Any]:
    return {
        "id": token.id,
        "name": token.name,
        "role": token.role,
        "organisation": token.organisation,
        "prefix": token.prefix,
        "created_at": token.created_at,
        "last_used_at": None,
        "revoked_at": None,
        "token": secret,
    }
