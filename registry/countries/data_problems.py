"""Marshmallow's errors on the adequacy data file as lines that name entry, field and rule.

Lines read like those of ``data_checks``: ``territory GP: status must be one of ...``,
``decision NZ 2013/65/EU: 'source' is missing``, ``EEA member XX: listed twice``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

# How a problem names the entry it is in: by code (or name), else by position in its list.
_NAMED_BY: dict[str, tuple[str, tuple[str, ...], str | None]] = {
    "territories": ("territory", ("code",), None),
    "decisions": ("decision", ("code", "name"), "decision"),
    "contract_exclusions": ("contract exclusion", ("code",), None),
    "membership": ("membership", ("code",), "status"),
    "contract_readings": ("contract reading", ("code",), None),
}
ENTRY_SECTIONS = tuple(_NAMED_BY)


def describe(messages: Mapping[str, Any], raw: Mapping[str, Any]) -> list[str]:
    """``where: 'field' rule`` for each error; a rule that names its field stands alone."""
    lines = []
    for path, message in _flatten(messages):
        where, field = _where(path, raw)
        name = "".join(f"[{part}]" if isinstance(part, int) else str(part) for part in field)
        if name and not message.startswith(f"{name} "):
            message = f"'{name}' {message}"
        lines.append(f"{where}: {message}")
    return lines


def _flatten(messages: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[tuple[Any, ...], str]]:
    if not isinstance(messages, Mapping):
        for message in messages:
            yield path, str(message)
        return
    # Entries in file order; a rule about a whole entry or object ("_schema") before its fields.
    for key, value in sorted(
        messages.items(), key=lambda item: item[0] if isinstance(item[0], int) else -1
    ):
        yield from _flatten(value, path if key == "_schema" else (*path, key))


def _where(path: tuple[Any, ...], raw: Mapping[str, Any]) -> tuple[str, tuple[Any, ...]]:
    """The entry a problem is in, and the rest of its path: the field, if any."""
    match path:
        case ("eea", "eu" | "efta" as key, int(index)):
            return f"EEA member {raw['eea'][key][index]}", ()
        case ("eea", str(key), *rest):
            return "eea", (key, *rest)
        case ("aliases", str(alias), "value"):
            return f"alias {alias}", ("target",)
        case ("sources", int(index), *rest):
            return f"sources[{index}]", tuple(rest[:1])
        case (str(section), int(index), *rest) if section in _NAMED_BY:
            return _entry_name(section, raw[section][index], index), tuple(rest)
    return "file", path


def _entry_name(section: str, entry: object, index: int) -> str:
    noun, keys, detail = _NAMED_BY[section]
    who = next((value for key in keys if (value := _shown(entry, key))), None)
    name = f"{noun} {who}" if who else f"{section}[{index}]"
    what = _shown(entry, detail) if detail else None
    return f"{name} {what}" if what else name


def _shown(entry: object, key: str) -> str | None:
    value = entry.get(key) if isinstance(entry, dict) else None
    return value if isinstance(value, str) and value.strip() else None
