"""Reads of API tokens, scoped to the actor's organisation (another's token is a 404)."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from filings.api.models import ApiToken
from portal.accounts.models import User


def api_token_list(*, actor: User) -> QuerySet[ApiToken]:
    membership = actor.membership() if actor.is_authenticated else None
    if membership is None:
        return ApiToken.objects.none()
    return (ApiToken.objects.filter(organisation_id=membership.organisation_id)
            .select_related("created_by"))


def api_token_get(*, actor: User, token_id: int) -> ApiToken:
    try:
        return api_token_list(actor=actor).get(pk=token_id)
    except ApiToken.DoesNotExist:
        raise Http404("No such token.") from None
