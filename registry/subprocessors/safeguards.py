"""What a transfer rests on in law (GDPR Chapter V), apart from what the contract asks.

The contract (Art. 3.1, 3.3) asks the controller's prior consent outside the EEA unless an
adequacy decision applies; the law asks every transfer outside the EEA to rest on an adequacy
decision that covers the recipient (Art. 45), on an appropriate safeguard (Art. 46, 47) or, for
occasional transfers only, on a derogation (Art. 49). Consent under the contract never replaces
a safeguard: an entry is checked against the law here, and the transfers view shows both.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from registry.countries import service as countries
from registry.countries.phrases import N_, Phrase
from registry.errors import Invalid

ADEQUACY = "adequacy"
DEROGATION = "derogation"
# Appropriate safeguards of Art. 46 (binding corporate rules: Art. 46(2)(b) with Art. 47).
ART46 = ("scc", "bcr", "ad_hoc_clauses", "code_of_conduct", "certification")
TRANSFER_MECHANISMS = (ADEQUACY, *ART46, DEROGATION)

# Lawful bases of one location, as the transfers view names them.
BASIS_EEA = "eea"
BASIS_ADEQUACY = "adequacy"
BASIS_SAFEGUARD = "art46_safeguard"
BASIS_DEROGATION = "art49_derogation"
BASIS_NONE = "none"

# A DPF certification is re-checked on the DPF List at least this often.
DPF_CHECK_MAX_DAYS = 365

DEROGATION_WARNING = N_(
    "An Art. 49 GDPR derogation covers occasional transfers, not the standing use of a "
    "sub-processor (EDPB Guidelines 2/2018); a safeguard of Art. 46 is expected."
)
STALE_DPF_WARNING = N_(
    "The DPF certification was last checked on %(checked_on)s, more than 12 months ago; "
    "check the DPF List again."
)


def lawful_basis(zone: str, mechanism: str | None) -> str:
    """What a transfer to a location in ``zone`` rests on with the entry's ``mechanism``."""
    if zone == countries.ZONE_EEA:
        return BASIS_EEA
    if zone == countries.ZONE_ADEQUATE:
        return BASIS_ADEQUACY
    if mechanism in ART46:
        return BASIS_SAFEGUARD
    if mechanism == DEROGATION:
        return BASIS_DEROGATION
    return BASIS_NONE


def check_transfer_basis(entry: Mapping[str, Any], day: date) -> None:
    """Refuse an entry whose transfers would rest on nothing (422 naming the location)."""
    mechanism = entry.get("transfer_mechanism")
    for location in entry.get("locations") or []:
        code = location["code"]
        zone = countries.assess(
            code,
            day,
            dpf_certified=bool(entry.get("dpf_certified")),
            adequacy_scope_confirmed=bool(entry.get("adequacy_scope_confirmed")),
        )["zone"]
        if zone != countries.ZONE_THIRD_COUNTRY:
            continue
        if mechanism == ADEQUACY:
            raise Invalid(
                "subprocessor.transfer_mechanism",
                f"No adequacy decision covers this recipient at {code} on {day.isoformat()}: "
                f"name the Art. 46 safeguard the transfer rests on ({', '.join(ART46)}).",
            )
        if mechanism not in (*ART46, DEROGATION):
            raise Invalid(
                "subprocessor.transfer_mechanism",
                f"{code} is outside the EEA and no adequacy decision covers this recipient: "
                f"the transfer needs an Art. 46 safeguard ({', '.join(ART46)}); consent under "
                "the agreement does not replace it.",
            )


def entry_warnings(entry: Any, code: str, zone: str, day: date) -> list[str]:
    """Warnings that are facts of the entry, not of the country: a derogation used for a
    standing transfer, a DPF check more than 12 months old where certification counts."""
    warnings: list[str] = []
    if zone == countries.ZONE_THIRD_COUNTRY and _field(entry, "transfer_mechanism") == DEROGATION:
        warnings.append(Phrase(DEROGATION_WARNING))
    checked_on = dpf_check_stale(entry, code, day)
    if checked_on is not None:
        warnings.append(Phrase(STALE_DPF_WARNING, checked_on=checked_on))
    return warnings


def dpf_check_stale(entry: Any, code: str, day: date) -> date | None:
    """The date of a DPF check older than 12 months, where certification decides adequacy."""
    checked_on = _field(entry, "dpf_checked_on")
    if isinstance(checked_on, str):
        checked_on = date.fromisoformat(checked_on)
    if not _field(entry, "dpf_certified") or checked_on is None:
        return None
    if (day - checked_on).days <= DPF_CHECK_MAX_DAYS or not rests_on_certification(code, day):
        return None
    return checked_on


def rests_on_certification(code: str, day: date) -> bool:
    """Whether the recipient's certification decides adequacy at ``code`` (the US)."""
    certified = countries.assess(code, day, dpf_certified=True)["zone"]
    return certified != countries.assess(code, day)["zone"]


def assess_location(entry: Any, code: str, day: date) -> dict[str, Any]:
    """The location's assessment, with the entry's own warnings added."""
    assessment = countries.assess(
        code,
        day,
        dpf_certified=bool(_field(entry, "dpf_certified")),
        adequacy_scope_confirmed=bool(_field(entry, "adequacy_scope_confirmed")),
    )
    assessment["warnings"] += entry_warnings(entry, code, assessment["zone"], day)
    return assessment


def _field(entry: Any, name: str) -> Any:
    return entry.get(name) if isinstance(entry, Mapping) else getattr(entry, name)
