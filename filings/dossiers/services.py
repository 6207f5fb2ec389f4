"""Dossiers: requested by a member of the filing's manufacturer or by the authority, built by the
worker, downloaded (audited); examiner links issued, used and revoked by the authority.

Callers get the filing through `filings.selectors.filing_get` first (so an outsider never reaches
a service); the services check the role.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import secrets
import tempfile
from pathlib import Path

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from filings.dossiers.build import BuildFailed, build_zip
from filings.dossiers.models import Audience, Dossier, DossierStatus, ExaminerLink
from filings.dossiers.storage import dossier_store
from filings.models import Filing
from filings.services.common import NotAllowed, ServiceError, enqueue_on_commit, plain_text
from filings.storage import StorageUnavailable
from portal.accounts.models import User
from portal.accounts.roles import CAPABILITIES, Capability, OrganisationKind, Role
from portal.audit.services import audit_record

logger = logging.getLogger(__name__)


class LinkGone(ServiceError):
    """An examiner link that expired or was revoked."""

    status = 410


def audience_of(actor: User) -> Audience:
    membership = actor.membership() if actor.is_authenticated else None
    if membership is not None and membership.organisation.kind == OrganisationKind.AUTHORITY:
        return Audience.AUTHORITY
    return Audience.MANUFACTURER


def _require_requester(actor: User, filing: Filing) -> None:
    membership = actor.membership() if actor.is_authenticated else None
    if membership is None:
        raise NotAllowed("Your account does not belong to an organisation.")
    capabilities = CAPABILITIES[Role(membership.role)]
    if membership.organisation.kind == OrganisationKind.AUTHORITY:
        if Capability.REVIEW_FILINGS not in capabilities:
            raise NotAllowed("Only the authority's reviewers and approvers can do this.")
    elif (Capability.EDIT_FILINGS not in capabilities
          or filing.organisation_id != membership.organisation_id):
        raise NotAllowed(f"A {membership.role} cannot request a dossier; a preparer or signer "
                         "can, and you may download the dossiers they requested.")


def dossier_request(*, actor: User, filing: Filing) -> Dossier:
    """A new dossier of the filing, queued for the worker; one still being built for the same
    audience is returned instead of queueing another."""
    _require_requester(actor, filing)
    audience = audience_of(actor)
    with transaction.atomic():
        running = filing.dossiers.filter(audience=audience, status__in=(
            DossierStatus.PENDING, DossierStatus.BUILDING)).first()
        if running is not None:
            return running
        dossier = _queue(filing, actor, audience)
    return dossier


def _queue(filing: Filing, actor: User, audience: Audience) -> Dossier:
    dossier = Dossier.objects.create(filing=filing, audience=audience, requested_by=actor)
    audit_record(organisation=filing.organisation, actor=actor, filing=filing,
                 action="dossier_request", data={"dossier": str(dossier.public_id),
                                                 "audience": audience})
    _enqueue_build(dossier)
    return dossier


def _enqueue_build(dossier: Dossier) -> None:
    from filings.dossiers.tasks import dossier_build as task

    enqueue_on_commit(task, dossier.pk)


def dossier_build(*, dossier_id: int) -> Dossier:
    """Build, sign and store a pending dossier; a failure ends in `failed` with the reason."""
    started = Dossier.objects.filter(pk=dossier_id, status=DossierStatus.PENDING).update(
        status=DossierStatus.BUILDING, progress=0)
    dossier = Dossier.objects.select_related("filing__organisation", "requested_by")\
        .get(pk=dossier_id)
    if not started:
        return dossier  # built, failed or being built by another delivery

    def report(percent: int) -> None:
        Dossier.objects.filter(pk=dossier_id, status=DossierStatus.BUILDING)\
            .update(progress=percent)

    try:
        with tempfile.TemporaryDirectory(prefix="dossier-") as folder:
            target = Path(folder) / "dossier.zip"
            members = build_zip(dossier, target, report)
            sha256, size = _digest(target)
            stored = dossier_store(dossier, target)
    except BuildFailed as exc:
        _fail(dossier, str(exc))
    except StorageUnavailable:
        _fail(dossier, "The file store could not be reached while the dossier was built; "
                       "nothing was lost. Request the dossier again in a few minutes.")
    except SoftTimeLimitExceeded:
        _fail(dossier, "Building the dossier took longer than the time limit.")
    except Exception as exc:  # a failed build must end in a state, never in a retry loop
        logger.exception("dossier %s could not be built", dossier_id)
        _fail(dossier, f"The dossier could not be built: {type(exc).__name__}: {exc}"[:500])
    else:
        with transaction.atomic():
            Dossier.objects.filter(pk=dossier_id).update(
                status=DossierStatus.READY, progress=100, stored_name=stored, sha256=sha256,
                size=size, members=len(members), finished_at=timezone.now(), error="")
            audit_record(organisation=dossier.filing.organisation, actor=None,
                         filing=dossier.filing, action="dossier_build",
                         data={"dossier": str(dossier.public_id), "sha256": sha256,
                               "size": size, "members": len(members)})
    dossier.refresh_from_db()
    return dossier


def _digest(path: Path) -> tuple[str, int]:
    digest, size = hashlib.sha256(), 0
    with path.open("rb") as handle:
        while chunk := handle.read(1024 * 1024):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def _fail(dossier: Dossier, message: str) -> None:
    with transaction.atomic():
        Dossier.objects.filter(pk=dossier.pk).update(
            status=DossierStatus.FAILED, error=message, finished_at=timezone.now())
        audit_record(organisation=dossier.filing.organisation, actor=None,
                     filing=dossier.filing, action="dossier_fail", reason=message,
                     data={"dossier": str(dossier.public_id)})


def dossier_sweep() -> int:
    """Re-send dossiers left pending (a lost message) for more than a few minutes."""
    cutoff = timezone.now() - dt.timedelta(minutes=5)
    stuck = list(Dossier.objects.filter(status=DossierStatus.PENDING, created_at__lt=cutoff))
    for dossier in stuck:
        _enqueue_build(dossier)
    return len(stuck)


@transaction.atomic
def dossier_downloaded(*, dossier: Dossier, actor: User | None,
                       link: ExaminerLink | None = None) -> None:
    """Record a download (by a member, or through an examiner link)."""
    data: dict[str, object] = {"dossier": str(dossier.public_id), "sha256": dossier.sha256}
    if link is not None:
        data["examiner_link"] = link.pk
    audit_record(organisation=dossier.filing.organisation, actor=actor, filing=dossier.filing,
                 action="dossier_download" if link is None else "examiner_link_use", data=data)


# --- examiner links -----------------------------------------------------------------------

def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _require_authority(actor: User) -> None:
    membership = actor.membership() if actor.is_authenticated else None
    if (membership is None or membership.organisation.kind != OrganisationKind.AUTHORITY
            or Capability.REVIEW_FILINGS not in CAPABILITIES[Role(membership.role)]):
        raise NotAllowed("Only the authority's reviewers and approvers issue examiner links.")


@transaction.atomic
def examiner_link_issue(*, actor: User, filing: Filing, note: str = "") -> tuple[ExaminerLink, str]:
    """A new link to a fresh authority dossier of a submitted filing: (link, token). The token
    is returned once and stored only as its SHA-256."""
    _require_authority(actor)
    if filing.submitted_at is None:
        raise ServiceError("Only a submitted filing can be examined.")
    note = plain_text(note, what="The note")[:200]
    dossier = _queue(filing, actor, Audience.AUTHORITY)
    token = secrets.token_urlsafe(32)
    expires = timezone.now() + dt.timedelta(days=settings.DOSSIER_EXAMINER_LINK_DAYS)
    link = ExaminerLink.objects.create(filing=filing, dossier=dossier, issued_by=actor,
                                       token_sha256=_token_hash(token), expires_at=expires,
                                       note=note)
    audit_record(organisation=filing.organisation, actor=actor, filing=filing,
                 action="examiner_link_issue", reason=note,
                 data={"examiner_link": link.pk, "expires_at": expires.isoformat(),
                       "dossier": str(dossier.public_id)})
    return link, token


@transaction.atomic
def examiner_link_revoke(*, actor: User, link: ExaminerLink) -> ExaminerLink:
    _require_authority(actor)
    if ExaminerLink.objects.filter(pk=link.pk, revoked_at__isnull=True).update(
            revoked_at=timezone.now(), revoked_by=actor):
        audit_record(organisation=link.filing.organisation, actor=actor, filing=link.filing,
                     action="examiner_link_revoke", data={"examiner_link": link.pk})
    link.refresh_from_db()
    return link


def examiner_link_get(*, token: str) -> ExaminerLink:
    """The link of a token; LookupError when none has it, LinkGone when it expired or was
    revoked."""
    link = (ExaminerLink.objects.select_related("filing__organisation", "dossier")
            .filter(token_sha256=_token_hash(token)).first())
    if link is None:
        raise LookupError("No such examiner link.")
    if link.revoked_at is not None:
        raise LinkGone(f"This examiner link was revoked on {link.revoked_at:%Y-%m-%d}; ask the "
                       "reviewing authority for a new one.")
    if link.expired:
        raise LinkGone(f"This examiner link expired on {link.expires_at:%Y-%m-%d %H:%M} UTC; ask "
                       "the reviewing authority for a new one.")
    return link


@transaction.atomic
def examiner_link_use(*, link: ExaminerLink) -> None:
    """Count and audit one download through the link."""
    ExaminerLink.objects.filter(pk=link.pk).update(uses=F("uses") + 1)
    dossier_downloaded(dossier=link.dossier, actor=None, link=link)
