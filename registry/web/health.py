"""Readiness: the database answers, and its schema is the one this code was written for."""

from __future__ import annotations

from typing import Any

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.exc import SQLAlchemyError

from registry import PROJECT_ROOT
from registry.extensions import db

MIGRATIONS = PROJECT_ROOT / "migrations"


def expected_revision() -> str | None:
    return ScriptDirectory(str(MIGRATIONS)).get_current_head()


def database_ready() -> tuple[bool, dict[str, Any]]:
    """(ready, what was found): reachable, and at the latest migration."""
    expected = expected_revision()
    try:
        with db.engine.connect() as connection:
            current = MigrationContext.configure(connection).get_current_revision()
    except SQLAlchemyError as error:
        return False, {"database": "unreachable", "error": type(error).__name__}
    detail = {"database": "reachable", "schema": current, "expected_schema": expected}
    return current == expected, detail
