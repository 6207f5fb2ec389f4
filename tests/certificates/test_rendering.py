"""What a worker keeps between certificates: the parsed stylesheet with its fonts, and the
loaded signing key. Kept, they must still be loaded the locked way, and be replaced when the
files change."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import zlib
from dataclasses import replace

import pytest
import segno

from filings.certificates import rendering, signing
from filings.certificates.content import assessment_json, certificate_context, verify_url
from filings.certificates.fetcher import ASSETS, LockedFetcher
from filings.certificates.qr import QUIET_ZONE, qr_svg
from filings.certificates.signing import SigningSetup, check_signature, sign_pdf
from tests.certificates.conftest import issue, pdf_bytes


class RecordingFetcher(LockedFetcher):
    instances: list[RecordingFetcher] = []

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        RecordingFetcher.instances.append(self)


@pytest.fixture
def fresh_styles(monkeypatch):
    """Forget the process's stylesheet for one test (restored afterwards)."""
    monkeypatch.setattr(rendering, "_styles", None)
    RecordingFetcher.instances = []
    monkeypatch.setattr(rendering, "LockedFetcher", RecordingFetcher)


def _render(certificate) -> bytes:
    return rendering.render_pdf(certificate_context(certificate),
                                assessment_json=assessment_json(certificate))


def test_the_stylesheet_and_its_fonts_load_once_through_the_locked_fetcher(approved, fresh_styles):
    certificate = approved.certificates.get()

    _render(certificate)
    built = rendering._styles
    _render(certificate)

    assert rendering._styles is built  # the second render reused it
    loaders = [f for f in RecordingFetcher.instances if rendering.STYLESHEET.as_uri() in f.fetched]
    fonts = re.findall(r"url\((fonts/[^)]+)\)", rendering.STYLESHEET.read_text())
    assert len(loaders) == 1 and loaders[0].refused == []
    assert sorted(loaders[0].fetched) == sorted(
        [rendering.STYLESHEET.as_uri()] + [(ASSETS / font).as_uri() for font in fonts])
    # Each render had its own locked fetcher for the document: the QR code only.
    renders = [f for f in RecordingFetcher.instances if f not in loaders]
    assert [[url[:26] for url in f.fetched] for f in renders] == [["data:image/svg+xml;base64,"]] * 2


def test_every_font_the_stylesheet_names_is_bundled_and_embedded(approved):
    fonts = re.findall(r'font-family: "([^"]+)"; src: url\((fonts/[^)]+)\)',
                       rendering.STYLESHEET.read_text())
    assert {family for family, _ in fonts} == {"Cert Sans", "Cert Mono", "Cert Sans JP"}
    for _, path in fonts:
        assert (ASSETS / path).is_file()

    pdf = pdf_bytes(issue(approved))
    listing = subprocess.run(["pdffonts", "-"], input=pdf, capture_output=True).stdout.decode()
    for name in ("Cert-Sans", "Cert-Sans-Bold", "Cert-Mono"):
        assert re.search(rf"\+{name}\s", listing), name


def test_an_edited_stylesheet_or_font_is_loaded_again(approved, fresh_styles, monkeypatch):
    certificate = approved.certificates.get()
    _render(certificate)
    built = rendering._styles
    assert built is not None

    monkeypatch.setattr(rendering, "_stylesheet_version", lambda: (("certificate.css", 1, 0),))
    _render(certificate)

    assert rendering._styles is not built


def test_a_forked_process_builds_its_own_and_keeps_the_inherited_one(approved, fresh_styles,
                                                                      monkeypatch):
    certificate = approved.certificates.get()
    _render(certificate)
    inherited = rendering._styles
    monkeypatch.setattr(rendering, "_inherited", [])

    monkeypatch.setattr(os, "getpid", lambda: -1)
    _render(certificate)

    assert rendering._styles is not inherited and rendering._inherited == [inherited]


def test_the_qr_code_is_drawn_as_vector_shapes_not_an_image(approved, tmp_path):
    """No raster to smooth (and none for PDF/A's /Interpolate rule to catch): the page has no
    image at all; the code's modules are one filled path."""
    certificate = issue(approved)
    pdf = pdf_bytes(certificate)
    (tmp_path / "c.pdf").write_bytes(pdf)

    images = subprocess.run(["pdfimages", "-list", str(tmp_path / "c.pdf")], capture_output=True,
                            text=True, check=True).stdout.splitlines()[2:]
    assert images == []
    assert b"/Interpolate true" not in _inflated(pdf)
    code = segno.make(verify_url(certificate), error="m", micro=False)
    svg = qr_svg(verify_url(certificate))
    side = code.symbol_size(border=0)[0] + 2 * QUIET_ZONE
    assert f'viewBox="0 0 {side} {side}"' in svg and svg.count("<path") == 1


def _inflated(pdf: bytes) -> bytes:
    """The PDF with its Flate streams decompressed (image dictionaries sit in object streams)."""
    parts = [pdf]
    for match in re.finditer(rb"stream\r?\n", pdf):
        try:
            parts.append(zlib.decompressobj().decompress(pdf[match.end():match.end() + 200_000]))
        except zlib.error:
            continue
    return b"".join(parts)


def test_the_bundled_fonts_cover_everything_a_certificate_prints(approved):
    """The subsets lose no character the template, the rulebooks (citations, messages) or the
    test data print."""
    from html import unescape
    from pathlib import Path

    from fontTools.ttLib import TTFont  # type: ignore[import-untyped]

    import filings.rules

    html = rendering.render_html(certificate_context(approved.certificates.get()))
    text = unescape(re.sub(r"<[^>]+>", " ", html.split("<body>", 1)[1]))
    for rulebook in (Path(filings.rules.__file__).parent / "data").glob("*.toml"):
        text += rulebook.read_text()
    needed = {ord(c) for c in text if c.isprintable() and not c.isspace()}
    for name in ("DejaVuSans-subset.ttf", "DejaVuSans-Bold-subset.ttf"):
        cmap = TTFont(ASSETS / "fonts" / name)["cmap"].getBestCmap()
        assert needed <= set(cmap), (name, sorted(chr(c) for c in needed - set(cmap)))
    mono = TTFont(ASSETS / "fonts" / "DejaVuSansMono-subset.ttf")["cmap"].getBestCmap()
    assert set(range(0x20, 0x7F)) <= set(mono)


# --- the signer ------------------------------------------------------------------------------

@pytest.fixture
def setup(tmp_path, local_pki):
    """The PKI's signing key and certificate, copied where a test may replace them."""
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    shutil.copy(local_pki.signing_key(), key)
    shutil.copy(local_pki.signing_cert(), cert)
    return SigningSetup(key_path=key, cert_path=cert, chain_paths=(local_pki.chain,),
                        tsa_url=local_pki.tsa_url, trust_roots=(local_pki.root_cert,))


def test_the_signer_is_loaded_once_and_signs_validly(approved, setup, monkeypatch):
    monkeypatch.setattr(signing, "_signers", {})
    pdf = _render(approved.certificates.get())

    first = sign_pdf(pdf, setup)
    kept = signing._signer(setup)
    second = sign_pdf(pdf, setup)

    assert signing._signer(setup) is kept and len(signing._signers) == 1
    for signed in (first, second):
        assert check_signature(signed, trust_roots=setup.trust_roots).valid


def test_a_replaced_key_and_certificate_are_loaded_again(approved, setup, monkeypatch,
                                                         local_pki):
    monkeypatch.setattr(signing, "_signers", {})
    kept = signing._signer(setup)
    shutil.copy(local_pki.signing_key("signer-2"), setup.key_path)  # the rotated pair
    shutil.copy(local_pki.signing_cert("signer-2"), setup.cert_path)
    pdf = _render(approved.certificates.get())

    signed = sign_pdf(pdf, setup)

    assert signing._signer(setup) is not kept
    check = check_signature(signed, trust_roots=setup.trust_roots)
    assert check.valid and "rotated key" in check.signer


def test_a_missing_or_broken_key_is_an_error_not_a_cached_failure(tmp_path, setup,
                                                                  monkeypatch):
    monkeypatch.setattr(signing, "_signers", {})
    broken = tmp_path / "broken.pem"
    broken.write_text("-----BEGIN PRIVATE KEY-----\nnot a key\n-----END PRIVATE KEY-----\n")

    for key in (tmp_path / "none.pem", broken):
        with pytest.raises(RuntimeError, match=r"Could not (load the signing key|read the signing)"):
            sign_pdf(b"%PDF-1.7", replace(setup, key_path=key))
    assert signing._signers == {}
