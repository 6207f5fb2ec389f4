"""The bundled fonts are what `fontsubset.py` makes of Debian's fonts, byte for byte, and the
Japanese subset holds exactly the Japanese labels' characters."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from fontTools.ttLib import TTFont  # type: ignore[import-untyped]

from filings.certificates import fontsubset
from filings.certificates.fetcher import ASSETS
from filings.certificates.labels import japanese_characters

REGENERATE = "run `python -m filings.certificates.fontsubset` and commit the fonts"


def _sources() -> list[tuple[Path, str, str, object]]:
    dejavu = [(fontsubset.DEFAULT_SOURCE / name, bundled, sha256, fontsubset.subset_font)
              for name, (bundled, sha256) in fontsubset.FONTS.items()]
    cjk = [(fontsubset.DEFAULT_CJK_SOURCE / name, bundled, sha256, fontsubset.subset_cjk_font)
           for name, (bundled, sha256) in fontsubset.CJK_FONTS.items()]
    return dejavu + cjk


@pytest.mark.parametrize(("source", "bundled", "sha256", "cut"), _sources(),
                         ids=lambda value: value if isinstance(value, str) and "." in value
                         else "")
def test_each_bundled_font_is_the_subset_of_the_debian_font(source, bundled, sha256, cut,
                                                            tmp_path):
    # Fails rather than skips: without Debian's font the bundled subset could not be checked.
    assert source.is_file(), (f"{source} is missing: apt-get install fonts-dejavu-core "
                              "fonts-noto-cjk (.ci/run installs them)")
    assert hashlib.sha256(source.read_bytes()).hexdigest() == sha256, \
        f"{source} is not the release fontsubset.py names"

    cut(source, tmp_path / bundled)

    assert (tmp_path / bundled).read_bytes() == (ASSETS / "fonts" / bundled).read_bytes(), \
        f"{bundled} is not what fontsubset.py makes: {REGENERATE}"


@pytest.mark.parametrize("bundled", [b for b, _ in fontsubset.CJK_FONTS.values()])
def test_the_japanese_subset_holds_exactly_the_japanese_labels_characters(bundled):
    font = TTFont(ASSETS / "fonts" / bundled)

    assert set(font["cmap"].getBestCmap()) == {ord(c) for c in japanese_characters()}, \
        f"the Japanese labels changed: {REGENERATE}"
    assert font["name"].getDebugName(1) == "Noto Sans CJK JP"
    assert "Adobe" in font["name"].getDebugName(0)  # the notices are kept


def test_every_bundled_font_has_its_licence_beside_it():
    fonts = ASSETS / "fonts"
    assert (fonts / "LICENSE-DejaVu.txt").is_file()
    assert "SIL OPEN FONT LICENSE Version 1.1" in (fonts / "LICENSE-NotoSansCJK.txt").read_text()
