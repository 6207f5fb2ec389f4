"""Every write and state transition of a filing.

Each service takes keyword-only arguments, checks the actor's role and the filing's state, runs in
one transaction, changes state by compare-and-swap and writes its audit event in that same
transaction. Side effects (queueing, mail) happen after commit.
"""

from filings.services.assessment import assessment_run, assessment_sweep
from filings.services.certificates import (
    certificate_render,
    certificate_request,
    certificate_retry,
    certificate_revoke,
    certificate_sweep,
)
from filings.services.common import NotAllowed, ServiceError, StateConflict
from filings.services.manufacturer import (
    evidence_remove,
    evidence_upload,
    filing_create,
    filing_reopen,
    filing_submit,
    filing_update,
    filing_withdraw,
)
from filings.services.review import (
    filing_approve,
    filing_reject,
    review_recommend,
    review_request_changes,
    review_start,
)
from filings.services.rulebooks import (
    AmendmentInvalid,
    assessment_what_if,
    rulebook_apply,
    rulebook_draft_amend,
    rulebook_draft_create,
    rulebook_draft_discard,
    rulebook_draft_update,
    rulebook_preview_request,
    rulebook_preview_run,
    rulebook_publish,
    rulebook_sweep,
)

__all__ = [
    "AmendmentInvalid",
    "NotAllowed",
    "ServiceError",
    "StateConflict",
    "assessment_run",
    "assessment_sweep",
    "assessment_what_if",
    "certificate_render",
    "certificate_request",
    "certificate_retry",
    "certificate_revoke",
    "certificate_sweep",
    "evidence_remove",
    "evidence_upload",
    "filing_approve",
    "filing_create",
    "filing_reject",
    "filing_reopen",
    "filing_submit",
    "filing_update",
    "filing_withdraw",
    "review_recommend",
    "review_request_changes",
    "review_start",
    "rulebook_apply",
    "rulebook_draft_amend",
    "rulebook_draft_create",
    "rulebook_draft_discard",
    "rulebook_draft_update",
    "rulebook_preview_request",
    "rulebook_preview_run",
    "rulebook_publish",
    "rulebook_sweep",
]
