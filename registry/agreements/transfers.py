"""Every location of the list in force, as it applies to one controller (Art. 3.1).

The order of the checks is the order of precedence: what the contract allows outright,
then what the controller decided (exclusion, pending objection, consent).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select

from registry.agreements.models import Agreement, Consent
from registry.agreements.signals import transfer_restrictions
from registry.countries import service as countries
from registry.events import answers
from registry.extensions import db
from registry.subprocessors import service as subprocessors
from registry.subprocessors.models import SubprocessorVersion

EXCLUDED = "excluded"


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
                location["code"], at.date(), dpf_certified=version.dpf_certified
            )
            status, reason, consent_id = _classify(version.subprocessor_id, assessment, decisions)
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
                }
            )
    return {
        "agreement_id": agreement.id,
        "at": at.isoformat(),
        "transfers": rows,
        "summary": dict(Counter(row["status"] for row in rows)),
    }


def _classify(
    subprocessor_id: int, assessment: dict[str, Any], decisions: ControllerDecisions
) -> tuple[str, str, int | None]:
    if subprocessor_id in decisions.restricted:
        status, why = decisions.restricted[subprocessor_id]
        return status, why, None
    if assessment["zone"] == "eea":
        return "allowed_eea", "Inside the EEA (Art. 3.1).", None
    if not assessment["requires_consent"]:
        decision = (assessment.get("adequacy") or {}).get("decision", "")
        return "allowed_adequacy", f"Adequacy decision {decision} (Art. 3.3).".strip(), None
    consent = decisions.consent_for(assessment["code"], subprocessor_id)
    if consent is not None:
        return (
            "consent_given",
            f"Prior consent {consent.id} of {consent.given_at.date()}.",
            consent.id,
        )
    why = "; ".join(assessment.get("conditions") or []) or "No adequacy decision applies."
    return "consent_required", f"Outside the EEA without adequacy: {why} (Art. 3.1)", None
