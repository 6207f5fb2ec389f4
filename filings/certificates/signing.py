"""PAdES signatures with pyHanko: sign a rendered certificate, validate an uploaded one, and make
the development key and self-signed certificate `make demo` uses.

Production sets CERTIFICATE_SIGNING_KEY and CERTIFICATE_SIGNING_CERT to a real key and certificate.
After a key rotation CERTIFICATE_PREVIOUS_CERTS lists the certificates that signed earlier PDFs, so
they still verify (docs/operations.md, "Rotate the signing key").
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import threading
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from asn1crypto import keys as asn1_keys  # type: ignore[import-untyped]
from asn1crypto import pem
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes
from cryptography.x509.oid import NameOID
from django.conf import settings
from pyhanko.keys import load_certs_from_pemder_data
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.registry import SimpleCertificateStore
from pyhanko_certvalidator.util import get_pyca_cryptography_hash

FIELD_NAME = "PortalAttestation"


def ensure_dev_signing_material(key_path: Path, cert_path: Path) -> bool:
    """Write an RSA key and a self-signed certificate when either file is missing.

    RSA, not an ISO 32002 curve: an ECDSA signature makes pyHanko raise the file to PDF 2.0,
    which PDF/A-3 (based on PDF 1.7) does not allow.

    Returns True when it generated them. For development and the demo only.
    """
    if key_path.exists() and cert_path.exists():
        return False
    key_path.parent.mkdir(parents=True, exist_ok=True)
    key = rsa.generate_private_key(public_exponent=65537, key_size=3072)
    name = x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "CVC portal (development)"),
                      x509.NameAttribute(NameOID.COMMON_NAME, "CVC portal certificate signing")])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=3650))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(
                digital_signature=True, content_commitment=True, key_encipherment=False,
                data_encipherment=False, key_agreement=False, key_cert_sign=True, crl_sign=False,
                encipher_only=False, decipher_only=False), critical=True)
            .sign(key, hashes.SHA256()))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    key_path.chmod(0o600)
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return True


class _KeptKeySigner(signers.SimpleSigner):
    """pyHanko's SimpleSigner, keeping the parsed private key.

    SimpleSigner parses its key again (with cryptography's full RSA key check, about 0.1 s for a
    3072-bit key) for every raw signature, and a PDF signature makes two: one to size the
    signature field, one to sign. Here the key is parsed once when the signer is built; RSA
    PKCS#1 v1.5 (what an RSA key signs with unless PSS is asked for) uses it, anything else
    goes through SimpleSigner unchanged.
    """

    def __init__(self, *, key_data: bytes, cert_data: bytes) -> None:
        load = (serialization.load_pem_private_key if pem.detect(key_data)
                else serialization.load_der_private_key)
        private_key = load(key_data, password=None)
        certificates = list(load_certs_from_pemder_data(cert_data))
        if len(certificates) != 1:
            raise ValueError(f"{len(certificates)} certificates where one was expected")
        signing_key = asn1_keys.PrivateKeyInfo.load(private_key.private_bytes(
            serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption()))
        registry = SimpleCertificateStore()  # type: ignore[no-untyped-call]
        super().__init__(signing_cert=certificates[0], signing_key=signing_key,
                         cert_registry=registry)
        self._private_key: PrivateKeyTypes = private_key

    def sign_raw(self, data: bytes, digest_algorithm: str) -> bytes:
        mechanism = self.get_signature_mechanism_for_digest(digest_algorithm)
        try:
            algorithm = mechanism.signature_algo
        except ValueError:
            algorithm = mechanism["algorithm"].native
        if algorithm == "rsassa_pkcs1v15" and isinstance(self._private_key, rsa.RSAPrivateKey):
            return self._private_key.sign(data, PKCS1v15(),
                                          get_pyca_cryptography_hash(digest_algorithm))
        signature = super().sign_raw(data, digest_algorithm)
        assert isinstance(signature, bytes)
        return signature


# The worker keeps its signer, found by the SHA-256 of the key and certificate files' contents:
# a replaced key or certificate is picked up by the next signature.
_signers: dict[tuple[bytes, bytes], _KeptKeySigner] = {}
_signers_lock = threading.Lock()


def _signer(key_path: Path, cert_path: Path) -> _KeptKeySigner:
    problem = f"Could not load the signing key {key_path} and certificate {cert_path}"
    try:
        key_data, cert_data = key_path.read_bytes(), cert_path.read_bytes()
    except OSError as exc:
        raise RuntimeError(f"{problem}: {exc}") from exc
    cache_key = (hashlib.sha256(key_data).digest(), hashlib.sha256(cert_data).digest())
    with _signers_lock:
        signer = _signers.get(cache_key)
        if signer is None:
            try:
                signer = _KeptKeySigner(key_data=key_data, cert_data=cert_data)
            except (ValueError, TypeError) as exc:
                raise RuntimeError(f"{problem}: {exc}") from exc
            _signers.clear()  # one signing key at a time
            _signers[cache_key] = signer
        return signer


def sign_pdf(pdf: bytes, *, key_path: Path, cert_path: Path) -> bytes:
    """An invisible PAdES baseline signature as an incremental update of `pdf`."""
    signer = _signer(key_path, cert_path)
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    metadata = signers.PdfSignatureMetadata(
        field_name=FIELD_NAME, subfilter=fields.SigSeedSubFilter.PADES, md_algorithm="sha256",
        reason="Attestation of an approved clean vehicle credit filing",
        location="CVC portal")
    output = signers.PdfSigner(metadata, signer=signer).sign_pdf(writer)
    assert isinstance(output, io.BytesIO)
    return output.getvalue()


@dataclass(frozen=True)
class SignatureCheck:
    signed: bool
    intact: bool = False
    trusted: bool = False
    covers_whole_file: bool = False
    signer: str = ""
    problem: str = ""

    @property
    def valid(self) -> bool:
        return self.signed and self.intact and self.trusted and self.covers_whole_file


def check_portal_signature(pdf: bytes) -> SignatureCheck:
    """check_signature against the settings: CERTIFICATE_SIGNING_CERT, then every one of
    CERTIFICATE_PREVIOUS_CERTS."""
    return check_signature(pdf, cert_path=settings.CERTIFICATE_SIGNING_CERT,
                           previous_cert_paths=settings.CERTIFICATE_PREVIOUS_CERTS)


def _trust_roots(cert_paths: Sequence[Path]) -> list[asn1_x509.Certificate]:
    roots = []
    for path in cert_paths:
        try:
            loaded = x509.load_pem_x509_certificate(path.read_bytes())
        except (OSError, ValueError) as exc:
            raise RuntimeError(
                f"Could not load the signing certificate {path} that verification trusts "
                f"(CERTIFICATE_SIGNING_CERT or CERTIFICATE_PREVIOUS_CERTS): {exc}. Point the "
                "setting at a readable PEM certificate.") from exc
        roots.append(asn1_x509.Certificate.load(loaded.public_bytes(serialization.Encoding.DER)))
    return roots


def check_signature(pdf: bytes, *, cert_path: Path,
                    previous_cert_paths: Sequence[Path] = ()) -> SignatureCheck:
    """Whether `pdf` carries a signature over the whole file, unaltered, by the current signing
    certificate (`cert_path`) or one of the previous ones kept trusted after a key rotation.

    Each trusted certificate is itself the trust anchor: no chain to a CA, no revocation check,
    no timestamp (so an expired previous certificate still verifies what it signed)."""
    roots = _trust_roots([cert_path, *previous_cert_paths])  # a bad setting fails every check
    try:
        reader = PdfFileReader(io.BytesIO(pdf), strict=False)
        signatures = reader.embedded_signatures
    except Exception as exc:  # anything unreadable is simply "not a signed PDF"
        return SignatureCheck(signed=False, problem=f"not a readable PDF ({type(exc).__name__})")
    if not signatures:
        return SignatureCheck(signed=False, problem="the PDF carries no signature")
    context = ValidationContext(trust_roots=roots, allow_fetching=False)
    try:
        status = validate_pdf_signature(signatures[-1], context)
    except Exception as exc:  # a malformed signature is reported, not raised
        return SignatureCheck(signed=True, problem=f"the signature could not be checked ({exc})")
    signer = str(status.signing_cert.subject.human_friendly) if status.signing_cert else ""
    check = SignatureCheck(
        signed=True, intact=bool(status.intact), trusted=bool(status.trusted),
        covers_whole_file=status.coverage is not None and status.coverage.name == "ENTIRE_FILE",
        signer=signer)
    return replace(check, problem=_signature_problem(check))


def _signature_problem(check: SignatureCheck) -> str:
    if not check.intact:
        return "the file was changed after it was signed"
    if not check.trusted:
        return (f"signed by {check.signer or 'an unnamed certificate'}, which is neither the "
                "portal's signing certificate nor a previous one it still trusts")
    if not check.covers_whole_file:
        return "the signature does not cover the whole file (something was added after it)"
    return ""
