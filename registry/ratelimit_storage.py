"""``database://``: rate-limit counters in the registry's own database, for the ``limits`` library.

``memory://`` counts per process, so with gunicorn's workers a client got its limit once per
worker. Redis counts across processes and hosts but is one more server to run. This storage
keeps each hit as a row in the database every process already shares, and decides each hit
under a per-key lock (a PostgreSQL advisory lock, or SQLite's write lock), so the limit holds
exactly across all processes of a deployment. Subscriptions are rare: a row per hit is cheap.
"""

from __future__ import annotations

import time
import zlib
from typing import Any

from limits.storage import MovingWindowSupport, Storage
from sqlalchemy import Float, String, delete, func, insert, select, text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Mapped, mapped_column

from registry.extensions import Model, db


class RateLimitHit(Model):
    __tablename__ = "rate_limit_hits"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(255), index=True)
    # Seconds since the epoch, as the limits library counts (time.time()).
    at: Mapped[float] = mapped_column(Float)


class DatabaseStorage(Storage, MovingWindowSupport):
    STORAGE_SCHEME = ["database"]

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False, **options: Any):
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)

    @property
    def base_exceptions(self) -> type[Exception] | tuple[type[Exception], ...]:
        return SQLAlchemyError

    # --- the moving window, which registry.ratelimit uses ------------------------------------

    def acquire_entry(self, key: str, limit: int, expiry: int, amount: int = 1) -> bool:
        if amount > limit:
            return False
        now = time.time()
        with db.engine.begin() as connection:
            _lock(connection, key, now - expiry)
            if _count(connection, key, now - expiry) + amount > limit:
                return False
            connection.execute(insert(RateLimitHit), [{"key": key, "at": now}] * amount)
            return True

    def get_moving_window(self, key: str, limit: int, expiry: int) -> tuple[float, int]:
        since = time.time() - expiry
        with db.engine.connect() as connection:
            oldest, hits = connection.execute(
                select(func.min(RateLimitHit.at), func.count()).where(
                    RateLimitHit.key == key, RateLimitHit.at > since
                )
            ).one()
        return (float(oldest) if oldest is not None else time.time()), int(hits)

    # --- fixed windows (the limits interface asks for them; hits in the last ``expiry``) ------

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        now = time.time()
        with db.engine.begin() as connection:
            _lock(connection, key, now - expiry)
            connection.execute(insert(RateLimitHit), [{"key": key, "at": now}] * amount)
            return _count(connection, key, now - expiry)

    def get(self, key: str) -> int:
        with db.engine.connect() as connection:
            return _count(connection, key, float("-inf"))

    def get_expiry(self, key: str) -> float:
        return time.time()

    def check(self) -> bool:
        try:
            with db.engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        except SQLAlchemyError:
            return False
        return True

    def reset(self) -> int | None:
        with db.engine.begin() as connection:
            return int(connection.execute(delete(RateLimitHit)).rowcount or 0)

    def clear(self, key: str) -> None:
        with db.engine.begin() as connection:
            connection.execute(delete(RateLimitHit).where(RateLimitHit.key == key))


def _lock(connection: Connection, key: str, forget_before: float) -> None:
    """Hold the key until the transaction ends, and drop the hits no window can reach."""
    if connection.dialect.name == "postgresql":
        connection.execute(
            text("SELECT pg_advisory_xact_lock(:key)"), {"key": zlib.crc32(key.encode())}
        )
    # On SQLite this write takes the database's write lock, which serialises the same way.
    connection.execute(
        delete(RateLimitHit).where(RateLimitHit.key == key, RateLimitHit.at <= forget_before)
    )


def _count(connection: Connection, key: str, since: float) -> int:
    counted = connection.execute(
        select(func.count()).where(RateLimitHit.key == key, RateLimitHit.at > since)
    ).scalar()
    return int(counted or 0)
