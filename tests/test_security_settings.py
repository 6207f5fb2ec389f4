"""Security headers on every page, and the production settings pass Django's deploy checks."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from django.urls import reverse

ROOT = Path(__file__).resolve().parents[1]


def test_every_page_sends_the_security_headers(client, signer):
    client.force_login(signer)
    response = client.get(reverse("filings:dashboard"))
    assert response.status_code == 200
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp and "'unsafe-inline'" not in csp


def test_the_production_settings_pass_check_deploy():
    env = {**os.environ, "PRODUCTION": "1", "DEBUG": "0",
           "SECRET_KEY": "x" * 20 + "production-only-secret-for-the-check-0123456789",
           "ALLOWED_HOSTS": "portal.example.gov"}
    done = subprocess.run([sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stdout + done.stderr


def test_production_cookies_are_secure_and_https_is_enforced():
    env = {**os.environ, "PRODUCTION": "1", "SECRET_KEY": "y" * 60}
    code = ("import django, os; os.environ['DJANGO_SETTINGS_MODULE']='portal.settings'; django.setup();"
            "from django.conf import settings as s;"
            "print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS)")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=60, check=False)
    assert done.stdout.split() == ["True", "True", "True", "31536000"], done.stderr


def test_passwords_are_stored_with_argon2(settings):
    """The suite hashes with MD5 for speed (tests/conftest.py); the portal itself uses Argon2."""
    from django.contrib.auth.hashers import check_password, make_password

    from portal import settings as configured

    settings.PASSWORD_HASHERS = configured.PASSWORD_HASHERS
    assert configured.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"
    encoded = make_password("correct horse battery staple 42")
    assert encoded.startswith("argon2$")
    assert check_password("correct horse battery staple 42", encoded)
    assert not check_password("correct horse battery staple 43", encoded)
