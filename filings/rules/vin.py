"""VIN checks under 49 CFR 565.15: length, alphabet, check digit, model-year code."""

from __future__ import annotations

from filings.rules.text import N_, Text, text

VIN_LENGTH = 17
TRANSLITERATION = {
    **{str(d): d for d in range(10)},
    "A": 1, "B": 2, "C": 3, "D": 4, "E": 5, "F": 6, "G": 7, "H": 8,
    "J": 1, "K": 2, "L": 3, "M": 4, "N": 5, "P": 7, "R": 9,
    "S": 2, "T": 3, "U": 4, "V": 5, "W": 6, "X": 7, "Y": 8, "Z": 9,
}
WEIGHTS = (8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2)
# Position 10 cycles through these 30 codes, 1980 = "A", 2010 = "A" again (49 CFR 565.15(d)).
_YEAR_CODES = "ABCDEFGHJKLMNPRSTVWXY123456789"


def check_digit(vin: str) -> str:
    """The check digit (position 9) that `vin` should carry: 0-9 or X."""
    total = sum(TRANSLITERATION[ch] * weight for ch, weight in zip(vin, WEIGHTS, strict=True))
    remainder = total % 11
    return "X" if remainder == 10 else str(remainder)


_WRONG_LENGTH = N_("has %(length)s characters; a VIN has exactly %(expected)s")
_BAD_CHARACTERS = N_("contains %(characters)s; a VIN uses only digits and the letters A-Z except I, O, Q")
_BAD_CHARACTERS_IOQ = N_(
    "contains %(characters)s; a VIN uses only digits and the letters A-Z except I, O, Q "
    "(I, O and Q are never used; read them as 1, 0 and 0)")
_BAD_CHECK_DIGIT = N_(
    "check digit (9th character) is %(found)s but the other characters give %(expected)s")


def vin_problem(vin: str) -> str | None:
    """Why `vin` is not a valid VIN, in words a person can act on; None when it is valid."""
    problem = vin_problem_text(vin)
    return None if problem is None else problem.render()


def vin_problem_text(vin: str) -> Text | None:
    """`vin_problem` as a translatable Text."""
    if len(vin) != VIN_LENGTH:
        return text(_WRONG_LENGTH, length=str(len(vin)), expected=str(VIN_LENGTH))
    bad = sorted({ch for ch in vin if ch not in TRANSLITERATION})
    if bad:
        shown = ", ".join(repr(ch) for ch in bad)
        return text(_BAD_CHARACTERS_IOQ if set(bad) & set("IOQ") else _BAD_CHARACTERS,
                    characters=shown)
    expected = check_digit(vin)
    if vin[8] != expected:
        return text(_BAD_CHECK_DIGIT, found=repr(vin[8]), expected=repr(expected))
    return None


def model_year_code(model_year: int) -> str:
    return _YEAR_CODES[(model_year - 1980) % len(_YEAR_CODES)]
