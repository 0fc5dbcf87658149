"""Public reads: the adequacy table and the assessment of one location code."""

from __future__ import annotations

from typing import Any

from flask import current_app, request
from flask_smorest import Blueprint
from werkzeug.wrappers import Response

from registry.countries import service
from registry.countries.schemas import (
    LOCATION_CODE,
    AdequacyTableSchema,
    AssessmentSchema,
    AssessQuerySchema,
    AtQuerySchema,
)
from registry.errors import refusal

CODE_PARAMETER = {
    "in": "path",
    "name": "code",
    "description": "ISO 3166-1 alpha-2 or ISO 3166-2 code, either case; EL and UK are accepted",
    "schema": {"type": "string", "pattern": LOCATION_CODE.pattern},
    "example": "CA-QC",
}

bp = Blueprint(
    "countries",
    __name__,
    url_prefix="/api/v1",
    description="The EEA, the dated EU adequacy table, and where data may go under the agreement",
)


@bp.route("/adequacy", methods=["GET"])
@bp.arguments(AtQuerySchema, location="query", as_kwargs=True)
@bp.response(200, AdequacyTableSchema)
@bp.alt_response(304, description="Not Modified (If-None-Match)")
def get_adequacy(at: Any) -> dict[str, Any]:
    """Show the EEA and the adequacy decisions in force at a date, with their history."""
    return service.adequacy_table(at)


@bp.route("/countries/<code>", methods=["GET"], parameters=[CODE_PARAMETER])
@bp.arguments(AssessQuerySchema, location="query", as_kwargs=True)
@bp.response(200, AssessmentSchema)
@bp.alt_response(304, description="Not Modified (If-None-Match)")
@refusal(bp, 422, "Not a location code we know, or `at` is not a date")
def get_country(
    code: str, at: Any, dpf_certified: bool, adequacy_scope_confirmed: bool
) -> dict[str, Any]:
    """Assess a location code at a date: its zone and whether consent is needed."""
    if not LOCATION_CODE.fullmatch(code):
        raise service.UnknownLocation(code)
    return service.assess(
        code, at, dpf_certified=dpf_certified, adequacy_scope_confirmed=adequacy_scope_confirmed
    )


@bp.after_request
def cache_public_reads(response: Response) -> Response:
    """Let clients and proxies keep a copy; answer If-None-Match with 304."""
    if request.method == "GET" and response.status_code == 200:
        max_age = current_app.config["PUBLIC_MAX_AGE_SECONDS"]
        response.headers["Cache-Control"] = f"public, max-age={max_age}"
        response.add_etag()
        response.make_conditional(request)
    return response
