"""Swagger UI's files, served from the flask-swagger-ui package (no CDN)."""

from __future__ import annotations

from pathlib import Path

import flask_swagger_ui
from flask import Blueprint, send_from_directory
from werkzeug.wrappers import Response

SWAGGER_UI_DIST = Path(flask_swagger_ui.__file__).parent / "dist"

swagger_static = Blueprint("swagger_static", __name__)


@swagger_static.get("/docs/static/<path:filename>")
def swagger_ui_file(filename: str) -> Response:
    """Serve Swagger UI's bundled assets (no CDN)."""
    return send_from_directory(SWAGGER_UI_DIST, filename, max_age=86400)
