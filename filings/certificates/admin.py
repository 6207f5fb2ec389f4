"""The certificates app's buttons on the console's filing page: revoke and retry.

They join the lifecycle's review actions (`filings.admin.REVIEW_ACTIONS`); each calls one
service of this app, which checks the role and the state again.
"""

from __future__ import annotations

from filings.admin import REVIEW_ACTIONS, ReviewAction
from filings.certificates import selectors, services

REVIEW_ACTIONS["revoke-certificate"] = ReviewAction(
    "certificate_revoke",
    lambda actor, filing, comment: services.certificate_revoke(
        actor=actor, filing=filing, reason=comment),
    "Certificate revoked; its verification page shows the reason.",
    shown_when=lambda filing: selectors.issued_certificate(filing=filing) is not None)
REVIEW_ACTIONS["retry-certificate"] = ReviewAction(
    "certificate_retry",
    lambda actor, filing, _: services.certificate_retry(actor=actor, filing=filing),
    "The certificate is being rendered again.", takes_comment=False)
