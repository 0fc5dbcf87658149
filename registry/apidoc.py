"""OpenAPI additions that flask-smorest's decorators cannot express per operation."""

from __future__ import annotations

from typing import Any

from apispec import BasePlugin

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 255


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
