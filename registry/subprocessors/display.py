"""An entry's fields as a reader of a notice sees them, and the locations that need consent.

Every text comes from the gettext catalogs: the functions that take a ``language`` read their
labels and country names in it, whatever locale the caller runs under.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from flask_babel import force_locale, gettext, lazy_pgettext
from flask_babel.speaklater import LazyString

from registry.countries.phrases import translate
from registry.countries.service import assess, country_name
from registry.notifications.render import format_date
from registry.subprocessors.models import ENTRY_FIELDS

LABELS: Mapping[str, LazyString] = {
    "name": lazy_pgettext("sub-processor field", "Name"),
    "legal_name": lazy_pgettext("sub-processor field", "Legal name"),
    "registration_number": lazy_pgettext("sub-processor field", "Registration number"),
    "country_of_incorporation": lazy_pgettext("sub-processor field", "Country of incorporation"),
    "website": lazy_pgettext("sub-processor field", "Website"),
    "purpose": lazy_pgettext("sub-processor field", "Purpose of the processing"),
    "data_categories": lazy_pgettext("sub-processor field", "Categories of personal data"),
    "data_subject_categories": lazy_pgettext("sub-processor field", "Categories of data subjects"),
    "locations": lazy_pgettext("sub-processor field", "Processing locations"),
    "dpf_certified": lazy_pgettext(
        "sub-processor field", "Certified under the EU-US Data Privacy Framework"
    ),
    "dpf_checked_on": lazy_pgettext("sub-processor field", "DPF certification checked on"),
    "adequacy_scope_confirmed": lazy_pgettext(
        "sub-processor field", "Recipient within the scope of the adequacy decision"
    ),
    "transfer_mechanism": lazy_pgettext("sub-processor field", "Transfer mechanism"),
    "flowdown_signed_on": lazy_pgettext(
        "sub-processor field", "Same obligations imposed in writing on"
    ),
}

ACTIONS: Mapping[str, LazyString] = {
    "add": lazy_pgettext("change", "addition of a sub-processor"),
    "update": lazy_pgettext("change", "change to a sub-processor"),
    "remove": lazy_pgettext("change", "removal of a sub-processor"),
    "replace": lazy_pgettext("change", "replacement of a sub-processor"),
}

MECHANISMS: Mapping[str, LazyString] = {
    "adequacy": lazy_pgettext("transfer mechanism", "adequacy decision (Art. 45 GDPR)"),
    "scc": lazy_pgettext(
        "transfer mechanism",
        "standard contractual clauses (Art. 46(2)(c) GDPR, Decision (EU) 2021/914)",
    ),
    "bcr": lazy_pgettext("transfer mechanism", "binding corporate rules (Art. 47 GDPR)"),
    "ad_hoc_clauses": lazy_pgettext(
        "transfer mechanism",
        "contractual clauses authorised by the supervisory authority (Art. 46(3)(a) GDPR)",
    ),
    "code_of_conduct": lazy_pgettext(
        "transfer mechanism",
        "approved code of conduct with binding commitments (Art. 46(2)(e) GDPR)",
    ),
    "certification": lazy_pgettext(
        "transfer mechanism",
        "approved certification mechanism with binding commitments (Art. 46(2)(f) GDPR)",
    ),
    "derogation": lazy_pgettext(
        "transfer mechanism", "derogation for a specific situation (Art. 49 GDPR)"
    ),
    "none": lazy_pgettext("transfer mechanism", "none (within the EEA)"),
}

YES = lazy_pgettext("field value", "yes")
NO = lazy_pgettext("field value", "no")
EMPTY = "—"


def action_label(action: str, language: str) -> str:
    """What a change does, as a phrase: "addition of a sub-processor"."""
    with force_locale(language):
        return str(ACTIONS[action])


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
    with force_locale(language):
        if field in ("dpf_checked_on", "flowdown_signed_on"):
            return format_date(_as_date(value))
        if field == "transfer_mechanism":
            mechanism = MECHANISMS.get(str(value))
            return str(mechanism) if mechanism is not None else str(value)
        if isinstance(value, bool):
            return str(YES if value else NO)
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
        with force_locale(language):
            label = str(LABELS[field])
        rows.append(
            {
                "field": field,
                "label": label,
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
            location["code"],
            at.date(),
            dpf_certified=bool(after.get("dpf_certified")),
            adequacy_scope_confirmed=bool(after.get("adequacy_scope_confirmed")),
        )
        if not assessment["requires_consent"]:
            continue
        name = country_name(location["code"], language)
        with force_locale(language):
            reasons = consent_reasons(assessment, name)
        needed.append(
            {
                "code": location["code"],
                "name": name,
                "activities": list(location.get("activities") or []),
                "zone": assessment["zone"],
                "reasons": reasons,
                "new": location["code"] not in known,
            }
        )
    return needed


def split_by_consent(
    locations: list[dict[str, Any]], consented: list[str]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The locations that still need the controller's consent, and those it has given
    (a consent for a country covers its subdivisions: US covers US-CA)."""
    needed: list[dict[str, Any]] = []
    given: list[dict[str, Any]] = []
    for location in locations:
        code = location["code"]
        done = any(code == c or code.startswith(c + "-") for c in consented)
        (given if done else needed).append(location)
    return needed, given


def consent_reasons(assessment: dict[str, Any], name: str) -> list[str]:
    """Why a location needs consent, in the current locale: the assessment's own conditions
    (the contract's exclusion among them), or that no adequacy decision applies."""
    if assessment["conditions"]:
        return [translate(condition) for condition in assessment["conditions"]]
    return [
        gettext(
            "The European Commission has no adequacy decision in force for %(name)s.", name=name
        )
    ]
