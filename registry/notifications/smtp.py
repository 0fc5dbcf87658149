"""SMTP through Flask-Mail's connection: one connection per batch, one transaction per message.

Each message goes as smtplib's ``sendmail`` would send it (MAIL, RCPT, DATA), except that the
batch's ledger starts writing the previous message's outcome as soon as MAIL is asked
(``Ledger.flush``) and must have written it before the final dot lets the server accept this one
(``Ledger.settle``). Recording one message thus overlaps sending the next, and a worker killed at
any moment leaves at most one accepted message per connection that is not marked sent. Every
failure of one message is that message's outcome alone; only a lost connection or a refused
sender sends the rest of the batch back to be retried.
"""

from __future__ import annotations

import functools
import re
import smtplib
import socket

import flask_mail
from flask import current_app

from registry.notifications.bounces import Stage, refusal
from registry.notifications.outcomes import Ledger, LedgerFailed, Outcome, OutgoingMail, Result
from registry.notifications.render import sender_address
from registry.organisations.addresses import needs_smtputf8, transport_form

# smtplib's errors are OSErrors too; these are the ones that mean the connection is gone.
CONNECTION_ERRORS = (smtplib.SMTPServerDisconnected, smtplib.SMTPConnectError, OSError)
NO_SMTPUTF8 = "the mail server does not offer SMTPUTF8, which this address needs"
NOT_ASCII = "the address cannot be written in ASCII and MAIL_SMTPUTF8 is off"
_LEADING_DOT = re.compile(rb"(?m)^\.")


class _Connection(flask_mail.Connection):
    """Flask-Mail's connection with a socket timeout, and a quit that tolerates a dead peer.

    Flask-Mail opens smtplib without a timeout, so a server that stops answering would hang
    the worker forever; MAIL_TIMEOUT bounds every connect, read and write.
    """

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
        if host.sock is not None:
            # The final dot is a write of its own after the message: without this, Nagle's
            # algorithm holds it until the server acknowledges the message (delayed ACK).
            host.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return host

    def sent_one(self) -> None:
        self.num_emails += 1
        if self.num_emails == self.mail.max_emails:  # MAIL_MAX_EMAILS: reconnect after so many
            self.num_emails = 0
            self.close()

    def close(self) -> None:
        if self.host is None:
            return
        try:
            self.host.quit()
        except (smtplib.SMTPException, OSError):
            self.host.close()
        self.host = None


def transmit(
    host: smtplib.SMTP, sender: str, recipient: str, data: bytes, *, ledger: Ledger
) -> None:
    """Send one message over an open connection; raises smtplib's errors as sendmail does.

    The ledger writes the outcomes reported so far while the server answers, and has written
    them before the final dot lets the server accept this message.
    """
    host.ehlo_or_helo_if_needed()
    host.putcmd("mail", _mail_arguments(host, sender, recipient))
    ledger.flush()
    code, reply = host.getreply()
    if code != 250:
        _reset(host, code)
        raise smtplib.SMTPSenderRefused(code, reply, sender)
    try:
        host.putcmd("rcpt", f"TO:{_angled(recipient)}")
        code, reply = host.getreply()
        if code not in (250, 251):
            raise smtplib.SMTPRecipientsRefused({recipient: (code, reply)})
        host.putcmd("data")
        code, reply = host.getreply()
        if code != 354:
            raise smtplib.SMTPDataError(code, reply)
    except Exception as error:
        if not connection_gone(error):
            _reset(host, code)
        raise
    host.send(_dot_stuffed(data))
    try:
        ledger.settle()
    except BaseException:
        host.close()  # mid-transaction: without the final dot the server keeps nothing
        raise
    host.send(b".\r\n")
    code, reply = host.getreply()
    if code != 250:
        raise smtplib.SMTPDataError(code, reply)


def _dot_stuffed(data: bytes) -> bytes:
    """The message as DATA carries it: a line starting with a dot gets another (RFC 5321)."""
    if data.startswith(b".") or b"\n." in data:
        data = _LEADING_DOT.sub(b"..", data)
    return data if data.endswith(b"\r\n") else data + b"\r\n"


def _mail_arguments(host: smtplib.SMTP, sender: str, recipient: str) -> str:
    """MAIL FROM's arguments, as smtplib's ``mail`` writes them."""
    if not needs_smtputf8(recipient):
        return f"FROM:{_angled(sender)}"
    if not host.has_extn("smtputf8"):
        raise smtplib.SMTPNotSupportedError("SMTPUTF8 not supported by server")
    host.command_encoding = "utf-8"
    return f"FROM:{_angled(sender)} SMTPUTF8 BODY=8BITMIME"


_PLAIN = re.compile(r"[^\s<>()\[\]\\,;:\"]+@[^\s<>()\[\]\\,;:\"]+")


@functools.lru_cache(maxsize=4096)
def _angled(address: str) -> str:
    """``<address>``; smtplib's ``quoteaddr`` parses every address, which costs more than
    sending it when the address is plain, as every address checked on input is."""
    return f"<{address}>" if _PLAIN.fullmatch(address) else smtplib.quoteaddr(address)


def connection_gone(error: BaseException) -> bool:
    if isinstance(error, smtplib.SMTPServerDisconnected | smtplib.SMTPConnectError):
        return True
    return isinstance(error, OSError) and not isinstance(error, smtplib.SMTPException)


def _reset(host: smtplib.SMTP, code: int) -> None:
    # 421: the server is closing the connection; anything else leaves it usable after RSET.
    if code == 421:
        host.close()
    else:
        host.rset()


class SmtpTransport:
    """One SMTP connection per batch; each message's answer decides its own outcome."""

    name = "smtp"

    def send_batch(self, mails: list[OutgoingMail], ledger: Ledger) -> None:
        connection = _Connection(current_app.extensions["mail"])
        sender = sender_address()
        try:
            for index, mail in enumerate(mails):
                if not ledger.still_held(mail.delivery_id):
                    continue
                if connection.host is None:
                    try:
                        connection.host = connection.configure_host()
                    except (smtplib.SMTPException, OSError) as error:
                        _retry(ledger, mails[index:], f"connection failed: {describe(error)}")
                        return
                try:
                    result = _send_one(connection, sender, mail, ledger)
                except smtplib.SMTPSenderRefused as error:
                    # Our own envelope sender is refused: no recipient is at fault.
                    _retry(ledger, mails[index:], f"sender refused: {describe(error)}")
                    return
                except CONNECTION_ERRORS as error:
                    # This one and the rest of the batch try again (after the backoff).
                    _retry(ledger, mails[index:], f"connection lost: {describe(error)}")
                    return
                ledger.record(result)
        finally:
            connection.close()


def _send_one(connection: _Connection, sender: str, mail: OutgoingMail, ledger: Ledger) -> Result:
    assert connection.host is not None
    try:
        transmit(
            connection.host,
            sender,
            transport_form(mail.recipient),
            mail.data,
            ledger=ledger,
        )
    except smtplib.SMTPRecipientsRefused as error:
        code, message = next(iter(error.recipients.values()))
        return refusal(mail.delivery_id, code, message, stage=Stage.RCPT)
    except smtplib.SMTPDataError as error:
        return refusal(mail.delivery_id, error.smtp_code, error.smtp_error, stage=Stage.DATA)
    except smtplib.SMTPNotSupportedError:
        return Result(mail.delivery_id, Outcome.DEAD, NO_SMTPUTF8)
    except UnicodeError:
        return Result(mail.delivery_id, Outcome.DEAD, NOT_ASCII)
    except (LedgerFailed, smtplib.SMTPSenderRefused):
        raise
    except Exception as error:
        if connection_gone(error):
            raise
        # The conversation is in an unknown state: the next message gets a new connection.
        connection.close()
        return Result(mail.delivery_id, Outcome.RETRY, f"unexpected: {describe(error)}")
    connection.sent_one()
    return Result(mail.delivery_id, Outcome.SENT)


def _retry(ledger: Ledger, mails: list[OutgoingMail], error: str) -> None:
    for mail in mails:
        if ledger.still_held(mail.delivery_id):
            ledger.record(Result(mail.delivery_id, Outcome.RETRY, error))


def describe(error: BaseException) -> str:
    # smtplib reports a read timeout as "Connection unexpectedly closed: timed out".
    if isinstance(error, socket.timeout | TimeoutError) or str(error).endswith("timed out"):
        return "timed out"
    return f"{type(error).__name__}: {error}".strip()
