"""An entry's fields as a reader of a notice sees them, and the locations that need consent."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from registry.countries.service import assess, country_name
from registry.notifications.render import format_date
from registry.subprocessors.models import ENTRY_FIELDS

LABELS = {
    "nl": {
        "name": "Naam",
        "legal_name": "Statutaire naam",
        "registration_number": "Registratienummer",
        "country_of_incorporation": "Land van vestiging",
        "website": "Website",
        "purpose": "Doel van de verwerking",
        "data_categories": "Categorieën persoonsgegevens",
        "data_subject_categories": "Categorieën betrokkenen",
        "locations": "Verwerkingslocaties",
        "dpf_certified": "Gecertificeerd onder het EU-VS Data Privacy Framework",
        "dpf_checked_on": "DPF-certificering gecontroleerd op",
        "transfer_mechanism": "Doorgiftemechanisme",
        "flowdown_signed_on": "Gelijke verplichtingen schriftelijk opgelegd op",
    },
    "en": {
        "name": "Name",
        "legal_name": "Legal name",
        "registration_number": "Registration number",
        "country_of_incorporation": "Country of incorporation",
        "website": "Website",
        "purpose": "Purpose of the processing",
        "data_categories": "Categories of personal data",
        "data_subject_categories": "Categories of data subjects",
        "locations": "Processing locations",
        "dpf_certified": "Certified under the EU-US Data Privacy Framework",
        "dpf_checked_on": "DPF certification checked on",
        "transfer_mechanism": "Transfer mechanism",
        "flowdown_signed_on": "Same obligations imposed in writing on",
    },
}

ACTIONS = {
    "nl": {
        "add": "toevoeging van een sub-verwerker",
        "update": "wijziging van een sub-verwerker",
        "remove": "beëindiging van een sub-verwerker",
        "replace": "vervanging van een sub-verwerker",
    },
    "en": {
        "add": "addition of a sub-processor",
        "update": "change to a sub-processor",
        "remove": "removal of a sub-processor",
        "replace": "replacement of a sub-processor",
    },
}

MECHANISMS = {
    "nl": {
        "adequacy": "adequaatheidsbesluit (art. 45 AVG)",
        "scc": "standaardcontractbepalingen (art. 46 lid 2 onder c AVG, Besluit (EU) 2021/914)",
        "bcr": "bindende bedrijfsvoorschriften (art. 47 AVG)",
        "derogation": "uitzondering voor specifieke situaties (art. 49 AVG)",
        "none": "geen (binnen de EER)",
    },
    "en": {
        "adequacy": "adequacy decision (Art. 45 GDPR)",
        "scc": "standard contractual clauses (Art. 46(2)(c) GDPR, Decision (EU) 2021/914)",
        "bcr": "binding corporate rules (Art. 47 GDPR)",
        "derogation": "derogation for a specific situation (Art. 49 GDPR)",
        "none": "none (within the EEA)",
    },
}

YES_NO = {"nl": ("ja", "nee"), "en": ("yes", "no")}
EMPTY = "—"


# --- values as a reader sees them --------------------------------------------------------------


def country_label(code: str, language: str) -> str:
    return f"{country_name(code, language)} ({code})"


def _as_date(value: Any) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def display_value(field: str, value: Any, language: str) -> str:
    """One field of an entry as text in the reader's language."""
    if value is None or value == "" or value == []:
        return EMPTY
    if field == "locations":
        return "; ".join(
            country_label(location["code"], language)
            + (f": {', '.join(location['activities'])}" if location.get("activities") else "")
            for location in value
        )
    if field == "country_of_incorporation":
        return country_label(str(value), language)
    if field in ("dpf_checked_on", "flowdown_signed_on"):
        return format_date(_as_date(value))
    if field == "transfer_mechanism":
        return MECHANISMS[language].get(str(value), str(value))
    if isinstance(value, bool):
        yes, no = YES_NO[language]
        return yes if value else no
    if isinstance(value, list):
        return ", ".join(str(item) for item in value)
    return str(value)


def field_rows(
    before: dict[str, Any] | None, after: dict[str, Any] | None, language: str
) -> list[dict[str, str]]:
    """What changes, field by field: label, value before, value after."""
    rows = []
    for field in ENTRY_FIELDS:
        old = (before or {}).get(field)
        new = (after or {}).get(field)
        if old == new or (old in (None, "", []) and new in (None, "", [])):
            continue
        rows.append(
            {
                "field": field,
                "label": LABELS[language][field],
                "before": display_value(field, old, language),
                "after": display_value(field, new, language),
            }
        )
    return rows


def consent_locations(
    before: dict[str, Any] | None, after: dict[str, Any] | None, at: datetime, language: str
) -> list[dict[str, Any]]:
    """Locations of the new entry that need the controller's prior consent (Art. 3.1)."""
    if not after:
        return []
    known = {location["code"] for location in (before or {}).get("locations") or []}
    needed = []
    for location in after.get("locations") or []:
        assessment = assess(
            location["code"], at.date(), dpf_certified=bool(after.get("dpf_certified"))
        )
        if not assessment["requires_consent"]:
            continue
        name = country_name(location["code"], language)
        needed.append(
            {
                "code": location["code"],
                "name": name,
                "activities": list(location.get("activities") or []),
                "zone": assessment["zone"],
                "reasons": consent_reasons(assessment, name, language),
                "new": location["code"] not in known,
            }
        )
    return needed


def consent_reasons(assessment: dict[str, Any], name: str, language: str) -> list[str]:
    """Why a location needs consent. English uses the assessment's own conditions; Dutch
    says the same from its structured facts (the data file's texts are English)."""
    if language == "en":
        return list(assessment["conditions"]) or [
            f"The European Commission has no adequacy decision in force for {name}."
        ]
    reasons = []
    exclusion = assessment.get("contract_exclusion")
    if assessment["zone"] == "third_country":
        if assessment["conditions"]:
            reasons.append(
                "Het adequaatheidsbesluit geldt alleen voor ontvangers die onder het "
                "EU-VS Data Privacy Framework zijn gecertificeerd; deze sub-verwerker is "
                "niet als gecertificeerd aangemerkt."
            )
        elif exclusion is None:
            reasons.append(
                f"Voor {name} geldt geen adequaatheidsbesluit van de Europese Commissie."
            )
    if exclusion is not None:
        reasons.append(
            f"Artikel {exclusion['article']} van de verwerkersovereenkomst zondert {name} "
            "uit van de landen waarnaar doorgifte zonder toestemming is toegestaan."
        )
    return reasons
