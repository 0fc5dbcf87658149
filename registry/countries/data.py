"""The adequacy data file: reading it, and checking it against pycountry.

The facts live in ``adequacy.json`` (see its ``conventions``), never in code, so that a new
decision, an expiry or a court ruling is a data change with a date. ``data_schemas`` checks
the file's shape, ``data_checks`` its codes, periods and labels.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from registry.countries import data_schemas
from registry.countries.data_checks import validate
from registry.countries.data_schemas import EEA, OUTSIDE_EEA

DATA_FILE = Path(__file__).with_name("adequacy.json")


class DataError(Exception):
    """The data file cannot be used; ``problems`` says why, one line each."""

    def __init__(self, path: Path, problems: list[str]) -> None:
        super().__init__(f"{path}: " + "; ".join(problems))
        self.path = path
        self.problems = problems


@dataclass(frozen=True)
class Territory:
    code: str
    status: str
    note: str
    same_as: str | None = None
    confirmed: bool = True


@dataclass(frozen=True)
class Decision:
    code: str | None
    decision: str
    in_effect_from: date
    until: date | None
    scope: str
    source: str
    conditions: tuple[str, ...] = ()
    name: str | None = None
    name_nl: str | None = None
    ended_by: str | None = None
    requires_certification: str | None = None
    warnings: tuple[str, ...] = ()
    confirmed: bool = True
    note: str | None = None
    limited_scope: bool = False
    certification_assumed: bool = False

    def in_force(self, at: date) -> bool:
        """``until`` is the last day the decision applies (inclusive)."""
        return self.in_effect_from <= at and (self.until is None or at <= self.until)

    def texts(self) -> tuple[str, ...]:
        return (self.decision, self.scope, *self.conditions, self.requires_certification or "")


@dataclass(frozen=True)
class Membership:
    """One period in which a code was in the EEA (as an EU member, an EFTA state, in transition)."""

    code: str
    status: str
    in_effect_from: date
    until: date | None = None
    note: str | None = None
    condition: str | None = None

    def in_force(self, at: date) -> bool:
        return self.in_effect_from <= at and (self.until is None or at <= self.until)


@dataclass(frozen=True)
class ContractReading:
    """How the registry reads a clause of the agreement for a code."""

    code: str
    article: str
    reading: str
    quote: str | None = None


@dataclass(frozen=True)
class ContractExclusion:
    code: str
    article: str
    rule: str
    quote: str | None = None


@dataclass(frozen=True)
class AdequacyData:
    path: Path
    verified_on: date
    sources: tuple[Mapping[str, str], ...]
    aliases: Mapping[str, str]
    eu: tuple[str, ...]
    efta: tuple[str, ...]
    territories: Mapping[str, Territory]
    decisions: tuple[Decision, ...]
    exclusions: Mapping[str, ContractExclusion]
    by_code: Mapping[str, tuple[Decision, ...]] = field(default_factory=dict)
    membership: Mapping[str, tuple[Membership, ...]] = field(default_factory=dict)
    readings: Mapping[str, ContractReading] = field(default_factory=dict)
    names: Mapping[str, Mapping[str, str]] = field(default_factory=dict)

    @property
    def eea(self) -> tuple[str, ...]:
        return self.eu + self.efta


@functools.cache
def packaged() -> AdequacyData:
    """The packaged data file, read and checked once per process."""
    return read(DATA_FILE)


def read(path: Path = DATA_FILE, *, today: date | None = None) -> AdequacyData:
    """Parse and check the file; raise DataError listing every problem."""
    data, problems = _parse(path)
    if data is not None:
        problems += validate(data, today=today)
    if problems or data is None:
        raise DataError(path, problems)
    return data


def check(path: Path, *, today: date) -> tuple[list[str], list[str]]:
    """Return (what was checked, problems) for ``registry adequacy check``."""
    data, problems = _parse(path)
    if data is None:
        return [], problems
    problems += validate(data, today=today)
    located = [d for d in data.decisions if d.code is not None]
    checked = [
        f"verified_on {data.verified_on.isoformat()}, {len(data.sources)} sources",
        f"{len(data.eea)} EEA members ({len(data.eu)} EU, {len(data.efta)} EFTA) "
        "are ISO 3166-1 codes",
        f"{len(data.aliases)} aliases point at ISO 3166-1 codes",
        f"{len(data.territories)} territories are ISO 3166-1 or ISO 3166-2 codes "
        f"({sum(t.status == EEA for t in data.territories.values())} treated as EEA, "
        f"{sum(t.status == OUTSIDE_EEA for t in data.territories.values())} outside)",
        f"{len(located)} decisions for {len({d.code for d in located})} codes: dates parse, "
        "until after in_effect_from, no overlapping periods per code",
        f"{len(data.decisions) - len(located)} decision(s) without an ISO code (listed, "
        "not assessable)",
        f"{len(data.membership)} codes with dated membership: periods do not overlap, "
        "today's EEA members and no others have an open one",
        f"{len(data.exclusions)} contract exclusion(s), {len(data.readings)} contract "
        f"reading(s) and {len(data.names)} name(s) are ISO codes",
        f"no decision in force on or after {today.isoformat()} is labelled Privacy Shield",
    ]
    return checked, problems


# --- reading --------------------------------------------------------------------------------


def _parse(path: Path) -> tuple[AdequacyData | None, list[str]]:
    try:
        raw = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as error:
        return None, [f"cannot read the file: {error.strerror or error}"]
    except json.JSONDecodeError as error:
        return None, [f"not valid JSON: {error}"]
    if not isinstance(raw, dict):
        return None, ["the file must hold a JSON object"]
    loaded, problems = data_schemas.load(raw)
    if "verified_on" not in loaded:
        return None, problems
    return _assemble(Path(path), loaded), problems


def _assemble(path: Path, loaded: Mapping[str, Any]) -> AdequacyData:
    """The data from what the schema loaded; sections it could not load are left empty."""
    eea = loaded.get("eea", {})
    territories = [Territory(**row) for row in loaded.get("territories", [])]
    exclusions = [ContractExclusion(**row) for row in loaded.get("contract_exclusions", [])]
    decisions = tuple(_decision(row) for row in loaded.get("decisions", []))
    by_code: dict[str, list[Decision]] = {}
    for decision in decisions:
        if decision.code is not None:
            by_code.setdefault(decision.code, []).append(decision)
    membership: dict[str, list[Membership]] = {}
    for row in loaded.get("membership", []):
        membership.setdefault(row["code"], []).append(Membership(**row))
    readings = [ContractReading(**row) for row in loaded.get("contract_readings", [])]
    return AdequacyData(
        path=path,
        verified_on=loaded["verified_on"],
        sources=tuple(loaded.get("sources", ())),
        aliases=loaded.get("aliases", {}),
        eu=tuple(eea.get("eu", ())),
        efta=tuple(eea.get("efta", ())),
        territories={territory.code: territory for territory in territories},
        decisions=decisions,
        exclusions={exclusion.code: exclusion for exclusion in exclusions},
        by_code={
            code: tuple(sorted(rows, key=lambda d: d.in_effect_from))
            for code, rows in by_code.items()
        },
        membership={
            code: tuple(sorted(rows, key=lambda m: m.in_effect_from))
            for code, rows in membership.items()
        },
        readings={reading.code: reading for reading in readings},
        names=loaded.get("names", {}),
    )


def _decision(row: Mapping[str, Any]) -> Decision:
    return Decision(
        **{**row, "conditions": tuple(row["conditions"]), "warnings": tuple(row["warnings"])}
    )
