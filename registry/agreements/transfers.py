"""Every location of the list in force, as it applies to one controller (Art. 3.1).

Two questions per location. The law's (GDPR Chapter V): what the transfer rests on
(``lawful_basis``: the EEA, an adequacy decision covering the recipient, an Art. 46 safeguard,
an Art. 49 derogation, or nothing). The contract's (``status``): whether the controller's prior
consent is needed and given. Consent never makes up for a missing safeguard: a location with no
basis in law is ``safeguard_missing`` whatever the controller decided.

The order of the checks is the order of precedence: what the controller decided to hold back
(exclusion, pending objection), what the law refuses, what the contract allows outright, then
consent.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select

from registry.agreements.models import Agreement, Consent
from registry.agreements.signals import transfer_restrictions
from registry.countries import service as countries
from registry.events import answers
from registry.extensions import db
from registry.subprocessors import safeguards
from registry.subprocessors import service as subprocessors
from registry.subprocessors.display import display_value
from registry.subprocessors.models import SubprocessorVersion

EXCLUDED = "excluded"
SAFEGUARD_MISSING = "safeguard_missing"
# Not blocking: the sub-processor stays in use while the controller's objection is discussed.
IN_USE_OBJECTION_PENDING = "in_use_objection_pending"


@dataclass(frozen=True)
class ControllerDecisions:
    """What a controller decided that changes how a location applies to it."""

    consents: list[Consent]
    restricted: dict[int, tuple[str, str]]  # subprocessor id → (status, why)

    def consent_for(self, code: str, subprocessor_id: int) -> Consent | None:
        return next(
            (
                c
                for c in self.consents
                # A consent for a country covers its subdivisions (US covers US-CA).
                if (c.code == code or code.startswith(c.code + "-"))
                and c.subprocessor_id in (None, subprocessor_id)
            ),
            None,
        )


def decisions_of(agreement: Agreement, at: datetime) -> ControllerDecisions:
    consents = db.session.scalars(
        select(Consent).where(
            Consent.agreement_id == agreement.id,
            Consent.given_at <= at,
            or_(Consent.revoked_at.is_(None), Consent.revoked_at > at),
        )
    )
    restricted: dict[int, tuple[str, str]] = {}
    for answer in answers(transfer_restrictions, agreement=agreement, at=at):
        for subprocessor_id, (status, why) in answer.items():
            if restricted.get(subprocessor_id, ("",))[0] != EXCLUDED:
                restricted[subprocessor_id] = (status, why)
    return ControllerDecisions(consents=list(consents), restricted=restricted)


def transfers(
    *,
    agreement: Agreement,
    at: datetime,
    versions: list[SubprocessorVersion] | None = None,
) -> dict[str, Any]:
    """The transfers view; ``versions`` is the processor's list at ``at`` when known already."""
    if versions is None:
        versions = subprocessors.list_at(processor_id=agreement.processor_id, at=at)
    decisions = decisions_of(agreement, at)
    rows = []
    for version in versions:
        for location in version.locations:
            assessment = countries.assess(
                location["code"],
                at.date(),
                dpf_certified=version.dpf_certified,
                adequacy_scope_confirmed=version.adequacy_scope_confirmed,
            )
            basis = safeguards.lawful_basis(assessment["zone"], version.transfer_mechanism)
            status, reason, consent_id = _classify(version, assessment, basis, decisions)
            rows.append(
                {
                    "subprocessor_id": version.subprocessor_id,
                    "subprocessor": version.name,
                    "code": assessment["code"],
                    "name": assessment["name"],
                    "activities": list(location.get("activities", [])),
                    "zone": assessment["zone"],
                    "status": status,
                    "reason": reason,
                    "consent_id": consent_id,
                    "lawful_basis": basis,
                    "mechanism": version.transfer_mechanism,
                    "warnings": safeguards.entry_warnings(
                        version, assessment["code"], assessment["zone"], at.date()
                    ),
                }
            )
    return {
        "agreement_id": agreement.id,
        "at": at.isoformat(),
        "transfers": rows,
        "summary": dict(Counter(row["status"] for row in rows)),
    }


def _classify(
    version: SubprocessorVersion,
    assessment: dict[str, Any],
    basis: str,
    decisions: ControllerDecisions,
) -> tuple[str, str, int | None]:
    if version.subprocessor_id in decisions.restricted:
        status, why = decisions.restricted[version.subprocessor_id]
        if status != IN_USE_OBJECTION_PENDING:
            return status, why, None
        # An objection to a sub-processor on the list leaves it in use, but takes nothing
        # away from what the location needs: a missing consent or safeguard still blocks.
        found = _classify(version, assessment, basis, replace(decisions, restricted={}))
        if found[0] in ("consent_required", SAFEGUARD_MISSING):
            return found[0], f"{found[1]} {why}", None
        return status, why, found[2]
    if assessment["zone"] == "eea":
        return "allowed_eea", "Inside the EEA (Art. 3.1).", None
    if basis == safeguards.BASIS_NONE:
        return (
            SAFEGUARD_MISSING,
            "Outside the EEA, no adequacy decision covers the recipient and the entry names no "
            "Art. 46 safeguard: the transfer has no basis in GDPR Chapter V, and the "
            "controller's consent does not replace one.",
            None,
        )
    rests_on = _rests_on(version, assessment)
    if not assessment["requires_consent"]:
        return "allowed_adequacy", f"No prior consent needed (Art. 3.3); {rests_on}.", None
    consent = decisions.consent_for(assessment["code"], version.subprocessor_id)
    if consent is not None:
        return (
            "consent_given",
            f"Prior consent given (Art. 3.1) on {consent.given_at.date()} (consent "
            f"{consent.id}); {rests_on}.",
            consent.id,
        )
    why = "; ".join(assessment.get("conditions") or []) or "No adequacy decision applies."
    return (
        "consent_required",
        f"Prior consent required (Art. 3.1): {why} Once given, {rests_on}.",
        None,
    )


def _rests_on(version: SubprocessorVersion, assessment: dict[str, Any]) -> str:
    """What the transfer rests on in law, as a phrase."""
    if assessment["zone"] == "adequate":
        decision = (assessment.get("adequacy") or {}).get("decision", "")
        return f"the transfer rests on the adequacy decision {decision} (Art. 45 GDPR)"
    mechanism = display_value("transfer_mechanism", version.transfer_mechanism, "en")
    return f"the transfer rests on {mechanism}"
