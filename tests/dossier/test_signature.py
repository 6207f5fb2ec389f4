"""The manifest's signature: by the portal's key with its chain, timestamped by the local PKI's
TSA, checked offline against the configured roots; never made without a timestamp."""

from __future__ import annotations

import pytest
from asn1crypto import cms  # type: ignore[import-untyped]

from filings.dossiers import signature


def _unsigned_attributes(p7s: bytes) -> list[str]:
    signer_info = cms.ContentInfo.load(p7s)["content"]["signer_infos"][0]
    attributes = signer_info["unsigned_attrs"]
    return [] if attributes.native is None else [a["type"].native for a in attributes]


def test_the_signature_is_timestamped_and_validates_against_the_root_only():
    p7s = signature.sign_detached(b"{}")
    assert "signature_time_stamp_token" in _unsigned_attributes(p7s)
    trusted = signature.load_trusted(signature.portal_certificate_paths())
    result = signature.check_detached(b"{}", p7s, trusted)
    assert result.valid and result.timestamped, result.problem
    changed = signature.check_detached(b"{ }", p7s, trusted)
    assert not changed.intact and "changed after it was signed" in changed.problem


def test_another_root_does_not_trust_it(tmp_path):
    from filings.certificates.signing import ensure_dev_signing_material

    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    ensure_dev_signing_material(key, cert)
    p7s = signature.sign_detached(b"{}")
    result = signature.check_detached(b"{}", p7s, signature.load_trusted([cert]))
    assert result.intact and not result.trusted
    assert "not a certificate this check trusts" in result.problem


def test_no_signature_is_made_without_a_timestamp(settings):
    settings.CERTIFICATE_TSA_URL = ""
    with pytest.raises(RuntimeError, match="CERTIFICATE_TSA_URL is not set"):
        signature.sign_detached(b"{}")
