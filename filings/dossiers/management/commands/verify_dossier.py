"""`manage.py verify_dossier FILE.zip [--trust PEM ...]`: check an exam dossier offline."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from filings.dossiers.signature import load_trusted, portal_certificate_paths
from filings.dossiers.verify import verify_dossier


class Command(BaseCommand):
    help = ("Check an exam dossier: the manifest's signature (against the portal's signing "
            "certificates, or --trust), every member's SHA-256 and size, none missing or added.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--trust", type=Path, action="append", default=[],
                            help="A PEM certificate to trust instead of the portal's settings "
                                 "(may be given more than once).")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"{path}: no such file.")
        try:
            trusted = load_trusted(options["trust"] or portal_certificate_paths())
        except RuntimeError as exc:
            raise CommandError(str(exc)) from exc
        check = verify_dossier(path, trusted)
        if check.valid:
            signature = check.signature
            stamp = " with a timestamp" if signature and signature.timestamped else ""
            self.stdout.write(f"{path}: intact. The manifest is signed{stamp} by "
                              f"{signature.signer if signature else '?'}; all {check.members} "
                              f"members match it (filing {check.filing}, built {check.built_at}).")
            return
        for problem in check.problems:
            self.stderr.write(f"{path}: {problem}")
        raise CommandError(f"{path}: NOT intact ({len(check.problems)} problem"
                           f"{'' if len(check.problems) == 1 else 's'}).")
