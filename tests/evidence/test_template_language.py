"""The blank template in the reader's language: its read_me (instructions, the column table's
header, required, rules and descriptions) is translated, while sheet names, header rows, column
names and codes stay the schema's identifiers, so a filled-in Japanese template reads as evidence."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook
from openpyxl.workbook import Workbook

from filings.evidence import SHEETS, read_evidence, write_template
from tests.evidence.factories import VINS, fill_in_template

pytestmark = pytest.mark.usefixtures("translations")

TITLE_JA = "クリーン車両税額控除（内国歳入法第30D条）証拠資料テンプレート"
TABLE_HEADER_JA = ["シート", "列", "必須", "入力規則", "説明", "記入例"]


def japanese_template(path: Path) -> Path:
    with translation.override("ja"):
        write_template(path, translate=translation.gettext)
    return path


def read_me_table(workbook: Workbook) -> dict[tuple[str, str], tuple[str, str, str]]:
    """(sheet, column) -> (required, rule, description), as the read_me lists them."""
    return {(row[0], row[1]): (row[2], row[3], row[4])
            for row in workbook["read_me"].iter_rows(values_only=True)
            if row[0] in {sheet.name for sheet in SHEETS} and row[1]}


def test_a_japanese_reader_downloads_the_template_with_a_japanese_read_me(client, viewer):
    viewer.language = "ja"
    viewer.save(update_fields=["language"])
    client.force_login(viewer)

    response = client.get(reverse("filings:evidence_template"))

    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    read_me = workbook["read_me"]
    assert read_me["A1"].value == TITLE_JA
    assert read_me["A6"].value == "この read_me シートは、証拠資料の読み取り時には無視されます。"
    assert [cell.value for cell in read_me[8]] == TABLE_HEADER_JA
    table = read_me_table(workbook)
    assert table["vehicle", "msrp_usd"][2] == "メーカー希望小売価格（MSRP、米ドル）。"
    assert table["vehicle", "model_year"][1] == "4 桁の年、1980～2100。"
    assert table["critical_minerals", "feoc"] == (
        "はい", "yes または no。", "懸念される外国の事業体（FEOC）が抽出、加工またはリサイクルしたか。")
    assert table["vins", "vin"][0] == "シートごと任意"
    for sheet in SHEETS:
        assert [cell.value for cell in workbook[sheet.name][1]] == list(sheet.column_names)


def test_a_reader_without_a_language_downloads_the_english_template(client, preparer):
    client.force_login(preparer)

    response = client.get(reverse("filings:evidence_template"))

    read_me = load_workbook(io.BytesIO(b"".join(response.streaming_content)))["read_me"]
    assert read_me["A1"].value == "Clean vehicle credit (IRC 30D) evidence template"
    assert [cell.value for cell in read_me[8]] == [
        "sheet", "column", "required", "rule", "description", "example"]


def test_every_text_of_the_read_me_has_a_japanese_translation(tmp_path):
    asked: list[str] = []

    def translate(text: str) -> str:
        asked.append(text)
        return translation.gettext(text)

    with translation.override("ja"):
        write_template(tmp_path / "template.xlsx", translate=translate)
        untranslated = [text for text in asked if translation.gettext(text) == text]

    assert {column.description for sheet in SHEETS for column in sheet.columns} <= set(asked)
    assert untranslated == []


def test_a_filled_in_japanese_template_reads_as_valid_evidence(tmp_path):
    path = japanese_template(tmp_path / "template.xlsx")
    fill_in_template(path)

    evidence = read_evidence([path])

    assert (evidence.vehicle.make, evidence.vehicle.vehicle_class) == ("Granite", "pickup")
    assert len(evidence.battery_components) == 3
    assert len(evidence.critical_minerals) == 4
    assert [v.vin for v in evidence.vins] == VINS


def test_the_japanese_drop_downs_keep_the_codes_and_explain_in_japanese(tmp_path):
    workbook = load_workbook(japanese_template(tmp_path / "template.xlsx"))

    (validation,) = workbook["battery_components"].data_validations.dataValidation[-1:]
    assert validation.formula1 == '"yes,no"'
    assert validation.error == "一覧から feoc を選択してください（yes または no。）"


def test_the_command_writes_the_template_in_the_language_asked_for(tmp_path):
    path = tmp_path / "ja.xlsx"

    call_command("evidence_template", str(path), "--language", "ja", stdout=io.StringIO())
    call_command("evidence_template", str(tmp_path / "en.xlsx"), stdout=io.StringIO())

    assert load_workbook(path)["read_me"]["A1"].value == TITLE_JA
    assert load_workbook(tmp_path / "en.xlsx")["read_me"]["A1"].value == (
        "Clean vehicle credit (IRC 30D) evidence template")
