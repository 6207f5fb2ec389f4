"""Audit events are append-only in the database too: UPDATE and DELETE raise."""

from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

POSTGRES = """
CREATE OR REPLACE FUNCTION filings_auditevent_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit events are append-only';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER filings_auditevent_no_update BEFORE UPDATE OR DELETE ON filings_auditevent
    FOR EACH ROW EXECUTE FUNCTION filings_auditevent_append_only();
"""
POSTGRES_REVERSE = """
DROP TRIGGER IF EXISTS filings_auditevent_no_update ON filings_auditevent;
DROP FUNCTION IF EXISTS filings_auditevent_append_only();
"""
SQLITE = [
    """CREATE TRIGGER filings_auditevent_no_update BEFORE UPDATE ON filings_auditevent
       BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;""",
    """CREATE TRIGGER filings_auditevent_no_delete BEFORE DELETE ON filings_auditevent
       BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;""",
]
SQLITE_REVERSE = [
    "DROP TRIGGER IF EXISTS filings_auditevent_no_update;",
    "DROP TRIGGER IF EXISTS filings_auditevent_no_delete;",
]


def forwards(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    _run(schema_editor, [POSTGRES] if schema_editor.connection.vendor == "postgresql" else SQLITE)


def backwards(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    _run(schema_editor,
         [POSTGRES_REVERSE] if schema_editor.connection.vendor == "postgresql" else SQLITE_REVERSE)


def _run(schema_editor: BaseDatabaseSchemaEditor, statements: list[str]) -> None:
    if schema_editor.connection.vendor not in ("postgresql", "sqlite"):
        raise NotImplementedError("append-only triggers exist for PostgreSQL and SQLite only")
    for statement in statements:
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("filings", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
