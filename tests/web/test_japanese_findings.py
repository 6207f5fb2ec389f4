"""The assessment's findings and the evidence's row errors in the reader's language: a user who
chose Japanese reads them from the catalogue; an assessment stored before findings and errors
carried their templates still shows its English words."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from django.urls import reverse
from django.utils.html import escape

from filings.evidence import EvidenceInvalid, read_evidence
from filings.models import Filing
from filings.presentation import message_in_language
from portal.accounts.services import user_language_set
from tests.conftest import DATA
from tests.web.conftest import engine_result, store_assessment

pytestmark = pytest.mark.usefixtures("translations")


def _mistakes() -> list[dict[str, Any]]:
    try:
        read_evidence([DATA / "mistakes.xlsx"])
    except EvidenceInvalid as exc:
        return [error.to_dict() for error in exc.errors]
    raise AssertionError("the sample with mistakes was read without errors")


def _without_templates(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """As an engine or reader stored them before messages carried templates."""
    return [{k: v for k, v in item.items() if k not in ("template", "params")} for item in items]


def _page(client, filing: Filing) -> str:
    response = client.get(reverse("filings:detail", kwargs={"reference": filing.reference}))
    assert response.status_code == 200
    return str(response.content.decode())


def _japanese_reader(client, user) -> None:
    user_language_set(user=user, language="ja")
    client.force_login(user)


def test_a_japanese_reader_sees_the_findings_in_japanese(client, viewer, scenario):
    store_assessment(scenario.filing.current_version(), result=engine_result())
    _japanese_reader(client, viewer)

    page = _page(client, scenario.filing)

    assert "重要鉱物の価額の 62.50 % が要件を満たしています（$1,000.00 のうち $625.00）" in page
    assert "供用開始 2024-01-01～2024-12-31 の車両には 50 % 以上が必要です：充足。" in page
    assert "バッテリー構成部品の価額の 55.00 % が要件を満たしています" in page
    assert "の車両には 60 % 以上が必要です：不充足。" in page
    assert "北米外：3 件の構成部品が KR (South Korea) で製造されています" in page
    assert "要件を満たさない：CN (China) で抽出され、CN (China) で加工されたリチウム（リサイクルなし）" in page
    assert ">注記</span>" in page  # the severity, translated too
    assert "of the critical-mineral value qualifies" not in page


def test_a_japanese_reader_sees_each_requirement_its_status_and_summary_in_japanese(
        client, viewer, scenario):
    store_assessment(scenario.filing.current_version(), result=engine_result())
    _japanese_reader(client, viewer)

    page = _page(client, scenario.filing)

    for label in ("控除対象期間", "北米での最終組立", "重要鉱物の割合", "バッテリー構成部品の割合"):
        assert label in page
    assert 'status-met">充足<' in page and 'status-not-met">不充足<' in page
    assert "以降に供用開始" in page and "までに取得" in page  # the credit window's summary
    assert "Credit window" not in page and "Not met" not in page
    assert "acquired by" not in page


def test_an_english_reader_sees_the_same_findings_in_english(client, viewer, scenario):
    result = engine_result()
    store_assessment(scenario.filing.current_version(), result=result)
    client.force_login(viewer)

    page = _page(client, scenario.filing)

    messages = [f["message"] for f in result["segments"][0]["findings"]]
    assert messages and all(escape(message) in page for message in messages)
    assert ">Note</span>" in page


def test_a_japanese_reader_sees_the_evidence_row_errors_in_japanese(client, viewer, scenario):
    errors = _mistakes()
    store_assessment(scenario.filing.current_version(), errors=errors)
    _japanese_reader(client, viewer)

    page = _page(client, scenario.filing)

    table = page.split('class="table errors-table"', 1)[1].split("</table>", 1)[0]
    assert "supplier は必須です：セルに入力してください（テキスト、200 文字以内）" in table
    assert "不明な vehicle_class &#x27;sedan&#x27;：car, suv, van, pickup のいずれかを入力してください" in table
    assert "負の値は入力できません" in table
    for error in errors:
        assert escape(error["message"]) not in table, error["message"]
    assert "is required: fill in the cell" not in table


def test_an_assessment_stored_without_templates_still_shows_its_english_words(client, viewer,
                                                                             scenario):
    result = engine_result()
    old = copy.deepcopy(result)
    for segment in old["segments"]:
        segment["findings"] = _without_templates(segment["findings"])
    store_assessment(scenario.filing.current_version(), result=old)
    _japanese_reader(client, viewer)

    page = _page(client, scenario.filing)

    messages = [f["message"] for f in old["segments"][0]["findings"]]
    assert messages and all(escape(message) in page for message in messages)
    assert "が要件を満たしています" not in page


def test_row_errors_stored_without_templates_still_show_their_english_words(client, viewer,
                                                                           scenario):
    errors = _without_templates(_mistakes())
    store_assessment(scenario.filing.current_version(), errors=errors)
    _japanese_reader(client, viewer)

    table = _page(client, scenario.filing).split('class="table errors-table"', 1)[1]

    assert all(escape(error["message"]) in table for error in errors)


def test_a_message_whose_parameters_do_not_fit_shows_its_english_words():
    stored = {"message": "MSRP $90,000.00 is above the cap", "template": "MSRP %(msrp)s is above",
              "params": {"price": "$90,000.00"}}

    assert message_in_language(stored) == "MSRP $90,000.00 is above the cap"

