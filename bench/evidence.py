"""Benchmark: read + validate + assess 1,000,000 critical-mineral lines, against bare-reader floors.

    python -m bench.evidence            (what `make bench` runs)
    python -m bench.evidence --lines 100000 --repeats 3 --xlsx-repeats 2

Generates the evidence under a temporary folder: three CSV sets (critical-mineral lines whose
supplier and countries vary line by line; lines over 300 distinct chains; the varied lines
again with every cell quoted, header included, as R's write.csv and many exports write them)
and two XLSX of the varied lines (their XML written directly; in the second, 1 row in 100
has its amounts as text, as a pasted column often has them, so that fastexcel cannot type
the column), then measures each run in a fresh process:

  csv process        the whole `manage.py assess FOLDER --placed-in-service 2024-06-01
                     --format json` process, against a `python -c` process looping a bare
                     `csv.reader` over the same files. Past the shipped limits (a sheet of
                     at most 500,000 rows, a file of at most 50 MiB) the command refuses the
                     files, so the process runs what the command runs (Django set up, the
                     rulebook loaded, read_evidence, assess_period, the JSON report) with the
                     limits raised to fit: `bench.evidence --assess`.
  csv in process     read_evidence + assess, against the bare csv.reader loop, each timed
                     inside its own process (the rulebook loaded before the clock starts)
  xlsx in process    read_evidence + assess over the workbook, against a bare fastexcel read
                     (`read_excel`, every sheet loaded into polars)

Runs alternate ours/floor so machine load hits both alike; times are medians. Memory is the
peak RSS of the whole process (`ru_maxrss` of the child, from wait4), the interpreter and its
imports included. Targets: csv process <= 2x its floor, csv in process <= 1x, peak RSS of the
assess process <= 400 MB; xlsx <= 1.3x its floor, peak RSS <= 500 MB. A miss exits 1.
This is a benchmark, not a test: it measures this machine, and prints what it measured.
"""

from __future__ import annotations

import argparse
import csv
import gc
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from bench.evidence_data import sheets, write_csv_set

ROOT = Path(__file__).resolve().parents[1]
PLACED_IN_SERVICE = "2024-06-01"
CSV_PROCESS_RATIO = 2.0
CSV_IN_PROCESS_RATIO = 1.0
CSV_MAX_RSS_MB = 400.0
XLSX_RATIO = 1.3
XLSX_MAX_RSS_MB = 500.0


@dataclass(frozen=True)
class Run:
    seconds: float
    rss_mb: float  # peak RSS of the whole process
    lines: int


# --- the evidence ---------------------------------------------------------------------------

def write_xlsx(path: Path, lines: int, *, varied: bool, text_every: int = 0) -> Path:
    """The same evidence as one workbook, its XML parts written directly (openpyxl would
    take minutes for a million rows): shared strings for text, numbers as numeric cells,
    except, with `text_every`, the amounts and years of every `text_every`-th row, written
    as text (Excel's "number stored as text", which a pasted column often has)."""
    from filings.evidence.schema import SHEETS_BY_NAME, Kind
    from filings.evidence.sheets import column_letter

    strings: dict[str, int] = {}
    parts: list[tuple[str, bytes]] = []
    for name, rows in sheets(lines, varied=varied).items():
        columns = SHEETS_BY_NAME[name].columns
        numeric = {i for i, c in enumerate(columns) if c.kind in (Kind.AMOUNT, Kind.YEAR)}
        out = [_SHEET_START]
        for r, row in enumerate(rows, start=1):
            cells = []
            for c, value in enumerate(row):
                if value in ("", None):
                    continue
                ref = f"{column_letter(c)}{r}"
                if r > 1 and c in numeric and not (text_every and r % text_every == 0):
                    cells.append(f'<c r="{ref}"><v>{float(value)!r}</v></c>')  # type: ignore[arg-type]
                else:
                    index = strings.setdefault(str(value), len(strings))
                    cells.append(f'<c r="{ref}" t="s"><v>{index}</v></c>')
            out.append(f'<row r="{r}">{"".join(cells)}</row>')
        out.append("</sheetData></worksheet>")
        parts.append((name, "".join(out).encode()))
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        count = len(parts)
        archive.writestr("[Content_Types].xml", _content_types(count))
        archive.writestr("_rels/.rels", _ROOT_RELS)
        archive.writestr("xl/workbook.xml", _workbook([name for name, _ in parts]))
        archive.writestr("xl/_rels/workbook.xml.rels", _workbook_rels(count))
        for i, (_, xml) in enumerate(parts, start=1):
            archive.writestr(f"xl/worksheets/sheet{i}.xml", xml)
        archive.writestr(
            "xl/sharedStrings.xml",
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<sst xmlns="{_MAIN}" '
            f'count="{len(strings)}" uniqueCount="{len(strings)}">'
            + "".join(f"<si><t>{escape(s)}</t></si>" for s in strings)
            + "</sst>",
        )
    return path


_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PACKAGE_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
_SHEET_START = (
    f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="{_MAIN}"><sheetData>'
)
_ROOT_RELS = (
    f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{_PACKAGE_REL}"><Relationship Id="rId1" '
    f'Type="{_REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
)


def _content_types(sheets: int) -> str:
    office = "application/vnd.openxmlformats-officedocument.spreadsheetml"
    overrides = "".join(
        f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="{office}.worksheet+xml"/>'
        for i in range(1, sheets + 1)
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
        'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
        'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
        f'<Override PartName="/xl/workbook.xml" ContentType="{office}.sheet.main+xml"/>{overrides}'
        f'<Override PartName="/xl/sharedStrings.xml" ContentType="{office}.sharedStrings+xml"/></Types>'
    )


def _workbook(names: list[str]) -> str:
    sheets = "".join(
        f'<sheet name="{escape(name)}" sheetId="{i}" r:id="rId{i}"/>' for i, name in enumerate(names, start=1)
    )
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{_MAIN}" xmlns:r="{_REL}">'
        f"<sheets>{sheets}</sheets></workbook>"
    )


def _workbook_rels(sheets: int) -> str:
    rels = "".join(
        f'<Relationship Id="rId{i}" Type="{_REL}/worksheet" Target="worksheets/sheet{i}.xml"/>'
        for i in range(1, sheets + 1)
    )
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{_PACKAGE_REL}">{rels}'
        f'<Relationship Id="rId{sheets + 1}" Type="{_REL}/sharedStrings" Target="sharedStrings.xml"/>'
        "</Relationships>"
    )


# --- inside the measuring subprocess ----------------------------------------------------------


def _peak_rss_mb() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def limits(paths: list[Path], lines: int) -> dict[str, Any]:
    """read_evidence's limits raised just enough for `lines` lines (none below the shipped ones)."""
    from filings.evidence import EVIDENCE_MAX_BYTES, ZipLimits
    from filings.evidence.schema import MAX_SHEET_ROWS

    files = [p for path in paths for p in (sorted(path.iterdir()) if path.is_dir() else [path])]
    biggest = max(p.stat().st_size for p in files)
    shipped = ZipLimits()
    return {
        "max_sheet_rows": max(MAX_SHEET_ROWS, lines + 1),
        "max_bytes": max(EVIDENCE_MAX_BYTES, biggest),
        "zip_limits": ZipLimits(
            max_cells_per_sheet=max(shipped.max_cells_per_sheet, 10 * (lines + 1)),
            max_uncompressed_bytes=max(shipped.max_uncompressed_bytes, 600 * (lines + 1)),
        ),
    }


def _ours(paths: list[Path], lines: int) -> Callable[[], int]:
    import datetime as dt

    from filings.evidence import read_evidence
    from filings.rules import assess, load_rulebook

    rulebook = load_rulebook()  # loaded once per worker process in real use, so not timed
    day = dt.date.fromisoformat(PLACED_IN_SERVICE)
    raised = limits(paths, lines)

    def run() -> int:
        evidence = read_evidence(paths, rulebook=rulebook, **raised)
        assess(evidence, rulebook=rulebook, placed_in_service=day)
        return len(evidence.critical_minerals)

    return run


def _csv_floor(paths: list[Path], lines: int) -> Callable[[], int]:
    def run() -> int:
        for path in sorted(paths[0].glob("*.csv")):
            with path.open(newline="", encoding="utf-8") as f:
                reader = csv.reader(f)
                for _row in reader:
                    pass
                if path.stem == "critical_minerals":
                    rows = reader.line_num - 1
        return rows

    return run


def _xlsx_floor(paths: list[Path], lines: int) -> Callable[[], int]:
    import fastexcel

    def run() -> int:
        workbook = fastexcel.read_excel(paths[0])
        heights = {name: workbook.load_sheet(name).to_polars().height for name in workbook.sheet_names}
        return heights["critical_minerals"]

    return run


_MEASURES = {"csv-ours": _ours, "csv-floor": _csv_floor, "xlsx-ours": _ours, "xlsx-floor": _xlsx_floor}


def measure(kind: str, path: Path, lines: int) -> Run:
    """Run one measurement in this process (the parent starts a fresh one for each)."""
    run = _MEASURES[kind]([path], lines)
    started = time.perf_counter()
    counted = run()
    seconds = time.perf_counter() - started
    return Run(seconds, _peak_rss_mb(), counted)


def assess_like_the_command(folder: Path, lines: int) -> None:
    """What `manage.py assess FOLDER --placed-in-service DATE --format json` does, with the
    reader's limits raised to fit `lines` lines."""
    import datetime as dt

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    django.setup()
    gc.freeze()  # as the command's first step
    from filings.evidence import read_evidence
    from filings.rules import assess_period, load_rulebook

    rulebook = load_rulebook()
    day = dt.date.fromisoformat(PLACED_IN_SERVICE)
    evidence = read_evidence([folder], **limits([folder], lines))
    assessment = assess_period(evidence, rulebook=rulebook, start=day, end=day, acquired=None)
    sys.stdout.write(json.dumps(assessment.to_dict(), indent=2, ensure_ascii=False))


# --- the parent -------------------------------------------------------------------------------

_CSV_LOOP = (
    "import csv, pathlib, sys\n"
    "for path in sorted(pathlib.Path(sys.argv[1]).glob('*.csv')):\n"
    "    with path.open(newline='', encoding='utf-8') as f:\n"
    "        for row in csv.reader(f):\n"
    "            pass\n"
)


def _process(command: list[str]) -> Run:
    """Run a whole process; its wall time and peak RSS (from wait4, so it is that child's)."""
    started = time.perf_counter()
    child = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - started
    child.returncode = os.waitstatus_to_exitcode(status)
    stderr = child.stderr.read().decode() if child.stderr else ""
    if child.returncode:
        raise SystemExit(f"{' '.join(command)} failed ({child.returncode}):\n{stderr[-2000:]}")
    return Run(seconds, usage.ru_maxrss / 1024, 0)


def _fits(folder: Path, lines: int) -> bool:
    """True if `manage.py assess` takes the files with the shipped limits."""
    from filings.evidence import EVIDENCE_MAX_BYTES
    from filings.evidence.schema import MAX_SHEET_ROWS

    biggest = max(p.stat().st_size for p in folder.iterdir())
    return lines + 1 <= MAX_SHEET_ROWS and biggest <= EVIDENCE_MAX_BYTES


def _assess_command(folder: Path, lines: int, fits: bool) -> list[str]:
    if fits:
        return [sys.executable, "manage.py", "assess", str(folder), "--placed-in-service", PLACED_IN_SERVICE,
                "--format", "json"]
    return [sys.executable, "-m", "bench.evidence", "--assess", str(folder), "--lines", str(lines)]


def _in_subprocess(kind: str, path: Path, lines: int) -> Run:
    child = subprocess.run(
        [sys.executable, "-m", "bench.evidence", "--measure", kind, str(path), "--lines", str(lines)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if child.returncode:
        raise SystemExit(f"{kind} failed:\n{child.stderr[-2000:]}")
    run = Run(**json.loads(child.stdout.strip().splitlines()[-1]))
    if run.lines != lines:
        raise SystemExit(f"{kind}: read {run.lines:,} lines, expected {lines:,}")
    return run


CSV_SHAPES = ("varied", "few chains", "varied, every cell quoted")
TEXT_EVERY = 100  # the mixed workbook's rows with their amounts as text: 1 in this many


@dataclass
class Row:
    name: str
    ours: list[Run]
    floor: list[Run]
    ratio_target: float
    rss_target: float | None

    @property
    def ratio(self) -> float:
        return _median(self.ours) / _median(self.floor)

    @property
    def rss(self) -> float:
        return max(run.rss_mb for run in self.ours)

    @property
    def met(self) -> bool:
        return self.ratio <= self.ratio_target and (self.rss_target is None or self.rss <= self.rss_target)


def _measure_all(
    paths: dict[str, Path], fits: bool, lines: int, repeats: int, xlsx_repeats: int
) -> list[Row]:
    rows: list[Row] = []
    for shape in CSV_SHAPES:
        folder = paths[f"csv {shape}"]
        process = Row(f"csv, {shape}: whole assess process", [], [], CSV_PROCESS_RATIO, CSV_MAX_RSS_MB)
        inside = Row(f"csv, {shape}: read + validate + assess in process", [], [], CSV_IN_PROCESS_RATIO, None)
        for _ in range(repeats):
            process.ours.append(_process(_assess_command(folder, lines, fits)))
            process.floor.append(_process([sys.executable, "-c", _CSV_LOOP, str(folder)]))
            inside.ours.append(_in_subprocess("csv-ours", folder, lines))
            inside.floor.append(_in_subprocess("csv-floor", folder, lines))
        rows += [process, inside]
    mixed = f"varied, 1 row in {TEXT_EVERY} with its amounts as text"
    for shape, key in (("varied", "xlsx"), (mixed, "xlsx mixed")):
        xlsx = Row(f"xlsx, {shape}: read + validate + assess in process", [], [], XLSX_RATIO, XLSX_MAX_RSS_MB)
        for _ in range(xlsx_repeats):
            xlsx.ours.append(_in_subprocess("xlsx-ours", paths[key], lines))
            xlsx.floor.append(_in_subprocess("xlsx-floor", paths[key], lines))
        rows.append(xlsx)
    return rows


_FLOORS = {
    "whole assess process": "`python -c` csv.reader loop",
    "read + validate + assess in process": "bare csv.reader loop",
}


def _report(rows: list[Row]) -> bool:
    print("\n| measurement | median s | runs (s) | peak RSS, max | ratio | target | met |")
    print("|---|---|---|---|---|---|---|")
    for row in rows:
        rss_target = f"; <= {row.rss_target:.0f} MB" if row.rss_target else ""
        print(
            f"| {row.name} | {_median(row.ours):.2f} | {_runs(row.ours)} | {row.rss:.0f} MB | "
            f"{row.ratio:.2f} | <= {row.ratio_target}{rss_target} | {'yes' if row.met else 'NO'} |"
        )
        floor = "bare fastexcel read, every sheet to polars" if row.name.startswith("xlsx") else next(
            f for key, f in _FLOORS.items() if row.name.endswith(key)
        )
        print(
            f"| floor: {floor} | {_median(row.floor):.2f} | {_runs(row.floor)} | "
            f"{max(r.rss_mb for r in row.floor):.0f} MB | | | |"
        )
    return all(row.met for row in rows)


def _median(runs: list[Run]) -> float:
    return statistics.median(run.seconds for run in runs)


def _runs(runs: list[Run]) -> str:
    return " ".join(f"{run.seconds:.2f}" for run in runs)


def _generate(folder: Path, lines: int) -> tuple[dict[str, Path], bool]:
    """Generate in a child process, so that this one stays small: a child's peak RSS (from
    wait4) counts the memory of the process it was forked from."""
    child = subprocess.run(
        [sys.executable, "-m", "bench.evidence", "--generate", str(folder), "--lines", str(lines)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if child.returncode:
        raise SystemExit(f"generating failed:\n{child.stderr[-2000:]}")
    *said, last = child.stdout.strip().splitlines()
    print("\n".join(said))
    found = json.loads(last)
    return {name: Path(path) for name, path in found["paths"].items()}, found["fits"]


def generate(folder: Path, lines: int) -> None:
    started = time.perf_counter()
    paths = {
        "csv varied": folder / "csv-varied",
        "csv few chains": folder / "csv-few",
        "csv varied, every cell quoted": folder / "csv-quoted",
        "xlsx": folder / "evidence.xlsx",
        "xlsx mixed": folder / "mixed" / "evidence.xlsx",
    }
    write_csv_set(paths["csv varied"], lines, varied=True)
    write_csv_set(paths["csv few chains"], lines, varied=False)
    write_csv_set(paths["csv varied, every cell quoted"], lines, varied=True, quoting=csv.QUOTE_ALL)
    write_xlsx(paths["xlsx"], lines, varied=True)
    paths["xlsx mixed"].parent.mkdir(exist_ok=True)
    write_xlsx(paths["xlsx mixed"], lines, varied=True, text_every=TEXT_EVERY)
    print(
        f"generated {lines:,} critical-mineral lines as CSV ({_size(paths['csv varied'])} varied, "
        f"{_size(paths['csv few chains'])} few chains, "
        f"{_size(paths['csv varied, every cell quoted'])} varied with every cell quoted) and XLSX "
        f"({paths['xlsx'].stat().st_size / 2**20:.1f} MiB; "
        f"{paths['xlsx mixed'].stat().st_size / 2**20:.1f} MiB with amounts as text) "
        f"in {time.perf_counter() - started:.0f} s"
    )
    fits = all(_fits(paths[f"csv {shape}"], lines) for shape in CSV_SHAPES)
    print(json.dumps({"paths": {name: str(path) for name, path in paths.items()}, "fits": fits}))


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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=5, help="runs of each CSV measurement")
    parser.add_argument("--xlsx-repeats", type=int, default=3, help="runs of each XLSX one")
    parser.add_argument("--measure", nargs=2, metavar=("KIND", "PATH"), help=argparse.SUPPRESS)
    parser.add_argument("--assess", metavar="FOLDER", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--generate", metavar="FOLDER", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.measure:
        run = measure(args.measure[0], Path(args.measure[1]), args.lines)
        print(json.dumps(run.__dict__))
        return 0
    if args.assess:
        assess_like_the_command(args.assess, args.lines)
        return 0
    if args.generate:
        generate(args.generate, args.lines)
        return 0
    print(f"machine: {machine()}")
    print(f"command: {' '.join([Path(sys.executable).name, '-m', 'bench.evidence', *sys.argv[1:]])}")
    with tempfile.TemporaryDirectory(prefix="bench-evidence-") as folder:
        paths, fits = _generate(Path(folder), args.lines)
        print(f"csv process: {' '.join(_assess_command(paths['csv varied'], args.lines, fits)[1:])}")
        met = _report(_measure_all(paths, fits, args.lines, args.repeats, args.xlsx_repeats))
    print(f"\nload average after: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    print("all targets met" if met else "TARGET MISSED")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
