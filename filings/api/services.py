"""API tokens: create (the secret is returned once) and revoke. Every write is audited."""

from __future__ import annotations

import hashlib
import secrets

from django.db import transaction
from django.utils import timezone

from filings.api.models import ApiToken
from filings.services.common import ServiceError, StateConflict, plain_text, require_capability
from portal.accounts.models import User, remember_membership
from portal.accounts.roles import Capability
from portal.audit.services import audit_record

TOKEN_PREFIX = "cvc_"  # noqa: S105 (a label, not a secret)


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@transaction.atomic
def api_token_create(*, actor: User, name: str) -> tuple[ApiToken, str]:
    """A new token acting as `actor` for its organisation; returns (token, secret key)."""
    membership = require_capability(actor, Capability.EDIT_FILINGS)
    name = plain_text(name, what="The token's name")
    if not name:
        raise ServiceError("Name the token after the system that will use it.")
    prefix = secrets.token_hex(4)
    key = f"{TOKEN_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    token = ApiToken.objects.create(organisation=membership.organisation, created_by=actor,
                                    name=name[:100], prefix=prefix, key_hash=hash_key(key))
    audit_record(organisation=membership.organisation, actor=actor, action="api_token_create",
                 reason=token.name, data={"prefix": prefix})
    return token, key


@transaction.atomic
def api_token_revoke(*, actor: User, token: ApiToken) -> ApiToken:
    membership = require_capability(actor, Capability.EDIT_FILINGS)
    if token.organisation_id != membership.organisation_id:
        raise ServiceError("This token belongs to another organisation.")
    revoked = ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(
        revoked_at=timezone.now())
    if not revoked:
        raise StateConflict("This token was already revoked.")
    token.refresh_from_db()
    audit_record(organisation=membership.organisation, actor=actor, action="api_token_revoke",
                 reason=token.name, data={"prefix": token.prefix})
    return token


def api_token_authenticate(key: str) -> ApiToken | None:
    """The active token with this key whose creator still belongs to its organisation."""
    token = (ApiToken.objects.select_related("created_by", "organisation")
             .filter(key_hash=hash_key(key), revoked_at__isnull=True).first())
    if token is None or not token.created_by.is_active:
        return None
    # The user is the request's actor from here on (a fresh object per request): the membership
    # read for this check is the one the request's selectors use.
    membership = remember_membership(token.created_by).membership()
    if membership is None or membership.organisation_id != token.organisation_id:
        return None
    now = timezone.now()
    # Recorded at most once a minute, so a busy client does not write on every request.
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token
