"""Benchmark: rendering a certificate against WeasyPrint rendering a one-line page, same run.

    python -m bench.certificates                 (a second line of `make bench`)
    python -m bench.certificates --repeats 21

Starts the local PKI (portal/pki: signing certificate, TSA, OCSP, CRLs) on a free port and loads
the demo data into a throw-away VAR_DIR (SQLite) beside it, so the demo's approved filing and its
assessment are what is rendered, and signatures are timestamped by that TSA. Measures,
alternating so machine load hits both alike:

  floor    WeasyPrint: `<p>Hello.</p>` to PDF (same locked URL fetcher)
  render   the certificate: template + WeasyPrint PDF/A-3b with the assessment JSON attached
  sign     pyHanko PAdES B-LTA signature of the rendered PDF, with the local TSA's timestamp and
           OCSP/CRL data (reported separately, no target)

Before the clock starts, one render and one signature warm what a worker process keeps between
certificates: the parsed stylesheet and its registered fonts (`rendering.py`) and the loaded
signing key (`signing.py`). The floor is left as WeasyPrint's defaults make it: a fresh font
configuration per page.

Times are medians. Target: render <= 4x the floor. A miss exits 1. This measures this machine,
and the load average (printed) moves the figures.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from bench.services import demo_portal, served_pki

TARGET = 4.0


def _timed(call: Callable[[], object]) -> float:
    started = time.perf_counter()
    call()
    return time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=11)
    args = parser.parse_args(argv)
    with (
        tempfile.TemporaryDirectory(prefix="bench-certificates-") as folder,
        served_pki(Path(folder) / "pki") as pki,
    ):
        demo_portal(Path(folder) / "var", pki)

        from filings.certificates.content import assessment_json, certificate_context
        from filings.certificates.models import Certificate
        from filings.certificates.rendering import render_floor, render_pdf
        from filings.certificates.signing import sign_pdf

        certificate = Certificate.objects.select_related("filing", "assessment").get()
        context, attachment = certificate_context(certificate), assessment_json(certificate)
        render_floor()  # warm what a worker keeps: stylesheet, fonts, signing key
        sign_pdf(render_pdf(context, assessment_json=attachment))
        load_before = os.getloadavg()
        floors, renders, signs = [], [], []
        for _ in range(args.repeats):
            floors.append(_timed(render_floor))
            started = time.perf_counter()
            pdf = render_pdf(context, assessment_json=attachment)
            renders.append(time.perf_counter() - started)
            started = time.perf_counter()
            sign_pdf(pdf)
            signs.append(time.perf_counter() - started)
    floor, rendered, signed = (statistics.median(x) for x in (floors, renders, signs))
    ratio = rendered / floor
    load = " / ".join(" ".join(f"{x:.1f}" for x in avg) for avg in (load_before, os.getloadavg()))
    print(f"certificates ({args.repeats} runs, medians; load average before / after: {load})")
    print(f"  floor   one-line WeasyPrint page   {floor * 1000:8.1f} ms")
    print(
        f"  render  certificate PDF/A-3b       {rendered * 1000:8.1f} ms   "
        f"{ratio:.2f}x floor (target <= {TARGET:.0f}x) {'ok' if ratio <= TARGET else 'MISS'}"
    )
    print(f"  sign    pyHanko PAdES              {signed * 1000:8.1f} ms")
    return 0 if ratio <= TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
