"""The adequacy data file: reading it, and checking it against pycountry.

The facts live in ``adequacy.json`` (see its ``conventions``), never in code, so that a new
decision, an expiry or a court ruling is a data change with a date.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import pycountry

DATA_FILE = Path(__file__).with_name("adequacy.json")

EEA = "eea"
OUTSIDE_EEA = "outside_eea"
TERRITORY_STATUSES = (EEA, OUTSIDE_EEA)


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

    def in_force(self, at: date) -> bool:
        """``until`` is the last day the decision applies (inclusive)."""
        return self.in_effect_from <= at and (self.until is None or at <= self.until)

    def texts(self) -> tuple[str, ...]:
        return (self.decision, self.scope, *self.conditions, self.requires_certification or "")


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

    @property
    def eea(self) -> tuple[str, ...]:
        return self.eu + self.efta


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
        f"{len(data.exclusions)} contract exclusion(s) are ISO codes",
        f"no decision in force on or after {today.isoformat()} is labelled Privacy Shield",
    ]
    return checked, problems


# --- parsing --------------------------------------------------------------------------------


def _parse(path: Path) -> tuple[AdequacyData | None, list[str]]:
    try:
        raw = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as error:
        return None, [f"cannot read the file: {error.strerror or error}"]
    except json.JSONDecodeError as error:
        return None, [f"not valid JSON: {error}"]
    if not isinstance(raw, dict):
        return None, ["the file must hold a JSON object"]
    problems: list[str] = []
    reader = _Reader(problems)

    verified_on = reader.day(raw, "verified_on", "file", required=True)
    sources = tuple(s for s in reader.sequence(raw, "sources", "file") if isinstance(s, dict))
    aliases = reader.mapping(raw, "aliases", "file")
    eea: dict[str, Any] = raw["eea"] if isinstance(raw.get("eea"), dict) else {}
    if not eea:
        problems.append("file: 'eea' must be an object with 'eu' and 'efta' lists")
    eu = tuple(str(c) for c in reader.sequence(eea, "eu", "eea"))
    efta = tuple(str(c) for c in reader.sequence(eea, "efta", "eea"))

    territories: dict[str, Territory] = {}
    for index, entry in enumerate(reader.sequence(raw, "territories", "file")):
        where = f"territories[{index}]"
        if not isinstance(entry, dict):
            problems.append(f"{where}: must be an object")
            continue
        code = reader.string(entry, "code", where, required=True)
        where = f"territory {code or index}"
        status = reader.string(entry, "status", where, required=True)
        if status is not None and status not in TERRITORY_STATUSES:
            problems.append(f"{where}: status must be one of {', '.join(TERRITORY_STATUSES)}")
        if code in territories:
            problems.append(f"{where}: listed twice")
        if code and status:
            territories[code] = Territory(
                code=code,
                status=status,
                note=reader.string(entry, "note", where, required=True) or "",
                same_as=reader.string(entry, "same_as", where),
                confirmed=reader.boolean(entry, "confirmed", where, default=True),
            )

    decisions: list[Decision] = []
    for index, entry in enumerate(reader.sequence(raw, "decisions", "file")):
        where = f"decisions[{index}]"
        if not isinstance(entry, dict):
            problems.append(f"{where}: must be an object")
            continue
        code = entry.get("code")
        if code is not None and not isinstance(code, str):
            problems.append(f"{where}: code must be a string or null")
            continue
        where = f"decision {code or entry.get('name') or index} {entry.get('decision', '')}"
        parsed = _parse_decision(reader, entry, code, where.strip())
        if parsed is not None:
            decisions.append(parsed)

    exclusions: dict[str, ContractExclusion] = {}
    for index, entry in enumerate(reader.sequence(raw, "contract_exclusions", "file")):
        where = f"contract_exclusions[{index}]"
        if not isinstance(entry, dict):
            problems.append(f"{where}: must be an object")
            continue
        code = reader.string(entry, "code", where, required=True)
        article = reader.string(entry, "article", f"exclusion {code}", required=True)
        rule = reader.string(entry, "rule", f"exclusion {code}", required=True)
        if code and article and rule:
            exclusions[code] = ContractExclusion(
                code=code, article=article, rule=rule, quote=entry.get("quote")
            )

    if verified_on is None:
        return None, problems
    by_code: dict[str, list[Decision]] = {}
    for decision in decisions:
        if decision.code is not None:
            by_code.setdefault(decision.code, []).append(decision)
    return (
        AdequacyData(
            path=Path(path),
            verified_on=verified_on,
            sources=sources,
            aliases={str(k): str(v) for k, v in aliases.items()},
            eu=eu,
            efta=efta,
            territories=territories,
            decisions=tuple(decisions),
            exclusions=exclusions,
            by_code={
                code: tuple(sorted(rows, key=lambda d: d.in_effect_from))
                for code, rows in by_code.items()
            },
        ),
        problems,
    )


def _parse_decision(
    reader: _Reader, entry: dict[str, Any], code: str | None, where: str
) -> Decision | None:
    decision = reader.string(entry, "decision", where, required=True)
    in_effect_from = reader.day(entry, "in_effect_from", where, required=True)
    until = reader.day(entry, "until", where)
    scope = reader.string(entry, "scope", where, required=True)
    source = reader.string(entry, "source", where, required=True)
    name = reader.string(entry, "name", where, required=code is None)
    name_nl = reader.string(entry, "name_nl", where, required=code is None)
    if not (decision and in_effect_from and scope and source):
        return None
    return Decision(
        code=code,
        decision=decision,
        in_effect_from=in_effect_from,
        until=until,
        scope=scope,
        source=source,
        conditions=tuple(str(c) for c in reader.sequence(entry, "conditions", where)),
        name=name,
        name_nl=name_nl,
        ended_by=reader.string(entry, "ended_by", where),
        requires_certification=reader.string(entry, "requires_certification", where),
        warnings=tuple(str(w) for w in reader.sequence(entry, "warnings", where)),
        confirmed=reader.boolean(entry, "confirmed", where, default=True),
        note=reader.string(entry, "note", where),
    )


@dataclass
class _Reader:
    """Reads typed values out of the raw JSON, noting every problem instead of stopping."""

    problems: list[str]

    def string(
        self, entry: Mapping[str, Any], key: str, where: str, *, required: bool = False
    ) -> str | None:
        value = entry.get(key)
        if value is None:
            if required:
                self.problems.append(f"{where}: '{key}' is missing")
            return None
        if not isinstance(value, str) or not value.strip():
            self.problems.append(f"{where}: '{key}' must be a non-empty string")
            return None
        return value

    def day(
        self, entry: Mapping[str, Any], key: str, where: str, *, required: bool = False
    ) -> date | None:
        value = self.string(entry, key, where, required=required)
        if value is None:
            return None
        try:
            return date.fromisoformat(value)
        except ValueError:
            self.problems.append(f"{where}: '{key}' is not a date (YYYY-MM-DD): {value!r}")
            return None

    def boolean(self, entry: Mapping[str, Any], key: str, where: str, *, default: bool) -> bool:
        value = entry.get(key, default)
        if not isinstance(value, bool):
            self.problems.append(f"{where}: '{key}' must be true or false")
            return default
        return value

    def sequence(self, entry: Mapping[str, Any], key: str, where: str) -> list[Any]:
        value = entry.get(key, [])
        if not isinstance(value, list):
            self.problems.append(f"{where}: '{key}' must be a list")
            return []
        return value

    def mapping(self, entry: Mapping[str, Any], key: str, where: str) -> dict[str, Any]:
        value = entry.get(key, {})
        if not isinstance(value, dict):
            self.problems.append(f"{where}: '{key}' must be an object")
            return {}
        return value


# --- checks against pycountry and the calendar ----------------------------------------------


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
    """Semantic problems: unknown codes, overlapping or inverted periods, stale labels."""
    problems: list[str] = []

    for alias, target in data.aliases.items():
        if is_country(alias):
            problems.append(f"alias {alias}: is itself an ISO 3166-1 code")
        if not is_country(target):
            problems.append(f"alias {alias}: target {target} is not an ISO 3166-1 alpha-2 code")

    seen: set[str] = set()
    for code in data.eea:
        if not is_country(code):
            problems.append(f"EEA member {code}: not an ISO 3166-1 alpha-2 code")
        if code in seen:
            problems.append(f"EEA member {code}: listed twice")
        seen.add(code)

    for code, territory in data.territories.items():
        if not is_location(code):
            problems.append(f"territory {code}: not an ISO 3166-1 or ISO 3166-2 code")
        if code in seen:
            problems.append(f"territory {code}: is also listed as an EEA member")
        if territory.same_as is not None and not is_country(territory.same_as):
            problems.append(
                f"territory {code}: same_as {territory.same_as} is not an ISO 3166-1 code"
            )

    eea = set(data.eea)
    for code, rows in data.by_code.items():
        if not is_location(code):
            problems.append(f"decision for {code}: not an ISO 3166-1 or ISO 3166-2 code")
        if code in eea:
            problems.append(f"decision for {code}: an EEA member needs no adequacy decision")
        for row in rows:
            if row.until is not None and row.until <= row.in_effect_from:
                problems.append(
                    f"decision {code} {row.decision}: until {row.until} is not after "
                    f"in_effect_from {row.in_effect_from}"
                )
        for earlier, later in zip(rows, rows[1:], strict=False):
            if earlier.until is None or later.in_effect_from <= earlier.until:
                problems.append(
                    f"decisions for {code} overlap: {earlier.decision} "
                    f"({_period(earlier)}) and {later.decision} ({_period(later)})"
                )

    for row in data.decisions:
        if row.code is None and row.until is not None and row.until <= row.in_effect_from:
            problems.append(f"decision {row.name}: until is not after in_effect_from")
        if today is not None and (row.until is None or row.until >= today):
            if any("privacy shield" in text.lower() for text in row.texts()):
                problems.append(
                    f"decision {row.code or row.name} {row.decision}: labelled Privacy Shield "
                    f"but in force on or after {today.isoformat()} (invalidated 2020-07-16)"
                )

    for code in data.exclusions:
        if not is_location(code):
            problems.append(f"contract exclusion {code}: not an ISO 3166-1 or ISO 3166-2 code")
    return problems


def _period(decision: Decision) -> str:
    until = decision.until.isoformat() if decision.until else "open"
    return f"{decision.in_effect_from.isoformat()} to {until}"
