"""Render one notice for one recipient: subject, text, HTML and the headers of the mail.

Templates live in ``registry/templates/email/<template>/{subject.txt, body.txt, body.html}``,
one per kind for every language, and are rendered with the app's Jinja environment: ``.html``
is autoescaped, ``.txt`` is not. Their text is English msgids in ``{% trans %}`` blocks and
``_()`` calls, translated through the gettext catalogs in ``registry/translations``; rendering
under ``force_locale(lang)`` picks the recipient's catalog and date formats.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from datetime import date, datetime
from typing import Any
from urllib.parse import quote, urlsplit

from babel import dates as babel_dates
from flask import current_app
from flask_babel import force_locale, gettext
from flask_babel import format_date as babel_format_date

from registry import clock
from registry.extensions import db
from registry.notifications.kinds import SUPPORTED_LANGUAGES, NoticeKind, Recipient, shared
from registry.notifications.models import Notice
from registry.organisations.models import Organisation


def language_of(recipient: Recipient) -> str:
    return recipient.language if recipient.language in SUPPORTED_LANGUAGES else "en"


def base_url() -> str:
    return str(current_app.config["BASE_URL"]).rstrip("/")


def mail_host() -> str:
    """The domain part of Message-IDs and List-Id: this service's host name."""
    return urlsplit(base_url()).hostname or "localhost"


def new_message_id() -> str:
    """A Message-ID chosen once per delivery and kept across retries (receivers dedupe)."""
    return f"<delivery-{uuid.uuid4().hex}@{mail_host()}>"


def unsubscribe_url(token: str) -> str:
    return f"{base_url()}/api/v1/subscriptions/unsubscribe/{token}"


def unsubscribe_mailto(token: str) -> str:
    address = current_app.config.get("UNSUBSCRIBE_MAILTO") or sender_address()
    return f"mailto:{address}?subject={quote('unsubscribe ' + token)}"


def sender_address() -> str:
    sender = current_app.extensions["mail"].default_sender or "registry@localhost"
    if isinstance(sender, tuple):
        return str(sender[1])
    return str(sender).rpartition("<")[2].rstrip(">").strip()


def format_date(value: date | datetime | None) -> str:
    """A long date in the current (forced) locale: 4 januari 2027 / January 4, 2027."""
    if value is None:
        return "—"
    return str(babel_format_date(value, "long"))


def format_datetime(value: datetime | None, language: str) -> str:
    """Date and time in Amsterdam, with its zone: 4 januari 2027 om 10:00 CET (as on the pages)."""
    if value is None:
        return "—"
    moment = clock.local(value)
    with force_locale(language):
        # Translators: a long date, a 24-hour time and the zone (CET or CEST).
        return gettext(
            "%(date)s at %(time)s %(zone)s",
            date=babel_dates.format_date(moment, "long", locale=language),
            time=moment.strftime("%H:%M"),
            zone=moment.tzname() or "",
        )


def sentence_end(text: str) -> str:
    """End a sentence with ``text`` without doubling a final full stop (… B.V.)."""
    return text if text.endswith(".") else f"{text}."


def base_context(notice: Notice, recipient: Recipient) -> dict[str, Any]:
    """What every template may use, whatever its kind."""
    language = language_of(recipient)
    processor = db.session.get(Organisation, notice.processor_id)
    context: dict[str, Any] = {
        "notice": notice,
        "recipient": recipient,
        "language": language,
        "processor": processor,
        "base_url": base_url(),
        "public_list_url": (
            f"{base_url()}/p/{processor.slug}?lang={language}" if processor else None
        ),
        "respond_url": personal_link(notice, recipient),
        "unsubscribe_url": None,
        "format_date": format_date,
        "sentence_end": sentence_end,
        "format_datetime": lambda value: format_datetime(value, language),
    }
    if recipient.is_subscriber and recipient.unsubscribe_token:
        context["unsubscribe_url"] = unsubscribe_url(recipient.unsubscribe_token)
    return context


# --- personal links ----------------------------------------------------------------------------
#
# An agreement contact's mail carries a link to its own page (``/respond/<token>``). The token is
# a capability, so it is never stored: the rendered mail in the outbox holds a stand-in, and the
# sender swaps in a freshly made link when it composes the message. The web layer, which owns
# those pages, registers the function that makes one (``register_personal_link``).

_PERSONAL_LINK = f"personal-link-{uuid.uuid4().hex}-"
_PERSONAL_LINK_PATTERN = re.compile(re.escape(_PERSONAL_LINK) + r"(\d+)-(\d+)")
PersonalLinkMaker = Callable[[int, str, int | None], str]
_link_maker: list[PersonalLinkMaker] = []


def register_personal_link(maker: PersonalLinkMaker) -> None:
    """``maker(agreement_id, address, change_id) -> url`` makes one contact's link."""
    _link_maker[:] = [maker]


def personal_link(notice: Notice, recipient: Recipient) -> str | None:
    """The stand-in for a contact's personal link; None for anyone else."""
    if not recipient.contractual or recipient.agreement_id is None or not _link_maker:
        return None
    return f"{_PERSONAL_LINK}{recipient.agreement_id}-{notice.change_id or 0}"


# --- replies ---------------------------------------------------------------------------------
#
# A reply goes to the processor's address, or to the one it keeps for the agreement a mail is
# sent under; the domain that keeps it registers the function that finds it.

ReplyToFinder = Callable[[Notice, Recipient], str | None]
_reply_to: list[ReplyToFinder] = []


def register_reply_to(finder: ReplyToFinder) -> None:
    """``finder(notice, recipient) -> address or None`` names where replies to a mail go."""
    _reply_to[:] = [finder]


def reply_to_for(
    notice: Notice, recipient: Recipient, processor: Organisation | None
) -> str | None:
    found = _reply_to[0](notice, recipient) if _reply_to else None
    return found or (processor.email if processor is not None else None)


def with_personal_links(payload: dict[str, Any], recipient: str) -> dict[str, Any]:
    """The payload as sent: every stand-in replaced by a fresh link for ``recipient``."""
    if not _link_maker:
        return payload

    def link(match: re.Match[str]) -> str:
        change_id = int(match.group(2)) or None
        return _link_maker[0](int(match.group(1)), recipient, change_id)

    return {
        key: _PERSONAL_LINK_PATTERN.sub(link, value) if isinstance(value, str) else value
        for key, value in payload.items()
    }


def headers_for(notice: Notice, recipient: Recipient) -> dict[str, str]:
    language = language_of(recipient)
    headers = {
        # RFC 3834: automatic mail; vacation responders stay quiet.
        "Auto-Submitted": "auto-generated",
        "Content-Language": language,
    }
    if recipient.is_subscriber and recipient.unsubscribe_token:
        processor = db.session.get(Organisation, notice.processor_id)
        slug = processor.slug if processor else str(notice.processor_id)
        headers["List-Id"] = f"<{slug}.subprocessors.{mail_host()}>"
        headers["List-Unsubscribe"] = (
            f"<{unsubscribe_url(recipient.unsubscribe_token)}>, "
            f"<{unsubscribe_mailto(recipient.unsubscribe_token)}>"
        )
        headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    return headers


def render(kind: NoticeKind, notice: Notice, recipient: Recipient) -> dict[str, Any]:
    """The payload of one delivery: subject, text, html, headers, sender name, reply-to.

    Subscribers are anonymous members of a list: their mail is rendered once per notice
    and language and then given each one's own unsubscribe token, so a notice to thousands
    costs two renderings, not thousands (see ``kinds``: a context function must not depend
    on which subscriber it renders for). Contacts are rendered one by one.
    """
    if not recipient.is_subscriber or recipient.unsubscribe_token is None:
        return _render(kind, notice, recipient)
    language = language_of(recipient)
    stand_in = Recipient(
        email="",
        language=language,
        contractual=False,
        subscription_id=0,
        unsubscribe_token=_TOKEN_STAND_IN,
    )
    rendered = shared(
        notice, ("subscriber mail", language), lambda: _render(kind, notice, stand_in)
    )
    return _with_token(rendered, recipient.unsubscribe_token)


# Replaced by each subscriber's token; URL-safe, so escaping and quoting leave it intact.
_TOKEN_STAND_IN = f"unsubscribe{uuid.uuid4().hex}token"


def _with_token(value: Any, token: str) -> Any:
    if isinstance(value, str):
        return value.replace(_TOKEN_STAND_IN, token)
    if isinstance(value, dict):
        return {key: _with_token(item, token) for key, item in value.items()}
    return value


def _render(kind: NoticeKind, notice: Notice, recipient: Recipient) -> dict[str, Any]:
    language = language_of(recipient)
    environment = current_app.jinja_env
    folder = f"email/{kind.template}"
    with force_locale(language):
        context = base_context(notice, recipient)
        context.update(kind.context(notice, recipient))
        subject = environment.get_template(f"{folder}/subject.txt").render(context)
        text = environment.get_template(f"{folder}/body.txt").render(context)
        html = environment.get_template(f"{folder}/body.html").render(context)
    processor = context.get("processor")
    return {
        "subject": " ".join(subject.split()),
        "text": text.strip() + "\n",
        "html": html,
        "headers": headers_for(notice, recipient),
        "from_name": processor.name if processor is not None else None,
        "reply_to": reply_to_for(notice, recipient, processor),
    }
