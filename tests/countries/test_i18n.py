"""The assessment's texts: English in the API, the reader's language through the catalogs."""

from __future__ import annotations

import copy
import io
import json
import pickle
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

from babel.messages.extract import extract_from_file
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po
from flask import Flask
from flask_babel import force_locale

from registry import PROJECT_ROOT
from registry.countries import data, service
from registry.countries.i18n import extract_adequacy
from registry.countries.phrases import Phrase, Place, Sentences, translate
from registry.countries.service import assess

TODAY = date(2026, 11, 27)
DUTCH = PROJECT_ROOT / "registry" / "translations" / "nl" / "LC_MESSAGES" / "messages.po"
TEMPLATE = PROJECT_ROOT / "registry" / "translations" / "messages.pot"


def texts_of(result: dict[str, Any]) -> list[str]:
    return [*result["conditions"], *result["warnings"]]


def every_assessment() -> Iterator[dict[str, Any]]:
    """Every place the data file names, and a few it does not, on every day that matters."""
    adequacy = service.load()
    codes = {*adequacy.by_code, *adequacy.territories, *adequacy.exclusions, "IN", "CA-ON"}
    days = {TODAY, *(day - timedelta(days=1) for day in service.change_dates())}
    days |= set(service.change_dates())
    for code in sorted(codes):
        for day in sorted(days):
            for certified in (False, True):
                yield assess(code, day, dpf_certified=certified)


# --- the API's English -------------------------------------------------------------------------


def test_phrases_are_the_english_text_for_json_and_comparison() -> None:
    (warning,) = assess("FR-CP", TODAY)["warnings"]
    assert isinstance(warning, Phrase)
    assert warning == (
        "Unconfirmed in the registry's data: Clipperton is treated as outside the EEA "
        "(not an outermost region, not listed as an OCT)."
    )
    assert json.dumps(warning) == json.dumps(str(warning))
    assert hash(warning) == hash(str(warning))


def test_sentences_read_as_one_english_warning() -> None:
    (warning,) = assess("US", date(2021, 1, 1))["warnings"]
    assert isinstance(warning, Sentences)
    assert warning == (
        "No adequacy decision for United States is in force at this date. "
        "(EU) 2016/1250 (EU-US Privacy Shield) applied until 2020-07-15; invalidated by the "
        "Court of Justice on 2020-07-16 (Schrems II, C-311/18). "
        "(EU) 2023/1795 (EU-US Data Privacy Framework) applies from 2023-07-10."
    )


def test_copies_and_pickles_keep_what_a_phrase_translates_from() -> None:
    (warning,) = assess("GB", date(2031, 6, 30))["warnings"]
    for twin in (copy.deepcopy(warning), pickle.loads(pickle.dumps(warning))):
        assert twin == warning
        assert isinstance(twin, Phrase)
        assert (twin.msgid, twin.params) == (warning.msgid, warning.params)
    place = pickle.loads(pickle.dumps(Place("CA-QC")))
    assert (place, place.code) == ("Quebec", "CA-QC")


def test_in_english_every_text_reads_as_the_api_writes_it(app: Flask) -> None:
    with force_locale("en"):
        for result in every_assessment():
            for text in texts_of(result):
                assert translate(text) == text


# --- in Dutch ----------------------------------------------------------------------------------


def dutch(texts: list[str]) -> list[str]:
    with force_locale("nl"):
        return [translate(text) for text in texts]


US_READING = (
    "Hoe het register de verwerkersovereenkomst leest: Art. 3.3 van de "
    "verwerkersovereenkomst staat doorgifte naar de Verenigde Staten alleen toe als de ontvanger "
    "zich aan het EU-VS-privacyschild heeft verbonden. Het Hof van Justitie heeft het "
    "privacyschild op 16 juli 2020 ongeldig verklaard, dus al vóór de ondertekening van de "
    "verwerkersovereenkomst in maart 2023. Het register leest de bepaling als het EU-VS Data "
    "Privacy Framework, het kader dat sinds 10 juli 2023 van kracht is: voor een daaronder "
    "gecertificeerde ontvanger is geen voorafgaande toestemming nodig. Partijen doen er goed "
    "aan deze lezing bij wijziging van de overeenkomst te bevestigen (art. 10.3 en 11.4)."
)
QUEBEC_READING = (
    "Hoe het register de verwerkersovereenkomst leest: Art. 3.3 van de "
    'verwerkersovereenkomst staat Canada toe "behalve Quebec". Het register past deze '
    "uitzondering letterlijk toe: voor doorgifte naar Quebec is voorafgaande toestemming van de "
    "verwerkingsverantwoordelijke vereist (art. 3.1), ook al kan het adequaatheidsbesluit voor "
    "Canada (2002/2/EG, van kracht sinds 20 december 2001) een ontvanger daar die onder de "
    "PIPEDA valt wel dekken. De overeenkomst noemt geen reden; de private sector in Quebec "
    "valt onder de eigen privacywetgeving van Quebec in plaats van onder de PIPEDA. Partijen "
    "doen er goed aan "
    "bij wijziging van de overeenkomst te bevestigen of deze uitzondering nog is bedoeld "
    "(art. 10.3 en 11.4)."
)


def test_a_us_recipient_without_certification_in_dutch(app: Flask) -> None:
    result = assess("US", TODAY)
    assert dutch(result["conditions"]) == [
        "Het adequaatheidsbesluit geldt alleen voor organisaties die onder het EU-VS Data "
        "Privacy Framework zijn gecertificeerd (DPF-lijst), en alleen binnen de reikwijdte "
        "van hun certificering.",
        "Deze sub-verwerker is niet als gecertificeerd onder het EU-VS Data Privacy Framework "
        "aangemerkt; daarom is voorafgaande toestemming vereist (art. 3.1 van de "
        "verwerkersovereenkomst).",
        US_READING,
    ]
    assert dutch(result["warnings"]) == [
        "Het adequaatheidsbesluit over het EU-VS Data Privacy Framework wordt in rechte "
        "aangevochten (hogere voorziening C-703/25 P tegen T-553/23); het blijft van kracht "
        "totdat het nietig wordt verklaard of wordt ingetrokken."
    ]


def test_quebec_names_the_agreements_exclusion_in_dutch(app: Flask) -> None:
    assert dutch(assess("CA-QC", TODAY)["conditions"]) == [
        "Het adequaatheidsbesluit geldt alleen voor ontvangers die onder de PIPEDA vallen "
        "(commerciële activiteiten).",
        "Artikel 3.3 van de verwerkersovereenkomst zondert Quebec uit van de landen waarnaar "
        'doorgifte zonder toestemming is toegestaan ("Canada (behalve Quebec)"); voor doorgifte '
        "naar Quebec is daarom voorafgaande toestemming van de verwerkingsverantwoordelijke "
        "vereist (art. 3.1).",
        QUEBEC_READING,
    ]


def test_parameters_are_translated_and_places_named_in_dutch(app: Flask) -> None:
    assert dutch(assess("US", date(2021, 1, 1))["warnings"]) == [
        "Verenigde Staten: op deze datum is geen adequaatheidsbesluit van kracht. "
        "(EU) 2016/1250 (EU-VS-privacyschild) gold tot en met 2020-07-15; op 2020-07-16 "
        "ongeldig verklaard door het Hof van Justitie (Schrems II, C-311/18). "
        "(EU) 2023/1795 (EU-VS Data Privacy Framework) geldt vanaf 2023-07-10."
    ]
    assert dutch(assess("GB-SCT", date(2031, 6, 30))["warnings"]) == [
        "Verenigd Koninkrijk: het adequaatheidsbesluit C(2025) 8771 (verlenging van (EU) "
        "2021/1772) vervalt na 2031-12-27; daarna is voor doorgifte voorafgaande toestemming "
        "vereist, tenzij het besluit wordt verlengd."
    ]
    assert dutch(assess("AD", TODAY)["warnings"]) == [
        "Niet bevestigd in de gegevens van het register (gecontroleerd op 2026-11-27): "
        "2010/625/EU: De precieze datum van inwerkingtreding is niet bevestigd."
    ]


def test_in_dutch_no_condition_or_warning_stays_english(app: Flask) -> None:
    english = {
        text: translated
        for result in every_assessment()
        for text, translated in zip(texts_of(result), dutch(texts_of(result)), strict=True)
        if translated == text
    }
    assert not english, f"not in the Dutch catalog: {sorted(english)}"


def test_data_file_texts_outside_a_forced_locale_stay_english() -> None:
    rule = service.load().exclusions["CA-QC"].rule
    assert translate(rule) == rule
    assert translate("") == ""


# --- extraction of the data file ---------------------------------------------------------------


def texts_people_read(document: dict[str, Any]) -> set[str]:
    """What the extractor must find, spelled out field by field."""
    found: set[str] = set()
    for territory in document["territories"]:
        found.add(territory["note"])
    for decision in document["decisions"]:
        found.update(decision["conditions"], decision.get("warnings", []))
        for field in ("scope", "note", "ended_by", "requires_certification", "decision"):
            if decision.get(field):
                found.add(decision[field])
    found.update(exclusion["rule"] for exclusion in document["contract_exclusions"])
    found.update(reading["reading"] for reading in document["contract_readings"])
    for row in document["membership"]:
        found.update(row[field] for field in ("note", "condition") if row.get(field))
    # Decision numbers without a word in them ("2013/65/EU") read the same in every language.
    return {text for text in found if any(char.islower() for char in text)}


def test_the_extractor_yields_every_text_people_read_with_its_line() -> None:
    raw = data.DATA_FILE.read_bytes()
    found = list(extract_adequacy(io.BytesIO(raw), [], [], {}))
    lines = raw.decode().splitlines()
    assert {message for _, _, message, _ in found} == texts_people_read(json.loads(raw))
    for line, function, message, comments in found:
        assert json.dumps(message, ensure_ascii=False) in lines[line - 1]
        assert function is None
        assert comments and comments[0].startswith("adequacy.json: ")
    assert "2013/65/EU" not in {message for _, _, message, _ in found}
    assert not any("waaronder" in message for _, _, message, _ in found)  # the Dutch quote


def test_babel_cfg_extracts_the_data_file_and_the_catalogs_translate_it() -> None:
    with (PROJECT_ROOT / "babel.cfg").open() as file:
        method_map, options_map = parse_mapping_cfg(file)
    relative = data.DATA_FILE.relative_to(PROJECT_ROOT).as_posix()
    (method,) = [method for pattern, method in method_map if pattern == relative]
    extracted = {
        message
        for _, message, _, _ in extract_from_file(
            method, str(data.DATA_FILE), options=options_map[relative]
        )
    }
    assert extracted == texts_people_read(json.loads(data.DATA_FILE.read_bytes()))
    with TEMPLATE.open("rb") as file:
        template = {message.id for message in read_po(file)}
    assert extracted <= template, f"run the README's extract: {sorted(extracted - template)}"
    with DUTCH.open("rb") as file:
        catalog = read_po(file)
    untranslated = sorted(text for text in extracted if not catalog.get(text).string)
    assert not untranslated, f"no Dutch in {DUTCH.relative_to(PROJECT_ROOT)} for {untranslated}"
