"""The personal page behind a notice's link: answer the processor without an account or an API.

Every action goes through the same service functions as the API, as the agreement's controller,
and is recorded in the audit trail as done by this contact (its address) through a mail link.
Every contact of the agreement then receives a receipt, so a forwarded mail cannot act unseen.
The pages send ``Cache-Control: no-store`` and ``Referrer-Policy: no-referrer``: the address
is the key, and must not leak into caches, other sites' logs or search engines.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from flask import Blueprint, Response, g, render_template, request
from flask_babel import force_locale, gettext
from marshmallow import Schema, ValidationError, fields, validate

from registry.agreements import consents
from registry.countries.service import country_name
from registry.errors import NotFound, Problem, flatten_errors
from registry.extensions import db
from registry.objections import filing, outcomes
from registry.objections import service as objections
from registry.objections.models import Objection
from registry.objections.schemas import (
    MessageInSchema,
    ObjectionInSchema,
    RejectInSchema,
    WithdrawInSchema,
)
from registry.organisations.models import Organisation
from registry.web.links import Contact, LinkProblem, read_token
from registry.web.notifications import queue_receipt
from registry.web.respond_page import controller_of, page_context

bp = Blueprint("respond", __name__)

PRIVATE = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Robots-Tag": "noindex, nofollow",
}


def private(body: str, status: int = 200) -> Response:
    return Response(body, status=status, mimetype="text/html", headers=PRIVATE)


def with_contact(view: Callable[..., Response]) -> Callable[..., Response]:
    """Read the link, or show why it no longer works (never a stack trace)."""

    @functools.wraps(view)
    def wrapper(token: str, **kwargs: Any) -> Response:
        try:
            contact = read_token(token)
        except LinkProblem as problem:
            return _link_problem(problem)
        g.pop("api_token", None)  # the link is the only authority here
        g.link_actor = (contact.agreement.controller_id, contact.email)
        with force_locale(contact.agreement.language):
            return view(contact, token, **kwargs)

    return wrapper


def _link_problem(problem: LinkProblem) -> Response:
    agreement = problem.agreement
    language = agreement.language if agreement else "nl"
    processor = db.session.get(Organisation, agreement.processor_id) if agreement else None
    with force_locale(language):
        body = render_template(
            "web/link_problem.html",
            reason=problem.reason,
            processor=processor,
            language=language,
            noindex=True,
        )
    return private(body, status=404 if problem.reason == "invalid" else 410)


# --- the page and its forms ------------------------------------------------------------------


@bp.get("/respond/<token>")
@with_contact
def respond(contact: Contact, token: str) -> Response:
    """The contact's page: the change, what it means, the objections, and the forms."""
    return private(render_template("web/respond.html", **page_context(contact, token)))


@bp.post("/respond/<token>/objections")
@with_contact
def respond_object(contact: Contact, token: str) -> Response:
    """File an objection to an announced change, as the API does."""

    def act() -> str:
        data = ObjectionInSchema().load(form_fields("grounds", "remedy"))
        change_id = _form_id("change_id")
        objection = filing.file_objection(
            controller=controller_of(contact), change_id=change_id, **data
        )
        return gettext("Objection %(id)s is filed.", id=objection.id)

    return act_for(contact, token, act)


@bp.post("/respond/<token>/listed-objections")
@with_contact
def respond_object_listed(contact: Contact, token: str) -> Response:
    """Object to a sub-processor on the list, as the API does."""

    def act() -> str:
        data = ObjectionInSchema().load(form_fields("grounds", "remedy"))
        objection = filing.file_listed_objection(
            controller=controller_of(contact),
            agreement_id=contact.agreement.id,
            subprocessor_id=_form_id("subprocessor_id"),
            **data,
        )
        return gettext("Objection %(id)s is filed.", id=objection.id)

    return act_for(contact, token, act)


@bp.post("/respond/<token>/consents")
@with_contact
def respond_consent(contact: Contact, token: str) -> Response:
    """Give prior consent for the ticked locations, in the name and role of the person."""

    def act() -> str:
        person = PersonSchema().load(form_fields("name", "role"))
        codes = request.form.getlist("code")
        if not codes:
            raise ValidationError({"code": [gettext("Tick at least one location.")]})
        note = gettext(
            "Given by %(name)s (%(role)s) through the personal link of %(email)s.",
            email=contact.email,
            **person,
        )
        given = [
            consents.give_consent(
                controller=controller_of(contact),
                agreement_id=contact.agreement.id,
                code=code,
                note=note,
            )
            for code in dict.fromkeys(codes)
        ]
        names = ", ".join(country_name(c.code, contact.agreement.language) for c in given)
        return gettext("Prior consent is given for %(locations)s.", locations=names)

    return act_for(contact, token, act)


@bp.post("/respond/<token>/objections/<int:objection_id>/messages")
@with_contact
def respond_message(contact: Contact, token: str, objection_id: int) -> Response:
    """Reply in the consultation of one of this agreement's objections."""

    def act() -> str:
        _own_objection(contact, objection_id)
        data = MessageInSchema().load(form_fields("body"))
        objections.post_message(
            organisation=controller_of(contact), objection_id=objection_id, **data
        )
        return gettext("Your reply is sent.")

    return act_for(contact, token, act)


@bp.post("/respond/<token>/objections/<int:objection_id>/withdraw")
@with_contact
def respond_withdraw(contact: Contact, token: str, objection_id: int) -> Response:
    """Withdraw one of this agreement's objections."""

    def act() -> str:
        _own_objection(contact, objection_id)
        data = WithdrawInSchema().load(form_fields("reason"))
        objections.withdraw(controller=controller_of(contact), objection_id=objection_id, **data)
        return gettext("Objection %(id)s is withdrawn.", id=objection_id)

    return act_for(contact, token, act)


@bp.post("/respond/<token>/objections/<int:objection_id>/accept")
@with_contact
def respond_accept(contact: Contact, token: str, objection_id: int) -> Response:
    """Accept the processor's proposal on one of this agreement's objections."""

    def act() -> str:
        _own_objection(contact, objection_id)
        outcomes.accept(controller=controller_of(contact), objection_id=objection_id)
        return gettext(
            "The proposal on objection %(id)s is accepted; the objection is resolved.",
            id=objection_id,
        )

    return act_for(contact, token, act)


@bp.post("/respond/<token>/objections/<int:objection_id>/reject")
@with_contact
def respond_reject(contact: Contact, token: str, objection_id: int) -> Response:
    """Reject the processor's proposal, with reasons; the consultation goes on."""

    def act() -> str:
        _own_objection(contact, objection_id)
        data = RejectInSchema().load(form_fields("reason"))
        outcomes.reject(controller=controller_of(contact), objection_id=objection_id, **data)
        return gettext(
            "The proposal on objection %(id)s is rejected; the consultation goes on.",
            id=objection_id,
        )

    return act_for(contact, token, act)


def act_for(
    contact: Contact, token: str, act: Callable[[], str], form: str | None = None
) -> Response:
    """Do it through the services; on success a receipt to every contact, else say why.
    With ``form`` named, bad input shows the page again, the reasons next to the fields."""
    title, problem, message, status = gettext("Done"), None, "", 200
    explanation = None
    try:
        message = act()
    except ValidationError as error:
        flat = flatten_errors(error.messages)
        if form is not None:
            return _page_with_errors(contact, token, form, flat)
        problem = "; ".join(f"{field}: {', '.join(texts)}" for field, texts in flat.items())
        title, status = gettext("Please check what you entered"), 422
    except Problem as error:
        title, problem, status = gettext("This could not be done"), error.detail, error.status
        explanation = _refusal_explanation(status)
    else:
        queue_receipt(agreement=contact.agreement, actor=contact.email, action=message)
    body = render_template(
        "web/respond_result.html",
        title=title,
        problem=problem,
        explanation=explanation,
        message=message,
        # A contact that removed its own address has no page to go back to.
        token=token if contact.email in contact.agreement.notify_emails else None,
        language=contact.agreement.language,
        noindex=True,
    )
    return private(body, status=status)


def _refusal_explanation(status: int) -> str:
    """What a refusal means, in the page's language; the service's own words (English, as the
    API gives them) follow as the details."""
    if status == 409:
        return gettext(
            "This is not possible at this moment: it may have been done already, by you or "
            "another contact, or a deadline or the state of the matter no longer allows it."
        )
    if status == 404:
        return gettext("This is not part of your agreement.")
    return gettext("Please check what you entered.")


def _page_with_errors(
    contact: Contact, token: str, form: str, errors: dict[str, list[str]]
) -> Response:
    context = page_context(contact, token) | {
        "errors": errors,
        "values": request.form,
        "error_form": form,
    }
    return private(render_template("web/respond.html", **context), status=422)


def _own_objection(contact: Contact, objection_id: int) -> None:
    """Another agreement's objection is not there for this link (404)."""
    objection = db.session.get(Objection, objection_id)
    if objection is None or objection.agreement_id != contact.agreement.id:
        raise NotFound(f"No objection {objection_id}.")


def form_fields(*names: str) -> dict[str, str | None]:
    """The named form fields, stripped; an empty one is None."""
    return {name: (request.form.get(name) or "").strip() or None for name in names}


def _form_id(name: str) -> int:
    value = request.form.get(name, "")
    if not value.isdigit():
        raise ValidationError({name: [gettext("Choose one.")]})
    return int(value)


class PersonSchema(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    role = fields.String(required=True, validate=validate.Length(min=1, max=200))
