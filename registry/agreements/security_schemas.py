"""The overview of the processor's security measures in the API (Art. 6.1, 2.2)."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from registry.ids import ID

MAX_TEXT = 100_000


class SecurityMeasuresInSchema(Schema):
    text = fields.String(
        required=True,
        validate=[
            validate.Length(min=1, max=MAX_TEXT),
            validate.Regexp(r"\S", error="Give the overview: the text is blank."),
        ],
        metadata={"description": "The overview, Markdown or plain text"},
    )
    summary = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.Length(max=2000),
        metadata={"description": "What changed since the previous version (optional)"},
    )


class SecurityMeasuresVersionSchema(Schema):
    version = fields.Integer()
    summary = fields.String(allow_none=True)
    published_at = fields.DateTime()


class SecurityMeasuresSchema(SecurityMeasuresVersionSchema):
    text = fields.String()


class SecurityMeasuresQuerySchema(Schema):
    version = fields.Integer(
        load_default=None,
        validate=ID,
        metadata={"description": "An earlier version; the current one when left out"},
    )
