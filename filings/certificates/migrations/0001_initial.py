"""Certificates, formerly the filings app's; the table stays."""

import django.db.models.deletion
import uuid
from django.conf import settings
from django.db import migrations, models
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps


MODELS = ('certificate',)


def _move(apps: StateApps, old: str, new: str) -> None:
    """Keep the content types (and so the permissions given to the console's groups)."""
    content_type = apps.get_model("contenttypes", "ContentType")
    for model in MODELS:
        if not content_type.objects.filter(app_label=new, model=model).exists():
            content_type.objects.filter(app_label=old, model=model).update(app_label=new)


def _rename_content_types(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    _move(apps, "filings", 'certificates')


def _restore_content_types(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    _move(apps, 'certificates', "filings")


class Migration(migrations.Migration):

    initial = True

    dependencies = [
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
                    name='Certificate',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('serial', models.CharField(max_length=20, unique=True)),
                        ('public_id', models.UUIDField(default=uuid.uuid4, editable=False, unique=True)),
                        ('status', models.CharField(choices=[('pending', 'Being issued'), ('issued', 'Valid'), ('failed', 'Could not be issued'), ('superseded', 'Superseded'), ('revoked', 'Revoked')], db_index=True, default='pending', max_length=20)),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('render_attempts', models.PositiveSmallIntegerField(default=0)),
                        ('error', models.TextField(blank=True)),
                        ('stored_name', models.CharField(blank=True, max_length=80)),
                        ('pdf_sha256', models.CharField(blank=True, max_length=64)),
                        ('pdf_size', models.PositiveIntegerField(blank=True, null=True)),
                        ('issued_at', models.DateTimeField(blank=True, null=True)),
                        ('revoked_at', models.DateTimeField(blank=True, null=True)),
                        ('revoked_reason', models.TextField(blank=True)),
                        ('approved_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('assessment', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='filings.assessment')),
                        ('filing', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='certificates', to='filings.filing')),
                        ('revoked_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('superseded_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='certificates.certificate')),
                    ],
                    options={
                        'db_table': 'filings_certificate',
                        'ordering': ('-created_at', '-pk'),
                    },
                ),
            ],
        ),
        migrations.RunPython(_rename_content_types, _restore_content_types),
    ]
