"""An entry as a reader of a notice sees it: labels, values and consent reasons per language."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from flask import Flask
from flask_babel import force_locale

from registry.countries.service import assess
from registry.subprocessors.display import (
    ACTIONS,
    LABELS,
    MECHANISMS,
    action_label,
    consent_locations,
    display_value,
    field_rows,
)
from registry.subprocessors.models import ENTRY_FIELDS, ChangeAction
from tests.factories import EntryFactory

AT = datetime(2027, 1, 4, 9, 0, tzinfo=UTC)
LOCATIONS = [
    {"code": "DE", "activities": ["hosting"]},
    {"code": "US", "activities": ["support"]},
    {"code": "IN", "activities": []},
    {"code": "CA-QC", "activities": ["support"]},
]


def test_every_field_action_and_mechanism_has_a_label() -> None:
    assert set(LABELS) == set(ENTRY_FIELDS)
    assert set(ACTIONS) == {action.value for action in ChangeAction}
    assert set(MECHANISMS) >= {"adequacy", "scc", "bcr", "derogation"}


@pytest.mark.parametrize(
    ("language", "add", "replace"),
    [
        ("nl", "toevoeging van een sub-verwerker", "vervanging van een sub-verwerker"),
        ("en", "addition of a sub-processor", "replacement of a sub-processor"),
    ],
)
def test_actions_read_in_the_language_asked_for(
    app: Flask, language: str, add: str, replace: str
) -> None:
    other = "en" if language == "nl" else "nl"
    with force_locale(other):  # the argument decides, not the caller's locale
        assert (action_label("add", language), action_label("replace", language)) == (
            add,
            replace,
        )


def test_rows_in_dutch(app: Flask) -> None:
    before = EntryFactory(dpf_certified=False, transfer_mechanism="scc")
    after = {**before, "dpf_certified": True, "dpf_checked_on": "2026-11-20"}
    after["transfer_mechanism"] = "adequacy"
    with force_locale("en"):
        rows = field_rows(before, after, "nl")
    assert [(row["label"], row["before"], row["after"]) for row in rows] == [
        ("Gecertificeerd onder het EU-VS Data Privacy Framework", "nee", "ja"),
        ("DPF-certificering gecontroleerd op", "—", "20 november 2026"),
        (
            "Doorgiftemechanisme",
            "standaardcontractbepalingen (art. 46 lid 2 onder c AVG, Besluit (EU) 2021/914)",
            "adequaatheidsbesluit (art. 45 AVG)",
        ),
    ]


def test_rows_in_english(app: Flask) -> None:
    after = EntryFactory(locations=LOCATIONS[:2], transfer_mechanism="bcr")
    rows = {row["field"]: row for row in field_rows(None, after, "en")}
    assert rows["locations"]["label"] == "Processing locations"
    assert rows["locations"]["after"] == "Germany (DE): hosting; United States (US): support"
    assert rows["transfer_mechanism"]["after"] == "binding corporate rules (Art. 47 GDPR)"
    assert rows["dpf_certified"]["after"] == "no"
    assert rows["flowdown_signed_on"]["after"] == "November 1, 2026"
    assert {row["before"] for row in rows.values()} == {"—"}  # a new entry had nothing


def test_an_unknown_mechanism_is_shown_as_it_is(app: Flask) -> None:
    assert display_value("transfer_mechanism", "other", "nl") == "other"
    assert display_value("transfer_mechanism", "none", "nl") == "geen (binnen de EER)"


def test_english_consent_reasons_are_the_assessments_own(app: Flask) -> None:
    entry = EntryFactory(locations=LOCATIONS)
    consent = {row["code"]: row for row in consent_locations(None, entry, AT, "en")}
    assert list(consent) == ["US", "IN", "CA-QC"]
    for code in ("US", "CA-QC"):
        assert consent[code]["reasons"] == assess(code, AT.date())["conditions"]
    assert consent["IN"]["reasons"] == [
        "The European Commission has no adequacy decision in force for India."
    ]
    assert all(row["new"] for row in consent.values())


def test_dutch_consent_reasons_translate_the_assessment(app: Flask) -> None:
    entry = EntryFactory(locations=LOCATIONS)
    before = {"locations": LOCATIONS[:2]}
    consent = {row["code"]: row for row in consent_locations(before, entry, AT, "nl")}
    assert consent["US"]["name"] == "Verenigde Staten"
    assert consent["US"]["new"] is False
    assert consent["US"]["reasons"][1] == (
        "Deze sub-verwerker is niet als gecertificeerd onder het EU-VS Data Privacy Framework "
        "aangemerkt; daarom is voorafgaande toestemming vereist (art. 3.1 van de "
        "verwerkersovereenkomst)."
    )
    assert consent["IN"]["reasons"] == [
        "Voor India geldt geen adequaatheidsbesluit van de Europese Commissie."
    ]
    assert consent["CA-QC"]["reasons"][1].startswith(
        "Artikel 3.3 van de verwerkersovereenkomst zondert Quebec uit van de landen waarnaar "
        "doorgifte zonder toestemming is toegestaan"
    )


def test_a_certified_us_recipient_needs_no_consent(app: Flask) -> None:
    entry = EntryFactory(locations=LOCATIONS[:2], dpf_certified=True)
    assert consent_locations(None, entry, AT, "nl") == []
