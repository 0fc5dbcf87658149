"""Where may personal data go under this agreement? Pure functions over the adequacy data.

No database: the data file is read once, and every answer is a function of
(location code, date, DPF certification, scope confirmation). Zones follow GDPR: ``eea`` (by
dated membership), ``adequate`` (an Art. 45 decision, or the UK's bridge, applies to this
recipient) or ``third_country``. A decision of limited scope warns unless the entry confirms
the recipient falls within it; it never changes the zone. ``requires_consent`` follows
the agreement: Art. 3.1 allows the EEA, Art. 3.3 allows adequacy except where the contract
excludes a place (Quebec); everything else needs the controller's prior consent.

Conditions and warnings are English strings; those the code writes are ``phrases.Phrase``s, so
mail can read them in the reader's language (``phrases.translate``) while the API stays English.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from registry.countries import data, data_checks
from registry.countries.data import (
    AdequacyData,
    ContractReading,
    Decision,
    Membership,
    Territory,
)
from registry.countries.names import place_name
from registry.countries.phrases import N_, Phrase, Place, Sentences
from registry.errors import Invalid

ZONE_EEA = "eea"
ZONE_ADEQUATE = "adequate"
ZONE_THIRD_COUNTRY = "third_country"
ZONES = (ZONE_EEA, ZONE_ADEQUATE, ZONE_THIRD_COUNTRY)

# A decision that ends without a successor is flagged this long before its last day.
EXPIRY_WARNING_DAYS = 180


class UnknownLocation(Invalid):
    """A location code that is neither ISO 3166-1 alpha-2 nor ISO 3166-2."""

    def __init__(self, code: object, *, field: str = "code") -> None:
        shown = str(code)
        if len(shown) > 16:
            shown = shown[:16] + "…"
        super().__init__(
            field,
            f"Unknown location code '{shown}': not an ISO 3166-1 alpha-2 or ISO 3166-2 code.",
        )
        self.code = code


def load() -> AdequacyData:
    """The packaged data file, read and checked once per process."""
    return data.packaged()


@functools.lru_cache(maxsize=4096)
def normalise(code: str) -> str:
    """Upper-case, trim and de-alias a location code; raise UnknownLocation if it is none."""
    if not isinstance(code, str):
        raise UnknownLocation(code)
    cleaned = code.strip().upper()
    country, dash, subdivision = cleaned.partition("-")
    aliases = load().aliases
    candidate = aliases.get(country, country) + dash + subdivision
    if not data_checks.is_location(candidate):
        raise UnknownLocation(code)
    return candidate


def assess(
    code: str,
    at: date,
    *,
    dpf_certified: bool = False,
    adequacy_scope_confirmed: bool = False,
) -> dict[str, Any]:
    """Assess one location at one date; a fresh JSON-ready dict on every call.

    ``dpf_certified``: the recipient is on the DPF List (for places under the US rule);
    ``adequacy_scope_confirmed``: the recipient falls within a limited decision's scope.
    """
    normalised = normalise(code)
    if dpf_certified and not _needs_certification(normalised):
        dpf_certified = False  # irrelevant here; keeps the cache small
    if adequacy_scope_confirmed and not _has_limited_scope(normalised):
        adequacy_scope_confirmed = False
    return _fresh(_assess(normalised, at, dpf_certified, adequacy_scope_confirmed))


def adequacy_table(at: date) -> dict[str, Any]:
    """EEA, territories, decisions in force at ``at`` and the rest as history."""
    adequacy = load()
    in_force = [d for d in adequacy.decisions if d.in_force(at)]
    history = [d for d in adequacy.decisions if not d.in_force(at)]
    return {
        "as_of": at.isoformat(),
        "verified_on": adequacy.verified_on.isoformat(),
        "sources": [dict(source) for source in adequacy.sources],
        "eea": sorted(adequacy.eea),
        "eea_territories": _territories(adequacy, data.EEA),
        "outside_eea_territories": _territories(adequacy, data.OUTSIDE_EEA),
        "decisions": [_table_row(d) for d in _ordered(in_force)],
        "history": [
            {**_table_row(d), "status": "ended" if _ended(d, at) else "not_yet_in_force"}
            for d in _ordered(history)
        ],
        "contract_exclusions": [
            {
                "code": exclusion.code,
                "name": country_name(exclusion.code, "en"),
                "name_nl": country_name(exclusion.code, "nl"),
                "article": exclusion.article,
                "rule": exclusion.rule,
            }
            for exclusion in adequacy.exclusions.values()
        ],
    }


def change_dates() -> list[date]:
    """Every day on which some assessment or the table differs from the day before."""
    return list(_change_dates())


@functools.cache
def _change_dates() -> tuple[date, ...]:
    days: set[date] = set()
    for decision in load().decisions:
        days.add(decision.in_effect_from)
        if decision.until is not None:
            days.add(decision.until + timedelta(days=1))
            warn_from = _expiry_warning_from(decision)
            if warn_from is not None:
                days.add(warn_from)
    for rows in load().membership.values():
        for row in rows:
            days.add(row.in_effect_from)
            if row.until is not None:
                days.add(row.until + timedelta(days=1))
    return tuple(sorted(days))


def country_name(code: str, language: str) -> str:
    """The English or Dutch (or any pycountry language) name of a location code."""
    normalised = normalise(code)
    return place_name(normalised, language)


# --- assessment -----------------------------------------------------------------------------


@functools.lru_cache(maxsize=8192)
def _assess(code: str, at: date, dpf_certified: bool, scope_confirmed: bool) -> dict[str, Any]:
    adequacy = load()
    country = code[:2]
    territory = adequacy.territories.get(code) or adequacy.territories.get(country)
    conditions: list[str] = []
    warnings: list[str] = []
    found: dict[str, Any] | None = None
    scope: dict[str, Any] | None = None

    if territory is not None and not territory.confirmed:
        warnings.append(
            Phrase(N_("Unconfirmed in the registry's data: %(note)s"), note=territory.note)
        )

    member = _membership_at(adequacy, code, territory, at)
    if member is not None:
        zone = ZONE_EEA
        conditions.extend([member.condition] if member.condition else [])
    else:
        decisions = _decisions_for(adequacy, code, territory)
        zone, current, found, more = _outside_eea(decisions, at, dpf_certified)
        conditions.extend(more.conditions)
        warnings.extend(more.warnings)
        if zone == ZONE_ADEQUATE and current is not None and current.limited_scope:
            scope = _scope(current, scope_confirmed, warnings)

    exclusion = adequacy.exclusions.get(code)
    if exclusion is not None:
        conditions.append(exclusion.rule)
    reading = _reading_for(adequacy, code, territory)
    if reading is not None:
        conditions.append(_reading_phrase(reading))
    return {
        "code": code,
        "country": country,
        "name": place_name(code, "en"),
        "name_nl": place_name(code, "nl"),
        "zone": zone,
        "adequacy": found,
        "scope": scope,
        "requires_consent": zone == ZONE_THIRD_COUNTRY or exclusion is not None,
        "contract_exclusion": (
            {"article": exclusion.article, "rule": exclusion.rule} if exclusion else None
        ),
        "contract_reading": (
            {"article": reading.article, "reading": reading.reading} if reading else None
        ),
        "conditions": conditions,
        "warnings": warnings,
        "as_of": at.isoformat(),
    }


@dataclass
class _Texts:
    conditions: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def _membership_at(
    adequacy: AdequacyData, code: str, territory: Territory | None, at: date
) -> Membership | None:
    """The membership row that puts the code in the EEA at ``at``, or a stand-in for a
    territory whose status is EEA; None outside the EEA.

    The code's own rows decide first (Gibraltar was in the EU until 2020); then a territory's
    current status; then the country's rows (a subdivision of a member state).
    """
    rows = adequacy.membership.get(code)
    if rows is None and territory is None:
        rows = adequacy.membership.get(code[:2], ())
    current = next((row for row in rows or () if row.in_force(at)), None)
    if current is not None:
        return current
    if rows is None and territory is not None and territory.status == data.EEA:
        return _TERRITORY_IN_EEA
    return None


_TERRITORY_IN_EEA = Membership(code="", status="territory", in_effect_from=date.min)


def _scope(decision: Decision, confirmed: bool, warnings: list[str]) -> dict[str, Any]:
    """A decision that covers only some recipients: warn unless the entry confirms it."""
    if not confirmed:
        warnings.append(
            Phrase(
                # Translators: the entry is the sub-processor's record on the list.
                N_(
                    "The adequacy decision %(decision)s covers only part of the recipients "
                    "there (%(scope)s); the entry does not confirm that this recipient falls "
                    "within that scope."
                ),
                decision=decision.decision,
                scope=decision.scope,
            )
        )
    return {"limited": True, "text": decision.scope, "confirmed": confirmed}


def _reading_for(
    adequacy: AdequacyData, code: str, territory: Territory | None
) -> ContractReading | None:
    """A reading of the code itself, else of the country whose rule the code follows."""
    if code in adequacy.readings:
        return adequacy.readings[code]
    follows = (territory.same_as or territory.code) if territory is not None else code[:2]
    return adequacy.readings.get(follows)


def _reading_phrase(reading: ContractReading) -> str:
    return Phrase(N_("How the registry reads the agreement: %(reading)s"), reading=reading.reading)


def _outside_eea(
    decisions: tuple[Decision, ...], at: date, dpf_certified: bool
) -> tuple[str, Decision | None, dict[str, Any] | None, _Texts]:
    """Zone, decision, adequacy and texts where only an adequacy decision can help."""
    current = next((d for d in decisions if d.in_force(at)), None)
    if current is None:
        warnings = [_no_decision_warning(decisions, at)] if decisions else []
        return ZONE_THIRD_COUNTRY, None, None, _Texts(warnings=warnings)
    texts = _Texts(list(current.conditions), [*current.warnings, *_decision_warnings(current, at)])
    if current.requires_certification and not dpf_certified:
        texts.conditions.append(
            Phrase(
                # Translators: the recipient is the sub-processor the data would go to.
                N_(
                    "The recipient is not marked as certified under the %(framework)s: "
                    "prior consent is required (agreement Art. 3.1)."
                ),
                framework=current.requires_certification,
            )
        )
        return ZONE_THIRD_COUNTRY, current, None, texts
    if current.requires_certification and current.certification_assumed:
        texts.warnings.append(
            Phrase(
                N_(
                    "At this date the %(framework)s applied: the recipient's certification "
                    "under it is assumed from its certification under the EU-US Data Privacy "
                    "Framework, not recorded."
                ),
                framework=current.requires_certification,
            )
        )
    return ZONE_ADEQUATE, current, _adequacy(current), texts


def _decision_warnings(current: Decision, at: date) -> list[str]:
    """An unconfirmed fact in the data, and an end date that nothing takes over from."""
    warnings: list[str] = []
    if not current.confirmed:
        warnings.append(
            Phrase(
                N_(
                    "Unconfirmed in the registry's data (verified %(verified_on)s): "
                    "%(decision)s: %(note)s"
                ),
                verified_on=load().verified_on,
                decision=current.decision,
                note=current.note,
            )
        )
    warn_from = _expiry_warning_from(current)
    if warn_from is not None and at >= warn_from:
        warnings.append(
            Phrase(
                N_(
                    "The adequacy decision %(decision)s for %(name)s expires after %(until)s; "
                    "from then on transfers need prior consent unless it is renewed."
                ),
                decision=current.decision,
                name=_decision_name(current),
                until=current.until,
            )
        )
    return warnings


def _fresh(result: dict[str, Any]) -> dict[str, Any]:
    """A copy deep enough that callers cannot change the cached answer."""
    copy = dict(result)
    for key in ("adequacy", "scope", "contract_exclusion", "contract_reading"):
        if copy[key] is not None:
            copy[key] = dict(copy[key])
    copy["conditions"] = list(copy["conditions"])
    copy["warnings"] = list(copy["warnings"])
    return copy


def _decisions_for(
    adequacy: AdequacyData, code: str, territory: Territory | None
) -> tuple[Decision, ...]:
    """A decision for the code itself wins; else its territory's, else its country's."""
    if code in adequacy.by_code:
        return adequacy.by_code[code]
    if territory is not None:
        # A territory outside the EEA never borrows the decision of the state it belongs to.
        return adequacy.by_code.get(territory.same_as or territory.code, ())
    return adequacy.by_code.get(code[:2], ())


def _has_limited_scope(code: str) -> bool:
    adequacy = load()
    territory = adequacy.territories.get(code) or adequacy.territories.get(code[:2])
    return any(d.limited_scope for d in _decisions_for(adequacy, code, territory))


def _needs_certification(code: str) -> bool:
    adequacy = load()
    territory = adequacy.territories.get(code) or adequacy.territories.get(code[:2])
    return any(d.requires_certification for d in _decisions_for(adequacy, code, territory))


def _expiry_warning_from(decision: Decision) -> date | None:
    """When to start warning of a scheduled end that no decision takes over the next day.

    None for open-ended decisions, for renewals without a gap, and for decisions a court
    ended (no one could have seen that coming).
    """
    if decision.code is None or decision.until is None or decision.ended_by:
        return None
    following = decision.until + timedelta(days=1)
    if any(d.in_effect_from == following for d in load().by_code[decision.code]):
        return None
    return decision.until - timedelta(days=EXPIRY_WARNING_DAYS)


def _no_decision_warning(decisions: tuple[Decision, ...], at: date) -> str:
    name = _decision_name(decisions[0])
    parts = [Phrase(N_("No adequacy decision for %(name)s is in force at this date."), name=name)]
    ended = [d for d in decisions if d.until is not None and d.until < at]
    if ended:
        last = ended[-1]
        parts.append(
            Phrase(
                # Translators: a decision's number applied until a date; what ended it, e.g.
                # "invalidated by the Court of Justice on 2020-07-16 (Schrems II, C-311/18)".
                N_("%(decision)s applied until %(until)s; %(ended_by)s."),
                decision=last.decision,
                until=last.until,
                ended_by=last.ended_by,
            )
            if last.ended_by
            else Phrase(
                N_("%(decision)s applied until %(until)s."),
                decision=last.decision,
                until=last.until,
            )
        )
    upcoming = [d for d in decisions if d.in_effect_from > at]
    if upcoming:
        parts.append(
            Phrase(
                N_("%(decision)s applies from %(since)s."),
                decision=upcoming[0].decision,
                since=upcoming[0].in_effect_from,
            )
        )
    return Sentences(*parts)


def _decision_name(decision: Decision) -> str:
    return Place(decision.code) if decision.code else decision.name or ""


def _adequacy(decision: Decision) -> dict[str, Any]:
    return {
        "decision": decision.decision,
        "in_effect_from": decision.in_effect_from.isoformat(),
        "until": decision.until.isoformat() if decision.until else None,
        "scope": decision.scope,
        "source": decision.source,
    }


# --- the table ------------------------------------------------------------------------------


def _ordered(decisions: list[Decision]) -> list[Decision]:
    return sorted(
        decisions, key=lambda d: (d.code is None, d.code or d.name or "", d.in_effect_from)
    )


def _ended(decision: Decision, at: date) -> bool:
    return decision.until is not None and decision.until < at


def _table_row(decision: Decision) -> dict[str, Any]:
    if decision.code is None:
        name, name_nl = decision.name or "", decision.name_nl or ""
    else:
        name, name_nl = place_name(decision.code, "en"), place_name(decision.code, "nl")
    return {
        "code": decision.code,
        "name": name,
        "name_nl": name_nl,
        "decision": decision.decision,
        "in_effect_from": decision.in_effect_from.isoformat(),
        "until": decision.until.isoformat() if decision.until else None,
        "ended_by": decision.ended_by,
        "scope": decision.scope,
        "conditions": list(decision.conditions),
        "source": decision.source,
        "confirmed": decision.confirmed,
    }


def _territories(adequacy: AdequacyData, status: str) -> list[dict[str, Any]]:
    return [
        {
            "code": territory.code,
            "name": place_name(territory.code, "en"),
            "name_nl": place_name(territory.code, "nl"),
            "same_as": territory.same_as,
            "note": territory.note,
            "confirmed": territory.confirmed,
        }
        for territory in sorted(adequacy.territories.values(), key=lambda t: t.code)
        if territory.status == status
    ]
