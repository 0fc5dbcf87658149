"""The assessment as a pure function of (code, date, DPF certification)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from registry.countries import service
from registry.countries.service import UnknownLocation, assess, normalise

TODAY = date(2026, 11, 27)
EEA = (
    "AT BE BG HR CY CZ DK EE FI FR DE GR HU IE IT LV LT LU MT NL PL PT RO SK SI ES SE IS LI NO"
).split()


@pytest.mark.parametrize("code", EEA)
def test_every_eea_member_is_eea_without_consent(code: str) -> None:
    result = assess(code, TODAY)
    assert result["zone"] == "eea"
    assert result["requires_consent"] is False
    assert result["adequacy"] is None
    assert result["country"] == code


def test_the_eea_has_exactly_the_eu_and_three_efta_states() -> None:
    assert service.adequacy_table(TODAY)["eea"] == sorted(EEA)


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("EL", "GR"),
        ("el", "GR"),
        (" uk ", "GB"),
        ("UK-ENG", "GB-ENG"),
        ("EL-69", "GR-69"),
        ("ca-qc", "CA-QC"),
        ("de", "DE"),
    ],
)
def test_normalise_trims_upper_cases_and_applies_aliases(given: str, expected: str) -> None:
    assert normalise(given) == expected


def test_aliases_assess_like_their_iso_code() -> None:
    greece = assess("EL", TODAY)
    assert greece["code"] == "GR"
    assert greece["zone"] == "eea"
    assert greece["name"] == "Greece"
    united_kingdom = assess("UK", TODAY)
    assert united_kingdom["code"] == "GB"
    assert united_kingdom["zone"] == "adequate"


@pytest.mark.parametrize("code", ["XX", "", "   ", "D", "DEU", "DE-", "-DE", "DE-ZZZ", "EU", "🙂"])
def test_unknown_codes_raise_naming_the_code(code: str) -> None:
    with pytest.raises(UnknownLocation) as raised:
        normalise(code)
    assert raised.value.status == 422
    assert list(raised.value.extra["errors"]) == ["code"]
    assert f"'{code}'" in raised.value.extra["errors"]["code"][0]


def test_unknown_location_message() -> None:
    with pytest.raises(UnknownLocation) as raised:
        assess("XX", TODAY)
    assert raised.value.extra["errors"] == {
        "code": ["Unknown location code 'XX': not an ISO 3166-1 alpha-2 or ISO 3166-2 code."]
    }


def test_a_long_unknown_code_is_shortened_in_the_message() -> None:
    with pytest.raises(UnknownLocation) as raised:
        normalise("X" * 500)
    assert len(raised.value.extra["errors"]["code"][0]) < 120


@pytest.mark.parametrize("code", ["ES-CN", "ES-CE", "ES-ML", "PT-20", "PT-30", "GP", "RE", "AX"])
def test_outermost_regions_and_aland_are_eea(code: str) -> None:
    result = assess(code, TODAY)
    assert result["zone"] == "eea"
    assert result["requires_consent"] is False


def test_a_subdivision_inherits_its_country() -> None:
    bavaria = assess("DE-BY", TODAY)
    assert (bavaria["zone"], bavaria["country"], bavaria["requires_consent"]) == (
        "eea",
        "DE",
        False,
    )
    ontario = assess("CA-ON", TODAY)
    assert ontario["zone"] == "adequate"
    assert ontario["requires_consent"] is False
    england = assess("GB-ENG", TODAY)
    assert england["zone"] == "adequate"
    assert england["name"] == "England"
    assert england["name_nl"] == "Engeland"


@pytest.mark.parametrize(
    "code", ["NL-AW", "NL-CW", "NL-SX", "NL-BQ1", "NL-BQ2", "NL-BQ3", "FR-PF", "FR-NC"]
)
def test_dutch_and_french_overseas_subdivisions_do_not_inherit_eea(code: str) -> None:
    result = assess(code, TODAY)
    assert result["zone"] == "third_country"
    assert result["requires_consent"] is True
    assert result["country"] == code[:2]


@pytest.mark.parametrize(
    "code", ["GL", "AW", "CW", "SX", "BQ", "PF", "NC", "BL", "PM", "WF", "TF", "GI", "MC", "SM"]
)
def test_territories_outside_the_eea_need_consent(code: str) -> None:
    result = assess(code, TODAY)
    assert result["zone"] == "third_country"
    assert result["requires_consent"] is True


def test_gibraltar_is_not_covered_by_the_uk_decision() -> None:
    assert assess("GB", TODAY)["zone"] == "adequate"
    assert assess("GI", TODAY)["zone"] == "third_country"


def test_faroe_islands_are_outside_the_eea_but_adequate() -> None:
    result = assess("FO", TODAY)
    assert result["zone"] == "adequate"
    assert result["adequacy"]["decision"] == "2010/146/EU"


def test_sj_is_outside_the_eea_with_a_warning_naming_svalbard_and_jan_mayen() -> None:
    result = assess("SJ", TODAY)
    assert result["zone"] == "third_country"
    assert result["requires_consent"] is True
    (warning,) = result["warnings"]
    assert "Unconfirmed" in warning and "NO-21" in warning and "NO-22" in warning


def test_svalbard_is_outside_and_jan_mayen_inside_the_eea() -> None:
    svalbard, jan_mayen = assess("NO-21", TODAY), assess("NO-22", TODAY)
    assert (svalbard["zone"], svalbard["requires_consent"]) == ("third_country", True)
    assert (jan_mayen["zone"], jan_mayen["requires_consent"]) == ("eea", False)


def test_norway_itself_is_eea() -> None:
    assert assess("NO", TODAY)["zone"] == "eea"
    assert assess("NO-03", TODAY)["zone"] == "eea"


def test_switzerland_is_adequate_not_eea() -> None:
    result = assess("CH", TODAY)
    assert result["zone"] == "adequate"
    assert result["requires_consent"] is False
    assert result["adequacy"] == {
        "decision": "2000/518/EC",
        "in_effect_from": "2000-07-26",
        "until": None,
        "scope": "General",
        "source": "https://eur-lex.europa.eu/legal-content/EN/TXT/?uri=CELEX:32000D0518",
    }


def test_canada_is_adequate_for_pipeda_only() -> None:
    result = assess("CA", TODAY)
    assert result["zone"] == "adequate"
    assert result["requires_consent"] is False
    assert any("PIPEDA" in condition for condition in result["conditions"])
    assert result["contract_exclusion"] is None


def test_quebec_needs_consent_under_the_contract() -> None:
    result = assess("CA-QC", TODAY)
    assert result["country"] == "CA"
    assert result["requires_consent"] is True
    assert result["contract_exclusion"]["article"] == "3.3"
    assert any("Quebec" in condition for condition in result["conditions"])


@pytest.mark.parametrize(
    ("code", "word"), [("JP", "APPI"), ("KR", "PIPA"), ("IL", "automated"), ("CA", "PIPEDA")]
)
def test_scope_conditions_are_listed(code: str, word: str) -> None:
    result = assess(code, TODAY)
    assert result["zone"] == "adequate"
    assert any(word in condition for condition in result["conditions"])


def test_us_is_adequate_only_for_dpf_certified_recipients() -> None:
    certified = assess("US", TODAY, dpf_certified=True)
    assert certified["zone"] == "adequate"
    assert certified["requires_consent"] is False
    assert certified["adequacy"]["decision"] == "(EU) 2023/1795 (EU-US Data Privacy Framework)"
    assert certified["adequacy"]["in_effect_from"] == "2023-07-10"

    uncertified = assess("US", TODAY)
    assert uncertified["zone"] == "third_country"
    assert uncertified["requires_consent"] is True
    assert uncertified["adequacy"] is None
    assert any("EU-US Data Privacy Framework" in c for c in uncertified["conditions"])


def test_nothing_current_is_called_privacy_shield() -> None:
    for dpf in (False, True):
        result = assess("US", TODAY, dpf_certified=dpf)
        assert "Privacy Shield" not in str(result["adequacy"])
        # Only the reading of the agreement's outdated clause names it.
        (named,) = [text for text in result["conditions"] if "Privacy Shield" in text]
        assert named.endswith(result["contract_reading"]["reading"])
    assert "Privacy Shield" not in str(service.adequacy_table(TODAY)["decisions"])


def test_privacy_shield_applies_only_between_2016_07_12_and_2020_07_15() -> None:
    during = assess("US", date(2018, 1, 1), dpf_certified=True)
    assert during["zone"] == "adequate"
    assert during["requires_consent"] is False
    assert "Privacy Shield" in during["adequacy"]["decision"]
    assert "2016/1250" in during["adequacy"]["decision"]
    assert during["adequacy"]["until"] == "2020-07-15"

    assert assess("US", date(2016, 7, 11), dpf_certified=True)["zone"] == "third_country"
    assert assess("US", date(2016, 7, 12), dpf_certified=True)["zone"] == "adequate"
    assert assess("US", date(2020, 7, 15), dpf_certified=True)["zone"] == "adequate"
    assert assess("US", date(2020, 7, 16), dpf_certified=True)["zone"] == "third_country"


def test_privacy_shield_needed_self_certification_too() -> None:
    result = assess("US", date(2018, 1, 1))
    assert result["zone"] == "third_country"
    assert result["requires_consent"] is True


@pytest.mark.parametrize("day", [date(2020, 7, 16), date(2021, 1, 1), date(2023, 7, 9)])
def test_no_us_adequacy_between_schrems_ii_and_the_dpf(day: date) -> None:
    result = assess("US", day, dpf_certified=True)
    assert result["zone"] == "third_country"
    assert result["requires_consent"] is True
    assert result["adequacy"] is None
    (warning,) = result["warnings"]
    assert warning.startswith("No adequacy decision for United States is in force")
    assert "invalidated by the Court of Justice on 2020-07-16" in warning
    assert "applies from 2023-07-10" in warning


def test_dpf_applies_from_2023_07_10() -> None:
    result = assess("US", date(2023, 7, 10), dpf_certified=True)
    assert result["zone"] == "adequate"
    assert "Data Privacy Framework" in result["adequacy"]["decision"]


def test_uk_periods_join_without_a_gap() -> None:
    decisions = []
    for day in (date(2021, 6, 27), date(2021, 6, 28), date(2025, 6, 27), date(2025, 6, 28)):
        result = assess("GB", day)
        decisions.append(result["adequacy"] and result["adequacy"]["decision"])
    assert decisions == [
        "EU-UK Trade and Cooperation Agreement, Art. FINPROV.10A (bridge)",
        "(EU) 2021/1772",
        "(EU) 2021/1772",
        "(EU) 2021/1772, extended",
    ]
    assert assess("GB", date(2025, 12, 27))["adequacy"]["until"] == "2025-12-27"
    renewed = assess("GB", date(2025, 12, 28))["adequacy"]
    assert renewed["decision"].startswith("C(2025) 8771")
    assert renewed["until"] == "2031-12-27"


def test_uk_until_is_the_last_day_in_force() -> None:
    last_day = assess("GB", date(2031, 12, 27))
    assert last_day["zone"] == "adequate"
    assert last_day["requires_consent"] is False
    after = assess("GB", date(2031, 12, 28))
    assert after["zone"] == "third_country"
    assert after["requires_consent"] is True
    assert "applied until 2031-12-27" in after["warnings"][0]


def test_uk_expiry_is_warned_of_180_days_ahead() -> None:
    assert assess("GB", date(2031, 6, 29))["warnings"] == []
    (warning,) = assess("GB", date(2031, 6, 30))["warnings"]
    assert "expires after 2031-12-27" in warning
    assert "United Kingdom" in warning
    assert assess("GB-SCT", date(2031, 12, 27))["warnings"] == [warning]


def test_a_renewal_without_a_gap_is_no_expiry() -> None:
    assert assess("GB", date(2025, 6, 1))["warnings"] == []
    assert assess("GB", date(2025, 12, 20))["warnings"] == []


def test_brazil_from_2026_01_26() -> None:
    before = assess("BR", date(2026, 1, 25))
    assert before["zone"] == "third_country"
    assert before["requires_consent"] is True
    assert "applies from 2026-01-26" in before["warnings"][0]
    on = assess("BR", date(2026, 1, 26))
    assert on["zone"] == "adequate"
    assert on["adequacy"]["decision"] == "(EU) 2026/179"


def test_a_third_country_without_any_decision() -> None:
    result = assess("IN", TODAY)
    assert result == {
        "code": "IN",
        "country": "IN",
        "name": "India",
        "name_nl": "India",
        "zone": "third_country",
        "adequacy": None,
        "scope": None,
        "requires_consent": True,
        "contract_exclusion": None,
        "contract_reading": None,
        "conditions": [],
        "warnings": [],
        "as_of": "2026-11-27",
    }


def test_unconfirmed_decisions_carry_a_warning() -> None:
    for code in ("AR", "AD", "IL", "KR"):
        result = assess(code, TODAY)
        assert result["zone"] == "adequate"
        assert any(w.startswith("Unconfirmed") for w in result["warnings"]), code
    assert assess("CH", TODAY)["warnings"] == []


def test_callers_cannot_corrupt_the_cache() -> None:
    first = assess("CA-QC", TODAY)
    first["zone"] = "eea"
    first["conditions"].append("tampered")
    first["warnings"].append("tampered")
    first["adequacy"]["decision"] = "tampered"
    first["contract_exclusion"]["article"] = "tampered"
    again = assess("CA-QC", TODAY)
    assert again["zone"] == "adequate"
    assert "tampered" not in str(again)


def test_the_table_returns_fresh_data_too() -> None:
    table = service.adequacy_table(TODAY)
    table["eea"].clear()
    table["decisions"][0]["conditions"].append("tampered")
    assert len(service.adequacy_table(TODAY)["eea"]) == 30
    assert "tampered" not in str(service.adequacy_table(TODAY))


def test_dutch_and_english_names() -> None:
    assert service.country_name("US", "nl") == "Verenigde Staten"
    assert service.country_name("CH", "nl") == "Zwitserland"
    assert service.country_name("de", "nl") == "Duitsland"
    assert service.country_name("EL", "en") == "Greece"
    assert service.country_name("KR", "en") == "South Korea"
    assert service.country_name("KR", "nl") == "Zuid-Korea"
    assert service.country_name("ES-CN", "nl") == "Canarische Eilanden"
    assert service.country_name("CA-QC", "en") == "Quebec"
    with pytest.raises(UnknownLocation):
        service.country_name("XX", "nl")


def test_change_dates_are_sorted_and_hold_every_boundary() -> None:
    days = service.change_dates()
    assert days == sorted(set(days))
    for day in (
        date(2016, 7, 12),  # Privacy Shield starts
        date(2020, 7, 16),  # and is invalidated
        date(2023, 7, 10),  # DPF
        date(2025, 6, 28),  # UK extension
        date(2025, 12, 28),  # UK renewal
        date(2026, 1, 26),  # Brazil
        date(2031, 6, 30),  # UK expiry warning
        date(2031, 12, 28),  # UK expired
    ):
        assert day in days
    # A court's ruling is not announced 180 days ahead.
    assert date(2020, 7, 15) - timedelta(days=180) not in days


def test_adequacy_table_at_today() -> None:
    table = service.adequacy_table(TODAY)
    assert table["as_of"] == "2026-11-27"
    assert table["verified_on"] <= "2026-11-27"
    current = {(row["code"], row["decision"]) for row in table["decisions"]}
    assert ("US", "(EU) 2023/1795 (EU-US Data Privacy Framework)") in current
    assert ("BR", "(EU) 2026/179") in current
    assert (None, "(EU) 2025/1382") in current
    codes = [row["code"] for row in table["decisions"]]
    assert codes.count("GB") == 1
    assert set(codes) >= {"AD", "AR", "CA", "CH", "FO", "GG", "IL", "IM", "JE", "NZ", "UY"}
    assert set(codes) >= {"JP", "KR", "GB", "US", "BR"}
    epo = next(row for row in table["decisions"] if row["code"] is None)
    assert epo["name"] == "European Patent Organisation"
    assert epo["name_nl"] == "Europese Octrooiorganisatie"

    history = {(row["code"], row["in_effect_from"], row["until"]) for row in table["history"]}
    assert ("US", "2016-07-12", "2020-07-15") in history
    assert ("GB", "2021-06-28", "2025-06-27") in history
    assert ("GB", "2025-06-28", "2025-12-27") in history
    assert all(row["status"] == "ended" for row in table["history"])

    assert {t["code"] for t in table["eea_territories"]} >= {"ES-CN", "PT-20", "GP", "AX"}
    outside = {t["code"]: t for t in table["outside_eea_territories"]}
    assert {"NL-AW", "GL", "GI", "SJ"} <= set(outside)
    assert outside["SJ"]["confirmed"] is False
    assert outside["NL-AW"]["same_as"] == "AW"
    assert table["contract_exclusions"][0]["code"] == "CA-QC"


def test_adequacy_table_in_the_past_lists_future_decisions_as_history() -> None:
    table = service.adequacy_table(date(2018, 1, 1))
    current = {row["code"]: row["decision"] for row in table["decisions"] if row["code"]}
    assert "Privacy Shield" in current["US"]
    assert "GB" not in current and "BR" not in current
    statuses = {(row["code"], row["status"]) for row in table["history"]}
    assert ("BR", "not_yet_in_force") in statuses
    assert ("US", "not_yet_in_force") in statuses  # the DPF
