"""Account services: login throttling per account and per client address.

Failures are counted in the database (not the cache), so an attacker cannot lift the limit by
knocking the cache over. Unknown and known e-mail addresses are counted and answered alike.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from portal.accounts.models import LoginFailure


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
