"""The certificate mails reach each member of the manufacturer in their saved language: a member
who reads Japanese gets them in Japanese, a colleague who saved no language in English."""

from __future__ import annotations

import pytest
from django.core import mail

from filings.certificates.services import certificate_revoke
from filings.models import Filing
from portal.accounts.models import User
from tests.certificates.conftest import issue

pytestmark = pytest.mark.usefixtures("translations", "mailoutbox")

REASON = "The cathode supplier withdrew its declaration."


@pytest.fixture
def japanese_signer(signer: User) -> User:
    signer.language = "ja"
    signer.save(update_fields=["language"])
    return signer


def mail_to(user: User) -> mail.EmailMessage:
    (message,) = [m for m in mail.outbox if user.email in m.to]
    return message


def test_a_japanese_member_gets_the_certificate_issued_mail_in_japanese(
        approved: Filing, preparer, japanese_signer, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        certificate = issue(approved)

    japanese = mail_to(japanese_signer)
    assert japanese.subject == f"[CVC portal] 証明書発行: {approved}"
    assert japanese.body.startswith(
        f"{approved} の証明書 {certificate.serial} が発行されました。申請ページからダウンロードできます。")
    english = mail_to(preparer)
    assert english.subject == f"[CVC portal] Certificate issued: {approved}"
    assert english.body.startswith(f"Certificate {certificate.serial} for {approved} was issued. "
                                   "Download it from the filing page;")
    assert preparer.email not in japanese.to and japanese_signer.email not in english.to


def test_a_japanese_member_gets_the_certificate_revoked_mail_in_japanese_with_the_reason(
        approved: Filing, approver, preparer, japanese_signer, django_capture_on_commit_callbacks):
    certificate = issue(approved)

    with django_capture_on_commit_callbacks(execute=True):
        certificate_revoke(actor=approver, filing=approved, reason=REASON)

    japanese = mail_to(japanese_signer)
    assert japanese.subject == f"[CVC portal] 証明書失効: {approved}"
    assert japanese.body.startswith(
        f"{approved} の証明書 {certificate.serial} が失効しました：\n\n{REASON}\n\n"
        "申請を下書きとして再開して新しい証拠資料を提出するか、申請を取り下げてください。")
    english = mail_to(preparer)
    assert english.subject == f"[CVC portal] Certificate revoked: {approved}"
    assert english.body.startswith(
        f"Certificate {certificate.serial} for {approved} was revoked:\n\n{REASON}\n\n"
        "Reopen the filing as a draft to submit new evidence, or withdraw it.")
