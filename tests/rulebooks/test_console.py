"""The console's rulebook pages: history, a version's changes, drafting through the forms, the
impact preview page, publishing, and the what-if run."""

from __future__ import annotations

import pytest
from django.urls import reverse

from filings.rulebooks.models import RulebookStatus, RulebookVersion
from filings.rulebooks.services.preview import rulebook_preview_run
from filings.rulebooks.services.publishing import rulebook_publish
from filings.states import State
from tests.admin.conftest import client_for
from tests.rulebooks.conftest import JAPAN, JAPAN_CITATION, PRE_JAPAN, japan_draft, submitted

HISTORY = "/admin/rulebooks/rulebookversion/"


def _url(name: str, record: RulebookVersion, *args: object) -> str:
    return reverse(f"admin:rulebooks_rulebookversion_{name}", args=[record.pk, *args])


def test_the_history_lists_each_version_with_what_changed(pre_japan, approver):
    rulebook_publish(actor=approver, draft=japan_draft(approver))

    page = client_for(approver).get(HISTORY).content.decode()

    assert PRE_JAPAN in page and JAPAN in page
    assert "Japan" in page  # the change column names the added treatment
    assert "first version" in page
    assert "In force: " in page


def test_a_version_page_shows_the_readable_diff_and_who_published_it(pre_japan, approver,
                                                                    reviewer):
    draft = japan_draft(approver)
    rulebook_publish(actor=approver, draft=draft)

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

    rulebook_preview_run(preview_id=preview.pk)
    page = client.get(_url("preview", draft)).content.decode()
    assert "data-status-url" not in page
    assert "$3,750 → $7,500" in page
    assert str(filing) in page
    assert "Credit goes up" in page
    assert client.get(_url("preview_status", draft, preview.pk)).json()["finished"] is True


def test_publishing_from_the_console(pre_japan, approver, manufacturer, preparer, signer):
    submitted(manufacturer, preparer, signer)
    draft = japan_draft(approver)

    response = client_for(approver).post(_url("publish", draft))

    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.status == RulebookStatus.PUBLISHED and draft.published_by == approver


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
