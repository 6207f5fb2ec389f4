"""Throttles per API token and per user; rates are read per request so settings can change."""

from __future__ import annotations

from typing import Any

from rest_framework import throttling
from rest_framework.request import Request
from rest_framework.settings import api_settings

from filings.api.models import ApiToken


class _LiveRate:
    scope: str

    def get_rate(self) -> str | None:
        rates: dict[str, Any] = api_settings.DEFAULT_THROTTLE_RATES
        rate = rates.get(self.scope)
        return str(rate) if rate is not None else None


class TokenRateThrottle(_LiveRate, throttling.SimpleRateThrottle):
    scope = "token"

    def get_cache_key(self, request: Request, view: Any) -> str | None:
        if not isinstance(request.auth, ApiToken):
            return None
        return self.cache_format % {"scope": self.scope, "ident": request.auth.pk}


class UserRateThrottle(_LiveRate, throttling.UserRateThrottle):
    scope = "user"


class AnonRateThrottle(_LiveRate, throttling.AnonRateThrottle):
    """Per client address, for the public certificate lookup."""

    scope = "anon"
