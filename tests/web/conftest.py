"""Filings, evidence and stored assessments for the web tests."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from filings.models import Assessment, EvidenceVersion, Filing
from filings.rules import assess_period, load_rulebook
from filings.states import State
from portal.accounts.models import Organisation, User
from tests.factories import FilingFactory
from tests.rules.builders import evidence, share_components, share_minerals
from tests.web.routes import Scenario


@pytest.fixture
def filing(manufacturer: Organisation, preparer: User) -> Filing:
    return FilingFactory.create(organisation=manufacturer, created_by=preparer)


@pytest.fixture
def scenario(filing: Filing, preparer: User) -> Scenario:
    """The owner's draft filing holding the sample evidence workbook."""
    return Scenario.build(filing, preparer)


def engine_result(minerals: tuple[str, str] = ("625", "375"),
                  components: tuple[str, str] = ("550", "450")) -> dict[str, Any]:
    """A real engine result for 2024-06-01..2024-12-31 with chosen qualifying shares
    (qualifying, not qualifying): by default 62.5 % of minerals and 55 % of components."""
    ev = evidence(minerals=share_minerals(*minerals), components=share_components(*components))
    return assess_period(ev, rulebook=load_rulebook(), start=dt.date(2024, 6, 1),
                         end=dt.date(2024, 12, 31)).to_dict()


def store_assessment(version: EvidenceVersion, *, result: dict[str, Any] | None = None,
                     errors: list[dict[str, Any]] | None = None,
                     rulebook_version: str | None = None) -> Assessment:
    """Store an assessment as the worker would, and move the filing to its outcome state."""
    rulebook = load_rulebook()
    credits = [s["credit_usd"] for s in result["segments"]] if result else []
    assessment = Assessment.objects.create(
        version=version, rulebook_id=rulebook.id,
        rulebook_version=rulebook_version or rulebook.version, valid=result is not None,
        result=result, errors=errors or [], duration_ms=12,
        credit_min_usd=min(credits) if credits else None,
        credit_max_usd=max(credits) if credits else None)
    if version.submitted_at is None:
        EvidenceVersion.objects.filter(pk=version.pk).update(submitted_at=version.created_at)
    Filing.objects.filter(pk=version.filing_id).update(
        state=State.ASSESSED if result else State.INVALID, submitted_at=version.created_at,
        submitted_by=version.created_by)
    return assessment


def share_of(result: dict[str, Any], requirement: str) -> Decimal:
    return Decimal(str(result["segments"][0]["requirements"][requirement]["required_pct"]))
