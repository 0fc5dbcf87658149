"""What integrators send and receive for subscriptions and deliveries."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from registry.ids import ID
from registry.notifications.models import DeliveryStatus, SubscriptionStatus

LANGUAGE = validate.OneOf(["nl", "en"])


class SubscribeSchema(Schema):
    email = fields.Email(required=True, validate=validate.Length(max=254))
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
    last_error = fields.String(allow_none=True)
    message_id = fields.String()
