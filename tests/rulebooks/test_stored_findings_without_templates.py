"""An assessment stored before findings carried their templates is compared with a re-check by
its outcome alone: the impact preview and publication see no change in a filing whose outcome
is the same, however its findings are worded or stored."""

from __future__ import annotations

import copy
from typing import Any

from filings.models import Assessment
from filings.rulebooks.impact import compare, outcome_of
from filings.rulebooks.models import RulebookVersion
from filings.rulebooks.selectors import rulebook_of
from filings.rulebooks.services.preview import outcome_change
from filings.rules.amend import rulebook_data, rulebook_from_data, with_version
from tests.rulebooks.conftest import submitted


def _as_stored_before_templates(result: dict[str, Any]) -> dict[str, Any]:
    old = copy.deepcopy(result)
    for segment in old["segments"]:
        for finding in segment["findings"]:
            del finding["template"], finding["params"]
    return old


def _stored_before_templates(filing) -> Assessment:
    """The filing's assessment as an engine without templates stored it (no outcome column)."""
    assessment = Assessment.objects.get(version__filing=filing)
    assert any(f.get("template") for s in assessment.result["segments"] for f in s["findings"])
    Assessment.objects.filter(pk=assessment.pk).update(
        result=_as_stored_before_templates(assessment.result), outcome=None)
    assessment.refresh_from_db()
    return assessment


def test_a_recheck_finds_no_change_in_an_assessment_stored_without_templates(
        pre_japan: RulebookVersion, manufacturer, preparer, signer):
    filing = submitted(manufacturer, preparer, signer)
    stored = _stored_before_templates(filing)
    # The rules in force under another version number: the same outcome, assessed afresh.
    same_rules = rulebook_from_data(with_version(rulebook_data(rulebook_of(pre_japan)),
                                                 version=f"{pre_japan.version}-reworded"))

    recheck = outcome_change(filing, same_rules)

    assert recheck is not None and recheck.latest.pk == stored.pk
    assert recheck.result is not None
    assert any(f["template"] for s in recheck.result["segments"] for f in s["findings"])
    assert recheck.change is None


def test_outcomes_compare_equal_whether_or_not_the_findings_carry_templates(
        pre_japan: RulebookVersion, manufacturer, preparer, signer):
    result = Assessment.objects.get(version__filing=submitted(manufacturer, preparer, signer)).result

    old = _as_stored_before_templates(result)

    assert old != result  # the stored dicts differ...
    assert compare(outcome_of(old), outcome_of(result)) is None  # ...their outcomes do not
