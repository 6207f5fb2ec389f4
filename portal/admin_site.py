"""The console's admin site: it opens only to staff who confirmed their second factor.

The console has no login form of its own: people log in on the portal's page, then confirm a
TOTP code (`portal.accounts.mfa`), then reach the console.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import admin
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse


class PortalAdminSite(admin.AdminSite):
    # The queue needs the width at 1280 px; the index page and the breadcrumbs lead everywhere.
    enable_nav_sidebar = False

    def has_permission(self, request: HttpRequest) -> bool:
        from portal.accounts.mfa import is_verified, mfa_required  # not while apps load

        user = request.user
        return bool(super().has_permission(request)
                    and (not mfa_required(user) or is_verified(user)))  # type: ignore[arg-type]

    def login(self, request: HttpRequest, extra_context: dict[str, Any] | None = None
              ) -> HttpResponse:
        target = request.GET.get("next") or reverse("admin:index")
        if request.user.is_authenticated and request.user.is_staff:
            return HttpResponseRedirect(f"{reverse('second_factor')}?{urlencode({'next': target})}")
        if request.user.is_authenticated:
            raise PermissionDenied("The review console is for the reviewing authority's staff.")
        return redirect_to_login(target)
