"""The queue: what an authority user sees in the filing list, in which order, and its filters."""

from __future__ import annotations

import pytest
from django.db import transaction
from django.utils import timezone
from django.utils.html import escape

from filings.models import Filing, ReviewNote
from filings.services.common import filing_transition
from filings.states import State
from portal.accounts.models import User
from tests.admin.conftest import (
    INELIGIBLE_WORKBOOK,
    INVALID_WORKBOOK,
    action_url,
    client_for,
    filing_in,
    shown,
)
from tests.factories import OrganisationFactory

FILING_LIST = "/admin/filings/filing/"


@pytest.fixture
def filings(manufacturer):
    """One filing per interesting situation, named for the test's convenience."""
    other = OrganisationFactory.create(name="Harbour Electric")
    return {
        "newest": filing_in(State.ASSESSED, manufacturer, submitted_days_ago=1),
        "middle": filing_in(State.ASSESSED, other, submitted_days_ago=3, make="Harbour",
                            model="Tern", workbook=INELIGIBLE_WORKBOOK),
        "oldest": filing_in(State.IN_REVIEW, manufacturer, submitted_days_ago=5),
        "approved": filing_in(State.APPROVED, manufacturer, submitted_days_ago=9),
        "invalid": filing_in(State.INVALID, other, submitted_days_ago=2, workbook=INVALID_WORKBOOK),
        "assessing": filing_in(State.ASSESSING, manufacturer, submitted_days_ago=1, workbook=None),
        "draft": filing_in(State.DRAFT, manufacturer, submitted_days_ago=None),
    }


def listed(user: User, query: str = "") -> list[Filing]:
    response = client_for(user).get(FILING_LIST + query)
    assert response.status_code == 200
    return shown(response)


@pytest.mark.parametrize("actor", ["reviewer", "approver"])
def test_the_queue_shows_assessed_and_in_review_filings_oldest_submission_first(request, actor,
                                                                              filings):
    user = request.getfixturevalue(actor)

    assert listed(user) == [filings["oldest"], filings["middle"], filings["newest"]]


def test_all_states_shows_every_submitted_filing_but_never_a_draft(reviewer, filings):
    everything = listed(reviewer, "?state=all")

    assert set(everything) == set(filings.values()) - {filings["draft"]}
    assert everything[0] == filings["approved"]  # still oldest submission first


def test_the_state_filter_picks_one_state(reviewer, filings):
    assert listed(reviewer, f"?state={State.APPROVED}") == [filings["approved"]]
    assert listed(reviewer, f"?state={State.INVALID}") == [filings["invalid"]]


def test_the_manufacturer_filter_picks_one_organisation(reviewer, filings, manufacturer):
    assert listed(reviewer, f"?organisation__id__exact={manufacturer.pk}") == [
        filings["oldest"], filings["newest"]]


@pytest.mark.parametrize(("outcome", "expected"), [
    ("full", ["oldest", "newest"]),
    ("none", ["middle"]),
])
def test_the_outcome_filter_uses_the_latest_assessment(reviewer, filings, outcome, expected):
    assert listed(reviewer, f"?outcome={outcome}") == [filings[name] for name in expected]


def test_the_outcome_filter_finds_invalid_and_unassessed_filings_across_states(reviewer, filings):
    assert listed(reviewer, "?state=all&outcome=invalid") == [filings["invalid"]]
    assert listed(reviewer, "?state=all&outcome=unassessed") == [filings["assessing"]]


def test_search_finds_make_model_or_manufacturer(reviewer, filings):
    assert listed(reviewer, "?q=Tern") == [filings["middle"]]
    assert listed(reviewer, "?q=harbour+electric&state=all") == [filings["middle"],
                                                                  filings["invalid"]]


def test_the_columns_show_manufacturer_vehicle_coverage_credit_and_review(reviewer, filings):
    response = client_for(reviewer).get(FILING_LIST)

    assert list(response.context["cl"].list_display) == [
        "manufacturer", "vehicle", "coverage", "state", "submitted", "credit",
        "reviewer_name", "recommendation_summary"]
    body = response.content.decode()
    assert "Harbour Electric" in body
    assert "Harbour Tern 2024 (pickup)" in body
    assert '<span class="date">2024-06-01</span> – <span class="date">2024-12-31</span>' in body
    assert "<td class=\"field-credit\">$0</td>" in body  # the German sedan earns no credit


def test_the_credit_column_shows_the_engines_amount(reviewer, filings):
    result = filings["newest"].versions.get().assessments.get().result
    credits = sorted({s["credit_usd"] for s in result["segments"]})
    expected = f"${credits[0]:,}" if len(credits) == 1 else f"${credits[0]:,} to ${credits[-1]:,}"

    response = client_for(reviewer).get(FILING_LIST + "?q=Ironwood")

    assert credits[-1] > 0
    assert expected in response.content.decode()


def test_the_list_has_no_add_button_and_no_bulk_actions(reviewer, filings):
    body = client_for(reviewer).get(FILING_LIST).content.decode()

    assert "/admin/filings/filing/add/" not in body
    assert 'name="action"' not in body


def test_the_queue_shows_a_recommendation_with_its_author_and_date(reviewer, manufacturer):
    filing = filing_in(State.ASSESSED, manufacturer)
    client = client_for(reviewer)
    client.post(action_url(filing, "start"))
    client.post(action_url(filing, "recommend-approve"), {"comment": "Checked."})
    note = ReviewNote.objects.get(filing=filing, kind=ReviewNote.Kind.RECOMMEND_APPROVE)

    body = client.get(FILING_LIST).content.decode()

    assert (f"Approve<br><small>{escape(str(reviewer))}, "
            f"{timezone.localtime(note.created_at):%Y-%m-%d}</small>") in body


def test_a_filing_sent_back_to_review_shows_no_old_recommendation(reviewer, approver,
                                                                  manufacturer):
    filing = filing_in(State.ASSESSED, manufacturer)
    client_for(reviewer).post(action_url(filing, "start"))
    client_for(reviewer).post(action_url(filing, "recommend-approve"), {"comment": "Checked."})
    client_for(approver).post(action_url(filing, "approve"), {"comment": "Approved."})
    with transaction.atomic():
        filing_transition(filing, actor=None, action="rulebook_rereview", reason="Rules amended.")

    response = client_for(reviewer).get(FILING_LIST)

    filing.refresh_from_db()
    assert (filing.state, filing.recommendation, filing.recommended_by) == (State.REREVIEW, "", None)
    assert shown(response) == [filing]
    assert "Approve<br>" not in response.content.decode()


def test_changes_requested_clear_the_recommendation(reviewer, approver, manufacturer):
    filing = filing_in(State.ASSESSED, manufacturer)
    client_for(reviewer).post(action_url(filing, "start"))
    client_for(reviewer).post(action_url(filing, "recommend-approve"), {"comment": "Checked."})

    client_for(approver).post(action_url(filing, "request-changes"), {"comment": "Add a file."})

    filing.refresh_from_db()
    assert (filing.state, filing.recommendation, filing.recommended_by) == (
        State.CHANGES_REQUESTED, "", None)


@pytest.mark.parametrize("column", ["manufacturer", "vehicle", "coverage", "state", "submitted",
                                    "credit", "reviewer_name", "recommendation_summary"])
def test_every_queue_column_sorts(reviewer, filings, column):
    response = client_for(reviewer).get(FILING_LIST)
    index = list(response.context["cl"].list_display).index(column)

    assert response.context["cl"].get_ordering_field(column) is not None
    assert client_for(reviewer).get(FILING_LIST + f"?o={index}").status_code == 200
