"""What integrators send and receive for subscriptions and deliveries."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from registry.ids import ID
from registry.notifications.deliveries import is_stalled
from registry.notifications.models import DeliveryStatus, SubscriptionStatus
from registry.organisations.addresses import EmailAddress

LANGUAGE = validate.OneOf(["nl", "en"])


class SubscribeSchema(Schema):
    email = EmailAddress(required=True, validate=validate.Length(max=254))
    language = fields.String(load_default="nl", validate=LANGUAGE)


class SubscriptionAcceptedSchema(Schema):
    status = fields.String(metadata={"description": "Always 'accepted'"})
    detail = fields.String()


class ConfirmSchema(Schema):
    token = fields.String(required=True, validate=validate.Length(min=1, max=200))


class SubscriptionStateSchema(Schema):
    processor = fields.String(metadata={"description": "The processor's slug"})
    status = fields.Enum(SubscriptionStatus, by_value=True)
    language = fields.String()


class DeliveryQuerySchema(Schema):
    change_id = fields.Integer(validate=ID)
    status = fields.Enum(DeliveryStatus, by_value=True)
    kind = fields.String(validate=validate.Length(min=1, max=48))
    stalled = fields.Boolean(
        metadata={"description": "Only (true) or no (false) deliveries stalled in sending"}
    )


class DeliverySchema(Schema):
    id = fields.Integer()
    channel = fields.String()
    recipient = fields.String()
    language = fields.String()
    kind = fields.String(attribute="notice.kind", metadata={"description": "The notice kind"})
    change_id = fields.Integer(attribute="notice.change_id", allow_none=True)
    objection_id = fields.Integer(attribute="notice.objection_id", allow_none=True)
    agreement_id = fields.Integer(allow_none=True)
    organisation_id = fields.Integer(
        allow_none=True, metadata={"description": "The controller addressed, if any"}
    )
    subscriber = fields.Function(
        lambda delivery: delivery.subscription_id is not None,
        metadata={"description": "Sent to a public subscriber rather than a contract contact"},
    )
    subject = fields.Function(lambda delivery: (delivery.payload or {}).get("subject"))
    status = fields.Enum(DeliveryStatus, by_value=True)
    attempts = fields.Integer(metadata={"description": "Attempts made so far"})
    created_at = fields.DateTime()
    sent_at = fields.DateTime(allow_none=True)
    next_attempt_at = fields.DateTime(allow_none=True)
    last_attempt_at = fields.DateTime(
        allow_none=True, metadata={"description": "When the last outcome was recorded"}
    )
    claimed_until = fields.DateTime(
        allow_none=True, metadata={"description": "While sending: the end of the worker's lease"}
    )
    stalled = fields.Function(
        is_stalled,
        metadata={
            "type": "boolean",
            "description": "Sending past its worker's lease (the worker stopped or lost the "
            "database); a later worker takes it over, or it can be retried now",
        },
    )
    last_error = fields.String(allow_none=True)
    message_id = fields.String()


class FailingContactSchema(Schema):
    email = fields.String()
    status = fields.Enum(
        DeliveryStatus,
        by_value=True,
        metadata={"description": "failed: being retried; dead: given up"},
    )
    error = fields.String(allow_none=True, metadata={"description": "The last error"})
    failed_at = fields.DateTime(allow_none=True)
    delivery_id = fields.Integer()


class SuppressionSchema(Schema):
    id = fields.Integer()
    email = fields.String()
    reason = fields.String(metadata={"description": "The refusal that suppressed it"})
    created_at = fields.DateTime()
