"""Prior consents (Art. 3.1) and the processor's overview of transfers across agreements."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from registry.agreements.consents import subprocessor_name
from registry.agreements.models import Consent
from registry.agreements.schemas import PartySchema, TransferSchema
from registry.countries.service import country_name
from registry.ids import ID

# Ids fit an integer column; a larger one is a bad request, not a database error.


class ConsentInSchema(Schema):
    # Normalised and checked in the service, so an unknown code is 422 naming "code".
    code = fields.String(
        required=True,
        validate=validate.Length(min=2, max=10),
        metadata={"description": "ISO 3166-1 alpha-2 or ISO 3166-2 code; EL and UK accepted"},
    )
    subprocessor_id = fields.Integer(
        load_default=None,
        allow_none=True,
        strict=True,
        validate=ID,
        metadata={"description": "limit the consent to one sub-processor; null: all of them"},
    )
    note = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=2000))


class ConsentQuerySchema(Schema):
    active = fields.Boolean(
        load_default=None, metadata={"description": "true: not revoked; false: revoked"}
    )


class ConsentSchema(Schema):
    id = fields.Integer()
    agreement_id = fields.Integer()
    code = fields.String()
    name = fields.Method("_name", metadata={"type": "string"})
    subprocessor_id = fields.Integer(allow_none=True)
    subprocessor = fields.Method(
        "_subprocessor",
        metadata={"type": ["string", "null"], "description": "name, when limited to one"},
    )
    note = fields.String(allow_none=True)
    given_at = fields.DateTime()
    revoked_at = fields.DateTime(allow_none=True)
    active = fields.Method("_active", metadata={"type": "boolean"})

    def _name(self, consent: Consent) -> str:
        return country_name(consent.code, "en")

    def _subprocessor(self, consent: Consent) -> str | None:
        return subprocessor_name(consent)

    def _active(self, consent: Consent) -> bool:
        return consent.revoked_at is None


class AgreementTransfersSchema(Schema):
    agreement_id = fields.Integer()
    reference = fields.String()
    controller = fields.Nested(PartySchema)
    summary = fields.Dict(
        keys=fields.String(), values=fields.Integer(), metadata={"description": "rows by status"}
    )
    blocking = fields.List(
        fields.Nested(TransferSchema),
        metadata={
            "description": "the locations that may not be used for this controller now: "
            "consent_required, objection_pending, excluded, safeguard_missing — each with its "
            "reason"
        },
    )
    warnings = fields.List(
        fields.Nested(TransferSchema),
        metadata={
            "description": "the locations whose entry needs attention (each row's warnings): "
            "a DPF check more than 12 months old, a derogation used for a standing transfer"
        },
    )
