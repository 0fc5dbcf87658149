"""The one source of time. Tests freeze it with ``freeze(at)``."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

# Where the contract's parties are: pages and mail show times here, with the zone named
# (CET or CEST); the API and the database stay in UTC.
LOCAL_ZONE = ZoneInfo("Europe/Amsterdam")

_frozen: datetime | None = None


def now() -> datetime:
    """Return the current UTC time, timezone-aware."""
    return _frozen if _frozen is not None else datetime.now(UTC)


def today() -> date:
    return now().date()


def set_frozen(at: datetime | None) -> None:
    global _frozen
    if at is not None and at.tzinfo is None:
        raise ValueError("frozen time must be timezone-aware")
    _frozen = at.astimezone(UTC) if at is not None else None


def advance(delta: timedelta) -> datetime:
    """Move frozen time forward (tests only)."""
    if _frozen is None:
        raise RuntimeError("time is not frozen")
    set_frozen(_frozen + delta)
    return now()


@contextmanager
def freeze(at: datetime) -> Iterator[None]:
    previous = _frozen
    set_frozen(at)
    try:
        yield
    finally:
        set_frozen(previous)


def start_of_day(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def as_utc(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes; everything stored is UTC."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def local(moment: datetime) -> datetime:
    """``moment`` in the parties' time zone (Europe/Amsterdam)."""
    return as_utc(moment).astimezone(LOCAL_ZONE)
