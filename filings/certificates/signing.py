"""PAdES B-LTA signatures with pyHanko: sign a rendered certificate (a signature timestamped by the
configured TSA, the chain's OCSP responses and CRLs embedded in a DSS, then a document
timestamp), and check an uploaded one against the configured trust roots only.

Settings (portal/settings.py, docs/operations.md "Signing"): CERTIFICATE_SIGNING_KEY (a PEM key,
or a PKCS#12 bundle holding the key, its certificate and chain), CERTIFICATE_SIGNING_KEY_PASSPHRASE,
CERTIFICATE_SIGNING_CERT and CERTIFICATE_SIGNING_CHAIN (PEM, unused with PKCS#12),
CERTIFICATE_TSA_URL, CERTIFICATE_TRUST_ROOTS (PEM paths). CERTIFICATE_PREVIOUS_CERTS lists
certificates trusted as anchors of their own (PDFs signed before the PKI, by a self-signed key).
Signing never falls back to an unsigned or untimestamped PDF: an unreachable TSA, OCSP responder
or CRL repository raises, and the certificate ends certificate_failed (an approver retries).
`make demo`, the tests and CI run the local PKI (portal/pki).
"""
from __future__ import annotations

import asyncio
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
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.metadata.model import VENDOR
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers
from pyhanko.sign.ades.report import AdESPassed
from pyhanko.sign.diff_analysis import ModificationLevel
from pyhanko.sign.timestamps import HTTPTimeStamper
from pyhanko.sign.validation import (
    EmbeddedPdfSignature,
    validate_pdf_signature,
)
from pyhanko.sign.validation.ades import (
    ades_lta_validation,
    simulate_future_ades_lta_validation,
)
from pyhanko.sign.validation.policy_decl import (
    PdfSignatureValidationSpec,
    RevinfoOnlineFetchingRule,
    RevocationInfoGatheringSpec,
    SignatureValidationSpec,
)
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.context import CertValidationPolicySpec
from pyhanko_certvalidator.fetchers.requests_fetchers import RequestsFetcherBackend
from pyhanko_certvalidator.policy_decl import CertRevTrustPolicy, RevocationCheckingPolicy
from pyhanko_certvalidator.registry import SimpleCertificateStore, SimpleTrustManager
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

    def __init__(self, *, key_data: bytes, cert_data: bytes, passphrase: bytes | None = None,
                 chain: Sequence[asn1_x509.Certificate] = ()) -> None:
        load = (serialization.load_pem_private_key if pem.detect(key_data)
                else serialization.load_der_private_key)
        private_key = load(key_data, password=passphrase)
        certificates = list(load_certs_from_pemder_data(cert_data))
        if len(certificates) != 1:
            raise ValueError(f"{len(certificates)} certificates where one was expected")
        signing_key = asn1_keys.PrivateKeyInfo.load(private_key.private_bytes(
            serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption()))
        registry = SimpleCertificateStore.from_certs(chain)  # type: ignore[no-untyped-call]
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


# The worker keeps its signer, found by the SHA-256 of the key, certificate and chain files'
# contents: a replaced key or certificate is picked up by the next signature.
_signers: dict[tuple[bytes, ...], signers.SimpleSigner] = {}
_signers_lock = threading.Lock()


@dataclass(frozen=True)
class SigningSetup:
    """Everything `sign_pdf` needs; `SigningSetup.from_settings()` reads the portal's settings."""

    key_path: Path
    cert_path: Path | None
    chain_paths: tuple[Path, ...] = ()
    tsa_url: str = ""
    trust_roots: tuple[Path, ...] = ()
    passphrase: str = ""
    timeout: float = 10.0

    @classmethod
    def from_settings(cls) -> SigningSetup:
        return cls(key_path=Path(settings.CERTIFICATE_SIGNING_KEY),
                   cert_path=Path(settings.CERTIFICATE_SIGNING_CERT)
                   if settings.CERTIFICATE_SIGNING_CERT else None,
                   chain_paths=tuple(settings.CERTIFICATE_SIGNING_CHAIN),
                   tsa_url=settings.CERTIFICATE_TSA_URL,
                   trust_roots=tuple(settings.CERTIFICATE_TRUST_ROOTS),
                   passphrase=settings.CERTIFICATE_SIGNING_KEY_PASSPHRASE,
                   timeout=settings.CERTIFICATE_PKI_TIMEOUT)


def _is_pkcs12(path: Path) -> bool:
    return path.suffix.lower() in {".p12", ".pfx"}


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise RuntimeError(f"Could not read the signing material {path}: {exc}") from exc


def _signer(setup: SigningSetup) -> signers.SimpleSigner:
    problem = f"Could not load the signing key {setup.key_path}"
    paths = [setup.key_path, *([setup.cert_path] if setup.cert_path and not _is_pkcs12(
        setup.key_path) else []), *setup.chain_paths]
    contents = [_read(path) for path in paths]
    cache_key = (*(hashlib.sha256(c).digest() for c in contents), setup.passphrase.encode())
    with _signers_lock:
        signer = _signers.get(cache_key)
        if signer is None:
            try:
                signer = _load_signer(setup, contents)
            except (ValueError, TypeError) as exc:
                raise RuntimeError(f"{problem}: {exc}") from exc
            _signers.clear()  # one signing key at a time
            _signers[cache_key] = signer
        return signer


def _load_signer(setup: SigningSetup, contents: list[bytes]) -> signers.SimpleSigner:
    passphrase = setup.passphrase.encode() or None
    if _is_pkcs12(setup.key_path):
        signer = signers.SimpleSigner.load_pkcs12_data(contents[0], other_certs=[
            cert for data in contents[1:] for cert in load_certs_from_pemder_data(data)],
            passphrase=passphrase)
        if signer is None:
            raise ValueError("not a PKCS#12 bundle with a key and its certificate")
        assert isinstance(signer, signers.SimpleSigner)
        return signer
    if setup.cert_path is None:
        raise ValueError("CERTIFICATE_SIGNING_CERT is not set")
    return _KeptKeySigner(key_data=contents[0], cert_data=contents[1], passphrase=passphrase,
                          chain=[cert for data in contents[2:]
                                 for cert in load_certs_from_pemder_data(data)])


def _certificates(paths: Sequence[Path], what: str) -> list[asn1_x509.Certificate]:
    certificates = []
    for path in paths:
        try:
            loaded = list(load_certs_from_pemder_data(path.read_bytes()))
        except (OSError, ValueError) as exc:
            raise RuntimeError(f"Could not load {path}, {what}: {exc}. Point the setting at a "
                               "readable PEM certificate.") from exc
        if not loaded:
            raise RuntimeError(f"Could not load {path}, {what}: no certificate in it.")
        certificates.extend(loaded)
    return certificates


def sign_pdf(pdf: bytes, setup: SigningSetup | None = None) -> bytes:
    """`pdf` signed PAdES B-LTA as incremental updates: the signature with an RFC 3161 timestamp
    from setup.tsa_url, the chain's validation data (fetched now from its OCSP responder and CRL
    repositories) in the DSS, then a document timestamp. Raises when any of that fails."""
    setup = setup or SigningSetup.from_settings()
    if not setup.tsa_url:
        raise RuntimeError("CERTIFICATE_TSA_URL is not set: certificates are only issued with a "
                           "timestamp (make demo and the tests start the local PKI, portal/pki).")
    if not setup.trust_roots:
        raise RuntimeError("CERTIFICATE_TRUST_ROOTS is not set: the signing certificate's chain "
                           "must end at a configured root.")
    signer = _signer(setup)
    roots = _certificates(setup.trust_roots, "a trust root (CERTIFICATE_TRUST_ROOTS)")
    context = ValidationContext(
        trust_roots=roots, other_certs=list(signer.cert_registry), allow_fetching=True,
        revocation_mode="hard-fail", fetcher_backend=RequestsFetcherBackend(
            per_request_timeout=setup.timeout))
    timestamper = HTTPTimeStamper(setup.tsa_url, timeout=setup.timeout)
    metadata = signers.PdfSignatureMetadata(
        field_name=FIELD_NAME, subfilter=fields.SigSeedSubFilter.PADES, md_algorithm="sha256",
        reason="Attestation of an approved clean vehicle credit filing",
        location="CVC portal", embed_validation_info=True, use_pades_lta=True,
        validation_context=context)
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    _producer_as_xmp_will_say(writer)
    output = signers.PdfSigner(metadata, signer=signer, timestamper=timestamper).sign_pdf(writer)
    assert isinstance(output, io.BytesIO)
    return output.getvalue()


def _producer_as_xmp_will_say(writer: IncrementalPdfFileWriter) -> None:
    """pyHanko's update writes its own name as the XMP pdf:Producer but appends it to /Info's
    Producer ("WeasyPrint N; pyHanko M"), and PDF/A wants the two equal: the signed file's
    producer is pyHanko's (the last writer), in both places."""
    info = writer.trailer["/Info"].get_object() if "/Info" in writer.trailer else None
    if info is not None:
        info["/Producer"] = generic.TextStringObject(VENDOR)
        writer.update_container(info)


def sign_detached_cms(data: bytes, setup: SigningSetup | None = None) -> bytes:
    """A DER CMS SignedData over `data`, detached, by the portal's key with its chain and an
    RFC 3161 signature timestamp from setup.tsa_url (the exam dossier's manifest is signed so)."""
    setup = setup or SigningSetup.from_settings()
    if not setup.tsa_url:
        raise RuntimeError("CERTIFICATE_TSA_URL is not set: signatures are only made with a "
                           "timestamp (make demo and the tests start the local PKI, portal/pki).")
    signer = _signer(setup)
    timestamper = HTTPTimeStamper(setup.tsa_url, timeout=setup.timeout)
    signed = asyncio.run(signer.async_sign_general_data(data, "sha256", detached=True,
                                                        timestamper=timestamper))
    der: bytes = signed.dump()
    return der


@dataclass(frozen=True)
class SignatureCheck:
    """What `check_signature` found in a PDF. The verification page (filings/certificates/views.py
    `_check_upload`, templates/certificates/verify.html) and `manage.py certificates_verify` read
    these fields; `valid` is the verdict they show.

    signed: the PDF carries a (non-timestamp) signature.
    intact: the bytes it signed are unchanged.
    trusted: the signing certificate chains to a configured trust root (CERTIFICATE_TRUST_ROOTS),
        or is one of CERTIFICATE_PREVIOUS_CERTS; as of the signature's timestamp when the long-term
        validation passes, so it stays true after the signing certificate expires.
    covers_whole_file: after the signature only validation data and document timestamps were
        added (PAdES LTA updates), and nothing follows the last of them.
    signer: the signing certificate's subject, human-readable.
    problem: why it is not valid, in a sentence ("" when it is).
    timestamped: the signature carries an RFC 3161 timestamp that validates against the roots.
    ltv: PAdES B-LTA: validates offline (fetching disabled) from the embedded validation data,
        its document timestamp chain included.
    signer_sha256: the SHA-256 fingerprint of the signing certificate (hex, upper case, colons).
    signing_time: the signature timestamp's time (else the time the signer claimed), UTC.
    """

    signed: bool
    intact: bool = False
    trusted: bool = False
    covers_whole_file: bool = False
    signer: str = ""
    problem: str = ""
    timestamped: bool = False
    ltv: bool = False
    signer_sha256: str = ""
    signing_time: dt.datetime | None = None

    @property
    def valid(self) -> bool:
        return self.signed and self.intact and self.trusted and self.covers_whole_file


def check_portal_signature(pdf: bytes, *, moment: dt.datetime | None = None) -> SignatureCheck:
    """check_signature against the settings: CERTIFICATE_TRUST_ROOTS, and every one of
    CERTIFICATE_PREVIOUS_CERTS as an anchor of its own."""
    return check_signature(pdf, trust_roots=settings.CERTIFICATE_TRUST_ROOTS,
                           previous_cert_paths=settings.CERTIFICATE_PREVIOUS_CERTS, moment=moment)


def _fingerprint(certificate: asn1_x509.Certificate) -> str:
    return ":".join(f"{b:02X}" for b in hashlib.sha256(certificate.dump()).digest())


def check_signature(pdf: bytes, *, trust_roots: Sequence[Path] = (),
                    previous_cert_paths: Sequence[Path] = (),
                    moment: dt.datetime | None = None) -> SignatureCheck:
    """Whether `pdf` carries an intact portal signature that chains to one of `trust_roots` (or
    is by one of `previous_cert_paths`), timestamped, with its validation data embedded.

    Never fetches anything: what is embedded must be enough. `moment` (default: now) is when
    the long-term validation runs, e.g. after the signing certificate expired."""
    roots = [*_certificates(trust_roots, "a trust root (CERTIFICATE_TRUST_ROOTS)"),
             *_certificates(previous_cert_paths,
                            "a previous signing certificate (CERTIFICATE_PREVIOUS_CERTS)")]
    try:
        reader = PdfFileReader(io.BytesIO(pdf), strict=False)
        signatures = reader.embedded_regular_signatures
    except Exception as exc:  # anything unreadable is simply "not a signed PDF"
        return SignatureCheck(signed=False, problem=f"not a readable PDF ({type(exc).__name__})")
    if not signatures:
        return SignatureCheck(signed=False, problem="the PDF carries no signature")
    signature = signatures[-1]
    context = ValidationContext(trust_roots=roots, allow_fetching=False,
                                revocation_mode="soft-fail", moment=moment)
    try:
        status = validate_pdf_signature(signature, context, ts_validation_context=context)
    except Exception as exc:  # a malformed signature is reported, not raised
        return SignatureCheck(signed=True, problem=f"the signature could not be checked ({exc})")
    ltv = status.intact and _long_term_valid(signature, roots, moment)
    timestamp = status.timestamp_validity
    timestamped = timestamp is not None and bool(timestamp.intact and timestamp.valid
                                                 and timestamp.trusted)
    cert = status.signing_cert
    level = status.modification_level
    check = SignatureCheck(
        signed=True, intact=bool(status.intact),
        trusted=bool(status.intact and status.valid and (status.trusted or ltv)),
        covers_whole_file=bool(level is not None and level <= ModificationLevel.LTA_UPDATES
                               and status.docmdp_ok is not False),
        signer=str(cert.subject.human_friendly) if cert else "",
        timestamped=timestamped, ltv=ltv,
        signer_sha256=_fingerprint(cert) if cert else "",
        signing_time=timestamp.timestamp if timestamp else status.signer_reported_dt)
    return replace(check, problem=_signature_problem(check))


def _long_term_valid(signature: EmbeddedPdfSignature, roots: list[asn1_x509.Certificate],
                     moment: dt.datetime | None) -> bool:
    """PAdES LTA validation (ETSI EN 319 102-1 5.6.3) from what the PDF embeds, fetching nothing.

    Now, when `moment` is None. At a later `moment` (after the signing certificate expired, say):
    pyHanko's simulate_future_ades_lta_validation, which assumes the document timestamp chain is
    kept up (a new document timestamp before the TSA's certificate expires, docs/verifying.md)
    and checks that the embedded data is then enough."""
    policy = CertValidationPolicySpec(
        trust_manager=SimpleTrustManager.build(trust_roots=roots),
        revinfo_policy=CertRevTrustPolicy(RevocationCheckingPolicy.from_legacy("hard-fail")))
    spec = PdfSignatureValidationSpec(SignatureValidationSpec(
        cert_validation_policy=policy,
        revinfo_gathering_policy=RevocationInfoGatheringSpec(
            online_fetching_rule=RevinfoOnlineFetchingRule.LOCAL_ONLY)))
    try:
        result = asyncio.run(
            ades_lta_validation(signature, spec) if moment is None
            else simulate_future_ades_lta_validation(signature, spec, moment))
    except Exception:  # a broken chain of timestamps is "not long-term valid", not a crash
        return False
    return result.ades_subindic == AdESPassed.OK


def _signature_problem(check: SignatureCheck) -> str:
    if not check.intact:
        return "the file was changed after it was signed"
    if not check.trusted:
        return (f"signed by {check.signer or 'an unnamed certificate'}, whose certificate does "
                "not chain to a root the portal trusts")
    if not check.covers_whole_file:
        return "the signature does not cover the whole file (something was added after it)"
    return ""
