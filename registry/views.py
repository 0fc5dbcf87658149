"""Blueprint registration and the locally served Swagger UI files."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import flask_swagger_ui
from flask import Blueprint, Flask, send_from_directory
from sqlalchemy import event
from sqlalchemy.orm import Session
from werkzeug.routing import IntegerConverter
from werkzeug.wrappers import Response

from registry.extensions import api, db
from registry.ids import MAX_ID

SWAGGER_UI_DIST = Path(flask_swagger_ui.__file__).parent / "dist"

swagger_static = Blueprint("swagger_static", __name__)


class IdConverter(IntegerConverter):
    """``<int:…>`` bounded by an integer column: a larger id matches no route (404, not 500)."""

    def __init__(self, map: Any, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


@swagger_static.get("/docs/static/<path:filename>")
def swagger_ui_file(filename: str) -> Response:
    """Serve Swagger UI's bundled assets (no CDN)."""
    return send_from_directory(SWAGGER_UI_DIST, filename, max_age=86400)


def register(app: Flask) -> None:
    from registry.agreements.views import bp as agreements
    from registry.audit.views import bp as audit
    from registry.countries.views import bp as countries
    from registry.notifications.views import bp as notifications
    from registry.objections.views import bp as objections
    from registry.organisations.views import bp as organisations
    from registry.subprocessors.schemas import SubprocessorInSchema
    from registry.subprocessors.views import bp as subprocessors

    app.url_map.converters["int"] = IdConverter
    for blueprint in (
        countries,
        organisations,
        subprocessors,
        agreements,
        objections,
        notifications,
        audit,
    ):
        api.register_blueprint(blueprint)
    app.register_blueprint(swagger_static)
    # Referenced by the change body, which the service loads itself (see ChangeInSchema).
    if "SubprocessorIn" not in api.spec.components.schemas:
        api.spec.components.schema("SubprocessorIn", schema=SubprocessorInSchema)
    app.after_request(commit_or_rollback)


def commit_or_rollback(response: Response) -> Response:
    """The one commit of a request: everything it wrote, its notices included, or nothing.

    A request that wrote nothing skips the commit; the session is closed at teardown.
    """
    if not db.session.registry.has():
        return response  # no session was ever opened (e.g. a cached public read)
    session = db.session()
    wrote = session.info.pop("wrote", False) or session.new or session.dirty or session.deleted
    if not wrote:
        return response
    if response.status_code < 400:
        session.commit()
    else:
        session.rollback()
    return response


@event.listens_for(Session, "after_flush")
def _remember_write(session: Session, _context: object) -> None:
    session.info["wrote"] = True


@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_rollback")
def _forget_write(session: Session) -> None:
    session.info.pop("wrote", None)
