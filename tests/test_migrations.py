"""The models that moved to their own apps (audit, certificates, rulebooks) kept every row: a
database holding the demo data, taken back to before the move, then forward again."""

from __future__ import annotations

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from filings.certificates.models import Certificate
from filings.models import Assessment, Filing
from filings.rulebooks.models import ImpactPreview, RulebookVersion
from portal.accounts.models import User
from portal.audit.models import AuditEvent
from tests.celery_worker import _clear_audit_events

BEFORE_THE_MOVE = [("filings", "0004_rulebook_versions"), ("audit", None), ("certificates", None),
                   ("rulebooks", None)]
MOVED = {"audit": ["AuditEvent"], "certificates": ["Certificate"],
         "rulebooks": ["RulebookVersion", "ImpactPreview"]}


def _migrate(targets: list[tuple[str, str | None]] | None = None) -> MigrationExecutor:
    executor = MigrationExecutor(connection)
    executor.migrate(targets or executor.loader.graph.leaf_nodes())
    return MigrationExecutor(connection)  # a fresh loader: the state as migrated


@pytest.fixture
def _flushable():
    yield
    _clear_audit_events()  # append-only rows refuse the transactional test's flush on SQLite


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("_flushable")
def test_the_demo_data_survives_the_move_to_three_apps(settings, tmp_path):
    # The seed certificate is signed with the local PKI (tests/pki.py, tests/conftest.py).
    call_command("demo_data", verbosity=0)
    counts = {"AuditEvent": AuditEvent.objects.count(), "Certificate": Certificate.objects.count(),
              "RulebookVersion": RulebookVersion.objects.count(),
              "ImpactPreview": ImpactPreview.objects.count()}
    assert counts["AuditEvent"] and counts["Certificate"] and counts["RulebookVersion"] >= 2
    lifecycle = (Filing.objects.count(), Assessment.objects.count())

    try:
        before = _migrate(BEFORE_THE_MOVE).loader.project_state(BEFORE_THE_MOVE[:1]).apps
        # Before the move the filings app owned every model, and saw every row.
        for model, count in counts.items():
            assert before.get_model("filings", model).objects.count() == count
        assert ContentType.objects.filter(app_label="filings", model="certificate").exists()
    finally:
        _migrate()

    assert {"AuditEvent": AuditEvent.objects.count(), "Certificate": Certificate.objects.count(),
            "RulebookVersion": RulebookVersion.objects.count(),
            "ImpactPreview": ImpactPreview.objects.count()} == counts
    assert (Filing.objects.count(), Assessment.objects.count()) == lifecycle
    for app_label, models in MOVED.items():
        for model in models:
            assert ContentType.objects.filter(app_label=app_label, model=model.lower()).exists()
            assert not ContentType.objects.filter(app_label="filings", model=model.lower()).exists()
    # The console groups kept their permissions through the content types' move.
    reviewer = User.objects.get(email="reviewer@authority.example")
    assert reviewer.has_perm("audit.view_auditevent")
    assert reviewer.has_perm("rulebooks.view_rulebookversion")
