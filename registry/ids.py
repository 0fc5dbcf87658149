"""Ids are integer columns: anything larger is no id of ours (404/422, never a DB error)."""

from typing import Any

from marshmallow import validate
from werkzeug.routing import IntegerConverter

MAX_ID = 2**31 - 1
ID = validate.Range(min=1, max=MAX_ID, error="Must be an id from {min} to {max}.")


class IdConverter(IntegerConverter):
    """``<int:…>`` bounded by an integer column: a larger id matches no route (404, not 500)."""

    def __init__(self, map: Any, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)
