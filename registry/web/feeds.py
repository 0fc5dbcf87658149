"""The list as CSV (one row per processing location) and the changes as an Atom feed."""

from __future__ import annotations

import csv
import io
from datetime import datetime

from feedgen.feed import FeedGenerator
from flask import render_template, url_for
from flask_babel import gettext
from sqlalchemy import select

from registry import clock
from registry.extensions import db
from registry.notifications.render import base_url
from registry.organisations.models import Organisation
from registry.subprocessors import publishing, service
from registry.subprocessors.display import action_label
from registry.subprocessors.models import Change
from registry.subprocessors.revisions import PublishedProcessor
from registry.web import public

CSV_COLUMNS = (
    "subprocessor_id",
    "name",
    "legal_name",
    "country_of_incorporation",
    "purpose",
    "data_categories",
    "location",
    "activities",
    "zone",
    "requires_consent",
    "adequacy_decision",
    "dpf_certified",
    "transfer_mechanism",
    "in_list_from",
)
FEED_SIZE = 100


def csv_document(processor: PublishedProcessor, at: datetime) -> str:
    """The list in force at ``at``; English column names and values, as the API gives them."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for version in service.list_at(processor_id=processor.id, at=at):
        entry = publishing.entry(version, at.date())
        for location in entry["locations"]:
            assessment = location["assessment"]
            writer.writerow(
                (
                    entry["id"],
                    entry["name"],
                    entry["legal_name"],
                    entry["country_of_incorporation"],
                    entry["purpose"],
                    "; ".join(entry["data_categories"]),
                    location["code"],
                    "; ".join(location["activities"]),
                    assessment["zone"],
                    "yes" if assessment["requires_consent"] else "no",
                    (assessment["adequacy"] or {}).get("decision", ""),
                    "yes" if entry["dpf_certified"] else "no",
                    entry["transfer_mechanism"] or "",
                    entry["in_list_from"],
                )
            )
    return out.getvalue()


def atom_feed(processor: Organisation, language: str) -> bytes:
    """One entry per change and state (announced, effective, withdrawn), with stable ids."""
    page = url_for("web.processor_page", slug=processor.slug, lang=language, _external=False)
    feed = FeedGenerator()
    feed.id(f"{base_url()}/p/{processor.slug}")
    feed.title(gettext("Sub-processors of %(processor)s", processor=processor.name))
    feed.author({"name": processor.name, "email": processor.email})
    feed.link(href=f"{base_url()}{page}", rel="alternate")
    feed.link(href=f"{base_url()}/p/{processor.slug}/feed.atom", rel="self")
    feed.language(language)
    changes = db.session.scalars(
        select(Change)
        .where(Change.processor_id == processor.id)
        .order_by(Change.announced_at.desc(), Change.id.desc())
        .limit(FEED_SIZE)
    )
    newest = None
    for change in changes:
        for state, moment in _states(change):
            _add_entry(feed, processor, change, state, moment, language)
            newest = max(newest or moment, moment)
    feed.updated(newest or processor.created_at)
    return bytes(feed.atom_str(pretty=True))


def _states(change: Change) -> list[tuple[str, datetime]]:
    states = [("announced", change.announced_at)]
    if change.withdrawn_at is not None:
        states.append(("withdrawn", change.withdrawn_at))
    elif change.effective_at <= clock.now():
        states.append(("effective", change.effective_at))
    return states


def _add_entry(
    feed: FeedGenerator,
    processor: Organisation,
    change: Change,
    state: str,
    moment: datetime,
    language: str,
) -> None:
    entry_data = change.after or change.before or {}
    label = action_label(change.action.value, language)
    titles = {
        "announced": gettext("Announced: %(change)s", change=label),
        "effective": gettext("In effect: %(change)s", change=label),
        "withdrawn": gettext("Withdrawn: %(change)s", change=label),
    }
    address = f"{base_url()}/p/{processor.slug}/changes/{change.id}"
    entry = feed.add_entry(order="append")
    entry.id(f"{address}#{state}")
    entry.title(f"{titles[state]} — {entry_data.get('name', '')}")
    entry.link(href=f"{address}?lang={language}", rel="alternate")
    entry.published(moment)
    entry.updated(moment)
    entry.content(
        render_template(
            "web/_feed_entry.html",
            change=public.change_view(change, language, clock.now()),
            state=state,
        ),
        type="html",
    )
