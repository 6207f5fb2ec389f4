"""TRUST 18: a broker outage when work is queued is not an error for the person who asked; the
work is in the database and the sweep sends it once the broker is back."""

from __future__ import annotations

import datetime as dt
import logging

import pytest
from django.urls import reverse
from django.utils import timezone

from filings.models import Filing
from filings.services.assessment import assessment_sweep
from filings.states import State
from portal.celery import app
from tests.services.test_filing_services import draft_with_workbook

pytestmark = pytest.mark.django_db


def _use_broker(monkeypatch, url: str) -> None:
    """Point the app at `url`: new connection pools for it (monkeypatch puts the originals
    back, open, after the test)."""
    monkeypatch.setattr(app.conf, "broker_url", url)
    monkeypatch.setattr(app, "_pool", None)
    monkeypatch.setattr(app.amqp, "_producer_pool", None)


def test_submitting_while_the_broker_is_down_succeeds_and_the_sweep_sends_it_later(
        client, signer, preparer, settings, monkeypatch, caplog,
        django_capture_on_commit_callbacks):
    draft = draft_with_workbook(preparer)
    client.force_login(signer)
    broker = app.conf.broker_url
    _use_broker(monkeypatch, "redis://127.0.0.1:9/0")  # nothing listens there
    with caplog.at_level(logging.WARNING), django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("filings:submit", args=[draft.reference]), {"attest": "on"})

    assert response.status_code == 302
    assert Filing.objects.get(pk=draft.pk).state == State.SUBMITTED
    assert "broker is unreachable; the sweep re-sends it" in caplog.text

    # The broker is back; the filing is older than the sweep's threshold.
    _use_broker(monkeypatch, broker)
    Filing.objects.filter(pk=draft.pk).update(
        state_changed_at=timezone.now() - dt.timedelta(
            seconds=settings.ASSESSMENT_STUCK_AFTER_SECONDS + 1))
    attempts = Filing.objects.get(pk=draft.pk).assessment_attempts
    caplog.clear()
    with caplog.at_level(logging.WARNING), django_capture_on_commit_callbacks(execute=True):
        assert assessment_sweep() == 1
    assert "unreachable" not in caplog.text
    assert Filing.objects.get(pk=draft.pk).assessment_attempts == attempts + 1
