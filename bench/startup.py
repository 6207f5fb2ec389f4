"""Benchmark: `manage.py assess` on the 7 KB sample workbook as a whole process, against the
floors of any Python process (`python -c pass`) and of any Django command (`manage.py check`).

    python -m bench.startup              (what `make bench` runs)
    python -m bench.startup --repeats 9

Each command runs in a fresh process, alternating, so machine load hits all alike; times are
medians of wall-clock seconds. Target: assess within 1.5x `manage.py check`, which loads every
app and runs the system checks; assess loads only the rules and the readers (no WeasyPrint,
no pyHanko). A miss exits 1. A benchmark, not a test: it prints what it measured.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "tests" / "data" / "us-pickup-japan-minerals.xlsx"
TARGET = 1.5
COMMANDS = {
    "python -c pass": [sys.executable, "-c", "pass"],
    "manage.py check": [sys.executable, "manage.py", "check"],
    "manage.py assess (sample workbook)": [sys.executable, "manage.py", "assess", str(SAMPLE),
                                           "--placed-in-service", "2024-06-01"],
}


def _seconds(command: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    times: dict[str, list[float]] = {name: [] for name in COMMANDS}
    for command in COMMANDS.values():
        _seconds(command)  # warm the file cache and the .pyc files
    for _ in range(args.repeats):
        for name, command in COMMANDS.items():
            times[name].append(_seconds(command))
    medians = {name: statistics.median(values) for name, values in times.items()}
    check = medians["manage.py check"]
    print(f"{'process':40} {'median s':>9} {'x check':>8}")
    for name, median in medians.items():
        print(f"{name:40} {median:9.3f} {median / check:8.2f}")
    ratio = medians["manage.py assess (sample workbook)"] / check
    met = ratio <= TARGET
    print(f"assess / check = {ratio:.2f} (target <= {TARGET}): {'met' if met else 'MISSED'}")
    return 0 if met else 1


if __name__ == "__main__":
    raise SystemExit(main())
