"""The check on upload: every change to a draft's evidence (or to the vehicle it describes) asks
the worker to read and assess the evidence at once, so the preparer sees every row error, or a
preliminary outcome, before a signer attests. The same readers and rulebook as the assessment
(`assessment_compute`); the result is kept on the version's `EvidenceCheck`, never as an
`Assessment`."""

from __future__ import annotations

import datetime as dt
import logging
import time
import uuid
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from filings.models import EvidenceCheck, EvidenceVersion, FileKind
from filings.services.common import ServiceError, enqueue_on_commit

logger = logging.getLogger(__name__)


def evidence_set_problem(version: EvidenceVersion) -> str | None:
    """Why the version's evidence files are not one complete set, or None."""
    names = [f.original_name.lower() for f in version.files.filter(kind=FileKind.EVIDENCE)]
    workbooks = [n for n in names if n.endswith(".xlsx")]
    csvs = [n for n in names if n.endswith(".csv")]
    if not names:
        return "Upload the evidence workbook (or its CSV files) before submitting."
    if (workbooks and csvs) or len(workbooks) > 1:
        return ("A version holds either one .xlsx workbook or the sheets as CSV files, not both; "
                "remove the extra files.")
    if len(set(csvs)) != len(csvs):
        return "Two CSV files have the same sheet name; remove one."
    return None


def evidence_check_request(version: EvidenceVersion, *, queue: bool = True) -> EvidenceCheck:
    """Mark the draft version's evidence as being checked and queue the check after commit
    (unless `queue` is False: the caller checks at once). Call inside the transaction that
    changed the evidence or the filing's description."""
    has_evidence = version.files.filter(kind=FileKind.EVIDENCE).exists()
    status = EvidenceCheck.Status.CHECKING if has_evidence else EvidenceCheck.Status.EMPTY
    check, _ = EvidenceCheck.objects.update_or_create(version=version, defaults={
        "status": status, "token": uuid.uuid4(), "requested_at": timezone.now(),
        "checked_at": None, "errors": [], "result": None, "credit_min_usd": None,
        "credit_max_usd": None, "duration_ms": None, "rulebook_id": "", "rulebook_version": ""})
    if has_evidence and queue:
        _enqueue(check)
    return check


def _enqueue(check: EvidenceCheck) -> None:
    from filings.tasks import check_evidence

    enqueue_on_commit(check_evidence, check.version_id, str(check.token))


def evidence_check_run(*, version_id: int, token: str) -> EvidenceCheck | None:
    """Check the version's evidence if `token` is still its current check; None when a newer
    check superseded it (or the version is gone). Safe to run twice."""
    check = (EvidenceCheck.objects.select_related("version__filing")
             .filter(version_id=version_id, token=token).first())
    if check is None or check.status != EvidenceCheck.Status.CHECKING:
        return None
    return _check_now(check)


def _check_now(check: EvidenceCheck) -> EvidenceCheck | None:
    from filings.services.assessment import assessment_compute, assessment_rulebook

    started = time.perf_counter()
    rulebook = assessment_rulebook()
    problem = evidence_set_problem(check.version)
    result: dict[str, Any] | None
    if problem:
        result, errors = None, [{"sheet": None, "row": None, "column": None, "value": None,
                                 "message": problem}]
    else:
        result, errors = assessment_compute(check.version, rulebook)
    credits = [s["credit_usd"] for s in result["segments"]] if result else []
    status = EvidenceCheck.Status.READY if result is not None else EvidenceCheck.Status.ERRORS
    fields = {"status": status, "checked_at": timezone.now(), "rulebook_id": rulebook.id,
              "rulebook_version": rulebook.version, "errors": errors, "result": result,
              "credit_min_usd": min(credits) if credits else None,
              "credit_max_usd": max(credits) if credits else None,
              "duration_ms": int((time.perf_counter() - started) * 1000)}
    # Stored only if no newer request replaced the token meanwhile.
    stored = EvidenceCheck.objects.filter(version_id=check.version_id, token=check.token,
                                          status=EvidenceCheck.Status.CHECKING).update(**fields)
    if not stored:
        return None
    check.refresh_from_db()
    return check


def evidence_check_for_submission(version: EvidenceVersion) -> EvidenceCheck:
    """The version's finished check, for a signer's submission: checked here and now when the
    worker has not answered yet (or never was asked), so a submission never waits on the worker
    and never goes ahead on evidence with errors. ServiceError when the evidence has errors.
    Call outside a transaction: the check's answer is kept even when the submission is refused."""
    problem = evidence_set_problem(version)
    if problem:
        raise ServiceError(problem)
    check = EvidenceCheck.objects.filter(version=version).first()
    if check is None or check.status in (EvidenceCheck.Status.CHECKING,
                                         EvidenceCheck.Status.EMPTY):
        with transaction.atomic():
            check = evidence_check_request(version, queue=False)
        check = _check_now(check) or EvidenceCheck.objects.get(version=version)
    if check.status == EvidenceCheck.Status.ERRORS:
        count = len(check.errors)
        raise ServiceError(f"The evidence has {count} problem{'s' if count != 1 else ''} (listed "
                           "under the version's files); correct the file, upload it again and "
                           "submit once the check says it is ready.")
    if check.status != EvidenceCheck.Status.READY:
        raise ServiceError("The evidence is still being checked; submit again in a few seconds.")
    return check


def evidence_check_sweep() -> int:
    """Queue again every check that has waited longer than EVIDENCE_CHECK_STUCK_AFTER_SECONDS
    (its message lost with a broker outage or a killed worker). Returns how many were queued."""
    cutoff = timezone.now() - dt.timedelta(seconds=settings.EVIDENCE_CHECK_STUCK_AFTER_SECONDS)
    stuck = EvidenceCheck.objects.filter(status=EvidenceCheck.Status.CHECKING,
                                         requested_at__lt=cutoff,
                                         version__submitted_at__isnull=True)
    count = 0
    for check in stuck:
        with transaction.atomic():
            if EvidenceCheck.objects.filter(pk=check.pk, token=check.token).update(
                    requested_at=timezone.now()):
                _enqueue(check)
                count += 1
    return count
