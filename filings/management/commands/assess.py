"""`manage.py assess EVIDENCE... --placed-in-service DATE`: assess evidence files from the shell.

Exit status 0 when the evidence was assessed (whatever the outcome), 2 when the evidence or the
arguments are invalid; with --format json the errors come as {"errors": [...]} on stdout.
"""

from __future__ import annotations

import datetime as dt
import gc
import json
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand

from filings.evidence import EvidenceError, EvidenceInvalid, read_evidence
from filings.rules import AssessmentInputError, RulebookError, assess_period, load_rulebook
from filings.rules.report import render_text

INVALID = 2


class Command(BaseCommand):
    help = ("Assess clean vehicle credit evidence (one .xlsx, CSV files, or a folder of them) "
            "for vehicles placed in service on a date or over a period.")
    # Files in, a report out: no database, no URLs. Skipping the system checks keeps the web's
    # URLconf (and with it WeasyPrint and pyHanko) out of this process.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("evidence", nargs="+", type=Path,
                            help="one .xlsx workbook, the sheets as .csv files, or a folder of them")
        parser.add_argument("--placed-in-service", required=True, metavar="DATE",
                            help="placed-in-service date (YYYY-MM-DD), or the first one of a period")
        parser.add_argument("--until", metavar="DATE",
                            help="last placed-in-service date of the period (inclusive)")
        parser.add_argument("--acquired", metavar="DATE",
                            help="acquisition date (binding contract and payment); "
                                 "defaults to each vehicle's placed-in-service date")
        parser.add_argument("--format", choices=("json", "text"), default="text")
        parser.add_argument("--rulebook", type=Path, metavar="FILE",
                            help="a rulebook TOML file instead of the shipped one")

    def handle(self, *args: Any, **options: Any) -> None:
        # What Django's start-up made (about 100,000 objects: the apps, models, modules) lives
        # until the process ends. Frozen, the cycle collector walks none of it again, neither
        # during the read nor the interpreter's last collections at exit (0.13-0.2 s a run).
        gc.freeze()
        as_json = options["format"] == "json"
        try:
            start = _date("--placed-in-service", options["placed_in_service"])
            end = _date("--until", options["until"]) if options["until"] else start
            acquired = _date("--acquired", options["acquired"]) if options["acquired"] else None
            rulebook = load_rulebook(options["rulebook"])
            evidence = read_evidence(options["evidence"])
            assessment = assess_period(evidence, rulebook=rulebook, start=start, end=end,
                                       acquired=acquired)
        except EvidenceInvalid as exc:
            self._fail(exc.errors, as_json)
        except (AssessmentInputError, RulebookError, _ArgumentError) as exc:
            self._fail([EvidenceError(None, None, None, None, str(exc))], as_json)
        if as_json:
            self.stdout.write(json.dumps(assessment.to_dict(), indent=2, ensure_ascii=False))
        else:
            self.stdout.write(render_text(assessment, evidence.vehicle), ending="")

    def _fail(self, errors: list[EvidenceError], as_json: bool) -> None:
        if as_json:
            self.stdout.write(json.dumps({"errors": [e.to_dict() for e in errors]}, indent=2,
                                         ensure_ascii=False))
        else:
            self.stderr.write(f"The evidence cannot be assessed ({len(errors)} problem(s)):")
            for error in errors:
                self.stderr.write(f"  {_where(error)}{error.message}")
        raise SystemExit(INVALID)


class _ArgumentError(ValueError):
    pass


def _date(option: str, text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise _ArgumentError(f"{option}: {text!r} is not a date; write it as YYYY-MM-DD") from None


def _where(error: EvidenceError) -> str:
    parts = [f"sheet {error.sheet}" if error.sheet else "",
             f"row {error.row}" if error.row else "",
             f"column {error.column}" if error.column else "",
             f"value {error.value!r}" if error.value is not None else ""]
    shown = ", ".join(p for p in parts if p)
    return f"{shown}: " if shown else ""
