"""The filing page of the console: everything a reviewer needs, read-only."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils.html import escape

from filings.models import EvidenceFile, Filing, ReviewNote
from filings.states import State
from portal.accounts.models import User
from portal.accounts.roles import ATTESTATION_STATEMENT
from tests.admin.conftest import (
    ELIGIBLE_WORKBOOK,
    INELIGIBLE_WORKBOOK,
    INVALID_WORKBOOK,
    action_url,
    change_url,
    client_for,
    engine_output,
    filing_in,
)


def page(user: User, filing: Filing) -> str:
    response = client_for(user).get(change_url(filing))
    assert response.status_code == 200
    return response.content.decode()


def test_it_shows_the_vehicle_coverage_signer_and_attestation(reviewer, manufacturer):
    filing = filing_in(State.ASSESSED, manufacturer)

    body = page(reviewer, filing)

    assert "Granite Motor Company" in body
    assert "Ironwood EV" in body
    assert "2024-06-01" in body  # the coverage, in the portal's one date style
    assert "2024-12-31" in body
    assert escape(str(filing.submitted_by)) in body
    assert escape(ATTESTATION_STATEMENT) in body


def test_it_lists_the_evidence_files_with_size_hash_and_download_link(reviewer, manufacturer):
    filing = filing_in(State.ASSESSED, manufacturer)
    evidence_file = EvidenceFile.objects.get(version__filing=filing)

    body = page(reviewer, filing)

    link = reverse("filings:evidence_download",
                   kwargs={"reference": filing.reference, "file_id": evidence_file.pk})
    assert f'href="{link}">{ELIGIBLE_WORKBOOK}</a>' in body
    assert evidence_file.sha256 in body
    assert f"({evidence_file.size} bytes)" in body


def test_it_shows_each_requirement_met_or_not_with_its_citation(reviewer, manufacturer):
    filing = filing_in(State.ASSESSED, manufacturer)
    result, _ = engine_output(ELIGIBLE_WORKBOOK)

    body = page(reviewer, filing)

    assert result is not None
    segment = result["segments"][0]
    assert f"Placed in service {segment['from']} to {segment['to']}" in body
    for requirement in segment["requirements"].values():
        assert escape(requirement["citation"]) in body
    assert 'class="status-met"><span aria-hidden="true">✓</span> met<' in body
    for finding in segment["findings"]:
        assert escape(finding["message"]) in body


def test_it_shows_the_row_errors_of_invalid_evidence(reviewer, manufacturer):
    filing = filing_in(State.INVALID, manufacturer, workbook=INVALID_WORKBOOK)
    _, errors = engine_output(INVALID_WORKBOOK)

    body = page(reviewer, filing)

    assert errors
    assert f"The evidence is invalid: {len(errors)} problem" in body
    for error in errors:
        assert escape(error["message"]) in body


def test_it_shows_review_notes_and_the_audit_trail(reviewer, approver, manufacturer):
    filing = filing_in(State.ASSESSED, manufacturer)
    client = client_for(reviewer)
    client.post(action_url(filing, "start"))
    client.post(action_url(filing, "recommend-reject"), {"comment": "Battery cells <b>traced</b> to a FEOC."})

    body = page(approver, filing)

    assert ReviewNote.objects.filter(filing=filing).count() == 1
    assert "Battery cells &lt;b&gt;traced&lt;/b&gt; to a FEOC." in body  # escaped, not markup
    assert "Recommended rejection" in body
    assert "review_start" in body
    assert "review_recommend_reject" in body
    assert "assessed → in_review" in body


def test_the_page_has_no_save_or_delete_button(reviewer, manufacturer):
    body = page(reviewer, filing_in(State.ASSESSED, manufacturer))

    assert 'name="_save"' not in body
    assert 'name="_continue"' not in body
    assert "deletelink" not in body


@pytest.mark.parametrize(("actor", "state", "recommended", "expected"), [
    ("reviewer", State.ASSESSED, False, ["start"]),
    ("approver", State.ASSESSED, False, []),
    ("reviewer", State.IN_REVIEW, False, ["recommend-approve", "recommend-reject",
                                          "request-changes"]),
    ("approver", State.IN_REVIEW, False, ["request-changes"]),
    ("approver", State.IN_REVIEW, True, ["request-changes", "approve", "reject"]),
    # One recommendation per review: once it is made, only requesting changes stays open.
    ("reviewer", State.IN_REVIEW, True, ["request-changes"]),
    ("approver", State.APPROVED, True, []),
])
def test_it_offers_only_the_actions_the_role_and_state_allow(request, manufacturer, actor, state,
                                                            recommended, expected):
    user = request.getfixturevalue(actor)
    reviewer = request.getfixturevalue("reviewer")
    filing = filing_in(state, manufacturer, reviewer=reviewer if recommended else None,
                       recommendation="approve" if recommended else "",
                       recommended_by=reviewer if recommended else None)

    response = client_for(user).get(change_url(filing))

    assert [slug for slug, _ in response.context["review_actions"]] == expected
    body = response.content.decode()
    for slug in ("start", "recommend-approve", "recommend-reject", "request-changes", "approve",
                 "reject"):
        assert (f'href="{action_url(filing, slug)}"' in body) == (slug in expected)


def test_a_draft_never_submitted_is_not_shown_to_the_authority(reviewer, manufacturer):
    draft = filing_in(State.DRAFT, manufacturer, submitted_days_ago=None)

    response = client_for(reviewer).get(change_url(draft))
    action = client_for(reviewer).get(action_url(draft, "start"))

    assert response.status_code == 302
    assert response["Location"] == reverse("admin:index")
    assert action.status_code == 404


def test_an_unknown_action_is_404(reviewer, manufacturer):
    filing = filing_in(State.ASSESSED, manufacturer)

    assert client_for(reviewer).get(action_url(filing, "delete")).status_code == 404


def test_outcomes_and_statuses_carry_a_mark_besides_their_colour(reviewer, manufacturer):
    eligible = page(reviewer, filing_in(State.ASSESSED, manufacturer))
    not_eligible = page(reviewer, filing_in(State.ASSESSED, manufacturer,
                                            workbook=INELIGIBLE_WORKBOOK))

    assert '<span aria-hidden="true">✓</span> eligible</span>' in eligible
    assert '<span aria-hidden="true">✗</span> not eligible</span>' in not_eligible
    assert 'class="status-not-met"><span aria-hidden="true">✗</span> not met<' in not_eligible


def test_the_console_writes_dates_and_moments_as_the_portal_does(reviewer, manufacturer):
    """One style everywhere (issue 14): days in ISO 8601, moments as "1 Dec 2026, 08:19 UTC";
    never Django's "Dec. 1, 2026, 8:19 a.m."."""
    import re

    filing = filing_in(State.ASSESSED, manufacturer)

    body = page(reviewer, filing)

    assert re.search(r"\b\d{1,2} [A-Z][a-z]{2} \d{4}, \d{2}:\d{2} UTC\b", body)
    assert not re.search(r"\b[ap]\.m\.", body)
    assert "2024-06-01" in body
