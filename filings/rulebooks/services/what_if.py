"""What if: a filing's evidence under any version, draft or published, stored nowhere."""

from __future__ import annotations

import logging
import time
from typing import Any

from filings.models import Filing
from filings.rulebooks.impact import compare, outcome_of
from filings.rulebooks.models import RulebookVersion
from filings.rulebooks.selectors import rulebook_of
from filings.rulebooks.services.preview import latest_valid
from filings.rules import RulebookError
from filings.rules.labels import REQUIREMENT_LABELS
from filings.services.assessment import assessment_compute
from filings.services.common import (
    ServiceError,
)

logger = logging.getLogger(__name__)

def assessment_what_if(*, filing: Filing, record: RulebookVersion) -> dict[str, Any]:
    """The filing's latest assessed evidence under any version, stored nowhere: the result,
    and how its outcome differs from the filing's latest assessment."""
    latest = latest_valid(filing)
    if latest is None:
        raise ServiceError("This filing has no valid assessment to compare with.")
    try:
        rulebook = rulebook_of(record)
    except RulebookError as exc:
        raise ServiceError(f"Version {record.version} does not validate: {exc}") from None
    started = time.perf_counter()
    result, errors = assessment_compute(latest.version, rulebook)
    change = None
    if result is not None and latest.result is not None:
        change = compare(outcome_of(latest.result), outcome_of(result), REQUIREMENT_LABELS)
    return {"latest": latest, "record": record, "result": result, "errors": errors,
            "change": change.to_dict() if change else None,
            "duration_ms": int((time.perf_counter() - started) * 1000)}
