"""The agreement's own changes on the personal page (Art. 10.3): the contacts and amendments.

As every action of the page: through the API's service functions, as the agreement's
controller, recorded as done by this contact through a mail link, with a receipt to every
contact (see respond.py).
"""

from __future__ import annotations

from flask import Blueprint, Response
from flask_babel import gettext

from registry.agreements import amendments, contacts
from registry.agreements.amendment_schemas import AnswerSchema
from registry.web.links import Contact
from registry.web.respond import act_for, form_fields, with_contact
from registry.web.respond_page import controller_of
from registry.web.respond_terms import read_amendment, read_contacts

bp = Blueprint("respond_agreement", __name__)


@bp.post("/respond/<token>/contacts")
@with_contact
def respond_contacts(contact: Contact, token: str) -> Response:
    """Replace the agreement's contacts, as PATCH /api/v1/agreements/{id}/contacts does."""

    def act() -> str:
        emails = read_contacts(contact)
        agreement = contacts.change_contacts(
            controller=controller_of(contact),
            agreement_id=contact.agreement.id,
            notify_emails=emails,
        )
        message = gettext(
            "The contacts of the agreement are now: %(emails)s.",
            emails=", ".join(agreement.notify_emails),
        )
        if contact.email not in agreement.notify_emails:
            message += " " + gettext(
                "%(email)s is no longer one of them: its personal links, this one included, "
                "no longer work.",
                email=contact.email,
            )
        return message

    return act_for(contact, token, act, form="contacts")


@bp.post("/respond/<token>/amendments")
@with_contact
def respond_propose(contact: Contact, token: str) -> Response:
    """Propose new terms to the processor, as POST …/amendments does."""

    def act() -> str:
        data = read_amendment(contact.agreement)
        amendment = amendments.propose_amendment(
            party=controller_of(contact), agreement_id=contact.agreement.id, **data
        )
        return gettext(
            "Amendment %(id)s is proposed; the processor accepts or rejects it.",
            id=amendment.id,
        )

    return act_for(contact, token, act, form="amend")


@bp.post("/respond/<token>/amendments/<int:amendment_id>/accept")
@with_contact
def respond_accept_amendment(contact: Contact, token: str, amendment_id: int) -> Response:
    """Accept the processor's amendment: its terms apply from now on."""

    def act() -> str:
        amendments.accept_amendment(
            party=controller_of(contact),
            agreement_id=contact.agreement.id,
            amendment_id=amendment_id,
        )
        return gettext(
            "Amendment %(id)s is accepted; the new terms apply from now on.", id=amendment_id
        )

    return act_for(contact, token, act)


@bp.post("/respond/<token>/amendments/<int:amendment_id>/reject")
@with_contact
def respond_reject_amendment(contact: Contact, token: str, amendment_id: int) -> Response:
    """Reject the processor's amendment; the terms stay as they are."""

    def act() -> str:
        data = AnswerSchema().load(form_fields("reason"))
        amendments.reject_amendment(
            party=controller_of(contact),
            agreement_id=contact.agreement.id,
            amendment_id=amendment_id,
            **data,
        )
        return gettext("Amendment %(id)s is rejected; the terms stay as they are.", id=amendment_id)

    return act_for(contact, token, act)


@bp.post("/respond/<token>/amendments/<int:amendment_id>/withdraw")
@with_contact
def respond_withdraw_amendment(contact: Contact, token: str, amendment_id: int) -> Response:
    """Withdraw the controller's own amendment."""

    def act() -> str:
        data = AnswerSchema().load(form_fields("reason"))
        amendments.withdraw_amendment(
            party=controller_of(contact),
            agreement_id=contact.agreement.id,
            amendment_id=amendment_id,
            **data,
        )
        return gettext("Amendment %(id)s is withdrawn.", id=amendment_id)

    return act_for(contact, token, act)
