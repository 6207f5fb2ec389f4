"""Regenerate the certificate's bundled fonts: DejaVu Sans, Sans Bold and Sans Mono cut down to
the scripts a certificate prints (Latin, Greek, Cyrillic, punctuation and common symbols), and
Noto Sans CJK JP Regular and Bold cut down to exactly the characters of the Japanese labels.

    python -m filings.certificates.fontsubset [SOURCE_DIR] [--cjk CJK_DIR]

SOURCE_DIR holds the full DejaVu 2.37 TrueType files (default: Debian's fonts-dejavu-core,
/usr/share/fonts/truetype/dejavu); CJK_DIR the Noto Sans CJK collections (default: Debian's
fonts-noto-cjk 1:20220127, /usr/share/fonts/opentype/noto), of which the Japanese face is taken.
Their SHA-256 is checked, so the committed subsets always come from the same upstream files. The
full fonts are 0.34-0.76 MB each (the CJK collections 19-20 MB) and mostly hold glyphs a
certificate never prints, and WeasyPrint copies and subsets the whole font for every PDF it
writes; the subsets (`assets/fonts/*-subset.*`) are what is bundled. Every name record
(copyright, trademark and licence notices included) is kept; `fonts/LICENSE-DejaVu.txt` and
`fonts/LICENSE-NotoSansCJK.txt` apply. Glyph outlines, metrics, kerning and hinting are the
fonts' own, so the text sets as before.

The Japanese subset follows `labels.py`: change a Japanese label and run this again (a test
fails until then). Japanese in the filing's own text (a name, a file name) is not covered by it:
a character outside the bundled fonts is taken from an installed system font that has it, as
characters the full DejaVu lacks always were.
"""

from __future__ import annotations

import argparse
import hashlib
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from fontTools import subset  # type: ignore[import-untyped]
from fontTools.ttLib import TTFont  # type: ignore[import-untyped]

from filings.certificates.fetcher import ASSETS
from filings.certificates.labels import japanese_characters

DEFAULT_SOURCE = Path("/usr/share/fonts/truetype/dejavu")
DEFAULT_CJK_SOURCE = Path("/usr/share/fonts/opentype/noto")
TARGET = ASSETS / "fonts"

# Source file -> (bundled file, SHA-256 of DejaVu 2.37's file).
FONTS = {
    "DejaVuSans.ttf": (
        "DejaVuSans-subset.ttf",
        "abdc775b21b1bc470d50c97e790d276f2054b7504e56e5bd3e64f48d68582322"),
    "DejaVuSans-Bold.ttf": (
        "DejaVuSans-Bold-subset.ttf",
        "0d977336a6d5fba34eab8e3199eb218327161b5143749f802982c2bc34df0c96"),
    "DejaVuSansMono.ttf": (
        "DejaVuSansMono-subset.ttf",
        "0f5db4f1749979d961019838b160bec74abdf7f9eca69553fe1aa856bbff49a4"),
}
# Source collection -> (bundled file, SHA-256 of fonts-noto-cjk 1:20220127's file). The
# Japanese face is the collection's first (CJK_FACE), "Noto Sans CJK JP".
CJK_FONTS = {
    "NotoSansCJK-Regular.ttc": (
        "NotoSansCJKjp-Regular-subset.otf",
        "b76b0433203017ca80401b2ee0dd69350349871c4b19d504c34dbdd80541690a"),
    "NotoSansCJK-Bold.ttc": (
        "NotoSansCJKjp-Bold-subset.otf",
        "faa5f3656a78b2e2d450d27fe8382c778bc2b6bb5ea29c986664a6a435056ceb"),
}
CJK_FACE = 0

# Basic Latin, Latin-1, Latin Extended-A and -B, spacing modifiers, combining diacritics, Greek,
# Cyrillic, Latin Extended Additional, general punctuation, super- and subscripts, currency,
# letterlike symbols, number forms, arrows, mathematical operators, geometric shapes, the Latin
# ligatures and the replacement character.
UNICODES = ("U+0020-007E,U+00A0-024F,U+02B0-036F,U+0370-03FF,U+0400-04FF,U+1E00-1EFF,"
            "U+2000-206F,U+2070-209F,U+20A0-20CF,U+2100-218F,U+2190-21FF,U+2200-22FF,"
            "U+25A0-25FF,U+FB00-FB06,U+FFFD")


def _options() -> subset.Options:
    options = subset.Options()
    options.layout_features = ["*"]  # kerning, ligatures, marks: the text sets as before
    options.name_IDs = ["*"]  # every notice stays in the font
    options.name_languages = ["*"]
    options.name_legacy = True
    options.notdef_outline = True
    options.hinting = True
    options.drop_tables += ["FFTM", "MATH"]  # FontForge's timestamps; math layout is unused
    return options


def subset_font(source: Path, target: Path) -> None:
    """A DejaVu subset: the scripts of `UNICODES`."""
    _subset(TTFont(str(source), recalcTimestamp=False), subset.parse_unicodes(UNICODES), target)


def subset_cjk_font(source: Path, target: Path) -> None:
    """A Noto Sans CJK JP subset: exactly the characters of the Japanese labels."""
    font = TTFont(str(source), fontNumber=CJK_FACE, recalcTimestamp=False)
    _subset(font, [ord(c) for c in japanese_characters()], target)


def _subset(font: TTFont, unicodes: list[int], target: Path) -> None:
    subsetter = subset.Subsetter(_options())
    subsetter.populate(unicodes=unicodes)
    subsetter.subset(font)
    font.save(str(target))


@dataclass(frozen=True)
class _Source:
    """Where one set of fonts comes from, and how each is cut down."""

    what: str
    folder: Path
    fonts: dict[str, tuple[str, str]]
    cut: Callable[[Path, Path], None]


def _regenerate(source: _Source) -> bool:
    for name, (bundled, sha256) in source.fonts.items():
        path = source.folder / name
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        if digest != sha256:
            print(f"{path}: SHA-256 {digest}, expected {source.what}'s {sha256}", file=sys.stderr)
            return False
        source.cut(path, TARGET / bundled)
        print(f"{TARGET / bundled}: {(TARGET / bundled).stat().st_size:,} bytes")
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m filings.certificates.fontsubset")
    parser.add_argument("source_dir", nargs="?", type=Path, default=DEFAULT_SOURCE,
                        help="the DejaVu 2.37 TrueType files")
    parser.add_argument("--cjk", type=Path, default=DEFAULT_CJK_SOURCE,
                        help="the Noto Sans CJK collections (fonts-noto-cjk 1:20220127)")
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    sources = (_Source("DejaVu 2.37", args.source_dir, FONTS, subset_font),
               _Source("fonts-noto-cjk 1:20220127", args.cjk, CJK_FONTS, subset_cjk_font))
    return 0 if all(_regenerate(source) for source in sources) else 1


if __name__ == "__main__":
    sys.exit(main())
