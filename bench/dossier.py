"""Benchmark: building the exam dossier of a filing whose evidence is a large CSV set.

    python -m bench.dossier                  (a line of `make bench`)
    python -m bench.dossier --lines 200000

Starts the local PKI (portal/pki: signing certificate, TSA, OCSP, CRLs) on a free port, loads
the demo data into a throw-away VAR_DIR (SQLite) signing with it, attaches the sheets of
`bench.evidence_data.write_csv_set(folder, lines)` to a demo filing's evidence version (stored
through the evidence storage), and builds its dossier as the worker does. Reports the build time,
the ZIP's size, the peak of Python allocations during the build (tracemalloc), the process's
peak RSS before and after, and the check of the manifest's signature against the PKI's root.
The evidence is streamed in 64 KiB chunks, so the peak does not grow with the evidence: the
target is a tracemalloc peak under 32 MiB (a miss exits 1), whatever the number of lines.
"""

from __future__ import annotations

import argparse
import hashlib
import resource
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

from bench.services import demo_portal, served_pki

TARGET_PEAK_BYTES = 32 * 1024 * 1024


def _rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=100_000)
    args = parser.parse_args(argv)
    with (
        tempfile.TemporaryDirectory(prefix="bench-dossier-") as folder,
        served_pki(Path(folder) / "pki") as pki,
    ):
        demo_portal(Path(folder) / "var", pki)
        from django.core.files import File

        from bench.evidence_data import write_csv_set
        from filings.dossiers.models import Audience, Dossier
        from filings.dossiers.services import dossier_build
        from filings.dossiers.signature import load_trusted, portal_certificate_paths
        from filings.dossiers.storage import dossier_open
        from filings.dossiers.verify import verify_dossier
        from filings.models import EvidenceFile, FileKind, Filing
        from filings.storage import evidence_key, evidence_storage

        filing = Filing.objects.filter(versions__isnull=False).order_by("pk").first()
        assert filing is not None, "the demo data has no filing with evidence"
        version = filing.versions.order_by("-number").first()
        assert version is not None
        sheets = write_csv_set(Path(folder) / "csv", args.lines)
        evidence_bytes = 0
        for path in sheets:
            content = path.read_bytes()
            evidence_bytes += len(content)
            stored = f"{hashlib.sha256(content).hexdigest()[:32]}.csv"
            with path.open("rb") as handle:
                evidence_storage().save(evidence_key(stored), File(handle, name=stored))
            EvidenceFile.objects.create(
                version=version, kind=FileKind.EVIDENCE, stored_name=stored,
                original_name=path.name, content_type="text/csv", size=len(content),
                sha256=hashlib.sha256(content).hexdigest(), uploaded_by=filing.created_by)
            del content
        dossier = Dossier.objects.create(filing=filing, audience=Audience.MANUFACTURER,
                                         requested_by=filing.created_by)
        rss_before = _rss_mib()
        tracemalloc.start()
        started = time.perf_counter()
        dossier = dossier_build(dossier_id=dossier.pk)
        elapsed = time.perf_counter() - started
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        rss_after = _rss_mib()
        if dossier.status != "ready":
            print(f"dossier build failed: {dossier.error}")
            return 1
        started = time.perf_counter()
        with dossier_open(dossier) as stored_zip:
            check = verify_dossier(stored_zip, load_trusted(portal_certificate_paths()))
        verify_elapsed = time.perf_counter() - started
        print(f"dossier  {args.lines:,} evidence lines ({evidence_bytes / 2**20:.1f} MiB of CSV "
              f"in {len(sheets)} files)")
        print(f"  build   {elapsed:.2f} s, ZIP {(dossier.size or 0) / 2**20:.1f} MiB, "
              f"{dossier.members} members")
        print(f"  memory  tracemalloc peak {peak / 2**20:.1f} MiB during the build "
              f"(target < {TARGET_PEAK_BYTES // 2**20} MiB); peak RSS {rss_before:.0f} MiB "
              f"before, {rss_after:.0f} MiB after")
        print(f"  verify  {verify_elapsed:.2f} s: {'intact' if check.valid else check.problems}")
        return 0 if peak < TARGET_PEAK_BYTES and check.valid else 1


if __name__ == "__main__":
    sys.exit(main())
