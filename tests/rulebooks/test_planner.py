"""The sourcing planner (issue 15, Deliver 3 and 4): plan a change, see every segment's outcome
under a published version, download the changed lines, start a new evidence version from it.

The worker's part (`plan_run`) runs in this process here; tests/rulebooks/test_planner_worker.py
and the browser test run it in a real Celery worker."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from filings.evidence.plan import Change
from filings.models import EvidenceCheck, FileKind, Filing
from filings.rulebooks.models import RulebookVersion
from filings.rulebooks.selectors import published_versions
from filings.rulebooks.services.planning import (
    DONE,
    INVALID,
    PENDING,
    plan_get,
    plan_request,
    plan_run,
    plan_start_version,
)
from filings.services.assessment import assessment_run
from filings.services.common import NotAllowed, StateConflict
from filings.services.manufacturer import evidence_upload, filing_create, filing_submit
from filings.states import State
from portal.audit.models import AuditEvent
from tests.conftest import DATA, SAMPLE_VEHICLES
from tests.factories import run_queued_check
from tests.rulebooks.conftest import JAPAN, PRE_JAPAN, XLSX, japan_draft, publish

LITHIUM = "suv-lithium-processed-in-china.xlsx"
# The sample's lithium lines processed in China (spreadsheet rows), all from FEOC processors.
LITHIUM_ROWS = frozenset({2, 3, 4})
TO_JAPAN = Change("processing_country", "JP", rows=LITHIUM_ROWS, feoc=False)


@pytest.fixture
def both_versions(pre_japan, approver) -> dict[str, RulebookVersion]:
    """The rules before Japan counted and the Japan amendment, both published."""
    publish(approver, japan_draft(approver))
    return {r.version: r for r in published_versions()}


@pytest.fixture
def lithium_filing(manufacturer, preparer) -> Filing:
    """A draft for the SUV whose lithium is processed in China, its evidence checked: eligible
    in 2024, not in 2025 (FEOC processors, and a critical-mineral share of 54 % < 60 %)."""
    filing = filing_create(actor=preparer, **SAMPLE_VEHICLES[LITHIUM],
                           coverage_start=dt.date(2024, 7, 1), coverage_end=dt.date(2025, 9, 30))
    evidence_upload(actor=preparer, filing=filing, kind=FileKind.EVIDENCE,
                    upload=SimpleUploadedFile(LITHIUM, (DATA / LITHIUM).read_bytes(), XLSX))
    run_queued_check(filing)
    return filing


def planned(actor, filing, changes, record) -> dict[str, Any]:
    token = plan_request(actor=actor, filing=filing, changes=changes, record=record)
    assert plan_get(actor=actor, filing=filing, token=token)["state"] == PENDING
    plan_run(token=token)
    entry = plan_get(actor=actor, filing=filing, token=token)
    assert entry is not None
    entry["token"] = token
    return entry


def browser_form(rulebook: RulebookVersion, **first: str) -> dict[str, Any]:
    """The planner form as a browser posts it: every change's step and ticked box, the first
    change's fields as given."""
    form: dict[str, Any] = {"change-TOTAL_FORMS": "3", "change-INITIAL_FORMS": "0",
                            "rulebook": rulebook.pk}
    for i in range(3):
        form |= {f"change-{i}-step": "processing_country", f"change-{i}-not_feoc": "on"}
    return form | {f"change-0-{name}": value for name, value in first.items()}


def credits(result: dict[str, Any]) -> list[tuple[str, int]]:
    return [(s["from"], s["credit_usd"]) for s in result["segments"]]


def test_moving_the_lithium_to_japan_earns_the_credit_only_under_the_rules_that_count_japan(
        both_versions, lithium_filing, viewer):
    under_japan = planned(viewer, lithium_filing, [TO_JAPAN], both_versions[JAPAN])
    assert under_japan["state"] == DONE
    assert credits(under_japan["before"]) == [("2024-07-01", 7500), ("2025-01-01", 0)]
    assert credits(under_japan["after"]) == [("2024-07-01", 7500), ("2025-01-01", 7500)]
    assert under_japan["changed"] == {"critical_minerals": 3}
    assert under_japan["advice"] is None  # every requirement met: nothing left to advise

    before_japan = planned(viewer, lithium_filing, [TO_JAPAN], both_versions[PRE_JAPAN])
    # The FEOC processors are gone, so the SUV is eligible again, but Japan does not count:
    # the critical-mineral share stays 54 %, only the battery-component half is earned.
    assert credits(before_japan["after"]) == [("2024-07-01", 7500), ("2025-01-01", 3750)]
    segment = before_japan["after"]["segments"][1]["requirements"]
    assert (segment["feoc_critical_minerals"]["met"], segment["critical_minerals"]["met"]) == (
        True, False)
    # What remains is advised on the planned evidence: the same lines, to a country that counts.
    [share] = before_japan["advice"]["shares"]
    assert share["requirement"] == "critical_minerals"


def test_keeping_the_feoc_flags_keeps_the_vehicle_ineligible_in_2025(both_versions,
                                                                      lithium_filing, viewer):
    entry = planned(viewer, lithium_filing,
                    [Change("processing_country", "JP", rows=LITHIUM_ROWS)], both_versions[JAPAN])
    assert credits(entry["after"]) == [("2024-07-01", 7500), ("2025-01-01", 0)]
    assert [f["line"]["row"] for f in entry["advice"]["feoc"]] == [2, 3, 4]


def test_the_advised_fewest_lines_moved_in_the_planner_meet_the_share(both_versions,
                                                                       lithium_filing, signer):
    """Done when: the advice's application, re-assessed (here by the planner), meets it."""
    filing = filing_submit(actor=signer, filing=lithium_filing, attestation_confirmed=True)
    assessment = assessment_run(filing_id=filing.pk, version_id=filing.current_version().pk)
    assert assessment is not None and assessment.rulebook_version == JAPAN
    [share] = assessment.advice["shares"]
    rows = frozenset(line["row"] for line in share["fewest_lines"]["lines"])
    assert rows <= LITHIUM_ROWS
    feoc_rows = frozenset(f["line"]["row"] for f in assessment.advice["feoc"])
    assert feoc_rows == LITHIUM_ROWS
    entry = planned(signer, filing, [Change("processing_country", "JP", rows=rows),
                                     Change("processing_country", "JP", rows=feoc_rows,
                                            feoc=False)], both_versions[JAPAN])
    requirements = entry["after"]["segments"][1]["requirements"]
    assert requirements["critical_minerals"]["met"] is True
    assert requirements["feoc_critical_minerals"]["met"] is True


def test_a_plan_naming_rows_and_suppliers_that_are_not_there_says_so(pre_japan, lithium_filing,
                                                                      viewer):
    entry = planned(viewer, lithium_filing,
                    [Change("processing_country", "JP", rows=frozenset({99}),
                            suppliers=frozenset({"Nobody Ltd"}))], pre_japan)
    assert entry["state"] == INVALID
    text = " ".join(m["message"] for m in entry["messages"])
    assert "99" in text and "Nobody Ltd" in text


def test_a_plan_is_its_makers_alone(pre_japan, lithium_filing, viewer, preparer, reviewer):
    entry = planned(viewer, lithium_filing, [TO_JAPAN], pre_japan)
    assert plan_get(actor=preparer, filing=lithium_filing, token=entry["token"]) is None
    with pytest.raises(NotAllowed):
        plan_get(actor=reviewer, filing=lithium_filing, token=entry["token"])
    with pytest.raises(NotAllowed):
        plan_request(actor=reviewer, filing=lithium_filing, changes=[TO_JAPAN], record=pre_japan)


def test_a_plan_is_stored_nowhere_but_the_cache(pre_japan, lithium_filing, viewer):
    from filings.models import Assessment, EvidenceVersion, StoredEvidence

    counts = (Assessment.objects.count(), EvidenceVersion.objects.count(),
              StoredEvidence.objects.count(), AuditEvent.objects.count())
    entry = planned(viewer, lithium_filing, [TO_JAPAN], pre_japan)
    assert entry["state"] == DONE
    assert (Assessment.objects.count(), EvidenceVersion.objects.count(),
            StoredEvidence.objects.count(), AuditEvent.objects.count()) == counts
    cache.delete(f"plan:{entry['token']}")
    assert plan_get(actor=viewer, filing=lithium_filing, token=entry["token"]) is None


# --- the pages ------------------------------------------------------------------------------

def test_the_planner_page_plans_a_change_and_shows_the_outcome(client, both_versions,
                                                               lithium_filing, viewer):
    client.force_login(viewer)
    url = reverse("rulebooks:plan", kwargs={"reference": lithium_filing.reference})
    page = client.get(url)
    assert page.status_code == 200
    assert "Plan a sourcing change" in page.content.decode()
    response = client.post(url, browser_form(both_versions[JAPAN], country="jp", rows="2-4"))
    assert response.status_code == 302
    token = response["Location"].split("plan=")[1].split("#")[0]
    state = client.get(reverse("rulebooks:plan_outcome",
                               kwargs={"reference": lithium_filing.reference, "token": token}))
    assert state.json() == {"state": "pending"}
    plan_run(token=token)
    assert client.get(reverse("rulebooks:plan_outcome", kwargs={
        "reference": lithium_filing.reference, "token": token})).json() == {"state": "done"}
    shown = client.get(response["Location"]).content.decode()
    assert 'id="plan-credit-after">$7,500<' in shown
    assert f"irc-30d {JAPAN}" in shown
    # The form shows the plan as planned, to change and plan again.
    assert 'value="2-4"' in shown and 'value="JP"' in shown
    # A viewer may plan, not start a version from the plan (a signer's choice).
    assert "Start a new evidence version from this plan" not in shown
    assert "A signer of your organisation can start" in shown


def test_the_planner_form_says_what_is_wrong(client, pre_japan, lithium_filing, viewer):
    client.force_login(viewer)
    url = reverse("rulebooks:plan", kwargs={"reference": lithium_filing.reference})
    response = client.post(url, browser_form(pre_japan, country="", rows="1, 4-2, x"))
    assert response.status_code == 400
    content = response.content.decode()
    assert "rows start at 2" in content
    response = client.post(url, browser_form(pre_japan))  # untouched: no lines
    assert response.status_code == 400
    assert "Name the lines that would change" in response.content.decode()


def test_the_advice_links_to_the_planner_with_its_lines(client, pre_japan, lithium_filing,
                                                        viewer, signer):
    filing = filing_submit(actor=signer, filing=lithium_filing, attestation_confirmed=True)
    assessment_run(filing_id=filing.pk, version_id=filing.current_version().pk)
    client.force_login(viewer)
    page = client.get(reverse("filings:detail", kwargs={"reference": filing.reference}))
    content = page.content.decode()
    plan_url = reverse("rulebooks:plan", kwargs={"reference": filing.reference})
    assert f'href="{plan_url}"' in content  # the planner's section
    assert f'{plan_url}?step=processing_country&amp;rows=2' in content  # "Plan this change"
    prefilled = client.get(f"{plan_url}?step=processing_country&rows=2").content.decode()
    assert 'value="2"' in prefilled


def test_the_changed_lines_download_as_the_evidence_template(client, pre_japan, lithium_filing,
                                                             viewer):
    entry = planned(viewer, lithium_filing, [TO_JAPAN], pre_japan)
    client.force_login(viewer)
    response = client.get(reverse("rulebooks:plan_download", kwargs={
        "reference": lithium_filing.reference, "token": entry["token"]}))
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    assert workbook.sheetnames[0] == "read_me"
    rows = list(workbook["critical_minerals"].iter_rows(values_only=True))
    header, lines = rows[0], [r for r in rows[1:] if any(v not in (None, "") for v in r)]
    assert header[:5] == ("line_id", "mineral", "supplier", "extraction_country",
                          "processing_country")
    assert [(r[0], r[4], r[7]) for r in lines] == [("BL-01", "JP", "no"), ("BL-02", "JP", "no"),
                                                   ("BL-03", "JP", "no")]
    components = [r for r in workbook["battery_components"].iter_rows(min_row=2, values_only=True)
                  if any(v not in (None, "") for v in r)]
    assert components == []


def test_a_signer_starts_the_next_evidence_from_the_plan(client, both_versions, lithium_filing,
                                                         signer, preparer):
    entry = planned(signer, lithium_filing, [TO_JAPAN], both_versions[JAPAN])
    url = reverse("rulebooks:plan_apply", kwargs={"reference": lithium_filing.reference,
                                                   "token": entry["token"]})
    client.force_login(preparer)
    assert client.post(url).status_code == 403  # not the plan's maker, nor a signer
    client.force_login(signer)
    response = client.post(url)
    assert response.status_code == 302
    version = lithium_filing.current_version()
    names = sorted(version.files.filter(kind=FileKind.EVIDENCE).values_list("original_name",
                                                                            flat=True))
    assert names == ["battery_components.csv", "critical_minerals.csv", "vehicle.csv", "vins.csv"]
    check = run_queued_check(lithium_filing)
    assert check.status == EvidenceCheck.Status.READY
    # The check runs under the version in force (the Japan amendment): the planned credit.
    assert (check.credit_min_usd, check.credit_max_usd) == (7500, 7500)
    event = AuditEvent.objects.filter(filing=lithium_filing, action="plan_apply").get()
    assert event.actor == signer and event.data["changed_lines"] == {"critical_minerals": 3}


def test_a_filing_in_review_keeps_its_evidence(pre_japan, lithium_filing, signer):
    entry = planned(signer, lithium_filing, [TO_JAPAN], pre_japan)
    Filing.objects.filter(pk=lithium_filing.pk).update(state=State.IN_REVIEW)
    with pytest.raises(StateConflict, match="stays as submitted"):
        plan_start_version(actor=signer, filing=lithium_filing, token=entry["token"])


def test_a_reopenable_filing_is_reopened_with_a_new_version_holding_the_plan(
        pre_japan, lithium_filing, signer):
    entry = planned(signer, lithium_filing, [TO_JAPAN], pre_japan)
    first = lithium_filing.current_version()
    type(first).objects.filter(pk=first.pk).update(submitted_at=dt.datetime.now(dt.UTC))
    Filing.objects.filter(pk=lithium_filing.pk).update(state=State.CHANGES_REQUESTED)
    version = plan_start_version(actor=signer, filing=lithium_filing, token=entry["token"])
    assert version.number == first.number + 1
    lithium_filing.refresh_from_db()
    assert lithium_filing.state == State.DRAFT
    # The submitted version keeps its workbook.
    assert list(first.files.values_list("original_name", flat=True)) == [LITHIUM]


def test_when_the_plans_store_is_down_the_planner_says_so_and_nothing_is_planned(
        client, pre_japan, lithium_filing, viewer):
    from django.test import override_settings

    client.force_login(viewer)
    url = reverse("rulebooks:plan", kwargs={"reference": lithium_filing.reference})
    form = browser_form(pre_japan, country="JP", rows="2")
    down = {"default": {"BACKEND": "portal.cache.PrefixedRedisCache",
                        "LOCATION": "redis://127.0.0.1:1/0", "KEY_PREFIX": "down"}}
    with override_settings(CACHES=down):
        response = client.post(url, form)
        assert response.status_code == 503
        assert "cannot be reached right now" in response.content.decode()
        shown = client.get(f"{url}?plan={'a' * 24}")
        assert shown.status_code == 503
        state = client.get(reverse("rulebooks:plan_outcome", kwargs={
            "reference": lithium_filing.reference, "token": "a" * 24}))
        assert state.status_code == 503 and "cannot be reached" in state.json()["error"]


def test_advice_too_long_to_read_here_is_left_out_and_said_so(client, pre_japan, lithium_filing,
                                                              viewer, monkeypatch):
    from filings.rulebooks.services import planning

    monkeypatch.setattr(planning, "PLAN_ADVICE_MAX_BYTES", 10)
    entry = planned(viewer, lithium_filing, [Change("processing_country", "JP", rows=frozenset({2}))],
                    pre_japan)
    assert (entry["advice"], entry["advice_omitted"]) == (None, True)
    # The stored outcome keeps what the page shows, not the findings row by row.
    assert all(segment["findings"] == [] for segment in entry["after"]["segments"])
    assert set(entry["before"]["segments"][0]) == {"from", "to", "credit_usd", "requirements"}
    client.force_login(viewer)
    shown = client.get(reverse("rulebooks:plan", kwargs={"reference": lithium_filing.reference}),
                       {"plan": entry["token"]}).content.decode()
    assert 'id="plan-advice-omitted"' in shown


def test_an_entry_of_another_shape_reads_as_expired(pre_japan, lithium_filing, viewer):
    from filings.rulebooks.services import planning

    entry = planned(viewer, lithium_filing, [TO_JAPAN], pre_japan)
    key = f"plan:{entry['token']}"
    cache.set(key, {**cache.get(key), "format": planning.PLAN_FORMAT - 1})
    assert plan_get(actor=viewer, filing=lithium_filing, token=entry["token"]) is None


def test_nothing_is_made_from_a_plan_whose_evidence_changed_since(client, pre_japan, lithium_filing,
                                                                 preparer, signer):
    from filings.services.manufacturer import evidence_remove

    entry = planned(signer, lithium_filing, [TO_JAPAN], pre_japan)
    [workbook] = lithium_filing.current_version().files.all()
    evidence_remove(actor=preparer, evidence_file=workbook)
    evidence_upload(actor=preparer, filing=lithium_filing, kind=FileKind.EVIDENCE,
                    upload=SimpleUploadedFile("other.xlsx", (DATA / LITHIUM).read_bytes(), XLSX))
    client.force_login(signer)
    kwargs = {"reference": lithium_filing.reference, "token": entry["token"]}
    for response in (client.get(reverse("rulebooks:plan_download", kwargs=kwargs)),
                     client.post(reverse("rulebooks:plan_apply", kwargs=kwargs))):
        assert response.status_code == 409
        assert "The evidence changed since this plan was made" in response.content.decode()
    assert list(lithium_filing.current_version().files.values_list("original_name", flat=True)) == [
        "other.xlsx"]


@pytest.mark.parametrize("token", ["x" * 300, "../../etc", "plan:abc", "ÄÖÜ" * 8])
def test_a_token_that_no_plan_could_have_names_none(client, lithium_filing, viewer, token):
    client.force_login(viewer)
    assert plan_get(actor=viewer, filing=lithium_filing, token=token) is None
    page = client.get(reverse("rulebooks:plan", kwargs={"reference": lithium_filing.reference}),
                      {"plan": token})
    assert page.status_code == 200 and 'id="plan-expired"' in page.content.decode()



def test_the_authority_sees_a_submitted_filing_but_not_its_planner(client, pre_japan,
                                                                   lithium_filing, signer,
                                                                   reviewer):
    filing = filing_submit(actor=signer, filing=lithium_filing, attestation_confirmed=True)
    client.force_login(reviewer)
    assert client.get(reverse("filings:detail", kwargs={"reference": filing.reference})
                      ).status_code == 200
    page = client.get(reverse("rulebooks:plan", kwargs={"reference": filing.reference}))
    assert page.status_code == 403
    assert "own organisation can plan changes to its sourcing" in page.content.decode()
    form = browser_form(pre_japan, country="JP", rows="2")
    refused = client.post(reverse("rulebooks:plan", kwargs={"reference": filing.reference}), form)
    assert refused.status_code == 403


def test_a_plan_the_worker_never_answered_says_so_after_a_while(pre_japan, lithium_filing,
                                                                viewer):
    from filings.rulebooks.services import planning

    token = plan_request(actor=viewer, filing=lithium_filing, changes=[TO_JAPAN],
                         record=pre_japan)
    key = f"plan:{token}"
    lost = dt.datetime.now(dt.UTC) - planning.PLAN_LOST_AFTER - dt.timedelta(seconds=1)
    cache.set(key, {**cache.get(key), "requested_at": lost.isoformat()})
    entry = plan_get(actor=viewer, filing=lithium_filing, token=token)
    assert entry["state"] == planning.FAILED
    assert "not computed in time" in entry["messages"][0]


def test_evidence_that_cannot_be_read_makes_the_plan_invalid_with_its_errors(
        pre_japan, manufacturer, preparer, viewer):
    from filings.rulebooks.services import planning

    filing = filing_create(actor=preparer, **SAMPLE_VEHICLES["mistakes.xlsx"],
                           coverage_start=dt.date(2024, 1, 1), coverage_end=dt.date(2024, 12, 31))
    evidence_upload(actor=preparer, filing=filing, kind=FileKind.EVIDENCE,
                    upload=SimpleUploadedFile("mistakes.xlsx", (DATA / "mistakes.xlsx").read_bytes(),
                                              XLSX))
    entry = planned(viewer, filing, [Change("processing_country", "JP", rows=frozenset({2}))],
                    pre_japan)
    assert entry["state"] == planning.INVALID
    assert len(entry["messages"]) >= 10 and all(m["message"] for m in entry["messages"])
