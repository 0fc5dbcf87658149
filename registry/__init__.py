"""Subprocessor Registry: publish sub-processors, announce changes, run objections."""

from __future__ import annotations

import os
import secrets
import time
from pathlib import Path
from typing import Any

from flask import Flask, Request, Response
from flask.sessions import SessionInterface, SessionMixin

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Build the app: defaults, then REGISTRY_* environment, then ``test_config``."""
    app = Flask(__name__, instance_path=os.environ.get("REGISTRY_INSTANCE_PATH"))
    app.config.from_pyfile(str(PROJECT_ROOT / "config" / "default.py"))
    app.config.from_prefixed_env("REGISTRY")
    if test_config:
        app.config.update(test_config)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    app.config["SECRET_KEY"] = app.config.get("SECRET_KEY") or instance_secret(app)
    app.config["SQLALCHEMY_DATABASE_URI"] = database_uri(app)
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        # A server restart must not fail the next request; SQLite has no connection to lose.
        app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {"pool_pre_ping": True})
    app.config["MAIL_SUPPRESS_SEND"] = False
    app.json.sort_keys = False  # type: ignore[attr-defined]
    app.session_interface = NoCookieSessions()
    if proxies := int(app.config.get("PROXY_FIX_X_FOR") or 0):
        # Behind N trusted proxies: take the client address (rate limits) from X-Forwarded-*.
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies
        )

    from registry import extensions, wiring

    extensions.init_app(app)
    wiring.init_app(app)

    from registry.cli import register_commands

    register_commands(app)
    return app


class NoCookieSessions(SessionInterface):
    """The API is stateless (bearer tokens): never read or set a session cookie."""

    def open_session(self, app: Flask, request: Request) -> None:
        return None

    def save_session(self, app: Flask, session: SessionMixin, response: Response) -> None:
        return None


def instance_secret(app: Flask) -> str:
    """A random key made once per instance folder, for deployments that set none: a published
    default would let anyone forge the personal links it signs."""
    path = Path(app.instance_path) / "secret_key"
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        # Another process made it a moment ago and may still be writing it.
        for _ in range(100):
            if key := path.read_text().strip():
                return key
            time.sleep(0.01)
        raise RuntimeError(f"{path} is empty: remove it, or set REGISTRY_SECRET_KEY") from None
    with os.fdopen(descriptor, "w") as file:
        file.write(secrets.token_urlsafe(48))
    return path.read_text().strip()


def database_uri(app: Flask) -> str:
    url = str(app.config.get("DATABASE_URL") or "")
    if not url:
        return f"sqlite:///{Path(app.instance_path) / 'registry.sqlite3'}"
    # psycopg 3 is the driver; accept the plain URLs operators copy from elsewhere.
    for plain in ("postgres://", "postgresql://"):
        if url.startswith(plain):
            return "postgresql+psycopg://" + url[len(plain) :]
    return url
