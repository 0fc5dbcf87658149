"""How the site says things: the reader's language, Dutch time, and what an assessment means.

The API speaks UTC and English; a page speaks the reader's language (``?lang=``, then the
browser's Accept-Language, then the processor's language) and shows times in Europe/Amsterdam
with the zone named, since the contract's parties are Dutch.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_date as babel_format_date
from flask import request
from flask_babel import gettext, ngettext

from registry.countries.phrases import translate
from registry.notifications.kinds import SUPPORTED_LANGUAGES

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
LANGUAGE_NAMES = {"nl": "Nederlands", "en": "English"}


def choose_language(default: Callable[[], str | None]) -> str:
    """``?lang=``, else the browser's preference among ours, else ``default()`` (else Dutch).

    ``default`` is asked only when needed: for a processor it costs a query.
    """
    asked = request.args.get("lang", "")
    if asked in SUPPORTED_LANGUAGES:
        return asked
    preferred = request.accept_languages.best_match(SUPPORTED_LANGUAGES)
    if preferred:
        return str(preferred)
    fallback = default()
    return fallback if fallback in SUPPORTED_LANGUAGES else "nl"


def local_time(moment: datetime | None, language: str) -> str:
    """A moment in Amsterdam time, with its zone: 4 januari 2027 om 10:00 CET."""
    if moment is None:
        return "—"
    local = moment.astimezone(AMSTERDAM)
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
        value = value.astimezone(AMSTERDAM).date()
    return str(babel_format_date(value, "long", locale=language))


def time_left(until: datetime, now: datetime) -> str:
    """Whole days until ``until`` as a reader counts them: "in 3 days", "today"."""
    days = (until.astimezone(AMSTERDAM).date() - now.astimezone(AMSTERDAM).date()).days
    if days <= 0:
        return gettext("today")
    return ngettext("in %(num)d day", "in %(num)d days", days)


def badge(assessment: dict[str, Any]) -> dict[str, Any]:
    """What a location means for a controller's data, in the current locale.

    ``kind``: eea, adequate or consent (the CSS class); ``label``: the badge's words;
    ``reasons``: the assessment's conditions and warnings, in plain words.
    """
    adequacy = assessment.get("adequacy") or {}
    if assessment["zone"] == "eea":
        kind, label = "eea", gettext("Inside the EEA")
    elif not assessment["requires_consent"]:
        kind = "adequate"
        label = gettext("Adequacy decision %(decision)s", decision=adequacy.get("decision", ""))
    else:
        kind, label = "consent", gettext("Needs the controller's prior consent (Art. 3.1)")
    reasons = [translate(text) for text in assessment["conditions"]]
    if kind == "consent" and not reasons:
        reasons.append(gettext("No adequacy decision of the European Commission applies."))
    reasons += [translate(text) for text in assessment["warnings"]]
    return {"kind": kind, "label": label, "reasons": reasons}


def other_languages(language: str, url_for_language: Any) -> list[tuple[str, str, str]]:
    """Links to this page in every language: (code, name, address)."""
    return [(code, LANGUAGE_NAMES[code], url_for_language(code)) for code in SUPPORTED_LANGUAGES]
