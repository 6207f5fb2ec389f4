"""The registry of every route that takes an object id, for the permission matrix (TRUST 1) and
the coverage guard (TRUST 2).

Each entry names the route, how to fill its URL from a scenario, the role of the owner for whom
it succeeds, the state the filing must be in, the request body and how to tell it worked. A new
route with a parameter fails `test_every_route_with_a_parameter_is_in_the_registry` until it is
added here (or, for a route that names no object, to EXEMPT with the reason).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import URLPattern, URLResolver, reverse

from filings.certificates.models import Certificate, CertificateStatus
from filings.models import Assessment, EvidenceFile, FileKind, Filing
from filings.services.manufacturer import evidence_upload
from filings.states import State
from portal.accounts.models import Membership, User
from portal.accounts.roles import Role
from tests.conftest import DATA
from tests.factories import check_evidence_again, member, run_queued_check

SAMPLE_WORKBOOK = DATA / "us-pickup-japan-minerals.xlsx"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# Routes with a parameter that names no object, with the reason they are not in the matrix.
EXEMPT = {
    "password_reset_confirm": "a signed one-time token, not an object id; Django's own view",
    "moved_console_page": "a redirect to the console's new address for a moved model, which "
                          "checks access itself; tests/admin/test_console_access.py",
    "rulebooks:version": "public by design: a published rulebook version's id (the law, no "
                             "tenant data); tests/rulebooks/test_rules_pages.py",
    "certificates:verify": "public by design: a certificate's random public id from its QR code; "
                      "tests/certificates/test_verify.py shows it exposes no evidence",
    "dossiers:examiner": "public by design: an examiner link's random token (stored hashed, "
                         "expiring); tests/dossier/test_examiner_link.py",
    "dossiers:examiner_download": "public by design: the examiner link's download; "
                                  "tests/dossier/test_examiner_link.py",
}
# Namespaces tested elsewhere (the reviewer console has its own matrix).
EXCLUDED_NAMESPACES = ("admin",)


def workbook_upload(name: str = "us-pickup-japan-minerals.xlsx") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, SAMPLE_WORKBOOK.read_bytes(), content_type=XLSX)


@dataclass
class Scenario:
    """An owner organisation's draft filing with one uploaded evidence workbook."""

    filing: Filing
    evidence_file: EvidenceFile
    # The sourcing plans made of the filing, by the role of the member who made each.
    plans: dict[Role, str] = field(default_factory=dict)

    @classmethod
    def build(cls, filing: Filing, uploader: User) -> Scenario:
        stored = evidence_upload(actor=uploader, filing=filing, upload=workbook_upload(),
                                 kind=FileKind.EVIDENCE)
        run_queued_check(filing)
        return cls(filing=filing, evidence_file=stored)

    def put_in(self, state: State) -> None:
        Filing.objects.filter(pk=self.filing.pk).update(state=state)
        self.filing.refresh_from_db()

    def ready_for(self, route: RouteCase) -> None:
        if route.prepare is not None:
            route.prepare(self)
        self.put_in(route.state)

    def describe_another_model(self) -> None:
        """The filing names another model than its (checked) evidence does."""
        Filing.objects.filter(pk=self.filing.pk).update(model="Ironwood EV Crew Cab")
        self.filing.refresh_from_db()
        check_evidence_again(self.filing)

    def refresh(self) -> Filing:
        self.filing.refresh_from_db()
        return self.filing


def _filing(s: Scenario) -> dict[str, Any]:
    return {"reference": s.filing.reference}


def _file(s: Scenario) -> dict[str, Any]:
    return {"reference": s.filing.reference, "file_id": s.evidence_file.pk}


def _plan(role: Role) -> Callable[[Scenario], dict[str, Any]]:
    """The filing and a finished sourcing plan of it made by its member of `role` (a plan is
    its maker's alone: the matrix's other actors are refused it)."""
    from filings.evidence.plan import Change
    from filings.rulebooks.selectors import rulebook_current
    from filings.rulebooks.services.planning import plan_request, plan_run

    def kwargs(s: Scenario) -> dict[str, Any]:
        if role not in s.plans:
            # The test's own member of that role, if it has one; else one made for the plan.
            held = Membership.objects.filter(organisation=s.filing.organisation, role=role).first()
            maker = held.user if held else member(
                role, s.filing.organisation, email=f"planner-{role.value}@granite.example")
            token = plan_request(actor=maker, filing=s.filing, record=rulebook_current(),
                                 changes=[Change("processing_country", "US", rows=frozenset({2}))])
            plan_run(token=token)
            s.plans[role] = token
        return {"reference": s.filing.reference, "token": s.plans[role]}

    return kwargs


def _planned_evidence_uploaded(s: Scenario) -> bool:
    version = s.refresh().current_version()
    return version is not None and version.files.filter(original_name="critical_minerals.csv").exists()


def _no_data(s: Scenario) -> dict[str, Any]:
    return {}


def _certificate(s: Scenario) -> dict[str, Any]:
    """The filing's published certificate (made once per scenario, with a stand-in PDF)."""
    from django.core.files.base import ContentFile

    from filings.certificates.selectors import PUBLISHED
    from filings.certificates.storage import certificate_name, certificate_storage

    certificate = s.filing.certificates.filter(status__in=PUBLISHED).first()
    if certificate is None:
        assessment = Assessment.objects.create(
            version=s.evidence_file.version, rulebook_id="us-irc-30d", rulebook_version="test",
            valid=True, result={"segments": []}, duration_ms=1)
        certificate = Certificate.objects.create(
            filing=s.filing, assessment=assessment, approved_by=s.filing.created_by,
            serial=f"CVC-TEST-{s.filing.pk:06d}", status=CertificateStatus.ISSUED,
            pdf_sha256="0" * 64)
        certificate_storage().save(certificate_name(certificate), ContentFile(b"%PDF-1.7 stand-in"))
    return {"reference": s.filing.reference, "public_id": certificate.public_id}


def _dossier(s: Scenario) -> dict[str, Any]:
    """A ready manufacturer's dossier of the filing (made once per scenario, a stand-in ZIP)."""
    from django.core.files.base import ContentFile

    from filings.dossiers.models import Audience, Dossier, DossierStatus
    from filings.dossiers.storage import dossier_name, dossier_storage

    dossier = s.filing.dossiers.filter(status=DossierStatus.READY).first()
    if dossier is None:
        dossier = Dossier.objects.create(filing=s.filing, audience=Audience.MANUFACTURER,
                                         requested_by=s.filing.created_by,
                                         status=DossierStatus.READY, progress=100,
                                         sha256="0" * 64, size=22)
        stored = dossier_storage().save(dossier_name(dossier),
                                        ContentFile(b"PK\x05\x06" + b"\x00" * 18))
        Dossier.objects.filter(pk=dossier.pk).update(stored_name=stored)
    return {"reference": s.filing.reference, "public_id": dossier.public_id}


def _files_now(s: Scenario) -> int:
    return EvidenceFile.objects.filter(version__filing=s.filing).count()


@dataclass(frozen=True)
class RouteCase:
    name: str
    method: str
    owner: Role
    kwargs: Callable[[Scenario], dict[str, Any]]
    state: State = State.DRAFT
    data: Callable[[Scenario], dict[str, Any]] = _no_data
    # For writes: True once the request had its effect (the matrix also checks refusals had none).
    done: Callable[[Scenario], bool] | None = None
    # What the scenario needs besides its state for the owner's request to have its effect.
    prepare: Callable[[Scenario], None] | None = None

    @property
    def writes(self) -> bool:
        return self.method == "POST"

    def url(self, scenario: Scenario) -> str:
        return reverse(self.name, kwargs=self.kwargs(scenario))

    def __str__(self) -> str:
        return f"{self.method} {self.name}"


ROUTES: tuple[RouteCase, ...] = (
    RouteCase("filings:detail", "GET", Role.VIEWER, _filing),
    RouteCase("filings:status", "GET", Role.VIEWER, _filing),
    RouteCase("filings:evidence_download", "GET", Role.VIEWER, _file),
    RouteCase("filings:evidence_upload", "POST", Role.PREPARER, _filing,
              data=lambda s: {"kind": FileKind.EVIDENCE, "file": workbook_upload("second.xlsx")},
              done=lambda s: _files_now(s) == 2),
    RouteCase("filings:evidence_remove", "POST", Role.PREPARER, _file,
              done=lambda s: _files_now(s) == 0),
    RouteCase("filings:submit", "POST", Role.SIGNER, _filing, data=lambda s: {"attest": "on"},
              done=lambda s: s.refresh().state == State.SUBMITTED),
    RouteCase("filings:take_vehicle", "POST", Role.PREPARER, _filing,
              prepare=Scenario.describe_another_model,
              done=lambda s: s.refresh().model == "Ironwood EV"),
    RouteCase("filings:withdraw", "POST", Role.SIGNER, _filing,
              data=lambda s: {"reason": "Model cancelled."},
              done=lambda s: s.refresh().state == State.WITHDRAWN),
    RouteCase("filings:reopen", "POST", Role.PREPARER, _filing, state=State.INVALID,
              done=lambda s: s.refresh().state == State.DRAFT),
    RouteCase("certificates:download", "GET", Role.VIEWER, _certificate,
              state=State.APPROVED),
    RouteCase("dossiers:filing", "GET", Role.VIEWER, _filing),
    RouteCase("rulebooks:plan", "GET", Role.VIEWER, _filing),
    RouteCase("rulebooks:plan_outcome", "GET", Role.VIEWER, _plan(Role.VIEWER)),
    RouteCase("rulebooks:plan_download", "GET", Role.VIEWER, _plan(Role.VIEWER)),
    RouteCase("rulebooks:plan_apply", "POST", Role.SIGNER, _plan(Role.SIGNER),
              done=_planned_evidence_uploaded),
    RouteCase("dossiers:download", "GET", Role.VIEWER, _dossier),
)


def registered_names() -> set[str]:
    """Names in this registry and in the API's (tests/api/routes.py), which has its own matrix."""
    from tests.api.routes import registered_api_names

    return {route.name for route in ROUTES} | registered_api_names()


def routes_with_parameters(patterns: Iterable[URLPattern | URLResolver], namespace: str = "",
                           inherited: bool = False) -> Iterator[str]:
    """The names of every route whose URL takes a parameter, walking nested includes."""
    for pattern in patterns:
        has_parameter = inherited or pattern.pattern.regex.groups > 0
        if isinstance(pattern, URLResolver):
            if pattern.namespace in EXCLUDED_NAMESPACES:
                continue
            prefix = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from routes_with_parameters(pattern.url_patterns, prefix, has_parameter)
        elif has_parameter:
            yield f"{namespace}{pattern.name}" if pattern.name else str(pattern.pattern)
