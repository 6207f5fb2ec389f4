"""The manufacturer pages in Japanese: text from the catalogue, dates per language, money in US
dollars in both languages, and the English pages unchanged."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import translation

from filings.forms import SubmitForm
from filings.models import Filing
from portal.accounts.roles import ATTESTATION_STATEMENT
from tests.web.conftest import engine_result, store_assessment

pytestmark = pytest.mark.usefixtures("translations")
MOMENT = dt.datetime(2026, 12, 1, 8, 19, tzinfo=dt.UTC)


def page(client, url: str, language: str) -> str:
    response = client.get(url, headers={"accept-language": language})
    assert response.status_code == 200
    return str(response.content.decode())


def dashboard(client, language: str) -> str:
    return page(client, reverse("filings:dashboard"), language)


def detail(client, filing: Filing, language: str) -> str:
    return page(client, reverse("filings:detail", kwargs={"reference": filing.reference}), language)


def test_the_dashboard_is_in_japanese_with_its_state_and_class_labels(client, preparer, filing):
    client.force_login(preparer)
    body = dashboard(client, "ja")
    assert '<html lang="ja">' in body
    assert "<h1>申請</h1>" in body and "新規申請" in body and "証拠資料の空テンプレートをダウンロード" in body
    assert "下書き" in body and "ピックアップトラック" in body and "作成者" in body  # state, class, role
    assert ">すべての状態</option>" in body
    assert "Download the blank evidence template" not in body


def test_a_moment_reads_the_same_way_on_every_page_in_each_language(client, preparer, filing):
    Filing.objects.filter(pk=filing.pk).update(state_changed_at=MOMENT)
    client.force_login(preparer)
    assert "1 Dec 2026, 08:19 UTC" in dashboard(client, "en")
    assert "2026年12月1日 08:19 UTC" in dashboard(client, "ja")
    assert "Draft since 1 Dec 2026, 08:19 UTC" in detail(client, filing, "en")
    assert "2026年12月1日 08:19 UTC から下書き" in detail(client, filing, "ja")


def test_calendar_dates_stay_iso_in_english_and_are_written_out_in_japanese(client, viewer,
                                                                            filing):
    client.force_login(viewer)
    assert "2024-06-01 to 2024-12-31" in detail(client, filing, "en")
    assert "2024年6月1日～2024年12月31日" in detail(client, filing, "ja")


def test_money_stays_in_us_dollars_in_japanese(client, viewer, scenario):
    store_assessment(scenario.filing.current_version(), result=engine_result())
    client.force_login(viewer)
    body = detail(client, scenario.filing, "ja")
    assert "対象期間における 1 台あたりの税額控除：" in body and "$3,750" in body
    assert "供用開始 2024年6月1日～2024年12月31日：" in body
    assert "適格 62.50 %" in body  # the share bar's caption
    assert "Credit per vehicle over the coverage period" not in body
    assert "$3,750" in dashboard(client, "ja")


def test_the_next_step_and_the_messages_of_an_action_are_in_japanese(client, preparer, filing):
    client.force_login(preparer)
    body = detail(client, filing, "ja")
    assert f"次の手順：{filing.organisation} の作成者または署名者が" in body
    response = client.post(reverse("filings:withdraw", kwargs={"reference": filing.reference}),
                           {"reason": "x" * 2001}, headers={"accept-language": "ja"})
    assert "理由が長すぎます。" in response.content.decode()


def test_the_form_of_a_new_filing_is_in_japanese(client, preparer):
    client.force_login(preparer)
    body = page(client, reverse("filings:create"), "ja")
    assert "年式" in body and "対象期間の開始日" in body and ">乗用車</option>" in body


def test_the_public_rules_pages_are_in_japanese(client, db):
    body = page(client, reverse("rulebooks:history"), "ja")
    assert "ポータルが適用するルール" in body and "公開日" in body


def test_the_attestation_stays_the_english_statement_it_records():
    with translation.override("ja"):
        form = SubmitForm()
        assert form.fields["attest"].label == ATTESTATION_STATEMENT
        assert "英文のとおり記録されます" in str(form.fields["attest"].help_text)
    with translation.override("en"):
        assert SubmitForm().fields["attest"].help_text == ""
