"""`manage.py assess` end to end on the sample evidence in tests/data.

Most tests call the command in this process (`call_command`: the same parser, handler and
output, without a Python start-up per test); the last ones run it as a real `manage.py`
process: its exit status, and what it loads.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from filings.rules import REQUIREMENT_IDS

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data"


@dataclass(frozen=True)
class Done:
    returncode: int
    stdout: str
    stderr: str


def run(*args: str | Path) -> Done:
    """`manage.py assess ARGS` in this process: its output and the exit status it would have."""
    stdout, stderr = io.StringIO(), io.StringIO()
    try:
        call_command("assess", *map(str, args), stdout=stdout, stderr=stderr)
        returncode = 0
    except SystemExit as exc:
        returncode = exc.code if isinstance(exc.code, int) else 1
    except CommandError as exc:  # what the real process prints and exits with
        stderr.write(f"CommandError: {exc}\n")
        returncode = exc.returncode
    return Done(returncode, stdout.getvalue(), stderr.getvalue())


def run_process(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "manage.py", "assess", *map(str, args)], cwd=ROOT,
                          capture_output=True, text=True, timeout=120, check=False)


def assess_json(*args: str | Path) -> dict[str, Any]:
    done = run(*args, "--format", "json")
    assert done.returncode == 0, done.stdout + done.stderr
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def only_segment(result: dict[str, Any]) -> dict[str, Any]:
    assert len(result["segments"]) == 1
    segment: dict[str, Any] = result["segments"][0]
    return segment


def test_a_us_pickup_with_japanese_processed_minerals_earns_the_full_credit():
    result = assess_json(DATA / "us-pickup-japan-minerals.xlsx", "--placed-in-service", "2024-06-01")
    assert result["rulebook"]["id"] == "us-irc-30d"
    assert result["rulebook"]["version"]
    segment = only_segment(result)
    assert (segment["from"], segment["to"]) == ("2024-06-01", "2024-06-01")
    assert segment["eligible"] is True
    assert segment["credit_usd"] == 7500
    assert list(segment["requirements"]) == list(REQUIREMENT_IDS)
    minerals = segment["requirements"]["critical_minerals"]
    assert minerals["met"] is True
    assert minerals["required_pct"] == 50.0
    assert minerals["qualifying_pct"] == 92.07  # 7,439.80 of 8,080.00, rounded down
    assert minerals["fta_countries_counted"] == ["AU", "CA", "JP"]
    assert (minerals["qualifying_value_usd"], minerals["total_value_usd"]) == ("7439.80", "8080.00")
    assert segment["requirements"]["final_assembly"]["invalid_vins"] == []


def test_the_csv_folder_gives_the_same_answer_as_the_workbook():
    from_xlsx = assess_json(DATA / "us-pickup-japan-minerals.xlsx", "--placed-in-service", "2024-06-01")
    from_csv = assess_json(DATA / "us-pickup-japan-minerals-csv", "--placed-in-service", "2024-06-01")
    assert from_csv == from_xlsx


def test_csv_files_named_one_by_one_are_accepted():
    folder = DATA / "us-pickup-japan-minerals-csv"
    files = sorted(folder.glob("*.csv"))
    result = assess_json(*files, "--placed-in-service", "2024-06-01")
    assert only_segment(result)["credit_usd"] == 7500


def test_a_german_built_sedan_gets_nothing_because_of_final_assembly():
    segment = only_segment(assess_json(DATA / "german-sedan.xlsx", "--placed-in-service", "2024-06-01"))
    assert segment["eligible"] is False
    assert segment["credit_usd"] == 0
    assert segment["requirements"]["final_assembly"]["met"] is False
    assert any(f["requirement"] == "final_assembly" and f["severity"] == "fail" and "DE" in f["message"]
               for f in segment["findings"])


def test_a_crossover_short_on_north_american_components_gets_half():
    segment = only_segment(assess_json(DATA / "crossover-short-na-components.xlsx",
                                       "--placed-in-service", "2024-06-01"))
    assert segment["eligible"] is True
    assert segment["requirements"]["critical_minerals"]["met"] is True
    assert segment["requirements"]["battery_components"]["met"] is False
    assert segment["requirements"]["battery_components"]["qualifying_pct"] == 35.8
    assert segment["credit_usd"] == 3750


def test_feoc_graphite_is_allowed_in_2024_and_disqualifies_from_2025():
    result = assess_json(DATA / "feoc-graphite-2025.xlsx", "--placed-in-service", "2024-06-01",
                         "--until", "2025-03-31")
    segments = result["segments"]
    assert [(s["from"], s["to"], s["credit_usd"]) for s in segments] == [
        ("2024-06-01", "2024-12-31", 7500),
        ("2025-01-01", "2025-03-31", 0),
    ]
    feoc_2025 = segments[1]["requirements"]["feoc_critical_minerals"]
    assert feoc_2025["met"] is False
    assert feoc_2025["feoc_lines"] == 1
    assert feoc_2025["excluded_impracticable_to_trace_lines"] == 1


def test_a_period_is_split_where_the_rules_change_and_at_the_acquisition_cut_off():
    result = assess_json(DATA / "us-pickup-japan-minerals.xlsx", "--placed-in-service", "2023-01-01",
                         "--until", "2025-12-31")
    spans = [(s["from"], s["to"]) for s in result["segments"]]
    assert spans[0][0] == "2023-01-01" and spans[-1][1] == "2025-12-31"
    for (_, end), (start, _) in pairwise(spans):
        assert (date(start) - date(end)).days == 1
    starts = {s for s, _ in spans}
    assert {"2023-04-18", "2024-01-01", "2025-01-01", "2025-10-01"} <= starts
    last = result["segments"][-1]
    assert last["credit_usd"] == 0 and last["requirements"]["credit_window"]["met"] is False


def test_an_explicit_acquisition_date_keeps_the_credit_for_a_late_placed_in_service_date():
    segment = only_segment(assess_json(DATA / "us-pickup-japan-minerals.xlsx",
                                       "--placed-in-service", "2025-11-15", "--acquired", "2025-09-30"))
    assert segment["credit_usd"] == 7500


def test_the_text_format_is_a_readable_report():
    done = run(DATA / "crossover-short-na-components.xlsx", "--placed-in-service", "2024-06-01")
    assert done.returncode == 0, done.stderr
    assert "ELIGIBLE, credit $3,750.00" in done.stdout
    assert "battery_components" in done.stdout and "NOT MET" in done.stdout
    assert "IRC §30D(e)(2)(B)(ii)" in done.stdout


def test_a_broken_workbook_exits_2_and_lists_every_bad_cell():
    done = run(DATA / "mistakes.xlsx", "--placed-in-service", "2024-06-01", "--format", "json")
    assert done.returncode == 2
    errors = json.loads(done.stdout)["errors"]
    assert all(set(e) == {"sheet", "row", "column", "value", "message", "template", "params"}
               for e in errors)
    assert all(e["template"] for e in errors)
    cells = {(e["sheet"], e["row"], e["column"]) for e in errors}
    expected = {
        ("vehicle", 2, "model_year"), ("vehicle", 2, "vehicle_class"), ("vehicle", 2, "msrp_usd"),
        ("vehicle", 2, "battery_capacity_kwh"), ("vehicle", 2, "final_assembly_country"),
        ("battery_components", 2, "component_type"), ("battery_components", 3, "component_id"),
        ("battery_components", 3, "manufacturing_country"), ("battery_components", 3, "value_usd"),
        ("battery_components", 3, "feoc"),
        ("critical_minerals", 2, "mineral"), ("critical_minerals", 3, "line_id"),
        ("critical_minerals", 3, "supplier"), ("critical_minerals", 3, "extraction_country"),
        ("critical_minerals", 3, "value_usd"), ("critical_minerals", 3, "impracticable_to_trace"),
        ("critical_minerals", 4, "value_usd"),
        ("vins", 3, "vin"),
    }
    assert expected <= cells, expected - cells
    assert any(e["sheet"] == "battery_components" and e["column"] == "notes" for e in errors)


@pytest.mark.parametrize(("args", "needle"), [
    (("--placed-in-service", "2024-13-01"), "YYYY-MM-DD"),
    (("--placed-in-service", "2024-06-01", "--until", "2024-01-01"), "before it starts"),
    (("--placed-in-service", "2024-06-01", "--acquired", "2024-07-01"), "acquired"),
])
def test_invalid_arguments_exit_2_with_a_message(args, needle):
    done = run(DATA / "us-pickup-japan-minerals.xlsx", *args, "--format", "json")
    assert done.returncode == 2
    messages = [e["message"] for e in json.loads(done.stdout)["errors"]]
    assert any(needle in m for m in messages), messages


def test_a_missing_file_exits_2_in_text_format_with_the_path_named(tmp_path):
    missing = tmp_path / "nowhere.xlsx"
    done = run(missing, "--placed-in-service", "2024-06-01")
    assert done.returncode == 2
    assert "nowhere.xlsx" in done.stderr


def date(text: str):
    import datetime as dt

    return dt.date.fromisoformat(text)


# --- as a real process -------------------------------------------------------------------------


def test_the_real_process_exits_0_with_the_json_report_and_2_on_invalid_evidence(tmp_path):
    done = run_process(DATA / "us-pickup-japan-minerals.xlsx", "--placed-in-service", "2024-06-01",
                       "--format", "json")
    assert done.returncode == 0, done.stdout + done.stderr
    assert only_segment(json.loads(done.stdout))["credit_usd"] == 7500
    assert json.loads(done.stdout) == assess_json(DATA / "us-pickup-japan-minerals.xlsx",
                                                  "--placed-in-service", "2024-06-01")

    missing = run_process(tmp_path / "nowhere.xlsx", "--placed-in-service", "2024-06-01")
    assert missing.returncode == 2
    assert "nowhere.xlsx" in missing.stderr and missing.stdout == ""


def test_it_loads_neither_weasyprint_nor_pyhanko():
    """Assessing is files in, report out: the certificate renderer stays out of the process."""
    probe = ("import json, sys\n"
             "from django.core.management import execute_from_command_line\n"
             "try:\n"
             f"    execute_from_command_line(['manage.py', 'assess', {str(DATA / 'us-pickup-japan-minerals.xlsx')!r},"
             " '--placed-in-service', '2024-06-01'])\n"
             "finally:\n"
             "    loaded = sorted(m for m in sys.modules if m.split('.')[0] in ('weasyprint', 'pyhanko'))\n"
             "    print('LOADED', json.dumps(loaded))\n")
    done = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True,
                          timeout=120, check=False,
                          env={**os.environ, "DJANGO_SETTINGS_MODULE": "portal.settings"})
    assert done.returncode == 0, done.stderr
    assert "credit" in done.stdout.lower()
    loaded = json.loads(done.stdout.rsplit("LOADED ", 1)[1])
    assert loaded == []
