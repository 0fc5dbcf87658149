"""Shared fixtures: the app on SQLite or PostgreSQL, a client, frozen time, a real SMTP server.

Set REGISTRY_TEST_DATABASE_URL=postgresql://127.0.0.1:5432/test to run on PostgreSQL.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import message_from_bytes
from email.message import Message
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import text

from registry import clock, create_app
from registry.extensions import db

# The moment every test starts at, unless it freezes another.
NOW = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
TEST_DATABASE_URL = os.environ.get("REGISTRY_TEST_DATABASE_URL", "")


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    if TEST_DATABASE_URL:
        return TEST_DATABASE_URL
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"


@pytest.fixture(scope="session")
def _schema(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    app = create_app(_test_config(database_url, tmp_path_factory.mktemp("instance")))
    with app.app_context():
        db.drop_all()
        db.create_all()
    yield
    with app.app_context():
        db.drop_all()
        db.engine.dispose()


def _test_config(database_url: str, instance: Path) -> dict[str, Any]:
    return {
        "TESTING": True,
        "DATABASE_URL": database_url,
        "BASE_URL": "https://registry.test",
        "MAIL_SERVER": "",
        "MAIL_DEFAULT_SENDER": "registry@registry.test",
        "INSTANCE_MAIL_DIR": str(instance / "mail"),
        "SECRET_KEY": "test",
        "RATELIMIT_STORAGE_URI": "memory://",
    }


@pytest.fixture
def app(database_url: str, _schema: None, tmp_path: Path) -> Iterator[Flask]:
    app = create_app(_test_config(database_url, tmp_path))
    with clock.freeze(NOW), app.app_context():
        yield app
        db.session.rollback()
        _empty_all_tables()
        db.engine.dispose()


def _empty_all_tables() -> None:
    if db.engine.dialect.name == "postgresql":
        names = ", ".join(f'"{t.name}"' for t in db.metadata.sorted_tables)
        db.session.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    else:
        # changes and subprocessor_versions refer to each other: no delete order satisfies both.
        db.session.execute(text("PRAGMA defer_foreign_keys=ON"))
        for table in reversed(db.metadata.sorted_tables):
            db.session.execute(table.delete())
    db.session.commit()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> Any:
    return app.test_cli_runner()


# --- a real SMTP server -------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Received:
    envelope_from: str
    envelope_to: list[str]
    message: Message


@dataclass
class SinkHandler:
    """Keeps every message; answers configured codes for chosen recipients."""

    received: list[Received] = field(default_factory=list)
    rejections: dict[str, str] = field(default_factory=dict)

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        if address.lower() in self.rejections:
            return self.rejections[address.lower()]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        content = envelope.original_content or b""
        self.received.append(
            Received(
                envelope_from=str(envelope.mail_from),
                envelope_to=list(envelope.rcpt_tos),
                message=message_from_bytes(content),
            )
        )
        return "250 Message accepted"


class SmtpServer:
    """aiosmtpd on a free loopback port, which tests can stop and start again."""

    def __init__(self) -> None:
        self.handler = SinkHandler()
        self.port = free_port()
        self._controller: Controller | None = None

    def start(self) -> None:
        self._controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def reject(self, address: str, reply: str = "550 5.1.1 No such user") -> None:
        self.handler.rejections[address.lower()] = reply

    @property
    def messages(self) -> list[Message]:
        return [r.message for r in self.handler.received]

    def to(self, address: str) -> list[Message]:
        return [r.message for r in self.handler.received if address in r.envelope_to]


@pytest.fixture
def smtp_server(app: Flask) -> Iterator[SmtpServer]:
    """A running SMTP server the app is configured to send through."""
    server = SmtpServer()
    server.start()
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=server.port, MAIL_USE_TLS=False)
    app.extensions["mail"].server = "127.0.0.1"
    app.extensions["mail"].port = server.port
    yield server
    server.stop()
