from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from registry.agreements.models import AgreementStatus
from registry.notifications.deliveries import failing_contacts
from registry.notifications.schemas import FailingContactSchema
from registry.organisations.addresses import EmailAddress
from registry.organisations.schemas import EMAIL_SIZE, LANGUAGE, SLUG, SLUG_SIZE

DAYS = validate.Range(min=0, max=365)


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
    notify_emails = fields.List(
        EmailAddress(validate=EMAIL_SIZE),
        required=True,
        validate=validate.Length(min=1, max=20, error="Give 1 to 20 addresses."),
    )

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
            " | objection_pending | excluded"
        }
    )
    reason = fields.String()
    consent_id = fields.Integer(allow_none=True)


class TransfersSchema(Schema):
    agreement_id = fields.Integer()
    at = fields.String()
    transfers = fields.List(fields.Nested(TransferSchema))
    summary = fields.Dict(keys=fields.String(), values=fields.Integer())
