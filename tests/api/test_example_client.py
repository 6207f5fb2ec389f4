"""docs/api-example.py files, uploads, submits and prints the assessed outcome against a live
server and a real Celery worker."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from filings.api.services import api_token_create
from filings.models import Filing
from filings.states import State

EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "api-example.py"


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_the_example_client_files_and_prints_the_assessed_outcome(live_server, signer,
                                                                   celery_worker_process):
    _, key = api_token_create(actor=signer, name="example client")
    result = subprocess.run(
        [sys.executable, str(EXAMPLE), "--base-url", live_server.url, "--timeout", "90"],
        env={**os.environ, "CVC_API_TOKEN": key}, capture_output=True, text=True, timeout=150,
        check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Outcome: Assessed under rulebook" in result.stdout
    assert "per vehicle" in result.stdout
    filing = Filing.objects.get()
    assert (filing.state, filing.submitted_by) == (State.ASSESSED, signer)


def test_the_example_client_without_a_token_says_how_to_make_one():
    env = {k: v for k, v in os.environ.items() if k != "CVC_API_TOKEN"}
    result = subprocess.run([sys.executable, str(EXAMPLE)], env=env, capture_output=True,
                            text=True, timeout=60, check=False)
    assert result.returncode == 2
    assert "Set CVC_API_TOKEN" in result.stderr
    assert "Traceback" not in result.stderr
