"""The approver chooses the certificate's language when approving: in the console and through the
API; English unless chosen otherwise, anything else refused."""

from __future__ import annotations

import pytest
from django.urls import reverse

from filings.certificates.labels import ENGLISH, ENGLISH_JAPANESE, LANGUAGES
from filings.models import Filing
from filings.services.review import review_recommend, review_start
from filings.states import State
from portal.accounts.models import Organisation, User
from tests.admin.conftest import action_url, client_for, filing_in
from tests.api.conftest import token_client


@pytest.fixture(autouse=True)
def _approver_in_the_console(approver):
    from portal.accounts.services import console_access_sync

    console_access_sync(user=approver)


def _recommended(manufacturer: Organisation, reviewer: User) -> Filing:
    filing = filing_in(State.ASSESSED, manufacturer)
    review_start(actor=reviewer, filing=filing)
    review_recommend(actor=reviewer, filing=filing, recommendation="approve",
                     comment="Recommend approval.")
    return filing


def test_the_console_approval_offers_each_language_english_first(manufacturer, reviewer,
                                                                 approver):
    filing = _recommended(manufacturer, reviewer)

    body = client_for(approver).get(action_url(filing, "approve")).content.decode()

    assert 'name="certificate_language"' in body
    for code, label in LANGUAGES.items():
        assert f'value="{code}"' in body and label in body
    assert body.index(f'value="{ENGLISH}"') < body.index(f'value="{ENGLISH_JAPANESE}"')


def test_an_approver_issues_a_bilingual_certificate_from_the_console(manufacturer, reviewer,
                                                                     approver):
    filing = _recommended(manufacturer, reviewer)

    response = client_for(approver).post(action_url(filing, "approve"), {
        "comment": "Approved.", "certificate_language": ENGLISH_JAPANESE})

    assert response.status_code == 302
    assert filing.certificates.get().language == ENGLISH_JAPANESE


def test_a_console_approval_without_a_choice_issues_it_in_english(manufacturer, reviewer,
                                                                  approver):
    filing = _recommended(manufacturer, reviewer)

    client_for(approver).post(action_url(filing, "approve"), {"comment": "Approved."})

    assert filing.certificates.get().language == ENGLISH


def test_the_console_refuses_an_unknown_language_and_approves_nothing(manufacturer, reviewer,
                                                                      approver):
    filing = _recommended(manufacturer, reviewer)

    response = client_for(approver).post(action_url(filing, "approve"), {
        "comment": "Approved.", "certificate_language": "fr"})

    filing.refresh_from_db()
    assert response.status_code == 200 and "fr is not one of the available" in \
        response.content.decode()
    assert filing.state == State.IN_REVIEW and not filing.certificates.exists()


def _api_approve(filing: Filing, approver: User, data: dict[str, str]):
    url = reverse("api:approve", kwargs={"reference": filing.reference})
    return token_client(approver).post(url, data, format="json")


def test_the_api_approval_takes_the_language(manufacturer, reviewer, approver):
    filing = _recommended(manufacturer, reviewer)

    response = _api_approve(filing, approver, {"comment": "Approved.",
                                               "certificate_language": ENGLISH_JAPANESE})

    assert response.status_code == 200, response.content
    assert filing.certificates.get().language == ENGLISH_JAPANESE


def test_the_api_approval_is_english_by_default(manufacturer, reviewer, approver):
    filing = _recommended(manufacturer, reviewer)

    assert _api_approve(filing, approver, {"comment": "Approved."}).status_code == 200
    assert filing.certificates.get().language == ENGLISH


def test_the_api_refuses_an_unknown_language_as_a_problem(manufacturer, reviewer, approver):
    filing = _recommended(manufacturer, reviewer)

    response = _api_approve(filing, approver, {"comment": "Approved.",
                                               "certificate_language": "ja"})

    filing.refresh_from_db()
    assert response.status_code == 400 and response["Content-Type"].startswith(
        "application/problem+json")
    assert "certificate_language" in response.json()["detail"]
    assert filing.state == State.IN_REVIEW and not filing.certificates.exists()


def test_the_schema_lists_the_languages_as_an_enum(client):
    schema = client.get(reverse("api-schema"), {"format": "json"}).json()

    enums = [s.get("enum") for s in schema["components"]["schemas"].values()]
    assert sorted(LANGUAGES) in [sorted(e) for e in enums if e]


def test_the_console_names_each_certificates_language(manufacturer, reviewer, approver):
    filing = _recommended(manufacturer, reviewer)
    client = client_for(approver)
    client.post(action_url(filing, "approve"), {"comment": "Approved.",
                                               "certificate_language": ENGLISH_JAPANESE})

    page = client.get(reverse("admin:filings_filing_change", args=[filing.pk])).content.decode()

    assert LANGUAGES[ENGLISH_JAPANESE] in page
