"""Regenerate the certificate's bundled fonts: DejaVu Sans, Sans Bold and Sans Mono cut down to
the scripts a certificate prints (Latin, Greek, Cyrillic, punctuation and common symbols).

    python -m filings.certificates.fontsubset [SOURCE_DIR]

SOURCE_DIR holds the full DejaVu 2.37 TrueType files (default: Debian's fonts-dejavu-core,
/usr/share/fonts/truetype/dejavu). Their SHA-256 is checked, so the committed subsets always come
from the same upstream files. The full fonts are 0.34-0.76 MB each and mostly hold glyphs a
certificate never prints, and WeasyPrint copies and subsets the whole font for every PDF it
writes; the subsets (`assets/fonts/*-subset.ttf`, 0.14-0.23 MB) are what is bundled. Every name
record (copyright, trademark and licence notices included) is kept; `fonts/LICENSE-DejaVu.txt`
applies. Glyph outlines, metrics, kerning and hinting are DejaVu's own, so the text sets as before.

A character outside these ranges (Hebrew, Arabic, CJK, ...) is taken from an installed system
font that has it, as characters the full DejaVu lacks always were.
"""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path

from fontTools import subset  # type: ignore[import-untyped]
from fontTools.ttLib import TTFont  # type: ignore[import-untyped]

from filings.certificates.fetcher import ASSETS

DEFAULT_SOURCE = Path("/usr/share/fonts/truetype/dejavu")
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
    font = TTFont(str(source), recalcTimestamp=False)
    subsetter = subset.Subsetter(_options())
    subsetter.populate(unicodes=subset.parse_unicodes(UNICODES))
    subsetter.subset(font)
    font.save(str(target))


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    source_dir = Path(args[0]) if args else DEFAULT_SOURCE
    for name, (bundled, sha256) in FONTS.items():
        source = source_dir / name
        digest = hashlib.sha256(source.read_bytes()).hexdigest()
        if digest != sha256:
            print(f"{source}: SHA-256 {digest}, expected DejaVu 2.37's {sha256}", file=sys.stderr)
            return 1
        subset_font(source, TARGET / bundled)
        print(f"{TARGET / bundled}: {(TARGET / bundled).stat().st_size:,} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
