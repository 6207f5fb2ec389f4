"""Drafting, previewing and publishing amendments: roles, immutability, staleness, and what
publishing does to filings in each state."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import DatabaseError, connection, transaction

from filings.certificates.models import CertificateStatus
from filings.certificates.services import certificate_revoke
from filings.models import Assessment
from filings.rulebooks.models import JobStatus, RulebookVersion
from filings.rulebooks.selectors import rulebook_current
from filings.rulebooks.services.drafting import (
    AmendmentInvalid,
    rulebook_draft_amend,
    rulebook_draft_create,
    rulebook_draft_discard,
)
from filings.rulebooks.services.preview import rulebook_preview_in_process, rulebook_preview_request
from filings.rulebooks.services.publishing import rulebook_apply, rulebook_publish
from filings.rulebooks.services.what_if import assessment_what_if
from filings.services.common import NotAllowed, StateConflict
from filings.services.review import filing_approve, filing_reject, review_recommend, review_start
from filings.states import State
from portal.audit.models import AuditEvent
from tests.certificates.conftest import approve, issue
from tests.rulebooks.conftest import JAPAN, JAPAN_CITATION, PRE_JAPAN, japan_draft, publish, submitted


@pytest.mark.parametrize("actor", ["reviewer", "preparer", "signer", "viewer", "outsider"])
def test_only_an_approver_of_the_authority_drafts(request, pre_japan, actor):
    with pytest.raises(NotAllowed):
        rulebook_draft_create(actor=request.getfixturevalue(actor), version="9.9",
                              citation=JAPAN_CITATION, note="An amendment note.")
    assert RulebookVersion.objects.count() == 1


@pytest.mark.parametrize(("field", "kwargs", "message"), [
    ("version", {"version": PRE_JAPAN}, "exists already"),
    ("version", {"version": "no spaces"}, "letters, digits"),
    ("citation", {"citation": " "}, "citation is required"),
    ("note", {"note": ""}, "note is required"),
])
def test_a_draft_needs_a_new_version_a_citation_and_a_note(pre_japan, approver, field, kwargs,
                                                           message):
    arguments = {"version": "2023.9", "citation": JAPAN_CITATION, "note": "Why it changes.",
                 **kwargs}
    with pytest.raises(AmendmentInvalid) as raised:
        rulebook_draft_create(actor=approver, **arguments)
    assert raised.value.field == field
    assert message in raised.value.message
    assert RulebookVersion.objects.count() == 1


def test_a_bad_amendment_names_its_field_and_stores_nothing(pre_japan, approver):
    draft = japan_draft(approver)
    before = draft.data_sha256
    with pytest.raises(AmendmentInvalid) as raised:
        rulebook_draft_amend(actor=approver, draft=draft, amendment="msrp_cap_set",
                             vehicle_class="car", cap_usd=Decimal("-1"),
                             citation=JAPAN_CITATION)
    assert raised.value.field
    draft.refresh_from_db()
    assert draft.data_sha256 == before


def test_a_published_version_is_immutable_in_the_model_and_the_database(pre_japan):
    pre_japan.note = "rewritten"
    with pytest.raises(PermissionError):
        pre_japan.save()
    with pytest.raises(PermissionError):
        RulebookVersion.objects.filter(pk=pre_japan.pk).update(note="rewritten")
    with pytest.raises(PermissionError):
        pre_japan.delete()
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE filings_rulebookversion SET note = 'x' WHERE id = %s",
                       [pre_japan.pk])
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM filings_rulebookversion WHERE id = %s", [pre_japan.pk])
    assert RulebookVersion.objects.get(pk=pre_japan.pk).note != "rewritten"


def test_a_published_draft_cannot_be_amended_or_discarded(pre_japan, approver):
    draft = japan_draft(approver)
    publish(approver, draft)
    with pytest.raises(StateConflict):
        rulebook_draft_amend(actor=approver, draft=draft, amendment="gvwr_set",
                             below_lb=Decimal("15000"), citation=JAPAN_CITATION)
    with pytest.raises(StateConflict):
        rulebook_draft_discard(actor=approver, draft=draft)


def test_a_draft_of_a_superseded_version_cannot_be_published(pre_japan, approver):
    stale = rulebook_draft_create(actor=approver, version="2023.5",
                                  citation=JAPAN_CITATION, note="A later amendment.")
    publish(approver, japan_draft(approver))
    with pytest.raises(StateConflict, match="published since"):
        rulebook_publish(actor=approver, draft=stale, preview_id=None, confirmed=True)
    assert rulebook_current().version == JAPAN


def test_editing_the_draft_makes_its_preview_stale(pre_japan, approver, manufacturer, preparer,
                                                  signer):
    submitted(manufacturer, preparer, signer)
    draft = japan_draft(approver)
    preview = rulebook_preview_request(actor=approver, draft=draft)
    rulebook_draft_amend(actor=approver, draft=draft, amendment="gvwr_set",
                         below_lb=Decimal("15000"), citation=JAPAN_CITATION)

    preview = rulebook_preview_in_process(preview_id=preview.pk)

    assert preview.status == JobStatus.FAILED
    assert "changed after this preview" in preview.error


def test_filings_whose_outcome_does_not_change_are_left_alone(pre_japan, approver, manufacturer,
                                                             preparer, signer):
    # The German sedan's minerals do not go through Japan: the amendment changes nothing for it.
    sedan = submitted(manufacturer, preparer, signer, workbook="german-sedan.xlsx")
    events = AuditEvent.objects.filter(filing=sedan).count()
    draft = japan_draft(approver)
    preview = rulebook_preview_in_process(
        preview_id=rulebook_preview_request(actor=approver, draft=draft).pk)
    assert preview.rows == []
    assert preview.counts["unchanged"] == 1

    publish(approver, draft)
    assert rulebook_apply(version_id=draft.pk) == {"changed": 0, "unchanged": 1}

    sedan.refresh_from_db()
    assert sedan.state == State.ASSESSED
    assert AuditEvent.objects.filter(filing=sedan).count() == events
    assert list(Assessment.objects.filter(version__filing=sedan)
                .values_list("rulebook_version", flat=True)) == [PRE_JAPAN]


def test_a_recommendation_on_the_old_figures_is_withdrawn(pre_japan, approver, reviewer,
                                                         manufacturer, preparer, signer):
    filing = submitted(manufacturer, preparer, signer)
    review_start(actor=reviewer, filing=filing)
    review_recommend(actor=reviewer, filing=filing, recommendation="approve",
                     comment="Approve at $3,750.")
    draft = japan_draft(approver)
    publish(approver, draft)
    rulebook_apply(version_id=draft.pk)

    filing.refresh_from_db()
    assert (filing.state, filing.recommendation, filing.recommended_by) == (
        State.IN_REVIEW, "", None)
    note = filing.review_notes.order_by("pk").last()
    assert note is not None and "recommend again" in note.text
    with pytest.raises(StateConflict):
        filing_approve(actor=approver, filing=filing, comment="Approve.")


def test_rejecting_on_review_again_revokes_the_first_certificate(pre_japan, approver, reviewer,
                                                                manufacturer, preparer, signer):
    filing = submitted(manufacturer, preparer, signer)
    approve(filing, reviewer, approver)
    certificate = issue(filing)
    draft = japan_draft(approver)
    publish(approver, draft)
    rulebook_apply(version_id=draft.pk)
    filing.refresh_from_db()
    assert filing.state == State.REREVIEW

    review_start(actor=reviewer, filing=filing)
    review_recommend(actor=reviewer, filing=filing, recommendation="reject",
                     comment="The new figures do not hold up.")
    filing_reject(actor=approver, filing=filing, comment="Rejected on the new figures.")

    certificate.refresh_from_db()
    filing.refresh_from_db()
    assert certificate.status == CertificateStatus.REVOKED
    assert "Rejected on review again" in certificate.revoked_reason
    # The rejection decides the state; the revocation is audited without changing it.
    assert filing.state == State.REJECTED
    event = AuditEvent.objects.filter(filing=filing, action="certificate_revoke").get()
    assert (event.from_state, event.to_state) == ("", "")


def test_a_certificate_revoked_while_waiting_for_review_again_leaves_a_way_forward(
        pre_japan, approver, reviewer, manufacturer, preparer, signer):
    filing = submitted(manufacturer, preparer, signer)
    approve(filing, reviewer, approver)
    certificate = issue(filing)
    draft = japan_draft(approver)
    publish(approver, draft)
    rulebook_apply(version_id=draft.pk)
    filing.refresh_from_db()
    assert filing.state == State.REREVIEW

    certificate_revoke(actor=approver, filing=filing, reason="The supplier's declaration lapsed.")

    filing.refresh_from_db()
    certificate.refresh_from_db()
    assert (filing.state, certificate.status) == (State.CERTIFICATE_REVOKED,
                                                  CertificateStatus.REVOKED)
    assert AuditEvent.objects.filter(filing=filing, action="certificate_revoke",
                                     from_state=State.REREVIEW,
                                     to_state=State.CERTIFICATE_REVOKED).exists()
    # Applying the version again (as the sweep may) does not send it back to review.
    assert rulebook_apply(version_id=draft.pk) == {"changed": 0, "unchanged": 0}
    filing.refresh_from_db()
    assert filing.state == State.CERTIFICATE_REVOKED


def test_a_what_if_run_changes_nothing(pre_japan, approver, manufacturer, preparer, signer):
    filing = submitted(manufacturer, preparer, signer)
    draft = japan_draft(approver)
    events = AuditEvent.objects.filter(filing=filing).count()

    outcome = assessment_what_if(filing=filing, record=draft)

    assert outcome["change"]["credit_before"] == "$3,750"
    assert outcome["change"]["credit_after"] == "$7,500"
    assert outcome["result"]["rulebook"] == {"id": "us-irc-30d", "version": JAPAN}
    assert Assessment.objects.filter(version__filing=filing).count() == 1
    assert AuditEvent.objects.filter(filing=filing).count() == events
    filing.refresh_from_db()
    assert filing.state == State.ASSESSED


def test_publishing_is_in_the_authority_audit_trail(pre_japan, approver):
    draft = japan_draft(approver)
    publish(approver, draft)

    event = AuditEvent.objects.filter(action="rulebook_publish").get()
    assert event.organisation == approver.membership().organisation
    assert event.data["version"] == JAPAN
    assert any("Japan" in change for change in event.data["changes"])
    assert list(AuditEvent.objects.filter(organisation=event.organisation)
                .values_list("action", flat=True)) == ["rulebook_draft", "rulebook_amend",
                                                       "rulebook_publish"]


def test_the_shipped_rulebook_is_the_first_version_when_none_exists(db):
    record = rulebook_current()
    assert (record.version, record.status, record.based_on) == ("2025.2", "published", None)
    assert rulebook_current().pk == record.pk
    assert dt.date.fromisoformat(record.data["credit_window"]["acquired_until"]) == dt.date(
        2025, 9, 30)
