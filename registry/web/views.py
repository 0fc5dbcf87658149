"""The public site: the registry's processors, each one's list, its changes, feeds, subscribing.

Server-rendered, no JavaScript needed, no cookies set: a public page is the same for everyone
who reads it in one language on one day, so it carries an ETag and answers 304 like the JSON
list does.
"""

from __future__ import annotations

import math
from typing import Any

from flask import Blueprint, Response, current_app, render_template, request, url_for
from flask_babel import force_locale, gettext
from marshmallow import ValidationError
from sqlalchemy import select

from registry import clock, ratelimit
from registry.countries import service as countries
from registry.errors import NotFound, flatten_errors
from registry.extensions import db
from registry.notifications import service as notifications
from registry.notifications.kinds import SUPPORTED_LANGUAGES
from registry.notifications.schemas import SubscribeSchema
from registry.organisations.models import Organisation, OrgKind
from registry.params import parse_at
from registry.ratelimit import TooManyRequests
from registry.subprocessors import publishing
from registry.subprocessors import service as subprocessors
from registry.subprocessors.revisions import published_processor
from registry.web import feeds, health, public
from registry.web.formatting import choose_language, other_languages
from registry.web.notifications import queue_new_links

bp = Blueprint("web", __name__)


@bp.get("/")
def index() -> Response:
    """What this registry is, and the processors it publishes."""
    language = choose_language(lambda: None)
    processors = db.session.scalars(
        select(Organisation)
        .where(Organisation.kind == OrgKind.PROCESSOR)
        .order_by(Organisation.name)
    )
    with force_locale(language):
        listed = [
            {
                "slug": p.slug,
                "name": p.name,
                "country": p.country,
                "country_name": countries.country_name(p.country, language),
            }
            for p in processors
        ]
        body = render_template("web/index.html", processors=listed, **_chrome(language))
    return _html(body, vary_language=True)


@bp.get("/healthz")
def healthz() -> dict[str, str]:
    """The process is alive (it answers without touching the database)."""
    return {"status": "ok"}


@bp.get("/readyz")
def readyz() -> tuple[dict[str, Any], int]:
    """The database answers and its schema is at the latest migration; 503 otherwise."""
    ready, detail = health.database_ready()
    return {"status": "ready" if ready else "not ready", **detail}, 200 if ready else 503


@bp.get("/p/<slug>")
def processor_page(slug: str) -> Response:
    """A processor's list as it is (or was, or will be) on a day, in the reader's language."""
    processor = published_processor(slug)
    at = parse_at(request.args.get("at"))
    language = choose_language(lambda: processor.language)
    etag = public.page_etag(processor, at, language)
    headers = _public_headers(etag)
    if etag in request.if_none_match:
        return Response(status=304, headers=headers)
    cached = current_app.extensions.setdefault("registry_pages", {})
    body = cached.get(etag)
    if body is None:
        with force_locale(language):
            context = public.processor_context(processor, at, language)
            body = render_template("web/processor.html", **context, **_chrome(language)).encode()
        cached[etag] = body
        while len(cached) > 256:
            cached.pop(next(iter(cached)))
    return _html(body, headers=headers)


@bp.get("/p/<slug>/changes/<int:change_id>")
def change_page(slug: str, change_id: int) -> Response:
    """One change: what, why, when, before and after, and every new location assessed."""
    processor = _processor_or_404(slug)
    change = subprocessors.get_change_or_404(processor_id=processor.id, change_id=change_id)
    language = choose_language(lambda: processor.language)
    with force_locale(language):
        body = render_template(
            "web/change.html",
            processor=processor,
            change=public.change_view(change, language, clock.now()),
            **_chrome(language),
        )
    return _html(body, vary_language=True)


@bp.get("/p/<slug>/subprocessors.csv")
def subprocessors_csv(slug: str) -> Response:
    """The list at ``?at=`` as CSV: one row per processing location."""
    processor = published_processor(slug)
    at = parse_at(request.args.get("at"))
    headers = {
        "Content-Disposition": f'attachment; filename="{slug}-subprocessors-{at.date()}.csv"',
        **_public_headers(publishing.etag_for("csv", processor, at)),
    }
    if headers["ETag"].strip('"') in request.if_none_match:
        return Response(status=304, headers=headers)
    return Response(feeds.csv_document(processor, at), mimetype="text/csv", headers=headers)


@bp.get("/p/<slug>/feed.atom")
def atom_feed(slug: str) -> Response:
    """Every announced, effective and withdrawn change, newest first, as an Atom feed."""
    processor = _processor_or_404(slug)
    language = choose_language(lambda: processor.language)
    with force_locale(language):
        body = feeds.atom_feed(processor, language)
    return Response(body, mimetype="application/atom+xml")


@bp.post("/p/<slug>/subscribe")
def subscribe(slug: str) -> Response:
    """Subscribe from the form: the same double opt-in and rate limit as the API."""
    processor = _processor_or_404(slug)
    asked = request.form.get("language", "")
    language = asked if asked in SUPPORTED_LANGUAGES else choose_language(lambda: None)
    page: dict[str, Any] = {"processor": processor, "state": "sent", "status": 200}
    with force_locale(language):
        try:
            ratelimit.hit("SUBSCRIBE_RATE_LIMIT", scope="subscribe")
            data = SubscribeSchema().load(
                {"email": request.form.get("email", ""), "language": language}
            )
        except TooManyRequests as error:
            minutes = math.ceil(int(error.extra["retry_after"]) / 60)
            page.update(state="too_many", status=429, minutes=minutes)
        except ValidationError as error:
            problem = "; ".join(flatten_errors(error.messages).get("email", [])) or str(error)
            page.update(state="invalid", status=422, problem=problem)
        else:
            notifications.subscribe(processor=processor, **data)
        titles = {
            "sent": gettext("Check your mail"),
            "invalid": gettext("This address cannot be used"),
            "too_many": gettext("Please wait a moment"),
        }
        status = int(page.pop("status"))
        body = render_template(
            "web/subscribe_result.html",
            title=titles[str(page["state"])],
            **page,
            **_chrome(language),
        )
    return _html(body, headers={"Cache-Control": "no-store"}, status=status)


@bp.post("/p/<slug>/link")
def send_link(slug: str) -> Response:
    """Send a contact a fresh personal link; every address gets the same answer."""
    processor = _processor_or_404(slug)
    language = choose_language(lambda: processor.language)
    page: dict[str, Any] = {"processor": processor, "state": "link_sent", "status": 200}
    with force_locale(language):
        try:
            ratelimit.hit("SUBSCRIBE_RATE_LIMIT", scope="respond-link")
        except TooManyRequests as error:
            minutes = math.ceil(int(error.extra["retry_after"]) / 60)
            page.update(state="too_many", status=429, minutes=minutes)
        else:
            queue_new_links(processor=processor, email=request.form.get("email", "")[:254])
        title = (
            gettext("Check your mail")
            if page["state"] == "link_sent"
            else gettext("Please wait a moment")
        )
        status = int(page.pop("status"))
        body = render_template(
            "web/subscribe_result.html", title=title, **page, **_chrome(language)
        )
    return _html(body, headers={"Cache-Control": "no-store"}, status=status)


# --- helpers ------------------------------------------------------------------------------


def _processor_or_404(slug: str) -> Organisation:
    processor = db.session.scalar(
        select(Organisation).where(
            Organisation.slug == slug, Organisation.kind == OrgKind.PROCESSOR
        )
    )
    if processor is None:
        raise NotFound(f"No processor '{slug}'.")
    return processor


def _chrome(language: str) -> dict[str, Any]:
    """The layout's facts: the language, and this page in the other languages."""
    args: dict[str, Any] = {**request.view_args} if request.view_args else {}
    args.update((k, v) for k, v in request.args.items() if k != "lang")

    def address(code: str) -> str:
        return url_for(str(request.endpoint), **args, lang=code)

    return {"language": language, "other_languages": other_languages(language, address)}


def _public_headers(etag: str) -> dict[str, str]:
    max_age = current_app.config["PUBLIC_MAX_AGE_SECONDS"]
    return {
        "ETag": f'"{etag}"',
        "Cache-Control": f"public, max-age={max_age}",
        "Vary": "Accept-Language",
    }


def _html(
    body: str | bytes,
    *,
    headers: dict[str, str] | None = None,
    vary_language: bool = False,
    status: int = 200,
) -> Response:
    response = Response(body, status=status, mimetype="text/html", headers=headers or {})
    if vary_language:
        response.headers["Vary"] = "Accept-Language"
    return response
