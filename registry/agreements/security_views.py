"""The overview of the processor's security measures (Art. 6.1, 2.2), on the agreements'
blueprint: the processor keeps it, its controllers read it, no one else sees it."""

from __future__ import annotations

from typing import Any

from registry.agreements import security_measures
from registry.agreements.models import SecurityMeasures
from registry.agreements.security_schemas import (
    SecurityMeasuresInSchema,
    SecurityMeasuresQuerySchema,
    SecurityMeasuresSchema,
    SecurityMeasuresVersionSchema,
)
from registry.agreements.views import bp
from registry.auth import current_org, requires
from registry.errors import NotFound, refusal
from registry.pagination import paginated


@bp.route("/processors/<slug>/security-measures", methods=["PUT"])
@requires("processor")
@bp.arguments(SecurityMeasuresInSchema)
@bp.response(200, SecurityMeasuresSchema)
@refusal(bp, 404, "Not your processor's slug")
@refusal(bp, 422, "No text, a blank one, or one over 100 000 characters")
def publish_security_measures(data: dict[str, Any], slug: str) -> SecurityMeasures:
    """Publish a new version of the overview of your security measures (Art. 6.1, 2.2) to the
    controllers you have an agreement with; they are told. The current text again changes
    nothing and answers the current version."""
    processor = current_org()
    if processor.slug != slug:
        raise NotFound(f"No processor '{slug}' of yours.")
    return security_measures.publish_security_measures(processor=processor, **data)


@bp.route("/processors/<slug>/security-measures", methods=["GET"])
@requires("processor", "controller")
@bp.arguments(SecurityMeasuresQuerySchema, location="query", as_kwargs=True)
@bp.response(200, SecurityMeasuresSchema)
@refusal(
    bp,
    404,
    "Not your processor, no agreement in force with it, no overview published, or no such version",
)
def read_security_measures(slug: str, version: int | None) -> SecurityMeasures:
    """Read a processor's overview of its security measures, the current version or an earlier
    one: the processor itself, or a controller with an agreement in force with it. A
    controller's read is recorded on its agreements as provided on request (Art. 6.1)."""
    return security_measures.read_security_measures(
        reader=current_org(), slug=slug, version=version
    )


@bp.route("/processors/<slug>/security-measures/versions", methods=["GET"])
@requires("processor", "controller")
@bp.response(200, SecurityMeasuresVersionSchema(many=True))
@paginated(bp)
@refusal(bp, 404, "Not your processor, or no agreement in force with it")
def list_security_measures_versions(slug: str) -> Any:
    """List the versions of a processor's overview of its security measures, newest first."""
    return security_measures.security_measures_versions(reader=current_org(), slug=slug)
