"""TRUST 1 and 2 for the manufacturer pages: every route with an id, for every kind of actor."""

from __future__ import annotations

from typing import Any

import pytest
from django.http import HttpResponse
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, include, path, reverse

from tests.web.routes import EXEMPT, ROUTES, RouteCase, Scenario, registered_names, routes_with_parameters

WRITES = [route for route in ROUTES if route.writes]
READS = [route for route in ROUTES if not route.writes]


def send(client: Client, route: RouteCase, scenario: Scenario) -> Any:
    url = route.url(scenario)
    if route.writes:
        return client.post(url, route.data(scenario))
    return client.get(url)


def had_effect(route: RouteCase, scenario: Scenario) -> bool:
    return route.done is not None and route.done(scenario)


@pytest.mark.parametrize("route", ROUTES, ids=str)
def test_the_owner_with_the_right_role_succeeds(route, scenario, client, request):
    scenario.ready_for(route)
    client.force_login(request.getfixturevalue(route.owner.value))
    response = send(client, route, scenario)
    if route.writes:
        assert response.status_code == 302
        assert response["Location"] == reverse("filings:detail",
                                               kwargs={"reference": scenario.filing.reference})
        assert had_effect(route, scenario)
    else:
        assert response.status_code == 200


@pytest.mark.parametrize("route", WRITES, ids=str)
def test_a_read_only_member_is_refused_every_write(route, scenario, client, viewer):
    scenario.ready_for(route)
    client.force_login(viewer)
    response = send(client, route, scenario)
    assert response.status_code == 403
    assert not had_effect(route, scenario)


@pytest.mark.parametrize("route", READS, ids=str)
def test_a_read_only_member_may_read(route, scenario, client, viewer):
    client.force_login(viewer)
    assert send(client, route, scenario).status_code == 200


@pytest.mark.parametrize("route", ROUTES, ids=str)
def test_another_manufacturer_finds_nothing(route, scenario, client, outsider):
    scenario.ready_for(route)
    client.force_login(outsider)
    response = send(client, route, scenario)
    assert response.status_code == 404
    assert not had_effect(route, scenario)
    assert scenario.filing.make not in response.content.decode()


@pytest.mark.parametrize("route", ROUTES, ids=str)
def test_the_authority_does_not_see_a_filing_never_submitted(route, scenario, client, reviewer):
    scenario.ready_for(route)
    client.force_login(reviewer)
    assert send(client, route, scenario).status_code == 404
    assert not had_effect(route, scenario)


@pytest.mark.parametrize("route", ROUTES, ids=str)
def test_an_anonymous_visitor_is_sent_to_log_in(route, scenario, client):
    scenario.ready_for(route)
    response = send(client, route, scenario)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert not had_effect(route, scenario)


def test_every_route_with_a_parameter_is_in_the_registry():
    found = set(routes_with_parameters(get_resolver().url_patterns))
    missing = found - registered_names() - EXEMPT.keys()
    assert not missing, f"add these routes to tests/web/routes.py: {sorted(missing)}"


def test_the_registry_names_only_routes_with_a_parameter_that_exist():
    found = set(routes_with_parameters(get_resolver().url_patterns))
    assert registered_names() <= found
    assert EXEMPT.keys() <= found


def _view(request):  # pragma: no cover - never called
    return HttpResponse()


def test_the_guard_finds_parameters_in_nested_and_namespaced_includes() -> None:
    patterns: list[URLPattern | URLResolver] = [
        path("plain/", _view, name="plain"),
        path("things/<int:pk>/", _view, name="thing"),
        path("api/", include(([path("items/<uuid:ref>/", _view, name="item"),
                               path("items/", _view, name="items")], "api"))),
        path("orgs/<int:org>/", include([path("", _view, name="org_home")])),
        path("admin-like/", include(([path("<int:pk>/", _view, name="secret")], "admin"))),
    ]
    assert set(routes_with_parameters(patterns)) == {"thing", "api:item", "org_home"}
