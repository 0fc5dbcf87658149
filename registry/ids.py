"""Ids are integer columns: anything larger is no id of ours (404/422, never a DB error)."""

from marshmallow import validate

MAX_ID = 2**31 - 1
ID = validate.Range(min=1, max=MAX_ID, error="Must be an id from {min} to {max}.")
