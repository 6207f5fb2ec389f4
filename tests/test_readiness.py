"""TRUST 22: `/ready/` answers 503 when the database or the broker cannot be reached."""

from __future__ import annotations

import pytest

from portal.celery import app


@pytest.mark.django_db
def test_ready_when_the_database_and_the_broker_answer(client):
    response = client.get("/ready/")

    assert response.status_code == 200
    assert response.json() == {"ready": True, "checks": {"database": "ok", "broker": "ok"}}
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.django_db
def test_not_ready_when_the_broker_is_unreachable(client, monkeypatch):
    # A real connection attempt to a port nothing listens on.
    monkeypatch.setattr(app.conf, "broker_url", "redis://127.0.0.1:9/0")

    response = client.get("/ready/")

    assert response.status_code == 503
    assert response.json()["checks"] == {"database": "ok", "broker": "unreachable"}


@pytest.mark.django_db(transaction=True)
def test_not_ready_when_the_database_is_unreachable(client, database_unreachable):
    with database_unreachable():
        response = client.get("/ready/")

    assert response.status_code == 503
    assert response.json()["checks"]["database"] == "unreachable"
