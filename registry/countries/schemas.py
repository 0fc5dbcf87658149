"""Schemas of the country assessment and the adequacy table.

The service returns JSON-ready dicts (dates already ISO strings), so dates are strings with
``format: date`` here. Other domains nest ``AssessmentSchema`` on every location.
"""

from __future__ import annotations

import re
from typing import Any

from marshmallow import Schema, fields, validate

from registry import clock

# What the path accepts: the shape of a code; whether it exists is the service's question.
LOCATION_CODE = re.compile(r"^[A-Za-z]{2}(-[A-Za-z0-9]{1,3})?$")


def _date(**kwargs: Any) -> fields.String:
    metadata = {"format": "date", **kwargs.pop("metadata", {})}
    return fields.String(metadata=metadata, **kwargs)


class AtQuerySchema(Schema):
    at = fields.Date(
        load_default=clock.today,
        metadata={"description": "The date to assess at (YYYY-MM-DD); today when left out"},
    )


class AssessQuerySchema(AtQuerySchema):
    dpf_certified = fields.Boolean(
        load_default=False,
        metadata={
            "description": "The recipient is certified under the EU-US Data Privacy Framework "
            "(for US locations; the framework in force at `at`)"
        },
    )
    adequacy_scope_confirmed = fields.Boolean(
        load_default=False,
        metadata={
            "description": "The recipient falls within the scope of a decision that covers "
            "only some recipients (Canada, Israel, Japan, Korea)"
        },
    )


class AdequacySchema(Schema):
    decision = fields.String(required=True)
    in_effect_from = _date(required=True)
    until = _date(
        required=True, allow_none=True, metadata={"description": "Last day in force (inclusive)"}
    )
    scope = fields.String(required=True)
    source = fields.String(required=True)


class ScopeSchema(Schema):
    limited = fields.Boolean(required=True)
    text = fields.String(required=True, metadata={"description": "The decision's scope"})
    confirmed = fields.Boolean(
        required=True,
        metadata={"description": "The entry confirms the recipient falls within the scope"},
    )


class ContractReadingSchema(Schema):
    article = fields.String(required=True, metadata={"description": "Article of the agreement"})
    reading = fields.String(required=True)


class ContractExclusionSchema(Schema):
    article = fields.String(required=True, metadata={"description": "Article of the agreement"})
    rule = fields.String(required=True)


class AssessmentSchema(Schema):
    code = fields.String(required=True, metadata={"description": "The normalised code"})
    country = fields.String(required=True, metadata={"description": "ISO 3166-1 alpha-2"})
    name = fields.String(required=True)
    name_nl = fields.String(required=True)
    zone = fields.String(
        required=True, validate=validate.OneOf(["eea", "adequate", "third_country"])
    )
    adequacy = fields.Nested(
        AdequacySchema,
        required=True,
        allow_none=True,
        metadata={"description": "The decision that applies; null when none does"},
    )
    scope = fields.Nested(
        ScopeSchema,
        required=True,
        allow_none=True,
        metadata={"description": "The decision covers only some recipients; null when general"},
    )
    requires_consent = fields.Boolean(
        required=True,
        metadata={"description": "Prior consent of the controller needed (agreement Art. 3.1)"},
    )
    contract_exclusion = fields.Nested(
        ContractExclusionSchema,
        required=True,
        allow_none=True,
        metadata={"description": "The agreement excludes this location from adequacy"},
    )
    contract_reading = fields.Nested(
        ContractReadingSchema,
        required=True,
        allow_none=True,
        metadata={"description": "How the registry reads an outdated or unexplained clause"},
    )
    conditions = fields.List(fields.String(), required=True)
    warnings = fields.List(fields.String(), required=True)
    as_of = _date(required=True)


class SourceSchema(Schema):
    title = fields.String(required=True)
    reference = fields.String(required=True)


class TerritorySchema(Schema):
    code = fields.String(required=True)
    name = fields.String(required=True)
    name_nl = fields.String(required=True)
    same_as = fields.String(
        required=True,
        allow_none=True,
        metadata={"description": "The ISO 3166-1 code whose status and adequacy apply"},
    )
    note = fields.String(required=True)
    confirmed = fields.Boolean(required=True)


class DecisionSchema(Schema):
    code = fields.String(
        required=True,
        allow_none=True,
        metadata={"description": "null for an international organisation"},
    )
    name = fields.String(required=True)
    name_nl = fields.String(required=True)
    decision = fields.String(required=True)
    in_effect_from = _date(required=True)
    until = _date(
        required=True, allow_none=True, metadata={"description": "Last day in force (inclusive)"}
    )
    ended_by = fields.String(required=True, allow_none=True)
    scope = fields.String(required=True)
    conditions = fields.List(fields.String(), required=True)
    source = fields.String(required=True)
    confirmed = fields.Boolean(required=True)


class PastDecisionSchema(DecisionSchema):
    status = fields.String(required=True, validate=validate.OneOf(["ended", "not_yet_in_force"]))


class ExclusionSchema(ContractExclusionSchema):
    code = fields.String(required=True)
    name = fields.String(required=True)
    name_nl = fields.String(required=True)


class AdequacyTableSchema(Schema):
    as_of = _date(required=True)
    verified_on = _date(required=True, metadata={"description": "When the data was last checked"})
    sources = fields.List(fields.Nested(SourceSchema), required=True)
    eea = fields.List(fields.String(), required=True)
    eea_territories = fields.List(fields.Nested(TerritorySchema), required=True)
    outside_eea_territories = fields.List(fields.Nested(TerritorySchema), required=True)
    decisions = fields.List(
        fields.Nested(DecisionSchema),
        required=True,
        metadata={"description": "Decisions in force at `as_of`"},
    )
    history = fields.List(
        fields.Nested(PastDecisionSchema),
        required=True,
        metadata={"description": "Decisions not in force at `as_of`: ended or yet to start"},
    )
    contract_exclusions = fields.List(fields.Nested(ExclusionSchema), required=True)
