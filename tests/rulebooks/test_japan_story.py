"""The Japan story end to end (issue 6's "done when"): a filing whose lithium is processed in
Japan is assessed under the rules before Japan counted, approved at $3,750; the Japan amendment
is drafted, its preview lists the filing, publishing re-assesses it at $7,500 and queues it for
review again, and re-approval issues a certificate that supersedes the first."""

from __future__ import annotations

from django.urls import reverse

from filings.certificates.models import CertificateStatus
from filings.models import Assessment
from filings.rulebooks.models import JobStatus, RulebookStatus
from filings.rulebooks.selectors import rulebook_current
from filings.rulebooks.services.preview import rulebook_preview_in_process, rulebook_preview_request
from filings.rulebooks.services.publishing import rulebook_apply
from filings.states import State
from portal.audit.models import AuditEvent
from tests.certificates.conftest import approve, issue, pdf_bytes, pdf_text
from tests.rulebooks.conftest import JAPAN, PRE_JAPAN, japan_draft, publish, submitted


def test_the_japan_amendment_flips_the_filing_and_supersedes_its_certificate(
        client, pre_japan, manufacturer, preparer, signer, reviewer, approver):
    filing = submitted(manufacturer, preparer, signer)
    first = Assessment.objects.get(version__filing=filing)
    assert (first.rulebook_version, first.credit_min_usd, first.credit_max_usd) == (
        PRE_JAPAN, 3750, 3750)
    assert first.result["segments"][0]["requirements"]["critical_minerals"]["met"] is False

    approve(filing, reviewer, approver)
    first_certificate = issue(filing)
    assert first_certificate.status == CertificateStatus.ISSUED
    assert "$3,750" in pdf_text(pdf_bytes(first_certificate))

    draft = japan_draft(approver)
    preview = rulebook_preview_request(actor=approver, draft=draft)
    preview = rulebook_preview_in_process(preview_id=preview.pk)
    assert (preview.status, preview.done, preview.total) == (JobStatus.DONE, 1, 1)
    [row] = preview.rows
    assert (row["reference"], row["credit_before"], row["credit_after"], row["kind"]) == (
        str(filing.reference), "$3,750", "$7,500", "credit_up")
    assert {"id": "critical_minerals", "label": row["requirements"][0]["label"],
            "before": "not met", "after": "met"} in row["requirements"]
    assert row["on_publish"] == "reviewed again"
    assert preview.counts["credit_up"] == 1

    publish(approver, draft)
    assert rulebook_current().version == JAPAN
    assert rulebook_apply(version_id=draft.pk) == {"changed": 1, "unchanged": 0}

    filing.refresh_from_db()
    assert filing.state == State.REREVIEW
    second = Assessment.objects.get(version__filing=filing, rulebook_version=JAPAN)
    assert (second.credit_min_usd, second.credit_max_usd) == (7500, 7500)
    first_certificate.refresh_from_db()
    assert first_certificate.status == CertificateStatus.ISSUED  # until re-approval
    actions = list(AuditEvent.objects.filter(filing=filing).values_list("action", flat=True))
    assert actions[-2:] == ["rulebook_reassess", "rulebook_rereview"]

    approve(filing, reviewer, approver)
    second_certificate = issue(filing)
    first_certificate.refresh_from_db()
    assert second_certificate.status == CertificateStatus.ISSUED
    assert second_certificate.assessment_id == second.pk
    assert first_certificate.status == CertificateStatus.SUPERSEDED
    assert first_certificate.superseded_by_id == second_certificate.pk
    assert "$7,500" in pdf_text(pdf_bytes(second_certificate))

    page = client.get(reverse("certificates:verify", kwargs={"public_id": first_certificate.public_id}))
    assert page.status_code == 200
    assert b"superseded" in page.content
    assert str(second_certificate.public_id).encode() in page.content


def test_publishing_twice_or_applying_twice_changes_nothing_more(
        pre_japan, manufacturer, preparer, signer, reviewer, approver):
    filing = submitted(manufacturer, preparer, signer)
    draft = japan_draft(approver)
    publish(approver, draft)

    assert rulebook_apply(version_id=draft.pk) == {"changed": 1, "unchanged": 0}
    events = AuditEvent.objects.filter(filing=filing).count()
    assert rulebook_apply(version_id=draft.pk) == {"changed": 0, "unchanged": 1}

    assert AuditEvent.objects.filter(filing=filing).count() == events
    assert Assessment.objects.filter(version__filing=filing).count() == 2
    draft.refresh_from_db()
    assert draft.status == RulebookStatus.PUBLISHED
