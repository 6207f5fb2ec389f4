"""API tokens: made and revoked on the web page, shown once, stored hashed, last use recorded;
the revoke route's permission matrix (TRUST 1)."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from filings.api.models import ApiToken
from filings.api.services import api_token_create, hash_key
from portal.accounts.models import Membership
from portal.accounts.roles import Role
from tests.factories import member


def new_key_on(page: str) -> str:
    match = re.search(r'<code class="token-key">([^<]+)</code>', page)
    assert match, "the new key is not on the page"
    return match.group(1)


def api_get(key: str) -> int:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client.get(reverse("api:filings")).status_code


def test_a_signer_makes_a_token_shown_once_and_stored_hashed(client, signer, manufacturer):
    client.force_login(signer)
    response = client.post(reverse("api_tokens:list"), {"name": "ERP"})
    assert response.status_code == 201
    key = new_key_on(response.content.decode())
    token = ApiToken.objects.get()
    assert (token.organisation, token.created_by, token.name) == (manufacturer, signer, "ERP")
    assert token.key_hash == hash_key(key) and key not in (token.key_hash, token.prefix)
    assert "no-store" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]
    listing = client.get(reverse("api_tokens:list")).content.decode()
    assert "ERP" in listing and key not in listing


def test_a_token_works_records_its_last_use_and_stops_working_once_revoked(client, preparer):
    token, key = api_token_create(actor=preparer, name="ERP")
    assert token.last_used_at is None
    assert api_get(key) == 200
    token.refresh_from_db()
    assert token.last_used_at is not None
    client.force_login(preparer)
    response = client.post(reverse("api_tokens:revoke", kwargs={"token_id": token.pk}))
    assert response.status_code == 302
    assert api_get(key) == 401


def test_an_unknown_or_malformed_token_is_a_401(db):
    assert api_get("cvc_00000000_nope") == 401
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token a b")
    assert client.get(reverse("api:filings")).status_code == 401


def test_a_token_stops_working_when_its_creator_leaves_the_organisation(preparer):
    _, key = api_token_create(actor=preparer, name="ERP")
    Membership.objects.filter(user=preparer).delete()
    assert api_get(key) == 401


def test_a_viewer_cannot_make_a_token(client, viewer):
    client.force_login(viewer)
    response = client.post(reverse("api_tokens:list"), {"name": "ERP"})
    assert response.status_code == 403
    assert not ApiToken.objects.exists()


def test_the_navigation_links_the_tokens_page_for_manufacturers(client, viewer):
    client.force_login(viewer)
    assert reverse("api_tokens:list") in client.get(reverse("filings:dashboard")).content.decode()


@pytest.fixture
def owners_token(preparer):
    token, _ = api_token_create(actor=preparer, name="ERP")
    return token


def revoke(client, token):
    return client.post(reverse("api_tokens:revoke", kwargs={"token_id": token.pk}))


def is_revoked(token) -> bool:
    token.refresh_from_db()
    return token.revoked_at is not None


def test_revoke_matrix_the_owners_colleague_with_the_right_role_revokes(client, owners_token,
                                                                        signer):
    client.force_login(signer)
    assert revoke(client, owners_token).status_code == 302
    assert is_revoked(owners_token)


def test_revoke_matrix_a_read_only_member_is_refused(client, owners_token, viewer):
    client.force_login(viewer)
    assert revoke(client, owners_token).status_code == 403
    assert not is_revoked(owners_token)


def test_revoke_matrix_another_manufacturer_finds_nothing(client, owners_token, outsider):
    client.force_login(outsider)
    assert revoke(client, owners_token).status_code == 404
    assert not is_revoked(owners_token)


def test_revoke_matrix_the_authority_finds_nothing(client, owners_token, reviewer):
    client.force_login(reviewer)
    assert revoke(client, owners_token).status_code == 404
    assert not is_revoked(owners_token)


def test_revoke_matrix_an_anonymous_visitor_is_sent_to_log_in(client, owners_token):
    response = revoke(client, owners_token)
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    assert not is_revoked(owners_token)


def test_revoking_twice_is_a_409(client, owners_token, preparer):
    client.force_login(preparer)
    revoke(client, owners_token)
    assert revoke(client, owners_token).status_code == 409


def test_a_token_of_one_organisation_sees_none_of_anothers_filings(outsider, scenario):
    colleague = member(Role.PREPARER, outsider.membership().organisation)
    _, key = api_token_create(actor=colleague, name="ERP")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert client.get(reverse("api:filings")).json()["count"] == 0
