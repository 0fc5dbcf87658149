from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from registry.organisations.schemas import LANGUAGE, SLUG

DAYS = validate.Range(min=0, max=365)


class AgreementInSchema(Schema):
    controller = fields.String(required=True, validate=SLUG, metadata={"description": "slug"})
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
        fields.Email(),
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
    created_at = fields.DateTime()
    terminated_at = fields.DateTime(allow_none=True)


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
