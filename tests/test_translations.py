"""The gettext catalogs: complete in Dutch, extracted from the current tree, compiled as committed.

The commands in the failure messages are the ones in README.md (Development, Translations).
"""

from __future__ import annotations

import io
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po

from registry import PROJECT_ROOT

TRANSLATIONS = PROJECT_ROOT / "registry" / "translations"
TEMPLATE = TRANSLATIONS / "messages.pot"
LANGUAGES = ("nl", "en")

EXTRACT = (
    ".venv/bin/pybabel extract -F babel.cfg --ignore-dirs '.*' --no-location --sort-output"
    " --omit-header -o registry/translations/messages.pot ."
)
UPDATE = (
    ".venv/bin/pybabel update -i registry/translations/messages.pot -d registry/translations"
    " --ignore-pot-creation-date --ignore-obsolete"
)
COMPILE = ".venv/bin/pybabel compile -d registry/translations"
REFRESH = f"run, from the repository root:\n  {EXTRACT}\n  {UPDATE}\n  {COMPILE}"

MessageKey = tuple[str | None, Any]


def load_po(path: Path) -> Catalog:
    with path.open("rb") as file:
        return read_po(file)


def po_path(language: str) -> Path:
    return TRANSLATIONS / language / "LC_MESSAGES" / "messages.po"


def frozen(value: Any) -> Any:
    """A plural's forms as a tuple: read_po gives tuples, read_mo lists."""
    return tuple(value) if isinstance(value, list | tuple) else value


def keys(catalog: Catalog) -> set[MessageKey]:
    """(msgctxt, msgid) of every message but the header; a plural's msgid is a tuple."""
    return {(message.context, frozen(message.id)) for message in catalog if message.id}


def is_translated(message: Message) -> bool:
    forms = message.string if isinstance(message.string, list | tuple) else [message.string]
    return all(forms)


def translations(catalog: Catalog) -> dict[MessageKey, Any]:
    return {
        (message.context, frozen(message.id)): frozen(message.string)
        for message in catalog
        if message.id
    }


def test_every_dutch_message_is_translated_and_reviewed() -> None:
    catalog = load_po(po_path("nl"))
    untranslated = [message.id for message in catalog if message.id and not is_translated(message)]
    fuzzy = [message.id for message in catalog if message.id and message.fuzzy]
    problems = [
        f"{message.id!r}: {error}" for message, errors in catalog.check() for error in errors
    ]
    where = "registry/translations/nl/LC_MESSAGES/messages.po"
    assert not untranslated, (
        f"no Dutch translation in {where} for {untranslated}; translate them, then run {COMPILE}"
    )
    assert not fuzzy, (
        f"fuzzy (unreviewed) translations in {where}: {fuzzy}; check each, remove its "
        f"'#, fuzzy' line, then run {COMPILE}"
    )
    assert not problems, f"translations in {where} that do not fit their msgid: {problems}"


def test_the_template_holds_exactly_the_texts_of_the_code(tmp_path: Path) -> None:
    extracted = tmp_path / "messages.pot"
    argv = shlex.split(EXTRACT)
    argv[argv.index("-o") + 1] = str(extracted)
    # The README's command, run by this interpreter's Babel in a process of its own.
    command = [sys.executable, "-m", "babel.messages.frontend", "--quiet", *argv[1:]]
    subprocess.run(command, cwd=PROJECT_ROOT, check=True)
    current, committed = keys(load_po(extracted)), keys(load_po(TEMPLATE))
    assert current == committed, (
        "registry/translations/messages.pot is stale: "
        f"new {sorted(current - committed, key=str)}, "
        f"gone {sorted(committed - current, key=str)}; {REFRESH}"
    )


@pytest.mark.parametrize("language", LANGUAGES)
def test_each_catalog_has_the_messages_of_the_template(language: str) -> None:
    template, catalog = keys(load_po(TEMPLATE)), keys(load_po(po_path(language)))
    assert catalog == template, (
        f"registry/translations/{language}/LC_MESSAGES/messages.po is stale: "
        f"missing {sorted(template - catalog, key=str)}, "
        f"extra {sorted(catalog - template, key=str)}; run {UPDATE}, translate, then {COMPILE}"
    )


@pytest.mark.parametrize("language", LANGUAGES)
def test_each_committed_mo_is_compiled_from_its_po(language: str) -> None:
    catalog = load_po(po_path(language))
    # pybabel compile skips such a catalog and leaves its old .mo in place.
    assert not catalog.fuzzy, f"remove '#, fuzzy' from the header of {po_path(language)}"
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    mo_path = po_path(language).with_suffix(".mo")
    assert mo_path.exists(), f"{mo_path} is missing; run {COMPILE} and commit it"
    with mo_path.open("rb") as file:
        committed = read_mo(file)
    expected = read_mo(compiled)
    assert translations(committed) == translations(expected), (
        f"{mo_path.relative_to(PROJECT_ROOT)} is not compiled from its .po; run {COMPILE}"
    )
    assert committed.plural_forms == expected.plural_forms, (
        f"{mo_path.relative_to(PROJECT_ROOT)} has other plural forms than its .po; run {COMPILE}"
    )
