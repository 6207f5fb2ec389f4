"""API clients authenticated by token, and the owner's draft filing with its evidence."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from filings.api.services import api_token_create
from portal.accounts.mfa import mfa_required
from portal.accounts.models import User
from portal.accounts.roles import Capability
from tests.admin.conftest import second_factor_passed
from tests.web.conftest import filing, scenario  # noqa: F401  (shared fixtures)


@pytest.fixture(autouse=True)
def _fresh_throttles():
    """Throttle counters live in the cache; each test starts with none."""
    cache.clear()
    yield
    cache.clear()


def token_client(user: User, name: str = "ERP") -> APIClient:
    """A client sending a new token of `user`; for a role that cannot make tokens (a viewer, the
    authority), a client logged in by session as the browsable API is — past the second factor
    for the authority's people, as the console's session is."""
    client = APIClient()
    if not user.can(Capability.EDIT_FILINGS):
        client.force_login(user)
        if mfa_required(user):
            second_factor_passed(client, user)
        return client
    _, key = api_token_create(actor=user, name=name)
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


@pytest.fixture
def as_user():
    """`as_user(user)`: an API client that sends a new token of that user."""
    return token_client
