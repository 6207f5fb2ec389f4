"""The web page where a signer or preparer makes and revokes API tokens: entry points only."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from filings.api import selectors
from filings.api.services import api_token_create, api_token_revoke
from filings.services import common
from portal.accounts.models import User
from portal.accounts.roles import Capability


class TokenCreateForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100,
                           help_text=_("The system that will use it, e.g. “ERP”."))


def _actor(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def _page(request: HttpRequest, *, form: TokenCreateForm | None = None, new_key: str = "",
          error: str = "", status: int = 200) -> HttpResponse:
    actor = _actor(request)
    return render(request, "api/tokens.html", {
        "tokens": selectors.api_token_list(actor=actor), "form": form or TokenCreateForm(),
        "new_key": new_key, "error": error, "can_manage": actor.can(Capability.EDIT_FILINGS),
    }, status=status)


@require_http_methods(["GET", "POST"])
@login_required
@never_cache  # the new key is on the page once; no cache may keep it
def token_list(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        return _page(request)
    form = TokenCreateForm(request.POST)
    if not form.is_valid():
        return _page(request, form=form, status=400)
    try:
        _, key = api_token_create(actor=_actor(request), name=form.cleaned_data["name"])
    except common.ServiceError as exc:
        return _page(request, form=form, error=exc.message, status=exc.status)
    return _page(request, new_key=key, status=201)


@require_POST
@login_required
def token_revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    actor = _actor(request)
    token = selectors.api_token_get(actor=actor, token_id=token_id)
    try:
        api_token_revoke(actor=actor, token=token)
    except common.ServiceError as exc:
        return _page(request, error=exc.message, status=exc.status)
    messages.success(request, gettext("The token “%(name)s” was revoked; it no longer works.")
                     % {"name": token.name})
    return redirect("api_tokens:list")
