"""Email addresses as the registry accepts, stores and sends them.

Every address that will receive mail (an organisation's, an agreement's contacts, a subscriber)
is checked on input with email-validator: syntax, lengths and internationalised domains (IDNA
2008), never DNS, so an address is not refused because its domain is briefly unreachable. The
stored form is the library's normalised one (the domain in Unicode, NFC), so one mailbox has one
spelling; mail goes to the domain's ASCII form. Characters outside ASCII before the @ (RFC 6531)
travel only through a mail server that offers SMTPUTF8, so such an address is accepted only when
``MAIL_SMTPUTF8`` says the deployment's server does.
"""

from __future__ import annotations

import functools
from typing import Any

from email_validator import EmailNotValidError, validate_email
from flask import current_app
from marshmallow import ValidationError, fields

NOT_ASCII_LOCAL = (
    "Characters outside ASCII before the @ are not accepted: this service's mail server "
    "cannot deliver to such addresses."
)


class AddressError(ValueError):
    """An address that cannot receive mail from here; the message says why."""


def smtputf8() -> bool:
    """Whether the deployment's mail server carries internationalised addresses."""
    return bool(current_app.config.get("MAIL_SMTPUTF8"))


def normalise_address(address: str, *, allow_smtputf8: bool | None = None) -> str:
    """The stored form of ``address``; AddressError when it cannot receive mail from here."""
    allowed = smtputf8() if allow_smtputf8 is None else allow_smtputf8
    try:
        checked = validate_email(address, check_deliverability=False, allow_smtputf8=True)
    except EmailNotValidError as error:
        raise AddressError(str(error)) from None
    if checked.smtputf8 and not allowed:
        raise AddressError(NOT_ASCII_LOCAL)
    return str(checked.normalized)


def needs_smtputf8(address: str) -> bool:
    """Whether the part before the @ has characters outside ASCII."""
    return not address.rpartition("@")[0].isascii()


@functools.lru_cache(maxsize=4096)
def transport_form(address: str) -> str:
    """The address as SMTP carries it: the domain's ASCII (A-label) form, the rest unchanged.

    An address stored before it was checked and that cannot be converted stays as it is; the
    attempt to send it then fails for that one delivery.
    """
    if address.isascii():
        return address
    try:
        checked = validate_email(address, check_deliverability=False, allow_smtputf8=True)
    except EmailNotValidError:
        return address
    return f"{checked.local_part}@{checked.ascii_domain}"


class EmailAddress(fields.String):
    """An email address field: checked and normalised by ``normalise_address``."""

    def __init__(self, *, metadata: dict[str, Any] | None = None, **kwargs: Any) -> None:
        super().__init__(metadata={"format": "email", **(metadata or {})}, **kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        text = super()._deserialize(value, attr, data, **kwargs)
        try:
            return normalise_address(text.strip())
        except AddressError as error:
            raise ValidationError(str(error)) from None
