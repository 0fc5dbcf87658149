"""Data-subject requests (Art. 7) on the agreements' blueprint: the processor forwards, the
controller acknowledges and may ask for help; no one else sees them."""

from __future__ import annotations

from typing import Any

from registry.agreements import data_subject_requests as requests
from registry.agreements.data_subject_request_models import DataSubjectRequest
from registry.agreements.data_subject_request_schemas import (
    DataSubjectRequestInSchema,
    DataSubjectRequestSchema,
    HelpInSchema,
)
from registry.agreements.views import bp
from registry.auth import current_org, requires
from registry.errors import refusal
from registry.pagination import paginated

NOT_YOURS = "No data-subject request under an agreement you are a party to with this id"


@bp.route("/agreements/<int:agreement_id>/data-subject-requests", methods=["POST"])
@requires("processor")
@bp.arguments(DataSubjectRequestInSchema)
@bp.response(201, DataSubjectRequestSchema)
@refusal(bp, 404, "No agreement of yours with this id")
@refusal(bp, 409, "The agreement has ended")
@refusal(
    bp,
    422,
    "Invalid input, a field not in the schema (personal data of the data subject is never "
    "taken), an unknown right, or received_at in the future or before the agreement was signed",
)
def forward_data_subject_request(data: dict[str, Any], agreement_id: int) -> DataSubjectRequest:
    """Record a data-subject request you received and forward it to the controller now (Art. 7.1).

    **No personal data of the data subject goes into the registry or into a mail**: only the
    right invoked, when you received it, the channel and your own reference. Any other field is
    refused. The controller's contacts are told at once, with the month the controller has to
    answer the data subject (GDPR Art. 12(3))."""
    return requests.forward_request(processor=current_org(), agreement_id=agreement_id, **data)


@bp.route("/agreements/<int:agreement_id>/data-subject-requests", methods=["GET"])
@requires("processor", "controller")
@bp.response(200, DataSubjectRequestSchema(many=True))
@paginated(bp)
@refusal(bp, 404, "No agreement you are a party to with this id")
def list_data_subject_requests(agreement_id: int) -> Any:
    """List the data-subject requests forwarded under an agreement, newest first."""
    return requests.requests_of(organisation=current_org(), agreement_id=agreement_id)


@bp.route("/data-subject-requests/<int:request_id>", methods=["GET"])
@requires("processor", "controller")
@bp.response(200, DataSubjectRequestSchema)
@refusal(bp, 404, NOT_YOURS)
def get_data_subject_request(request_id: int) -> DataSubjectRequest:
    """Show one data-subject request, with its dates and the controller's clock."""
    return requests.get_request_or_404(organisation=current_org(), request_id=request_id)


@bp.route("/data-subject-requests/<int:request_id>/acknowledge", methods=["POST"])
@requires("controller")
@bp.response(200, DataSubjectRequestSchema)
@refusal(bp, 404, NOT_YOURS)
@refusal(bp, 409, "Acknowledged already")
def acknowledge_data_subject_request(request_id: int) -> DataSubjectRequest:
    """Acknowledge that you received a forwarded data-subject request."""
    return requests.acknowledge_request(controller=current_org(), request_id=request_id)


@bp.route("/data-subject-requests/<int:request_id>/help", methods=["POST"])
@requires("controller")
@bp.arguments(HelpInSchema, required=False)
@bp.response(200, DataSubjectRequestSchema)
@refusal(bp, 404, NOT_YOURS)
@refusal(bp, 409, "Help was asked already")
@refusal(bp, 422, "A note over 2000 characters, or a field not in the schema")
def ask_help_with_data_subject_request(data: dict[str, Any], request_id: int) -> DataSubjectRequest:
    """Ask the processor's help with a data-subject request (Art. 7.2); the processor is told.

    The help is at your cost, and recorded so."""
    return requests.request_help(
        controller=current_org(), request_id=request_id, note=data.get("note")
    )
