"""Changes of the adequacy table as notices: which locations and which controllers they affect.

The table is data with dates (``countries.service.change_dates``): on such a day a decision
takes effect or ends, or a state leaves the EU, and assessments change without anyone touching
a list. For each such day, every location of every list in force is assessed the day before
and on the day; a processor with a location whose zone, decision or need for prior consent
changes gets one ``adequacy_changed`` notice, to itself and to the contacts of every agreement
in force, with each location before and after. The audit trail records it in both parties'
trails.

``AdequacyReport`` rows remember the days told: the worker's daily job and
``registry adequacy impact`` skip a day already told, so a restart, a second worker or a
second run sends nothing twice. The job's first run only notes where it started: changes
from before the registry watched are not news.
"""

from __future__ import annotations

import zlib
from datetime import date, datetime, timedelta
from typing import Any

import click
from flask.cli import with_appcontext
from sqlalchemy import or_, select

from registry import clock
from registry.agreements.models import AdequacyReport, Agreement
from registry.agreements.notifications import contacts_of
from registry.agreements.service import active_agreements
from registry.agreements.transfers import decisions_of
from registry.audit import service as audit
from registry.countries import service as countries
from registry.countries.cli import adequacy_group
from registry.countries.phrases import translate
from registry.db import serialise_step
from registry.extensions import db
from registry.notifications.jobs import register_job
from registry.notifications.kinds import Recipient, organisation_recipient, register_kind
from registry.notifications.models import Notice
from registry.notifications.render import base_url, format_date, language_of
from registry.notifications.service import queue_notice
from registry.subprocessors.models import SubprocessorVersion

ADEQUACY_CHANGED = "adequacy_changed"
BASELINE, WORKER, CLI = "baseline", "worker", "cli"
_LOCK = zlib.crc32(b"registry.agreements.adequacy_impact")


def report_changes(*, start: date, end: date, source: str = CLI) -> list[AdequacyReport]:
    """Tell the impact of every change of the table after ``start`` up to ``end`` not yet
    told; answers the days reported now."""
    serialise_step(_LOCK)
    told = _told_days()
    days = [day for day in countries.change_dates() if start < day <= end and day not in told]
    return [report_day(day=day, source=source) for day in days]


def queue_adequacy_notices(*, at: datetime) -> int:
    """The worker's job: the changes of the table up to today not yet told; answers the
    number of notices queued."""
    serialise_step(_LOCK)
    start = db.session.scalar(select(AdequacyReport.day).where(AdequacyReport.source == BASELINE))
    if start is None:
        db.session.add(AdequacyReport(day=at.date(), source=BASELINE, reported_at=at))
        db.session.flush()
        return 0
    told = _told_days()
    days = [d for d in countries.change_dates() if start < d <= at.date() and d not in told]
    return sum(report_day(day=day, source=WORKER).notices for day in days)


def report_day(*, day: date, source: str) -> AdequacyReport:
    """Queue the notices and audit events of one change of the table; flushes."""
    now = clock.now()
    changed = _changed_locations(day=day, at=now)
    report = AdequacyReport(day=day, source=source, reported_at=now, notices=len(changed))
    db.session.add(report)
    db.session.flush()
    for processor_id, rows in sorted(changed.items()):
        agreements = _affected(active_agreements(processor_id=processor_id, at=now), rows, now)
        data = {
            "report_id": report.id,
            "day": day.isoformat(),
            "locations": rows,
            "agreement_ids": [agreement.id for agreement in agreements],
        }
        queue_notice(kind=ADEQUACY_CHANGED, processor_id=processor_id, data=data)
        facts = {"day": day.isoformat(), "locations": [row["code"] for row in rows]}
        audit.record(
            action="adequacy.changed",
            object_type="adequacy_report",
            object_id=report.id,
            processor_id=processor_id,
            data=facts,
        )
        for agreement in agreements:
            audit.record_on_agreement(
                agreement,
                action="adequacy.changed",
                object_type="adequacy_report",
                object_id=report.id,
                data=facts,
            )
    return report


def _affected(
    agreements: list[Agreement], rows: list[dict[str, Any]], at: datetime
) -> list[Agreement]:
    """The agreements whose transfers change: a sub-processor excluded for a controller (an
    objection's outcome) does not process its data, so its locations do not concern it."""
    changed = {row["subprocessor_id"] for row in rows}
    return [
        agreement
        for agreement in agreements
        if changed - _excluded(decisions_of(agreement, at).restricted)
    ]


def _excluded(restricted: dict[int, tuple[str, str]]) -> set[int]:
    return {
        subprocessor_id
        for subprocessor_id, (status, _) in restricted.items()
        if status == "excluded"
    }


def _told_days() -> set[date]:
    rows = db.session.scalars(select(AdequacyReport.day).where(AdequacyReport.source != BASELINE))
    return set(rows)


def _changed_locations(*, day: date, at: datetime) -> dict[int, list[dict[str, Any]]]:
    """Per processor, each location of its list in force at ``at`` whose assessment on
    ``day`` differs from the day before."""
    versions = db.session.scalars(
        select(SubprocessorVersion)
        .where(
            SubprocessorVersion.valid_from <= at,
            or_(SubprocessorVersion.valid_to.is_(None), SubprocessorVersion.valid_to > at),
        )
        .order_by(
            SubprocessorVersion.processor_id,
            SubprocessorVersion.name,
            SubprocessorVersion.subprocessor_id,
        )
    )
    changed: dict[int, list[dict[str, Any]]] = {}
    for version in versions:
        for location in version.locations:
            before = _outcome(version, location["code"], day - timedelta(days=1))
            after = _outcome(version, location["code"], day)
            if before != after:
                changed.setdefault(version.processor_id, []).append(
                    {
                        "subprocessor_id": version.subprocessor_id,
                        "subprocessor": version.name,
                        "code": location["code"],
                        "before": before,
                        "after": after,
                    }
                )
    return changed


def _outcome(version: SubprocessorVersion, code: str, day: date) -> dict[str, Any]:
    """What a controller reads of a location: zone, the decision, prior consent needed."""
    assessment = countries.assess(
        code,
        day,
        dpf_certified=version.dpf_certified,
        adequacy_scope_confirmed=version.adequacy_scope_confirmed,
    )
    return {
        "zone": assessment["zone"],
        "decision": (assessment["adequacy"] or {}).get("decision"),
        "requires_consent": assessment["requires_consent"],
    }


# --- the notice ---------------------------------------------------------------------------------


def recipients(notice: Notice) -> list[Recipient]:
    """The processor, and the contacts of every agreement in force when the change was told."""
    found = organisation_recipient(organisation_id=notice.processor_id)
    for agreement_id in notice.data.get("agreement_ids", []):
        found += contacts_of(db.session.get(Agreement, agreement_id))
    return found


def context(notice: Notice, recipient: Recipient) -> dict[str, Any]:
    language = language_of(recipient)
    day = date.fromisoformat(notice.data["day"])
    return {
        "adequacy_change": {
            "day": format_date(day),
            "locations": [_readable(row, language) for row in notice.data["locations"]],
            "table_url": f"{base_url()}/api/v1/adequacy?at={day.isoformat()}",
        },
        "agreement_reference": recipient.extra.get("agreement_reference"),
    }


def _readable(row: dict[str, Any], language: str) -> dict[str, Any]:
    def side(outcome: dict[str, Any]) -> dict[str, Any]:
        decision = outcome.get("decision")
        return {**outcome, "decision": translate(decision) if decision else None}

    return {
        "subprocessor": row["subprocessor"],
        "code": row["code"],
        "name": countries.country_name(row["code"], language),
        "before": side(row["before"]),
        "after": side(row["after"]),
    }


register_kind(ADEQUACY_CHANGED, recipients=recipients, context=context)
register_job(ADEQUACY_CHANGED, queue_adequacy_notices)


@adequacy_group.command("impact")
@click.option("--from", "start", type=click.DateTime(["%Y-%m-%d"]), required=True)
@click.option("--to", "end", type=click.DateTime(["%Y-%m-%d"]), required=True)
@with_appcontext
def impact_command(start: datetime, end: datetime) -> None:
    """Tell processors and controllers which locations a change of the table affects.

    Compares every location of every list in force between the day before and the day of each
    change of the table after FROM up to TO; a day already told is skipped.
    """
    if end < start:
        raise click.BadParameter("--to is before --from", param_hint="--to")
    reports = report_changes(start=start.date(), end=end.date())
    db.session.commit()
    if not reports:
        click.echo("No change of the adequacy table left to tell in that period.")
    for report in reports:
        click.echo(f"{report.day.isoformat()}: {report.notices} processor(s) told")
