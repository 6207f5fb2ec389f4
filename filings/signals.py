"""What the filing lifecycle announces to the apps built on it.

The lifecycle imports neither `filings.certificates` nor `filings.rulebooks`; they import it and
listen here (their `receivers` modules, connected in `AppConfig.ready`). Each receiver is a thin
entry point that calls one service of its app, like a view or a task.
"""

from django.dispatch import Signal

# Sent inside the approval's transaction (`filing`, `actor`, `certificate_language`: the
# approver's choice, passed on unread, or None): a receiver's writes commit or roll back with the
# approval, so one approval is one certificate.
filing_approved = Signal()

# Sent inside the rejection's transaction (`filing`, `actor`, `comment`).
filing_rejected = Signal()

# Sent after an assessment was stored and the filing's state changed (`filing`, `assessment`),
# outside any transaction.
assessment_finished = Signal()
