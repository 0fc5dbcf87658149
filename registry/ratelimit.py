"""Per-client rate limits on the few endpoints that need them.

Built on ``limits``, the engine of Flask-Limiter, and applied per view only: Flask-Limiter's
app-wide hooks would cost every request (public list reads included) about a tenth of its
time for the sake of one endpoint. Counters live where ``RATELIMIT_STORAGE_URI`` says:
``database://`` (the default) in the registry's own database, across every process and host
of a deployment (ratelimit_storage.py); ``redis://…`` in Redis; ``memory://`` per process.
"""

from __future__ import annotations

import functools
import math
import time
from collections.abc import Callable
from typing import Any, TypeVar, cast

from flask import current_app, request
from limits import parse
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter

from registry import ratelimit_storage  # noqa: F401  (registers database://)
from registry.errors import Problem

F = TypeVar("F", bound=Callable[..., Any])


class TooManyRequests(Problem):
    status = 429
    slug = "too-many-requests"


def _limiter() -> MovingWindowRateLimiter:
    extensions = current_app.extensions
    if "registry_ratelimit" not in extensions:
        storage = storage_from_string(current_app.config["RATELIMIT_STORAGE_URI"])
        extensions["registry_ratelimit"] = MovingWindowRateLimiter(storage)
    return cast(MovingWindowRateLimiter, extensions["registry_ratelimit"])


def client_address() -> str:
    """The client's address (behind a proxy, set PROXY_FIX_X_FOR so this is the real one)."""
    return request.remote_addr or "unknown"


def hit(config_key: str, *, scope: str) -> None:
    """Count one call of this client in ``scope``; over the configured limit, 429."""
    limit = parse(str(current_app.config[config_key]))
    limiter = _limiter()
    key = (scope, client_address())
    if not limiter.hit(limit, *key):
        reset = limiter.get_window_stats(limit, *key).reset_time
        retry_after = max(1, math.ceil(reset - time.time()))
        raise TooManyRequests(
            f"Rate limit of {limit} exceeded; try again in {retry_after} seconds.",
            retry_after=retry_after,
        )


def rate_limited(config_key: str, *, scope: str) -> Callable[[F], F]:
    """Allow each client the number of calls the config names (e.g. "10 per hour") in
    ``scope``; views that do the same thing (the API and a form) share one scope."""

    def decorator(view: F) -> F:
        @functools.wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            hit(config_key, scope=scope)
            return view(*args, **kwargs)

        return cast(F, wrapper)

    return decorator
