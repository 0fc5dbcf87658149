"""Texts of the assessment that stay English in the API and read in any language in mail.

The API answers in English, byte for byte. Mail and pages show the same facts in the reader's
language, so the assessment's sentences are ``Phrase``s: strings whose value is the English
text (JSON, equality and hashing see nothing else) and which remember their catalog message and
parameters. ``translate`` reads one again from the gettext catalogs in Flask-Babel's current
locale, the one the mail renderer forces. A plain string is a text of the data file, extracted
into the catalogs by ``registry.countries.i18n``.
"""

from __future__ import annotations

from typing import Any

from flask_babel import get_locale, gettext

from registry.countries.names import place_name


def N_(msgid: str) -> str:
    """Mark ``msgid`` for extraction (a Babel default keyword); it is translated when read."""
    return msgid


class Phrase(str):
    """A sentence of the catalogs with its parameters; its value is the English text.

    A ``str`` parameter is a text of the data file and is translated too; a ``Place`` reads as
    the place's name in the reader's language; anything else (a date) is shown as it is.
    """

    msgid: str
    params: dict[str, Any]

    def __new__(cls, msgid: str, /, **params: Any) -> Phrase:
        phrase = super().__new__(cls, msgid % params if params else msgid)
        phrase.msgid = msgid
        phrase.params = params
        return phrase

    def __getnewargs_ex__(self) -> tuple[tuple[str], dict[str, Any]]:
        return (self.msgid,), dict(self.params)


class Place(str):
    """A location code in a sentence; its value is the English name."""

    code: str

    def __new__(cls, code: str) -> Place:
        place = super().__new__(cls, place_name(code, "en"))
        place.code = code
        return place

    def __getnewargs__(self) -> tuple[str]:
        return (self.code,)


class Sentences(str):
    """Several phrases read as one text, separated by a space."""

    parts: tuple[str, ...]

    def __new__(cls, *parts: str) -> Sentences:
        sentences = super().__new__(cls, " ".join(parts))
        sentences.parts = parts
        return sentences

    def __getnewargs__(self) -> tuple[str, ...]:  # type: ignore[override]
        return self.parts


def translate(text: str) -> str:
    """``text`` in the current locale; English (the value itself) where no catalog has it."""
    if isinstance(text, Phrase):
        params = {key: _parameter(value) for key, value in text.params.items()}
        return gettext(text.msgid, **params) if params else gettext(text.msgid)
    if isinstance(text, Sentences):
        return " ".join(translate(part) for part in text.parts)
    if isinstance(text, Place):
        return place_name(text.code, reader_language())
    # gettext("") answers the catalog's header, not an empty text.
    return gettext(text) if text else text


def reader_language() -> str:
    """The language of the current locale; English outside a request or a forced locale."""
    locale = get_locale()
    return locale.language if locale is not None else "en"


def _parameter(value: Any) -> Any:
    return translate(value) if isinstance(value, str) else value
