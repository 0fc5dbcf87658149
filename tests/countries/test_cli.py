"""``registry adequacy check`` on the packaged file and on broken copies of it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from registry.countries import data
from registry.countries.cli import adequacy_group


def run(*args: str) -> Any:
    return CliRunner().invoke(adequacy_group, ["check", *args])


def broken_copy(tmp_path: Path, change: Any) -> Path:
    raw = json.loads(data.DATA_FILE.read_text(encoding="utf-8"))
    change(raw)
    path = tmp_path / "adequacy.json"
    path.write_text(json.dumps(raw), encoding="utf-8")
    return path


def test_the_packaged_file_passes(app: Any) -> None:
    result = app.test_cli_runner().invoke(args=["adequacy", "check"])
    assert result.exit_code == 0, result.output
    assert "30 EEA members" in result.output
    assert "no overlapping periods" in result.output
    assert "Privacy Shield" in result.output
    assert result.output.rstrip().endswith("consistent with ISO 3166 (pycountry).")


def _find(raw: dict[str, Any], code: str | None, decision: str | None = None) -> dict[str, Any]:
    return next(
        row
        for row in raw["decisions"]
        if row["code"] == code and (decision is None or row["decision"].startswith(decision))
    )


def _territory(raw: dict[str, Any], code: str) -> dict[str, Any]:
    return next(row for row in raw["territories"] if row["code"] == code)


def _membership(raw: dict[str, Any], code: str, status: str) -> dict[str, Any]:
    return next(row for row in raw["membership"] if row["code"] == code and row["status"] == status)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda raw: raw["eea"]["eu"].append("XX"), "EEA member XX: not an ISO 3166-1"),
        (lambda raw: raw["eea"]["eu"].append("DE"), "EEA member DE: listed twice"),
        (lambda raw: _territory(raw, "ES-CN").update(code="ES-QQ"), "territory ES-QQ: not"),
        (lambda raw: _territory(raw, "GP").update(status="maybe"), "status must be one of"),
        (lambda raw: raw["aliases"].update(EL="QQ"), "alias EL: target QQ"),
        (lambda raw: _find(raw, "CH").update(code="ZZ"), "decision for ZZ: not an ISO"),
        (lambda raw: _find(raw, "CH").update(in_effect_from="2000-02-30"), "is not a date"),
        (lambda raw: _find(raw, "CH").update(until="2000-01-01"), "is not after in_effect_from"),
        (
            lambda raw: _find(raw, "GB", "(EU) 2021/1772, extended").update(
                in_effect_from="2025-06-27"
            ),
            "decisions for GB overlap",
        ),
        (
            lambda raw: _find(raw, "US", "(EU) 2016/1250").update(until=None),
            "decisions for US overlap",
        ),
        (
            lambda raw: _find(raw, "US", "(EU) 2023/1795").update(
                scope="Privacy Shield participants"
            ),
            "labelled Privacy Shield",
        ),
        (lambda raw: raw.pop("verified_on"), "'verified_on' is missing"),
        (lambda raw: raw.update(verified_on="last week"), "'verified_on' is not a date"),
        (lambda raw: _find(raw, "NZ").pop("source"), "'source' is missing"),
        (lambda raw: _find(raw, None).pop("name"), "'name' is missing"),
        (lambda raw: raw["contract_exclusions"][0].update(code="CA-XX"), "exclusion CA-XX"),
        (lambda raw: _find(raw, "UY").update(code="DE"), "EEA member"),
        (
            lambda raw: _membership(raw, "GB", "transition").update(in_effect_from="2020-01-31"),
            "membership GB: periods from 1973-01-01 overlap",
        ),
        (
            lambda raw: _membership(raw, "HR", "eu").update(until="2030-01-01"),
            "EEA member HR: no open membership period",
        ),
        (
            lambda raw: _membership(raw, "GB", "transition").update(until=None),
            "membership GB: an open period, but not listed as an EEA member",
        ),
        (
            lambda raw: _membership(raw, "GB", "eu").update(status="member"),
            "membership GB member: status must be one of eu, efta, transition",
        ),
        (lambda raw: raw["names"].update({"XX-99": {"nl": "X"}}), "name XX-99: not an ISO"),
        (
            lambda raw: raw["contract_readings"][0].update(code="US-XX"),
            "contract reading US-XX: not an ISO",
        ),
    ],
)
def test_each_problem_is_reported_and_fails(tmp_path: Path, change: Any, message: str) -> None:
    result = run("--file", str(broken_copy(tmp_path, change)))
    assert result.exit_code == 1
    assert message in result.output
    assert "problem(s) in adequacy.json" in result.output


def test_several_problems_are_all_reported(tmp_path: Path) -> None:
    def change(raw: dict[str, Any]) -> None:
        raw["eea"]["efta"].append("QQ")
        _find(raw, "JP").update(until="2001-01-01")
        _territory(raw, "SJ").update(same_as="ZZ")

    result = run("--file", str(broken_copy(tmp_path, change)))
    assert result.exit_code == 1
    assert "EEA member QQ" in result.output
    assert "decision JP" in result.output
    assert "territory SJ: same_as ZZ" in result.output
    assert "3 problem(s)" in result.output


def test_unreadable_and_invalid_files(tmp_path: Path) -> None:
    missing = run("--file", str(tmp_path / "nope.json"))
    assert missing.exit_code == 1
    assert "cannot read the file" in missing.output
    not_json = tmp_path / "adequacy.json"
    not_json.write_text("{", encoding="utf-8")
    result = run("--file", str(not_json))
    assert result.exit_code == 1
    assert "not valid JSON" in result.output


def test_read_refuses_a_broken_file(tmp_path: Path) -> None:
    path = broken_copy(tmp_path, lambda raw: raw["eea"]["eu"].append("XX"))
    with pytest.raises(data.DataError) as raised:
        data.read(path)
    assert raised.value.problems == ["EEA member XX: not an ISO 3166-1 alpha-2 code"]


def test_read_accepts_a_changed_file(tmp_path: Path) -> None:
    """Facts are data: a new decision needs no code."""

    def add_india(raw: dict[str, Any]) -> None:
        raw["decisions"].append(
            {
                "code": "IN",
                "decision": "(EU) 2030/1",
                "in_effect_from": "2030-01-01",
                "until": None,
                "scope": "General",
                "conditions": [],
                "source": "https://example.test/in",
            }
        )

    loaded = data.read(broken_copy(tmp_path, add_india))
    (india,) = loaded.by_code["IN"]
    assert india.in_force(india.in_effect_from)
    assert not india.in_force(india.in_effect_from.replace(year=2029))


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda raw: raw.pop("eea"), "file: 'eea' is missing"),
        (lambda raw: raw["eea"].update(eu="AT"), "eea: 'eu' must be a list"),
        (lambda raw: raw["aliases"].update(EL=""), "alias EL: 'target' must be a non-empty string"),
        (lambda raw: raw["territories"].append(5), "territories[63]: must be an object"),
        (
            lambda raw: raw["territories"].append({"code": "GP", "status": "eea", "note": "x"}),
            "territory GP: listed twice",
        ),
        (
            lambda raw: _territory(raw, "GP").update(confirmed="yes"),
            "territory GP: 'confirmed' must be true or false",
        ),
        (
            lambda raw: _find(raw, "CH").update(conditions=[1]),
            "decision CH 2000/518/EC: 'conditions[0]' must be a non-empty string",
        ),
        (
            lambda raw: _find(raw, None).update(until="2000-01-01"),
            "decision European Patent Organisation (EU) 2025/1382: until 2000-01-01 is not "
            "after in_effect_from 2025-07-15",
        ),
        (
            lambda raw: raw["contract_exclusions"][0].pop("rule"),
            "contract exclusion CA-QC: 'rule' is missing",
        ),
    ],
)
def test_each_schema_problem_names_entry_field_and_rule(
    tmp_path: Path, change: Any, message: str
) -> None:
    path = broken_copy(tmp_path, change)
    with pytest.raises(data.DataError) as raised:
        data.read(path)
    assert raised.value.problems == [message]


def test_a_broken_entry_does_not_hide_the_problems_of_others(tmp_path: Path) -> None:
    def change(raw: dict[str, Any]) -> None:
        _find(raw, "CH").update(until="soon")
        raw["eea"]["eu"].append("XX")
        _find(raw, "GB", "(EU) 2021/1772, extended").update(in_effect_from="2025-06-27")

    result = run("--file", str(broken_copy(tmp_path, change)))
    assert result.exit_code == 1
    assert "decision CH 2000/518/EC: 'until' is not a date (YYYY-MM-DD): 'soon'" in result.output
    assert "EEA member XX: not an ISO 3166-1" in result.output
    assert "decisions for GB overlap" in result.output
    assert "3 problem(s)" in result.output
    assert "checked: verified_on" in result.output
