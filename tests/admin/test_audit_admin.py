"""The audit trail in the console is read-only for everyone, superusers included."""

from __future__ import annotations

import pytest
from django.db import transaction
from django.urls import reverse

from filings.states import State
from portal.audit.models import AuditEvent
from portal.audit.services import audit_record
from tests.admin.conftest import action_url, client_for, filing_in

AUDIT_LIST = "/admin/audit/auditevent/"


@pytest.fixture
def event(reviewer, manufacturer):
    filing = filing_in(State.ASSESSED, manufacturer)
    client_for(reviewer).post(action_url(filing, "start"))
    return AuditEvent.objects.get(filing=filing, action="review_start")


@pytest.mark.parametrize("actor", ["reviewer", "superuser"])
def test_an_event_cannot_be_changed_through_the_admin(request, actor, event):
    url = reverse("admin:audit_auditevent_change", args=[event.pk])

    response = client_for(request.getfixturevalue(actor)).post(url, {
        "action": "forged", "reason": "nothing happened"})

    assert response.status_code == 403
    assert AuditEvent.objects.get(pk=event.pk).action == "review_start"


@pytest.mark.parametrize("actor", ["reviewer", "superuser"])
def test_an_event_cannot_be_deleted_through_the_admin(request, actor, event):
    client = client_for(request.getfixturevalue(actor))
    url = reverse("admin:audit_auditevent_delete", args=[event.pk])

    assert client.get(url).status_code == 403
    assert client.post(url, {"post": "yes"}).status_code == 403
    assert AuditEvent.objects.filter(pk=event.pk).exists()


@pytest.mark.parametrize("actor", ["reviewer", "superuser"])
def test_no_event_can_be_added_through_the_admin(request, actor, event):
    response = client_for(request.getfixturevalue(actor)).get(
        reverse("admin:audit_auditevent_add"))

    assert response.status_code == 403


def test_the_event_page_is_read_only_without_a_save_button(reviewer, event):
    response = client_for(reviewer).get(reverse("admin:audit_auditevent_change", args=[event.pk]))

    assert response.status_code == 200
    body = response.content.decode()
    assert event.hash in body
    assert str(event.actor) in body
    assert "/admin/accounts/" not in body  # names, not links a reviewer could not follow
    assert 'name="_save"' not in body
    assert "<textarea" not in body
    assert 'name="action"' not in body


def test_the_list_filters_by_action(reviewer, event):
    response = client_for(reviewer).get(AUDIT_LIST + "?action=review_start")

    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == [event]
    assert list(client_for(reviewer).get(AUDIT_LIST + "?action=filing_approved")
                .context["cl"].result_list) == []


def test_a_reviewer_sees_no_events_of_unsubmitted_filings(reviewer, manufacturer, event):
    draft = filing_in(State.DRAFT, manufacturer, submitted_days_ago=None)
    with transaction.atomic():
        audit_record(organisation=manufacturer, actor=draft.created_by, filing=draft,
                     action="filing_create", to_state=State.DRAFT)

    response = client_for(reviewer).get(AUDIT_LIST)

    assert list(response.context["cl"].result_list) == [event]
