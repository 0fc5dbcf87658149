"""Properties that must hold for every code on every day."""

from __future__ import annotations

import bisect
from datetime import date
from typing import Any

import pycountry
from hypothesis import given, settings
from hypothesis import strategies as st

from registry.countries import service

EEA = service.load().eea
COUNTRIES = sorted(c.alpha_2 for c in pycountry.countries)
SUBDIVISIONS = sorted(
    s.code for s in pycountry.subdivisions if s.country_code in {"NL", "FR", "ES", "CA", "GB", "US"}
)
DAYS = st.dates(min_value=date(1995, 1, 1), max_value=date(2040, 12, 31))
CODES = st.sampled_from(COUNTRIES + SUBDIVISIONS + ["EL", "UK", "el", " uk-eng "])

quick = settings(max_examples=300, deadline=None, database=None)


def _joined(code: str) -> date:
    return service.load().membership[code][0].in_effect_from


@quick
@given(code=st.sampled_from(EEA), day=DAYS, dpf=st.booleans())
def test_every_eea_member_on_every_day_since_it_joined_is_eea_without_consent(
    code: str, day: date, dpf: bool
) -> None:
    day = max(day, _joined(code))
    result = service.assess(code, day, dpf_certified=dpf)
    assert result["zone"] == "eea"
    assert result["requires_consent"] is False
    assert result["adequacy"] is None


@quick
@given(code=CODES, day=DAYS, dpf=st.booleans())
def test_zone_adequacy_and_consent_agree(code: str, day: date, dpf: bool) -> None:
    result = service.assess(code, day, dpf_certified=dpf)
    assert result["zone"] in service.ZONES
    assert result["code"] == service.normalise(code)
    assert result["country"] == result["code"][:2]
    assert (result["adequacy"] is not None) == (result["zone"] == "adequate")
    excluded = result["contract_exclusion"] is not None
    assert result["requires_consent"] == (result["zone"] == "third_country" or excluded)
    assert result["as_of"] == day.isoformat()
    if result["adequacy"] is not None:
        adequacy = result["adequacy"]
        assert adequacy["in_effect_from"] <= day.isoformat()
        assert adequacy["until"] is None or day.isoformat() <= adequacy["until"]
    if day >= date(2020, 7, 16):
        assert "Privacy Shield" not in str(result["adequacy"])


@quick
@given(code=st.sampled_from(EEA), day=DAYS)
def test_before_joining_a_member_is_outside_the_eea(code: str, day: date) -> None:
    if day < _joined(code):
        assert service.assess(code, day)["zone"] != "eea"


@quick
@given(code=CODES, day=DAYS, scope=st.booleans())
def test_a_confirmed_scope_never_changes_zone_or_consent(code: str, day: date, scope: bool) -> None:
    result = service.assess(code, day, adequacy_scope_confirmed=scope)
    plain = service.assess(code, day)
    assert (result["zone"], result["requires_consent"]) == (
        plain["zone"],
        plain["requires_consent"],
    )
    if result["scope"] is not None:
        assert result["scope"]["confirmed"] is scope
        assert result["zone"] == "adequate"


@quick
@given(code=CODES, day=DAYS)
def test_certification_never_makes_a_location_worse(code: str, day: date) -> None:
    without = service.assess(code, day)
    with_dpf = service.assess(code, day, dpf_certified=True)
    assert with_dpf["requires_consent"] <= without["requires_consent"]


def _without_date(result: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in result.items() if key != "as_of"}


@quick
@given(code=CODES, day=DAYS, dpf=st.booleans())
def test_answers_change_only_on_change_dates(code: str, day: date, dpf: bool) -> None:
    """Lists derive their ETag epochs from change_dates(): it must hold every boundary."""
    days = service.change_dates()
    index = bisect.bisect_right(days, day)
    epoch_start = days[index - 1] if index else date(1995, 1, 1)
    assert _without_date(service.assess(code, day, dpf_certified=dpf)) == _without_date(
        service.assess(code, epoch_start, dpf_certified=dpf)
    )


@quick
@given(day=DAYS)
def test_the_table_splits_decisions_into_current_and_history(day: date) -> None:
    table = service.adequacy_table(day)
    assert len(table["decisions"]) + len(table["history"]) == len(service.load().decisions)
    current_codes = [row["code"] for row in table["decisions"] if row["code"]]
    assert len(current_codes) == len(set(current_codes)), "one decision per code at a time"
    for row in table["decisions"]:
        assert row["in_effect_from"] <= day.isoformat()
        assert row["until"] is None or day.isoformat() <= row["until"]
