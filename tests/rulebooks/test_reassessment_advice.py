"""Advice for the re-assessments a published version makes (issue 15: every unmet share has
advice). A publication re-assesses from the stored groups, which hold no lines, so the advice
on what stays unmet is made after it, by the `advise_assessment` task."""

from __future__ import annotations

import datetime as dt

from filings.models import Assessment
from filings.rulebooks.services.drafting import rulebook_draft_amend, rulebook_draft_create
from filings.rulebooks.services.publishing import rulebook_apply
from filings.services.assessment import assessment_advice_run
from tests.rulebooks.conftest import japan_draft, publish, submitted


def test_a_re_assessment_that_leaves_a_share_unmet_gets_its_advice_from_the_worker(
        pre_japan, manufacturer, preparer, signer, approver, django_capture_on_commit_callbacks):
    publish(approver, japan_draft(approver))
    # The pickup meets both shares under the Japan version (its components are 87 % North
    # American); an amendment asking 90 % of components in 2024 leaves that share unmet.
    filing = submitted(manufacturer, preparer, signer)
    first = Assessment.objects.get(version__filing=filing)
    assert first.advice is None and first.credit_max_usd == 7500
    draft = rulebook_draft_create(actor=approver, version="2023.2", citation="A test amendment.",
                                  note="Ninety per cent of components in 2024.")
    rulebook_draft_amend(actor=approver, draft=draft, amendment="schedule_set_pct",
                         requirement="battery_components", row_from=dt.date(2024, 1, 1),
                         required_pct="90", citation="A test amendment.")
    publish(approver, draft)
    with django_capture_on_commit_callbacks() as queued:
        assert rulebook_apply(version_id=draft.pk) == {"changed": 1, "unchanged": 0}
    second = Assessment.objects.get(version__filing=filing, rulebook_version="2023.2")
    assert [(c.args[0].name, c.args[1]) for c in queued if hasattr(c, "args")
            and getattr(c.args[0], "name", "") == "filings.tasks.advise_assessment"] == [
        ("filings.tasks.advise_assessment", (second.pk,))]
    assert second.credit_max_usd == 3750 and second.advice is None
    assert assessment_advice_run(assessment_id=second.pk) is True
    second.refresh_from_db()
    [share] = second.advice["shares"]
    assert share["requirement"] == "battery_components"
    assert assessment_advice_run(assessment_id=second.pk) is False  # once


def test_advice_is_made_only_under_the_rules_still_in_force(pre_japan, manufacturer, preparer,
                                                            signer, approver):
    # Under the rules before Japan counted the pickup's critical-mineral share is unmet and its
    # assessment has its advice; take it away and publish Japan: the rules it was made under
    # are no longer in force, so no advice is made for it now (it would name other rules).
    filing = submitted(manufacturer, preparer, signer)
    assessment = Assessment.objects.get(version__filing=filing)
    assert assessment.advice is not None
    Assessment.objects.filter(pk=assessment.pk).update(advice=None)
    publish(approver, japan_draft(approver))
    assert assessment_advice_run(assessment_id=assessment.pk) is False
    assessment.refresh_from_db()
    assert assessment.advice is None
