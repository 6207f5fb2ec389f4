"""The portal's translations (locale/<language>/LC_MESSAGES/django.po): where the strings are
extracted from, and how the catalogues are compiled. Both need GNU gettext (xgettext, msgfmt).

`python -m portal.translations extract` refreshes every catalogue from the code and templates
(Django's makemessages); `python -m portal.translations compile` builds the .mo files `make`
and the tests use. The .mo files are not committed: a stale binary cannot hide a missing or a
changed translation.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from django.core.management.commands import makemessages

BASE_DIR = Path(__file__).resolve().parent.parent
LOCALE_DIR = BASE_DIR / "locale"
# Never scanned for strings: what is not the portal's code, and the catalogues themselves (a
# `locale` folder the walk finds would be written to instead of LOCALE_PATHS).
EXTRACT_IGNORE = ("var", "tests", "bench", "docs", "locale", "node_modules")
# Marks beyond Django's: `N_` in the pure packages (filings.rules, filings.evidence), which
# cannot import Django's gettext_noop (their message templates, filings.rules.text, and the blank
# evidence template's texts), and each evidence column's description, Column(name, kind,
# description, …) in filings/evidence/schema.py.
XGETTEXT_KEYWORDS = ("--keyword=N_", "--keyword=Column:3")


def _makemessages() -> type[makemessages.Command]:
    """Django's makemessages, with the pure packages' marker among xgettext's keywords."""
    from django.core.management.commands import makemessages

    class Command(makemessages.Command):
        xgettext_options = [*makemessages.Command.xgettext_options, *XGETTEXT_KEYWORDS]

    return Command


def catalogues() -> list[Path]:
    return sorted(LOCALE_DIR.glob("*/LC_MESSAGES/django.po"))


def catalogue_compile(po: Path, *, msgfmt: bool | None = None) -> Path:
    """The .mo beside `po`, built unless it is newer; written whole (a temporary file renamed),
    so parallel test processes never read half a catalogue. With GNU gettext (`msgfmt`, which
    CI installs) `msgfmt --check` builds it and refuses a translation whose placeholders differ
    from its msgid's; without it (a machine running only `make demo`) Babel writes it, after
    checking the same placeholders. `msgfmt` False or True chooses (the tests compare both)."""
    mo = po.with_suffix(".mo")
    if msgfmt is None:
        if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
            return mo
        msgfmt = shutil.which("msgfmt") is not None
    handle, partial = tempfile.mkstemp(dir=po.parent, suffix=".mo.tmp")
    os.close(handle)
    try:
        if msgfmt:
            subprocess.run(["msgfmt", "--check", "-o", partial, str(po)], check=True)  # noqa: S603, S607
        else:
            _babel_compile(po, Path(partial))
        os.chmod(partial, 0o644)  # mkstemp makes it private; every process reads it
        os.replace(partial, mo)
    finally:
        Path(partial).unlink(missing_ok=True)
    return mo


def _babel_compile(po: Path, mo: Path) -> None:
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    with po.open("rb") as source:  # the locale (locale/<language>/LC_MESSAGES) gives the plurals
        catalog = read_po(source, locale=po.parent.parent.name)
    problems = [f"{po}:{message.lineno}: {error}" for message, errors in catalog.check()
                for error in errors]
    if problems:
        raise RuntimeError("the catalogue has translations that do not fit their messages:\n"
                           + "\n".join(problems))
    with mo.open("wb") as target:
        write_mo(target, catalog)


def catalogue_extract(languages: list[str]) -> None:
    """makemessages for `languages` over the portal's code and templates (run from BASE_DIR)."""
    from django.core.management import call_command

    call_command(_makemessages()(), locale=languages, ignore_patterns=list(EXTRACT_IGNORE),
                 no_obsolete=True, verbosity=0)


def messages_marked() -> str:
    """The template (.pot) of every string the code and templates mark today, as makemessages
    extracts it for the catalogues (run from BASE_DIR), without writing any catalogue."""
    from django.core.management import call_command

    class _Capture(_makemessages()):  # type: ignore[misc]
        pot = ""

        def write_po_file(self, potfile: str, locale: str) -> None:
            _Capture.pot = Path(potfile).read_text(encoding="utf-8")

    call_command(_Capture(), locale=["ja"], ignore_patterns=list(EXTRACT_IGNORE), verbosity=0)
    return _Capture.pot


def main(argv: list[str]) -> int:
    if argv[:1] == ["compile"]:
        for po in catalogues():
            catalogue_compile(po)
        return 0
    if argv[:1] == ["extract"]:
        import django

        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
        django.setup()
        os.chdir(BASE_DIR)
        catalogue_extract([po.parent.parent.name for po in catalogues()] or ["ja"])
        return 0
    print("usage: python -m portal.translations extract|compile", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
