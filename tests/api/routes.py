"""The registry of every API route (and API-token web route) that takes an id, for the
cross-organisation matrix (TRUST 1); `tests/web/routes.registered_names` consults it, so the
coverage guard (TRUST 2) fails for an API route missing here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.urls import reverse
from django.utils import timezone

from filings.models import EvidenceFile, Filing
from filings.states import State
from portal.accounts.models import User
from portal.accounts.roles import Role
from tests.web.conftest import engine_result, store_assessment
from tests.web.routes import Scenario, _certificate, _dossier, workbook_upload

# Web routes of the API tokens page, tested by tests/api/test_tokens.py's own matrix.
TOKEN_WEB_ROUTES = {"api_tokens:revoke"}
# Public by design, like the verification page: a certificate's random public id from its QR code;
# tests/api/test_certificates_api.py shows it exposes no evidence and no unpublished certificate.
PUBLIC_ROUTES = {"api:certificate_public"}


def _filing(s: Scenario) -> dict[str, Any]:
    return {"reference": s.filing.reference}


def _no_data(s: Scenario) -> dict[str, Any]:
    return {}


def _files_now(s: Scenario) -> int:
    return EvidenceFile.objects.filter(version__filing=s.filing).count()


def _submitted(s: Scenario, state: State, **fields: Any) -> None:
    """Put the filing in `state` as if it had been submitted (so the authority sees it)."""
    Filing.objects.filter(pk=s.filing.pk).update(
        state=state, submitted_at=timezone.now(), submitted_by=s.filing.created_by, **fields)
    s.filing.refresh_from_db()


def _state(s: Scenario) -> str:
    return s.refresh().state


@dataclass(frozen=True)
class ApiRouteCase:
    name: str
    method: str
    owner: Role
    state: State = State.DRAFT
    data: Callable[[Scenario], dict[str, Any]] = _no_data
    # For writes: True once the request had its effect (refusals must have none).
    done: Callable[[Scenario], bool] | None = None
    multipart: bool = False
    # The filing must look submitted: the authority sees only filings submitted once.
    submitted: bool = False
    extra: Callable[[dict[str, User]], dict[str, Any]] = field(default=lambda users: {})
    # The filing holds a valid assessment (a decision needs one).
    assessed: bool = False
    kwargs: Callable[[Scenario], dict[str, Any]] = _filing
    # Anything else the route needs (a certificate), made before the request.
    setup: Callable[[Scenario], object] | None = None

    @property
    def writes(self) -> bool:
        return self.method != "GET"

    @property
    def for_authority(self) -> bool:
        return self.owner in (Role.REVIEWER, Role.APPROVER)

    def url(self, scenario: Scenario) -> str:
        return reverse(self.name, kwargs=self.kwargs(scenario))

    def prepare(self, scenario: Scenario, users: dict[str, User]) -> None:
        if self.assessed:
            version = scenario.filing.current_version()
            assert version is not None
            store_assessment(version, result=engine_result())
        if self.submitted:
            _submitted(scenario, self.state, **self.extra(users))
        else:
            scenario.put_in(self.state)
        if self.setup is not None:
            self.setup(scenario)

    def __str__(self) -> str:
        return f"{self.method} {self.name}"


API_ROUTES: tuple[ApiRouteCase, ...] = (
    ApiRouteCase("api:filing", "GET", Role.VIEWER),
    ApiRouteCase("api:filing", "PATCH", Role.PREPARER, data=lambda s: {"model": "Basalt EV"},
                 done=lambda s: s.refresh().model == "Basalt EV"),
    ApiRouteCase("api:evidence", "GET", Role.VIEWER),
    ApiRouteCase("api:evidence", "POST", Role.PREPARER, multipart=True,
                 data=lambda s: {"kind": "evidence", "file": workbook_upload("second.xlsx")},
                 done=lambda s: _files_now(s) == 2),
    ApiRouteCase("api:submit", "POST", Role.SIGNER, data=lambda s: {"attestation_confirmed": True},
                 done=lambda s: _state(s) == State.SUBMITTED),
    ApiRouteCase("api:withdraw", "POST", Role.SIGNER, data=lambda s: {"reason": "Cancelled."},
                 done=lambda s: _state(s) == State.WITHDRAWN),
    ApiRouteCase("api:reopen", "POST", Role.PREPARER, state=State.INVALID,
                 done=lambda s: _state(s) == State.DRAFT),
    ApiRouteCase("api:assessment", "GET", Role.VIEWER),
    ApiRouteCase("api:evidence_errors", "GET", Role.VIEWER),
    ApiRouteCase("api:versions", "GET", Role.VIEWER),
    ApiRouteCase("api:review_start", "POST", Role.REVIEWER, state=State.ASSESSED, submitted=True,
                 done=lambda s: _state(s) == State.IN_REVIEW),
    ApiRouteCase("api:review_recommend", "POST", Role.REVIEWER, state=State.IN_REVIEW,
                 submitted=True, data=lambda s: {"recommendation": "approve", "comment": "Fine."},
                 done=lambda s: s.refresh().recommendation == "approve"),
    ApiRouteCase("api:review_request_changes", "POST", Role.REVIEWER, state=State.IN_REVIEW,
                 submitted=True, data=lambda s: {"comment": "Add the 2024 invoices."},
                 done=lambda s: _state(s) == State.CHANGES_REQUESTED),
    ApiRouteCase("api:approve", "POST", Role.APPROVER, state=State.IN_REVIEW, submitted=True,
                 data=lambda s: {"comment": "Approved."},
                 extra=lambda users: {"recommended_by": users["reviewer"],
                                      "reviewer": users["reviewer"], "recommendation": "approve"},
                 assessed=True, done=lambda s: _state(s) == State.APPROVED),
    ApiRouteCase("api:reject", "POST", Role.APPROVER, state=State.IN_REVIEW, submitted=True,
                 data=lambda s: {"comment": "Rejected."},
                 extra=lambda users: {"recommended_by": users["reviewer"],
                                      "reviewer": users["reviewer"], "recommendation": "reject"},
                 assessed=True, done=lambda s: _state(s) == State.REJECTED),
    ApiRouteCase("api:certificates", "GET", Role.VIEWER, setup=_certificate),
    ApiRouteCase("api:certificate_pdf", "GET", Role.VIEWER, kwargs=_certificate),
    ApiRouteCase("api:certificate_revoke", "POST", Role.APPROVER, state=State.APPROVED,
                 submitted=True, setup=_certificate, data=lambda s: {"reason": "Mis-issued."},
                 done=lambda s: (s.filing.certificates.filter(status="revoked").exists()
                                 and _state(s) == State.CERTIFICATE_REVOKED)),
    ApiRouteCase("api:dossiers", "GET", Role.VIEWER),
    ApiRouteCase("api:dossiers", "POST", Role.PREPARER,
                 done=lambda s: s.filing.dossiers.exists()),
    ApiRouteCase("api:dossier", "GET", Role.VIEWER, kwargs=_dossier),
    ApiRouteCase("api:dossier_zip", "GET", Role.VIEWER, kwargs=_dossier),
)


def registered_api_names() -> set[str]:
    return {route.name for route in API_ROUTES} | TOKEN_WEB_ROUTES | PUBLIC_ROUTES
