"""Agreements: recorded by the processor, readable by both parties and no one else."""

from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint

from registry.agreements import service, transfers
from registry.agreements.models import Agreement
from registry.agreements.schemas import AgreementInSchema, AgreementSchema, TransfersSchema
from registry.auth import current_org, requires
from registry.pagination import paginated
from registry.params import parse_at
from registry.subprocessors.schemas import AtQuerySchema

bp = Blueprint(
    "agreements", __name__, url_prefix="/api/v1", description="Data processing agreements"
)


@bp.route("/agreements", methods=["POST"])
@requires("processor")
@bp.arguments(AgreementInSchema)
@bp.response(201, AgreementSchema)
def record_agreement(data: dict[str, Any]) -> Agreement:
    """Record a signed agreement with a controller."""
    return service.record_agreement(
        processor=current_org(), controller_slug=data.pop("controller"), **data
    )


@bp.route("/agreements", methods=["GET"])
@requires("processor", "controller")
@bp.response(200, AgreementSchema(many=True))
@paginated(bp)
def list_agreements() -> Any:
    """List the agreements you are a party to."""
    return service.agreements_of(current_org())


@bp.route("/agreements/<int:agreement_id>", methods=["GET"])
@requires("processor", "controller")
@bp.response(200, AgreementSchema)
def get_agreement(agreement_id: int) -> Agreement:
    """Show one agreement you are a party to."""
    return service.get_for_party_or_404(agreement_id=agreement_id, organisation=current_org())


@bp.route("/agreements/<int:agreement_id>/transfers", methods=["GET"])
@requires("processor", "controller")
@bp.arguments(AtQuerySchema, location="query", as_kwargs=True)
@bp.response(200, TransfersSchema)
def list_transfers(agreement_id: int, at: str | None) -> dict[str, Any]:
    """Show every sub-processor location as it applies to this controller (Art. 3.1)."""
    agreement = service.get_for_party_or_404(agreement_id=agreement_id, organisation=current_org())
    return transfers.transfers(agreement=agreement, at=parse_at(at))
