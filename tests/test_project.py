"""The project's ground: settings, database and migrations are what the environment says."""

from __future__ import annotations

import os

import pytest
from django.core.management import call_command
from django.db import connection


@pytest.mark.django_db
def test_the_suite_runs_on_the_database_named_in_database_url():
    expected = "postgresql" if os.environ.get("DATABASE_URL", "").startswith("postgres") else "sqlite"
    assert connection.vendor == expected
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        assert cursor.fetchone() == (1,)


@pytest.mark.django_db
def test_no_model_change_lacks_a_migration():
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)


def test_the_system_check_passes():
    call_command("check", fail_level="WARNING")
