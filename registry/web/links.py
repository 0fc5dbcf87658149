"""Personal links in notices: ``/respond/<token>`` lets one agreement contact answer a notice.

The link is the capability: no account, no cookie. Its token is signed (itsdangerous, with the
app's SECRET_KEY) and carries the agreement, the contact's address and the agreement's
``contacts_revision``; it is made when a message is composed for sending, so it is never stored
in the database or the outbox. It works while the agreement is in force, the address is still
one of its contacts and has not been removed from them since (a removed contact's links die,
and stay dead if it is named again), and for at most RESPOND_LINK_DAYS: every new notice brings
a fresh link.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, TimestampSigner, URLSafeTimedSerializer

from registry import clock
from registry.agreements import service as agreements
from registry.agreements.models import Agreement
from registry.extensions import db
from registry.notifications.render import base_url

SALT = "registry.respond-link"


class LinkProblem(Exception):
    """Why a link no longer works: ``expired``, ``revoked`` or ``invalid``."""

    def __init__(self, reason: str, agreement: Agreement | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.agreement = agreement


@dataclass(frozen=True)
class Contact:
    """Who is acting through a link: one address of one agreement's contacts."""

    agreement: Agreement
    email: str


class _ClockSigner(TimestampSigner):
    """Signs and ages tokens by registry.clock, so the age is the registry's own notion of now."""

    def get_timestamp(self) -> int:
        return int(clock.now().timestamp())


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(
        str(current_app.config["SECRET_KEY"]), salt=SALT, signer=_ClockSigner
    )


def respond_token(agreement: Agreement, email: str) -> str:
    payload = {"a": agreement.id, "e": email.lower(), "r": agreement.contacts_revision}
    return str(_serializer().dumps(payload))


def respond_url(agreement: Agreement, email: str) -> str:
    return f"{base_url()}/respond/{respond_token(agreement, email)}"


def read_token(token: str) -> Contact:
    """The contact a token speaks for; LinkProblem when it does not (any more)."""
    max_age = timedelta(days=float(current_app.config["RESPOND_LINK_DAYS"]))
    try:
        payload = _serializer().loads(token, max_age=int(max_age.total_seconds()))
    except SignatureExpired as error:
        raise LinkProblem("expired", _agreement_of(error.payload)) from None
    except BadSignature:
        raise LinkProblem("invalid") from None
    agreement = _agreement_of(payload)
    if agreement is None:
        raise LinkProblem("invalid")
    email = str(payload.get("e", ""))
    current = {address.lower() for address in agreement.notify_emails}
    revision = payload.get("r")
    if (
        not isinstance(revision, int)
        or not agreement.links_valid_from(email) <= revision <= agreement.contacts_revision
        or email not in current
        or not agreements.is_in_force(agreement, clock.now())
    ):
        raise LinkProblem("revoked", agreement)
    return Contact(agreement=agreement, email=email)


def _agreement_of(payload: object) -> Agreement | None:
    """The agreement a (possibly expired) token names, to say whom to ask for a new link."""
    if isinstance(payload, bytes):
        try:
            payload = _serializer().load_payload(payload)
        except BadSignature:
            return None
    if not isinstance(payload, dict) or not isinstance(payload.get("a"), int):
        return None
    return db.session.get(Agreement, payload["a"])


def link_for(agreement_id: int, email: str, change_id: int | None) -> str:
    """A fresh personal link, made as a notice is composed for sending (see render.py)."""
    agreement = db.session.get(Agreement, agreement_id)
    if agreement is None:
        return f"{base_url()}/"
    url = respond_url(agreement, email)
    return f"{url}?change={change_id}" if change_id else url
