"""What the public verification page says first: one verdict, in words and a colour of its own,
from the certificate's status and, when someone uploaded a copy, what the copy turned out to be.
A copy that is not the file the portal issued is never shown under a "genuine" verdict. In the
page's language (the reason a reviewer gave and the signature checker's words stay as written)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext

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
        return [gettext(str(check["problem"]))]
    problems = []
    if not check.get("identical"):
        problems.append(gettext("Its bytes differ from the issued PDF (its SHA-256 is "
                                "%(sha256)s).") % {"sha256": check["sha256"]})
    signature = check.get("signature")
    if signature is not None and not signature.valid:
        problems.append(gettext("Its signature does not validate: %(problem)s.")
                        % {"problem": signature.problem or gettext("no reason given")})
    return problems


def certificate_verdict(certificate: Certificate, check: dict[str, Any] | None) -> Verdict:
    problems = copy_problems(check)
    if problems:
        return Verdict("not-issued", gettext("Not the certificate the portal issued"), [
            *problems, gettext("Do not rely on this file. The certificate the portal issued "
                               "under this number is described below.")])
    checked = [gettext("The uploaded file is byte-identical to the issued certificate and its "
                       "signature validates.")] if check else []
    if certificate.status == CertificateStatus.SUPERSEDED:
        return Verdict("superseded", gettext("Superseded: no longer in force"), [
            gettext("The filing was approved again and a newer certificate replaced this one."),
            *checked])
    if certificate.status == CertificateStatus.REVOKED:
        when = f"{certificate.revoked_at:%Y-%m-%d %H:%M} UTC" if certificate.revoked_at else ""
        return Verdict("revoked", gettext("Revoked on %(when)s: not in force") % {"when": when}, [
            gettext("Reason: %(reason)s") % {"reason": certificate.revoked_reason}, *checked])
    issued = f"{certificate.issued_at:%Y-%m-%d}" if certificate.issued_at else ""
    return Verdict("genuine", gettext("Genuine and in force"), [
        gettext("Issued by the portal on %(day)s; not revoked or superseded.") % {"day": issued},
        *checked])
