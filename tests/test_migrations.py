"""The Alembic migrations build exactly the schema the models describe, and tear it down again.

On SQLite a fresh file; on PostgreSQL (REGISTRY_TEST_DATABASE_URL) a throwaway database next to
the test database, dropped afterwards.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Flask
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, inspect, make_url, text

from registry import PROJECT_ROOT, create_app
from registry.extensions import db
from tests.conftest import TEST_DATABASE_URL

MIGRATIONS = PROJECT_ROOT / "migrations"


@pytest.fixture
def empty_database_url(tmp_path: Path) -> Iterator[str]:
    if not TEST_DATABASE_URL:
        yield f"sqlite:///{tmp_path / 'migrations.sqlite3'}"
        return
    server = make_url(TEST_DATABASE_URL).set(drivername="postgresql+psycopg")
    name = f"{server.database}_migrations_{uuid.uuid4().hex[:8]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def migrations_app(empty_database_url: str, tmp_path: Path) -> Iterator[Flask]:
    app = create_app({"TESTING": True, "DATABASE_URL": empty_database_url})
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


def schema_differences() -> list[object]:
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return list(compare_metadata(context, db.metadata))


def table_names() -> set[str]:
    with db.engine.connect() as connection:
        return set(inspect(connection).get_table_names())


def test_there_is_one_line_of_revisions() -> None:
    script = ScriptDirectory(str(MIGRATIONS))
    assert len(script.get_heads()) == 1
    assert list(script.walk_revisions()), "no revision in migrations/versions"


def test_upgrade_builds_the_models_schema_and_downgrade_removes_it(
    migrations_app: Flask,
) -> None:
    assert table_names() == set()

    upgrade()
    assert table_names() == set(db.metadata.tables) | {"alembic_version"}
    differences = schema_differences()
    assert differences == [], (
        "The models and the migrations differ. Regenerate: delete migrations/versions/*_initial.py "
        "and run `registry db migrate -m initial` against an empty SQLite database (README.md)."
    )

    downgrade(revision="base")
    assert table_names() <= {"alembic_version"}


def test_upgrade_on_an_upgraded_database_changes_nothing(migrations_app: Flask) -> None:
    upgrade()
    upgrade()
    assert schema_differences() == []
