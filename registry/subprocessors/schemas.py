"""What integrators send and receive for sub-processors and changes."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from registry.countries.schemas import AssessmentSchema
from registry.countries.service import UnknownLocation, normalise
from registry.ids import ID
from registry.organisations.schemas import URL_SIZE, validate_country
from registry.params import AT_SIZE
from registry.subprocessors.models import ChangeAction, ChangeStatus
from registry.subprocessors.safeguards import TRANSFER_MECHANISMS

SHORT = validate.Length(min=1, max=200)
# Enough for any real list of categories; a mail to every controller repeats all of them.
CATEGORIES = validate.Length(max=50)
# The code as sent: ISO 3166-2 is at most six characters, with room for spaces around it.
CODE_SIZE = validate.Length(min=2, max=10)
# What is done at a location, in a phrase ("hosting", "second-line support").
ACTIVITY = validate.Length(min=1, max=100)


class LocationCode(fields.String):
    """An ISO 3166-1 alpha-2 or ISO 3166-2 code, normalised (EL→GR, UK→GB, upper case)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(validate=CODE_SIZE, **kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        raw = super()._deserialize(value, attr, data, **kwargs)
        CODE_SIZE(raw)  # as sent: normalising trims it
        try:
            return normalise(raw)
        except UnknownLocation as error:
            raise ValidationError(error.detail.split(": ", 1)[-1]) from error


class LocationInSchema(Schema):
    code = LocationCode(required=True)
    activities = fields.List(
        fields.String(validate=ACTIVITY), load_default=list, validate=validate.Length(max=10)
    )


class SubprocessorInSchema(Schema):
    name = fields.String(required=True, validate=SHORT)
    legal_name = fields.String(
        allow_none=True, load_default=None, validate=validate.Length(max=300)
    )
    registration_number = fields.String(
        allow_none=True, load_default=None, validate=validate.Length(max=100)
    )
    country_of_incorporation = fields.String(
        allow_none=True, load_default=None, validate=[validate.Length(equal=2), validate_country]
    )
    website = fields.URL(
        allow_none=True, load_default=None, schemes={"http", "https"}, validate=URL_SIZE
    )
    purpose = fields.String(required=True, validate=validate.Length(min=3, max=2000))
    data_categories = fields.List(
        fields.String(validate=SHORT), load_default=list, validate=CATEGORIES
    )
    data_subject_categories = fields.List(
        fields.String(validate=SHORT), load_default=list, validate=CATEGORIES
    )
    locations = fields.List(
        fields.Nested(LocationInSchema),
        required=True,
        validate=[
            validate.Length(min=1, error="At least one processing location is required."),
            validate.Length(max=50),
        ],
    )
    dpf_certified = fields.Boolean(load_default=False)
    dpf_checked_on = fields.Date(allow_none=True, load_default=None)
    adequacy_scope_confirmed = fields.Boolean(
        load_default=False,
        metadata={
            "description": "The recipient falls within the scope of an adequacy decision that "
            "covers only some recipients (Canada: PIPEDA; Japan: APPI with the Supplementary "
            "Rules; Korea: PIPA; Israel: automated processing); without it such a location "
            "carries a warning"
        },
    )
    transfer_mechanism = fields.String(
        allow_none=True,
        load_default=None,
        validate=validate.OneOf(TRANSFER_MECHANISMS),
        metadata={
            "description": "What the transfers outside the EEA rest on in law (GDPR Chapter V): "
            "adequacy only where a decision covers the recipient at every such location; an "
            "Art. 46 safeguard (scc, bcr, ad_hoc_clauses, code_of_conduct, certification) "
            "otherwise; derogation (Art. 49) is accepted with a warning. Prior consent under "
            "the agreement is a separate question and never replaces it."
        },
    )
    flowdown_signed_on = fields.Date(allow_none=True, load_default=None)

    @validates_schema
    def _dpf_needs_a_check_date(self, data: dict[str, Any], **_: Any) -> None:
        if data.get("dpf_certified") and not data.get("dpf_checked_on"):
            raise ValidationError(
                "Give the date the DPF List was checked when dpf_certified is true.",
                "dpf_checked_on",
            )
        codes = [location["code"] for location in data.get("locations", [])]
        if len(codes) != len(set(codes)):
            raise ValidationError("Each location code may appear once.", "locations")


class ChangeInSchema(Schema):
    action = fields.Enum(ChangeAction, by_value=True, required=True)
    subprocessor_id = fields.Integer(allow_none=True, load_default=None, strict=True, validate=ID)
    # Loaded by the service, not here: for update it is merged with the current entry first,
    # and the merged entry must pass SubprocessorIn's rules. Documented as SubprocessorIn.
    subprocessor = fields.Dict(
        allow_none=True,
        load_default=None,
        metadata={
            "description": "Every field for add/replace; the changed ones for update",
            "allOf": [{"$ref": "#/components/schemas/SubprocessorIn"}],
        },
    )
    effective_at = fields.AwareDateTime(allow_none=True, load_default=None, default_timezone=None)
    reason = fields.String(required=True, validate=validate.Length(min=3, max=2000))


class WithdrawSchema(Schema):
    reason = fields.String(required=True, validate=validate.Length(min=3, max=2000))


class LocationOutSchema(Schema):
    code = fields.String()
    activities = fields.List(fields.String())
    assessment = fields.Nested(AssessmentSchema)


class SubprocessorOutSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    legal_name = fields.String(allow_none=True)
    registration_number = fields.String(allow_none=True)
    country_of_incorporation = fields.String(allow_none=True)
    website = fields.String(allow_none=True)
    purpose = fields.String()
    data_categories = fields.List(fields.String())
    data_subject_categories = fields.List(fields.String())
    locations = fields.List(fields.Nested(LocationOutSchema))
    dpf_certified = fields.Boolean()
    dpf_checked_on = fields.String(allow_none=True)
    adequacy_scope_confirmed = fields.Boolean()
    transfer_mechanism = fields.String(allow_none=True)
    flowdown_signed_on = fields.String(allow_none=True)
    flowdown_missing = fields.Boolean(metadata={"description": "No written flow-down (Art. 5.3)"})
    in_list_from = fields.String()
    in_list_until = fields.String(allow_none=True)


class ListHeadingSchema(Schema):
    processor = fields.String()
    as_of = fields.String(metadata={"description": "The day the assessments are made for"})
    in_force_since = fields.String(
        allow_none=True,
        metadata={"description": "When the list (or an assessment in it) last changed"},
    )


class SubprocessorListSchema(ListHeadingSchema):
    count = fields.Integer()
    subprocessors = fields.List(fields.Nested(SubprocessorOutSchema))


class CountrySubprocessorSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    activities = fields.List(fields.String())
    dpf_certified = fields.Boolean()
    adequacy_scope_confirmed = fields.Boolean()
    requires_consent = fields.Boolean()


class ProcessingCountrySchema(Schema):
    code = fields.String()
    assessment = fields.Nested(AssessmentSchema)
    requires_consent = fields.Boolean(
        metadata={"description": "True if any sub-processor's use of this location needs consent"}
    )
    subprocessors = fields.List(fields.Nested(CountrySubprocessorSchema))


class CountryListSchema(ListHeadingSchema):
    countries = fields.List(fields.Nested(ProcessingCountrySchema))


class SnapshotLocationSchema(Schema):
    code = fields.String()
    activities = fields.List(fields.String())


class SnapshotSchema(SubprocessorOutSchema):
    """An entry as a change froze it (before/after): no assessment, no list dates."""

    locations = fields.List(fields.Nested(SnapshotLocationSchema))

    class Meta:
        exclude = ("id", "flowdown_missing", "in_list_from", "in_list_until")


class ChangeSchema(Schema):
    id = fields.Integer()
    action = fields.Enum(ChangeAction, by_value=True)
    status = fields.Enum(ChangeStatus, by_value=True)
    announced_at = fields.DateTime()
    effective_at = fields.DateTime()
    reason = fields.String()
    subprocessor_id = fields.Integer()
    replacement_id = fields.Integer(allow_none=True)
    before = fields.Nested(SnapshotSchema, allow_none=True)
    after = fields.Nested(SnapshotSchema, allow_none=True)
    withdrawn_at = fields.DateTime(allow_none=True)
    withdraw_reason = fields.String(allow_none=True)
    immediate = fields.String(
        allow_none=True,
        metadata={
            "description": "Why the change needed no notice: reduction (it only removes), "
            "dpf_lapse (a transfer lost its adequacy basis) or dpf_recheck (a newer check of "
            "the DPF List, nothing else); null when it waited for notice"
        },
    )


class ChangeQuerySchema(Schema):
    status = fields.Enum(ChangeStatus, by_value=True, load_default=None)


class AtQuerySchema(Schema):
    at = fields.String(
        load_default=None,
        validate=AT_SIZE,
        metadata={"description": "YYYY-MM-DD (start of that day, UTC) or an RFC 3339 time"},
    )
