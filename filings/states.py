"""The filing's states and the one table of transitions between them.

Every state change a service makes, every button a page shows and the state diagram in
`docs/architecture.md` come from `TRANSITIONS`. A transition names the states it leaves from,
the state it leads to (None: the state stays, as when a reviewer recommends), who may take it
(a capability of `portal.accounts.roles`, on which side; None: only the system, as the worker)
and the label people see.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_noop

from portal.accounts.roles import Capability, OrganisationKind


class State(models.TextChoices):
    DRAFT = "draft", gettext_noop("Draft")
    SUBMITTED = "submitted", gettext_noop("Submitted")
    ASSESSING = "assessing", gettext_noop("Assessing")
    ASSESSED = "assessed", gettext_noop("Assessed")
    INVALID = "invalid", gettext_noop("Invalid evidence")
    IN_REVIEW = "in_review", gettext_noop("In review")
    APPROVED = "approved", gettext_noop("Approved")
    # Approved, but its certificate could not be rendered; an approver retries from the console.
    CERTIFICATE_FAILED = "certificate_failed", gettext_noop("Approved, certificate failed")
    REJECTED = "rejected", gettext_noop("Rejected")
    CHANGES_REQUESTED = "changes_requested", gettext_noop("Changes requested")
    WITHDRAWN = "withdrawn", gettext_noop("Withdrawn")
    # Approved, but a published rulebook amendment changed its outcome: waiting for review again.
    # Its certificate stays valid until a re-approval supersedes it (or an approver revokes it).
    REREVIEW = "rereview", gettext_noop("Review again (rules amended)")
    # Approved, then an approver revoked its certificate: the manufacturer reopens it as a draft
    # with new evidence, or withdraws it. An amendment leaves it alone (it holds no decision).
    CERTIFICATE_REVOKED = "certificate_revoked", gettext_noop("Certificate revoked")


MANUFACTURER, AUTHORITY = OrganisationKind.MANUFACTURER, OrganisationKind.AUTHORITY


@dataclass(frozen=True)
class Transition:
    """One row of the table. `action` names it; the audit event records `event` (the same
    unless two rows share one event, as a finished assessment does, valid or not)."""

    action: str
    label: str
    sources: tuple[State, ...]
    target: State | None
    capability: Capability | None = None
    side: OrganisationKind | None = None
    # The approver decides only on a reviewer's recommendation (four eyes).
    needs_recommendation: bool = False
    # Open only until a reviewer recommends: one recommendation per review.
    before_recommendation: bool = False
    # Starts or ends a round of review: the filing's recommendation (and its author) is cleared,
    # so no page shows the old one while the filing is reviewed again.
    clears_recommendation: bool = False
    audit_action: str = ""

    @property
    def event(self) -> str:
        return self.audit_action or self.action

    @property
    def by_system(self) -> bool:
        return self.capability is None


_WITHDRAWABLE = (State.DRAFT, State.SUBMITTED, State.ASSESSED, State.INVALID, State.IN_REVIEW,
                 State.CHANGES_REQUESTED, State.CERTIFICATE_REVOKED)

TRANSITIONS: tuple[Transition, ...] = (
    # The manufacturer's side. Evidence changes only while the version is a draft.
    Transition("filing_update", "Edit the filing", (State.DRAFT,), None,
               Capability.EDIT_FILINGS, MANUFACTURER),
    Transition("evidence_upload", "Upload evidence", (State.DRAFT,), None,
               Capability.EDIT_FILINGS, MANUFACTURER),
    Transition("evidence_remove", "Remove a file", (State.DRAFT,), None,
               Capability.EDIT_FILINGS, MANUFACTURER),
    Transition("filing_submit", "Attest and submit", (State.DRAFT,), State.SUBMITTED,
               Capability.SUBMIT_FILINGS, MANUFACTURER),
    Transition("filing_withdraw", "Withdraw", _WITHDRAWABLE, State.WITHDRAWN,
               Capability.SUBMIT_FILINGS, MANUFACTURER),
    Transition("filing_reopen", "Reopen with new evidence",
               (State.INVALID, State.CHANGES_REQUESTED, State.CERTIFICATE_REVOKED), State.DRAFT,
               Capability.EDIT_FILINGS, MANUFACTURER),
    # The worker.
    Transition("assessment_start", "Assessment started", (State.SUBMITTED,), State.ASSESSING),
    Transition("assessment_finish", "Assessed", (State.ASSESSING,), State.ASSESSED),
    Transition("assessment_invalid", "Evidence invalid", (State.ASSESSING,), State.INVALID,
               audit_action="assessment_finish"),
    Transition("assessment_give_up", "Assessment given up", (State.SUBMITTED, State.ASSESSING),
               State.INVALID),
    Transition("certificate_fail", "Certificate failed", (State.APPROVED,),
               State.CERTIFICATE_FAILED),
    Transition("rulebook_rereview", "Rules amended: review again",
               (State.APPROVED, State.CERTIFICATE_FAILED), State.REREVIEW,
               clears_recommendation=True),
    # The reviewing authority's side.
    Transition("review_start", "Start review", (State.ASSESSED, State.REREVIEW), State.IN_REVIEW,
               Capability.RECOMMEND, AUTHORITY, clears_recommendation=True),
    Transition("review_recommend_approve", "Recommend approval", (State.IN_REVIEW,), None,
               Capability.RECOMMEND, AUTHORITY, before_recommendation=True),
    Transition("review_recommend_reject", "Recommend rejection", (State.IN_REVIEW,), None,
               Capability.RECOMMEND, AUTHORITY, before_recommendation=True),
    Transition("review_request_changes", "Request changes", (State.IN_REVIEW,),
               State.CHANGES_REQUESTED, Capability.REVIEW_FILINGS, AUTHORITY,
               clears_recommendation=True),
    Transition("filing_approved", "Approve", (State.IN_REVIEW,), State.APPROVED,
               Capability.DECIDE, AUTHORITY, needs_recommendation=True),
    Transition("filing_rejected", "Reject", (State.IN_REVIEW,), State.REJECTED,
               Capability.DECIDE, AUTHORITY, needs_recommendation=True),
    Transition("certificate_retry", "Retry the certificate", (State.CERTIFICATE_FAILED,),
               State.APPROVED, Capability.DECIDE, AUTHORITY),
    Transition("certificate_revoke", "Revoke the certificate", (State.APPROVED, State.REREVIEW),
               State.CERTIFICATE_REVOKED, Capability.DECIDE, AUTHORITY),
)

BY_ACTION: dict[str, Transition] = {t.action: t for t in TRANSITIONS}


def transition(action: str) -> Transition:
    """The table's row for `action` (a KeyError is a programming error, not a user's)."""
    return BY_ACTION[action]


def sources_of(*actions: str) -> tuple[State, ...]:
    """Every state any of `actions` leaves from, in the order of `State`."""
    wanted = {s for a in actions for s in BY_ACTION[a].sources}
    return tuple(s for s in State if s in wanted)


# State groups the pages and selectors use, derived from the table.
WITHDRAWABLE = sources_of("filing_withdraw")
REOPENABLE = sources_of("filing_reopen")
REVIEWABLE = sources_of("review_start", "filing_approved")
ASSESSMENT_PENDING = sources_of("assessment_start", "assessment_finish")
# Decided and still standing (a revoked certificate's filing is not: it needs new evidence).
DECIDED = (State.APPROVED, State.CERTIFICATE_FAILED, State.REREVIEW)
FINAL = tuple(s for s in State if not any(s in t.sources for t in TRANSITIONS))


def mermaid_diagram() -> str:
    """The state diagram as Mermaid text; `docs/architecture.md` holds a copy a test keeps fresh."""
    lines = ["stateDiagram-v2", f"    [*] --> {State.DRAFT.value}"]
    for t in TRANSITIONS:
        if t.target is None:
            continue
        who = "system" if t.by_system else f"{t.side} {t.capability}"
        for source in t.sources:
            lines.append(f"    {source.value} --> {t.target.value}: {t.label} ({who})")
    lines += [f"    {s.value} --> [*]" for s in FINAL]
    return "\n".join(lines)


def docs_section() -> str:
    """The part of `docs/architecture.md` between its state-diagram markers: the diagram, then
    the actions that keep the state. `python -m filings.states` prints it."""
    rows = [f"| `{t.action}` | {t.label} | {', '.join(s.value for s in t.sources)} | "
            f"{t.side} {t.capability} |" for t in TRANSITIONS if t.target is None]
    return "\n".join(["```mermaid", mermaid_diagram(), "```", "",
                      "Actions that keep the state:", "",
                      "| action | label | from | who |", "|---|---|---|---|", *rows])


if __name__ == "__main__":
    print(docs_section())
