"""Extensions, created without an app and bound in create_app()."""

from __future__ import annotations

import http
from typing import TYPE_CHECKING, Any

from flask import Flask
from flask_babel import Babel
from flask_mail import Mail
from flask_migrate import Migrate
from flask_smorest import Api
from flask_smorest.utils import prepare_response
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import MetaData, event
from sqlalchemy.orm import DeclarativeBase
from werkzeug.exceptions import HTTPException

from registry import PROJECT_ROOT, errors
from registry.apidoc import IdempotencyKeyDoc
from registry.errors import PROBLEM_CONTENT_TYPE, ProblemSchema


class Base(DeclarativeBase):
    # Stable constraint names, so Alembic can alter them on every backend.
    metadata = MetaData(
        naming_convention={
            "ix": "ix_%(column_0_label)s",
            "uq": "uq_%(table_name)s_%(column_0_name)s",
            "ck": "ck_%(table_name)s_%(constraint_name)s",
            "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
            "pk": "pk_%(table_name)s",
        }
    )


class RegistryApi(Api):
    """flask-smorest's Api with errors documented and rendered as problem+json."""

    def _register_error_handlers(self) -> None:
        self._app.register_error_handler(HTTPException, errors.handle_http_exception)
        self._app.register_error_handler(errors.Problem, errors.handle_problem)
        self._app.register_error_handler(Exception, errors.handle_unexpected)

    def _register_responses(self) -> None:
        for status in http.HTTPStatus:
            response: dict[str, Any] = {"description": status.phrase}
            if not (100 <= status < 200) and status not in (204, 304):
                response["schema"] = ProblemSchema
            prepare_response(response, self.spec, PROBLEM_CONTENT_TYPE)
            self.spec.components.response(status.name, response, lazy=True)
        response = {"description": "Default error response", "schema": ProblemSchema}
        prepare_response(response, self.spec, PROBLEM_CONTENT_TYPE)
        self.spec.components.response("DEFAULT_ERROR", response, lazy=True)


db = SQLAlchemy(model_class=Base)
# db.Model is built at run time; type checkers see the declarative base it derives from.
if TYPE_CHECKING:
    Model = Base
else:
    Model = db.Model
migrate = Migrate()
mail = Mail()
api = RegistryApi(spec_kwargs={"extra_plugins": [IdempotencyKeyDoc()]})
babel = Babel()


def init_app(app: Flask) -> None:
    app.config.setdefault("OPENAPI_SWAGGER_UI_PATH", "/docs")
    # Served from flask-swagger-ui's bundled files, never from a CDN (see views.py).
    app.config.setdefault("OPENAPI_SWAGGER_UI_URL", "/docs/static/")
    db.init_app(app)
    migrate.init_app(app, db, directory=str(PROJECT_ROOT / "migrations"))
    mail.init_app(app)
    babel.init_app(
        app, default_translation_directories=str(PROJECT_ROOT / "registry" / "translations")
    )
    api.init_app(app)
    api.spec.components.security_scheme(
        "bearerAuth", {"type": "http", "scheme": "bearer", "description": "reg_… token"}
    )
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            event.listen(db.engine, "connect", _sqlite_pragmas)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    # WAL lets the delivery worker and gunicorn workers read while one writes.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()
