"""The published list and countries as documents, with ETags that follow time.

A document depends on the processor's list revision (bumped on every write), on the
last moment at or before ``at`` when the list or the adequacy table changed, and on the
day (assessments carry ``as_of``). That triple is the ETag, so a scheduled change turns
into a new ETag at its moment without anything being written. Rendered bodies are kept
per process, keyed by the ETag; the boundaries per (processor, revision).
"""

from __future__ import annotations

import bisect
import hashlib
from collections import OrderedDict
from datetime import date, datetime
from typing import Any, cast

from flask import current_app, json
from sqlalchemy import or_, select

from registry import clock
from registry.countries import service as countries
from registry.extensions import db
from registry.subprocessors import safeguards, service
from registry.subprocessors.models import Change, SubprocessorVersion
from registry.subprocessors.revisions import PublishedProcessor

_CACHE_SIZE = 256


class _LRU(OrderedDict[Any, Any]):
    def remember(self, key: Any, value: Any) -> Any:
        self[key] = value
        self.move_to_end(key)
        while len(self) > _CACHE_SIZE:
            self.popitem(last=False)
        return value


def _cache(name: str) -> _LRU:
    caches = current_app.extensions.setdefault("registry_publishing", {})
    return caches.setdefault(name, _LRU())


def _boundaries(processor: PublishedProcessor) -> tuple[datetime, ...]:
    key = (processor.id, processor.list_revision)
    cached = _cache("boundaries").get(key)
    if cached is None:
        adequacy = [clock.start_of_day(day) for day in countries.change_dates()]
        moments = {*service.list_boundaries(processor_id=processor.id), *adequacy}
        cached = _cache("boundaries").remember(key, tuple(sorted(moments)))
    return cast(tuple[datetime, ...], cached)


def in_force_since(processor: PublishedProcessor, at: datetime) -> datetime | None:
    """The last moment at or before ``at`` when the list or an assessment changed."""
    boundaries = _boundaries(processor)
    index = bisect.bisect_right(boundaries, at)
    return boundaries[index - 1] if index else None


def etag_for(kind: str, processor: PublishedProcessor, at: datetime) -> str:
    key = (kind, processor.id, processor.list_revision, in_force_since(processor, at), at.date())
    etag = _cache("etags").get(key)
    if etag is None:
        etag = _cache("etags").remember(key, hashlib.sha256(repr(key).encode()).hexdigest()[:32])
    return cast(str, etag)


def _heading(processor: PublishedProcessor, at: datetime) -> dict[str, Any]:
    since = in_force_since(processor, at)
    return {
        "processor": processor.slug,
        "as_of": at.date().isoformat(),
        "in_force_since": since.isoformat() if since else None,
    }


def list_document(processor: PublishedProcessor, at: datetime) -> tuple[str, bytes]:
    """The list in force at ``at`` (Art. 5.2) as (etag, JSON body)."""
    etag = etag_for("list", processor, at)
    body = _cache("bodies").get(etag)
    if body is None:
        entries = [entry(v, at.date()) for v in service.list_at(processor_id=processor.id, at=at)]
        document = {
            **_heading(processor, at),
            "count": len(entries),
            "subprocessors": entries,
        }
        body = _cache("bodies").remember(etag, json.dumps(document).encode())
    return etag, body


def countries_document(processor: PublishedProcessor, at: datetime) -> tuple[str, bytes]:
    """The processing countries at ``at`` with their assessments (Art. 3.4)."""
    etag = etag_for("countries", processor, at)
    body = _cache("bodies").get(etag)
    if body is None:
        document = {
            **_heading(processor, at),
            "countries": processing_countries(processor.id, at),
        }
        body = _cache("bodies").remember(etag, json.dumps(document).encode())
    return etag, body


def entry(version: SubprocessorVersion, day: date) -> dict[str, Any]:
    """One published entry: its fields, each location with its assessment."""
    data = service.snapshot(version)
    data["locations"] = [
        {
            "code": location["code"],
            "activities": list(location.get("activities", [])),
            # The country's assessment, with the entry's own warnings (a derogation, a stale
            # DPF check): they are facts of this sub-processor, not of the country.
            "assessment": safeguards.assess_location(version, location["code"], day),
        }
        for location in version.locations
    ]
    return {
        "id": version.subprocessor_id,
        **data,
        "flowdown_missing": version.flowdown_signed_on is None,
        "in_list_from": version.valid_from.isoformat(),
        "in_list_until": version.valid_to.isoformat() if version.valid_to else None,
    }


def processing_countries(processor_id: int, at: datetime) -> list[dict[str, Any]]:
    by_code: dict[str, dict[str, Any]] = {}
    for version in service.list_at(processor_id=processor_id, at=at):
        for location in version.locations:
            assessment = countries.assess(
                location["code"],
                at.date(),
                dpf_certified=version.dpf_certified,
                adequacy_scope_confirmed=version.adequacy_scope_confirmed,
            )
            country = by_code.setdefault(
                location["code"],
                {
                    "code": location["code"],
                    # Without DPF certification: the strictest reading of this location.
                    "assessment": countries.assess(location["code"], at.date()),
                    "requires_consent": False,
                    "subprocessors": [],
                },
            )
            country["requires_consent"] |= assessment["requires_consent"]
            country["subprocessors"].append(
                {
                    "id": version.subprocessor_id,
                    "name": version.name,
                    "activities": list(location.get("activities", [])),
                    "dpf_certified": version.dpf_certified,
                    "adequacy_scope_confirmed": version.adequacy_scope_confirmed,
                    "requires_consent": assessment["requires_consent"],
                }
            )
    return sorted(by_code.values(), key=lambda c: c["code"])


def pending_changes(processor_id: int, at: datetime) -> list[Change]:
    """Changes announced by ``at`` that take effect after it (and were not withdrawn by then),
    soonest first: what the list is about to become."""
    statement = (
        select(Change)
        .where(
            Change.processor_id == processor_id,
            Change.announced_at <= at,
            Change.effective_at > at,
            or_(Change.withdrawn_at.is_(None), Change.withdrawn_at > at),
        )
        .order_by(Change.effective_at, Change.id)
    )
    return list(db.session.scalars(statement))
