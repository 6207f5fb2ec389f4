"""`manage.py setup_roles`: the reviewer console's permission groups, and who is in them.

Reviewers and approvers use the console (Django admin) as staff, never as superusers. Their Django
permissions only let them *view*; every change goes through `filings.services`, which checks the
membership role again. Console access follows the membership role, defined once in
`portal.accounts.roles`:

    reviewer of the authority  -> is_staff, group "Reviewers"
    approver of the authority  -> is_staff, group "Approvers"
    anyone else                -> in neither group; staff only when superuser

Code that creates or changes a membership (demo data, the accounts admin) calls
`portal.accounts.services.console_access_sync(user=...)`; this command re-creates the groups and
re-syncs every user, and is safe to run any number of times.
"""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q

from portal.accounts.models import User
from portal.accounts.services import console_access_sync, console_groups_sync


class Command(BaseCommand):
    help = ("Create the reviewer console groups (Reviewers, Approvers) with their view-only "
            "permissions and sync every user's group and staff flag from their membership role.")

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--email", help="sync only this user")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            groups = console_groups_sync()
        except RuntimeError as exc:
            raise CommandError(str(exc)) from exc
        users = User.objects.filter(Q(memberships__isnull=False) | Q(is_staff=True)).distinct()
        if options["email"]:
            users = users.filter(email=options["email"].lower())
            if not users.exists():
                raise CommandError(f"No user with a membership or staff flag has the e-mail "
                                   f"{options['email']}.")
        for user in users:
            console_access_sync(user=user, groups=groups)
        names = ", ".join(group.name for group in groups.values())
        self.stdout.write(f"Groups {names} ready; {users.count()} user(s) synced.")
