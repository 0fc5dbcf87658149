"""OpenAPI additions that flask-smorest's decorators cannot express per operation."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

from apispec import BasePlugin

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 255


def served_as_is(view: Callable[..., Any]) -> Callable[..., Any]:
    """Keep what flask-smorest's decorators documented, but serve the undecorated view.

    For a view that reads no arguments through webargs and builds its own Response (the
    public documents): each of those decorators only documents it, yet wraps it in a call
    through ``current_app.ensure_sync`` on every request, a tenth of a cached read's time.
    Goes directly under ``@bp.route``.
    """
    inner = inspect.unwrap(view)
    inner._apidoc = view._apidoc  # type: ignore[attr-defined]
    return inner


class IdempotencyKeyDoc(BasePlugin):
    """Document the header, and the answers it can bring, on every authenticated POST."""

    PARAMETER = {
        "name": HEADER,
        "in": "header",
        "required": False,
        "schema": {"type": "string", "minLength": 1, "maxLength": MAX_KEY_LENGTH},
        "description": (
            "Retry safely: the same key and body within 24 hours replays the first answer "
            "(with Idempotent-Replayed: true) without doing anything again; the same key with "
            "another body is 422; while the first request runs, 409."
        ),
    }

    def operation_helper(
        self, path: str | None = None, operations: dict[str, Any] | None = None, **kwargs: Any
    ) -> None:
        for method, operation in (operations or {}).items():
            if method != "post" or not operation.get("security"):
                continue
            operation.setdefault("parameters", []).append(dict(self.PARAMETER))
            responses = operation.setdefault("responses", {})
            for status, name in ((409, "CONFLICT"), (422, "UNPROCESSABLE_ENTITY")):
                # An operation's own declaration (keyed by int or str) says more: keep it.
                if status not in responses and str(status) not in responses:
                    responses[str(status)] = name
