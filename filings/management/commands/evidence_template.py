"""`manage.py evidence_template out.xlsx`: write the blank evidence workbook.

With `--markdown` it prints the column documentation instead; both come from the one schema.
`--language ja` writes the workbook's read_me in Japanese (any of settings.LANGUAGES; English
by default).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import translation

from filings.evidence import schema_markdown, write_template


class Command(BaseCommand):
    help = "Write the blank evidence template (.xlsx), generated from the evidence schema."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("output", nargs="?", type=Path, help="where to write the .xlsx")
        parser.add_argument(
            "--markdown", action="store_true", help="print the column documentation as Markdown instead"
        )
        parser.add_argument(
            "--language", choices=[code for code, _name in settings.LANGUAGES], default="en",
            help="the language of the read_me sheet's texts (default: en)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["markdown"]:
            self.stdout.write(schema_markdown())
            return
        output: Path | None = options["output"]
        if output is None or output.suffix.lower() != ".xlsx":
            raise CommandError("give the output file, ending in .xlsx (or use --markdown)")
        try:
            with translation.override(options["language"]):
                write_template(output, translate=translation.gettext)
        except OSError as exc:
            raise CommandError(f"cannot write {output}: {exc.strerror}") from exc
        self.stdout.write(f"Wrote the blank evidence template to {output}")
