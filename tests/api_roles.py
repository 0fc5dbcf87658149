"""Which demo token each operation of the spec is called with, for the schemathesis tests.

DESIGN.md's tables: an operation without security is public; admin paths take the admin token;
the few controller operations take Gemeente Zeewolde's; the rest take IP Voice's, which is also
a party to every demo agreement.
"""

from __future__ import annotations

import re

ADMIN_PATHS = re.compile(r"^/api/v1/(organisations|tokens)\b")
CONTROLLER_OPERATIONS = re.compile(
    r"^(POST /api/v1/changes/\{[^}]+\}/objections"
    r"|POST /api/v1/objections/\{[^}]+\}/(withdraw|accept|reject)"
    r"|POST /api/v1/agreements/\{[^}]+\}/objections"
    r"|POST /api/v1/agreements/\{[^}]+\}/(confirm|decline)"
    r"|POST /api/v1/data-subject-requests/\{[^}]+\}/(acknowledge|help)"
    r"|(POST|DELETE) /api/v1/agreements/\{[^}]+\}/consents.*)$"
)
PROCESSOR = "ipvoice"
CONTROLLER = "gemeente-zeewolde"
ADMIN = "admin"


def role_for(method: str, path: str, definition: dict[str, object]) -> str | None:
    """The demo token label for an operation; None for a public one."""
    if not definition.get("security"):
        return None
    if ADMIN_PATHS.match(path):
        return ADMIN
    if CONTROLLER_OPERATIONS.match(f"{method.upper()} {path}"):
        return CONTROLLER
    return PROCESSOR
