"""Account services: log-in throttling, and reviewer-console access that follows the role.

Log-in failures are counted in the database (not the cache), so an attacker cannot lift the limit
by knocking the cache over. Unknown and known e-mail addresses are counted and answered alike.

Reviewers and approvers use the console (Django admin) as staff, never as superusers; their Django
permissions only let them view, and every change goes through `filings.services`:
    reviewer of the authority -> is_staff, group "Reviewers"
    approver of the authority -> is_staff, group "Approvers"
    anyone else               -> in neither group; staff only when superuser
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from portal.accounts.models import LoginFailure, User
from portal.accounts.roles import ROLE_KIND, OrganisationKind, Role


def _window_start() -> dt.datetime:
    return timezone.now() - dt.timedelta(seconds=settings.LOGIN_THROTTLE_WINDOW_SECONDS)


def login_allowed(*, email: str, ip_address: str | None) -> bool:
    """False while the account or the address has too many recent failures."""
    recent = LoginFailure.objects.filter(created_at__gte=_window_start())
    by_account = recent.filter(email=email.strip().lower()).count()
    by_address = recent.filter(ip_address=ip_address).count() if ip_address else 0
    return (by_account < settings.LOGIN_THROTTLE_PER_ACCOUNT
            and by_address < settings.LOGIN_THROTTLE_PER_ADDRESS)


def login_failure_record(*, email: str, ip_address: str | None) -> None:
    LoginFailure.objects.create(email=email.strip().lower()[:254], ip_address=ip_address)
    # Old rows are useless for throttling; prune them as we go.
    LoginFailure.objects.filter(
        Q(created_at__lt=_window_start() - dt.timedelta(days=1))).delete()


def login_failures_clear(*, email: str) -> None:
    """A successful login clears the account's failures (not the address's)."""
    LoginFailure.objects.filter(email=email.strip().lower()).delete()


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
    "audit.view_auditevent",
    "rulebooks.view_rulebookversion",
)


def console_groups_sync() -> dict[Role, Group]:
    """Create the console groups, each with exactly `CONSOLE_PERMISSIONS`; idempotent."""
    wanted = Q()
    for name in CONSOLE_PERMISSIONS:
        app_label, codename = name.split(".", 1)
        wanted |= Q(content_type__app_label=app_label, codename=codename)
    permissions = list(Permission.objects.filter(wanted))
    if len(permissions) != len(CONSOLE_PERMISSIONS):
        raise RuntimeError("The console's permissions do not exist yet; run `manage.py migrate` "
                           "first.")
    groups: dict[Role, Group] = {}
    for role, name in CONSOLE_GROUPS.items():
        groups[role], _ = Group.objects.get_or_create(name=name)
        groups[role].permissions.set(permissions)
    return groups


@transaction.atomic
def console_access_sync(*, user: User, groups: dict[Role, Group] | None = None) -> None:
    """Put `user` in the console group of their authority role (and no other), and set is_staff.

    Call after creating, changing or deleting the user's membership. `groups` (from
    `console_groups_sync`) saves re-syncing the groups when many users are synced in a row.
    """
    groups = console_groups_sync() if groups is None else groups
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


def user_language_set(*, user: User, language: str) -> None:
    """Save the language the user's pages are shown in ("" follows the browser). A display
    preference, not a decision: no audit event."""
    if language and language not in dict(settings.LANGUAGES):
        raise ValueError(f"Unknown language {language!r}.")
    User.objects.filter(pk=user.pk).update(language=language)
    user.language = language
