"""`manage.py demo_data`: the demo organisations, people and filings, built through the services.

Idempotent: when the demo manufacturer exists nothing is created again. Every filing reaches its
state the way a real one would (upload, submit, assess, review), so the audit trail is genuine.
The certificate and e-mails it makes link to PORTAL_BASE_URL (`make demo`: DEMO_HOST and
DEMO_PORT); the audit trail records that address, and a later run for another one stops and
says so rather than serve links that lead elsewhere.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from filings.certificates.labels import ENGLISH_JAPANESE
from filings.certificates.services import certificate_render
from filings.evidence import read_evidence
from filings.models import EvidenceCheck, FileKind, Filing
from filings.rulebooks.selectors import rulebook_seed
from filings.rulebooks.services.drafting import rulebook_draft_amend, rulebook_draft_create
from filings.rules import Vehicle, load_rulebook
from filings.rules.amend import rulebook_data, with_version, without_fta
from filings.services.assessment import assessment_run
from filings.services.checking import evidence_check_run
from filings.services.manufacturer import evidence_upload, filing_create, filing_submit
from filings.services.review import filing_approve, review_recommend, review_start
from portal.accounts.mfa import authenticator_key
from portal.accounts.models import Membership, Organisation, User
from portal.accounts.roles import OrganisationKind, Role
from portal.accounts.services import console_access_sync
from portal.audit.models import AuditEvent
from portal.audit.services import audit_record

DATA = Path(settings.BASE_DIR) / "tests" / "data"
DEMO_PASSWORD = "cvc-demo-password-2025"  # noqa: S105 (printed for the demo on purpose)
MANUFACTURER = "Granite Motor Company"
AUTHORITY = "Clean Vehicle Review Office"
# The demo's rulebook history: the version before Japan counted, then the Japan amendment.
PRE_JAPAN_VERSION = "2025.1"
PRE_JAPAN_NOTE = ("Demo history: the shipped rules as they read without Japan as a "
                  "free-trade-agreement country for critical minerals.")
# email, name, organisation, role, language of the pages and mails ("" follows the browser).
# Kenji Sato works with the pickup's Japanese processors and reads the portal in Japanese: the
# filing's mails reach him in Japanese, and its certificate is issued with Japanese labels.
PEOPLE = [
    ("preparer@granite.example", "Priya Preparer", MANUFACTURER, Role.PREPARER, ""),
    ("signer@granite.example", "Sam Signer", MANUFACTURER, Role.SIGNER, ""),
    ("viewer@granite.example", "Vera Viewer", MANUFACTURER, Role.VIEWER, ""),
    ("kenji.sato@granite.example", "佐藤 健司 (Kenji Sato)", MANUFACTURER, Role.VIEWER, "ja"),
    ("reviewer@authority.example", "Rafael Reviewer", AUTHORITY, Role.REVIEWER, ""),
    ("approver@authority.example", "Ada Approver", AUTHORITY, Role.APPROVER, ""),
]
# The audit event that records the address the demo data's links name.
LOADED_FOR = "demo_data_load"


class Command(BaseCommand):
    help = "Load the demo organisations, users and filings (safe to run twice)."

    def handle(self, *args: Any, **options: Any) -> None:
        # The seed certificate is signed (PAdES B-LTA) with the local PKI, which `make demo`
        # (portal/demo.py) starts first: `python -m portal.pki serve` otherwise.
        base_url = settings.PORTAL_BASE_URL.rstrip("/")
        if Organisation.objects.filter(name=MANUFACTURER).exists():
            _check_links_lead_to(base_url)
            self.stdout.write("Demo data already loaded.")
        else:
            people = self._people()
            self._rulebook_history(people[Role.APPROVER])
            self._filings(people)
            self._loaded_for(base_url)
            self.stdout.write(self.style.SUCCESS(f"Demo data loaded. Its certificate and e-mails "
                                                 f"link to {base_url}/."))
        self.stdout.write(f"Demo logins (password {DEMO_PASSWORD}):")
        for email, name, organisation, role, language in PEOPLE:
            reads = " — reads the portal in Japanese" if language == "ja" else ""
            self.stdout.write(f"  {email:<30} {role.label:<9} {organisation} ({name}){reads}")
        self.stdout.write("The review console asks reviewers and approvers for a code from an "
                          "authenticator app (TOTP). Add these demo keys to one:")
        for device in TOTPDevice.objects.filter(user__email__in=[p[0] for p in PEOPLE],
                                                confirmed=True).select_related("user"):
            self.stdout.write(f"  {device.user.email:<30} {authenticator_key(device)}")

    @transaction.atomic
    def _loaded_for(self, base_url: str) -> None:
        audit_record(organisation=Organisation.objects.get(name=AUTHORITY), actor=None,
                     action=LOADED_FOR, data={"portal_base_url": base_url},
                     reason=f"Demo data loaded; its certificate and e-mails link to {base_url}/.")

    @transaction.atomic
    def _people(self) -> dict[Role, User]:
        organisations = {
            MANUFACTURER: Organisation.objects.create(name=MANUFACTURER, ein="12-3456789",
                                                      kind=OrganisationKind.MANUFACTURER),
            AUTHORITY: Organisation.objects.create(name=AUTHORITY, kind=OrganisationKind.AUTHORITY),
        }
        people: dict[Role, User] = {}
        for email, name, organisation, role, language in PEOPLE:
            user = User.objects.create_user(email, DEMO_PASSWORD, full_name=name, language=language)
            Membership.objects.create(user=user, organisation=organisations[organisation], role=role)
            console_access_sync(user=user)
            if user.is_staff:
                TOTPDevice.objects.create(user=user, name="Demo authenticator", confirmed=True)
            people.setdefault(role, user)  # the first of each role acts in the demo's filings
        return people

    def _rulebook_history(self, approver: User) -> None:
        """The rules as they stood before the U.S.-Japan Critical Minerals Agreement counted
        (published), and the amendment adding Japan (a draft, for the demo to preview and
        publish by hand)."""
        shipped = rulebook_data(load_rulebook())
        before = with_version(without_fta(shipped, "JP"), version=PRE_JAPAN_VERSION,
                              note=PRE_JAPAN_NOTE)
        rulebook_seed(before, citation="26 CFR 1.30D-2(b)(13)(ii) (list of FTA countries "
                                       "before Japan's agreement was counted)",
                      note=PRE_JAPAN_NOTE)
        japan = next(entry for entry in shipped["fta_countries"] if entry["country"] == "JP")
        draft = rulebook_draft_create(
            actor=approver, version=load_rulebook().version, citation=japan["citation"],
            note="Japan counts as a free-trade-agreement country for critical minerals from "
                 "2023-03-28, the day the U.S.-Japan Critical Minerals Agreement was signed "
                 "and entered into force.")
        rulebook_draft_amend(
            actor=approver, draft=draft, amendment="fta_add", country="JP",
            from_=dt.date.fromisoformat(japan["from"]), basis=japan["basis"],
            citation=japan["citation"], confidence=japan["confidence"],
            note=japan.get("note", ""))

    def _filings(self, people: dict[Role, User]) -> None:
        preparer, signer = people[Role.PREPARER], people[Role.SIGNER]
        reviewer, approver = people[Role.REVIEWER], people[Role.APPROVER]
        # Approved under the rules before Japan counted: its lithium is processed in Japan, so
        # the critical-mineral half fails ($3,750). Publishing the Japan amendment flips it.
        approved = self._submitted("us-pickup-japan-minerals.xlsx", preparer, signer)
        review_start(actor=reviewer, filing=approved)
        review_recommend(actor=reviewer, filing=approved, recommendation="approve",
                         comment="Battery components met. Critical minerals not met: "
                                 "the lithium is processed in Japan, which is not an "
                                 f"FTA country under {PRE_JAPAN_VERSION}. Recommend "
                                 "approval at $3,750.")
        # Issued with Japanese labels beside the English, for Granite's Japanese readers.
        filing_approve(actor=approver, filing=approved,
                       comment="Approved: $3,750 per vehicle over the coverage period.",
                       certificate_language=ENGLISH_JAPANESE)
        # Seed data's certificate is rendered in this process, as its assessments are.
        for certificate in approved.certificates.all():
            certificate_render(certificate_id=certificate.pk)
        # In review: the FEOC graphite compact, whose 2025 vehicles are not eligible.
        in_review = self._submitted("feoc-graphite-2025.xlsx", preparer, signer,
                                    start=dt.date(2024, 6, 1), end=dt.date(2025, 9, 30))
        review_start(actor=reviewer, filing=in_review)
        # Assessed, waiting in the queue: the crossover short on North American components.
        self._submitted("crossover-short-na-components.xlsx", preparer, signer)
        # Assessed: the SUV whose lithium is processed in China, eligible in 2024 and not from
        # 2025 (its processors are foreign entities of concern, and the critical-mineral share
        # falls short of 60 %). Its advice names the lithium lines; the planner shows what
        # moving their processing to Japan would earn under each published version.
        self._submitted("suv-lithium-processed-in-china.xlsx", preparer, signer,
                        start=dt.date(2024, 7, 1), end=dt.date(2025, 9, 30))
        # A draft whose workbook is full of mistakes: the check lists them, so it cannot be
        # submitted until they are corrected.
        self._draft("mistakes.xlsx", preparer, vehicle=_sample_vehicle("us-pickup-japan-minerals.xlsx"))
        # A draft with its workbook uploaded and checked, ready for the demo signer to submit.
        self._draft("us-pickup-japan-minerals.xlsx", preparer, start=dt.date(2025, 1, 1),
                    end=dt.date(2025, 9, 30))

    def _draft(self, workbook: str, preparer: User, *, start: dt.date = dt.date(2024, 1, 1),
               end: dt.date = dt.date(2024, 12, 31), vehicle: Vehicle | None = None) -> Filing:
        """A draft filing for the workbook's vehicle with the workbook uploaded and checked (in
        this process, as the worker would)."""
        vehicle = vehicle or _sample_vehicle(workbook)
        filing = filing_create(actor=preparer, make=vehicle.make, model=vehicle.model,
                               model_year=vehicle.model_year, vehicle_class=vehicle.vehicle_class,
                               coverage_start=start, coverage_end=end)
        _upload(preparer, filing, workbook)
        version = filing.current_version()
        assert version is not None
        check = EvidenceCheck.objects.get(version=version)
        evidence_check_run(version_id=version.pk, token=str(check.token))
        return filing

    def _submitted(self, workbook: str, preparer: User, signer: User, *,
                   start: dt.date = dt.date(2024, 1, 1),
                   end: dt.date = dt.date(2024, 12, 31)) -> Filing:
        filing = self._draft(workbook, preparer, start=start, end=end)
        filing = filing_submit(actor=signer, filing=filing, attestation_confirmed=True)
        version = filing.current_version()
        assert version is not None
        # Seed data is assessed in this process; filings submitted in the demo go to the worker.
        assessment_run(filing_id=filing.pk, version_id=version.pk)
        filing.refresh_from_db()
        return filing


def _check_links_lead_to(base_url: str) -> None:
    """Stop when the loaded demo data was made for another address than this run serves."""
    event = AuditEvent.objects.filter(action=LOADED_FOR).order_by("-pk").first()
    made_for = str(event.data.get("portal_base_url", "")) if event else ""
    if made_for and made_for != base_url:
        raise CommandError(
            f"The demo data was made for {made_for}/: its certificate and e-mails link there, not "
            f"to {base_url}/. Serve it there again (DEMO_HOST and DEMO_PORT), or start from fresh "
            "demo data: remove var/ (and empty the database DATABASE_URL names, if set).")


def _sample_vehicle(name: str) -> Vehicle:
    """The vehicle a sample workbook's vehicle sheet describes (a filing must say the same)."""
    return read_evidence([DATA / name]).vehicle


def _upload(actor: User, filing: Filing, name: str) -> None:
    path = DATA / name
    with path.open("rb") as handle:
        upload = UploadedFile(file=handle, name=name, size=path.stat().st_size)
        evidence_upload(actor=actor, filing=filing, upload=upload, kind=FileKind.EVIDENCE)
