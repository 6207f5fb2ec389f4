"""The certificate's printed labels, in English and Japanese: legal-document text, kept here as
explicit, versioned data (not in Django's gettext catalogue, which translates the portal's pages).

A certificate is issued in English, or with bilingual labels (`en+ja`): every English label stays
and its Japanese counterpart is set beside or under it, so an examiner who reads only English
reads the whole certificate. The Japanese terms follow METI's and JETRO's usage for the Inflation
Reduction Act's clean vehicle credit (重要鉱物, バッテリー構成部品, 最終組立, 懸念される外国の
事業体, 適格). Only these labels are translated: names, rule summaries and findings, which come
from the filing and the rulebook, print as they are.

The bundled Japanese font (`fontsubset.py`) holds exactly the characters of the Japanese labels,
so changing one means regenerating it; `tests/certificates/test_fonts.py` says so when it is due.
Change `LABELS_VERSION` with any wording change: each certificate records the version it printed.
"""

from __future__ import annotations

from dataclasses import dataclass

LABELS_VERSION = "2026-12-01"
# The embedded file the certificate names (rendering.py attaches it under this name).
ATTACHMENT_NAME = "assessment.json"

ENGLISH = "en"
ENGLISH_JAPANESE = "en+ja"
# The language choices a certificate is issued in: code -> what the approver reads.
LANGUAGES = {
    ENGLISH: "English",
    ENGLISH_JAPANESE: "English with Japanese labels (英語・日本語)",
}


@dataclass(frozen=True)
class Label:
    en: str
    ja: str


LABELS: dict[str, Label] = {
    "kicker": Label("Clean Vehicle Credit Portal · IRC §30D",
                    "クリーンビークル税額控除ポータル · 内国歳入法第30D条"),
    "title": Label("Attestation certificate", "適格性証明書"),
    "not_an_irs_form": Label(
        "This certificate is the portal's own attestation of its assessment. It is not an IRS "
        "form and not a determination by the Internal Revenue Service.",
        "本証明書は、当ポータルが自らの審査結果を証明するものです。米国内国歳入庁（IRS）の様式"
        "ではなく、同庁による決定でもありません。"),
    "certificate_number": Label("Certificate number", "証明書番号"),
    "issued": Label("Issued", "発行日"),
    "manufacturer": Label("Manufacturer", "製造業者"),
    "vehicle": Label("Vehicle", "車両"),
    "coverage": Label("Coverage (placed in service)", "対象期間（供用開始日）"),
    "rulebook": Label("Rulebook", "適用規則"),
    "outcome": Label("Outcome per period", "期間別の判定結果"),
    "eligible": Label("ELIGIBLE", "適格"),
    "not_eligible": Label("NOT ELIGIBLE", "不適格"),
    "credit_per_vehicle": Label("Credit per vehicle", "1台当たりの税額控除額"),
    "feoc": Label("FEOC", "懸念される外国の事業体"),
    "final_assembly": Label("Final assembly and VINs", "最終組立と車両識別番号（VIN）"),
    "evidence": Label("Evidence (SHA-256)", "証拠資料（SHA-256）"),
    "supporting": Label("supporting", "補足資料"),
    "attestation": Label("Attestation", "宣誓"),
    "signed_by": Label("Signed by", "署名者"),
    "review": Label("Review", "審査"),
    "reviewed_by": Label("Reviewed by", "審査者"),
    "approved_by": Label("Approved by", "承認者"),
    "verify": Label("Verify this certificate", "本証明書の確認"),
    "verify_text": Label(
        "The page says whether this certificate is valid, superseded or revoked, and checks an "
        "uploaded copy. The PDF is signed by the portal (PAdES) and carries the assessment as the "
        f"embedded file {ATTACHMENT_NAME}.",
        "確認ページでは、本証明書が有効か、差し替え済みか、取り消し済みかを表示し、アップロード"
        "された写しを照合します。本PDFは当ポータルが電子署名（PAdES）し、審査結果を添付ファイル"
        f"{ATTACHMENT_NAME}として含みます。"),
    "citations": Label("Citations", "根拠規定"),
}

# The engine's requirements (`filings.rules.labels.REQUIREMENT_LABELS` holds their English), and
# the status of each: Japanese only, set beside the English the rulebook prints.
REQUIREMENTS_JA = {
    "credit_window": "控除対象期間",
    "final_assembly": "北米での最終組立",
    "msrp_cap": "希望小売価格（MSRP）の上限",
    "battery_capacity": "バッテリー容量",
    "gvwr": "車両総重量",
    "feoc_battery_components": "懸念される外国の事業体のバッテリー構成部品がないこと",
    "feoc_critical_minerals": "懸念される外国の事業体の重要鉱物がないこと",
    "critical_minerals": "重要鉱物の割合",
    "battery_components": "バッテリー構成部品の割合",
}
STATUSES_JA = {"met": "充足", "not-met": "不充足", "na": "対象外"}


def japanese_characters() -> str:
    """Every character the Japanese labels print, once each, in code point order: what the
    bundled Japanese font must hold."""
    texts = [label.ja for label in LABELS.values()]
    texts += [*REQUIREMENTS_JA.values(), *STATUSES_JA.values()]
    return "".join(sorted({c for text in texts for c in text if not c.isspace()}))
