"""Benchmark: what the sourcing advice adds to reading and assessing 100,000 critical-mineral lines.

    python -m bench.advice                    (what `make bench` runs)
    python -m bench.advice --lines 20000 --repeats 3

Generates CSV evidence under a temporary folder (`bench.evidence_data`: 100,000
critical-mineral lines, 200 battery components, 2,000 VINs) in four shapes: *varied* (nearly
every line its own supplier and chain), *few chains* (300 supplier/country combinations),
*all qualifying* (the varied lines, every one extracted in the US) and *none qualifying* (the
varied lines extracted and processed in countries the rulebook never counts, none recycled).
Then, for each shape, in a fresh process per run, with the rulebook loaded before the clock
starts, it times

  floor          read_evidence + assess_period over 2023-01-01..2026-12-31
  with advice    read_frames + the same grouping (`book.group`) + the same assess_period
                 + advise_frames (`filings.evidence.advice`: the advice on those frames)

and reports the ratio of the medians. Runs alternate floor/with advice so machine load hits
both alike. Target (issue 15, Deliver 5): the advice adds at most 20 % (ratio <= 1.20); a miss
exits 1. The with-advice row also gives its phases (read, assess, advice: medians) and the
lines the advice names. This is a benchmark, not a test: it measures this machine.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from bench.evidence import limits, machine
from bench.evidence_data import sheets

ROOT = Path(__file__).resolve().parents[1]
PERIOD = ("2023-01-01", "2026-12-31")
TARGET_RATIO = 1.20
SHAPES = ("varied", "few chains", "all qualifying", "none qualifying")
# Extraction and processing here never count for any mineral (no FTA, not the US).
_NEVER_COUNTED = ("CN", "ID", "CD", "BR", "IN", "VN")
_EXTRACTION, _PROCESSING, _RECYCLING = 3, 4, 5  # critical_minerals columns


# --- the evidence ---------------------------------------------------------------------------


def write_shape(folder: Path, lines: int, shape: str) -> Path:
    """The evidence of one shape as CSV files in `folder`."""
    folder.mkdir(parents=True)
    for name, rows in sheets(lines, varied=shape != "few chains").items():
        with (folder / f"{name}.csv").open("w", encoding="utf-8", newline="") as f:
            writer = csv.writer(f)
            writer.writerow(next(rows))
            for i, row in enumerate(rows):
                writer.writerow(_reshaped(row, shape, i) if name == "critical_minerals" else row)
    return folder


def _reshaped(row: list[object], shape: str, i: int) -> list[object]:
    if shape == "all qualifying":
        row[_EXTRACTION] = "US"
    elif shape == "none qualifying":
        row[_EXTRACTION] = _NEVER_COUNTED[i % len(_NEVER_COUNTED)]
        row[_PROCESSING] = _NEVER_COUNTED[(i // 7) % len(_NEVER_COUNTED)]
        row[_RECYCLING] = ""
    return row


# --- inside the measuring subprocess ----------------------------------------------------------


def measure(kind: str, folder: Path, lines: int) -> dict[str, object]:
    """One timed run in this process: the floor, or read + assess + advice by phase."""
    import datetime as dt

    from filings.evidence.advice import advise_frames
    from filings.evidence.book import group
    from filings.evidence.reader import read_evidence, read_frames
    from filings.rules import assess_period, load_rulebook

    rulebook = load_rulebook()  # loaded once per worker process in real use, so not timed
    start, end = (dt.date.fromisoformat(d) for d in PERIOD)
    raised = limits([folder], lines)
    began = time.perf_counter()
    if kind == "floor":
        evidence = read_evidence([folder], rulebook=rulebook, **raised)
        assess_period(evidence, rulebook=rulebook, start=start, end=end)
        return {"seconds": time.perf_counter() - began, "lines": len(evidence.critical_minerals)}
    frames = read_frames([folder], rulebook=rulebook, **raised)
    evidence = group(frames)
    read = time.perf_counter()
    assessment = assess_period(evidence, rulebook=rulebook, start=start, end=end)
    assessed = time.perf_counter()
    advice = advise_frames(assessment, frames, rulebook=rulebook)
    done = time.perf_counter()
    named = {line.row for share in advice.shares
             for move in (share.fewest_lines, share.fewest_suppliers, share.least_value)
             for line in move.lines}
    return {"seconds": done - began, "lines": len(evidence.critical_minerals),
            "phases": [read - began, assessed - read, done - assessed],
            "named": len(named), "feoc": len(advice.feoc), "shares": len(advice.shares)}


# --- the parent -------------------------------------------------------------------------------


@dataclass
class Row:
    shape: str
    floor: list[float] = field(default_factory=list)
    ours: list[float] = field(default_factory=list)
    phases: list[list[float]] = field(default_factory=list)
    said: dict[str, object] = field(default_factory=dict)

    @property
    def ratio(self) -> float:
        return statistics.median(self.ours) / statistics.median(self.floor)

    @property
    def met(self) -> bool:
        return self.ratio <= TARGET_RATIO


def _in_subprocess(kind: str, folder: Path, lines: int) -> dict[str, object]:
    child = subprocess.run(
        [sys.executable, "-m", "bench.advice", "--measure", kind, str(folder), "--lines", str(lines)],
        cwd=ROOT, capture_output=True, text=True, check=False)
    if child.returncode:
        raise SystemExit(f"{kind} on {folder.name} failed:\n{child.stderr[-2000:]}")
    run: dict[str, object] = json.loads(child.stdout.strip().splitlines()[-1])
    if run["lines"] != lines:
        raise SystemExit(f"{kind}: read {run['lines']:,} lines, expected {lines:,}")
    return run


def _measure_all(folders: dict[str, Path], lines: int, repeats: int) -> list[Row]:
    rows = [Row(shape) for shape in folders]
    for _ in range(repeats):
        for row in rows:  # shapes interleaved too, so a burst of load spreads over all of them
            floor = _in_subprocess("floor", folders[row.shape], lines)
            ours = _in_subprocess("advice", folders[row.shape], lines)
            row.floor.append(float(floor["seconds"]))  # type: ignore[arg-type]
            row.ours.append(float(ours["seconds"]))  # type: ignore[arg-type]
            row.phases.append(list(ours.pop("phases")))  # type: ignore[call-overload]
            row.said = ours
    return rows


def _report(rows: list[Row]) -> bool:
    print("\n| shape | floor: read + assess, median s | with advice, median s | read / assess / advice,"
          " medians s | lines named, FEOC lines | ratio | target | met |")
    print("|---|---|---|---|---|---|---|---|")
    for row in rows:
        phases = " / ".join(f"{statistics.median(p):.2f}" for p in zip(*row.phases, strict=True))
        print(f"| {row.shape} | {statistics.median(row.floor):.2f} ({_runs(row.floor)}) | "
              f"{statistics.median(row.ours):.2f} ({_runs(row.ours)}) | {phases} | "
              f"{row.said['named']:,}, {row.said['feoc']:,} | {row.ratio:.2f} | <= {TARGET_RATIO} | "
              f"{'yes' if row.met else 'NO'} |")
    return all(row.met for row in rows)


def _runs(runs: list[float]) -> str:
    return " ".join(f"{s:.2f}" for s in runs)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--lines", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=5, help="runs of each measurement")
    parser.add_argument("--measure", nargs=2, metavar=("KIND", "FOLDER"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.measure:
        print(json.dumps(measure(args.measure[0], Path(args.measure[1]), args.lines)))
        return 0
    print(f"machine: {machine()}")
    print(f"command: {' '.join([Path(sys.executable).name, '-m', 'bench.advice', *sys.argv[1:]])}")
    with tempfile.TemporaryDirectory(prefix="bench-advice-") as folder:
        started = time.perf_counter()
        folders = {shape: write_shape(Path(folder) / shape.replace(" ", "-"), args.lines, shape)
                   for shape in SHAPES}
        print(f"generated {args.lines:,} critical-mineral lines in {len(SHAPES)} shapes in "
              f"{time.perf_counter() - started:.0f} s")
        met = _report(_measure_all(folders, args.lines, args.repeats))
    print(f"\nload average after: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    print("all targets met" if met else "TARGET MISSED")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
