"""The Japanese catalogue is complete: every string the code and templates mark today has a
translation that is neither empty nor fuzzy, and every label a page shows from the models too."""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field

import pytest

from filings.models import EvidenceCheck, FileKind, ReviewNote, VehicleClass
from filings.states import State
from portal.accounts.roles import OrganisationKind, Role
from portal.translations import BASE_DIR, LOCALE_DIR, messages_marked

JA = LOCALE_DIR / "ja" / "LC_MESSAGES" / "django.po"


@dataclass
class Entry:
    msgid: str
    context: str = ""
    flags: set[str] = field(default_factory=set)
    msgstrs: list[str] = field(default_factory=list)

    @property
    def key(self) -> tuple[str, str]:
        return self.context, self.msgid


def parse_po(text: str) -> list[Entry]:
    """The entries of a .po or .pot file (not the header), as GNU gettext writes them."""
    entries = []
    for block in re.split(r"\n\s*\n", text):
        fields: dict[str, str] = {}
        flags: set[str] = set()
        current = None
        for line in block.strip().splitlines():
            if line.startswith("#,"):
                flags |= {flag.strip() for flag in line[2:].split(",")}
            elif line.startswith("#"):
                continue
            elif line.startswith('"'):
                fields[current] += ast.literal_eval(line)
            else:
                current, _, value = line.partition(" ")
                fields[current] = ast.literal_eval(value)
        if fields.get("msgid"):
            entries.append(Entry(msgid=fields["msgid"], context=fields.get("msgctxt", ""),
                                 flags=flags,
                                 msgstrs=[v for k, v in fields.items() if k.startswith("msgstr")]))
    return entries


@pytest.fixture(scope="module")
def marked() -> list[Entry]:
    # makemessages walks the working directory; the catalogue itself is never written.
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(BASE_DIR)
        return parse_po(messages_marked())


@pytest.fixture(scope="module")
def japanese() -> dict[tuple[str, str], Entry]:
    return {entry.key: entry for entry in parse_po(JA.read_text(encoding="utf-8"))}


def _translated(entry: Entry | None) -> bool:
    return (entry is not None and "fuzzy" not in entry.flags and bool(entry.msgstrs)
            and all(entry.msgstrs))


def test_every_marked_string_has_a_japanese_translation(marked, japanese):
    assert len(marked) > 300  # the extraction found the pages' strings
    missing = [entry.msgid for entry in marked if not _translated(japanese.get(entry.key))]
    assert missing == [], "not translated in locale/ja (run `python -m portal.translations extract`)"


@pytest.mark.parametrize("choices", [State, VehicleClass, FileKind, EvidenceCheck.Status,
                                     ReviewNote.Kind, Role, OrganisationKind],
                         ids=lambda c: c.__name__)
def test_every_label_the_pages_show_from_the_models_is_translated(choices, japanese):
    missing = [label for label in choices.labels if not _translated(japanese.get(("", label)))]
    assert missing == []


def test_the_parser_sees_an_empty_and_a_fuzzy_translation_as_missing():
    entries = parse_po('msgid "A"\nmsgstr ""\n\n#, fuzzy\nmsgid "B"\nmsgstr "b"\n\n'
                       'msgid "C"\nmsgid_plural "Cs"\nmsgstr[0] ""\n"c"\n')
    assert [_translated(entry) for entry in entries] == [False, False, True]


def test_the_catalogue_compiles_with_its_placeholders_checked(translations):
    assert JA.with_suffix(".mo").stat().st_mtime >= JA.stat().st_mtime


def test_without_gettext_babel_compiles_the_same_catalogue(tmp_path):
    """`make demo` on a machine without GNU gettext: Babel writes the .mo, and it translates
    every message (plurals and context included) exactly as msgfmt's does."""
    import gettext
    import shutil

    from portal.translations import catalogue_compile

    po = tmp_path / "ja" / "LC_MESSAGES" / "django.po"
    po.parent.mkdir(parents=True)
    shutil.copy(JA, po)
    with catalogue_compile(po, msgfmt=True).open("rb") as mo:
        by_msgfmt = gettext.GNUTranslations(mo)
    with catalogue_compile(po, msgfmt=False).open("rb") as mo:
        by_babel = gettext.GNUTranslations(mo)
    # Both catalogues' messages (their headers, naming the tool that wrote them, aside).
    messages = {key: text for key, text in by_babel._catalog.items() if key != ""}
    assert len(messages) > 300
    assert messages == {key: text for key, text in by_msgfmt._catalog.items() if key != ""}
    assert [by_babel.plural(n) for n in range(4)] == [by_msgfmt.plural(n) for n in range(4)]


def test_babel_refuses_a_translation_whose_placeholders_differ(tmp_path):
    from portal.translations import catalogue_compile

    po = tmp_path / "ja" / "LC_MESSAGES" / "django.po"
    po.parent.mkdir(parents=True)
    po.write_text('msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n\n'
                  '#, python-format\nmsgid "wait %(seconds)d seconds"\nmsgstr "%(minutes)d 分"\n',
                  encoding="utf-8")
    with pytest.raises(RuntimeError, match="do not fit"):
        catalogue_compile(po, msgfmt=False)
