"""The manifest's signature: timestamped when a TSA is configured, without one otherwise."""

from __future__ import annotations

from asn1crypto import cms  # type: ignore[import-untyped]
from pyhanko.keys import load_cert_from_pemder, load_private_key_from_pemder
from pyhanko.sign.timestamps import DummyTimeStamper, HTTPTimeStamper

from filings.dossiers import signature


def _unsigned_attributes(p7s: bytes) -> list[str]:
    signer_info = cms.ContentInfo.load(p7s)["content"]["signer_infos"][0]
    attributes = signer_info["unsigned_attrs"]
    return [] if attributes.native is None else [a["type"].native for a in attributes]


def test_without_a_tsa_the_signature_has_no_timestamp(settings):
    settings.CERTIFICATE_TSA_URL = ""
    assert signature._timestamper() is None
    p7s = signature.sign_detached(b"{}")
    assert "signature_time_stamp_token" not in _unsigned_attributes(p7s)
    trusted = signature.load_trusted(signature.portal_certificate_paths())
    result = signature.check_detached(b"{}", p7s, trusted)
    assert result.valid and not result.timestamped
    assert not signature.check_detached(b"{ }", p7s, trusted).intact


def test_with_a_tsa_url_the_signature_asks_it_for_a_timestamp(settings, monkeypatch,
                                                               signing_material):
    settings.CERTIFICATE_TSA_URL = "http://tsa.example/"
    assert isinstance(signature._timestamper(), HTTPTimeStamper)
    key, cert = signing_material
    stamper = DummyTimeStamper(tsa_cert=load_cert_from_pemder(str(cert)),
                               tsa_key=load_private_key_from_pemder(str(key), None))
    monkeypatch.setattr(signature, "_timestamper", lambda: stamper)
    p7s = signature.sign_detached(b"{}")
    assert "signature_time_stamp_token" in _unsigned_attributes(p7s)
