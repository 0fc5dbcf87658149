"""Objections (Art. 5.2): filed by a controller, to an announced change or to a sub-processor on
the list; a solution the processor proposes and the controller accepts, or a concession.

Only the two parties of the objection's agreement see it; anyone else gets 404.
"""

from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint

from registry.auth import current_org, requires
from registry.errors import refusal
from registry.objections import filing, outcomes, service
from registry.objections.models import Objection
from registry.objections.schemas import (
    ListedObjectionInSchema,
    MessageInSchema,
    ObjectionDetailSchema,
    ObjectionInSchema,
    ObjectionQuerySchema,
    ObjectionSchema,
    ProposeInSchema,
    RejectInSchema,
    ResolveInSchema,
    WithdrawInSchema,
)
from registry.pagination import paginated

bp = Blueprint(
    "objections",
    __name__,
    url_prefix="/api/v1",
    description="Objections to intended changes or to sub-processors on the list, and the "
    "consultation that follows (Art. 5.2). States: filed → in_consultation ⇄ "
    "resolution_proposed → resolved, or withdrawn from any open state; the processor proposes, "
    "the controller accepts or rejects; the processor resolves alone only with a concession. "
    "An illegal step is 409 naming the state and the allowed actions.",
)


def problem(status: int, description: str) -> Any:
    """Document an error answer of one route (problem+json)."""
    return refusal(bp, status, description)


@bp.route("/changes/<int:change_id>/objections", methods=["POST"])
@requires("controller")
@bp.arguments(ObjectionInSchema)
@bp.response(201, ObjectionDetailSchema)
@problem(404, "No such change of a processor you have an agreement with")
@problem(
    409,
    "The change was withdrawn, its objection window closed, its sub-processor left the list, "
    "or one is open already",
)
def file_objection(data: dict[str, Any], change_id: int) -> Objection:
    """Object to an announced change on reasonable grounds.

    Once the change has taken effect, the objection is one to the sub-processor it brought
    (kind listed: it stays in use during the consultation)."""
    return filing.file_objection(controller=current_org(), change_id=change_id, **data)


@bp.route("/agreements/<int:agreement_id>/objections", methods=["POST"])
@requires("controller")
@bp.arguments(ListedObjectionInSchema)
@bp.response(201, ObjectionDetailSchema)
@problem(404, "No agreement of yours with this id")
@problem(409, "The agreement ended, or an objection to this sub-processor is open already")
@problem(422, "Invalid input, or the sub-processor is not on the processor's current list")
def file_listed_objection(data: dict[str, Any], agreement_id: int) -> Objection:
    """Object to a sub-processor on the list, at any time, on reasonable grounds.

    It stays in use for your data during the consultation: the contract gives you a say, not
    a stop (Art. 5.2)."""
    return filing.file_listed_objection(controller=current_org(), agreement_id=agreement_id, **data)


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
@problem(409, "Not in consultation or proposed, or the change can no longer be withdrawn")
@problem(404, "No objection you are a party to with this id")
@problem(422, "Invalid input, or an outcome that needs the controller's agreement: propose it")
def resolve_objection(data: dict[str, Any], objection_id: int) -> Objection:
    """Close with a concession that needs no consent, and carry it out.

    change_withdrawn (objections to a change) or not_used_for_controller; every other
    outcome is proposed to the controller."""
    return outcomes.resolve(processor=current_org(), objection_id=objection_id, **data)


@bp.route("/objections/<int:objection_id>/propose", methods=["POST"])
@requires("processor")
@bp.arguments(ProposeInSchema)
@bp.response(200, ObjectionDetailSchema)
@problem(409, "Not in consultation (acknowledge it first), or the outcome is not possible")
@problem(404, "No objection you are a party to with this id")
def propose_resolution(data: dict[str, Any], objection_id: int) -> Objection:
    """Propose an outcome for the controller to accept or reject."""
    return outcomes.propose(processor=current_org(), objection_id=objection_id, **data)


@bp.route("/objections/<int:objection_id>/accept", methods=["POST"])
@requires("controller")
@bp.response(200, ObjectionDetailSchema)
@problem(409, "No proposal is open, or its outcome is no longer possible")
@problem(404, "No objection you are a party to with this id")
def accept_resolution(objection_id: int) -> Objection:
    """Accept the processor's proposal: the objection is resolved with its outcome."""
    return outcomes.accept(controller=current_org(), objection_id=objection_id)


@bp.route("/objections/<int:objection_id>/reject", methods=["POST"])
@requires("controller")
@bp.arguments(RejectInSchema)
@bp.response(200, ObjectionDetailSchema)
@problem(409, "No proposal is open")
@problem(404, "No objection you are a party to with this id")
def reject_resolution(data: dict[str, Any], objection_id: int) -> Objection:
    """Reject the processor's proposal with your reasons: the consultation goes on."""
    return outcomes.reject(
        controller=current_org(), objection_id=objection_id, reason=data["reason"]
    )


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
