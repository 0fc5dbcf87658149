"""Load the demo data through the same services the API uses.

Loading twice adds no second copy of anything; each load issues fresh tokens (a token is shown
only once) and keeps the old ones. The history is written with the clock set back, so it reads
as a year of real changes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, NamedTuple

from sqlalchemy import select, update

from registry import clock
from registry.agreements import service as agreements
from registry.agreements.models import Agreement
from registry.countries import service as countries
from registry.demo.data import (
    AGREEMENTS,
    ANNOUNCED_REASON,
    ANNOUNCED_ROW,
    CONTROLLERS,
    DEMO_TOKEN_NAME,
    LATER_CHANGES,
    NO_FLOWDOWN,
    PROCESSOR,
    SERVICES,
    SUBPROCESSOR_TABLE,
)
from registry.extensions import db
from registry.notifications import expansion
from registry.notifications.models import Notice
from registry.organisations import service as organisations
from registry.organisations.models import Organisation
from registry.subprocessors import service as subprocessors
from registry.subprocessors.models import Change, ChangeAction, ChangeStatus


class Spec(NamedTuple):
    """One row of SUBPROCESSOR_TABLE."""

    name: str
    legal_name: str
    registration: str
    incorporated: str
    service: str
    codes: tuple[str, ...]
    dpf: bool


def _parse(row: str) -> Spec:
    name, legal_name, registration, incorporated, service, codes, dpf = (
        cell.strip() for cell in row.split("|")
    )
    return Spec(
        name, legal_name, registration, incorporated, service, tuple(codes.split()), dpf == "dpf"
    )


SUBPROCESSORS: list[Spec] = [_parse(row) for row in SUBPROCESSOR_TABLE.strip().splitlines()]
ANNOUNCED = _parse(ANNOUNCED_ROW)


@dataclass
class DemoResult:
    processor: str
    controllers: list[str]
    # Label ("admin" or an organisation's slug) -> the token's secret, shown once.
    tokens: dict[str, str] = field(default_factory=dict)
    subprocessors_in_force: int = 0
    announced_change_id: int | None = None
    created: bool = False


def load_demo() -> DemoResult:
    """Load the demo into the configured database and commit; safe to run again.

    The history is committed before the agreements are recorded (see _expand_history_notices).
    """
    now = clock.now()
    processor = _organisation(PROCESSOR)
    controllers = [_organisation(spec) for spec in CONTROLLERS]
    result = DemoResult(processor=processor.slug, controllers=[c.slug for c in controllers])

    has_history = db.session.scalar(subprocessors.changes_query(processor_id=processor.id).limit(1))
    # The year before today: every sub-processor added, a few changed, one removed.
    if has_history is None:
        result.created = True
        _write_history(processor, start=clock.start_of_day(now.date() - timedelta(days=400)))
        _expand_history_notices()
    _record_agreements(processor, signed=clock.start_of_day(now.date() - timedelta(days=200)))
    announced = subprocessors.changes_query(
        processor_id=processor.id, status=ChangeStatus.ANNOUNCED
    )
    if db.session.scalar(announced.limit(1)) is None:
        result.announced_change_id = _announce_future_change(processor, now).id

    result.tokens = _issue_tokens([processor, *controllers])
    result.subprocessors_in_force = len(
        subprocessors.list_at(processor_id=processor.id, at=clock.now())
    )
    db.session.commit()
    return result


def _organisation(spec: dict[str, Any]) -> Organisation:
    existing = db.session.scalar(select(Organisation).where(Organisation.slug == spec["slug"]))
    if existing is not None:
        return existing
    return organisations.create_organisation(**spec)


def _issue_tokens(parties: list[Organisation]) -> dict[str, str]:
    """A new token for each party and one for an admin, keyed by slug (or "admin")."""
    tokens: dict[str, str] = {}
    for organisation in parties:
        _, secret = organisations.create_token(organisation=organisation, name=DEMO_TOKEN_NAME)
        tokens[organisation.slug] = secret
    _, secret = organisations.create_token(organisation=None, name=DEMO_TOKEN_NAME, admin=True)
    tokens["admin"] = secret
    return tokens


def _entry(spec: Spec, checked_on: date) -> dict[str, Any]:
    """The sub-processor as the API takes it, with its transfer basis as of checked_on."""
    purpose, data_categories, subjects, activities = SERVICES[spec.service]
    slug = spec.name.lower().replace(" ", "").replace("ø", "o")
    flowdown = None if spec.name in NO_FLOWDOWN else (checked_on - timedelta(days=14)).isoformat()
    return {
        "name": spec.name,
        "legal_name": spec.legal_name,
        "registration_number": spec.registration,
        "country_of_incorporation": spec.incorporated,
        "website": f"https://{slug}.example",
        "purpose": purpose,
        "data_categories": data_categories,
        "data_subject_categories": subjects,
        "locations": [
            {"code": code, "activities": [activity]}
            for code, activity in zip(spec.codes, activities, strict=True)
        ],
        "dpf_certified": spec.dpf,
        "dpf_checked_on": checked_on.isoformat() if spec.dpf else None,
        "transfer_mechanism": _transfer_mechanism(spec, checked_on),
        "flowdown_signed_on": flowdown,
    }


def _transfer_mechanism(spec: Spec, checked_on: date) -> str | None:
    """SCCs if any location is a third country, else adequacy if any is adequate, else none."""
    zones = {
        countries.assess(code, checked_on, dpf_certified=spec.dpf)["zone"] for code in spec.codes
    }
    if countries.ZONE_THIRD_COUNTRY in zones:
        return "scc"
    if countries.ZONE_ADEQUATE in zones:
        return "adequacy"
    return None


def _write_history(processor: Organisation, *, start: datetime) -> None:
    """Announce the list as a year of changes, each in force from the moment it was announced."""
    added: dict[str, int] = {}
    moment = start + timedelta(hours=9)
    for spec in SUBPROCESSORS:
        reason = f"{spec.name} provides {SERVICES[spec.service][0].lower()}."
        entry = _entry(spec, moment.date())
        change = _announce_past(processor, moment, ChangeAction.ADD, reason, entry)
        added[spec.name] = change.subprocessor_id
        moment += timedelta(days=3)

    for action, name, fields, reason in LATER_CHANGES:
        changed = dict(fields) if fields is not None else None
        if changed is not None and changed.get("dpf_certified"):
            changed["dpf_checked_on"] = moment.date().isoformat()
        _announce_past(processor, moment, action, reason, changed, subprocessor_id=added[name])
        moment += timedelta(days=5)


def _announce_past(
    processor: Organisation,
    moment: datetime,
    action: ChangeAction,
    reason: str,
    subprocessor: dict[str, Any] | None,
    *,
    subprocessor_id: int | None = None,
) -> Change:
    """Announce a change at moment, in force at once."""
    with clock.freeze(moment):
        change = subprocessors.announce_change(
            processor=processor,
            action=action,
            reason=reason,
            subprocessor_id=subprocessor_id,
            subprocessor=subprocessor,
            effective_at=moment,
        )
    _history_done(change)
    return change


def _expand_history_notices() -> None:
    """Turn the history's notices into deliveries now, while no agreement exists to address
    them to: nobody is mailed about a year of changes that are not news."""
    db.session.commit()
    while expansion.expand_next_notice() is not None:
        pass


def _history_done(change: Change) -> None:
    # History took effect long ago; its "took effect" notices are not news to anyone today.
    with clock.freeze(change.effective_at):
        subprocessors.mark_effect_noticed(change=change)


def _record_agreements(processor: Organisation, *, signed: datetime) -> None:
    existing = {
        agreement.reference for agreement in db.session.scalars(agreements.agreements_of(processor))
    }
    for index, terms in enumerate(AGREEMENTS):
        if terms["reference"] in existing:
            continue
        moment = signed + timedelta(days=7 * index, hours=10)
        with clock.freeze(moment):
            agreement = agreements.record_agreement(
                processor=processor, signed_on=moment.date(), **terms
            )
        with clock.freeze(moment + timedelta(days=1)):
            agreements.confirm_agreement(controller=agreement.controller, agreement_id=agreement.id)
        _told_long_ago(agreement)


def _told_long_ago(agreement: Agreement) -> None:
    """The parties settled this agreement months ago: its mails are not news to anyone today."""
    db.session.execute(
        update(Notice)
        .where(Notice.agreement_id == agreement.id, Notice.expanded_at.is_(None))
        .values(expanded_at=Notice.created_at)
    )


def _announce_future_change(processor: Organisation, now: datetime) -> Change:
    """One change announced today, taking effect after every agreement's notice period."""
    longest = max(terms["notice_days"] for terms in AGREEMENTS)
    effective_at = clock.start_of_day(now.date() + timedelta(days=longest + 1)) + timedelta(hours=9)
    return subprocessors.announce_change(
        processor=processor,
        action=ChangeAction.ADD,
        reason=ANNOUNCED_REASON,
        subprocessor=_entry(ANNOUNCED, now.date()),
        effective_at=effective_at,
    )
