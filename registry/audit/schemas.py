"""The audit trail as each party reads it."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields, validate

from registry.audit.models import AuditEvent
from registry.extensions import db
from registry.ids import ID
from registry.organisations.models import Organisation

# Ids fit an integer column; a larger one is a bad request, not a database error.
OBJECT_TYPES = (
    "agreement",
    "amendment",
    "change",
    "consent",
    "data_subject_request",
    "delivery",
    "objection",
    "organisation",
    "security_measures",
    "subscription",
    "token",
)


class AuditQuerySchema(Schema):
    object_type = fields.String(load_default=None, validate=validate.OneOf(OBJECT_TYPES))
    object_id = fields.Integer(load_default=None, validate=ID)
    agreement_id = fields.Integer(load_default=None, validate=ID)
    action = fields.String(
        load_default=None,
        validate=validate.Length(max=64),
        metadata={"description": "e.g. objection.filed, consent.given, change.announced"},
    )


class ActorSchema(Schema):
    organisation = fields.String(
        allow_none=True, metadata={"description": "slug; null for the registry itself"}
    )
    organisation_name = fields.String(allow_none=True)
    token_name = fields.String(allow_none=True)
    contact = fields.String(
        allow_none=True,
        metadata={"description": "the agreement contact who acted through a notice's link"},
    )


class AuditEventSchema(Schema):
    id = fields.Integer()
    occurred_at = fields.DateTime()
    actor = fields.Method("_actor", metadata={"type": "object"})
    action = fields.String()
    object_type = fields.String()
    object_id = fields.Integer()
    agreement_id = fields.Integer(allow_none=True)
    processor = fields.Method("_processor", metadata={"type": ["string", "null"]})
    controller = fields.Method("_controller", metadata={"type": ["string", "null"]})
    data = fields.Dict()

    def _actor(self, event: AuditEvent) -> dict[str, Any]:
        organisation = _organisation(event.actor_org_id)
        return ActorSchema().dump(
            {
                "organisation": organisation.slug if organisation else None,
                "organisation_name": organisation.name if organisation else None,
                "token_name": event.actor_token_name,
                "contact": event.actor_contact,
            }
        )

    def _processor(self, event: AuditEvent) -> str | None:
        organisation = _organisation(event.processor_id)
        return organisation.slug if organisation else None

    def _controller(self, event: AuditEvent) -> str | None:
        organisation = _organisation(event.controller_id)
        return organisation.slug if organisation else None


def _organisation(organisation_id: int | None) -> Any:
    # The identity map answers repeats within one page without a query.
    return db.session.get(Organisation, organisation_id) if organisation_id else None
