"""Creating a filing: a preparer or signer can, a viewer cannot; bad input is explained."""

from __future__ import annotations

import pytest
from django.urls import reverse

from filings.models import Filing
from filings.states import State

CREATE = reverse("filings:create")
VALID = {"make": "Granite Motor Company", "model": "Ironwood EV", "model_year": "2025",
         "vehicle_class": "pickup", "coverage_start": "2025-01-01", "coverage_end": "2025-06-30"}


@pytest.mark.parametrize("role", ["preparer", "signer"])
def test_a_member_who_can_edit_creates_a_draft_filing(client, request, role):
    user = request.getfixturevalue(role)
    client.force_login(user)
    response = client.post(CREATE, VALID)
    filing = Filing.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("filings:detail", kwargs={"reference": filing.reference})
    assert (filing.state, filing.created_by, filing.organisation) == (
        State.DRAFT, user, user.membership().organisation)
    assert filing.versions.count() == 1


def test_the_form_offers_every_vehicle_class(client, preparer):
    client.force_login(preparer)
    page = client.get(CREATE).content.decode()
    for vehicle_class in ("car", "suv", "van", "pickup"):
        assert f'value="{vehicle_class}"' in page


def test_a_viewer_is_refused_and_nothing_is_created(client, viewer):
    client.force_login(viewer)
    assert client.get(CREATE).status_code == 403
    response = client.post(CREATE, VALID)
    assert response.status_code == 403
    assert "cannot create" in response.content.decode() or "not create" in response.content.decode()
    assert not Filing.objects.exists()


def test_the_authority_cannot_create_a_filing(client, reviewer):
    client.force_login(reviewer)
    assert client.post(CREATE, VALID).status_code == 403
    assert not Filing.objects.exists()


@pytest.mark.parametrize(("field", "value"), [("make", ""), ("model_year", "next year"),
                                              ("vehicle_class", "tank"),
                                              ("coverage_start", "2025-02-30")])
def test_a_missing_or_malformed_field_is_named_next_to_it(client, preparer, field, value):
    client.force_login(preparer)
    response = client.post(CREATE, {**VALID, field: value})
    assert response.status_code == 400
    assert response.context["form"].errors[field]
    assert 'class="error-text"' in response.content.decode()
    assert not Filing.objects.exists()


def test_a_coverage_period_that_ends_before_it_starts_is_explained(client, preparer):
    client.force_login(preparer)
    response = client.post(CREATE, {**VALID, "coverage_start": "2025-06-30",
                                     "coverage_end": "2025-01-01"})
    assert response.status_code == 400
    assert "ends before it starts" in response.content.decode()
    assert not Filing.objects.exists()


def test_the_form_is_protected_against_cross_site_requests(preparer):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(preparer)
    assert client.post(CREATE, VALID).status_code == 403
    assert not Filing.objects.exists()
