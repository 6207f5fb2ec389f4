"""The one transition table: the services follow it, the pages offer what it allows, and the
diagram in docs/architecture.md is generated from it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from filings import selectors
from filings.states import TRANSITIONS, State, docs_section, transition
from tests.factories import FilingFactory

ARCHITECTURE = Path(__file__).resolve().parents[1] / "docs" / "architecture.md"
SOURCES = Path(__file__).resolve().parents[1] / "filings"


def test_the_architecture_doc_holds_the_diagram_the_table_generates():
    text = ARCHITECTURE.read_text(encoding="utf-8")
    found = re.search(r"<!-- states:start -->\n(.*?)\n<!-- states:end -->", text, re.S)
    assert found, "docs/architecture.md lost its state-diagram markers"
    assert found.group(1) == docs_section(), (
        "The state diagram is stale: paste the output of `python -m filings.states` between "
        "the markers in docs/architecture.md.")


def test_every_state_is_reachable_from_a_draft():
    reached, frontier = {State.DRAFT}, [State.DRAFT]
    while frontier:
        state = frontier.pop()
        for t in TRANSITIONS:
            if state in t.sources and t.target is not None and t.target not in reached:
                reached.add(t.target)
                frontier.append(t.target)
    assert reached == set(State)


def test_every_transition_a_service_takes_is_a_row_of_the_table():
    called = set()
    for path in SOURCES.rglob("*.py"):
        called |= set(re.findall(r"filing_transition\([^)]*?action=\"(\w+)\"", path.read_text(), re.S))
    assert called, "no service calls filing_transition any more?"
    for action in called:
        assert transition(action).target is not None


@pytest.mark.parametrize(("state", "actor", "expected"), [
    (State.DRAFT, "signer", {"filing_update", "evidence_upload", "evidence_remove", "filing_submit",
                             "filing_withdraw"}),
    (State.DRAFT, "preparer", {"filing_update", "evidence_upload", "evidence_remove"}),
    (State.DRAFT, "viewer", set()),
    (State.DRAFT, "outsider", set()),
    (State.INVALID, "signer", {"filing_reopen", "filing_withdraw"}),
    (State.ASSESSED, "reviewer", {"review_start"}),
    (State.ASSESSED, "approver", set()),
    (State.IN_REVIEW, "reviewer", {"review_recommend_approve", "review_recommend_reject",
                                   "review_request_changes"}),
    (State.IN_REVIEW, "approver", {"review_request_changes"}),
    (State.APPROVED, "approver", {"certificate_revoke"}),
    (State.CERTIFICATE_FAILED, "approver", {"certificate_retry"}),
    (State.CERTIFICATE_REVOKED, "signer", {"filing_reopen", "filing_withdraw"}),
    (State.CERTIFICATE_REVOKED, "preparer", {"filing_reopen"}),
    (State.CERTIFICATE_REVOKED, "approver", set()),
    (State.CERTIFICATE_REVOKED, "reviewer", set()),
])
def test_the_actions_offered_follow_the_table_role_and_organisation(request, manufacturer, state,
                                                                     actor, expected):
    filing = FilingFactory(organisation=manufacturer, state=state)
    user = request.getfixturevalue(actor)
    assert selectors.filing_actions(actor=user, filing=filing) == expected


def test_an_approver_is_offered_the_decision_only_after_a_recommendation(manufacturer, reviewer,
                                                                         approver):
    filing = FilingFactory(organisation=manufacturer, state=State.IN_REVIEW)
    assert "filing_approved" not in selectors.filing_actions(actor=approver, filing=filing)
    filing.recommended_by = reviewer
    assert {"filing_approved", "filing_rejected"} <= selectors.filing_actions(actor=approver,
                                                                              filing=filing)
