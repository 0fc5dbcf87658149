"""What integrators send and receive for objections and their consultation."""

from __future__ import annotations

import re

from marshmallow import Schema, ValidationError, fields, validate

from registry.agreements.schemas import PartySchema
from registry.auth import current_org
from registry.ids import ID
from registry.objections.models import Objection, ObjectionAction, ObjectionState, Outcome
from registry.objections.service import allowed_actions

TEXT = validate.Length(max=10_000)
# Ids fit an integer column; a larger one is a bad request, not a database error.
_WORD = re.compile(r"\w")


def reasonable_grounds(value: str) -> None:
    """Art. 5.2 asks for reasonable grounds: at least a phrase, never empty or one word."""
    if sum(1 for token in value.split() if _WORD.search(token)) < 2:
        raise ValidationError(
            "State the grounds for the objection (Art. 5.2: reasonable grounds); an empty "
            "or one-word reason is not enough."
        )


def not_blank(value: str) -> None:
    if not value.strip():
        raise ValidationError("May not be blank.")


class ObjectionInSchema(Schema):
    grounds = fields.String(required=True, validate=[TEXT, reasonable_grounds])
    remedy = fields.String(load_default=None, allow_none=True, validate=TEXT)


class MessageInSchema(Schema):
    body = fields.String(required=True, validate=[TEXT, not_blank])


class ResolveInSchema(Schema):
    outcome = fields.Enum(
        Outcome,
        by_value=True,
        required=True,
        metadata={
            "description": "change_withdrawn withdraws the change for every controller; "
            "not_used_for_controller excludes the sub-processor from this controller's "
            "transfers; agreement_terminated ends the agreement"
        },
    )
    summary = fields.String(required=True, validate=[TEXT, not_blank])


class WithdrawInSchema(Schema):
    reason = fields.String(required=True, validate=[TEXT, not_blank])


class ObjectionQuerySchema(Schema):
    state = fields.Enum(ObjectionState, by_value=True, load_default=None)
    change_id = fields.Integer(load_default=None, validate=ID)
    agreement_id = fields.Integer(load_default=None, validate=ID)


class MessageSchema(Schema):
    id = fields.Integer()
    author = fields.Pluck(
        PartySchema, "slug", metadata={"description": "slug of the organisation that wrote it"}
    )
    by = fields.String(metadata={"description": "processor | controller"})
    body = fields.String()
    created_at = fields.DateTime()


class ObjectionSchema(Schema):
    id = fields.Integer()
    state = fields.Enum(ObjectionState, by_value=True)
    change_id = fields.Integer()
    agreement_id = fields.Integer()
    processor = fields.Nested(PartySchema)
    controller = fields.Nested(PartySchema)
    grounds = fields.String()
    remedy = fields.String(allow_none=True)
    filed_at = fields.DateTime()
    acknowledge_due_at = fields.DateTime()
    consultation_due_at = fields.DateTime()
    acknowledged_at = fields.DateTime(allow_none=True)
    overdue = fields.Boolean(
        metadata={
            "description": "open and past a deadline: not acknowledged by acknowledge_due_at, "
            "or not resolved by consultation_due_at",
        },
    )
    outcome = fields.Enum(Outcome, by_value=True, allow_none=True)
    summary = fields.String(allow_none=True)
    resolved_at = fields.DateTime(allow_none=True)
    withdrawn_at = fields.DateTime(allow_none=True)
    withdraw_reason = fields.String(allow_none=True)
    allowed_actions = fields.Method(
        "_allowed_actions",
        metadata={
            "type": "array",
            "items": {"type": "string", "enum": [a.value for a in ObjectionAction]},
            "description": "what the caller may do now",
        },
    )

    def _allowed_actions(self, objection: Objection) -> list[str]:
        return allowed_actions(objection, current_org())


class ObjectionDetailSchema(ObjectionSchema):
    messages = fields.List(fields.Nested(MessageSchema))
