"""Agreements: recorded by the processor, confirmed or declined by the controller, readable by
both parties and no one else."""

from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint

from registry.agreements import amendments, consents, contacts, overview, service, transfers
from registry.agreements.amendment_schemas import (
    AmendmentInSchema,
    AmendmentSchema,
    AnswerSchema,
    ContactsInSchema,
    ProcessorContactInSchema,
)
from registry.agreements.consent_schemas import (
    AgreementTransfersSchema,
    ConsentInSchema,
    ConsentQuerySchema,
    ConsentSchema,
)
from registry.agreements.models import Agreement, Amendment, Consent
from registry.agreements.schemas import (
    AgreementInSchema,
    AgreementQuerySchema,
    AgreementSchema,
    DeclineSchema,
    TransfersSchema,
)
from registry.auth import current_org, requires
from registry.errors import refusal
from registry.pagination import MAX_OFFSET, MAX_PAGE_SIZE, PAGE_SIZE, paginated
from registry.params import parse_at
from registry.subprocessors.schemas import AtQuerySchema

bp = Blueprint(
    "agreements", __name__, url_prefix="/api/v1", description="Data processing agreements"
)


@bp.route("/agreements", methods=["POST"])
@requires("processor")
@bp.arguments(AgreementInSchema)
@bp.response(201, AgreementSchema)
@refusal(bp, 409, "You have an agreement with this reference already")
@refusal(bp, 422, "Invalid input, no such controller, or objection_days over notice_days")
def record_agreement(data: dict[str, Any]) -> Agreement:
    """Record a signed agreement with a controller, pending until the controller confirms it."""
    return service.record_agreement(
        processor=current_org(), controller_slug=data.pop("controller"), **data
    )


@bp.route("/agreements", methods=["GET"])
@requires("processor", "controller")
@bp.arguments(AgreementQuerySchema, location="query", as_kwargs=True)
@bp.response(200, AgreementSchema(many=True))
@paginated(bp)
def list_agreements(status: Any) -> Any:
    """List the agreements you are a party to."""
    return service.agreements_of(current_org(), status=status)


@bp.route("/agreements/<int:agreement_id>/confirm", methods=["POST"])
@requires("controller")
@bp.response(200, AgreementSchema)
@refusal(bp, 404, "No agreement of yours with this id")
@refusal(bp, 409, "The agreement is not pending: confirmed, declined or ended already")
def confirm_agreement(agreement_id: int) -> Agreement:
    """Confirm a pending agreement a processor recorded with you."""
    return service.confirm_agreement(controller=current_org(), agreement_id=agreement_id)


@bp.route("/agreements/<int:agreement_id>/decline", methods=["POST"])
@requires("controller")
@bp.arguments(DeclineSchema, required=False)
@bp.response(200, AgreementSchema)
@refusal(bp, 404, "No agreement of yours with this id")
@refusal(bp, 409, "The agreement is not pending: confirmed, declined or ended already")
def decline_agreement(data: dict[str, Any], agreement_id: int) -> Agreement:
    """Decline a pending agreement that is not yours; it ends now."""
    return service.decline_agreement(
        controller=current_org(), agreement_id=agreement_id, reason=data.get("reason")
    )


@bp.route("/agreements/<int:agreement_id>", methods=["GET"])
@requires("processor", "controller")
@bp.response(200, AgreementSchema)
@refusal(bp, 404, "No agreement you are a party to with this id")
def get_agreement(agreement_id: int) -> Agreement:
    """Show one agreement you are a party to."""
    return service.get_for_party_or_404(agreement_id=agreement_id, organisation=current_org())


@bp.route("/agreements/<int:agreement_id>/transfers", methods=["GET"])
@requires("processor", "controller")
@bp.arguments(AtQuerySchema, location="query", as_kwargs=True)
@bp.response(200, TransfersSchema)
@refusal(bp, 404, "No agreement you are a party to with this id")
@refusal(bp, 422, "`at` is not a date or an RFC 3339 time with offset")
def list_transfers(agreement_id: int, at: str | None) -> dict[str, Any]:
    """Show every sub-processor location as it applies to this controller (Art. 3.1)."""
    agreement = service.get_for_party_or_404(agreement_id=agreement_id, organisation=current_org())
    return transfers.transfers(agreement=agreement, at=parse_at(at))


# --- prior consent (Art. 3.1) and the processor's overview of transfers --------------------


@bp.route("/agreements/<int:agreement_id>/consents", methods=["POST"])
@requires("controller")
@bp.arguments(ConsentInSchema)
@bp.response(201, ConsentSchema)
@refusal(bp, 404, "No agreement of yours with this id")
@refusal(bp, 409, "The agreement has ended, or this consent is given already")
@refusal(
    bp,
    422,
    "Invalid input, an unknown location, a location that needs no consent, or a "
    "sub-processor not on the processor's list",
)
def give_consent(data: dict[str, Any], agreement_id: int) -> Consent:
    """Give prior consent for a location outside the EEA without adequacy."""
    return consents.give_consent(controller=current_org(), agreement_id=agreement_id, **data)


@bp.route("/agreements/<int:agreement_id>/consents", methods=["GET"])
@requires("processor", "controller")
@bp.arguments(ConsentQuerySchema, location="query", as_kwargs=True)
@bp.response(200, ConsentSchema(many=True))
@paginated(bp)
@refusal(bp, 404, "No agreement you are a party to with this id")
def list_consents(agreement_id: int, active: bool | None) -> Any:
    """List the consents given under an agreement, newest first."""
    return consents.consents_of(
        agreement_id=agreement_id, organisation=current_org(), active=active
    )


@bp.route("/agreements/<int:agreement_id>/consents/<int:consent_id>", methods=["DELETE"])
@requires("controller")
@bp.response(200, ConsentSchema)
@refusal(bp, 404, "No agreement of yours with this id, or no such consent in it")
@refusal(bp, 409, "The consent is revoked already")
def revoke_consent(agreement_id: int, consent_id: int) -> Consent:
    """Revoke a consent from now on."""
    return consents.revoke_consent(
        controller=current_org(), agreement_id=agreement_id, consent_id=consent_id
    )


# --- the agreement's own changes (Art. 10.3) ------------------------------------------------


@bp.route("/agreements/<int:agreement_id>/contacts", methods=["PATCH"])
@requires("controller")
@bp.arguments(ContactsInSchema)
@bp.response(200, AgreementSchema)
@refusal(bp, 404, "No agreement of yours with this id")
@refusal(bp, 409, "The agreement has ended")
@refusal(bp, 422, "No address, more than 20, or one that is not an address")
def change_contacts(data: dict[str, Any], agreement_id: int) -> Agreement:
    """Replace the contacts your notices under this agreement go to.

    The old and the new contacts and the processor are told. The personal links of a removed
    address stop working; those of the contacts kept go on."""
    return contacts.change_contacts(
        controller=current_org(), agreement_id=agreement_id, notify_emails=data["notify_emails"]
    )


@bp.route("/agreements/<int:agreement_id>/processor-contact", methods=["PATCH"])
@requires("processor")
@bp.arguments(ProcessorContactInSchema)
@bp.response(200, AgreementSchema)
@refusal(bp, 404, "No agreement of yours with this id")
@refusal(bp, 409, "The agreement has ended")
@refusal(bp, 422, "Not an address")
def set_processor_contact(data: dict[str, Any], agreement_id: int) -> Agreement:
    """Set where the controller's replies and your deadline alerts under this agreement go."""
    return contacts.set_processor_contact(
        processor=current_org(), agreement_id=agreement_id, email=data["email"]
    )


@bp.route("/agreements/<int:agreement_id>/amendments", methods=["POST"])
@requires("processor", "controller")
@bp.arguments(AmendmentInSchema)
@bp.response(201, AmendmentSchema)
@refusal(bp, 404, "No agreement you are a party to with this id")
@refusal(bp, 409, "The agreement has ended, or an amendment of it is open already")
@refusal(
    bp,
    422,
    "Invalid input, no term that changes, a period under its minimum, or objection_days over "
    "notice_days in the resulting terms",
)
def propose_amendment(data: dict[str, Any], agreement_id: int) -> Amendment:
    """Propose new terms; they apply once the other party accepts them."""
    return amendments.propose_amendment(party=current_org(), agreement_id=agreement_id, **data)


@bp.route("/agreements/<int:agreement_id>/amendments", methods=["GET"])
@requires("processor", "controller")
@bp.response(200, AmendmentSchema(many=True))
@paginated(bp)
@refusal(bp, 404, "No agreement you are a party to with this id")
def list_amendments(agreement_id: int) -> Any:
    """List the amendments of an agreement, newest first: the history of its terms."""
    return amendments.amendments_of(organisation=current_org(), agreement_id=agreement_id)


@bp.route("/agreements/<int:agreement_id>/amendments/<int:amendment_id>/accept", methods=["POST"])
@requires("processor", "controller")
@bp.response(200, AmendmentSchema)
@refusal(bp, 404, "No agreement you are a party to with this id, or no such amendment in it")
@refusal(bp, 409, "The amendment is not open, or you proposed it (the other party answers)")
@refusal(bp, 422, "The resulting terms break a rule of recording (a minimum changed since)")
def accept_amendment(agreement_id: int, amendment_id: int) -> Amendment:
    """Accept the other party's amendment: its terms apply from now on."""
    return amendments.accept_amendment(
        party=current_org(), agreement_id=agreement_id, amendment_id=amendment_id
    )


@bp.route("/agreements/<int:agreement_id>/amendments/<int:amendment_id>/reject", methods=["POST"])
@requires("processor", "controller")
@bp.arguments(AnswerSchema, required=False)
@bp.response(200, AmendmentSchema)
@refusal(bp, 404, "No agreement you are a party to with this id, or no such amendment in it")
@refusal(bp, 409, "The amendment is not open, or you proposed it (the other party answers)")
def reject_amendment(data: dict[str, Any], agreement_id: int, amendment_id: int) -> Amendment:
    """Reject the other party's amendment; the terms stay as they are."""
    return amendments.reject_amendment(
        party=current_org(),
        agreement_id=agreement_id,
        amendment_id=amendment_id,
        reason=data.get("reason"),
    )


@bp.route("/agreements/<int:agreement_id>/amendments/<int:amendment_id>/withdraw", methods=["POST"])
@requires("processor", "controller")
@bp.arguments(AnswerSchema, required=False)
@bp.response(200, AmendmentSchema)
@refusal(bp, 404, "No agreement you are a party to with this id, or no such amendment in it")
@refusal(bp, 409, "The amendment is not open, or the other party proposed it")
def withdraw_amendment(data: dict[str, Any], agreement_id: int, amendment_id: int) -> Amendment:
    """Withdraw an amendment you proposed."""
    return amendments.withdraw_amendment(
        party=current_org(),
        agreement_id=agreement_id,
        amendment_id=amendment_id,
        reason=data.get("reason"),
    )


@bp.route("/transfers", methods=["GET"])
@requires("processor")
@bp.arguments(AtQuerySchema, location="query", as_kwargs=True)
@bp.response(200, AgreementTransfersSchema(many=True))
@bp.paginate(page_size=PAGE_SIZE, max_page_size=MAX_PAGE_SIZE)
@refusal(bp, 422, "`at` is not a date or an RFC 3339 time with offset")
def transfers_overview(at: str | None, pagination_parameters: Any) -> list[dict[str, Any]]:
    """Show, per active agreement, the counts by status and the transfers that are blocked."""
    processor, moment = current_org(), parse_at(at)
    pagination_parameters.item_count = overview.count_agreements(processor=processor, at=moment)
    if pagination_parameters.first_item > MAX_OFFSET:
        return []
    return overview.transfers_overview(
        processor=processor,
        at=moment,
        offset=pagination_parameters.first_item,
        limit=pagination_parameters.page_size,
    )
