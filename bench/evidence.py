"""Benchmark: read + validate + assess 100,000 critical-mineral lines, against bare-reader floors.

    python -m bench.evidence            (what `make bench` runs)
    python -m bench.evidence --lines 20000 --repeats 3

Generates the evidence under a temporary folder as CSV files and as one XLSX (openpyxl
write-only), then measures, each in a fresh subprocess so memory figures are honest:

  csv ours    read_evidence + assess (placed in service 2024-06-01) over the CSV files
  csv floor   `for row in csv.reader(f): pass` over the same files
  xlsx ours   read_evidence + assess over the workbook
  xlsx floor  openpyxl load_workbook(read_only=True) + iter_rows(values_only=True)

Runs alternate ours/floor so machine load hits both alike; times are medians. Memory is
the growth of peak RSS during the measured call (peak reset before it where Linux allows).
Targets: CSV <= 3x its floor, XLSX <= 1.5x its floor, peak growth < 150 MB. A miss exits 1.
This is a benchmark, not a test: it measures this machine, and prints what it measured.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGETS = {"csv": 3.0, "xlsx": 1.5}
MAX_GROWTH_MB = 150.0
PLACED_IN_SERVICE = "2024-06-01"


@dataclass(frozen=True)
class Run:
    seconds: float
    growth_mb: float
    lines: int


# --- inside the measuring subprocess ------------------------------------------------------


def _status(field: str) -> int:
    """A /proc/self/status figure in bytes (VmRSS: now, VmHWM: peak)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) * 1024
    raise RuntimeError(f"{field} not in /proc/self/status (Linux only)")


def _reset_peak() -> None:
    # Resets VmHWM to the current RSS; where refused, the growth figure also counts any
    # earlier peak, so it can only overstate.
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")


def _ours(paths: list[Path]) -> Callable[[], int]:
    import datetime as dt

    from filings.evidence import read_evidence
    from filings.rules import assess, load_rulebook

    rulebook = load_rulebook()  # loaded once per worker process in real use, so not timed
    day = dt.date.fromisoformat(PLACED_IN_SERVICE)

    def run() -> int:
        evidence = read_evidence(paths, rulebook=rulebook)
        assess(evidence, rulebook=rulebook, placed_in_service=day)
        return len(evidence.critical_minerals)

    return run


def _csv_floor(paths: list[Path]) -> Callable[[], int]:
    import csv

    def run() -> int:
        rows = 0
        for path in sorted(paths[0].glob("*.csv")):
            with path.open(newline="", encoding="utf-8") as f:
                reader = csv.reader(f)
                for _row in reader:
                    pass
                rows += reader.line_num
        return rows

    return run


def _xlsx_floor(paths: list[Path]) -> Callable[[], int]:
    from openpyxl import load_workbook

    def run() -> int:
        rows = 0
        workbook = load_workbook(paths[0], read_only=True)
        for sheet in workbook.worksheets:
            for _row in sheet.iter_rows(values_only=True):
                pass
            rows += sheet.max_row or 0
        workbook.close()
        return rows

    return run


_MEASURES = {"csv-ours": _ours, "csv-floor": _csv_floor, "xlsx-ours": _ours, "xlsx-floor": _xlsx_floor}


def measure(kind: str, path: Path) -> Run:
    """Run one measurement in this process (the parent starts a fresh one for each)."""
    run = _MEASURES[kind]([path])
    _reset_peak()
    before = _status("VmRSS")
    started = time.perf_counter()
    lines = run()
    seconds = time.perf_counter() - started
    return Run(seconds, (_status("VmHWM") - before) / 2**20, lines)


# --- the parent -----------------------------------------------------------------------------


def _in_subprocess(kind: str, path: Path) -> Run:
    child = subprocess.run(
        [sys.executable, "-m", "bench.evidence", "--measure", kind, str(path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if child.returncode:
        raise SystemExit(f"{kind} failed:\n{child.stderr[-2000:]}")
    return Run(**json.loads(child.stdout.strip().splitlines()[-1]))


def _generate(folder: Path, lines: int) -> dict[str, Path]:
    from bench.evidence_data import write_csv_set, write_xlsx

    started = time.perf_counter()
    write_csv_set(folder / "csv", lines)
    workbook = write_xlsx(folder / "evidence.xlsx", lines)
    print(
        f"generated {lines:,} critical-mineral lines as CSV ({_size(folder / 'csv')}) and "
        f"XLSX ({workbook.stat().st_size / 2**20:.1f} MiB) in {time.perf_counter() - started:.0f} s"
    )
    return {"csv": folder / "csv", "xlsx": workbook}


def _size(folder: Path) -> str:
    return f"{sum(p.stat().st_size for p in folder.iterdir()) / 2**20:.1f} MiB"


def machine() -> str:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor() or "unknown CPU",
    )
    return (
        f"{os.cpu_count()} cores ({cpu}), Python {platform.python_version()}, "
        f"{platform.system()} {platform.release()}, load average "
        f"{' '.join(f'{x:.1f}' for x in os.getloadavg())}"
    )


def _measure_all(paths: dict[str, Path], repeats: dict[str, int]) -> dict[str, list[Run]]:
    runs: dict[str, list[Run]] = {kind: [] for kind in _MEASURES}
    for form in ("csv", "xlsx"):
        for _ in range(repeats[form]):
            for kind in (f"{form}-ours", f"{form}-floor"):
                runs[kind].append(_in_subprocess(kind, paths[form]))
    return runs


def _report(runs: dict[str, list[Run]], lines: int) -> bool:
    print("\n| form | measurement | median s | runs (s) | peak RSS growth, max | target | met |")
    print("|---|---|---|---|---|---|---|")
    all_met = True
    for form, limit in TARGETS.items():
        ours, floor = runs[f"{form}-ours"], runs[f"{form}-floor"]
        if any(run.lines != lines for run in ours):
            raise SystemExit(f"{form}: read {ours[0].lines:,} lines, expected {lines:,}")
        ratio = _median(ours) / _median(floor)
        growth = max(run.growth_mb for run in ours)
        met = ratio <= limit and growth < MAX_GROWTH_MB
        all_met &= met
        print(
            f"| {form} | read + validate + assess | {_median(ours):.3f} | {_runs(ours)} | "
            f"{growth:.0f} MB | ratio {ratio:.2f} <= {limit}; < {MAX_GROWTH_MB:.0f} MB | "
            f"{'yes' if met else 'NO'} |"
        )
        print(
            f"| {form} | floor: {_FLOOR_NAMES[form]} | {_median(floor):.3f} | {_runs(floor)} | "
            f"{max(run.growth_mb for run in floor):.0f} MB | | |"
        )
    return all_met


_FLOOR_NAMES = {"csv": "bare csv.reader", "xlsx": "bare openpyxl read-only"}


def _median(runs: list[Run]) -> float:
    return statistics.median(run.seconds for run in runs)


def _runs(runs: list[Run]) -> str:
    return " ".join(f"{run.seconds:.3f}" for run in runs)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--lines", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=15, help="runs of each CSV measurement")
    parser.add_argument("--xlsx-repeats", type=int, default=5, help="runs of each XLSX one")
    parser.add_argument("--measure", nargs=2, metavar=("KIND", "PATH"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.measure:
        run = measure(args.measure[0], Path(args.measure[1]))
        print(json.dumps(run.__dict__))
        return 0
    print(f"machine: {machine()}")
    print(f"command: {' '.join([Path(sys.executable).name, '-m', 'bench.evidence', *sys.argv[1:]])}")
    with tempfile.TemporaryDirectory(prefix="bench-evidence-") as folder:
        paths = _generate(Path(folder), args.lines)
        repeats = {"csv": args.repeats, "xlsx": args.xlsx_repeats}
        met = _report(_measure_all(paths, repeats), args.lines)
    print(f"\nload average after: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    print("all targets met" if met else "TARGET MISSED")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
