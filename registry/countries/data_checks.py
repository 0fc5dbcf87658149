"""Checks of the loaded adequacy data against pycountry and the calendar.

The schemas (``data_schemas``) see the file's shape; these rules need ISO 3166, today's date,
or several sections at once (an EEA member needs no decision; one code's periods must not
overlap).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import TYPE_CHECKING

import pycountry

if TYPE_CHECKING:
    from registry.countries.data import AdequacyData, Decision


def is_country(code: str) -> bool:
    return len(code) == 2 and code.isalpha() and pycountry.countries.get(alpha_2=code) is not None


def is_location(code: str) -> bool:
    """An ISO 3166-1 alpha-2 code or an ISO 3166-2 subdivision code, upper case."""
    if code != code.upper():
        return False
    if "-" in code:
        return pycountry.subdivisions.get(code=code) is not None
    return is_country(code)


def validate(data: AdequacyData, *, today: date | None = None) -> list[str]:
    """Unknown codes, EEA members with a decision, overlapping periods, stale labels."""
    return [
        *_aliases(data),
        *_eea_members(data),
        *_territories(data),
        *_decisions(data),
        *_privacy_shield_labels(data, today),
        *_exclusions(data),
        *_membership(data),
        *_other_codes(data),
    ]


def _aliases(data: AdequacyData) -> Iterator[str]:
    for alias, target in data.aliases.items():
        if is_country(alias):
            yield f"alias {alias}: is itself an ISO 3166-1 code"
        if not is_country(target):
            yield f"alias {alias}: target {target} is not an ISO 3166-1 alpha-2 code"


def _eea_members(data: AdequacyData) -> Iterator[str]:
    for code in data.eea:
        if not is_country(code):
            yield f"EEA member {code}: not an ISO 3166-1 alpha-2 code"


def _territories(data: AdequacyData) -> Iterator[str]:
    eea = set(data.eea)
    for code, territory in data.territories.items():
        if not is_location(code):
            yield f"territory {code}: not an ISO 3166-1 or ISO 3166-2 code"
        if code in eea:
            yield f"territory {code}: is also listed as an EEA member"
        if territory.same_as is not None and not is_country(territory.same_as):
            yield f"territory {code}: same_as {territory.same_as} is not an ISO 3166-1 code"


def _decisions(data: AdequacyData) -> Iterator[str]:
    eea = set(data.eea)
    for code, rows in data.by_code.items():
        if not is_location(code):
            yield f"decision for {code}: not an ISO 3166-1 or ISO 3166-2 code"
        if code in eea:
            yield f"decision for {code}: an EEA member needs no adequacy decision"
        for earlier, later in zip(rows, rows[1:], strict=False):
            if earlier.until is None or later.in_effect_from <= earlier.until:
                yield (
                    f"decisions for {code} overlap: {earlier.decision} "
                    f"({_period(earlier)}) and {later.decision} ({_period(later)})"
                )


def _privacy_shield_labels(data: AdequacyData, today: date | None) -> Iterator[str]:
    """The Court of Justice invalidated the Privacy Shield: no current decision may carry it."""
    if today is None:
        return
    for row in data.decisions:
        if row.until is None or row.until >= today:
            if any("privacy shield" in text.lower() for text in row.texts()):
                yield (
                    f"decision {row.code or row.name} {row.decision}: labelled Privacy Shield "
                    f"but in force on or after {today.isoformat()} (invalidated 2020-07-16)"
                )


def _exclusions(data: AdequacyData) -> Iterator[str]:
    for code in data.exclusions:
        if not is_location(code):
            yield f"contract exclusion {code}: not an ISO 3166-1 or ISO 3166-2 code"


def _membership(data: AdequacyData) -> Iterator[str]:
    """Periods of one code do not overlap; today's members, and only they, have an open one."""
    eea = set(data.eea)
    for code, rows in data.membership.items():
        if not is_location(code):
            yield f"membership {code}: not an ISO 3166-1 or ISO 3166-2 code"
        for earlier, later in zip(rows, rows[1:], strict=False):
            if earlier.until is None or later.in_effect_from <= earlier.until:
                yield f"membership {code}: periods from {earlier.in_effect_from} overlap"
        is_open = bool(rows) and rows[-1].until is None
        if is_open and data.eu and data.efta and code not in eea:  # else said already
            yield f"membership {code}: an open period, but not listed as an EEA member"
    open_codes = {c for c, rows in data.membership.items() if rows[-1].until is None}
    for code in sorted(c for c in eea - open_codes if is_country(c)):  # else said already
        yield f"EEA member {code}: no open membership period"


def _other_codes(data: AdequacyData) -> Iterator[str]:
    for code in data.readings:
        if not is_location(code):
            yield f"contract reading {code}: not an ISO 3166-1 or ISO 3166-2 code"
    for code in data.names:
        if not is_location(code):
            yield f"name {code}: not an ISO 3166-1 or ISO 3166-2 code"


def _period(decision: Decision) -> str:
    until = decision.until.isoformat() if decision.until else "open"
    return f"{decision.in_effect_from.isoformat()} to {until}"
