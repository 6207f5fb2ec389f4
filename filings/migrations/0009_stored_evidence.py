"""Stored evidence (a version's groups, read once) and each assessment's outcome (issue 13)."""

import django.db.models.deletion
from django.db import migrations, models
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps


def fill_outcomes(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    """Every stored assessment's outcome, from its result (the same function as new ones)."""
    from filings.models import outcome_document

    Assessment = apps.get_model("filings", "Assessment")
    for assessment in Assessment.objects.filter(result__isnull=False).iterator(chunk_size=200):
        assessment.outcome = outcome_document(assessment.result)
        assessment.save(update_fields=["outcome"])


class Migration(migrations.Migration):

    dependencies = [
        ('filings', '0008_list_figures'),
    ]

    operations = [
        migrations.AddField(
            model_name="assessment",
            name="outcome",
            field=models.JSONField(blank=True, null=True),
        ),
        migrations.RunPython(fill_outcomes, migrations.RunPython.noop),
        migrations.CreateModel(
            name='StoredEvidence',
            fields=[
                ('version', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, primary_key=True, related_name='stored_evidence', serialize=False, to='filings.evidenceversion')),
                ('files_sha256', models.CharField(max_length=64)),
                ('data', models.BinaryField()),
                ('data_sha256', models.CharField(max_length=64)),
                ('mineral_lines', models.PositiveIntegerField(default=0)),
                ('mineral_groups', models.PositiveIntegerField(default=0)),
                ('component_lines', models.PositiveIntegerField(default=0)),
                ('read_ms', models.PositiveIntegerField(default=0, help_text='How long reading the files took.')),
                ('stored_at', models.DateTimeField(auto_now=True)),
            ],
        ),
    ]
