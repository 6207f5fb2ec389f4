"""The mails an amendment sends, and the revocation when a filing reviewed again is rejected,
reach each member of the manufacturer in their saved language: Japanese for a member who reads
Japanese (the figures and the changed requirement results in it too), English for the others."""

from __future__ import annotations

import pytest
from django.core import mail
from django.utils import translation

from filings.models import Filing
from filings.rulebooks.services.publishing import rulebook_apply
from filings.services.review import filing_reject, review_recommend, review_start
from portal.accounts.models import User
from tests.certificates.conftest import approve, issue
from tests.rulebooks.conftest import japan_draft, publish, submitted

pytestmark = pytest.mark.usefixtures("translations", "mailoutbox")


@pytest.fixture
def japanese_signer(signer: User) -> User:
    signer.language = "ja"
    signer.save(update_fields=["language"])
    return signer


@pytest.fixture
def filing(pre_japan, manufacturer, preparer, japanese_signer) -> Filing:
    """The pickup whose lithium is processed in Japan, assessed at $3,750 before Japan counted."""
    return submitted(manufacturer, preparer, japanese_signer)


def mail_to(user: User) -> mail.EmailMessage:
    (message,) = [m for m in mail.outbox if user.email in m.to]
    return message


def apply_the_japan_amendment(approver: User, capture) -> str:
    """Publish the Japan amendment and run its re-assessment, mails sent; the version's name."""
    draft = japan_draft(approver)
    publish(approver, draft)
    with capture(execute=True):
        rulebook_apply(version_id=draft.pk)
    return f"{draft.rulebook_id} {draft.version}"


def test_an_approved_filing_sent_back_to_review_is_announced_in_each_members_language(
        filing, preparer, japanese_signer, reviewer, approver, django_capture_on_commit_callbacks):
    approve(filing, reviewer, approver)
    certificate = issue(filing)

    version = apply_the_japan_amendment(approver, django_capture_on_commit_callbacks)

    with translation.override("ja"):  # the requirement's label as the catalogue has it, if it does
        label = translation.gettext("Critical-mineral share")
    japanese = mail_to(japanese_signer)
    assert japanese.subject == f"[CVC portal] ルール改正：再審査: {filing}"
    assert japanese.body.startswith(
        f"ルールブック {version} により {filing} の評価結果が変わりました：税額控除 $3,750 → $7,500。"
        f"申請は再審査待ちになりました。新たな承認で差し替えられるまで、証明書 {certificate.serial} "
        f"は有効です。\n\n{label}: 不充足 → 充足\n\n")
    english = mail_to(preparer)
    assert english.subject == f"[CVC portal] Rules amended: review again: {filing}"
    assert english.body.startswith(
        f"Rulebook {version} changed the outcome of {filing}: credit $3,750 → $7,500. The filing is "
        f"queued for review again; certificate {certificate.serial} stays valid until a new "
        "approval supersedes it.\n\nCritical-mineral share: not met → met\n\n")


def test_a_withdrawn_recommendation_is_announced_in_each_members_language(
        filing, preparer, japanese_signer, reviewer, approver, django_capture_on_commit_callbacks):
    review_start(actor=reviewer, filing=filing)
    review_recommend(actor=reviewer, filing=filing, recommendation="approve",
                     comment="Approve at $3,750.")

    apply_the_japan_amendment(approver, django_capture_on_commit_callbacks)

    japanese = mail_to(japanese_signer)
    assert japanese.subject == f"[CVC portal] ルール改正: {filing}"
    assert "審査担当者の推奨は取り消され、申請は新しい数値に基づいて審査されます。" in japanese.body
    english = mail_to(preparer)
    assert english.subject == f"[CVC portal] Rules amended: {filing}"
    assert "The reviewer's recommendation was withdrawn;" in english.body


def test_rejecting_on_review_again_announces_the_revocation_in_each_members_language(
        filing, preparer, japanese_signer, reviewer, approver, django_capture_on_commit_callbacks):
    approve(filing, reviewer, approver)
    certificate = issue(filing)
    apply_the_japan_amendment(approver, django_capture_on_commit_callbacks)
    filing.refresh_from_db()
    review_start(actor=reviewer, filing=filing)
    review_recommend(actor=reviewer, filing=filing, recommendation="reject",
                     comment="The new figures do not hold up.")
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        filing_reject(actor=approver, filing=filing, comment="Rejected on the new figures.")

    japanese = [m for m in mail.outbox if japanese_signer.email in m.to]
    revoked = next(m for m in japanese if m.subject == f"[CVC portal] 証明書失効: {filing}")
    assert revoked.body.startswith(
        f"{filing} の証明書 {certificate.serial} が失効しました。再審査で申請が却下されたためです："
        "\n\nRejected on the new figures.")
    english = [m for m in mail.outbox if preparer.email in m.to]
    revoked = next(m for m in english if m.subject == f"[CVC portal] Certificate revoked: {filing}")
    assert revoked.body.startswith(
        f"Certificate {certificate.serial} for {filing} was revoked: the filing was rejected on "
        "review again.\n\nRejected on the new figures.")
