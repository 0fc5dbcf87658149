"""The shape of ``adequacy.json`` as marshmallow schemas.

The schemas check types, required fields, dates and the rules within the file (periods that
end after they start, codes listed once); ``data_problems`` words their errors. Whether a code
exists in ISO 3166, and how decisions relate to the EEA and to each other, is checked on the
loaded data (``data_checks``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate, validates_schema

from registry.countries.data_problems import ENTRY_SECTIONS, describe

EEA = "eea"
OUTSIDE_EEA = "outside_eea"
TERRITORY_STATUSES = (EEA, OUTSIDE_EEA)
# Membership statuses: every one of them puts the code in the EEA for the period.
MEMBERSHIP_STATUSES = ("eu", "efta", "transition")

# Each message is a rule about a field; ``describe`` puts the entry and the field in front.
MISSING = "is missing"
TEXT = "must be a non-empty string"
LIST = "must be a list"
OBJECT = "must be an object"

_FILLED = validate.Regexp(r"\s*\S", error=TEXT)
_TEXT_ERRORS: dict[str, Any] = {"required": MISSING, "null": MISSING, "invalid": TEXT}
_ITEM_ERRORS: dict[str, Any] = {"null": TEXT, "invalid": TEXT}
_DATE_ERRORS: dict[str, Any] = {**_TEXT_ERRORS, "invalid": "is not a date (YYYY-MM-DD): {input!r}"}
_LIST_ERRORS: dict[str, Any] = {"required": MISSING, "null": LIST, "invalid": LIST}
_OBJECT_ERRORS: dict[str, Any] = {"required": MISSING, "null": OBJECT, "invalid": OBJECT}


def _presence(required: bool) -> dict[str, Any]:
    """Required, or else optional: left out and null both load as None."""
    return {"required": True} if required else {"load_default": None}


def _text(*, required: bool = False) -> fields.String:
    """A string with something in it."""
    return fields.String(validate=_FILLED, error_messages=_TEXT_ERRORS, **_presence(required))


def _day(*, required: bool = False) -> fields.Date:
    return fields.Date(error_messages=_DATE_ERRORS, **_presence(required))


def _texts(**kwargs: Any) -> fields.List:
    item = fields.String(validate=_FILLED, error_messages=_ITEM_ERRORS)
    return fields.List(item, error_messages=_LIST_ERRORS, **kwargs)


def _strings_by_key(**kwargs: Any) -> fields.Dict:
    values = fields.String(validate=_FILLED, error_messages=_ITEM_ERRORS)
    return fields.Dict(keys=fields.String(), values=values, error_messages=_OBJECT_ERRORS, **kwargs)


def _entries(schema: type[Schema]) -> fields.List:
    return fields.List(fields.Nested(schema), load_default=list, error_messages=_LIST_ERRORS)


class _Flag(fields.Boolean):
    """JSON true or false only: a 1 or a "yes" in the file is a mistake, not a flag."""

    default_error_messages = {"null": "must be true or false", "invalid": "must be true or false"}

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> bool:
        if not isinstance(value, bool):
            raise self.make_error("invalid")
        return value


class _Object(Schema):
    class Meta:
        unknown = EXCLUDE  # explanations beside the data (``conventions``) are not read

    error_messages = {"type": OBJECT}


class EeaListsSchema(_Object):
    eu = _texts(required=True)
    efta = _texts(required=True)

    @validates_schema
    def _each_member_once(self, lists: dict[str, list[str]], **kwargs: Any) -> None:
        seen: set[str] = set()
        errors: dict[str, dict[int, list[str]]] = {}
        for key in ("eu", "efta"):
            for index, code in enumerate(lists[key]):
                if code in seen:
                    errors.setdefault(key, {})[index] = ["listed twice"]
                seen.add(code)
        if errors:
            raise ValidationError(errors)


class TerritoryEntrySchema(_Object):
    code = _text(required=True)
    status = fields.String(
        required=True,
        validate=validate.OneOf(TERRITORY_STATUSES, error="status must be one of {choices}"),
        error_messages=_TEXT_ERRORS,
    )
    note = _text(required=True)
    same_as = _text()
    confirmed = _Flag(load_default=True)


class DecisionEntrySchema(_Object):
    """One period of one decision; ``code`` is null for an international organisation."""

    code = _text()
    decision = _text(required=True)
    in_effect_from = _day(required=True)
    until = _day()
    scope = _text(required=True)
    source = _text(required=True)
    conditions = _texts(load_default=list)
    name = _text()
    name_nl = _text()
    ended_by = _text()
    requires_certification = _text()
    warnings = _texts(load_default=list)
    confirmed = _Flag(load_default=True)
    note = _text()
    limited_scope = _Flag(load_default=False)
    certification_assumed = _Flag(load_default=False)

    # Not skipped on field errors: in a list, one broken row would skip the rule for every row.
    @validates_schema(skip_on_field_errors=False)
    def _named_without_code(self, row: dict[str, Any], **kwargs: Any) -> None:
        """Without an ISO code, the names are all that says what the decision is about."""
        if "code" in row and row["code"] is None:
            unnamed = [key for key in ("name", "name_nl") if key in row and row[key] is None]
            if unnamed:
                raise ValidationError({key: [MISSING] for key in unnamed})

    @validates_schema(skip_on_field_errors=False)
    def _ends_after_it_starts(self, row: dict[str, Any], **kwargs: Any) -> None:
        start, until = row.get("in_effect_from"), row.get("until")
        if start is not None and until is not None and until <= start:
            raise ValidationError(f"until {until} is not after in_effect_from {start}", "until")


class MembershipEntrySchema(_Object):
    """One period of EU or EEA membership of one code."""

    code = _text(required=True)
    status = fields.String(
        required=True,
        validate=validate.OneOf(MEMBERSHIP_STATUSES, error="status must be one of {choices}"),
        error_messages=_TEXT_ERRORS,
    )
    in_effect_from = _day(required=True)
    until = _day()
    note = _text()
    condition = _text()

    @validates_schema(skip_on_field_errors=False)
    def _ends_after_it_starts(self, row: dict[str, Any], **kwargs: Any) -> None:
        start, until = row.get("in_effect_from"), row.get("until")
        if start is not None and until is not None and until < start:
            raise ValidationError(f"until {until} is before in_effect_from {start}", "until")


class ReadingEntrySchema(_Object):
    code = _text(required=True)
    article = _text(required=True)
    reading = _text(required=True)
    quote = _text()


class ExclusionEntrySchema(_Object):
    code = _text(required=True)
    article = _text(required=True)
    rule = _text(required=True)
    quote = _text()


class AdequacyFileSchema(_Object):
    verified_on = _day(required=True)
    sources = fields.List(_strings_by_key(), load_default=list, error_messages=_LIST_ERRORS)
    aliases = _strings_by_key(load_default=dict)
    eea = fields.Nested(EeaListsSchema, required=True, error_messages=_OBJECT_ERRORS)
    territories = _entries(TerritoryEntrySchema)
    decisions = _entries(DecisionEntrySchema)
    contract_exclusions = _entries(ExclusionEntrySchema)
    membership = _entries(MembershipEntrySchema)
    contract_readings = _entries(ReadingEntrySchema)
    names = fields.Dict(
        keys=fields.String(),
        values=_strings_by_key(),
        load_default=dict,
        error_messages=_OBJECT_ERRORS,
    )

    @validates_schema(skip_on_field_errors=False)
    def _territories_listed_once(self, loaded: dict[str, Any], **kwargs: Any) -> None:
        """One row per territory, so that its status does not depend on which row is read."""
        seen: set[str] = set()
        twice: dict[int, list[str]] = {}
        for index, row in enumerate(loaded.get("territories", [])):
            code = row.get("code")
            if code in seen:
                twice[index] = ["listed twice"]
            elif code is not None:
                seen.add(code)
        if twice:
            raise ValidationError({"territories": twice})


# --- loading ----------------------------------------------------------------------------------


def load(raw: Mapping[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """The file's sections as plain values, and one line per problem.

    With problems, the entries that loaded cleanly are still returned, so that the checks on
    the loaded data run on them too: one broken row does not hide the others' problems.
    """
    try:
        return AdequacyFileSchema().load(raw), []
    except ValidationError as error:
        messages = error.normalized_messages()
        return _usable(error.valid_data, messages), describe(messages, raw)


def _usable(valid: Any, messages: Mapping[str, Any]) -> dict[str, Any]:
    loaded = dict(valid) if isinstance(valid, dict) else {}
    for section in ENTRY_SECTIONS:
        broken = messages.get(section)
        if isinstance(broken, dict) and section in loaded:
            rows = loaded[section]
            loaded[section] = [row for index, row in enumerate(rows) if index not in broken]
    return loaded
