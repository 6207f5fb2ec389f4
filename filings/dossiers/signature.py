"""The dossier manifest's detached CMS signature: made with the portal's signing key and chain
and timestamped by its TSA, exactly as certificates are signed (`SigningSetup` of
filings.certificates.signing), and checked against the configured trust roots (or a PEM the
examiner trusts)."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from asn1crypto import cms  # type: ignore[import-untyped]
from asn1crypto import x509 as asn1_x509
from django.conf import settings
from pyhanko.keys import load_certs_from_pemder_data
from pyhanko.sign.validation import async_validate_detached_cms
from pyhanko_certvalidator import ValidationContext

from filings.certificates.signing import SigningSetup, sign_detached_cms


def sign_detached(data: bytes, setup: SigningSetup | None = None) -> bytes:
    """A DER CMS SignedData over `data` (detached) with the signer's chain and an RFC 3161
    signature timestamp; raises when the key or the TSA cannot be used."""
    return sign_detached_cms(data, setup)


def portal_certificate_paths() -> list[Path]:
    """What a dossier's signature is checked against by default: the configured trust roots,
    and the old self-signed certificates kept trusted after a key rotation."""
    return [*settings.CERTIFICATE_TRUST_ROOTS, *settings.CERTIFICATE_PREVIOUS_CERTS]


def load_trusted(paths: Sequence[Path]) -> list[asn1_x509.Certificate]:
    trusted = []
    for path in paths:
        try:
            trusted.extend(load_certs_from_pemder_data(Path(path).read_bytes()))
        except (OSError, ValueError) as exc:
            raise RuntimeError(f"Could not read the trusted certificate {path}: {exc}") from exc
    return trusted


@dataclass(frozen=True)
class SignatureResult:
    intact: bool
    trusted: bool
    signer: str = ""
    timestamped: bool = False
    problem: str = ""

    @property
    def valid(self) -> bool:
        return self.intact and self.trusted


def check_detached(data: bytes, p7s: bytes,
                   trusted: Sequence[asn1_x509.Certificate]) -> SignatureResult:
    """Whether `p7s` is an intact signature over `data` whose chain ends at one of `trusted`
    (no fetching, no revocation check: the dossier is checked offline)."""
    try:
        content = cms.ContentInfo.load(p7s)
        signed_data = content["content"]
        if content["content_type"].native != "signed_data":
            raise ValueError("not a CMS SignedData")
    except Exception as exc:  # anything unreadable is "not a signature"
        return SignatureResult(intact=False, trusted=False,
                               problem=f"manifest.json.p7s is not a readable CMS signature ({exc})")
    context = ValidationContext(trust_roots=list(trusted), allow_fetching=False,
                                revocation_mode="soft-fail")
    try:
        status = asyncio.run(async_validate_detached_cms(data, signed_data,
                                                         signer_validation_context=context))
    except Exception as exc:
        return SignatureResult(intact=False, trusted=False,
                               problem=f"the manifest's signature could not be checked ({exc})")
    signer = str(status.signing_cert.subject.human_friendly) if status.signing_cert else ""
    intact, trusted_ = bool(status.intact and status.valid), bool(status.trusted)
    problem = ""
    if not intact:
        problem = "manifest.json was changed after it was signed (its signature does not match)"
    elif not trusted_:
        problem = (f"manifest.json is signed by {signer or 'an unnamed certificate'}, which is "
                   "not a certificate this check trusts")
    return SignatureResult(intact=intact, trusted=trusted_, signer=signer,
                           timestamped=status.timestamp_validity is not None, problem=problem)
