"""What a certificate says: the template's context, built from the stored records only."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from filings.certificates.labels import ENGLISH_JAPANESE, LABELS
from filings.certificates.models import Certificate
from filings.certificates.qr import qr_svg_data_url
from filings.models import FileKind, ReviewNote
from filings.presentation import assessed_vehicle, assessment_segments

FEOC_REQUIREMENTS = ("feoc_battery_components", "feoc_critical_minerals")
NOT_AN_IRS_FORM = LABELS["not_an_irs_form"].en


def verify_url(certificate: Certificate) -> str:
    path = reverse("certificates:verify", kwargs={"public_id": certificate.public_id})
    return f"{settings.PORTAL_BASE_URL.rstrip('/')}{path}"


def assessment_json(certificate: Certificate) -> bytes:
    """The embedded file: the engine's result as stored, with what identifies it."""
    assessment = certificate.assessment
    return json.dumps({
        "certificate": {"serial": certificate.serial, "public_id": str(certificate.public_id)},
        "rulebook": {"id": assessment.rulebook_id, "version": assessment.rulebook_version},
        "evidence_sha256": assessment.evidence_hashes,
        "result": assessment.result,
    }, indent=2, sort_keys=True, ensure_ascii=False).encode("utf-8")


def _citations(segments: list[Any]) -> list[str]:
    seen: dict[str, None] = {}
    for segment in segments:
        for requirement in segment.requirements:
            if requirement.citation:
                seen.setdefault(requirement.citation)
    return list(seen)


def _feoc_findings(segment: Any) -> list[str]:
    return [str(f.get("message", "")) for r in segment.requirements if r.id in FEOC_REQUIREMENTS
            for f in r.findings]


def certificate_context(certificate: Certificate) -> dict[str, Any]:
    filing, assessment = certificate.filing, certificate.assessment
    segments = assessment_segments(assessment.result)
    for segment in segments:
        segment.feoc = [r for r in segment.requirements if r.id in FEOC_REQUIREMENTS]  # type: ignore[attr-defined]
        segment.feoc_findings = _feoc_findings(segment)  # type: ignore[attr-defined]
        segment.assembly = next((r for r in segment.requirements if r.id == "final_assembly"), None)  # type: ignore[attr-defined]
        segment.gates = [r for r in segment.requirements if not r.is_share]  # type: ignore[attr-defined]
    approval = (ReviewNote.objects.filter(filing=filing, kind=ReviewNote.Kind.APPROVE)
                .order_by("-created_at", "-pk").first())
    url = verify_url(certificate)
    issued_on = certificate.issued_at or timezone.now()
    return {
        "certificate": certificate, "filing": filing, "assessment": assessment,
        "organisation": filing.organisation, "segments": segments,
        "vehicle": assessed_vehicle(assessment.result, filing),
        "citations": _citations(segments),
        "evidence": assessment.version.files.filter(kind=FileKind.EVIDENCE).order_by("pk"),
        "supporting": assessment.version.files.filter(kind=FileKind.SUPPORTING).order_by("pk"),
        "approval_comment": approval.text if approval else "",
        "verify_url": url, "qr_data_url": qr_svg_data_url(url),
        "not_an_irs_form": NOT_AN_IRS_FORM,
        "issued_on": issued_on,
        # The labels' language(s): `{% label %}` adds the Japanese when bilingual.
        "bilingual": certificate.language == ENGLISH_JAPANESE,
        # The PDF's creation and modification dates (/Info and XMP): whole seconds, UTC.
        "issued_w3c": issued_on.astimezone(dt.UTC).replace(microsecond=0).isoformat(),
    }
