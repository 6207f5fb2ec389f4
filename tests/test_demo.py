"""`make demo` (portal/demo.py): every process, demo_data first, serves and links to DEMO_HOST and
DEMO_PORT, and runs with DEBUG off, whatever the shell says."""

from __future__ import annotations

from portal import demo


def test_the_demo_address_comes_from_demo_host_and_demo_port_when_the_demo_starts(monkeypatch):
    monkeypatch.setenv("DEMO_HOST", "demo.example")
    monkeypatch.setenv("DEMO_PORT", "8123")
    monkeypatch.delenv("ALLOWED_HOSTS", raising=False)

    env = demo.demo_environment()

    assert env["PORTAL_BASE_URL"] == "http://demo.example:8123"
    assert (env["WEB_HOST"], env["PORT"]) == ("demo.example", "8123")
    assert env["ALLOWED_HOSTS"].split(",") == ["localhost", "127.0.0.1", "demo.example"]


def test_the_demo_defaults_to_127_0_0_1_port_8000(monkeypatch):
    monkeypatch.delenv("DEMO_HOST", raising=False)
    monkeypatch.delenv("DEMO_PORT", raising=False)

    assert demo.demo_environment()["PORTAL_BASE_URL"] == "http://127.0.0.1:8000"


def test_the_demo_never_runs_with_debug_on(monkeypatch):
    monkeypatch.setenv("DEBUG", "1")

    assert demo.demo_environment()["DEBUG"] == "0"
