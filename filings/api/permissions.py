"""The API's default permission: authenticated, and past the second factor for staff.

Tokens belong to manufacturers (who are never staff); a reviewer or approver reaches the API only
with the console's session, and that session must have confirmed a TOTP code (TRUST 7)."""

from __future__ import annotations

from typing import Any

from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request

from portal.accounts.mfa import is_verified, mfa_required


class AuthenticatedWithSecondFactor(IsAuthenticated):
    message = ("Confirm the code from your authenticator app first "
               "(/accounts/second-factor/), then try again.")

    def has_permission(self, request: Request, view: Any) -> bool:
        if not super().has_permission(request, view):
            return False
        user = request.user
        return not mfa_required(user) or is_verified(user)  # type: ignore[arg-type]
