"""The lists cost the same number of queries at any depth and any size (issue 13): the
dashboard and the API's filing list, page 1 and the last page, 30 and 300 filings; a page's rows
are the plain list's rows in the same order; the membership is read once per request."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from filings import selectors
from filings.models import EvidenceVersion, Filing
from filings.states import State
from portal.accounts.models import Organisation, User
from tests.api.conftest import token_client
from tests.web.conftest import engine_result, store_assessment

DASHBOARD = reverse("filings:dashboard")
API_LIST = reverse("api:filings")


def bulk_filings(organisation: Organisation, author: User, count: int, *,
                 assessed_every: int = 3) -> None:
    """`count` filings with a first version each, every `assessed_every`-th assessed; some
    share a creation time, as filings created in one bulk do."""
    start = timezone.now() - dt.timedelta(days=1)
    made = Filing.objects.bulk_create([
        Filing(organisation=organisation, make="Granite Motor Company", model=f"Model {n}",
               model_year=2024, vehicle_class="pickup", coverage_start=dt.date(2024, 6, 1),
               coverage_end=dt.date(2024, 12, 31), created_by=author,
               state=State.DRAFT if n % 2 else State.WITHDRAWN)
        for n in range(count)])
    # bulk_create skips auto_now_add's per-row clock here: pairs of filings share a time.
    for n, filing in enumerate(made):
        filing.created_at = start + dt.timedelta(seconds=n // 2)
    Filing.objects.bulk_update(made, ["created_at"])
    versions = EvidenceVersion.objects.bulk_create([
        EvidenceVersion(filing=f, number=1, created_by=author) for f in made])
    result = engine_result()
    for n, version in enumerate(versions):
        if n % assessed_every == 0:
            store_assessment(version, result=result)


def queries_of(get) -> tuple[int, object]:
    with CaptureQueriesContext(connection) as captured:
        response = get()
    assert response.status_code == 200
    return len(captured), response


@pytest.fixture
def sizes(manufacturer, preparer):
    """`grow(n)`: the organisation has n filings now."""
    def grow(total: int) -> None:
        bulk_filings(manufacturer, preparer, total - Filing.objects.count())
    return grow


def test_dashboard_queries_do_not_grow_with_page_depth_or_filing_count(client, preparer,
                                                                       sizes):
    client.force_login(preparer)
    counts = {}
    for total in (30, 300):
        sizes(total)
        last = -(-total // 25)
        for page in (1, last):
            for params in ({}, {"q": "Model"}, {"state": "draft"}):
                count, response = queries_of(
                    lambda page=page, params=params: client.get(DASHBOARD, {**params,
                                                                            "page": page}))
                counts[(total, page, tuple(params))] = count
                assert response.context["page"].number == page or params
    assert len(set(counts.values())) == 1, counts
    # The session, the user, the membership (once), the count and the page.
    assert set(counts.values()) == {5}


def test_api_list_queries_do_not_grow_with_page_depth_or_filing_count(preparer, sizes):
    client = token_client(preparer)
    counts = {}
    for total in (30, 300):
        sizes(total)
        for params in ({}, {"search": "Model"}, {"state": "draft"}):
            listed = client.get(API_LIST, params).json()["count"]
            for page in (1, -(-listed // 25)):
                count, response = queries_of(
                    lambda page=page, params=params: client.get(API_LIST, {**params,
                                                                           "page": page}))
                counts[(total, page, tuple(params))] = count
                assert response.json()["results"]
    assert len(set(counts.values())) == 1, counts
    # The token (with its user and organisation), the membership (once), the count and the
    # page. (The token's last use is written at most once a minute: on the first call only.)
    assert set(counts.values()) == {4}, counts


def test_a_page_holds_the_plain_lists_rows_in_its_order(preparer, manufacturer):
    bulk_filings(manufacturer, preparer, 60)
    plain = list(selectors.with_outcomes(selectors.filing_list(actor=preparer)))
    pages = selectors.filing_dashboard_pages(actor=preparer)
    assert pages.count() == len(plain) == 60
    paged = [f for start in range(0, 60, 25) for f in pages[start:start + 25]]
    assert [f.pk for f in paged] == [f.pk for f in plain]
    assert [(f.latest_valid, f.latest_credit_min, f.latest_credit_max, f.latest_version_number)
            for f in paged] == [(f.latest_valid, f.latest_credit_min, f.latest_credit_max,
                                 f.latest_version_number) for f in plain]
    assert any(f.latest_valid for f in paged) and any(f.latest_valid is None for f in paged)
    api = selectors.filing_list_pages(actor=preparer, state=State.DRAFT)
    drafts = list(selectors.filing_list(actor=preparer, state=State.DRAFT))
    assert [f.pk for f in api[25:50]] == [f.pk for f in drafts[25:50]]


def test_the_search_matches_the_organisations_name_as_before(preparer, manufacturer, reviewer,
                                                             outsider):
    bulk_filings(manufacturer, preparer, 3)
    Filing.objects.update(submitted_at=timezone.now())
    other = outsider.membership().organisation
    bulk_filings(other, outsider, 2)
    Filing.objects.filter(organisation=other).update(submitted_at=timezone.now())
    assert selectors.filing_list(actor=preparer, search="granite motor").count() == 3
    assert selectors.filing_list(actor=preparer, search="competitor").count() == 0
    assert selectors.filing_list(actor=reviewer, search="COMPETITOR").count() == 2
    assert selectors.filing_list(actor=reviewer, search="model 1").count() == 2


def test_the_membership_is_read_once_per_request(client, preparer, manufacturer):
    bulk_filings(manufacturer, preparer, 3)
    client.force_login(preparer)
    with CaptureQueriesContext(connection) as captured:
        assert client.get(DASHBOARD).status_code == 200
    reads = [q["sql"] for q in captured.captured_queries
             if 'FROM "accounts_membership"' in q["sql"]]
    assert len(reads) == 1, reads


def test_the_membership_of_a_user_outside_a_request_is_read_fresh(preparer, manufacturer):
    assert preparer.membership() is not None
    preparer.memberships.all().delete()
    assert preparer.membership() is None
