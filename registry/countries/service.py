"""Where may personal data go under this agreement? Pure functions over the adequacy data.

No database: the data file is read once, and every answer is a function of
(location code, date, DPF certification). Zones follow GDPR: ``eea``, ``adequate`` (an
Art. 45 decision applies to this recipient) or ``third_country``. ``requires_consent`` follows
the agreement: Art. 3.1 allows the EEA, Art. 3.3 allows adequacy except where the contract
excludes a place (Quebec); everything else needs the controller's prior consent.

Conditions and warnings are English strings; those the code writes are ``phrases.Phrase``s, so
mail can read them in the reader's language (``phrases.translate``) while the API stays English.
"""

from __future__ import annotations

import functools
from datetime import date, timedelta
from typing import Any

from registry.countries import data, data_checks
from registry.countries.data import AdequacyData, Decision, Territory
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


@functools.cache
def load() -> AdequacyData:
    """The packaged data file, read and checked once per process."""
    return data.read(data.DATA_FILE)


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


def assess(code: str, at: date, *, dpf_certified: bool = False) -> dict[str, Any]:
    """Assess one location at one date; a fresh JSON-ready dict on every call."""
    normalised = normalise(code)
    if dpf_certified and not _needs_certification(normalised):
        dpf_certified = False  # irrelevant here; keeps the cache small
    return _fresh(_assess(normalised, at, dpf_certified))


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
    return tuple(sorted(days))


def country_name(code: str, language: str) -> str:
    """The English or Dutch (or any pycountry language) name of a location code."""
    normalised = normalise(code)
    return place_name(normalised, language)


# --- assessment -----------------------------------------------------------------------------


@functools.lru_cache(maxsize=8192)
def _assess(code: str, at: date, dpf_certified: bool) -> dict[str, Any]:
    adequacy = load()
    country = code[:2]
    territory = adequacy.territories.get(code) or adequacy.territories.get(country)
    conditions: list[str] = []
    warnings: list[str] = []
    found: dict[str, Any] | None = None

    if territory is not None and not territory.confirmed:
        warnings.append(
            Phrase(N_("Unconfirmed in the registry's data: %(note)s"), note=territory.note)
        )

    if _in_eea(adequacy, country, territory):
        zone = ZONE_EEA
    else:
        decisions = _decisions_for(adequacy, code, territory)
        zone, found, conditions, more = _outside_eea(decisions, at, dpf_certified)
        warnings.extend(more)

    exclusion = adequacy.exclusions.get(code)
    if exclusion is not None:
        conditions.append(exclusion.rule)
    return {
        "code": code,
        "country": country,
        "name": place_name(code, "en"),
        "name_nl": place_name(code, "nl"),
        "zone": zone,
        "adequacy": found,
        "requires_consent": zone == ZONE_THIRD_COUNTRY or exclusion is not None,
        "contract_exclusion": (
            {"article": exclusion.article, "rule": exclusion.rule} if exclusion else None
        ),
        "conditions": conditions,
        "warnings": warnings,
        "as_of": at.isoformat(),
    }


def _outside_eea(
    decisions: tuple[Decision, ...], at: date, dpf_certified: bool
) -> tuple[str, dict[str, Any] | None, list[str], list[str]]:
    """Zone, adequacy, conditions and warnings where only an adequacy decision can help."""
    current = next((d for d in decisions if d.in_force(at)), None)
    if current is None:
        warnings = [_no_decision_warning(decisions, at)] if decisions else []
        return ZONE_THIRD_COUNTRY, None, [], warnings
    conditions = list(current.conditions)
    warnings = [*current.warnings, *_decision_warnings(current, at)]
    if current.requires_certification and not dpf_certified:
        conditions.append(
            Phrase(
                # Translators: the recipient is the sub-processor the data would go to.
                N_(
                    "The recipient is not marked as certified under the %(framework)s: "
                    "prior consent is required (agreement Art. 3.1)."
                ),
                framework=current.requires_certification,
            )
        )
        return ZONE_THIRD_COUNTRY, None, conditions, warnings
    return ZONE_ADEQUATE, _adequacy(current), conditions, warnings


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
    for key in ("adequacy", "contract_exclusion"):
        if copy[key] is not None:
            copy[key] = dict(copy[key])
    copy["conditions"] = list(copy["conditions"])
    copy["warnings"] = list(copy["warnings"])
    return copy


def _in_eea(adequacy: AdequacyData, country: str, territory: Territory | None) -> bool:
    if territory is not None:
        return territory.status == data.EEA
    return country in adequacy.eea


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
