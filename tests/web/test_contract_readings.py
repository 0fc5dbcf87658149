"""The processor's page says how the registry reads the agreement's outdated clauses."""

from __future__ import annotations

import html

from flask.testing import FlaskClient

from tests.factories import EntryFactory, Party, PartyFactory


def list_with(client: FlaskClient, *codes: str) -> Party:
    processor = PartyFactory(kind="processor", slug="ipvoice", name="IP Voice Group Services B.V.")
    entry = EntryFactory(locations=[{"code": code, "activities": ["support"]} for code in codes])
    response = client.post(
        "/api/v1/processors/ipvoice/changes",
        json={"action": "add", "reason": "Support desk", "subprocessor": entry},
        headers=processor.headers,
    )
    assert response.status_code == 201, response.json  # no agreement yet: in effect at once
    return processor


def text_of_page(client: FlaskClient, language: str) -> str:
    response = client.get(f"/p/ipvoice?lang={language}")
    assert response.status_code == 200
    return " ".join(html.unescape(response.get_data(as_text=True)).split())


def test_us_and_quebec_locations_bring_the_readings_of_art_3_3(client: FlaskClient) -> None:
    list_with(client, "US", "CA-QC")
    english = text_of_page(client, "en")
    assert "How the registry reads the agreement" in english
    assert (
        "The Court of Justice invalidated the Privacy Shield on 16 July 2020, before the "
        "agreement was signed in March 2023."
    ) in english
    assert 'allows Canada "except Quebec". The registry applies the exclusion as written' in (
        english
    )
    assert "should confirm this reading by amendment (Art. 10.3 and 11.4)" in english
    # Explained once, below the list; each location points there instead of repeating it.
    assert english.count("The registry reads the clause as the EU-US Data Privacy") == 1
    assert english.count("How the registry reads Art. 3.3 of the agreement here is explained") == 2
    dutch = text_of_page(client, "nl")
    assert "Hoe het register de verwerkersovereenkomst leest" in dutch
    assert "Het register leest de bepaling als het EU-VS Data Privacy Framework" in dutch
    assert "Het register past deze uitzondering letterlijk toe" in dutch
    assert "Hoe het register art. 3.3 van de verwerkersovereenkomst hier leest" in dutch


def test_a_list_without_such_a_location_shows_no_reading(client: FlaskClient) -> None:
    list_with(client, "DE", "CA")
    assert "How the registry reads the agreement" not in text_of_page(client, "en")
