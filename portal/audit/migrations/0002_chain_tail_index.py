"""The audit chain's tail: an organisation's last event found from an index (issue 13)."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("audit", "0001_initial"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="auditevent",
            index=models.Index(fields=["organisation", "id"], name="audit_org_id_idx"),
        ),
    ]
