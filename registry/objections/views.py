"""Objections (Art. 5.2): filed by a controller, answered and resolved by the processor.

Only the two parties of the objection's agreement see it; anyone else gets 404.
"""

from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint

from registry.auth import current_org, requires
from registry.errors import refusal
from registry.objections import service
from registry.objections.models import Objection
from registry.objections.schemas import (
    MessageInSchema,
    ObjectionDetailSchema,
    ObjectionInSchema,
    ObjectionQuerySchema,
    ObjectionSchema,
    ResolveInSchema,
    WithdrawInSchema,
)
from registry.pagination import paginated

bp = Blueprint(
    "objections",
    __name__,
    url_prefix="/api/v1",
    description="Objections to intended changes and the consultation that follows (Art. 5.2). "
    "States: filed → in_consultation → resolved | withdrawn; an illegal step is 409 naming "
    "the state and the allowed actions.",
)


def problem(status: int, description: str) -> Any:
    """Document an error answer of one route (problem+json)."""
    return refusal(bp, status, description)


@bp.route("/changes/<int:change_id>/objections", methods=["POST"])
@requires("controller")
@bp.arguments(ObjectionInSchema)
@bp.response(201, ObjectionDetailSchema)
@problem(404, "No such change of a processor you have an agreement with")
@problem(409, "The change was withdrawn, its objection window closed, or one is open already")
def file_objection(data: dict[str, Any], change_id: int) -> Objection:
    """Object to an announced change on reasonable grounds."""
    return service.file_objection(controller=current_org(), change_id=change_id, **data)


@bp.route("/objections", methods=["GET"])
@requires("processor", "controller")
@bp.arguments(ObjectionQuerySchema, location="query", as_kwargs=True)
@bp.response(200, ObjectionSchema(many=True))
@paginated(bp)
def list_objections(**filters: Any) -> Any:
    """List the objections you filed or received, newest first."""
    return service.objections_of(current_org(), **filters)


@bp.route("/objections/<int:objection_id>", methods=["GET"])
@requires("processor", "controller")
@bp.response(200, ObjectionDetailSchema)
@problem(404, "No objection you are a party to with this id")
def get_objection(objection_id: int) -> Objection:
    """Show one objection with its consultation thread."""
    return service.get_for_party_or_404(objection_id=objection_id, organisation=current_org())


@bp.route("/objections/<int:objection_id>/acknowledge", methods=["POST"])
@requires("processor")
@bp.response(200, ObjectionDetailSchema)
@problem(409, "Not filed: acknowledged, resolved or withdrawn already")
@problem(404, "No objection you are a party to with this id")
def acknowledge_objection(objection_id: int) -> Objection:
    """Acknowledge an objection and open the consultation."""
    return service.acknowledge(processor=current_org(), objection_id=objection_id)


@bp.route("/objections/<int:objection_id>/messages", methods=["POST"])
@requires("processor", "controller")
@bp.arguments(MessageInSchema)
@bp.response(201, ObjectionDetailSchema)
@problem(409, "The objection is resolved or withdrawn")
@problem(404, "No objection you are a party to with this id")
@problem(
    429,
    "You wrote OBJECTION_MESSAGES_PER_DAY messages in this consultation in the last 24 "
    "hours; see Retry-After",
)
def post_message(data: dict[str, Any], objection_id: int) -> Objection:
    """Write in the consultation thread of an open objection."""
    return service.post_message(
        organisation=current_org(), objection_id=objection_id, body=data["body"]
    )


@bp.route("/objections/<int:objection_id>/resolve", methods=["POST"])
@requires("processor")
@bp.arguments(ResolveInSchema)
@bp.response(200, ObjectionDetailSchema)
@problem(409, "The objection is closed, or the outcome is not possible")
@problem(404, "No objection you are a party to with this id")
def resolve_objection(data: dict[str, Any], objection_id: int) -> Objection:
    """Record the outcome of the consultation and carry it out."""
    return service.resolve(processor=current_org(), objection_id=objection_id, **data)


@bp.route("/objections/<int:objection_id>/withdraw", methods=["POST"])
@requires("controller")
@bp.arguments(WithdrawInSchema)
@bp.response(200, ObjectionDetailSchema)
@problem(409, "The objection is resolved or withdrawn already")
@problem(404, "No objection you are a party to with this id")
def withdraw_objection(data: dict[str, Any], objection_id: int) -> Objection:
    """Withdraw your objection."""
    return service.withdraw(
        controller=current_org(), objection_id=objection_id, reason=data["reason"]
    )
