"""At most 200 errors are listed, then one summary that keeps counting."""

from __future__ import annotations

from filings.evidence import MAX_LISTED_ERRORS, EvidenceError
from tests.evidence.factories import EvidenceFiles, errors_of


def test_it_lists_200_errors_and_a_summary_counting_the_rest(tmp_path):
    files = EvidenceFiles.valid()
    bad = [[f"CM-{i}", "lithium", "Andes", "CL", "US", "", "-1", "no", "no"] for i in range(450)]
    files.rows["critical_minerals"][1:] = bad

    errors = errors_of(files.write_csv(tmp_path))

    assert MAX_LISTED_ERRORS == 200
    assert len(errors) == 201
    assert [e["row"] for e in errors[:200]] == list(range(2, 202))
    assert errors[-1] == {
        "sheet": None,
        "row": None,
        "column": None,
        "value": None,
        "message": errors[-1]["message"],
        "template": errors[-1]["template"],
        "params": {"hidden": "250", "count": "450"},
    }
    assert errors[-1]["message"].startswith("250 more problem(s) not shown (450 in all)")


def test_exactly_200_errors_need_no_summary(tmp_path):
    files = EvidenceFiles.valid()
    bad = [[f"CM-{i}", "lithium", "Andes", "CL", "US", "", "x", "no", "no"] for i in range(200)]
    files.rows["critical_minerals"][1:] = bad

    errors = errors_of(files.write_csv(tmp_path))

    assert len(errors) == 200
    assert all(e["column"] == "value_usd" for e in errors)


def test_an_error_serialises_to_its_five_keys_and_its_template():
    error = EvidenceError("vins", 3, "vin", "X", "vin is required", "%(column)s is required",
                          (("column", "vin"),))

    assert error.to_dict() == {
        "sheet": "vins",
        "row": 3,
        "column": "vin",
        "value": "X",
        "message": "vin is required",
        "template": "%(column)s is required",
        "params": {"column": "vin"},
    }
