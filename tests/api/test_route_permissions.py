"""TRUST 1 for the API: every route with an id, for the owner, a read-only member, another
manufacturer, the authority (for a filing never submitted), the manufacturer on the authority's
actions, and an anonymous client."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from tests.api.conftest import token_client
from tests.api.routes import API_ROUTES, ApiRouteCase
from tests.web.routes import Scenario

MANUFACTURER_ROUTES = [r for r in API_ROUTES if not r.for_authority]
AUTHORITY_ROUTES = [r for r in API_ROUTES if r.for_authority]
WRITES = [r for r in MANUFACTURER_ROUTES if r.writes]
READS = [r for r in MANUFACTURER_ROUTES if not r.writes]


@pytest.fixture
def users(reviewer) -> dict[str, Any]:
    return {"reviewer": reviewer}


def send(client: APIClient, route: ApiRouteCase, scenario: Scenario) -> Any:
    url = route.url(scenario)
    method = getattr(client, route.method.lower())
    if route.method == "GET":
        return method(url)
    return method(url, route.data(scenario), format="multipart" if route.multipart else "json")


def had_effect(route: ApiRouteCase, scenario: Scenario) -> bool:
    return route.done is not None and bool(route.done(scenario))


def is_problem(response: Any, status: int) -> bool:
    body = response.json()
    return bool(response.status_code == status
                and response["Content-Type"] == "application/problem+json"
                and {"type", "title", "detail", "errors"} <= body.keys())


@pytest.mark.parametrize("route", API_ROUTES, ids=str)
def test_the_owner_with_the_right_role_succeeds(route, scenario, users, request):
    route.prepare(scenario, users)
    response = send(token_client(request.getfixturevalue(route.owner.value)), route, scenario)
    assert 200 <= response.status_code < 300, response.content
    if route.writes:
        assert had_effect(route, scenario)


@pytest.mark.parametrize("route", WRITES, ids=str)
def test_a_read_only_member_is_refused_every_write(route, scenario, users, viewer):
    route.prepare(scenario, users)
    response = send(token_client(viewer), route, scenario)
    assert is_problem(response, 403)
    assert not had_effect(route, scenario)


@pytest.mark.parametrize("route", READS, ids=str)
def test_a_read_only_member_may_read(route, scenario, users, viewer):
    route.prepare(scenario, users)
    assert send(token_client(viewer), route, scenario).status_code == 200


@pytest.mark.parametrize("route", API_ROUTES, ids=str)
def test_another_manufacturer_finds_nothing(route, scenario, users, outsider):
    route.prepare(scenario, users)
    response = send(token_client(outsider), route, scenario)
    assert is_problem(response, 404)
    assert not had_effect(route, scenario)
    assert scenario.filing.make not in response.content.decode()


@pytest.mark.parametrize("route", MANUFACTURER_ROUTES, ids=str)
def test_the_authority_does_not_see_a_filing_never_submitted(route, scenario, users, reviewer):
    route.prepare(scenario, users)
    client = token_client(reviewer)
    assert is_problem(send(client, route, scenario), 404)
    assert not had_effect(route, scenario)


@pytest.mark.parametrize("route", AUTHORITY_ROUTES, ids=str)
def test_the_manufacturer_cannot_take_the_authoritys_actions(route, scenario, users, signer):
    route.prepare(scenario, users)
    response = send(token_client(signer), route, scenario)
    assert is_problem(response, 403)
    assert not had_effect(route, scenario)


@pytest.mark.parametrize("route", [r for r in AUTHORITY_ROUTES
                                   if r.name != "api:review_request_changes"], ids=str)
def test_a_reviewer_cannot_decide_and_an_approver_cannot_recommend(route, scenario, users,
                                                                   approver, reviewer):
    route.prepare(scenario, users)
    other = approver if route.owner.value == "reviewer" else reviewer
    client = token_client(other)
    response = send(client, route, scenario)
    assert is_problem(response, 403)
    assert not had_effect(route, scenario)


@pytest.mark.parametrize("route", API_ROUTES, ids=str)
def test_an_anonymous_client_is_refused(route, scenario, users):
    route.prepare(scenario, users)
    response = send(APIClient(), route, scenario)
    assert is_problem(response, 401)
    assert response["WWW-Authenticate"].startswith("Token")
    assert not had_effect(route, scenario)


@pytest.mark.parametrize("route", AUTHORITY_ROUTES, ids=str)
def test_the_authority_acts_only_past_the_second_factor(route, scenario, users, request):
    """TRUST 7 for the API: a reviewer's or approver's password-only session does nothing."""
    route.prepare(scenario, users)
    client = APIClient()
    client.force_login(request.getfixturevalue(route.owner.value))
    response = send(client, route, scenario)
    assert is_problem(response, 403)
    assert "authenticator" in response.json()["detail"]
    assert not had_effect(route, scenario)
