"""Certificates, rulebook versions and the audit trail move to their own apps (tables kept)."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('filings', '0004_rulebook_versions'),
    ]

    operations = [
        # The tables stay as they are (same names, same rows): only Django's idea of which
        # app owns the model moves.
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.RemoveField(
                    model_name='certificate',
                    name='approved_by',
                ),
                migrations.RemoveField(
                    model_name='certificate',
                    name='assessment',
                ),
                migrations.RemoveField(
                    model_name='certificate',
                    name='filing',
                ),
                migrations.RemoveField(
                    model_name='certificate',
                    name='revoked_by',
                ),
                migrations.RemoveField(
                    model_name='certificate',
                    name='superseded_by',
                ),
                migrations.RemoveField(
                    model_name='impactpreview',
                    name='draft',
                ),
                migrations.RemoveField(
                    model_name='impactpreview',
                    name='requested_by',
                ),
                migrations.RemoveField(
                    model_name='rulebookversion',
                    name='based_on',
                ),
                migrations.RemoveField(
                    model_name='rulebookversion',
                    name='created_by',
                ),
                migrations.RemoveField(
                    model_name='rulebookversion',
                    name='published_by',
                ),
                migrations.DeleteModel(
                    name='AuditEvent',
                ),
                migrations.DeleteModel(
                    name='Certificate',
                ),
                migrations.DeleteModel(
                    name='ImpactPreview',
                ),
                migrations.DeleteModel(
                    name='RulebookVersion',
                ),
            ],
        ),
    ]
