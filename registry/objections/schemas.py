"""What integrators send and receive for objections and their consultation."""

from __future__ import annotations

import re

from marshmallow import Schema, ValidationError, fields, validate

from registry.agreements.schemas import PartySchema
from registry.auth import current_org
from registry.ids import ID
from registry.objections.models import (
    Objection,
    ObjectionAction,
    ObjectionKind,
    ObjectionState,
    Outcome,
)
from registry.objections.service import allowed_actions, explanation, subprocessor_name

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


class ListedObjectionInSchema(ObjectionInSchema):
    subprocessor_id = fields.Integer(
        required=True,
        validate=ID,
        metadata={"description": "a sub-processor on the processor's current list"},
    )


class MessageInSchema(Schema):
    body = fields.String(required=True, validate=[TEXT, not_blank])


OUTCOMES = (
    "change_withdrawn withdraws the change for every controller (objections to a change only); "
    "not_used_for_controller excludes the sub-processor from this controller's transfers; "
    "safeguards_agreed lets it apply with the safeguards the summary names; "
    "service_ended_by_controller records that the controller ends the service under the main "
    "contract (Art. 10.1): the agreement itself stays in force, it cannot be terminated early "
    "(Art. 10.2)"
)


class ResolveInSchema(Schema):
    outcome = fields.Enum(
        Outcome,
        by_value=True,
        required=True,
        metadata={
            "description": "a concession the processor grants alone: change_withdrawn or "
            "not_used_for_controller; any other outcome is 422: propose it. " + OUTCOMES
        },
    )
    summary = fields.String(required=True, validate=[TEXT, not_blank])


class ProposeInSchema(Schema):
    outcome = fields.Enum(
        Outcome,
        by_value=True,
        required=True,
        metadata={"description": "the solution the controller is asked to accept. " + OUTCOMES},
    )
    summary = fields.String(required=True, validate=[TEXT, not_blank])


class RejectInSchema(Schema):
    reason = fields.String(
        required=True,
        validate=[TEXT, not_blank],
        metadata={"description": "why; posted in the consultation thread as your message"},
    )


class WithdrawInSchema(Schema):
    reason = fields.String(required=True, validate=[TEXT, not_blank])


class ObjectionQuerySchema(Schema):
    state = fields.Enum(ObjectionState, by_value=True, load_default=None)
    kind = fields.Enum(ObjectionKind, by_value=True, load_default=None)
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
    kind = fields.Enum(
        ObjectionKind,
        by_value=True,
        metadata={
            "description": "change: to an announced change, which does not apply to this "
            "controller while the objection is open (blocking); listed: to a sub-processor on "
            "the list, which stays in use during the consultation (not blocking)"
        },
    )
    blocking = fields.Boolean(
        metadata={
            "description": "whether an open objection keeps the sub-processor from the "
            "controller's data (transfers view: objection_pending, else in_use_objection_pending)"
        }
    )
    explanation = fields.Method(
        "_explanation",
        metadata={"type": "string", "description": "what the objection does, in plain words"},
    )
    change_id = fields.Integer(
        allow_none=True,
        metadata={
            "description": "the change objected to; for a listed objection filed to a "
            "change in effect, that change"
        },
    )
    subprocessor_id = fields.Integer(metadata={"description": "the sub-processor objected to"})
    subprocessor_name = fields.Method(
        "_subprocessor_name", metadata={"type": "string", "description": "its name on the list"}
    )
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
    proposed_outcome = fields.Enum(
        Outcome,
        by_value=True,
        allow_none=True,
        metadata={"description": "the processor's proposal awaiting the controller's answer"},
    )
    proposed_summary = fields.String(allow_none=True)
    proposed_at = fields.DateTime(allow_none=True)
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

    def _explanation(self, objection: Objection) -> str:
        return explanation(objection)

    def _subprocessor_name(self, objection: Objection) -> str:
        return subprocessor_name(objection)


class ObjectionDetailSchema(ObjectionSchema):
    messages = fields.List(fields.Nested(MessageSchema))
