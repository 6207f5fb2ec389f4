"""The whole journey in Chromium, once in English and once in Japanese (issue 14).

A preparer logs in, creates a filing and uploads the evidence with the progress bar, and sees the
upload check; a signer attests, submits and watches the assessment arrive without a reload; a
reviewer passes the second factor and recommends approval; an approver passes it and approves
(in the Japanese journey with the certificate's labels in Japanese too); the worker signs the
certificate; the manufacturer downloads it; the page its QR code names says it is genuine; the
approver revokes it; the same page says so.

Each person has a browser of their own (a context: cookies, language). On every page the
journey visits, axe-core finds no serious or critical violation, and every page but the
console's fits a 375 px phone without scrolling sideways. A screenshot of each step is saved in
the test's folder, or in $JOURNEY_SCREENSHOTS (`make screenshots` writes docs/screenshots/).
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import translation
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import Browser, BrowserContext, Page, expect

from filings.certificates.labels import LABELS
from filings.models import Filing
from portal.accounts.models import Organisation, User
from portal.accounts.roles import Role
from portal.accounts.services import console_access_sync
from tests.browser.test_accessibility import AXE, violations
from tests.browser.test_narrow_screens import PHONE, overflow
from tests.celery_worker import _clear_audit_events, process_environment, start_worker, stop_process
from tests.certificates.conftest import pdf_text
from tests.certificates.test_qr_decodes import decoded_qr
from tests.conftest import DATA
from tests.factories import PASSWORD, member

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("translations")]

WIDE = {"width": 1280, "height": 900}
WORKBOOK = "us-pickup-japan-minerals.xlsx"
SLOW = 90_000  # ms: the worker checks, assesses and signs


@dataclass
class Findings:
    """What the journey found wrong, by page: collected, then asserted once at the end, so that
    one failure report lists every page's problems."""

    axe: dict[str, list[str]] = field(default_factory=dict)
    too_wide: dict[str, int] = field(default_factory=dict)
    shots: list[Path] = field(default_factory=list)


class Person:
    """One person's browser, in the journey's language."""

    def __init__(self, browser: Browser, base: str, language: str, folder: Path,
                 findings: Findings, who: str) -> None:
        locale = "ja-JP" if language == "ja" else "en-US"
        self.context: BrowserContext = browser.new_context(
            viewport=WIDE, locale=locale, accept_downloads=True,
            bypass_csp=True)  # for axe alone; the pages' policy is tested elsewhere
        self.page: Page = self.context.new_page()
        self.page.set_default_timeout(20_000)
        self.base, self.language, self.folder, self.findings, self.who = (
            base, language, folder, findings, who)

    def go(self, path: str) -> None:
        self.page.goto(path if path.startswith("http") else f"{self.base}{path}")

    def look(self, step: str, *, console: bool = False) -> None:
        """Check the page as it is now (axe; a phone's width unless it is the console) and save
        its screenshot as the journey's next step."""
        page = self.page
        name = f"{self.language}-{len(self.findings.shots) + 1:02d}-{step}"
        if problems := violations(page):
            self.findings.axe[name] = problems
        if not console:
            page.set_viewport_size({"width": PHONE, "height": 900})
            if excess := overflow(page):
                self.findings.too_wide[name] = excess
            page.set_viewport_size(WIDE)
        shot = self.folder / f"{name}.png"
        page.screenshot(path=str(shot), full_page=True)
        self.findings.shots.append(shot)

    def log_in(self, user: User, t: Callable[[str], str]) -> None:
        page = self.page
        expect(page.get_by_role("heading", level=1, name=t("Log in"))).to_be_visible()
        page.get_by_label(t("E-mail address")).fill(user.email)
        page.get_by_label(t("Password")).fill(PASSWORD)
        page.get_by_role("button", name=t("Log in")).click()

    def second_factor(self, device: TOTPDevice, t: Callable[[str], str]) -> None:
        """The portal's own page (in the browser's language) before the console (English)."""
        page = self.page
        expect(page.get_by_role("heading", level=1, name=t("Enter your code"))).to_be_visible()
        self.look("second-factor")
        page.get_by_label(t("Six-digit code")).fill(code(device))
        page.get_by_role("button", name=t("Continue")).click()

    def close(self) -> None:
        self.context.close()


def code(device: TOTPDevice) -> str:
    device.refresh_from_db()
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits)
    return f"{totp.token():0{device.digits}d}"


@pytest.fixture
def worker_for_live_server(transactional_db, live_server, tmp_path, settings
                           ) -> Iterator[None]:
    """A real Celery worker whose certificates and e-mails link to the live server, as the
    demo's link to DEMO_HOST:DEMO_PORT: the QR code must lead to a page this test can open."""
    from portal.celery import app

    settings.PORTAL_BASE_URL = live_server.url
    app.control.purge()
    log = tmp_path / "worker.log"
    worker = start_worker(log, env=process_environment(PORTAL_BASE_URL=live_server.url))
    try:
        yield
    finally:
        stop_process(worker)
        print(log.read_text(errors="replace")[-6000:])  # shown when the test fails
        _clear_audit_events()


@pytest.fixture
def screenshots(tmp_path: Path) -> Path:
    folder = Path(os.environ.get("JOURNEY_SCREENSHOTS") or tmp_path / "screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def console_user(role: Role, authority: Organisation, email: str) -> tuple[User, TOTPDevice]:
    """A reviewing authority's member with console access and an enrolled authenticator."""
    user = member(role, authority, email=email)
    console_access_sync(user=user)
    device = TOTPDevice.objects.create(user=user, name="Phone", confirmed=True)
    return user, device


@pytest.mark.parametrize("language", ["en", "ja"])
def test_the_whole_journey_as_each_role(language: str, browser: Browser, live_server,
                                        worker_for_live_server: None, screenshots: Path,
                                        manufacturer: Organisation, authority: Organisation,
                                        tmp_path: Path):
    if not AXE.is_file():
        raise RuntimeError(f"{AXE} is missing: run `npm ci` (make test does).")

    def t(message: str) -> str:
        with translation.override(language):
            return translation.gettext(message)

    # The preparer has saved no language: the browser's (Accept-Language) decides. The signer
    # saved theirs.
    preparer = member(Role.PREPARER, manufacturer, email="preparer@granite.example")
    signer = member(Role.SIGNER, manufacturer, email="signer@granite.example")
    signer.language = language
    signer.save(update_fields=["language"])
    reviewer, reviewer_device = console_user(Role.REVIEWER, authority, "reviewer@authority.example")
    approver, approver_device = console_user(Role.APPROVER, authority, "approver@authority.example")
    findings = Findings()

    def person(who: str) -> Person:
        return Person(browser, live_server.url, language, screenshots, findings, who)

    # --- the preparer: log in, create the filing, upload the workbook -------------------------
    prep = person("preparer")
    page = prep.page
    prep.go(reverse("filings:dashboard"))
    expect(page.locator("html")).to_have_attribute("lang", language)
    prep.look("login")
    prep.log_in(preparer, t)
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    prep.look("dashboard")
    page.get_by_role("link", name=t("New filing")).first.click()
    page.get_by_label(t("Make")).fill("Granite Motor Company")
    page.get_by_label(t("Model"), exact=True).fill("Ironwood EV")
    page.get_by_label(t("Model year")).fill("2024")
    page.get_by_label(t("Vehicle class")).select_option("pickup")
    page.get_by_label(t("Coverage start")).fill("2024-06-01")
    page.get_by_label(t("Coverage end")).fill("2024-12-31")
    prep.look("new-filing")
    page.get_by_role("button", name=t("Create the filing")).click()
    expect(page).to_have_url(re.compile(r"/filings/[0-9a-f-]{36}/$"))
    filing_path = page.url.removeprefix(live_server.url)

    # What the upload's status line says as the file goes up: the progress bar's percentages.
    said: list[str] = []
    page.expose_function("journeyUploadSaid", lambda text: said.append(text))
    page.evaluate("""() => {
        const status = document.querySelector('[data-upload-status]');
        new MutationObserver(() => window.journeyUploadSaid(status.textContent))
            .observe(status, {childList: true, characterData: true, subtree: true});
    }""")
    page.locator("input[type=file][name=file]").set_input_files(DATA / WORKBOOK)
    page.get_by_role("button", name=t("Upload")).click()
    expect(page.get_by_text(WORKBOOK).first).to_be_visible()
    uploading = re.escape(t("Uploading…"))
    assert any(re.fullmatch(rf"{uploading} \d+ %", text) for text in said), said
    live = page.locator("#live-status")
    expect(live).to_have_attribute("data-check", "ready", timeout=SLOW)
    expect(page.get_by_text(t("Ready to submit."), exact=True)).to_be_visible()
    prep.look("upload-checked")
    prep.close()

    # --- the signer: attest and submit; the assessment arrives without a reload ---------------
    sign = person("signer")
    page = sign.page
    sign.go(filing_path)
    sign.log_in(signer, t)
    expect(page).to_have_url(f"{live_server.url}{filing_path}")
    page.get_by_role("checkbox").check()  # the attestation, in the page's language
    sign.look("attest")
    page.get_by_role("button", name=t("Attest and submit")).click()
    live = page.locator("#live-status")
    expect(live).to_have_attribute("data-state", re.compile("submitted|assessing|assessed"))
    navigations: list[str] = []
    page.on("framenavigated", lambda frame: navigations.append(frame.url))
    expect(live).to_have_attribute("data-state", "assessed", timeout=SLOW)
    expect(page.get_by_text("$7,500").first).to_be_visible()
    assert navigations == []
    sign.look("assessed")

    # --- the reviewer: second factor, start the review, recommend approval --------------------
    filing = Filing.objects.get()
    review = person("reviewer")
    page = review.page
    review.go("/admin/filings/filing/")
    review.log_in(reviewer, t)
    review.second_factor(reviewer_device, t)
    expect(page.get_by_role("heading", level=1)).to_contain_text("filing")
    review.look("review-queue", console=True)
    page.get_by_role("link", name=re.compile("Ironwood EV")).first.click()
    review.look("review-filing", console=True)
    page.locator("#review-actions").get_by_role("link", name="Start review").click()
    page.get_by_role("button", name="Start review").click()
    page.locator("#review-actions").get_by_role("link", name="Recommend approval").click()
    page.get_by_label("Comment").fill("Sourcing traced to the supplier declarations; approve.")
    review.look("recommend", console=True)
    page.get_by_role("button", name="Recommend approval").click()
    expect(page.locator(".messagelist")).to_contain_text("Approval recommended")
    review.close()

    # --- the approver: second factor, approve (the certificate's labels per the journey) ------
    decide = person("approver")
    page = decide.page
    decide.go(f"/admin/filings/filing/{filing.pk}/change/")
    decide.log_in(approver, t)
    decide.second_factor(approver_device, t)
    page.locator("#review-actions").get_by_role("link", name="Approve").click()
    page.get_by_label("Comment").fill("Approved: final assembly and sourcing verified.")
    page.locator(f"input[name=certificate_language][value='{'en+ja' if language == 'ja' else 'en'}']"
                 ).check()
    decide.look("approve", console=True)
    page.get_by_role("button", name="Approve").click()
    expect(page.locator(".messagelist")).to_contain_text("Filing approved")

    # --- the manufacturer: the signed certificate, downloaded; its QR code's page --------------
    page = sign.page
    download_link = page.get_by_role("link", name=t("Download the PDF"))
    for _ in range(SLOW // 2000):
        page.reload()
        if download_link.count():
            break
        page.wait_for_timeout(2000)
    expect(download_link).to_be_visible()
    sign.look("certificate-issued")
    with page.expect_download() as download:
        download_link.click()
    pdf_path = tmp_path / "certificate.pdf"
    download.value.save_as(pdf_path)
    pdf = pdf_path.read_bytes()
    assert pdf.startswith(b"%PDF")
    text = pdf_text(pdf)
    assert LABELS["title"].en in text
    assert (LABELS["title"].ja in text) is (language == "ja")
    (verify_url,) = decoded_qr(pdf, tmp_path, 150)
    assert verify_url.startswith(f"{live_server.url}/")

    public = person("public")
    public.go(verify_url)
    status = public.page.locator("#certificate-status")
    expect(status).to_have_class(re.compile("verdict-genuine"))
    expect(status).to_contain_text(t("Genuine and in force"))
    public.look("verify-genuine")

    # --- the approver revokes; the same page says so ------------------------------------------
    page = decide.page
    page.reload()  # the approver comes back to the filing once its certificate is out
    decide.look("console-certificate", console=True)
    page.locator("#review-actions").get_by_role("link", name="Revoke the certificate").click()
    page.get_by_label("Comment").fill("Revoked: a supplier declaration was withdrawn.")
    decide.look("revoke", console=True)
    page.get_by_role("button", name="Revoke the certificate").click()
    expect(page.locator(".messagelist")).to_contain_text("Certificate revoked")
    decide.close()

    public.page.reload()
    expect(status).to_have_class(re.compile("verdict-revoked"))
    reason = "Revoked: a supplier declaration was withdrawn."
    expect(public.page.locator("#revoked-reason")).to_have_text(reason)
    expect(status).to_contain_text(t("Reason: %(reason)s") % {"reason": reason})
    public.look("verify-revoked")
    public.close()
    sign.close()

    assert findings.axe == {}, findings.axe
    assert findings.too_wide == {}, f"wider than a {PHONE} px phone (page: px): {findings.too_wide}"
    assert len(findings.shots) >= 14 and all(shot.stat().st_size for shot in findings.shots)
