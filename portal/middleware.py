"""A Content-Security-Policy header on every response (Django 5.2 has no built-in CSP), the
actor's membership read once per request, and the actor's saved language."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import translation
from django.utils.functional import SimpleLazyObject

from portal.accounts.models import remember_membership


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", settings.CONTENT_SECURITY_POLICY)
        return response


class MembershipOncePerRequestMiddleware:
    """`request.user.membership()` answers from the first read for the rest of the request.

    The selectors, the view and the page template each ask for the actor's membership; without
    this each asked the database. Lazy: a request that never reads the user reads nothing more.
    After the authentication and OTP middlewares (request.user is theirs, wrapped).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None:
            request.user = SimpleLazyObject(partial(_remembering, user))  # type: ignore[assignment]
        return self.get_response(request)


def _remembering(user: Any) -> Any:
    if user.is_authenticated:
        remember_membership(user)
    return user


class UserLanguageMiddleware:
    """A logged-in user's saved language wins over the cookie and Accept-Language; the reviewer
    console is always English (its pages are not translated: Django's own strings in Japanese
    around English ones would help nobody).

    LocaleMiddleware runs before authentication (it needs no user), so it can only read the
    cookie and the header; this one, after AuthenticationMiddleware, activates the user's own
    choice. LocaleMiddleware's response half then names it in Content-Language.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.console = reverse("admin:index")

    def __call__(self, request: HttpRequest) -> HttpResponse:
        language = self._language(request)
        if language:
            translation.activate(language)
            request.LANGUAGE_CODE = language
        return self.get_response(request)

    def _language(self, request: HttpRequest) -> str:
        if request.path.startswith(self.console):
            return settings.LANGUAGE_CODE
        user = getattr(request, "user", None)
        saved = getattr(user, "language", "") if user is not None and user.is_authenticated else ""
        return saved if saved and translation.check_for_language(saved) else ""
