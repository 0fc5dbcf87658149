"""Composing mail, and the ways out for it: SMTP through Flask-Mail, or a local maildir.

``compose`` turns a delivery's rendered payload into the message, with the delivery's own
Message-ID, the same on every attempt. A transport takes a batch of composed messages and
answers one ``Result`` per delivery. It never touches the database: the worker decides
what each outcome means for the outbox.
"""

from __future__ import annotations

import base64
import enum
import functools
import mailbox
import smtplib
import socket
import uuid
from dataclasses import dataclass
from email.utils import formataddr, formatdate
from pathlib import Path
from typing import Any, Protocol

import flask_mail
from flask import current_app

from registry import clock
from registry.notifications.render import sender_address


class Outcome(enum.StrEnum):
    SENT = "sent"
    RETRY = "retry"  # transient: connection refused, timeout, SMTP 4xx
    DEAD = "dead"  # permanent: SMTP 5xx for this recipient, or an unsendable message


@dataclass(frozen=True)
class OutgoingMail:
    delivery_id: int
    recipient: str
    data: bytes  # the composed message (``compose``)


@dataclass(frozen=True)
class Result:
    delivery_id: int
    outcome: Outcome
    error: str | None = None
    # A permanent refusal of the address itself: nothing more goes to it.
    suppress: bool = False


class Transport(Protocol):
    name: str

    def send_batch(self, mails: list[OutgoingMail]) -> list[Result]: ...


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
    return flask_mail.sanitize_address(address)


def compose(*, recipient: str, message_id: str, payload: dict[str, Any]) -> str:
    """The complete message for one rendered payload, as ASCII text with CRLF lines."""
    sender: str | None = None
    if payload.get("from_name"):
        sender = formataddr((str(payload["from_name"]), sender_address()))
    message = _Message(
        subject=payload["subject"],
        recipients=[recipient],
        body=payload["text"],
        html=payload.get("html"),
        sender=sender,
        reply_to=payload.get("reply_to"),
        extra_headers=dict(payload.get("headers") or {}),
        date=clock.now().timestamp(),
    )
    # The delivery's own id, kept for every attempt (an extra Message-ID header would add
    # a second one).
    message.msgId = message_id
    return message.as_string()


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

    def send_batch(self, mails: list[OutgoingMail]) -> list[Result]:
        try:
            box = mailbox.Maildir(self.path, create=True)
        except OSError as error:
            return [Result(m.delivery_id, Outcome.RETRY, f"maildir: {error}") for m in mails]
        results = []
        for mail in mails:
            try:
                box.add(mail.data)
            except OSError as error:
                results.append(Result(mail.delivery_id, Outcome.RETRY, f"maildir: {error}"))
            else:
                results.append(Result(mail.delivery_id, Outcome.SENT))
        return results


class _Connection(flask_mail.Connection):
    """Flask-Mail's connection with a socket timeout, and a quit that tolerates a dead peer.

    Flask-Mail opens smtplib without a timeout, so a server that stops answering would hang
    the worker forever; MAIL_TIMEOUT bounds every connect, read and write.
    """

    def send_mime(self, envelope_from: str, recipient: str, data: bytes) -> None:
        """Send one composed message (Flask-Mail's ``send`` composes it first)."""
        if self.host is None:
            raise smtplib.SMTPServerDisconnected("not connected")
        self.host.sendmail(envelope_from, [recipient], data)
        self.num_emails += 1
        if self.num_emails == self.mail.max_emails:  # MAIL_MAX_EMAILS: reconnect after so many
            self.num_emails = 0
            self.close()
            self.host = self.configure_host()

    def configure_host(self) -> smtplib.SMTP | smtplib.SMTP_SSL:
        timeout = float(current_app.config["MAIL_TIMEOUT"])
        host: smtplib.SMTP | smtplib.SMTP_SSL
        if self.mail.use_ssl:
            host = smtplib.SMTP_SSL(self.mail.server, self.mail.port, timeout=timeout)
        else:
            host = smtplib.SMTP(self.mail.server, self.mail.port, timeout=timeout)
        if self.mail.use_tls:
            host.starttls()
        if self.mail.username and self.mail.password:
            host.login(self.mail.username, self.mail.password)
        return host

    def close(self) -> None:
        if self.host is None:
            return
        try:
            self.host.quit()
        except (smtplib.SMTPException, OSError):
            self.host.close()
        self.host = None


_CONNECTION_ERRORS = (smtplib.SMTPServerDisconnected, smtplib.SMTPConnectError, OSError)


def _refusal(code: int, message: bytes | str, mail: OutgoingMail) -> Result:
    text = message.decode(errors="replace") if isinstance(message, bytes) else str(message)
    error = f"{code} {text}".strip()
    if code >= 500:
        return Result(mail.delivery_id, Outcome.DEAD, error, suppress=True)
    return Result(mail.delivery_id, Outcome.RETRY, error)


class SmtpTransport:
    """One SMTP connection per batch; each recipient's answer decides its own outcome."""

    name = "smtp"

    def send_batch(self, mails: list[OutgoingMail]) -> list[Result]:
        if not mails:
            return []
        connection = _Connection(current_app.extensions["mail"])
        try:
            connection.host = connection.configure_host()
        except (smtplib.SMTPException, OSError) as error:
            return _all_retry(mails, f"connection failed: {_describe(error)}")
        envelope_from = sender_address()
        results: list[Result] = []
        try:
            for index, mail in enumerate(mails):
                try:
                    connection.send_mime(envelope_from, mail.recipient, mail.data)
                except smtplib.SMTPRecipientsRefused as error:
                    code, message = next(iter(error.recipients.values()))
                    results.append(_refusal(code, message, mail))
                except smtplib.SMTPSenderRefused as error:
                    # Our own envelope sender is refused: no recipient is at fault.
                    results.extend(_all_retry(mails[index:], f"sender refused: {_describe(error)}"))
                    break
                except smtplib.SMTPDataError as error:
                    results.append(_refusal(error.smtp_code, error.smtp_error, mail))
                except UnicodeEncodeError:
                    # smtplib speaks ASCII only; such an address will never go through.
                    unsendable = "address is not ASCII (SMTPUTF8 is not supported)"
                    results.append(Result(mail.delivery_id, Outcome.DEAD, unsendable))
                except _CONNECTION_ERRORS as error:
                    # The connection is gone: this one and the rest of the batch try again.
                    lost = f"connection lost: {_describe(error)}"
                    results.extend(_all_retry(mails[index:], lost))
                    break
                else:
                    results.append(Result(mail.delivery_id, Outcome.SENT))
        finally:
            connection.close()
        return results


def _all_retry(mails: list[OutgoingMail], error: str) -> list[Result]:
    return [Result(m.delivery_id, Outcome.RETRY, error) for m in mails]


def _describe(error: BaseException) -> str:
    # smtplib reports a read timeout as "Connection unexpectedly closed: timed out".
    if isinstance(error, socket.timeout | TimeoutError) or str(error).endswith("timed out"):
        return "timed out"
    return f"{type(error).__name__}: {error}".strip()
