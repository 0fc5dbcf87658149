"""What the public pages show: the list at a moment, what is about to change, the countries.

A processor page depends on the list revision, the last moment its list or the adequacy table
changed, the day (it counts days left) and the language: that is its ETag, and the rendered
page is kept per process under it, like the JSON documents of ``publishing``. A page read in
the steady state costs no database query and no rendering.
"""

from __future__ import annotations

import hashlib
from datetime import date, datetime
from functools import lru_cache
from typing import Any

from flask import current_app

from registry import clock
from registry.countries import service as countries
from registry.countries.phrases import translate
from registry.extensions import db
from registry.organisations.models import Organisation
from registry.subprocessors import publishing, service
from registry.subprocessors.display import action_label, field_rows
from registry.subprocessors.models import Change
from registry.subprocessors.revisions import PublishedProcessor
from registry.web.formatting import badge, local_day, local_time, time_left


def page_etag(processor: PublishedProcessor, at: datetime, language: str) -> str:
    return _page_etag(publishing.etag_for("page", processor, at), language, clock.today())


@lru_cache(maxsize=1024)
def _page_etag(document_etag: str, language: str, today: date) -> str:
    return hashlib.sha256(repr((document_etag, language, today)).encode()).hexdigest()[:32]


def entry_view(entry: dict[str, Any], language: str) -> dict[str, Any]:
    """A published entry with each location's badge in the current locale."""
    return {
        **entry,
        "locations": [
            {
                **location,
                "name": countries.country_name(location["code"], language),
                "badge": badge(location["assessment"], reading_below=True),
            }
            for location in entry["locations"]
        ],
    }


def change_view(change: Change, language: str, now: datetime) -> dict[str, Any]:
    """One change as a reader sees it: what, why, when, the fields before and after."""
    entry = change.after or change.before or {}
    label = action_label(change.action.value, language)
    return {
        "id": change.id,
        "action": change.action.value,
        "action_label": label,
        "title": f"{label[:1].upper()}{label[1:]}: {entry.get('name', '')}",
        "name": entry.get("name", ""),
        "previous_name": (change.before or {}).get("name")
        if change.action.value == "replace"
        else None,
        "reason": change.reason,
        "status": change.status.value,
        "announced_at": local_time(change.announced_at, language),
        "effective_at": local_time(change.effective_at, language),
        "effective_on": local_day(change.effective_at, language),
        "withdrawn_at": local_time(change.withdrawn_at, language),
        "withdraw_reason": change.withdraw_reason,
        "time_left": time_left(change.effective_at, now) if change.effective_at > now else None,
        "rows": field_rows(change.before, change.after, language),
        "new_locations": _new_locations(change, language),
    }


def _new_locations(change: Change, language: str) -> list[dict[str, Any]]:
    """Every location the change brings in, assessed as of the day it takes effect."""
    if not change.after:
        return []
    known = {location["code"] for location in (change.before or {}).get("locations") or []}
    certified = bool(change.after.get("dpf_certified"))
    in_scope = bool(change.after.get("adequacy_scope_confirmed"))
    return [
        {
            "code": location["code"],
            "name": countries.country_name(location["code"], language),
            "activities": list(location.get("activities") or []),
            "new": location["code"] not in known,
            "badge": badge(
                countries.assess(
                    location["code"],
                    change.effective_at.date(),
                    dpf_certified=certified,
                    adequacy_scope_confirmed=in_scope,
                )
            ),
        }
        for location in change.after.get("locations") or []
    ]


def contract_readings(countries_at: list[dict[str, Any]]) -> list[str]:
    """How the registry reads the agreement's clauses on the places listed (Privacy Shield,
    Quebec), once each, in the reader's language."""
    readings: dict[str, str] = {}
    for country in countries_at:
        reading = country["assessment"]["contract_reading"]
        if reading is not None:
            readings.setdefault(reading["reading"], translate(reading["reading"]))
    return list(readings.values())


def processor_context(processor: PublishedProcessor, at: datetime, language: str) -> dict[str, Any]:
    """Everything the processor page shows."""
    organisation = db.session.get(Organisation, processor.id)
    now = clock.now()
    entries = [
        entry_view(publishing.entry(version, at.date()), language)
        for version in service.list_at(processor_id=processor.id, at=at)
    ]
    countries_at = [
        {**country, "name": countries.country_name(country["code"], language)}
        for country in publishing.processing_countries(processor.id, at)
    ]
    return {
        "processor": organisation,
        "country_name": countries.country_name(organisation.country, language)
        if organisation
        else "",
        "at": at,
        "at_day": at.date().isoformat(),
        "at_label": local_time(at, language),
        "is_now": abs((at - now).total_seconds()) < 60,
        "entries": entries,
        "pending": [
            change_view(c, language, now) for c in publishing.pending_changes(processor.id, at)
        ],
        "countries": countries_at,
        "contract_readings": contract_readings(countries_at),
        "confirm_hours": current_app.config["SUBSCRIPTION_CONFIRM_HOURS"],
    }
