"""Dated facts: membership, the UK's exit, Safe Harbour, US territories, Svalbard, names.

One row per case: code, date, flags, then the zone, whether prior consent is needed, and a
text the decision, a condition or a warning must contain (None: nothing to look for).
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from registry.countries.service import adequacy_table, assess, country_name

DPF = {"dpf_certified": True}
ASSUMED = "is assumed from its certification under the EU-US Data Privacy Framework"

CASES: list[tuple[str, str, dict[str, Any], str, bool, str | None]] = [
    # The United Kingdom: member, transition period, the TCA bridge, adequacy.
    ("GB", "2019-06-01", {}, "eea", False, None),
    ("GB", "2020-01-31", {}, "eea", False, None),
    ("GB", "2020-06-01", {}, "eea", False, "Transition period"),
    ("GB", "2020-12-31", {}, "eea", False, "Transition period"),
    ("GB", "2021-03-01", {}, "adequate", False, "FINPROV.10A"),
    ("GB", "2021-06-27", {}, "adequate", False, "FINPROV.10A"),
    ("GB", "2021-07-01", {}, "adequate", False, "(EU) 2021/1772"),
    ("GB-SCT", "2020-06-01", {}, "eea", False, "Transition period"),
    ("GI", "2019-06-01", {}, "eea", False, None),
    ("GI", "2021-03-01", {}, "third_country", True, None),
    # Croatia joined on 2013-07-01.
    ("HR", "2013-06-30", {}, "third_country", True, None),
    ("HR", "2013-07-01", {}, "eea", False, None),
    # EEA EFTA states and the 1995 enlargement.
    ("LI", "1995-04-30", {}, "third_country", True, None),
    ("LI", "1995-05-01", {}, "eea", False, None),
    ("AT", "1994-06-01", {}, "eea", False, None),
    ("PL", "2004-04-30", {}, "third_country", True, None),
    ("PL", "2004-05-01", {}, "eea", False, None),
    # Safe Harbour, then the Privacy Shield, for recipients flagged as certified.
    ("US", "2010-01-01", DPF, "adequate", False, ASSUMED),
    ("US", "2010-01-01", {}, "third_country", True, "Safe Harbour"),
    ("US", "2015-10-05", DPF, "adequate", False, "2000/520/EC"),
    ("US", "2016-01-01", DPF, "third_country", True, "Schrems I"),
    ("US", "2018-01-01", DPF, "adequate", False, ASSUMED),
    ("US", "2026-12-02", DPF, "adequate", False, "Data Privacy Framework"),
    # US territories follow the US rule.
    *[
        (code, "2026-12-02", flags, zone, consent, "Data Privacy Framework")
        for place in ("PR", "GU", "VI", "AS", "MP", "UM")
        for code in (place, f"US-{place}")
        for flags, zone, consent in ((DPF, "adequate", False), ({}, "third_country", True))
    ],
    # Jan Mayen is part of Norway in the EEA; Svalbard is not.
    ("NO-22", "2026-12-02", {}, "eea", False, None),
    ("NO-21", "2026-12-02", {}, "third_country", True, None),
    ("SJ", "2026-12-02", {}, "third_country", True, "NO-22"),
]


def _texts(result: dict[str, Any]) -> str:
    decision = (result["adequacy"] or {}).get("decision", "")
    return " ".join([decision, *result["conditions"], *result["warnings"]])


@pytest.mark.parametrize(("code", "day", "flags", "zone", "consent", "text"), CASES)
def test_dated_facts(
    code: str, day: str, flags: dict[str, Any], zone: str, consent: bool, text: str | None
) -> None:
    result = assess(code, date.fromisoformat(day), **flags)
    assert (result["zone"], result["requires_consent"]) == (zone, consent)
    if text is not None:
        assert text in _texts(result)


def test_the_certification_is_assumed_only_under_an_earlier_framework() -> None:
    assert ASSUMED not in _texts(assess("US", date(2026, 12, 2), dpf_certified=True))


@pytest.mark.parametrize(
    ("code", "english", "dutch"),
    [
        ("FR-MF", "Saint-Martin", "Sint-Maarten (Franse Collectiviteit)"),
        ("NL-SX", "Sint Maarten", "Sint Maarten"),
        ("MF", "Saint Martin (French part)", "Sint-Maarten (Frans deel)"),
        ("SX", "Sint Maarten (Dutch part)", "Sint Maarten (Nederlands deel)"),
        ("NO-21", "Svalbard (Arctic Region)", "Spitsbergen (Arctische regio)"),
    ],
)
def test_names(code: str, english: str, dutch: str) -> None:
    assert (country_name(code, "en"), country_name(code, "nl")) == (english, dutch)


def test_no_two_territories_share_a_dutch_name() -> None:
    codes = ["FR-MF", "NL-SX", "MF", "SX", "NO-21", "NO-22", "SJ"]
    names = [country_name(code, "nl") for code in codes]
    assert len(set(names)) == len(names)


@pytest.mark.parametrize(
    ("code", "confirmed", "warned"),
    [("CA", False, True), ("CA", True, False), ("JP", False, True), ("KR", True, False)],
)
def test_a_limited_scope_warns_unless_the_entry_confirms_it(
    code: str, confirmed: bool, warned: bool
) -> None:
    result = assess(code, date(2026, 12, 2), adequacy_scope_confirmed=confirmed)
    assert result["zone"] == "adequate"
    assert result["requires_consent"] is False
    assert result["scope"]["limited"] is True
    assert result["scope"]["confirmed"] is confirmed
    assert any("does not confirm" in w for w in result["warnings"]) is warned


def test_israel_scope_is_automated_processing() -> None:
    result = assess("IL", date(2026, 12, 2))
    assert result["scope"]["text"] == "Automated processing"


def test_a_general_decision_has_no_scope() -> None:
    result = assess("NZ", date(2026, 12, 2), adequacy_scope_confirmed=True)
    assert result["scope"] is None
    assert not any("does not confirm" in w for w in result["warnings"])


def test_quebec_tells_why_it_needs_consent() -> None:
    result = assess("CA-QC", date(2026, 12, 2), adequacy_scope_confirmed=True)
    assert result["requires_consent"] is True
    reading = result["contract_reading"]
    assert reading["article"] == "3.3"
    assert '"except Quebec"' in reading["reading"]
    assert "Art. 10.3 and 11.4" in reading["reading"]
    assert f"How the registry reads the agreement: {reading['reading']}" in result["conditions"]


@pytest.mark.parametrize("code", ["US", "US-CA", "PR"])
def test_the_us_reading_explains_privacy_shield_as_dpf(code: str) -> None:
    reading = assess(code, date(2026, 12, 2), dpf_certified=True)["contract_reading"]
    assert "16 July 2020" in reading["reading"]
    assert "March 2023" in reading["reading"]
    assert "Data Privacy Framework" in reading["reading"]
    assert "amendment (Art. 10.3 and 11.4)" in reading["reading"]


def test_the_adequacy_table_cites_the_agreement_by_title_and_article() -> None:
    references = [source["reference"] for source in adequacy_table(date(2026, 12, 2))["sources"]]
    assert "Verwerkersovereenkomst, art. 3.3" in references
    assert not any(reference.startswith("seed/") for reference in references)
