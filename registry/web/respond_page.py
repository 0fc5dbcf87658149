"""What a contact's personal page shows: the change, the transfers, objections and consents."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import request
from flask_babel import get_locale, gettext

from registry import clock
from registry.agreements import consents, transfers
from registry.agreements.service import objection_deadline
from registry.countries.phrases import N_
from registry.countries.service import assess, country_name
from registry.extensions import db
from registry.objections import service as objections
from registry.objections.models import OPEN_STATES, Objection, ObjectionKind, ObjectionState
from registry.objections.notifications import outcome_label
from registry.organisations.models import Organisation
from registry.subprocessors import publishing
from registry.subprocessors.display import display_value
from registry.subprocessors.models import Change
from registry.web import public
from registry.web.formatting import local_time
from registry.web.links import Contact
from registry.web.respond_terms import agreement_context


def page_context(contact: Contact, token: str) -> dict[str, Any]:
    """Everything the personal page shows, in the agreement's language."""
    agreement, language, now = contact.agreement, contact.agreement.language, clock.now()
    controller = db.session.get(Organisation, agreement.controller_id)
    processor = db.session.get(Organisation, agreement.processor_id)
    view = transfers.transfers(agreement=agreement, at=now)
    change_id = request.args.get("change", type=int)
    change = None
    if change_id is not None:
        found = db.session.get(Change, change_id)
        if found is not None and found.processor_id == agreement.processor_id:
            change = public.change_view(found, language, now)
    return {
        "token": token,
        "agreement": agreement,
        "processor": processor,
        "controller": controller,
        "contact_email": contact.email,
        "language": language,
        "noindex": True,
        "now_label": local_time(now, language),
        "change": change,
        "transfers": [_transfer_row(row) for row in view["transfers"]],
        "consent_needed": _consent_needed(contact, view["transfers"], now),
        "objectable": _objectable(contact, now),
        "listed": _listed(contact, view["transfers"]),
        "objections": [_objection_view(o, language) for o in _objections_of(contact)],
        "consents": _active_consents(contact, language),
        **agreement_context(contact),
    }


# --- what the page shows --------------------------------------------------------------------

STATUS_BADGES = {
    "allowed_eea": ("eea", N_("Inside the EEA")),
    "allowed_adequacy": ("adequate", N_("Adequacy decision")),
    "consent_given": ("adequate", N_("Your prior consent is on record")),
    "consent_required": ("consent", N_("Needs your prior consent")),
    "objection_pending": ("announced", N_("Held back: your objection is open")),
    "in_use_objection_pending": ("announced", N_("In use; your objection is open")),
    "excluded": ("eea", N_("Not used for your data")),
    "safeguard_missing": ("consent", N_("No safeguard in law (GDPR Chapter V): not to be used")),
}


def _transfer_row(row: dict[str, Any]) -> dict[str, Any]:
    kind, label = STATUS_BADGES.get(row["status"], ("consent", row["status"]))
    activities = ", ".join(row["activities"])
    name = country_name(row["code"], str(get_locale()))
    if row["status"] == "consent_given":
        # The contract's answer and the law's, in one line: consent is not a safeguard.
        mechanism = display_value("transfer_mechanism", row["mechanism"], str(get_locale()))
        label_text = gettext(
            "Prior consent given (Art. 3.1); the transfer rests on %(mechanism)s",
            mechanism=mechanism,
        )
    else:
        label_text = gettext(label)
    return {
        "subprocessor": row["subprocessor"],
        "location": f"{name} ({activities})" if activities else name,
        "kind": kind,
        "label": label_text,
    }


def _consent_needed(
    contact: Contact, rows: list[dict[str, Any]], now: datetime
) -> list[dict[str, Any]]:
    """Locations that need this controller's prior consent: in use now, or coming with an
    announced change (prior consent is best given before the change takes effect)."""
    language = str(get_locale())
    needed: dict[str, dict[str, Any]] = {}

    def add(code: str, subprocessor: str) -> None:
        location = needed.setdefault(
            code, {"code": code, "name": country_name(code, language), "subprocessors": []}
        )
        if subprocessor not in location["subprocessors"]:
            location["subprocessors"].append(subprocessor)

    for row in rows:
        if row["status"] == "consent_required":
            add(row["code"], row["subprocessor"])
    given = {row["code"] for row in rows if row["status"] == "consent_given"} | {
        consent.code for consent in _consents(contact) if consent.subprocessor_id is None
    }
    for change in publishing.pending_changes(contact.agreement.processor_id, now):
        entry = change.after or {}
        for location in entry.get("locations") or []:
            assessment = assess(
                location["code"],
                change.effective_at.date(),
                dpf_certified=bool(entry.get("dpf_certified")),
                adequacy_scope_confirmed=bool(entry.get("adequacy_scope_confirmed")),
            )
            if assessment["requires_consent"] and location["code"] not in given:
                add(location["code"], str(entry.get("name", "")))
    return list(needed.values())


def _objectable(contact: Contact, now: datetime) -> list[dict[str, Any]]:
    """Announced changes this controller may still object to, with the window's end."""
    agreement = contact.agreement
    open_ids = {
        objection.change_id
        for objection in _objections_of(contact)
        if objection.state in OPEN_STATES
    }
    items = []
    for change in publishing.pending_changes(agreement.processor_id, now):
        closes_at = objection_deadline(agreement=agreement, change=change)
        if closes_at > now and change.id not in open_ids:
            view = public.change_view(change, agreement.language, now)
            items.append({**view, "closes_at": local_time(closes_at, agreement.language)})
    return items


def _listed(contact: Contact, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Sub-processors on the list this controller may object to: those without an open
    objection of this agreement."""
    objected = {o.subprocessor_id for o in _objections_of(contact) if o.state in OPEN_STATES}
    names = {
        row["subprocessor_id"]: row["subprocessor"] for row in rows if row["status"] != "excluded"
    }
    return [
        {"id": subprocessor_id, "name": name}
        for subprocessor_id, name in names.items()
        if subprocessor_id not in objected
    ]


def _objections_of(contact: Contact) -> list[Objection]:
    controller = controller_of(contact)
    statement = objections.objections_of(controller, agreement_id=contact.agreement.id)
    return list(db.session.scalars(statement))


def _objection_view(objection: Objection, language: str) -> dict[str, Any]:
    is_open = objection.state in OPEN_STATES
    proposal = None
    if objection.state is ObjectionState.RESOLUTION_PROPOSED and objection.proposed_outcome:
        proposal = {
            "outcome": objection.proposed_outcome.value,
            "label": outcome_label(objection.proposed_outcome.value, language),
            "summary": objection.proposed_summary,
        }
    return {
        "id": objection.id,
        "title": objections.subprocessor_name(objection),
        "open": is_open,
        "state_label": gettext(OBJECTION_STATES[objection.state.value]),
        "effect": gettext((KIND_EFFECTS if is_open else KIND_NAMES)[objection.kind]),
        "grounds": objection.grounds,
        "summary": objection.summary,
        "outcome": objection.outcome.value if objection.outcome else None,
        "proposal": proposal,
        "messages": [
            {
                "author": _name_of(message.author_org_id),
                "at": local_time(message.created_at, language),
                "body": message.body,
            }
            for message in objection.messages
        ],
    }


OBJECTION_STATES = {
    "filed": N_("Filed: waiting for the processor"),
    "in_consultation": N_("In consultation"),
    "resolution_proposed": N_("A solution is proposed: your answer is awaited"),
    "resolved": N_("Resolved"),
    "withdrawn": N_("Withdrawn"),
}


KIND_NAMES = {
    ObjectionKind.CHANGE: N_("An objection to an announced change."),
    ObjectionKind.LISTED: N_("An objection to a sub-processor on the list."),
}
KIND_EFFECTS = {
    ObjectionKind.CHANGE: N_(
        "While your objection is open, the change does not apply to your data, also once it "
        "takes effect."
    ),
    ObjectionKind.LISTED: N_(
        "The sub-processor stays in use for your data during the consultation: the contract "
        "gives you a say, not a stop (Art. 5.2)."
    ),
}


def _consents(contact: Contact) -> list[Any]:
    statement = consents.consents_of(
        agreement_id=contact.agreement.id, organisation=controller_of(contact), active=True
    )
    return list(db.session.scalars(statement))


def _active_consents(contact: Contact, language: str) -> list[dict[str, Any]]:
    return [
        {
            "name": country_name(consent.code, language),
            "note": consent.note,
            "given_at": local_time(consent.given_at, language),
        }
        for consent in _consents(contact)
    ]


def controller_of(contact: Contact) -> Organisation:
    controller = db.session.get(Organisation, contact.agreement.controller_id)
    assert controller is not None
    return controller


def _name_of(organisation_id: int) -> str:
    organisation = db.session.get(Organisation, organisation_id)
    return organisation.name if organisation else ""
