"""Mails of the filing lifecycle go out in each recipient's saved language (English when they
saved none); the password reset mail in the language of the page that asked for it."""

from __future__ import annotations

import pytest
from django.core import mail
from django.db import transaction
from django.urls import reverse

from filings.models import Filing
from filings.services.common import notify_manufacturer
from filings.services.review import _DECISION_MAIL
from filings.states import State
from tests.factories import FilingFactory

pytestmark = pytest.mark.usefixtures("translations", "_locmem_mail")


@pytest.fixture
def filing(manufacturer, preparer) -> Filing:
    return FilingFactory.create(organisation=manufacturer, created_by=preparer)


@pytest.fixture
def _locmem_mail(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


def test_each_member_gets_the_decision_mail_in_their_language(preparer, signer, filing,
                                                              django_capture_on_commit_callbacks):
    signer.language = "ja"
    signer.save(update_fields=["language"])
    subject, body = _DECISION_MAIL[State.APPROVED]
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        notify_manufacturer(filing, subject, body, filing=filing, text="Looks right.")
    by_recipient = {tuple(m.to): m for m in mail.outbox}
    japanese = by_recipient[(signer.email,)]
    assert japanese.subject == f"[CVC portal] 申請承認: {filing}"
    assert japanese.body.startswith(f"{filing} が承認されました：\n\nLooks right.")
    english = [m for m in mail.outbox if signer.email not in m.to]
    assert len(english) == 1 and preparer.email in english[0].to
    assert english[0].subject == f"[CVC portal] Filing approved: {filing}"
    assert english[0].body.startswith(f"{filing} was approved:\n\nLooks right.")


def test_a_message_without_a_translation_goes_out_as_written(signer, filing,
                                                             django_capture_on_commit_callbacks):
    signer.language = "ja"
    signer.save(update_fields=["language"])
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        notify_manufacturer(filing, "A notice nobody translated", "100 % done.")
    assert {m.subject for m in mail.outbox} == {f"[CVC portal] A notice nobody translated: {filing}"}


def test_the_password_reset_mail_follows_the_page_language(client, preparer):
    client.post(reverse("password_reset"), {"email": preparer.email},
                headers={"accept-language": "ja"})
    (message,) = mail.outbox
    assert message.subject == "クリーン車両税額控除ポータルのパスワード再設定"
    assert "パスワード再設定が依頼されました" in message.body and "/accounts/reset/" in message.body
