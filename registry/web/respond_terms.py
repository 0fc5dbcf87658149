"""The agreement itself on a contact's personal page (Art. 10.3): its contacts and its terms.

The forms are read here into what the API takes, and checked as the API checks them, with the
reasons in the agreement's language next to the field; the services decide all the same.
"""

from __future__ import annotations

from typing import Any

from flask import request
from flask_babel import gettext
from marshmallow import ValidationError, validate
from sqlalchemy import select

from registry.agreements.amendment_schemas import AmendmentInSchema, TermsSchema
from registry.agreements.models import AMENDABLE_TERMS, Agreement, Amendment, AmendmentState
from registry.agreements.schemas import notify_emails_field
from registry.agreements.service import period_problem
from registry.agreements.term_notices import TERMS, term_value
from registry.extensions import db
from registry.web.formatting import local_time
from registry.web.links import Contact

DAY_TERMS = ("notice_days", "objection_days", "acknowledge_days", "consultation_days")


def agreement_context(contact: Contact) -> dict[str, Any]:
    """The contacts, the terms and the open amendment, for the page."""
    agreement = contact.agreement
    return {
        "contacts": list(agreement.notify_emails),
        "terms": [
            {
                "name": term,
                "label": str(TERMS[term]),
                "value": getattr(agreement, term),
                "shown": term_value(term, getattr(agreement, term)),
                **_range_of(term),
            }
            for term in AMENDABLE_TERMS
        ],
        "amendment": _open_amendment(agreement),
        "errors": {},
        "values": {},
        "error_form": None,
    }


def _open_amendment(agreement: Agreement) -> dict[str, Any] | None:
    amendment = db.session.scalar(
        select(Amendment).where(
            Amendment.agreement_id == agreement.id, Amendment.state == AmendmentState.PROPOSED
        )
    )
    if amendment is None:
        return None
    return {
        "id": amendment.id,
        "by_processor": amendment.proposed_by == "processor",
        "reason": amendment.reason,
        "proposed_at": local_time(amendment.proposed_at, agreement.language),
        "rows": [
            {
                "label": str(TERMS[term]),
                "before": term_value(term, getattr(agreement, term)),
                "after": term_value(term, value),
            }
            for term, value in amendment.changes.items()
        ],
    }


# --- the forms ------------------------------------------------------------------------------


def read_contacts(contact: Contact) -> list[str]:
    """The addresses of the form, one a line, checked as the API checks them. Removing one's
    own address needs the box ticked that says its link stops working."""
    lines = [line.strip() for line in request.form.get("notify_emails", "").splitlines()]
    lines = [line for line in lines if line]
    try:
        emails = [str(email) for email in notify_emails_field().deserialize(lines)]
    except ValidationError as error:
        raise ValidationError({"notify_emails": _address_problems(error, lines)}) from None
    own = contact.email.lower() in {email.lower() for email in emails}
    if not own and not request.form.get("understood"):
        raise ValidationError(
            {
                "understood": [
                    gettext(
                        "Your own address is not in the new list: tick the box to confirm "
                        "that your personal link will stop working."
                    )
                ]
            }
        )
    return emails


def _address_problems(error: ValidationError, lines: list[str]) -> list[str]:
    messages = error.messages if isinstance(error.messages, dict) else {}
    bad = [lines[index] for index in messages if isinstance(index, int) and index < len(lines)]
    if not bad:
        return [gettext("Name 1 to 20 addresses, one per line.")]
    return [
        gettext("“%(address)s” is not an address mail can be delivered to.", address=address)
        for address in bad
    ]


def read_amendment(agreement: Agreement) -> dict[str, Any]:
    """The terms that differ from the agreement's and the reason, as the API takes them."""
    errors: dict[str, list[str]] = {}
    changes: dict[str, Any] = {}
    for term in DAY_TERMS:
        days = _days(term, request.form.get(term, "").strip(), errors)
        if days is not None and days != getattr(agreement, term):
            changes[term] = days
    language = request.form.get("language", agreement.language)
    if language != agreement.language:
        changes["language"] = language
    reason = (request.form.get("reason") or "").strip()
    if not reason:
        errors["reason"] = [gettext("Give the reason for the amendment.")]
    if not errors:
        _check_periods({**_terms_of(agreement), **changes}, errors)
    if not errors and not changes:
        errors["changes"] = [gettext("Change at least one term: these are the terms already.")]
    if errors:
        raise ValidationError(errors)
    data: dict[str, Any] = AmendmentInSchema().load({"changes": changes, "reason": reason})
    return data


def _range_of(term: str) -> dict[str, Any]:
    """The range the API accepts for a term of days (none for the language)."""
    field = TermsSchema().fields[term]
    ranges = [v for v in field.validators if isinstance(v, validate.Range)]
    return {"low": ranges[0].min, "high": ranges[0].max} if ranges else {}


def _days(term: str, value: str, errors: dict[str, list[str]]) -> int | None:
    """A whole number of days within the API's range for the term; else the reason."""
    low, high = _range_of(term).values()
    if value.isdigit() and low <= int(value) <= high:
        return int(value)
    errors[term] = [gettext("A whole number from %(low)s to %(high)s.", low=low, high=high)]
    return None


def _terms_of(agreement: Agreement) -> dict[str, Any]:
    return {term: getattr(agreement, term) for term in AMENDABLE_TERMS}


def _check_periods(terms: dict[str, Any], errors: dict[str, list[str]]) -> None:
    """The rule an agreement is recorded with (agreements.service.period_problem), said in
    the agreement's language next to the field."""
    problem = period_problem(
        notice_days=terms["notice_days"], objection_days=terms["objection_days"]
    )
    if problem is None:
        return
    field, floor = problem
    if floor is not None:
        errors[field] = [gettext("At least %(floor)s days (the minimum).", floor=floor)]
    else:
        errors[field] = [
            gettext("No longer than the notice period: an objection must be possible first.")
        ]
