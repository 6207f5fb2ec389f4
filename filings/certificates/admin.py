"""The certificates app's buttons on the console's filing page: revoke and retry; and the
certificate's language on the lifecycle's approval.

They join the lifecycle's review actions (`filings.admin.REVIEW_ACTIONS`); each calls one
service, which checks the role and the state again.
"""

from __future__ import annotations

from dataclasses import replace

from django import forms

from filings.admin import REVIEW_ACTIONS, ReviewAction
from filings.certificates import selectors, services
from filings.certificates.labels import ENGLISH, LANGUAGES
from filings.services import review


class CertificateLanguageForm(forms.Form):
    certificate_language = forms.ChoiceField(
        choices=list(LANGUAGES.items()), initial=ENGLISH, widget=forms.RadioSelect,
        required=False, label="Certificate labels",
        help_text="The certificate's labels in English, or in English with the Japanese beside "
                  "each one. Names, summaries and findings print as they are.")

    def clean_certificate_language(self) -> str:
        return self.cleaned_data["certificate_language"] or ENGLISH  # not chosen: English


REVIEW_ACTIONS["approve"] = replace(
    REVIEW_ACTIONS["approve"],
    run=lambda actor, filing, comment, certificate_language: review.filing_approve(
        actor=actor, filing=filing, comment=comment, certificate_language=certificate_language),
    options_form=CertificateLanguageForm)

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
