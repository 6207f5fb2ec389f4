"""The console's rulebook pages: history, a version's changes, drafting through the forms, the
impact preview page, publishing, and the what-if run."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from filings.rulebooks.models import ImpactPreview, RulebookStatus, RulebookVersion
from filings.rulebooks.services.drafting import rulebook_draft_amend
from filings.rulebooks.services.preview import rulebook_preview_in_process
from filings.states import State
from portal.audit.models import AuditEvent
from tests.admin.conftest import client_for
from tests.certificates.conftest import approve
from tests.rulebooks.conftest import JAPAN, JAPAN_CITATION, PRE_JAPAN, japan_draft, publish, submitted

HISTORY = "/admin/rulebooks/rulebookversion/"


def _url(name: str, record: RulebookVersion, *args: object) -> str:
    return reverse(f"admin:rulebooks_rulebookversion_{name}", args=[record.pk, *args])


def test_the_history_lists_each_version_with_what_changed(pre_japan, approver):
    publish(approver, japan_draft(approver))

    page = client_for(approver).get(HISTORY).content.decode()

    assert PRE_JAPAN in page and JAPAN in page
    assert "Japan" in page  # the change column names the added treatment
    assert "first version" in page
    assert "In force: " in page


def test_a_version_page_shows_the_readable_diff_and_who_published_it(pre_japan, approver,
                                                                    reviewer):
    draft = japan_draft(approver)
    publish(approver, draft)

    page = client_for(reviewer).get(_url("change", draft)).content.decode()

    assert "What changed against " + PRE_JAPAN in page
    assert "Japan (JP)" in page
    assert "2023-03-28" in page
    assert str(approver) in page
    assert "Publish " + JAPAN not in page  # published: no draft forms


def test_an_approver_drafts_and_amends_through_the_forms(pre_japan, approver):
    client = client_for(approver)
    response = client.post(reverse("admin:rulebooks_rulebookversion_draft"),
                           {"version": JAPAN, "citation": JAPAN_CITATION,
                            "note": "Japan counts for critical minerals."})
    draft = RulebookVersion.objects.get(version=JAPAN)
    assert response.status_code == 302 and response["Location"].endswith(_url("change", draft))

    response = client.post(_url("amend", draft, "fta_add"), {
        "country": "JP", "from_": "2023-03-28", "basis": "U.S.-Japan CMA", "minerals": "",
        "confidence": "V", "citation": JAPAN_CITATION})
    assert response.status_code == 302
    draft.refresh_from_db()
    assert any(entry["country"] == "JP" for entry in draft.data["fta_countries"])


def test_a_refused_amendment_shows_the_error_at_its_field(pre_japan, approver):
    draft = japan_draft(approver)
    response = client_for(approver).post(_url("amend", draft, "fta_add"), {
        "country": "JP", "from_": "2023-03-28", "basis": "again", "minerals": "",
        "confidence": "V", "citation": JAPAN_CITATION})

    assert response.status_code == 400
    assert "JP" in response.content.decode()
    assert 'id="amend-fta_add" open' in response.content.decode()


def test_a_reviewer_sees_the_history_but_cannot_draft(pre_japan, reviewer):
    client = client_for(reviewer)
    assert client.get(HISTORY).status_code == 200
    assert "Draft an amendment" not in client.get(HISTORY).content.decode()

    response = client.post(reverse("admin:rulebooks_rulebookversion_draft"),
                           {"version": "9.9", "citation": JAPAN_CITATION, "note": "Not mine."})

    assert response.status_code == 403
    assert not RulebookVersion.objects.filter(version="9.9").exists()


@pytest.mark.parametrize("actor", ["signer", "outsider"])
def test_manufacturers_never_reach_the_rulebook_console(request, pre_japan, actor):
    response = client_for(request.getfixturevalue(actor)).get(HISTORY)
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_the_preview_page_shows_progress_then_the_changed_filings(
        pre_japan, approver, manufacturer, preparer, signer):
    filing = submitted(manufacturer, preparer, signer)
    draft = japan_draft(approver)
    client = client_for(approver)

    assert client.post(_url("preview", draft)).status_code == 302
    preview = draft.previews.get()
    running = client.get(_url("preview", draft)).content.decode()
    assert 'id="preview-progress"' in running and "data-status-url" in running
    status = client.get(_url("preview_status", draft, preview.pk)).json()
    assert status == {"status": "queued", "done": 0, "total": 0, "finished": False}

    rulebook_preview_in_process(preview_id=preview.pk)
    page = client.get(_url("preview", draft)).content.decode()
    assert "data-status-url" not in page
    assert "$3,750 → $7,500" in page
    assert str(filing) in page
    assert "Credit goes up" in page
    assert client.get(_url("preview_status", draft, preview.pk)).json()["finished"] is True


def _previewed(client, draft: RulebookVersion) -> ImpactPreview:
    """Run the impact preview from its page, with the worker's part in this process."""
    assert client.post(_url("preview", draft)).status_code == 302
    preview = draft.previews.order_by("-pk").first()
    assert preview is not None
    return rulebook_preview_in_process(preview_id=preview.pk)


def _published(draft: RulebookVersion) -> bool:
    draft.refresh_from_db()
    return draft.status == RulebookStatus.PUBLISHED


def test_without_a_preview_there_is_no_publish_button_and_a_post_is_refused(
        pre_japan, approver, manufacturer, preparer, signer):
    submitted(manufacturer, preparer, signer)
    draft = japan_draft(approver)
    client = client_for(approver)

    page = client.get(_url("change", draft)).content.decode()
    assert 'id="publish-link"' not in page and f"Publish {JAPAN}" not in page
    assert "run the impact preview first" in page
    confirm = client.get(_url("publish", draft))
    assert confirm.status_code == 200 and 'id="publish-form"' not in confirm.content.decode()
    assert "Run the impact preview first" in confirm.content.decode()

    response = client.post(_url("publish", draft), {"confirm": "publish"})

    assert response.status_code == 409
    assert "no impact preview has run for it yet" in response.content.decode()
    assert not _published(draft)
    assert not AuditEvent.objects.filter(action="rulebook_publish").exists()


def test_a_preview_still_running_does_not_count(pre_japan, approver, manufacturer, preparer,
                                                signer):
    submitted(manufacturer, preparer, signer)
    draft = japan_draft(approver)
    client = client_for(approver)
    assert client.post(_url("preview", draft)).status_code == 302
    queued = draft.previews.get()

    response = client.post(_url("publish", draft), {"preview": queued.pk, "confirm": "publish"})

    assert response.status_code == 409
    assert "has not finished yet" in response.content.decode()
    assert 'id="publish-link"' not in client.get(_url("change", draft)).content.decode()
    assert not _published(draft)


def test_a_preview_of_an_earlier_content_of_the_draft_is_refused(
        pre_japan, approver, manufacturer, preparer, signer):
    submitted(manufacturer, preparer, signer)
    draft = japan_draft(approver)
    client = client_for(approver)
    stale = _previewed(client, draft)
    draft = rulebook_draft_amend(actor=approver, draft=draft, amendment="gvwr_set",
                                 below_lb=Decimal("15000"), citation=JAPAN_CITATION)
    assert draft.data_sha256 != stale.data_sha256, "the amendment did not change the draft"

    page = client.get(_url("change", draft)).content.decode()
    assert 'id="publish-link"' not in page and "the draft changed after the latest one" in page
    response = client.post(_url("publish", draft), {"preview": stale.pk, "confirm": "publish"})

    assert response.status_code == 409
    assert "the draft changed after its latest impact preview" in response.content.decode()
    assert not _published(draft)


def test_a_finished_preview_leads_to_a_confirmation_naming_the_count_then_publishes(
        pre_japan, approver, reviewer, manufacturer, preparer, signer):
    approved = submitted(manufacturer, preparer, signer)
    approve(approved, reviewer, approver)
    open_filing = submitted(manufacturer, preparer, signer)
    draft = japan_draft(approver)
    client = client_for(approver)
    preview = _previewed(client, draft)
    assert len(preview.rows) == 2

    page = client.get(_url("change", draft)).content.decode()
    assert 'id="publish-link"' in page
    confirm = client.get(_url("publish", draft)).content.decode()
    assert (f"Publishing version {JAPAN} sends 1 filing back to review and cannot be undone."
            in confirm)
    assert str(approved) in confirm and str(open_filing) in confirm
    assert 'name="confirm" value="publish"' in confirm
    assert f'name="preview" value="{preview.pk}"' in confirm

    unconfirmed = client.post(_url("publish", draft), {"preview": preview.pk})
    assert unconfirmed.status_code == 400
    assert "sends 1 filing back to review and cannot be undone" in unconfirmed.content.decode()
    assert not _published(draft)

    response = client.post(_url("publish", draft), {"preview": preview.pk, "confirm": "publish"})

    assert response.status_code == 302
    assert _published(draft) and draft.published_by == approver
    event = AuditEvent.objects.filter(action="rulebook_publish").get()
    assert (event.data["preview"], event.data["confirmed_sent_to_review"]) == (preview.pk, 1)
    assert client.get(_url("publish", draft)).status_code == 302  # published: nothing to confirm


def test_a_confirmation_of_an_older_preview_is_refused(pre_japan, approver, manufacturer,
                                                       preparer, signer):
    submitted(manufacturer, preparer, signer)
    draft = japan_draft(approver)
    client = client_for(approver)
    older = _previewed(client, draft)
    newer = _previewed(client, draft)
    assert newer.pk != older.pk

    response = client.post(_url("publish", draft), {"preview": older.pk, "confirm": "publish"})

    assert response.status_code == 409
    assert "latest finished impact preview" in response.content.decode()
    assert not _published(draft)


def test_the_what_if_page_runs_a_filing_under_another_version(
        pre_japan, approver, reviewer, manufacturer, preparer, signer):
    filing = submitted(manufacturer, preparer, signer)
    draft = japan_draft(approver)
    url = reverse("admin:filings_filing_what_if", args=[filing.pk])

    page = client_for(reviewer).get(url, {"version": draft.pk}).content.decode()

    assert "$3,750 → <strong>$7,500</strong>" in page
    assert 'id="what-if-result"' in page
    filing.refresh_from_db()
    assert filing.state == State.ASSESSED
    assert client_for(reviewer).get(url, {"version": "999999"}).status_code == 400
