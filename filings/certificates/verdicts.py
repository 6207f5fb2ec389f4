"""What the public verification page says first: one verdict, in words and a colour of its own,
from the certificate's status and, when someone uploaded a copy, what the copy turned out to be.
A copy that is not the file the portal issued is never shown under a "genuine" verdict."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from filings.certificates.models import Certificate, CertificateStatus


@dataclass(frozen=True)
class Verdict:
    kind: str  # "genuine", "superseded", "revoked" or "not-issued": also the page's CSS class
    title: str
    lines: list[str] = field(default_factory=list)


def copy_problems(check: dict[str, Any] | None) -> list[str]:
    """Why an uploaded copy is not the certificate the portal issued (empty: it is)."""
    if not check:
        return []
    if check.get("problem"):
        return [str(check["problem"])]
    problems = []
    if not check.get("identical"):
        problems.append(f"Its bytes differ from the issued PDF (its SHA-256 is {check['sha256']}).")
    signature = check.get("signature")
    if signature is not None and not signature.valid:
        problems.append(f"Its signature does not validate: {signature.problem or 'no reason given'}.")
    return problems


def certificate_verdict(certificate: Certificate, check: dict[str, Any] | None) -> Verdict:
    problems = copy_problems(check)
    if problems:
        return Verdict("not-issued", "Not the certificate the portal issued", [
            *problems, "Do not rely on this file. The certificate the portal issued under this "
                       "number is described below."])
    checked = ["The uploaded file is byte-identical to the issued certificate and its signature "
               "validates."] if check else []
    if certificate.status == CertificateStatus.SUPERSEDED:
        return Verdict("superseded", "Superseded: no longer in force", [
            "The filing was approved again and a newer certificate replaced this one.", *checked])
    if certificate.status == CertificateStatus.REVOKED:
        when = f"{certificate.revoked_at:%Y-%m-%d %H:%M} UTC" if certificate.revoked_at else ""
        return Verdict("revoked", f"Revoked on {when}: not in force", [
            f"Reason: {certificate.revoked_reason}", *checked])
    issued = f"{certificate.issued_at:%Y-%m-%d}" if certificate.issued_at else ""
    return Verdict("genuine", "Genuine and in force", [
        f"Issued by the portal on {issued}; not revoked or superseded.", *checked])
