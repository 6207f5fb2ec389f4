"""The Procfile's processes, run as real processes on this test's database, broker and files."""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from honcho.environ import parse_procfile  # type: ignore[import-untyped]

from tests.celery_worker import process_environment, stop_process

ROOT = Path(__file__).resolve().parents[2]
PROCFILE = ROOT / "Procfile"


def procfile() -> dict[str, str]:
    """Process type → command, read the way honcho reads it."""
    return dict(parse_procfile(PROCFILE.read_text(encoding="utf-8")).processes)


def command(name: str) -> list[str]:
    return shlex.split(procfile()[name])


def environment(**env: str) -> dict[str, str]:
    """This test's database, broker and files; production's DEBUG and log format."""
    return {
        **process_environment(),
        # The Procfile names programs: this interpreter's gunicorn and celery.
        "PATH": os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")]),
        "DEBUG": "0", "LOG_FORMAT": "json", "LOG_LEVEL": "INFO", **env,
    }


@dataclass
class Running:
    name: str
    process: subprocess.Popen[bytes]
    stdout: Path
    stderr: Path

    def lines(self) -> list[str]:
        return self.stdout.read_text(encoding="utf-8", errors="replace").splitlines()

    def json_lines(self) -> list[dict[str, Any]]:
        """Every stdout line parsed; fails naming the first line that is not a JSON object."""
        records = []
        for number, line in enumerate(self.lines(), start=1):
            try:
                record = json.loads(line)
            except ValueError:
                raise AssertionError(f"{self.name} stdout line {number} is not JSON: {line!r}") from None
            assert isinstance(record, dict), f"{self.name} stdout line {number}: {line!r}"
            records.append(record)
        return records


@contextmanager
def running(name: str, log_dir: Path, **env: str) -> Iterator[Running]:
    """Start the Procfile's `name` command (no shell: compose runs it without one either)."""
    stdout, stderr = log_dir / f"{name}.stdout", log_dir / f"{name}.stderr"
    with stdout.open("wb") as out, stderr.open("wb") as err:
        process = subprocess.Popen(command(name), cwd=ROOT, env=environment(**env),
                                   stdout=out, stderr=err)
        try:
            yield Running(name, process, stdout, stderr)
        finally:
            stop_process(process)
            # Shown by pytest only when the test fails.
            for path in (stdout, stderr):
                print(f"--- {path.name}\n{path.read_text(errors='replace')[-6000:]}")
