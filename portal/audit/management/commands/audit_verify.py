"""`manage.py audit_verify`: check every organisation's hash chain; exit 1 at the first break."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from portal.audit.services import audit_verify_all


class Command(BaseCommand):
    help = ("Check the audit trail: every event's hash and its link to the one before, per "
            "organisation. Names the first altered event of each broken chain; exit status 1.")

    def handle(self, *args: Any, **options: Any) -> None:
        count, broken = audit_verify_all()
        for event in broken:
            self.stderr.write(f"{event.organisation}: the chain breaks at event {event.pk} "
                              f"({event.action}, {event.created_at.isoformat()}): its content or "
                              "its link to the previous event was altered.")
        if broken:
            raise CommandError(f"{len(broken)} organisation(s) with an altered audit trail.")
        self.stdout.write(f"The audit trail is intact: {count} event(s) checked.")
