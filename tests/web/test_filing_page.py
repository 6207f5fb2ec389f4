"""The filing page: vehicle, versions and files, the assessment with its bars, errors, comments."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from filings.models import EvidenceVersion, Filing, ReviewNote
from filings.states import State
from portal.accounts.roles import ATTESTATION_STATEMENT
from tests.web.conftest import engine_result, store_assessment


def page_of(client, filing: Filing) -> str:
    response = client.get(reverse("filings:detail", kwargs={"reference": filing.reference}))
    assert response.status_code == 200
    return str(response.content.decode())


def svg_bar(page: str, label: str) -> str:
    """The <svg> of the share bar whose caption starts with `label`."""
    match = re.search(rf"<figcaption><strong>{label}</strong>.*?</svg>", page, re.S)
    assert match, f"no bar for {label}"
    return match.group(0)


def number(svg: str, pattern: str) -> float:
    match = re.search(pattern, svg)
    assert match, pattern
    return float(match.group(1))


@pytest.fixture
def assessed(scenario):
    result = engine_result()  # 62.5 % of minerals, 55 % of components qualify
    store_assessment(scenario.filing.current_version(), result=result)
    return result


def test_the_page_shows_the_vehicle_and_its_coverage(client, viewer, filing):
    client.force_login(viewer)
    page = page_of(client, filing)
    assert "Ironwood EV" in page
    assert "2024-06-01 to 2024-12-31" in page
    assert "Draft" in page


def test_the_files_of_a_version_show_name_size_hash_uploader_and_a_download_link(client, viewer,
                                                                                 scenario):
    client.force_login(viewer)
    page = page_of(client, scenario.filing)
    stored = scenario.evidence_file
    assert stored.original_name in page
    assert stored.sha256 in page
    assert str(stored.uploaded_by) in page
    assert "KB" in page
    assert reverse("filings:evidence_download", kwargs={
        "reference": scenario.filing.reference, "file_id": stored.pk}) in page


def test_each_role_sees_only_the_actions_it_may_take(client, preparer, signer, viewer, scenario):
    client.force_login(viewer)
    page = page_of(client, scenario.filing)
    assert "data-upload" not in page
    assert "Attest and submit" not in page
    assert "Remove" not in page
    client.force_login(preparer)
    page = page_of(client, scenario.filing)
    assert "data-upload" in page
    assert "Remove" in page
    assert "Attest and submit" not in page
    client.force_login(signer)
    page = page_of(client, scenario.filing)
    assert "Attest and submit" in page
    assert ATTESTATION_STATEMENT in page


def test_the_result_shows_each_period_its_credit_and_every_requirement(client, viewer, scenario,
                                                                       assessed):
    client.force_login(viewer)
    page = page_of(client, scenario.filing)
    assert "Placed in service 2024-06-01 to 2024-12-31" in page
    assert "Eligible" in page
    assert "$3,750" in page
    for label in ("Credit window", "Final assembly in North America", "MSRP cap",
                  "Battery capacity", "Gross vehicle weight rating", "Critical-mineral share",
                  "Battery-component share"):
        assert label in page
    assert "IRC §30D(e)(1)(B)(ii)" in page
    assert 'class="status status-not-met">Not met' in page
    assert 'class="status status-na">n.a.' in page


def test_the_findings_are_grouped_by_requirement_with_severity_and_rows(client, viewer, scenario,
                                                                       assessed):
    client.force_login(viewer)
    page = page_of(client, scenario.filing)
    findings = page.split('<div class="findings">', 1)[1]
    minerals = findings.index('finding-group-head">Critical-mineral share')
    components = findings.index('finding-group-head">Battery-component share')
    lithium = findings.index("Not qualifying: lithium")
    korea = findings.index("made in KR")
    assert minerals < lithium < components < korea
    assert "Rows 103, 104, 105" in findings
    assert 'severity-info">Note' in findings


def test_the_bars_draw_the_qualifying_share_against_the_required_share(client, viewer, scenario,
                                                                       assessed):
    client.force_login(viewer)
    page = page_of(client, scenario.filing)
    requirements = assessed["segments"][0]["requirements"]
    for label, requirement, qualifying in (("Critical-mineral share", "critical_minerals", 62.5),
                                           ("Battery-component share", "battery_components", 55.0)):
        required = requirements[requirement]["required_pct"]
        svg = svg_bar(page, label)
        assert number(svg, r'class="share-fill"[^>]*width="([\d.]+)"') == qualifying * 4
        assert number(svg, r'class="share-required" x1="([\d.]+)"') == required * 4
        assert f"{qualifying:.2f} %" in svg
        assert f"at least {required:.2f} % required" in svg
        assert re.search(r'role="img" aria-label="[^"]+"', svg)
        assert "<title>" in svg


def test_a_share_above_100_or_below_0_stays_inside_the_bar(client, viewer, scenario):
    result = engine_result()
    result["segments"][0]["requirements"]["critical_minerals"]["qualifying_pct"] = 130.0
    result["segments"][0]["requirements"]["battery_components"]["qualifying_pct"] = None
    store_assessment(scenario.filing.current_version(), result=result)
    client.force_login(viewer)
    page = page_of(client, scenario.filing)
    assert number(svg_bar(page, "Critical-mineral share"),
                  r'class="share-fill"[^>]*width="([\d.]+)"') == 400
    assert "no value reported" in svg_bar(page, "Battery-component share")


def test_invalid_evidence_lists_every_problem_by_sheet_row_and_column(client, viewer, scenario):
    store_assessment(scenario.filing.current_version(), errors=[
        {"sheet": "vehicle", "row": 2, "column": "msrp_usd", "value": "forty",
         "message": "Expected an amount in U.S. dollars."},
        {"sheet": None, "row": None, "column": None, "value": None,
         "message": "The workbook has no sheet named vins."},
    ])
    client.force_login(viewer)
    page = page_of(client, scenario.filing)
    assert "Invalid evidence" in page
    assert "2 problems found" in page
    table = page.split('class="table errors-table"', 1)[1]
    cells = ["vehicle", "2", "msrp_usd", "<code>forty</code>", "Expected an amount in U.S. dollars."]
    assert re.search(r"\s*".join(rf"<td[^>]*>{re.escape(cell)}</td>" for cell in cells), table)
    assert "The workbook has no sheet named vins." in table


def test_reviewer_comments_show_but_internal_recommendations_do_not(client, viewer, reviewer,
                                                                    scenario, assessed):
    ReviewNote.objects.create(filing=scenario.filing, author=reviewer,
                              kind=ReviewNote.Kind.REQUEST_CHANGES,
                              text="Please add the cell supplier's certificate.")
    ReviewNote.objects.create(filing=scenario.filing, author=reviewer,
                              kind=ReviewNote.Kind.RECOMMEND_REJECT, text="Internal: weak evidence.")
    client.force_login(viewer)
    page = page_of(client, scenario.filing)
    assert "Please add the cell supplier&#x27;s certificate." in page
    assert "Internal: weak evidence." not in page
    client.force_login(reviewer)
    assert "Internal: weak evidence." in page_of(client, scenario.filing)


@pytest.mark.parametrize("decision", [ReviewNote.Kind.APPROVE, ReviewNote.Kind.REJECT,
                                      ReviewNote.Kind.REQUEST_CHANGES])
def test_the_reviewers_comment_shows_once_the_review_ends(client, viewer, reviewer, approver,
                                                         scenario, assessed, decision):
    ReviewNote.objects.create(filing=scenario.filing, author=reviewer,
                              kind=ReviewNote.Kind.RECOMMEND_APPROVE,
                              text="Battery components traced to the supplier declarations.")
    client.force_login(viewer)
    assert "Battery components traced" not in page_of(client, scenario.filing)

    ReviewNote.objects.create(filing=scenario.filing, author=approver, kind=decision,
                              text="Decided on the reviewer's recommendation.")

    page = page_of(client, scenario.filing)
    assert "Battery components traced to the supplier declarations." in page
    assert page.index("Battery components traced") < page.index("Decided on the reviewer")


def test_earlier_versions_and_their_assessments_stay_visible(client, viewer, preparer, scenario):
    first = scenario.filing.current_version()
    store_assessment(first, errors=[{"sheet": "vins", "row": 7, "column": "vin",
                                     "value": "123", "message": "A VIN has 17 characters."}])
    EvidenceVersion.objects.create(filing=scenario.filing, number=2, created_by=preparer)
    Filing.objects.filter(pk=scenario.filing.pk).update(state=State.DRAFT)
    client.force_login(viewer)
    page = page_of(client, scenario.filing)
    assert page.index("Version 2") < page.index("Version 1")
    assert "A VIN has 17 characters." in page
    assert scenario.evidence_file.sha256 in page


def test_a_pending_assessment_is_polled_and_a_settled_one_is_not(client, viewer, scenario):
    scenario.put_in(State.SUBMITTED)
    client.force_login(viewer)
    page = page_of(client, scenario.filing)
    status_url = reverse("filings:status", kwargs={"reference": scenario.filing.reference})
    assert 'data-poll="1"' in page
    assert f'data-status-url="{status_url}"' in page
    assert '<noscript><meta http-equiv="refresh"' in page
    scenario.put_in(State.ASSESSED)
    assert 'data-poll="1"' not in page_of(client, scenario.filing)


@pytest.mark.parametrize(("state", "pending", "terminal"), [
    (State.SUBMITTED, True, False), (State.ASSESSING, True, False),
    (State.ASSESSED, False, False), (State.WITHDRAWN, False, True),
])
def test_the_status_document_says_whether_the_assessment_is_still_running(
        client, viewer, scenario, state, pending, terminal):
    scenario.put_in(state)
    client.force_login(viewer)
    response = client.get(reverse("filings:status", kwargs={"reference": scenario.filing.reference}))
    body = response.json()
    assert (body["state"], body["assessment_pending"], body["terminal"]) == (state, pending, terminal)
    assert body["state_label"] == state.label
    assert body["updated_at"]
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]


def test_the_page_links_only_bundled_assets(client, viewer, filing):
    client.force_login(viewer)
    page = page_of(client, filing)
    assert not re.search(r'(src|href)="(https?:)?//', page)
