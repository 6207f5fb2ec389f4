"""`manage.py setup_roles`: the reviewer console's permission groups, and who is in them.

Reviewers and approvers use the console (Django admin) as staff, never as superusers. Their Django
permissions only let them *view*; every change goes through `filings.services`, which checks the
membership role again. Console access follows the membership role, defined once in
`portal.accounts.roles`:

    reviewer of the authority  -> is_staff, group "Reviewers"
    approver of the authority  -> is_staff, group "Approvers"
    anyone else                -> in neither group; staff only when superuser

Code that creates or changes a membership (demo data, the accounts admin) calls
`console_access_sync(user=...)`; this command re-creates the groups and re-syncs every user, and is
safe to run any number of times.
"""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.contrib.auth.models import Group, Permission
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.db.models import Q

from portal.accounts.models import User
from portal.accounts.roles import ROLE_KIND, OrganisationKind, Role

# One group per authority role: "Reviewers", "Approvers".
CONSOLE_GROUPS: dict[Role, str] = {
    role: f"{role.label}s" for role in Role if ROLE_KIND[role] == OrganisationKind.AUTHORITY
}
# Exactly what the console shows; no add/change/delete: decisions go through the services.
CONSOLE_PERMISSIONS: tuple[str, ...] = (
    "filings.view_filing",
    "filings.view_evidencefile",
    "filings.view_assessment",
    "filings.view_reviewnote",
    "filings.view_auditevent",
)


def console_groups_sync() -> dict[Role, Group]:
    """Create the console groups, each with exactly `CONSOLE_PERMISSIONS`; idempotent."""
    codenames = [p.split(".", 1)[1] for p in CONSOLE_PERMISSIONS]
    permissions = list(Permission.objects.filter(content_type__app_label="filings",
                                                 codename__in=codenames))
    if len(permissions) != len(codenames):
        raise CommandError("The filings permissions do not exist yet; run `manage.py migrate` first.")
    groups: dict[Role, Group] = {}
    for role, name in CONSOLE_GROUPS.items():
        groups[role], _ = Group.objects.get_or_create(name=name)
        groups[role].permissions.set(permissions)
    return groups


@transaction.atomic
def console_access_sync(*, user: User) -> None:
    """Put `user` in the console group of their authority role (and no other), and set is_staff.

    Call after creating, changing or deleting the user's membership.
    """
    groups = console_groups_sync()
    membership = user.membership()
    role = None
    if membership is not None and membership.organisation.kind == OrganisationKind.AUTHORITY:
        role = Role(membership.role)
    user.groups.remove(*[group for r, group in groups.items() if r != role])
    if role in groups:
        user.groups.add(groups[role])
    is_staff = user.is_superuser or role in groups
    if user.is_staff != is_staff:
        user.is_staff = is_staff
        user.save(update_fields=["is_staff"])


class Command(BaseCommand):
    help = ("Create the reviewer console groups (Reviewers, Approvers) with their view-only "
            "permissions and sync every user's group and staff flag from their membership role.")

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--email", help="sync only this user")

    def handle(self, *args: Any, **options: Any) -> None:
        groups = console_groups_sync()
        users = User.objects.filter(Q(memberships__isnull=False) | Q(is_staff=True)).distinct()
        if options["email"]:
            users = users.filter(email=options["email"].lower())
            if not users.exists():
                raise CommandError(f"No user with a membership or staff flag has the e-mail "
                                   f"{options['email']}.")
        for user in users:
            console_access_sync(user=user)
        names = ", ".join(group.name for group in groups.values())
        self.stdout.write(f"Groups {names} ready; {users.count()} user(s) synced.")
