"""Ways out for rendered deliveries: SMTP through Flask-Mail, or a local maildir.

A transport takes a batch and answers one ``Result`` per delivery. It never touches the
database: the worker decides what each outcome means for the outbox.
"""

from __future__ import annotations

import enum
import mailbox
import smtplib
import socket
from dataclasses import dataclass
from email import policy
from email.mime.base import MIMEBase
from email.utils import formataddr
from pathlib import Path
from typing import Any, Protocol

import flask_mail
from flask import current_app

from registry.notifications.render import sender_address


class Outcome(enum.StrEnum):
    SENT = "sent"
    RETRY = "retry"  # transient: connection refused, timeout, SMTP 4xx
    DEAD = "dead"  # permanent: SMTP 5xx for this recipient, or an unsendable message


@dataclass(frozen=True)
class OutgoingMail:
    delivery_id: int
    recipient: str
    message_id: str
    payload: dict[str, Any]


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


# RFC 5322 allows 998 characters a line. At the default 78 the email package would wrap
# a long List-Unsubscribe URI in RFC 2047 encoded words, which mail clients do not decode.
_POLICY = policy.SMTP.clone(max_line_length=998)


class _Message(flask_mail.Message):
    def _message(self) -> MIMEBase:
        message = super()._message()
        message.policy = _POLICY
        return message


def build_message(mail: OutgoingMail) -> flask_mail.Message:
    payload = mail.payload
    sender: str | None = None
    if payload.get("from_name"):
        sender = formataddr((str(payload["from_name"]), sender_address()))
    message = _Message(
        subject=payload["subject"],
        recipients=[mail.recipient],
        body=payload["text"],
        html=payload.get("html"),
        sender=sender,
        reply_to=payload.get("reply_to"),
        extra_headers=dict(payload.get("headers") or {}),
    )
    # The stored id, the same on every attempt (an extra Message-ID header would add a second).
    message.msgId = mail.message_id
    return message


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
                box.add(build_message(mail).as_bytes())
            except flask_mail.BadHeaderError as error:
                results.append(Result(mail.delivery_id, Outcome.DEAD, f"bad header: {error}"))
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

    def configure_host(self) -> smtplib.SMTP | smtplib.SMTP_SSL:
        timeout = float(current_app.config.get("MAIL_TIMEOUT") or 10)
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
        results: list[Result] = []
        try:
            for index, mail in enumerate(mails):
                try:
                    connection.send(build_message(mail))
                except smtplib.SMTPRecipientsRefused as error:
                    code, message = next(iter(error.recipients.values()))
                    results.append(_refusal(code, message, mail))
                except smtplib.SMTPSenderRefused as error:
                    # Our own envelope sender is refused: no recipient is at fault.
                    results.extend(_all_retry(mails[index:], f"sender refused: {_describe(error)}"))
                    break
                except smtplib.SMTPDataError as error:
                    results.append(_refusal(error.smtp_code, error.smtp_error, mail))
                except flask_mail.BadHeaderError as error:
                    results.append(Result(mail.delivery_id, Outcome.DEAD, f"bad header: {error}"))
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
