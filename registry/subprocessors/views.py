"""The published list (public) and the changes that shape it (processor)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from flask import Response, current_app, request
from flask_smorest import Blueprint

from registry.apidoc import served_as_is
from registry.auth import current_org, requires
from registry.errors import NotFound, refusal
from registry.organisations import service as organisations
from registry.organisations.models import Organisation, OrgKind
from registry.pagination import paginated
from registry.params import AT_MAX_LENGTH, parse_at
from registry.subprocessors import publishing, service
from registry.subprocessors.models import Change
from registry.subprocessors.revisions import PublishedProcessor, published_processor
from registry.subprocessors.schemas import (
    AtQuerySchema,
    ChangeInSchema,
    ChangeQuerySchema,
    ChangeSchema,
    CountryListSchema,
    SubprocessorListSchema,
    SubprocessorOutSchema,
    WithdrawSchema,
)

at_query = AtQuerySchema()

bp = Blueprint(
    "subprocessors",
    __name__,
    url_prefix="/api/v1",
    description="Sub-processors in time and the changes announced to them (Art. 5.2)",
)


# The list and the countries are each one document, not paged as other lists are: Art. 5.2
# asks for "the list", a processor's list is short, and one ETag must cover all of it.
# The two most-read documents take ``at`` straight from the query string (parse_at validates
# it): webargs would cost them a quarter of their time. It is documented by hand instead.
AT_PARAMETER = {
    "in": "query",
    "name": "at",
    "required": False,
    "schema": {"type": "string", "maxLength": AT_MAX_LENGTH},
    "description": "YYYY-MM-DD (start of that day, UTC) or an RFC 3339 time; default now",
}
NOT_MODIFIED = "Not modified (If-None-Match matched the ETag)"


@bp.route("/processors/<slug>/subprocessors", methods=["GET"])
@served_as_is
@bp.doc(parameters=[AT_PARAMETER])
@bp.response(200, SubprocessorListSchema)
@bp.alt_response(304, description=NOT_MODIFIED)
@refusal(bp, 404, "No processor with this slug")
@refusal(bp, 422, "`at` is not a date or an RFC 3339 time with offset")
def list_subprocessors(slug: str) -> Response:
    """Show the sub-processors in force at a moment (default: now)."""
    return _published(publishing.list_document, slug)


@bp.route("/processors/<slug>/countries", methods=["GET"])
@served_as_is
@bp.doc(parameters=[AT_PARAMETER])
@bp.response(200, CountryListSchema)
@bp.alt_response(304, description=NOT_MODIFIED)
@refusal(bp, 404, "No processor with this slug")
@refusal(bp, 422, "`at` is not a date or an RFC 3339 time with offset")
def list_countries(slug: str) -> Response:
    """Show the countries where data is processed, with assessments (Art. 3.4)."""
    return _published(publishing.countries_document, slug)


@bp.route("/processors/<slug>/subprocessors/<int:subprocessor_id>", methods=["GET"])
@bp.arguments(at_query, location="query", as_kwargs=True)
@bp.response(200, SubprocessorOutSchema)
@refusal(bp, 404, "No processor with this slug, or the sub-processor is not on its list at `at`")
@refusal(bp, 422, "`at` is not a date or an RFC 3339 time with offset")
def get_subprocessor(slug: str, subprocessor_id: int, at: str | None) -> dict[str, Any]:
    """Show one sub-processor with its locations and their assessments."""
    processor = _processor(slug)
    moment = parse_at(at)
    version = service.get_entry_at_or_404(
        processor_id=processor.id, subprocessor_id=subprocessor_id, at=moment
    )
    return publishing.entry(version, moment.date())


@bp.route("/processors/<slug>/changes", methods=["GET"])
@bp.arguments(ChangeQuerySchema, location="query", as_kwargs=True)
@bp.response(200, ChangeSchema(many=True))
@paginated(bp)
@refusal(bp, 404, "No processor with this slug")
def list_changes(slug: str, status: Any) -> Any:
    """List announced, effective and withdrawn changes, latest effective first."""
    return service.changes_query(processor_id=_processor(slug).id, status=status)


@bp.route("/processors/<slug>/changes/<int:change_id>", methods=["GET"])
@bp.response(200, ChangeSchema)
@refusal(bp, 404, "No processor with this slug, or no such change of it")
def get_change(slug: str, change_id: int) -> Change:
    """Show one change with the entry before and after."""
    return service.get_change_or_404(processor_id=_processor(slug).id, change_id=change_id)


@bp.route("/processors/<slug>/changes", methods=["POST"])
@requires("processor")
@bp.arguments(ChangeInSchema)
@bp.response(201, ChangeSchema)
@refusal(bp, 404, "Not your processor's slug")
@refusal(
    bp,
    409,
    "The sub-processor is removed already, has a change announced already, or changed "
    "after effective_at",
)
@refusal(
    bp,
    422,
    "Invalid input: subprocessor_id or subprocessor missing or not allowed for the "
    "action, an entry that breaks SubprocessorIn, a location outside the EEA without an "
    "adequacy decision for the recipient and without an Art. 46 transfer_mechanism, "
    "effective_at before the agreements' notice allows (before now for a change that needs "
    "no notice; a DPF lapse takes effect at once), or a DPF lapse that names no Art. 46 "
    "transfer_mechanism or changes more",
)
def announce_change(data: dict[str, Any], slug: str) -> Change:
    """Announce an intended change of the list (GDPR Art. 28(2))."""
    return service.announce_change(processor=_own_processor(slug), **data)


@bp.route("/processors/<slug>/changes/<int:change_id>/withdraw", methods=["POST"])
@requires("processor")
@bp.arguments(WithdrawSchema)
@bp.response(200, ChangeSchema)
@refusal(bp, 404, "Not your processor's slug, or no such change of it")
@refusal(
    bp,
    409,
    "Only an announced change can be withdrawn: it took effect or was withdrawn already",
)
def withdraw_change(data: dict[str, Any], slug: str, change_id: int) -> Change:
    """Withdraw an announced change before it takes effect."""
    return service.withdraw_change(
        processor=_own_processor(slug), change_id=change_id, reason=data["reason"]
    )


def _processor(slug: str) -> Organisation:
    return organisations.get_by_slug_or_404(slug, kind=OrgKind.PROCESSOR)


def _own_processor(slug: str) -> Organisation:
    """The caller's own processor; another processor's slug is 404."""
    processor = current_org()
    if processor.slug != slug:
        raise NotFound(f"No processor '{slug}' of yours.")
    return processor


def _published(
    document: Callable[[PublishedProcessor, datetime], tuple[str, bytes]], slug: str
) -> Response:
    """A public document of the processor at ``?at=``, with its ETag (304 on a match)."""
    etag, body = document(published_processor(slug), parse_at(request.args.get("at")))
    return _cacheable(etag, body)


def _cacheable(etag: str, body: bytes) -> Response:
    max_age = current_app.config["PUBLIC_MAX_AGE_SECONDS"]
    headers = {"ETag": f'"{etag}"', "Cache-Control": f"public, max-age={max_age}"}
    if etag in request.if_none_match:
        return Response(status=304, headers=headers)
    return Response(body, mimetype="application/json", headers=headers)
