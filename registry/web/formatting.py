"""How the site says things: the reader's language, Dutch time, and what an assessment means.

The API speaks UTC and English; a page speaks the reader's language (``?lang=``, then the
browser's Accept-Language, then the processor's language) and shows times in Europe/Amsterdam
with the zone named, since the contract's parties are Dutch.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from functools import lru_cache
from typing import Any

from babel.dates import format_date as babel_format_date
from flask import request
from flask_babel import gettext, ngettext
from werkzeug.datastructures import LanguageAccept
from werkzeug.http import parse_accept_header

from registry import clock
from registry.countries.phrases import translate
from registry.notifications.kinds import SUPPORTED_LANGUAGES

LANGUAGE_NAMES = {"nl": "Nederlands", "en": "English"}


def choose_language(default: Callable[[], str | None]) -> str:
    """``?lang=``, else the browser's preference among ours, else ``default()`` (else Dutch).

    ``default`` is asked only when needed: for a processor it costs a query.
    """
    asked = request.args.get("lang", "")
    if asked in SUPPORTED_LANGUAGES:
        return asked
    preferred = _preferred(request.environ.get("HTTP_ACCEPT_LANGUAGE", ""))
    if preferred:
        return preferred
    fallback = default()
    return fallback if fallback in SUPPORTED_LANGUAGES else "nl"


@lru_cache(maxsize=512)
def _preferred(accept_language: str) -> str | None:
    """The best of our languages for an Accept-Language header (browsers send few distinct
    ones, and parsing it is a good part of a cached page's cost)."""
    if not accept_language:
        return None
    best = parse_accept_header(accept_language, LanguageAccept).best_match(SUPPORTED_LANGUAGES)
    return str(best) if best else None


def local_time(moment: datetime | None, language: str) -> str:
    """A moment in Amsterdam time, with its zone: 4 januari 2027 om 10:00 CET."""
    if moment is None:
        return "—"
    local = clock.local(moment)
    return gettext(
        "%(date)s at %(time)s %(zone)s",
        date=babel_format_date(local, "long", locale=language),
        time=local.strftime("%H:%M"),
        zone=local.tzname() or "",  # CET or CEST: the same in both languages
    )


def local_day(value: date | datetime | None, language: str) -> str:
    if value is None:
        return "—"
    if isinstance(value, datetime):
        value = clock.local(value).date()
    return str(babel_format_date(value, "long", locale=language))


def time_left(until: datetime, now: datetime) -> str:
    """Whole days until ``until`` as a reader counts them: "in 3 days", "today"."""
    days = (clock.local(until).date() - clock.local(now).date()).days
    if days <= 0:
        return gettext("today")
    return ngettext("in %(num)d day", "in %(num)d days", days)


def badge(assessment: dict[str, Any], *, reading_below: bool = False) -> dict[str, Any]:
    """What a location means for a controller's data, in the current locale.

    ``kind``: eea, adequate or consent (the CSS class); ``label``: the badge's words;
    ``reasons``: the assessment's conditions and warnings, in plain words. With
    ``reading_below`` the page explains the contract reading once, further down, so each
    location only points to it instead of repeating a paragraph.
    """
    adequacy = assessment.get("adequacy") or {}
    if assessment["zone"] == "eea":
        kind, label = "eea", gettext("Inside the EEA")
    elif not assessment["requires_consent"]:
        kind = "adequate"
        label = gettext("Adequacy decision %(decision)s", decision=adequacy.get("decision", ""))
    else:
        kind, label = "consent", gettext("Needs the controller's prior consent (Art. 3.1)")
    reading = assessment.get("contract_reading")
    conditions = assessment["conditions"]
    if reading_below and reading:
        conditions = [text for text in conditions if reading["reading"] not in str(text)]
    reasons = [translate(text) for text in conditions]
    if reading_below and reading:
        reasons.append(
            gettext(
                "How the registry reads Art. %(article)s of the agreement here is explained "
                "below, under “How the registry reads the agreement”.",
                article=reading["article"],
            )
        )
    if kind == "consent" and not reasons:
        reasons.append(gettext("No adequacy decision of the European Commission applies."))
    reasons += [translate(text) for text in assessment["warnings"]]
    return {"kind": kind, "label": label, "reasons": reasons}


def other_languages(language: str, url_for_language: Any) -> list[tuple[str, str, str]]:
    """Links to this page in every language: (code, name, address)."""
    return [(code, LANGUAGE_NAMES[code], url_for_language(code)) for code in SUPPORTED_LANGUAGES]
