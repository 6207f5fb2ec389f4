"""`/health/` says the process is alive without asking the database or the broker."""

from __future__ import annotations

import pytest

from portal.celery import app


@pytest.mark.django_db(transaction=True)
def test_alive_even_when_the_database_and_the_broker_are_unreachable(client, monkeypatch,
                                                                    database_unreachable):
    monkeypatch.setattr(app.conf, "broker_url", "redis://127.0.0.1:9/0")
    with database_unreachable():
        response = client.get("/health/")
        ready = client.get("/ready/")

    assert response.status_code == 200
    assert response.json() == {"alive": True}
    assert "no-cache" in response["Cache-Control"]
    # The same breakage /ready/ reports: /health/ simply never looked.
    assert ready.json()["checks"] == {"database": "unreachable", "broker": "unreachable"}


def test_alive_answers_head_and_refuses_post(client):
    # No database access is allowed in this test: a query would fail it.
    assert client.head("/health/").status_code == 200
    assert client.post("/health/").status_code == 405


@pytest.mark.parametrize("path", ["/health/", "/ready/"])
def test_probes_over_plain_http_are_not_redirected_in_production(client, settings, path, db):
    settings.SECURE_SSL_REDIRECT = True

    assert client.get(path).status_code == 200
    assert client.get("/accounts/login/").status_code == 301


def test_the_web_process_serves_static_files_itself_without_debug(client, settings):
    """gunicorn serves no files: WhiteNoise does, with DEBUG off as in production."""
    assert settings.DEBUG is False
    response = client.get("/static/filings/portal.css")
    assert response.status_code == 200
    assert b"".join(response.streaming_content)
    assert client.get("/static/filings/no-such-file.css").status_code == 404
