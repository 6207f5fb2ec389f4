"""The client's address, for throttling: one function, used by the log-in form and the API throttles.

Behind `settings.TRUSTED_PROXY_COUNT` reverse proxies, each of which appends the address it received
the connection from to `X-Forwarded-For`, the client is the N-th entry from the right: everything to
its left was sent by the client and is ignored, so rotating it cannot dodge a per-address limit.
With 0 trusted proxies the header is ignored altogether and the socket's `REMOTE_ADDR` counts.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from ipware import get_client_ip

# Only the header our proxies write; ipware's default list includes X-Real-IP, Client-IP and others
# that a proxy passes through untouched, so a client could pick its own address with them.
_FORWARDED_HEADER = ("HTTP_X_FORWARDED_FOR",)
_SOCKET = ("REMOTE_ADDR",)


def client_address(request: HttpRequest) -> str | None:
    """The client's IP address as the trusted proxies saw it, or the socket's peer without proxies.

    With N trusted proxies the N-th `X-Forwarded-For` entry from the right is the client. When the
    header is missing or lists fewer than N valid addresses (a request that did not come through the
    proxies), the socket's peer is used: it cannot be forged. None only when even that is unusable.
    """
    proxies: int = settings.TRUSTED_PROXY_COUNT
    if proxies > 0:
        # ipware counts the proxies *listed after* the client in the header; the last proxy's own
        # address is REMOTE_ADDR, so N proxies list N - 1. Not strict: entries a client prepended
        # may be anything, and only the right-most N, written by our proxies, are read.
        forwarded, _ = get_client_ip(request, proxy_count=proxies - 1,
                                     request_header_order=_FORWARDED_HEADER, strict=False)
        if forwarded is not None:
            return forwarded
    address, _ = get_client_ip(request, request_header_order=_SOCKET)
    return address
