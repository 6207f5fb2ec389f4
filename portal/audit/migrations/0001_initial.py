"""The audit trail, formerly the filings app's `AuditEvent`; its table and triggers stay."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps


MODELS = ('auditevent',)


def _move(apps: StateApps, old: str, new: str) -> None:
    """Keep the content types (and so the permissions given to the console's groups)."""
    content_type = apps.get_model("contenttypes", "ContentType")
    for model in MODELS:
        if not content_type.objects.filter(app_label=new, model=model).exists():
            content_type.objects.filter(app_label=old, model=model).update(app_label=new)


def _rename_content_types(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    _move(apps, "filings", 'audit')


def _restore_content_types(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    _move(apps, 'audit', "filings")


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('accounts', '0002_login_failure'),
        ('filings', '0005_models_move_to_their_apps'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        ('contenttypes', '0002_remove_content_type_name'),
    ]

    operations = [
        # The tables stay as they are (same names, same rows): only Django's idea of which
        # app owns the model moves.
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name='AuditEvent',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('action', models.CharField(max_length=50)),
                        ('from_state', models.CharField(blank=True, max_length=20)),
                        ('to_state', models.CharField(blank=True, max_length=20)),
                        ('reason', models.TextField(blank=True)),
                        ('data', models.JSONField(blank=True, default=dict)),
                        ('created_at', models.DateTimeField()),
                        ('previous_hash', models.CharField(max_length=64)),
                        ('hash', models.CharField(max_length=64, unique=True)),
                        ('actor', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('filing', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='audit_events', to='filings.filing')),
                        ('organisation', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='accounts.organisation')),
                    ],
                    options={
                        'db_table': 'filings_auditevent',
                        'ordering': ('pk',),
                    },
                ),
            ],
        ),
        migrations.RunPython(_rename_content_types, _restore_content_types),
    ]
