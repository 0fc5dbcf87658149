from __future__ import annotations

import pycountry
from marshmallow import Schema, ValidationError, fields, validate, validates

from registry.organisations.addresses import EmailAddress
from registry.organisations.models import OrgKind

SLUG = validate.Regexp(
    r"^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$",
    error="Use 1-64 lower-case letters, digits and hyphens, not starting or ending with one.",
)
LANGUAGE = validate.OneOf(["nl", "en"])
# Stated beside SLUG so the spec shows the bound the pattern implies.
SLUG_SIZE = validate.Length(min=1, max=64)
# RFC 5321: a path (an address) is at most 256 octets, its angle brackets included.
EMAIL_SIZE = validate.Length(max=254)
URL_SIZE = validate.Length(max=2000)


def validate_country(code: str) -> None:
    if pycountry.countries.get(alpha_2=code) is None:
        raise ValidationError(f"'{code}' is not an ISO 3166-1 alpha-2 country code.")


class OrganisationSchema(Schema):
    slug = fields.String(required=True, validate=[SLUG_SIZE, SLUG])
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    kind = fields.Enum(OrgKind, by_value=True, required=True)
    country = fields.String(required=True, validate=validate.Length(equal=2))
    email = EmailAddress(required=True, load_only=True, validate=EMAIL_SIZE)
    language = fields.String(load_default="nl", validate=LANGUAGE)
    website = fields.URL(
        allow_none=True, load_default=None, schemes={"http", "https"}, validate=URL_SIZE
    )
    created_at = fields.DateTime(dump_only=True)

    @validates("country")
    def _country(self, value: str, **_: object) -> None:
        validate_country(value)


class PublicProcessorSchema(Schema):
    slug = fields.String()
    name = fields.String()
    country = fields.String()
    website = fields.String(allow_none=True)
    language = fields.String()


class TokenCreateSchema(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=100))


class TokenSchema(Schema):
    id = fields.Integer(dump_only=True)
    name = fields.String()
    role = fields.String(dump_only=True)
    organisation = fields.Pluck("OrganisationSchema", "slug", dump_only=True, allow_none=True)
    prefix = fields.String(
        dump_only=True, metadata={"description": "First characters, to recognise it"}
    )
    created_at = fields.DateTime(dump_only=True)
    last_used_at = fields.DateTime(dump_only=True, allow_none=True)
    revoked_at = fields.DateTime(dump_only=True, allow_none=True)


class NewTokenSchema(TokenSchema):
    token = fields.String(dump_only=True, metadata={"description": "The secret, shown only now"})
