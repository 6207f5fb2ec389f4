"""What a sourcing plan costs the worker on 100,000 lines, by phase (issue 15, Deliver 3).

    .venv/bin/python -m bench.planner                    # 100,000 lines, the four shapes
    .venv/bin/python -m bench.planner --lines 20000

Not a target of the issue, so not in `make bench`: a measurement of what `plan_run` does past
its cache and database reads, on the shapes of `bench/advice.py`. The plan moves half the
lines' processing to Japan and fifty suppliers' extraction to Canada (their FEOC flags
cleared). Phases: `read_frames` of the CSV files; `apply_plan`; `assess_period` before and
after; the advice on the planned frames (when something stays unmet); the cache entry's JSON
as `planning._outcome` keeps it. The floor printed beside it is read + one assessment, what
the assessment task itself costs on the same evidence.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import resource
import tempfile
import time
from pathlib import Path

from bench.advice import PERIOD, SHAPES, write_shape


def measure(folder: Path) -> dict[str, float]:
    from filings.evidence.advice import advise_frames
    from filings.evidence.book import group
    from filings.evidence.plan import Change, apply_plan
    from filings.evidence.reader import read_frames
    from filings.rulebooks.services.planning import outcome_kept
    from filings.rules import assess_period, load_rulebook
    from filings.services.assessment import has_unmet_requirement

    rulebook = load_rulebook()
    start, end = (dt.date.fromisoformat(d) for d in PERIOD)
    began = time.perf_counter()
    frames = read_frames([folder], rulebook=rulebook)
    read = time.perf_counter()
    minerals = frames["critical_minerals"]
    rows = minerals.get_column("row").to_list()
    suppliers = minerals.get_column("supplier").unique().sort().to_list()[:50]
    planned = apply_plan(frames, [
        Change("processing_country", "JP", rows=frozenset(rows[: len(rows) // 2])),
        Change("extraction_country", "CA", suppliers=frozenset(suppliers), feoc=False)],
        rulebook=rulebook)
    applied = time.perf_counter()
    before = assess_period(group(frames), rulebook=rulebook, start=start, end=end)
    assessed_before = time.perf_counter()
    after = assess_period(planned.evidence(), rulebook=rulebook, start=start, end=end)
    assessed = time.perf_counter()
    advice = (advise_frames(after, planned.frames, rulebook=rulebook).to_dict()
              if has_unmet_requirement(after) else None)
    advised = time.perf_counter()
    entry = json.dumps(outcome_kept(before, after, advice))  # what the cache entry keeps
    done = time.perf_counter()
    return {"read": read - began, "apply": applied - read, "assess_before": assessed_before - applied,
            "assess_after": assessed - assessed_before, "advice": advised - assessed,
            "json": done - advised, "total": done - began,
            "floor": (read - began) + (assessed_before - applied),
            "changed": sum(map(len, planned.changed.values())), "entry_kb": len(entry) / 1e3,
            "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def main(argv: list[str] | None = None) -> int:
    import os

    import django

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--lines", type=int, default=100_000)
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    django.setup()
    print(f"sourcing plan on {args.lines:,} lines (seconds; floor = read + one assessment)")
    for shape in SHAPES:
        with tempfile.TemporaryDirectory(prefix="plan-bench-") as tmp:
            m = measure(write_shape(Path(tmp) / "evidence", args.lines, shape))
        ratio = m["total"] / m["floor"]
        print(f"  {shape:<16} total {m['total']:.2f} (floor {m['floor']:.2f}, x{ratio:.2f}): "
              f"read {m['read']:.2f}, apply {m['apply']:.2f}, assess {m['assess_before']:.2f} + "
              f"{m['assess_after']:.2f}, advice {m['advice']:.2f}, JSON {m['json']:.2f}; "
              f"{m['changed']:,} lines changed, entry {m['entry_kb']:,.0f} kB, peak {m['peak_mb']:.0f} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
