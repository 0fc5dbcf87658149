"""Data-subject requests in the API (Art. 7): no personal data of the data subject, ever."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask import current_app
from marshmallow import RAISE, Schema, fields, validate

from registry.agreements.data_subject_request_models import (
    AT_CONTROLLER_COST,
    DataSubjectRequest,
    DataSubjectRight,
)

EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
NOT_BLANK = validate.Regexp(r"\S", error="May not be blank.")


class DataSubjectRequestInSchema(Schema):
    """Only the right, the moment of receipt, the channel and your own reference: no name,
    address, e-mail or other personal data of the data subject goes into the registry or into a
    mail. Any field not listed here is refused (422 naming it)."""

    class Meta:
        unknown = RAISE

    received_at = fields.AwareDateTime(
        required=True,
        default_timezone=None,
        validate=validate.Range(min=EARLIEST, error="Must be in 2000 or later."),
        metadata={"description": "When you received the request; not in the future"},
    )
    right = fields.Enum(
        DataSubjectRight,
        by_value=True,
        required=True,
        metadata={"description": "The right the data subject invokes (GDPR Arts. 15–22)"},
    )
    reference = fields.String(
        required=True,
        validate=[validate.Length(min=1, max=100), NOT_BLANK],
        metadata={
            "description": "Your own reference of the request, by which both parties find it in "
            "their files; not the data subject's name or any other personal data"
        },
    )
    channel = fields.String(
        required=True,
        validate=[validate.Length(min=1, max=50), NOT_BLANK],
        metadata={"description": "How it came in: email, phone, letter, …"},
    )


class HelpInSchema(Schema):
    class Meta:
        unknown = RAISE

    note = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.Length(max=2000),
        metadata={
            "description": "What help you need, for the processor (optional); no personal data "
            "of the data subject"
        },
    )


class DataSubjectRequestSchema(Schema):
    id = fields.Integer()
    agreement_id = fields.Integer()
    right = fields.Enum(DataSubjectRight, by_value=True)
    reference = fields.String(metadata={"description": "the processor's own reference"})
    channel = fields.String()
    received_at = fields.DateTime()
    forwarded_at = fields.DateTime(
        metadata={"description": "when the processor forwarded it to the controller (Art. 7.1)"}
    )
    forwarded_after_hours = fields.Method(
        "_hours", metadata={"description": "hours from receipt to forwarding", "type": "number"}
    )
    forwarded_late = fields.Method(
        "_late",
        metadata={
            "description": "forwarded later than DSR_FORWARD_DAYS (default 2) after receipt",
            "type": "boolean",
        },
    )
    answer_due_at = fields.DateTime(
        metadata={
            "description": "the controller's own clock: one calendar month after receipt to "
            "answer the data subject (GDPR Art. 12(3))"
        }
    )
    acknowledged_at = fields.DateTime(allow_none=True)
    help_requested_at = fields.DateTime(
        allow_none=True,
        metadata={"description": "when the controller asked the processor's help (Art. 7.2)"},
    )
    help = fields.Method(
        "_help",
        metadata={
            "description": "the help asked, with its note and that it is at the controller's "
            "cost; null when none was asked",
            "type": ["object", "null"],
        },
    )

    def _hours(self, request: DataSubjectRequest) -> float:
        return round(request.forwarded_after.total_seconds() / 3600, 2)

    def _late(self, request: DataSubjectRequest) -> bool:
        return request.forwarded_late(int(current_app.config["DSR_FORWARD_DAYS"]))

    def _help(self, request: DataSubjectRequest) -> dict[str, Any] | None:
        if request.help_requested_at is None:
            return None
        return {
            "requested_at": request.help_requested_at.isoformat(),
            "note": request.help_note,
            "cost": AT_CONTROLLER_COST,
        }
