"""The texts of ``adequacy.json`` that people read, for the gettext catalogs.

``babel.cfg`` names ``extract_adequacy`` as the extraction method of the data file, so
``pybabel extract`` puts the notes, scopes, conditions and warnings into ``messages.pot``
beside the texts of the code; ``phrases.translate`` reads them back in the reader's language.
Codes, dates, sources and the agreement's own (Dutch) quotes are not extracted.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterator, Mapping
from typing import IO, Any

# The fields people read, per section of the file; a list holds one text per item.
READ_FIELDS: Mapping[str, tuple[str, ...]] = {
    "territories": ("note",),
    "decisions": (
        "decision",
        "scope",
        "conditions",
        "warnings",
        "requires_certification",
        "ended_by",
        "note",
    ),
    "contract_exclusions": ("rule",),
    "membership": ("note", "condition"),
    "contract_readings": ("reading",),
}

Extracted = tuple[int, None, str, list[str]]


def extract_adequacy(
    fileobj: IO[bytes],
    keywords: Collection[str],
    comment_tags: Collection[str],
    options: Mapping[str, Any],
) -> Iterator[Extracted]:
    """Babel's extractor interface: (line, function name, message, translator comments)."""
    source = fileobj.read().decode(options.get("encoding", "utf-8"))
    document = json.loads(source)
    lines = source.splitlines()
    for section, fields in READ_FIELDS.items():
        for entry in document.get(section, []):
            for field in fields:
                for text in _texts(entry.get(field)):
                    yield _line_of(lines, text), None, text, [_comment(section, field)]


def _texts(value: Any) -> list[str]:
    """The texts of a field worth translating: one without a lower-case letter is a code."""
    values = value if isinstance(value, list) else [value]
    return [
        text for text in values if isinstance(text, str) and any(char.islower() for char in text)
    ]


def _line_of(lines: list[str], text: str) -> int:
    """The first line holding the text as JSON writes it; 1 if it is spelled otherwise."""
    needle = json.dumps(text, ensure_ascii=False)
    return next((number for number, line in enumerate(lines, 1) if needle in line), 1)


def _comment(section: str, field: str) -> str:
    return f"adequacy.json: {section}, {field}"
