"""Query parameters shared by many endpoints."""

from __future__ import annotations

from datetime import date, datetime

from marshmallow import validate

from registry import clock
from registry.errors import Invalid

# "2026-12-01T09:00:00.123456+01:00" is 32 characters; a longer ``at`` is no time we read.
AT_MAX_LENGTH = 40
AT_SIZE = validate.Length(max=AT_MAX_LENGTH)


def parse_at(value: str | None) -> datetime:
    """``?at=``: a date (its start, UTC) or an RFC 3339 time; absent means now."""
    if value is None or value == "":
        return clock.now()
    if len(value) > AT_MAX_LENGTH:
        raise Invalid("at", f"Longer than maximum length {AT_MAX_LENGTH}.")
    try:
        if len(value) == 10:
            return clock.start_of_day(date.fromisoformat(value))
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise Invalid("at", "Use a date (YYYY-MM-DD) or an RFC 3339 time with offset.") from None
    if moment.tzinfo is None:
        raise Invalid("at", "A time needs an offset, e.g. 2026-12-01T09:00:00Z.")
    return clock.as_utc(moment)
