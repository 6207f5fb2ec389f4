"""Throttles per API token, per user and per client address; rates are read per request so settings
can change.

The counters live in the shared cache (settings.CACHES), so they hold across web processes and
restarts; the client address is `portal.http.client_address`, the one that trusted proxies saw.
When the cache cannot be reached the request is refused with a 503 problem saying so: neither a
500 nor a request let through unthrottled.
"""

from __future__ import annotations

import logging
from typing import Any

from rest_framework import exceptions, status, throttling
from rest_framework.request import Request
from rest_framework.settings import api_settings

from filings.api.models import ApiToken
from portal.cache import CACHE_ERRORS
from portal.http import client_address

logger = logging.getLogger(__name__)


class ThrottleUnavailable(exceptions.APIException):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = "Request limits cannot be checked right now; retry in a minute."
    default_code = "throttle_unavailable"
    wait = 60  # sent as Retry-After


class _Shared(throttling.SimpleRateThrottle):
    def allow_request(self, request: Request, view: Any) -> bool:
        """Refuse (503) rather than fail (500) or skip the limit when the counters are unreachable."""
        try:
            return super().allow_request(request, view)
        except CACHE_ERRORS as error:
            logger.error("throttle %s: the cache is unreachable: %r", self.scope, error)
            raise ThrottleUnavailable() from error

    def get_ident(self, request: Request) -> str:
        """The client address behind the trusted proxies; never a header the client chose."""
        return client_address(request) or "unknown"


class _LiveRate:
    scope: str

    def get_rate(self) -> str | None:
        rates: dict[str, Any] = api_settings.DEFAULT_THROTTLE_RATES
        rate = rates.get(self.scope)
        return str(rate) if rate is not None else None


class TokenRateThrottle(_LiveRate, _Shared):
    scope = "token"

    def get_cache_key(self, request: Request, view: Any) -> str | None:
        if not isinstance(request.auth, ApiToken):
            return None
        return self.cache_format % {"scope": self.scope, "ident": request.auth.pk}


class UserRateThrottle(_LiveRate, _Shared, throttling.UserRateThrottle):
    scope = "user"


class AnonRateThrottle(_LiveRate, _Shared, throttling.AnonRateThrottle):
    """Per client address, for the public certificate lookup."""

    scope = "anon"
