"""The public rules pages: every published version with what changed, never a draft."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from filings.rulebooks.models import RulebookVersion
from tests.rulebooks.conftest import JAPAN, PRE_JAPAN, japan_draft, publish

pytestmark = pytest.mark.django_db


def test_anyone_sees_the_published_versions_and_what_changed(pre_japan, approver):
    publish(approver, japan_draft(approver))

    page = Client().get(reverse("rulebooks:history")).content.decode()

    assert PRE_JAPAN in page and JAPAN in page
    assert "FTA treatment of Japan (JP)" in page
    assert "First version." in page
    version = Client().get(reverse("rulebooks:version", kwargs={"version": JAPAN}))
    assert version.status_code == 200
    body = version.content.decode()
    assert "What changed against " + PRE_JAPAN in body
    assert "2023-03-28" in body
    assert str(approver) not in body and approver.email not in body  # the authority, not a person


def test_a_draft_is_not_public(pre_japan, approver):
    draft = japan_draft(approver)

    assert JAPAN not in Client().get(reverse("rulebooks:history")).content.decode()
    response = Client().get(reverse("rulebooks:version", kwargs={"version": draft.version}))
    assert response.status_code == 404


def test_the_shipped_rulebook_is_listed_when_nothing_was_amended(db):
    page = Client().get(reverse("rulebooks:history")).content.decode()
    assert RulebookVersion.objects.get().version in page


@pytest.mark.django_db
@pytest.mark.parametrize("page", ["/rules/"])
def test_public_pages_answer_head_as_they_answer_get(page):
    assert Client().head(page).status_code == 200
