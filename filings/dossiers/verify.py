"""Checking a dossier offline: the manifest's signature, then every member against it, then the
audit events' hashes and links. Each problem is a sentence naming the member concerned."""

from __future__ import annotations

import hashlib
import json
import zipfile
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from asn1crypto import x509 as asn1_x509  # type: ignore[import-untyped]

from filings.dossiers.build import CHUNK, FORMAT, MANIFEST, SIGNATURE

if TYPE_CHECKING:
    from filings.dossiers.signature import SignatureResult

# A manifest bigger than this is not one the portal wrote.
_MANIFEST_MAX = 64 * 1024 * 1024


@dataclass
class DossierCheck:
    problems: list[str] = field(default_factory=list)
    signature: SignatureResult | None = None
    members: int = 0
    filing: str = ""
    built_at: str = ""

    @property
    def valid(self) -> bool:
        return not self.problems


def verify_dossier(source: Path | IO[bytes],
                   trusted: Sequence[asn1_x509.Certificate]) -> DossierCheck:
    check = DossierCheck()
    try:
        archive = zipfile.ZipFile(source)
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        check.problems.append(f"The file is not a readable ZIP archive ({exc}).")
        return check
    with archive:
        _check(archive, trusted, check)
    return check


def _check(archive: zipfile.ZipFile, trusted: Sequence[asn1_x509.Certificate],
           check: DossierCheck) -> None:
    names = Counter(info.filename for info in archive.infolist())
    for name, count in sorted(names.items()):
        if count > 1:
            check.problems.append(f"{name} appears {count} times in the archive; a dossier holds "
                                  "each member once.")
    for required in (MANIFEST, SIGNATURE):
        if required not in names:
            check.problems.append(f"{required} is missing, so nothing can be checked against it.")
    if check.problems and (MANIFEST not in names or SIGNATURE not in names):
        return
    manifest_info = archive.getinfo(MANIFEST)
    if manifest_info.file_size > _MANIFEST_MAX:
        check.problems.append(f"{MANIFEST} is far larger than any manifest the portal writes.")
        return
    manifest_bytes = archive.read(MANIFEST)
    from filings.dossiers.signature import check_detached  # pyHanko: only when checking

    check.signature = check_detached(manifest_bytes, archive.read(SIGNATURE), trusted)
    if not check.signature.valid:
        check.problems.append(check.signature.problem)
    try:
        manifest = json.loads(manifest_bytes)
        listed = {m["name"]: (int(m["size"]), str(m["sha256"])) for m in manifest["members"]}
    except (ValueError, KeyError, TypeError) as exc:
        check.problems.append(f"{MANIFEST} cannot be read as a dossier manifest ({exc}).")
        return
    if manifest.get("format") != FORMAT:
        check.problems.append(f"{MANIFEST} is of format {manifest.get('format')!r}, not {FORMAT}.")
    check.filing, check.built_at = str(manifest.get("filing", "")), str(manifest.get("built_at", ""))
    check.members = len(listed)
    present = set(names) - {MANIFEST, SIGNATURE}
    for name in sorted(set(listed) - present):
        check.problems.append(f"{name} is listed in the manifest but missing from the archive.")
    for name in sorted(present - set(listed)):
        check.problems.append(f"{name} is in the archive but not in the manifest (it was added).")
    for name in sorted(set(listed) & present):
        size, sha256 = listed[name]
        got_size, got_sha256 = _digest(archive, name)
        if got_sha256 is None:
            check.problems.append(f"{name} cannot be read from the archive (it is damaged).")
        elif (got_size, got_sha256) != (size, sha256):
            check.problems.append(
                f"{name} was changed: its SHA-256 is {got_sha256} and its size {got_size:,} "
                f"bytes, where the signed manifest says {sha256} and {size:,} bytes.")
    if "audit/events.json" in present and "audit/chain.jsonl" in present:
        _check_audit(archive, check)


def _digest(archive: zipfile.ZipFile, name: str) -> tuple[int, str | None]:
    digest, size = hashlib.sha256(), 0
    try:
        with archive.open(name) as member:
            while chunk := member.read(CHUNK):
                digest.update(chunk)
                size += len(chunk)
    except (zipfile.BadZipFile, OSError, EOFError, ValueError):
        return size, None
    return size, digest.hexdigest()


def _check_audit(archive: zipfile.ZipFile, check: DossierCheck) -> None:
    """Each event's hash is the SHA-256 of the bytes it covers, which name its previous hash;
    the chain's links follow one another from the filing's first event to its last."""
    try:
        events: list[dict[str, Any]] = json.loads(archive.read("audit/events.json"))
        for event in events:
            covered = json.loads(event["hashed_bytes"])
            if hashlib.sha256(event["hashed_bytes"].encode()).hexdigest() != event["hash"] \
                    or covered.get("previous_hash") != event["previous_hash"]:
                check.problems.append(f"audit/events.json: event {event['id']} "
                                      f"({event['action']}) does not match its hash.")
        previous = None
        by_id = {e["id"]: e["hash"] for e in events}
        with archive.open("audit/chain.jsonl") as chain:
            for line in chain:
                link = json.loads(line)
                if previous is not None and link["previous_hash"] != previous:
                    check.problems.append(f"audit/chain.jsonl: the link at event {link['id']} "
                                          "does not follow the one before it.")
                if link["id"] in by_id and by_id[link["id"]] != link["hash"]:
                    check.problems.append(f"audit/chain.jsonl: event {link['id']} has another "
                                          "hash than in audit/events.json.")
                by_id.pop(link["id"], None)
                previous = link["hash"]
        for missing in sorted(by_id):
            check.problems.append(f"audit/chain.jsonl: event {missing} is not in the chain.")
    except (ValueError, KeyError, TypeError) as exc:
        check.problems.append(f"The audit events cannot be read ({exc}).")
