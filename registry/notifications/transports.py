"""Composing mail, and the ways out for it: SMTP (``smtp.py``) or a local maildir.

``compose`` turns a delivery's rendered payload into the message, with the delivery's own
Message-ID, the same on every attempt. A transport takes a batch of composed messages and
reports each delivery's ``Result`` to the batch's ledger (``outcomes.py``).
"""

from __future__ import annotations

import base64
import functools
import mailbox
import uuid
from email.utils import formataddr, formatdate
from pathlib import Path
from typing import Any

import flask_mail
from flask import current_app

from registry import clock
from registry.notifications.outcomes import Ledger, Outcome, OutgoingMail, Result, Transport
from registry.notifications.render import sender_address
from registry.notifications.smtp import NOT_ASCII, SmtpTransport
from registry.organisations.addresses import needs_smtputf8, smtputf8, transport_form

__all__ = [
    "MaildirTransport",
    "Outcome",
    "OutgoingMail",
    "Result",
    "SmtpTransport",
    "Transport",
    "compose",
    "message_bytes",
    "transport_for_app",
]


class Unsendable(ValueError):
    """A message that can never be sent as stored (retrying cannot mend it)."""


class _Message(flask_mail.Message):
    """A Flask-Mail message that serialises itself directly.

    Every registry mail has one shape: headers, then multipart/alternative with a text and
    an HTML part. Flask-Mail builds it through the email package's generator, which costs
    about a millisecond a message, more than the SMTP exchange itself; writing the shape
    directly costs a few hundredths of that (bench/fanout.py). Header encoding stays
    Flask-Mail's own (``sanitize_subject``, ``sanitize_address``). Bodies are base64, so no
    line ever exceeds SMTP's limit whatever a reason or a name contains. Long header values
    such as ``List-Unsubscribe`` stay on one line (RFC 5322 allows 998 characters), as
    mail clients do not decode RFC 2047 words in URIs.
    """

    def __init__(self, *, message_id: str, sender: str | None, **fields: Any) -> None:
        # Flask-Mail's own __init__ first draws a Message-ID, looking this host's name up
        # each time; a registry mail only ever carries its delivery's id.
        default = current_app.extensions["mail"].default_sender
        if isinstance(default, tuple):
            default = f"{default[0]} <{default[1]}>"
        self.sender = sender or default
        self.msgId = message_id
        self.cc, self.bcc, self.alts, self.attachments = [], [], {}, []
        self.charset, self.mail_options, self.rcpt_options = None, [], []
        for name in ("subject", "recipients", "body", "html", "reply_to", "extra_headers"):
            setattr(self, name, fields[name])
        self.date = fields["date"]

    def as_string(self) -> str:
        return serialise(self)

    def as_bytes(self) -> bytes:
        return serialise(self).encode("ascii")


def serialise(message: flask_mail.Message) -> str:
    extra = message.extra_headers or {}
    if message.has_bad_headers() or any(_has_line_break(f"{k}{v}") for k, v in extra.items()):
        raise flask_mail.BadHeaderError("a header contains a line break")
    boundary = f"=_{uuid.uuid4().hex}"
    lines = [
        f"From: {_address(message.sender)}",
        f"To: {', '.join(_recipient(r) for r in message.recipients)}",
        f"Subject: {_subject(message.subject)}",
        f"Date: {formatdate(message.date, usegmt=True)}",
        f"Message-ID: {message.msgId}",
    ]
    if message.reply_to:
        lines.append(f"Reply-To: {_address(message.reply_to)}")
    lines.extend(f"{name}: {value}" for name, value in extra.items())
    lines += ["MIME-Version: 1.0", f'Content-Type: multipart/alternative; boundary="{boundary}"']
    for subtype, content in (("plain", message.body or ""), ("html", message.html)):
        if content is None:
            continue
        encoded = base64.encodebytes(content.encode("utf-8")).decode("ascii")
        lines += [
            "",
            f"--{boundary}",
            f'Content-Type: text/{subtype}; charset="utf-8"',
            "Content-Transfer-Encoding: base64",
            "",
            encoded.rstrip("\n").replace("\n", "\r\n"),
        ]
    lines += ["", f"--{boundary}--", ""]
    return "\r\n".join(lines)


def _has_line_break(text: str) -> bool:
    return "\r" in text or "\n" in text


@functools.lru_cache(maxsize=1024)
def _subject(subject: str) -> str:
    # Non-ASCII subjects become folded RFC 2047 words; fold with CRLF like every other line.
    return flask_mail.sanitize_subject(subject).replace("\r\n", "\n").replace("\n", "\r\n")


@functools.lru_cache(maxsize=256)
def _address(address: str | tuple[str, str]) -> str:
    return flask_mail.sanitize_address(address)


def _recipient(address: str | tuple[str, str]) -> str:
    # A plain ASCII address needs no encoding; parsing thousands of them is not free.
    if isinstance(address, str) and address.isascii() and "<" not in address:
        return address
    if isinstance(address, str) and "<" not in address:
        form = transport_form(address)  # the domain in ASCII
        if needs_smtputf8(form) and not smtputf8():
            raise Unsendable(NOT_ASCII)
        return form  # with SMTPUTF8 the header carries UTF-8 as it is (RFC 6532)
    return flask_mail.sanitize_address(address)


def compose(*, recipient: str, message_id: str, payload: dict[str, Any]) -> str:
    """The complete message for one rendered payload, as ASCII text with CRLF lines."""
    sender: str | None = None
    if payload.get("from_name"):
        sender = formataddr((str(payload["from_name"]), sender_address()))
    message = _Message(
        # The delivery's own id, kept for every attempt.
        message_id=message_id,
        subject=payload["subject"],
        recipients=[recipient],
        body=payload["text"],
        html=payload.get("html"),
        sender=sender,
        reply_to=payload.get("reply_to"),
        extra_headers=dict(payload.get("headers") or {}),
        date=clock.now().timestamp(),
    )
    return message.as_string()


def message_bytes(*, recipient: str, message_id: str, payload: dict[str, Any]) -> bytes:
    """The composed message as sent: ASCII, or UTF-8 for an address that needs SMTPUTF8."""
    text = compose(recipient=recipient, message_id=message_id, payload=payload)
    return text.encode("utf-8" if needs_smtputf8(recipient) else "ascii")


def transport_for_app() -> Transport:
    """SMTP when a mail server is configured, else the maildir (a trial run needs no server)."""
    if current_app.extensions["mail"].server:
        return SmtpTransport()
    return MaildirTransport(maildir_path())


def maildir_path() -> Path:
    configured = current_app.config.get("INSTANCE_MAIL_DIR")
    return Path(configured) if configured else Path(current_app.instance_path) / "mail"


class MaildirTransport:
    name = "maildir"

    def __init__(self, path: Path) -> None:
        self.path = path

    def send_batch(self, mails: list[OutgoingMail], ledger: Ledger) -> None:
        try:
            box = mailbox.Maildir(self.path, create=True)
        except OSError as error:
            for mail in mails:
                ledger.record(Result(mail.delivery_id, Outcome.RETRY, f"maildir: {error}"))
            return
        for mail in mails:
            if not ledger.still_held(mail.delivery_id):
                continue
            ledger.settle()  # as over SMTP: the previous outcome is written first
            try:
                box.add(mail.data)
            except OSError as error:
                ledger.record(Result(mail.delivery_id, Outcome.RETRY, f"maildir: {error}"))
            else:
                ledger.record(Result(mail.delivery_id, Outcome.SENT))
