"""Writing a dossier's ZIP, member by member, into a local file: evidence and certificate PDFs
are copied in chunks (never whole in memory) while their SHA-256 and size are taken, and the
signed manifest comes last. No database writes here but the progress callback's.

Layout (docs/dossier.md):

    filing.json                         the filing as described and its dates
    evidence/versions.json              every evidence version and its files' recorded hashes
    evidence/v<N>/<id>-<name>           every evidence version's files, as uploaded
    assessments/v<N>-<id>.json          each assessment, as stored
    rulebooks/<rulebook>-<version>.json the full rulebook version each assessment used
    certificates/certificates.json      every certificate's record
    certificates/<serial>.pdf           every certificate PDF the portal stored
    review-notes.json                   the review notes the requester may see
    audit/events.json                   the filing's audit events, each with the bytes its hash covers
    audit/chain.jsonl                   the organisation's chain links from the filing's first event
                                        to its last (ids and hashes only)
    audit/verification.json             what audit_verify found when the dossier was built
    manifest.json                       SHA-256 and size of every member above
    manifest.json.p7s                   detached CMS signature of manifest.json
"""

from __future__ import annotations

import hashlib
import json
import time
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from django.utils import timezone

from filings import selectors
from filings.certificates.models import Certificate
from filings.certificates.selectors import PUBLISHED
from filings.certificates.storage import certificate_open
from filings.dossiers.models import Dossier
from filings.models import Assessment, EvidenceFile, Filing
from filings.rulebooks.models import RulebookVersion
from filings.rules import load_rulebook
from filings.rules.amend import data_sha256, rulebook_data
from filings.storage import evidence_open
from portal.audit.models import AuditEvent
from portal.audit.services import GENESIS_HASH, audit_verify

MANIFEST = "manifest.json"
SIGNATURE = "manifest.json.p7s"
FORMAT = "cvc-exam-dossier/1"
CHUNK = 64 * 1024
_JSON_UNIT = 4096  # what a small member weighs in the progress
REPORT_EVERY = 0.5  # seconds between progress writes


class BuildFailed(Exception):
    """The dossier cannot be built; the message says why in words."""


@dataclass(frozen=True)
class Member:
    name: str
    size: int
    sha256: str


@dataclass
class _Progress:
    """Reports the percent done when it grew, at most every REPORT_EVERY seconds (each report
    is a database write)."""

    total: int
    report: Callable[[int], None]
    done: int = 0
    last: int = -1
    reported_at: float = 0.0

    def add(self, amount: int) -> None:
        self.done += amount
        percent = min(99, self.done * 100 // max(self.total, 1))
        now = time.monotonic()
        if percent > self.last and now - self.reported_at >= REPORT_EVERY:
            self.last, self.reported_at = percent, now
            self.report(percent)


@dataclass
class _Writer:
    archive: zipfile.ZipFile
    progress: _Progress
    members: list[Member] = field(default_factory=list)

    def stream(self, name: str, source: IO[bytes], size_hint: int = 0) -> Member:
        digest, size = hashlib.sha256(), 0
        with self.archive.open(name, "w", force_zip64=size_hint >= zipfile.ZIP64_LIMIT) as out:
            while chunk := source.read(CHUNK):
                digest.update(chunk)
                size += len(chunk)
                out.write(chunk)
                self.progress.add(len(chunk))
        return self._added(Member(name, size, digest.hexdigest()))

    def chunks(self, name: str, chunks: Iterable[bytes]) -> Member:
        digest, size = hashlib.sha256(), 0
        with self.archive.open(name, "w", force_zip64=True) as out:
            for chunk in chunks:
                digest.update(chunk)
                size += len(chunk)
                out.write(chunk)
        self.progress.add(_JSON_UNIT)
        return self._added(Member(name, size, digest.hexdigest()))

    def json(self, name: str, value: Any) -> Member:
        return self.chunks(name, [as_json(value)])

    def _added(self, member: Member) -> Member:
        self.members.append(member)
        return member


def as_json(value: Any) -> bytes:
    return (json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False, default=str)
            + "\n").encode()


def build_zip(dossier: Dossier, target: Path, report: Callable[[int], None]) -> list[Member]:
    """Write the dossier of `dossier.filing` to `target`; BuildFailed names what is missing."""
    # pyHanko loads only in the process that builds (the worker), not in every web process.
    from filings.dossiers.signature import sign_detached

    filing = dossier.filing
    files = list(EvidenceFile.objects.filter(version__filing=filing)
                 .select_related("version").order_by("version__number", "pk"))
    certificates = list(Certificate.objects.filter(filing=filing, status__in=PUBLISHED)
                        .order_by("created_at", "pk"))
    total = sum(f.size for f in files) + sum(c.pdf_size or 0 for c in certificates) \
        + _JSON_UNIT * (12 + len(files))
    progress = _Progress(total=total, report=report)
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6,
                         allowZip64=True) as archive:
        writer = _Writer(archive, progress)
        writer.json("filing.json", _filing_json(filing))
        _evidence(writer, filing, files)
        _assessments(writer, filing)
        _certificates(writer, certificates)
        writer.json("review-notes.json", _review_notes(dossier))
        _audit(writer, filing)
        manifest = as_json(_manifest(dossier, writer.members))
        archive.writestr(MANIFEST, manifest)
        archive.writestr(SIGNATURE, sign_detached(manifest))
    report(100)
    return writer.members


def _manifest(dossier: Dossier, members: list[Member]) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "dossier": str(dossier.public_id),
        "filing": str(dossier.filing.reference),
        "audience": dossier.audience,
        "built_at": timezone.now().isoformat(),
        "signature": f"{SIGNATURE}: a detached CMS (PKCS #7) signature of this file's bytes by "
                     "the portal's signing certificate, which it includes",
        "members": [{"name": m.name, "size": m.size, "sha256": m.sha256} for m in members],
    }


def _filing_json(filing: Filing) -> dict[str, Any]:
    return {
        "reference": str(filing.reference), "organisation": filing.organisation.name,
        "make": filing.make, "model": filing.model, "model_year": filing.model_year,
        "vehicle_class": filing.vehicle_class, "coverage_start": filing.coverage_start,
        "coverage_end": filing.coverage_end, "state": filing.state,
        "created_at": filing.created_at, "submitted_at": filing.submitted_at,
        "attestation": filing.attestation, "decided_at": filing.decided_at,
        "recommendation": filing.recommendation,
    }


def evidence_member_name(f: EvidenceFile) -> str:
    return f"evidence/v{f.version.number}/{f.pk}-{f.original_name}"


def _evidence(writer: _Writer, filing: Filing, files: list[EvidenceFile]) -> None:
    versions = []
    for version in filing.versions.order_by("number"):
        versions.append({
            "number": version.number, "created_at": version.created_at,
            "submitted_at": version.submitted_at,
            "files": [{"member": evidence_member_name(f), "original_name": f.original_name,
                       "kind": f.kind, "content_type": f.content_type, "size": f.size,
                       "sha256": f.sha256, "uploaded_at": f.uploaded_at}
                      for f in files if f.version_id == version.pk]})
    writer.json("evidence/versions.json", versions)
    for f in files:
        name = evidence_member_name(f)
        try:
            with evidence_open(f.stored_name) as source:
                member = writer.stream(name, source, f.size)
        except FileNotFoundError:
            raise BuildFailed(f"The evidence file {f.original_name} (version "
                              f"{f.version.number}) is missing from the file store, so the "
                              "dossier would be incomplete; ask the portal's operator to restore "
                              "it from the backup.") from None
        if member.sha256 != f.sha256:
            raise BuildFailed(f"The stored evidence file {f.original_name} (version "
                              f"{f.version.number}) no longer has the SHA-256 recorded when it "
                              "was uploaded; ask the portal's operator to restore it.")


def _assessments(writer: _Writer, filing: Filing) -> None:
    used: dict[tuple[str, str], None] = {}
    for a in Assessment.objects.filter(version__filing=filing).select_related("version")\
            .order_by("version__number", "created_at", "pk"):
        writer.json(f"assessments/v{a.version.number}-{a.pk}.json", {
            "id": a.pk, "version": a.version.number, "rulebook_id": a.rulebook_id,
            "rulebook_version": a.rulebook_version, "created_at": a.created_at,
            "valid": a.valid, "evidence_hashes": a.evidence_hashes, "result": a.result,
            "errors": a.errors, "credit_min_usd": a.credit_min_usd,
            "credit_max_usd": a.credit_max_usd, "duration_ms": a.duration_ms,
            "rulebook_member": _rulebook_member(a.rulebook_id, a.rulebook_version)})
        used[(a.rulebook_id, a.rulebook_version)] = None
    for rulebook_id, version in used:
        writer.json(_rulebook_member(rulebook_id, version), _rulebook_json(rulebook_id, version))


def _rulebook_member(rulebook_id: str, version: str) -> str:
    return f"rulebooks/{rulebook_id}-{version}.json"


def _rulebook_json(rulebook_id: str, version: str) -> dict[str, Any]:
    record = RulebookVersion.objects.filter(rulebook_id=rulebook_id, version=version).first()
    if record is not None:
        return {"rulebook_id": record.rulebook_id, "version": record.version,
                "status": record.status, "published_at": record.published_at,
                "based_on": str(record.based_on) if record.based_on_id else None,
                "citation": record.citation, "note": record.note,
                "data_sha256": record.data_sha256, "data": record.data}
    shipped = load_rulebook()
    if (shipped.id, shipped.version) == (rulebook_id, version):
        data = rulebook_data(shipped)
        return {"rulebook_id": shipped.id, "version": shipped.version, "status": "shipped",
                "published_at": None, "based_on": None, "citation": shipped.rulebook.title,
                "note": "The rulebook shipped with the portal (filings/rules/data/irc-30d.toml).",
                "data_sha256": data_sha256(data), "data": data}
    return {"rulebook_id": rulebook_id, "version": version, "status": "unknown",
            "note": "The portal holds no record of this rulebook version.", "data": None}


def _certificates(writer: _Writer, certificates: list[Certificate]) -> None:
    writer.json("certificates/certificates.json", [
        {"serial": c.serial, "public_id": str(c.public_id), "status": c.status,
         "issued_at": c.issued_at, "pdf_sha256": c.pdf_sha256, "pdf_size": c.pdf_size,
         "revoked_at": c.revoked_at, "revoked_reason": c.revoked_reason,
         "member": f"certificates/{c.serial}.pdf"} for c in certificates])
    for c in certificates:
        try:
            with certificate_open(c) as source:
                writer.stream(f"certificates/{c.serial}.pdf", source, c.pdf_size or 0)
        except FileNotFoundError:
            raise BuildFailed(f"The PDF of certificate {c.serial} is missing from the file "
                              "store; ask the portal's operator to restore it.") from None


def _review_notes(dossier: Dossier) -> list[dict[str, Any]]:
    if dossier.requested_by is None:
        return []
    notes = selectors.filing_review_notes(actor=dossier.requested_by, filing=dossier.filing)
    return [{"kind": n.kind, "kind_label": n.get_kind_display(),
             "author": n.author.full_name or n.author.email, "text": n.text,
             "created_at": n.created_at} for n in notes]


def _audit(writer: _Writer, filing: Filing) -> None:
    events = list(selectors.filing_audit_events(filing=filing)
                  .filter(organisation_id=filing.organisation_id))
    writer.json("audit/events.json", [{
        "id": e.pk, "action": e.action, "actor": (e.actor.full_name or e.actor.email)
        if e.actor else None, "from_state": e.from_state, "to_state": e.to_state,
        "reason": e.reason, "data": e.data, "created_at": e.created_at,
        "previous_hash": e.previous_hash, "hash": e.hash,
        "hashed_bytes": e.canonical().decode()} for e in events])
    writer.chunks("audit/chain.jsonl", _chain(filing, events))
    broken = audit_verify(filing.organisation)
    writer.json("audit/verification.json", {
        "checked_at": timezone.now(),
        "what_is_checked": (
            "audit_verify reads every event of the filing's organisation in order and checks "
            "that each event's previous_hash is the hash of the event before it (the first "
            f"event's is {GENESIS_HASH}) and that its hash is the SHA-256 of its hashed_bytes "
            "(every field but the hash, as canonical JSON)."),
        "intact": broken is None,
        "first_broken_event": broken.pk if broken is not None else None,
    })


def _chain(filing: Filing, events: list[AuditEvent]) -> Iterator[bytes]:
    """Each link of the organisation's chain from the filing's first event to its last: other
    filings' events appear by id and hashes only, nothing of their content."""
    if not events:
        return
    links = (AuditEvent.objects.filter(organisation_id=filing.organisation_id,
                                       pk__gte=events[0].pk, pk__lte=events[-1].pk)
             .order_by("pk").values_list("pk", "filing_id", "previous_hash", "hash"))
    for pk, filing_id, previous, digest in links.iterator(chunk_size=2000):
        yield (json.dumps({"id": pk, "this_filing": filing_id == filing.pk,
                           "previous_hash": previous, "hash": digest}) + "\n").encode()
