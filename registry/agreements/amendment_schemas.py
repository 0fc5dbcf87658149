"""The agreement's own changes (Art. 10.3): its contacts, the processor's address, amendments."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from registry.agreements.models import AmendmentState
from registry.agreements.schemas import DAYS, notify_emails_field
from registry.organisations.addresses import EmailAddress
from registry.organisations.schemas import EMAIL_SIZE, LANGUAGE

REASON = validate.Length(min=1, max=2000)


class ContactsInSchema(Schema):
    notify_emails = notify_emails_field()


class ProcessorContactInSchema(Schema):
    email = EmailAddress(
        required=True,
        allow_none=True,
        validate=EMAIL_SIZE,
        metadata={
            "description": "where the controller's replies and deadline alerts go; null: "
            "the processor organisation's own address"
        },
    )


class TermsSchema(Schema):
    """The new values of the terms that change; a term left out stays as it is."""

    notice_days = fields.Integer(strict=True, validate=DAYS)
    objection_days = fields.Integer(strict=True, validate=DAYS)
    acknowledge_days = fields.Integer(strict=True, validate=validate.Range(min=1, max=90))
    consultation_days = fields.Integer(strict=True, validate=validate.Range(min=1, max=365))
    language = fields.String(validate=LANGUAGE)


class AmendmentInSchema(Schema):
    changes = fields.Nested(TermsSchema, required=True)
    reason = fields.String(required=True, validate=REASON)

    @validates_schema
    def _something_changes(self, data: dict[str, Any], **_: Any) -> None:
        if "changes" in data and not data["changes"]:
            raise ValidationError("Name at least one term to change.", "changes")


class AnswerSchema(Schema):
    reason = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.Length(max=2000),
        metadata={"description": "Why, for the other party (optional)"},
    )


class AmendmentSchema(Schema):
    id = fields.Integer()
    agreement_id = fields.Integer()
    proposed_by = fields.String(metadata={"description": "processor | controller"})
    changes = fields.Dict(
        keys=fields.String(), metadata={"description": "the terms proposed, with their new values"}
    )
    previous = fields.Dict(
        keys=fields.String(),
        allow_none=True,
        metadata={"description": "the values these terms had before the amendment applied"},
    )
    reason = fields.String()
    state = fields.Enum(
        AmendmentState,
        by_value=True,
        metadata={
            "description": "proposed (open, at most one per agreement); accepted: the "
            "terms apply; rejected; withdrawn by the proposer"
        },
    )
    proposed_at = fields.DateTime()
    answered_at = fields.DateTime(allow_none=True)
    answer_reason = fields.String(allow_none=True)
