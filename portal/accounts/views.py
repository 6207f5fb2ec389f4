"""The header's language switch: a POST form (CSRF-checked, no JavaScript needed)."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponseRedirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from portal.accounts.forms import LanguageForm
from portal.accounts.models import User
from portal.accounts.services import user_language_set


@require_POST
def language_set(request: HttpRequest) -> HttpResponseRedirect:
    """Show the portal in the chosen language: the language cookie for everyone, and the
    user's saved setting when logged in (so it follows them to another browser). Back to
    `next` when it is one of ours, else to the start page; an unknown language changes nothing."""
    form = LanguageForm(request.POST)
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                           require_https=request.is_secure()):
        target = "/"
    response = HttpResponseRedirect(target)
    if not form.is_valid():
        return response
    language = form.cleaned_data["language"]
    if isinstance(request.user, User) and request.user.is_authenticated:
        user_language_set(user=request.user, language=language)
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME, language, max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH, domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE, httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite="Lax")  # as the session and CSRF cookies
    return response
