"""The controller's prior consent for transfers outside the EEA without adequacy (Art. 3.1).

A consent names a location code and, optionally, one sub-processor of the agreement's
processor. It is refused (422 naming ``code``) where it could not change anything: inside the
EEA, or where an adequacy decision applies to every transfer it would cover (Art. 3.3).

Where adequacy depends on the recipient — the US, adequate only for recipients certified
under the EU-US Data Privacy Framework — the recipients it covers decide:

- limited to one sub-processor: refused when that sub-processor is DPF-certified in every
  version now in force or announced (a lapse of certification takes effect at once and
  reaches every controller as an urgent notice: consent is given then, or beforehand for
  every sub-processor at the location);
- for every sub-processor at that location: accepted, since it covers each recipient that is
  not certified, now or later — that is exactly what a general consent means. Certified
  recipients stay ``allowed_adequacy`` in the transfers view whatever the consent says.

A consent for a country covers its subdivisions too (consent for ``US`` covers ``US-CA``).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Select, or_, select

from registry import clock
from registry.agreements import service as agreements
from registry.agreements.models import Agreement, Consent
from registry.audit import service as audit
from registry.auth import request_token_id
from registry.countries import service as countries
from registry.errors import Conflict, Invalid, NotFound
from registry.extensions import db
from registry.notifications.service import queue_notice
from registry.organisations.models import Organisation
from registry.subprocessors.models import Change, SubprocessorVersion

CONSENT_GIVEN = "consent_given"
CONSENT_REVOKED = "consent_revoked"


def consents_of(
    *, agreement_id: int, organisation: Organisation, active: bool | None = None
) -> Select[Consent]:
    """The consents of an agreement the organisation is a party to, newest first."""
    agreement = agreements.get_for_party_or_404(
        agreement_id=agreement_id, organisation=organisation
    )
    statement = select(Consent).where(Consent.agreement_id == agreement.id)
    if active is True:
        statement = statement.where(Consent.revoked_at.is_(None))
    elif active is False:
        statement = statement.where(Consent.revoked_at.is_not(None))
    return statement.order_by(Consent.id.desc())


def give_consent(
    *,
    controller: Organisation,
    agreement_id: int,
    code: str,
    subprocessor_id: int | None = None,
    note: str | None = None,
) -> Consent:
    """Record prior consent for a location, for one sub-processor or all; tell the processor."""
    agreement = _controllers_agreement_or_404(controller=controller, agreement_id=agreement_id)
    moment = clock.now()
    if not agreements.is_in_force(agreement, moment):
        raise Conflict(
            f"Agreement {agreement.reference} ended on {_iso(agreement)}; it takes no consents.",
            state="terminated",
            allowed_actions=[],
        )
    code = countries.normalise(code)
    # Serialise consents per agreement (PostgreSQL), so the duplicate check below holds.
    db.session.execute(select(Agreement.id).where(Agreement.id == agreement.id).with_for_update())
    versions = _versions_of(agreement, subprocessor_id) if subprocessor_id is not None else None
    _check_consent_is_needed(code, versions, moment.date())
    existing = db.session.scalar(
        select(Consent.id).where(
            Consent.agreement_id == agreement.id,
            Consent.code == code,
            Consent.subprocessor_id.is_(None)
            if subprocessor_id is None
            else Consent.subprocessor_id == subprocessor_id,
            Consent.revoked_at.is_(None),
        )
    )
    if existing is not None:
        raise Conflict(
            f"Consent {existing} for {code} is given already; revoke it first to change it.",
            consent_id=existing,
        )
    consent = Consent(
        agreement_id=agreement.id,
        code=code,
        subprocessor_id=subprocessor_id,
        note=note.strip() if note and note.strip() else None,
        given_at=moment,
        given_by_token_id=request_token_id(),
    )
    db.session.add(consent)
    db.session.flush()
    _record(consent, agreement, "consent.given", code=code, subprocessor_id=subprocessor_id)
    _notify(CONSENT_GIVEN, consent, agreement)
    return consent


def revoke_consent(*, controller: Organisation, agreement_id: int, consent_id: int) -> Consent:
    """Withdraw a consent from now on; the processor is told."""
    agreement = _controllers_agreement_or_404(controller=controller, agreement_id=agreement_id)
    # Held (PostgreSQL) so that two revocations at once are decided one after the other.
    consent = db.session.get(Consent, consent_id, with_for_update=True, populate_existing=True)
    if consent is None or consent.agreement_id != agreement.id:
        raise NotFound(f"No consent {consent_id} in agreement {agreement_id}.")
    if consent.revoked_at is not None:
        raise Conflict(
            f"Consent {consent.id} was revoked on {consent.revoked_at.isoformat()} already.",
            state="revoked",
            allowed_actions=[],
        )
    consent.revoked_at = clock.now()
    consent.revoked_by_token_id = request_token_id()
    _record(consent, agreement, "consent.revoked", code=consent.code)
    _notify(CONSENT_REVOKED, consent, agreement)
    return consent


def consented_codes(*, agreement: Agreement, change: Change, at: datetime) -> list[str]:
    """The location codes the agreement's consents in force at ``at`` cover for the
    sub-processor a change is about (for a replacement: the one that takes over)."""
    subprocessor_id = change.replacement_id or change.subprocessor_id
    return sorted(
        db.session.scalars(
            select(Consent.code).where(
                Consent.agreement_id == agreement.id,
                Consent.given_at <= at,
                or_(Consent.revoked_at.is_(None), Consent.revoked_at > at),
                or_(Consent.subprocessor_id.is_(None), Consent.subprocessor_id == subprocessor_id),
            )
        )
    )


def subprocessor_name(consent: Consent) -> str | None:
    """The name of the sub-processor a consent is limited to, as last published."""
    if consent.subprocessor_id is None:
        return None
    return db.session.scalar(
        select(SubprocessorVersion.name)
        .where(SubprocessorVersion.subprocessor_id == consent.subprocessor_id)
        .order_by(SubprocessorVersion.valid_from.desc())
        .limit(1)
    )


# --- helpers ------------------------------------------------------------------------------


def _controllers_agreement_or_404(*, controller: Organisation, agreement_id: int) -> Agreement:
    agreement = agreements.get_for_party_or_404(agreement_id=agreement_id, organisation=controller)
    if agreement.controller_id != controller.id:
        raise NotFound(f"No agreement {agreement_id}.")
    return agreement


def _versions_of(agreement: Agreement, subprocessor_id: int) -> list[SubprocessorVersion]:
    """The versions of one of the processor's sub-processors in force now or announced."""
    versions = list(
        db.session.scalars(
            select(SubprocessorVersion)
            .where(
                SubprocessorVersion.subprocessor_id == subprocessor_id,
                SubprocessorVersion.processor_id == agreement.processor_id,
                or_(
                    SubprocessorVersion.valid_to.is_(None),
                    SubprocessorVersion.valid_to > clock.now(),
                ),
            )
            .order_by(SubprocessorVersion.valid_from)
        )
    )
    if not versions:
        raise Invalid(
            "subprocessor_id",
            f"No sub-processor {subprocessor_id} on this processor's list now or announced.",
        )
    return versions


def _check_consent_is_needed(
    code: str, versions: list[SubprocessorVersion] | None, today: date
) -> None:
    """Refuse a consent that could not change any transfer it covers (see the module doc)."""
    general = countries.assess(code, today)
    if not general["requires_consent"]:
        if general["zone"] == countries.ZONE_EEA:
            raise Invalid(
                "code",
                f"{general['name']} ({code}) is inside the EEA: processing there needs no "
                "consent (Art. 3.1).",
            )
        decision = (general.get("adequacy") or {}).get("decision", "")
        raise Invalid(
            "code",
            f"{general['name']} ({code}) has an adequacy decision ({decision}): transfers "
            "there need no consent (Art. 3.3).",
        )
    if versions is None:
        return
    needed = [
        v
        for v in versions
        if countries.assess(
            code,
            max(today, v.valid_from.date()),
            dpf_certified=v.dpf_certified,
            adequacy_scope_confirmed=v.adequacy_scope_confirmed,
        )["requires_consent"]
    ]
    if not needed:
        raise Invalid(
            "code",
            f"{versions[-1].name} is certified under the EU-US Data Privacy Framework: its "
            f"transfers to {general['name']} ({code}) fall under the adequacy decision and "
            "need no consent (Art. 3.3).",
        )


def _record(consent: Consent, agreement: Agreement, action: str, **data: Any) -> None:
    audit.record_on_agreement(
        agreement, action=action, object_type="consent", object_id=consent.id, data=data
    )


def _notify(kind: str, consent: Consent, agreement: Agreement) -> None:
    queue_notice(
        kind=kind,
        processor_id=agreement.processor_id,
        agreement_id=agreement.id,
        data={"consent_id": consent.id},
    )


def _iso(agreement: Agreement) -> str:
    return agreement.terminated_at.date().isoformat() if agreement.terminated_at else ""
