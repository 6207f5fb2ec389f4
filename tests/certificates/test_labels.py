"""The certificate's labels are complete: each in English and Japanese, every requirement the
engine reports and every status named in Japanese too."""

from __future__ import annotations

from filings.certificates.labels import LABELS, LANGUAGES, REQUIREMENTS_JA, STATUSES_JA
from filings.presentation import _status
from filings.rules.labels import REQUIREMENT_LABELS


def test_every_label_has_its_english_and_its_japanese():
    for key, label in LABELS.items():
        assert label.en.strip() and label.ja.strip(), key
        assert label.en != label.ja, key


def test_every_requirement_the_engine_reports_has_a_japanese_name():
    assert set(REQUIREMENTS_JA) == set(REQUIREMENT_LABELS)


def test_every_status_a_requirement_shows_has_a_japanese_name():
    statuses = {_status(details)[0] for details in (
        {"applies": True, "met": True}, {"applies": True, "met": False}, {"applies": False})}
    assert statuses == set(STATUSES_JA)


def test_english_is_the_first_language_offered():
    assert next(iter(LANGUAGES)) == "en"
