"""Indexes for the filing lists (issue 13): each list's order, newest first with the primary key
breaking ties, within what it filters on, so a page reads its rows' keys from an index instead of
sorting the organisation's filings."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("filings", "0007_certificate_revoked_state"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="filing",
            index=models.Index(fields=["organisation", "-created_at", "-id"],
                               name="filing_org_created_idx"),
        ),
        migrations.AddIndex(
            model_name="filing",
            index=models.Index(fields=["organisation", "state", "-created_at", "-id"],
                               name="filing_org_state_created_idx"),
        ),
        migrations.AddIndex(
            model_name="filing",
            index=models.Index(condition=models.Q(("submitted_at__isnull", False)),
                               fields=["-created_at", "-id"], name="filing_submitted_created_idx"),
        ),
    ]
