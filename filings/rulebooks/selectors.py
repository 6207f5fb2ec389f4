"""Rulebook versions as records: which one is in force, and each one as an engine `Rulebook`.

The shipped file (`filings/rules/data/irc-30d.toml`) becomes the first published version the
first time the portal needs one; after that, amendments published from the console take over.
Published versions never change, so their parsed form is cached per process.
"""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone

from filings.rulebooks.models import RulebookStatus, RulebookVersion
from filings.rules import Rulebook, load_rulebook
from filings.rules.amend import Change, data_sha256, diff, rulebook_data, rulebook_from_data

SHIPPED_NOTE = "The rulebook shipped with the portal (filings/rules/data/irc-30d.toml)."


def rulebook_current() -> RulebookVersion:
    """The version in force: the latest published one (the shipped file when none is)."""
    current = published_versions().first()
    return current if current is not None else _seed_shipped()


def rulebook_in_force() -> Rulebook:
    """The engine's rulebook of the version in force: what new assessments run under (the
    lifecycle finds this function through `settings.ASSESSMENT_RULEBOOK`)."""
    return rulebook_of(rulebook_current())


def published_versions(rulebook_id: str | None = None) -> QuerySet[RulebookVersion]:
    """Published versions of the portal's rulebook, newest first."""
    return RulebookVersion.objects.filter(
        rulebook_id=rulebook_id or load_rulebook().id, status=RulebookStatus.PUBLISHED,
    ).order_by("-published_at", "-pk")


def rule_changes(record: RulebookVersion) -> list[Change]:
    """What a version changed in the rules against the version it amends; its own id, title
    and note aside. Empty for the first version."""
    if record.based_on is None:
        return []
    return [c for c in diff(record.based_on.data, record.data)
            if not c.path.startswith("rulebook.")]


def rulebook_of(record: RulebookVersion) -> Rulebook:
    """The engine's rulebook of a record; a published record's parse is cached by its hash."""
    if record.is_published:
        return rulebook_parsed(record)
    return rulebook_from_data(record.data, source=f"draft {record.version}")


def rulebook_parsed(record: RulebookVersion) -> Rulebook:
    """The record's rulebook, parsed once per process for its data's hash: for a published
    record, or a draft whose `data_sha256` the caller has just checked (an impact preview's
    chunks all parse the same draft)."""
    return _parsed(record.pk, record.data_sha256, record)


# Published data never changes, so (pk, sha256) names one parse; a small FIFO bounds memory.
_CACHE: dict[tuple[int, str], Rulebook] = {}


def _parsed(pk: int, sha256: str, record: RulebookVersion) -> Rulebook:
    key = (pk, sha256)
    if key not in _CACHE:
        if len(_CACHE) >= 32:
            _CACHE.pop(next(iter(_CACHE)))
        _CACHE[key] = rulebook_from_data(record.data, source=f"{record.rulebook_id} "
                                                             f"{record.version}")
    return _CACHE[key]


def _seed_shipped() -> RulebookVersion:
    shipped = load_rulebook()
    try:
        return rulebook_seed(rulebook_data(shipped), citation=shipped.rulebook.title,
                             note=SHIPPED_NOTE)
    except IntegrityError:
        # Another process seeded it first.
        return RulebookVersion.objects.get(rulebook_id=shipped.id, version=shipped.version)


def rulebook_seed(data: dict[str, Any], *, citation: str, note: str) -> RulebookVersion:
    """The first published version, from rule data (the shipped file, or the demo's history).
    Refused once any version exists: after that, versions come from published amendments."""
    rulebook = rulebook_from_data(data, source="seed")  # validate before storing
    with transaction.atomic():
        if RulebookVersion.objects.select_for_update().exists():
            raise IntegrityError("a rulebook version exists already; amend it instead of seeding")
        return RulebookVersion.objects.create(
            rulebook_id=rulebook.id, version=rulebook.version, data=data,
            data_sha256=data_sha256(data), citation=citation, note=note,
            status=RulebookStatus.PUBLISHED, published_at=timezone.now())
