"""Each review button: a small form, a comment where the service takes one, exactly one service."""

from __future__ import annotations

import pytest
from django.test import Client

from filings.models import Filing, ReviewNote
from filings.states import State
from portal.accounts.models import Membership
from portal.accounts.roles import Role
from portal.audit.models import AuditEvent
from tests.admin.conftest import (
    action_url,
    change_url,
    client_for,
    filing_in,
    second_factor_passed,
)

COMMENT = "Sourcing evidence checked against the supplier declarations."


@pytest.fixture
def assessed(manufacturer):
    return filing_in(State.ASSESSED, manufacturer)


@pytest.fixture
def recommended(assessed, reviewer):
    """Taken into review and recommended for approval by `reviewer`, through the console."""
    client = client_for(reviewer)
    client.post(action_url(assessed, "start"))
    client.post(action_url(assessed, "recommend-approve"), {"comment": COMMENT})
    assessed.refresh_from_db()
    assert (assessed.state, assessed.recommended_by) == (State.IN_REVIEW, reviewer)
    return assessed


def actions_of(filing: Filing) -> list[str]:
    return list(AuditEvent.objects.filter(filing=filing).order_by("pk")
                .values_list("action", flat=True))


def test_each_action_page_is_a_small_form_with_csrf(reviewer, assessed):
    response = client_for(reviewer).get(action_url(assessed, "start"))

    assert response.status_code == 200
    body = response.content.decode()
    assert 'method="post"' in body
    assert "csrfmiddlewaretoken" in body


def test_a_post_without_the_csrf_token_is_refused(reviewer, assessed):
    client = Client(enforce_csrf_checks=True)
    client.force_login(reviewer)
    second_factor_passed(client, reviewer)

    response = client.post(action_url(assessed, "start"))

    assert response.status_code == 403
    assessed.refresh_from_db()
    assert assessed.state == State.ASSESSED


def test_a_reviewer_starts_the_review(reviewer, assessed):
    response = client_for(reviewer).post(action_url(assessed, "start"), follow=True)

    assessed.refresh_from_db()
    assert assessed.state == State.IN_REVIEW
    assert assessed.reviewer == reviewer
    assert actions_of(assessed) == ["review_start"]
    assert response.redirect_chain[-1][0] == change_url(assessed)
    assert "Review started" in response.content.decode()


def test_a_reviewer_recommends_with_a_comment(reviewer, assessed):
    client = client_for(reviewer)
    client.post(action_url(assessed, "start"))

    response = client.post(action_url(assessed, "recommend-reject"), {"comment": COMMENT})

    assert response.status_code == 302
    assessed.refresh_from_db()
    assert (assessed.recommendation, assessed.recommended_by) == ("reject", reviewer)
    note = ReviewNote.objects.get(filing=assessed)
    assert (note.kind, note.text, note.author) == (ReviewNote.Kind.RECOMMEND_REJECT, COMMENT,
                                                   reviewer)
    assert actions_of(assessed) == ["review_start", "review_recommend_reject"]


@pytest.mark.parametrize("comment", ["", "   \n "])
def test_an_empty_comment_is_an_error_and_changes_nothing(reviewer, assessed, comment):
    client = client_for(reviewer)
    client.post(action_url(assessed, "start"), follow=True)  # its success message is shown

    response = client.post(action_url(assessed, "recommend-approve"), {"comment": comment})

    assert response.status_code == 400
    messages = [(m.level_tag, str(m)) for m in response.context["messages"]]
    assert messages == [("error", "A comment is required: say what you decided and why.")]
    assessed.refresh_from_db()
    assert (assessed.state, assessed.recommendation) == (State.IN_REVIEW, "")
    assert not ReviewNote.objects.filter(filing=assessed).exists()
    assert actions_of(assessed) == ["review_start"]


def test_an_approver_approves_a_recommended_filing(approver, recommended):
    response = client_for(approver).post(action_url(recommended, "approve"), {"comment": COMMENT},
                                         follow=True)

    recommended.refresh_from_db()
    assert recommended.state == State.APPROVED
    assert recommended.decided_by == approver
    assert ReviewNote.objects.filter(filing=recommended, kind=ReviewNote.Kind.APPROVE,
                                     author=approver, text=COMMENT).count() == 1
    assert actions_of(recommended) == ["review_start", "review_recommend_approve",
                                       "filing_approved"]
    assert AuditEvent.objects.get(action="filing_approved").actor == approver
    assert "Filing approved." in response.content.decode()


def test_an_approver_rejects_a_recommended_filing(approver, recommended):
    client_for(approver).post(action_url(recommended, "reject"), {"comment": COMMENT})

    recommended.refresh_from_db()
    assert recommended.state == State.REJECTED
    assert actions_of(recommended)[-1] == "filing_rejected"


def test_the_reviewer_cannot_approve(reviewer, recommended):
    response = client_for(reviewer).post(action_url(recommended, "approve"), {"comment": COMMENT})

    assert response.status_code == 403
    assert [m.level_tag for m in response.context["messages"]] == ["error"]
    assert "A reviewer cannot do this" in response.content.decode()
    recommended.refresh_from_db()
    assert recommended.state == State.IN_REVIEW
    assert "filing_approved" not in actions_of(recommended)


def test_an_approver_cannot_approve_what_they_recommended_themselves(reviewer, recommended):
    # The reviewer who recommended it is promoted to approver and tries to decide it.
    Membership.objects.filter(user=reviewer).update(role=Role.APPROVER)

    response = client_for(reviewer).post(action_url(recommended, "approve"), {"comment": COMMENT})

    assert response.status_code == 403
    messages = [(m.level_tag, str(m)) for m in response.context["messages"]]
    assert messages == [("error", "Four eyes: the approver cannot be the reviewer who recommended it.")]
    recommended.refresh_from_db()
    assert recommended.state == State.IN_REVIEW
    assert recommended.decided_by is None


def test_approving_before_a_recommendation_is_a_conflict(approver, reviewer, assessed):
    client_for(reviewer).post(action_url(assessed, "start"))

    response = client_for(approver).post(action_url(assessed, "approve"), {"comment": COMMENT})

    assert response.status_code == 409
    assert "A reviewer must recommend a decision" in response.content.decode()
    assessed.refresh_from_db()
    assert assessed.state == State.IN_REVIEW


@pytest.mark.parametrize("actor", ["reviewer", "approver"])
def test_reviewer_or_approver_requests_changes(request, actor, recommended):
    user = request.getfixturevalue(actor)

    response = client_for(user).post(action_url(recommended, "request-changes"),
                                      {"comment": "Upload the cathode supplier's declaration."})

    assert response.status_code == 302
    recommended.refresh_from_db()
    assert recommended.state == State.CHANGES_REQUESTED
    assert ReviewNote.objects.filter(filing=recommended,
                                     kind=ReviewNote.Kind.REQUEST_CHANGES).count() == 1
    assert actions_of(recommended)[-1] == "review_request_changes"


def test_an_action_in_the_wrong_state_shows_the_services_message(reviewer, assessed):
    response = client_for(reviewer).post(action_url(assessed, "request-changes"),
                                         {"comment": COMMENT})

    assert response.status_code == 409
    assert "This filing is assessed now" in response.content.decode()
    assessed.refresh_from_db()
    assert assessed.state == State.ASSESSED


def test_a_second_start_is_refused_not_a_500(reviewer, assessed):
    client = client_for(reviewer)
    client.post(action_url(assessed, "start"))

    response = client.post(action_url(assessed, "start"))

    assert response.status_code == 409
    assert actions_of(assessed) == ["review_start"]


def test_a_recommended_filing_takes_no_second_recommendation(reviewer, recommended):
    client = client_for(reviewer)

    page = client.get(change_url(recommended)).content.decode()
    again = client.post(action_url(recommended, "recommend-reject"), {"comment": COMMENT})

    assert action_url(recommended, "recommend-approve") not in page
    assert action_url(recommended, "recommend-reject") not in page
    assert again.status_code == 409
    assert "recommended already" in again.content.decode()
    recommended.refresh_from_db()
    assert recommended.recommendation == "approve"
    assert actions_of(recommended).count("review_recommend_approve") == 1
    assert "review_recommend_reject" not in actions_of(recommended)


@pytest.mark.parametrize(("actor", "slug"), [("reviewer", "approve"), ("reviewer", "reject"),
                                             ("approver", "recommend-approve"),
                                             ("approver", "start")])
def test_an_action_form_opens_only_for_whoever_may_take_it(request, actor, slug, recommended):
    response = client_for(request.getfixturevalue(actor)).get(action_url(recommended, slug))

    assert response.status_code == 403
    assert 'id="review-action-form"' not in response.content.decode()


def test_the_approver_gets_the_approve_form_of_a_recommended_filing(approver, recommended):
    response = client_for(approver).get(action_url(recommended, "approve"))

    assert response.status_code == 200
    assert 'id="review-action-form"' in response.content.decode()


@pytest.mark.parametrize(("actor", "slug", "says"), [
    ("reviewer", "recommend-approve", "the manufacturer reads it too once the review ends"),
    ("reviewer", "request-changes", "the manufacturer reads it"),
    ("approver", "approve", "the manufacturer reads it"),
])
def test_each_comment_form_says_who_reads_the_comment(request, actor, slug, says, assessed,
                                                      reviewer):
    client_for(reviewer).post(action_url(assessed, "start"))
    if actor == "approver":
        client_for(reviewer).post(action_url(assessed, "recommend-approve"), {"comment": COMMENT})

    body = client_for(request.getfixturevalue(actor)).get(action_url(assessed, slug)).content

    assert says in body.decode()
