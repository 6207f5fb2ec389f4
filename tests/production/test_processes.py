"""The Procfile's commands, run as real processes: gunicorn and a Celery worker file and assess a
filing over HTTP, and one request id runs through the web's and the worker's JSON log lines."""

from __future__ import annotations

import re
import subprocess
import uuid
from pathlib import Path
from typing import Any

import pytest
import requests

from filings.states import State
from portal.accounts.roles import Role
from portal.celery import app
from tests.celery_worker import _clear_audit_events, free_port, wait_for
from tests.conftest import DATA
from tests.factories import PASSWORD, OrganisationFactory, member
from tests.production.processes import ROOT, Running, command, environment, running

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

SIGNER = "signer@granite.example"
REFERENCE = re.compile(r"/filings/([0-9a-f-]{36})/$")


@pytest.fixture(autouse=True)
def _fast_password_hashing():
    """Not here: the log-in happens in a real gunicorn process, which checks passwords with the
    configured hashers only, so the test's users are hashed with them too."""



class Portal:
    """A signer's browser session, reduced to the requests the filing pages make."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.session = requests.Session()

    def alive(self) -> bool:
        try:
            return self.session.get(f"{self.base_url}/health/", timeout=5).status_code == 200
        except (requests.ConnectionError, requests.Timeout):  # not listening, or still loading
            return False

    def post(self, path: str, data: dict[str, str], **kwargs) -> requests.Response:
        # Django accepts the CSRF cookie's secret as the form token; the cookie came with a page.
        data = {**data, "csrfmiddlewaretoken": str(self.session.cookies["csrftoken"])}
        return self.session.post(f"{self.base_url}{path}", data=data, allow_redirects=False,
                                 timeout=30, **kwargs)

    def log_in(self, email: str) -> None:
        self.session.get(f"{self.base_url}/accounts/login/", timeout=10).raise_for_status()
        response = self.post("/accounts/login/", {"username": email, "password": PASSWORD})
        assert response.status_code == 302, response.text

    def create_filing(self) -> str:
        self.session.get(f"{self.base_url}/filings/new/", timeout=10).raise_for_status()
        response = self.post("/filings/new/", {
            "make": "Granite Motor Company", "model": "Ironwood EV", "model_year": "2024",
            "vehicle_class": "pickup", "coverage_start": "2024-06-01", "coverage_end": "2024-12-31"})
        assert response.status_code == 302, response.text
        match = REFERENCE.search(response.headers["Location"])
        assert match, response.headers["Location"]
        return match.group(1)

    def upload(self, reference: str, workbook: Path) -> None:
        with workbook.open("rb") as file:
            response = self.post(f"/filings/{reference}/evidence/", {"kind": "evidence"},
                                 files={"file": (workbook.name, file)})
        assert response.status_code == 302, response.text

    def state(self, reference: str) -> str:
        status = self.session.get(f"{self.base_url}/filings/{reference}/status.json", timeout=10)
        return str(status.json()["state"])


def test_gunicorn_and_a_worker_from_the_procfile_assess_a_filing_under_one_request_id(tmp_path):
    member(Role.SIGNER, OrganisationFactory(name="Granite Motor Company"), email=SIGNER)
    app.control.purge()
    request_id = f"e2e-{uuid.uuid4().hex[:12]}"
    port = free_port()
    try:
        with (running("web", tmp_path, PORT=str(port), WEB_CONCURRENCY="1", WEB_THREADS="2") as web,
              # The console mail backend would print the outcome e-mail amid the log lines.
              running("worker", tmp_path, WORKER_CONCURRENCY="1",
                      EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend") as worker):
            portal = Portal(f"http://127.0.0.1:{port}")
            wait_for(portal.alive, timeout=30, what="gunicorn to answer /health/")
            portal.log_in(SIGNER)
            reference = portal.create_filing()
            portal.upload(reference, DATA / "us-pickup-japan-minerals.xlsx")
            submitted = portal.post(f"/filings/{reference}/submit/", {"attest": "on"},
                                    headers={"X-Request-ID": request_id})
            assert submitted.status_code == 302, submitted.text
            assert submitted.headers["X-Request-ID"] == request_id

            wait_for(lambda: portal.state(reference) == State.ASSESSED, timeout=90,
                     what="the worker to assess the filing")
            # The worker logs the task's success just after the assessment is committed.
            wait_for(lambda: _succeeded(_task_lines(worker, request_id)), timeout=10,
                     what="the worker's log line for the task")
            web_lines, task_lines = web.json_lines(), _task_lines(worker, request_id)
    finally:
        _clear_audit_events()

    access = [line for line in web_lines if line["logger"] == "gunicorn.access"]
    assert [(line["path"], line["status"]) for line in access
            if line.get("request_id") == request_id] == [(f"/filings/{reference}/submit/", 302)]
    # Every other request got an id of its own.
    assert len({line.get("request_id") for line in access}) == len(access)
    assert _succeeded(task_lines)
    assert len({line["task_id"] for line in task_lines}) == 1


def _task_lines(worker: Running, request_id: str) -> list[dict[str, Any]]:
    """The worker's JSON lines made while running a task enqueued under `request_id` (every line
    must be JSON, this checks that too)."""
    return [line for line in worker.json_lines()
            if line.get("request_id") == request_id and line.get("task_id")]


def _succeeded(task_lines: list[dict[str, Any]]) -> bool:
    return any("succeeded" in line["message"] for line in task_lines)


@pytest.mark.parametrize(("name", "started"), [("certificates", "certificates@"),
                                                ("beat", "beat: Starting")])
def test_the_certificates_worker_and_beat_log_json_lines(name, started, tmp_path):
    app.control.purge()
    # Its own var/: beat's schedule file and (without Redis) the broker's folders.
    with running(name, tmp_path, VAR_DIR=str(tmp_path / "var")) as process:
        wait_for(lambda: any(started in line["message"] for line in process.json_lines()),
                 timeout=60, what=f"{name} to start")
        assert process.process.poll() is None


def test_the_release_line_migrates_and_exits():
    release = subprocess.run(command("release"), cwd=ROOT, env=environment(), capture_output=True,
                             timeout=120, check=False)
    assert release.returncode == 0, release.stderr.decode(errors="replace")
    assert b"No migrations to apply" in release.stdout
