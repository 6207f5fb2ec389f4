"""The local PKI (portal/pki, certomancer) for the tests: signing certificate, TSA, OCSP, CRLs.

The one named by TEST_PKI_DIR and TEST_PKI_PORT (`.ci/run` starts it), or else
`python -m portal.pki serve` over a temporary folder on a free loopback port, one per test
process (xdist worker), stopped at the end of the session. The settings of every test sign and
verify with it (tests/conftest.py), and so do the worker and manage.py processes the tests start
(their environment: `LocalPki.environment()`). When it does not answer the tests fail, never skip.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from portal.pki import LocalPki, prepare
from tests.celery_worker import ROOT, free_port, stop_process


def answers(pki: LocalPki) -> bool:
    try:
        with urllib.request.urlopen(f"{pki.url}/portal/crls/interm/latest.crl", timeout=2) as r:
            return bool(r.status == 200)
    except (urllib.error.URLError, OSError):
        return False


@pytest.fixture(scope="session")
def local_pki(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalPki]:
    given = os.environ.get("TEST_PKI_DIR", "").strip()
    if given:
        pki = prepare(Path(given), int(os.environ.get("TEST_PKI_PORT", "8790")))
        if not answers(pki):
            pytest.fail(f"The PKI named by TEST_PKI_DIR={given} does not answer on {pki.url}; "
                        "start it (`python -m portal.pki serve`), or unset TEST_PKI_DIR.")
        yield pki
        return
    yield from serve_pki(tmp_path_factory.mktemp("pki"))


def serve_pki(folder: Path, port: int | None = None) -> Iterator[LocalPki]:
    """`python -m portal.pki serve` over `folder` until the generator is closed."""
    pki = prepare(folder, port or free_port())
    log_path = folder / "serve.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "portal.pki", "serve", "--dir", str(folder),
             "--port", str(pki.port)], cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 30
        while not answers(pki):
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"The local PKI did not come up on {pki.url}:\n"
                            f"{log_path.read_text(errors='replace')[-3000:]}")
            time.sleep(0.1)
        yield pki
    finally:
        stop_process(process, timeout=10)
