"""`manage.py demo_data` tells the Japan story: the rules before Japan counted are in force, the
Japan amendment waits as a draft, and the pickup whose lithium is processed in Japan is approved
at $3,750 — which the draft's impact preview shows going to $7,500."""

from __future__ import annotations

import io
import re

import pytest
from django.core.management import CommandError, call_command

from filings.certificates.content import verify_url
from filings.certificates.models import Certificate
from filings.evidence.plan import Change
from filings.models import Assessment, EvidenceCheck, Filing
from filings.rulebooks.models import RulebookStatus, RulebookVersion
from filings.rulebooks.selectors import rulebook_current
from filings.rulebooks.services.planning import plan_get, plan_request, plan_run
from filings.rulebooks.services.preview import rulebook_preview_in_process, rulebook_preview_request
from filings.states import State
from portal.accounts.models import User
from portal.audit.models import AuditEvent
from tests.rulebooks.conftest import publish


@pytest.fixture
def demo(settings, tmp_path) -> str:
    # The seed certificate is signed with the local PKI (tests/pki.py, tests/conftest.py).
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    out = io.StringIO()
    call_command("demo_data", stdout=out)
    return out.getvalue()


def test_the_demo_tells_the_japan_story(db, demo):
    assert "Demo data loaded." in demo
    assert "approver@authority.example" in demo.split("authenticator app (TOTP)")[1]
    versions = {v.version: v for v in RulebookVersion.objects.all()}
    assert versions["2025.1"].status == RulebookStatus.PUBLISHED
    assert not any(e["country"] == "JP" for e in versions["2025.1"].data["fta_countries"])
    draft = versions["2025.2"]
    assert (draft.status, draft.based_on_id) == (RulebookStatus.DRAFT, versions["2025.1"].pk)
    assert rulebook_current().version == "2025.1"

    pickup = Filing.objects.get(model="Ironwood EV", state=State.APPROVED)
    assessment = Assessment.objects.get(version__filing=pickup)
    assert (pickup.state, assessment.rulebook_version, assessment.credit_max_usd) == (
        State.APPROVED, "2025.1", 3750)

    approver = User.objects.get(email="approver@authority.example")
    preview = rulebook_preview_in_process(
        preview_id=rulebook_preview_request(actor=approver, draft=draft).pk)
    changed = {row["reference"]: row for row in preview.rows}
    row = changed[str(pickup.reference)]
    assert (row["credit_before"], row["credit_after"]) == ("$3,750", "$7,500")


def test_the_demo_plans_the_chinese_lithium_to_japan(db, demo):
    """Issue 15's story: the SUV whose lithium is processed in China fails in 2025; its advice
    names the lithium lines; moved to Japan in the planner they earn the full credit under the
    version that counts Japan, and not under the one before it."""
    suv = Filing.objects.get(model="Basalt EV")
    assessment = Assessment.objects.get(version__filing=suv)
    assert [(s["from"], s["credit_usd"]) for s in assessment.result["segments"]] == [
        ("2024-07-01", 7500), ("2025-01-01", 0)]
    [share] = assessment.advice["shares"]
    advised = {line["row"] for line in share["fewest_lines"]["lines"]}
    feoc = {item["line"]["row"] for item in assessment.advice["feoc"]}
    lithium = {2, 3, 4}  # the sample's lithium lines processed in China (tests/data/build_samples.py)
    assert advised <= lithium and feoc == lithium

    approver = User.objects.get(email="approver@authority.example")
    publish(approver, RulebookVersion.objects.get(version="2025.2"))
    signer = User.objects.get(email="signer@granite.example")
    move = Change("processing_country", "JP", rows=frozenset(feoc), feoc=False)
    outcome = {}
    for version in ("2025.1", "2025.2"):
        record = RulebookVersion.objects.get(version=version)
        token = plan_request(actor=signer, filing=suv, changes=[move], record=record)
        plan_run(token=token)
        entry = plan_get(actor=signer, filing=suv, token=token)
        outcome[version] = [s["credit_usd"] for s in entry["after"]["segments"]]
    assert outcome == {"2025.1": [7500, 3750], "2025.2": [7500, 7500]}


def test_the_demo_drafts_show_their_checks(db, demo):
    checks = {(c.version.filing.coverage_start.isoformat(), c.status): c for c in
              EvidenceCheck.objects.filter(version__filing__state=State.DRAFT)
              .select_related("version__filing")}
    assert set(checks) == {("2025-01-01", "ready"), ("2024-01-01", "errors")}
    assert len(checks["2024-01-01", "errors"].errors) == 19
    assert checks["2025-01-01", "ready"].credit_max_usd == 3750


def test_the_demo_data_loads_once(db, demo):
    again = io.StringIO()
    call_command("demo_data", stdout=again)
    assert "already loaded" in again.getvalue()
    assert RulebookVersion.objects.count() == 2


DEMO_ADDRESS = "http://demo.example:8123"


def test_every_link_the_demo_data_makes_leads_to_the_demo_address(db, settings, mailoutbox,
                                                                   django_capture_on_commit_callbacks):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.PORTAL_BASE_URL = DEMO_ADDRESS
    out = io.StringIO()

    with django_capture_on_commit_callbacks(execute=True):
        call_command("demo_data", stdout=out)

    assert f"link to {DEMO_ADDRESS}/" in out.getvalue()
    links = [link for m in mailoutbox for link in re.findall(r"https?://\S+", m.body)]
    assert links and all(link.startswith(f"{DEMO_ADDRESS}/") for link in links)
    certificate = Certificate.objects.get()
    assert verify_url(certificate).startswith(f"{DEMO_ADDRESS}/")
    event = AuditEvent.objects.get(action="demo_data_load")
    assert event.data == {"portal_base_url": DEMO_ADDRESS}


def test_demo_data_made_for_another_address_is_not_served_with_wrong_links(db, settings, demo):
    settings.PORTAL_BASE_URL = DEMO_ADDRESS

    with pytest.raises(CommandError, match=r"made for http://127\.0\.0\.1:8000/.*DEMO_PORT"):
        call_command("demo_data", stdout=io.StringIO())
