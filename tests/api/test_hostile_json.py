"""JSON bodies are bounded before they are parsed: too deep is a 400 problem, too large a 413
problem, and nothing is stored either way (issue 11)."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from filings.api.parsers import MAX_JSON_DEPTH, json_depth
from filings.models import Filing
from tests.api.conftest import token_client

pytestmark = pytest.mark.django_db
PROBLEM = "application/problem+json"


def _nested(depth: int) -> str:
    return "[" * depth + "]" * depth


def _send(client, method: str, url: str, body: str):
    return getattr(client, method)(url, body, content_type="application/json")


@pytest.mark.parametrize("route", ["create", "update", "submit"])
def test_a_thousand_nested_brackets_are_a_400_problem_and_change_nothing(signer, filing, route):
    client = token_client(signer)
    url, method = {
        "create": (reverse("api:filings"), "post"),
        "update": (reverse("api:filing", kwargs={"reference": filing.reference}), "patch"),
        "submit": (reverse("api:submit", kwargs={"reference": filing.reference}), "post"),
    }[route]
    before = list(Filing.objects.values_list("pk", "state", "make", "model"))

    response = _send(client, method, url, json.dumps({"make": "x"})[:-1] + ', "x": ' +
                     _nested(1000) + "}")

    assert response.status_code == 400
    assert response["Content-Type"].startswith(PROBLEM)
    assert f"more than {MAX_JSON_DEPTH} levels deep" in response.json()["detail"]
    assert list(Filing.objects.values_list("pk", "state", "make", "model")) == before


def test_a_body_over_the_size_cap_is_a_413_problem_and_creates_nothing(signer, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 64 * 1024
    body = json.dumps({"make": "M" * (65 * 1024), "model": "X"})

    response = _send(token_client(signer), "post", reverse("api:filings"), body)

    assert response.status_code == 413
    assert response["Content-Type"].startswith(PROBLEM)
    assert "larger than" in response.json()["detail"]
    assert not Filing.objects.exists()


def test_brackets_inside_strings_do_not_count_as_depth(signer):
    body = json.dumps({"make": _nested(500), "model": "X"})

    response = _send(token_client(signer), "post", reverse("api:filings"), body)

    # Parsed, then refused by the serializer for its fields, not by the depth check.
    assert response.status_code == 400
    assert "levels deep" not in response.json()["detail"]


@pytest.mark.parametrize(("raw", "depth"), [
    (b"{}", 1), (b'{"a": [1, {"b": []}]}', 4), (b'"[[["', 0), (b'["\\"[", ["]"]]', 2), (b"", 0),
])
def test_json_depth_counts_nesting_outside_strings(raw, depth):
    assert json_depth(raw) == depth


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(depth=st.integers(min_value=0, max_value=400), width=st.integers(min_value=0, max_value=3))
def test_no_json_depth_or_width_gives_a_server_error(signer, depth, width):
    body = "[" * depth + ",".join(["1"] * width) + "]" * depth
    response = _send(token_client(signer), "post", reverse("api:filings"), body or "{}")

    assert response.status_code < 500
    assert response["Content-Type"].startswith(PROBLEM)
    if depth > MAX_JSON_DEPTH:
        assert response.status_code == 400
