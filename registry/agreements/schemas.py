from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from registry.agreements.models import AgreementStatus
from registry.notifications.deliveries import failing_contacts
from registry.notifications.schemas import FailingContactSchema
from registry.organisations.addresses import EmailAddress
from registry.organisations.schemas import EMAIL_SIZE, LANGUAGE, SLUG, SLUG_SIZE

DAYS = validate.Range(min=0, max=365)


def notify_emails_field() -> fields.List:
    """The contacts of an agreement, as recorded and as the controller changes them."""
    return fields.List(
        EmailAddress(validate=EMAIL_SIZE),
        required=True,
        validate=validate.Length(min=1, max=20, error="Give 1 to 20 addresses."),
    )


class AgreementInSchema(Schema):
    controller = fields.String(
        required=True, validate=[SLUG_SIZE, SLUG], metadata={"description": "slug"}
    )
    reference = fields.String(required=True, validate=validate.Length(min=1, max=100))
    signed_on = fields.Date(required=True)
    language = fields.String(load_default="nl", validate=LANGUAGE)
    notice_days = fields.Integer(load_default=None, allow_none=True, validate=DAYS, strict=True)
    objection_days = fields.Integer(load_default=None, allow_none=True, validate=DAYS, strict=True)
    acknowledge_days = fields.Integer(
        load_default=None, allow_none=True, validate=validate.Range(min=1, max=90), strict=True
    )
    consultation_days = fields.Integer(
        load_default=None, allow_none=True, validate=validate.Range(min=1, max=365), strict=True
    )
    notify_emails = notify_emails_field()

    @validates_schema
    def _objection_within_notice(self, data: dict[str, Any], **_: Any) -> None:
        notice, objection = data.get("notice_days"), data.get("objection_days")
        if notice is not None and objection is not None and objection > notice:
            raise ValidationError(
                "May not exceed notice_days: an objection must be possible before the change "
                "takes effect.",
                "objection_days",
            )


class PartySchema(Schema):
    slug = fields.String()
    name = fields.String()


class _FailingContacts(fields.Nested):
    """Read from the outbox when the agreement is shown."""

    def get_value(self, obj: Any, attr: str, accessor: Any = None, default: Any = None) -> Any:
        return failing_contacts(agreement_id=obj.id, emails=obj.notify_emails)


class AgreementSchema(Schema):
    id = fields.Integer()
    processor = fields.Nested(PartySchema)
    controller = fields.Nested(PartySchema)
    reference = fields.String()
    signed_on = fields.Date()
    language = fields.String()
    notice_days = fields.Integer()
    objection_days = fields.Integer()
    acknowledge_days = fields.Integer()
    consultation_days = fields.Integer()
    notify_emails = fields.List(fields.String())
    processor_email = fields.String(
        allow_none=True,
        metadata={
            "description": "Where the controller's replies and deadline alerts go; null: the "
            "processor organisation's own address"
        },
    )
    failing_contacts = _FailingContacts(
        FailingContactSchema,
        many=True,
        dump_only=True,
        metadata={
            "description": "Contacts whose last contractual notice under this agreement failed "
            "(failed: being retried; dead: given up), with the error and when"
        },
    )
    status = fields.Enum(
        AgreementStatus,
        by_value=True,
        metadata={
            "description": "pending until the controller confirms it (in force meanwhile); "
            "confirmed; declined by the controller (ended); terminated"
        },
    )
    created_at = fields.DateTime()
    confirmed_at = fields.DateTime(allow_none=True)
    declined_at = fields.DateTime(allow_none=True)
    decline_reason = fields.String(allow_none=True)
    terminated_at = fields.DateTime(allow_none=True)


class AgreementQuerySchema(Schema):
    status = fields.Enum(AgreementStatus, by_value=True, load_default=None)


class DeclineSchema(Schema):
    reason = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.Length(max=2000),
        metadata={"description": "Why, for the processor (optional)"},
    )


class TransferSchema(Schema):
    subprocessor_id = fields.Integer()
    subprocessor = fields.String()
    code = fields.String()
    name = fields.String()
    activities = fields.List(fields.String())
    zone = fields.String()
    status = fields.String(
        metadata={
            "description": "allowed_eea | allowed_adequacy | consent_given | consent_required"
            " | objection_pending (an objection to a change holds it back: blocking)"
            " | in_use_objection_pending (an objection to a listed sub-processor: still in use,"
            " not blocking) | excluded | safeguard_missing (no basis in GDPR Chapter V:"
            " blocking, whatever the consent). The contract's answer (Art. 3.1, 3.3)"
        }
    )
    reason = fields.String()
    consent_id = fields.Integer(allow_none=True)
    lawful_basis = fields.String(
        metadata={
            "description": "The law's answer (GDPR Chapter V), apart from consent: eea | "
            "adequacy | art46_safeguard | art49_derogation | none"
        }
    )
    mechanism = fields.String(
        allow_none=True, metadata={"description": "The entry's transfer_mechanism"}
    )
    warnings = fields.List(
        fields.String(),
        metadata={
            "description": "Facts of the entry to act on: a derogation used for a standing "
            "transfer, a DPF check more than 12 months old"
        },
    )


class TransfersSchema(Schema):
    agreement_id = fields.Integer()
    at = fields.String()
    transfers = fields.List(fields.Nested(TransferSchema))
    summary = fields.Dict(keys=fields.String(), values=fields.Integer())
