"""Rulebook versions and impact previews, formerly the filings app's; tables and triggers stay."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps


MODELS = ('rulebookversion', 'impactpreview')


def _move(apps: StateApps, old: str, new: str) -> None:
    """Keep the content types (and so the permissions given to the console's groups)."""
    content_type = apps.get_model("contenttypes", "ContentType")
    for model in MODELS:
        if not content_type.objects.filter(app_label=new, model=model).exists():
            content_type.objects.filter(app_label=old, model=model).update(app_label=new)


def _rename_content_types(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    _move(apps, "filings", 'rulebooks')


def _restore_content_types(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    _move(apps, 'rulebooks', "filings")


class Migration(migrations.Migration):

    initial = True

    dependencies = [
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
                    name='RulebookVersion',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('rulebook_id', models.CharField(max_length=50)),
                        ('version', models.CharField(max_length=50)),
                        ('status', models.CharField(choices=[('draft', 'Draft'), ('published', 'Published')], db_index=True, default='draft', max_length=10)),
                        ('data', models.JSONField()),
                        ('data_sha256', models.CharField(max_length=64)),
                        ('citation', models.TextField(blank=True, help_text='The law, regulation or notice the amendment follows.')),
                        ('note', models.TextField(blank=True, help_text='What changes and why, in a sentence or two.')),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('published_at', models.DateTimeField(blank=True, null=True)),
                        ('based_on', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='rulebooks.rulebookversion')),
                        ('created_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('published_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'db_table': 'filings_rulebookversion',
                        'ordering': ('-published_at', '-pk'),
                    },
                ),
                migrations.CreateModel(
                    name='ImpactPreview',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('data_sha256', models.CharField(max_length=64)),
                        ('status', models.CharField(choices=[('queued', 'Queued'), ('running', 'Running'), ('done', 'Done'), ('failed', 'Failed')], default='queued', max_length=10)),
                        ('total', models.PositiveIntegerField(default=0)),
                        ('done', models.PositiveIntegerField(default=0)),
                        ('rows', models.JSONField(blank=True, default=list)),
                        ('counts', models.JSONField(blank=True, default=dict)),
                        ('error', models.TextField(blank=True)),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('finished_at', models.DateTimeField(blank=True, null=True)),
                        ('requested_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('draft', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='previews', to='rulebooks.rulebookversion')),
                    ],
                    options={
                        'db_table': 'filings_impactpreview',
                        'ordering': ('-created_at', '-pk'),
                    },
                ),
                migrations.AddConstraint(
                    model_name='rulebookversion',
                    constraint=models.UniqueConstraint(fields=('rulebook_id', 'version'), name='one_record_per_rulebook_version'),
                ),
                migrations.AddConstraint(
                    model_name='rulebookversion',
                    constraint=models.CheckConstraint(condition=models.Q(models.Q(('published_at__isnull', True), ('status', 'draft')), models.Q(('published_at__isnull', False), ('status', 'published')), _connector='OR'), name='published_version_has_a_date'),
                ),
            ],
        ),
        migrations.RunPython(_rename_content_types, _restore_content_types),
    ]
