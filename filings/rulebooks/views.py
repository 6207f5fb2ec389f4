"""The published rules, for anyone: every version of the rulebook the portal has applied, what
changed in each, and its FTA countries. Public on purpose: the rules are law, and an examiner
reading a certificate can look up the version it names. Drafts stay in the console.

And the sourcing planner, a filing's own page for its organisation: plan a change to where lines
are sourced and see the outcome under a published version (`services.planning`).
"""

from __future__ import annotations

import io
import tempfile
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from filings.models import Filing
from filings.rulebooks.forms import PlanChangeForm, PlanChangeFormSet, PlanRulebookForm
from filings.rulebooks.impact import requirement_status
from filings.rulebooks.selectors import published_versions, rule_changes, rulebook_current
from filings.rulebooks.services import planning
from filings.rules.labels import REQUIREMENT_LABELS, RESULT_WORDS
from filings.selectors import filing_get
from filings.services.common import ServiceError
from filings.storage import StorageUnavailable
from filings.views import private_attachment, storage_unavailable
from portal.accounts.models import User
from portal.accounts.roles import Capability

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@require_safe
def rules_history(request: HttpRequest) -> HttpResponse:
    current = rulebook_current()
    versions = list(published_versions().select_related("based_on"))
    rows = [{"record": record, "changes": rule_changes(record), "current": record.pk == current.pk}
            for record in versions]
    return render(request, "rulebooks/rules_history.html", {"rows": rows, "current": current})


@require_safe
def rules_version(request: HttpRequest, version: str) -> HttpResponse:
    current = rulebook_current()  # also makes the shipped version the first record
    record = published_versions().select_related("based_on").filter(version=version).first()
    if record is None:
        raise Http404("No published rulebook version has this id.")
    return render(request, "rulebooks/rules_version.html", {
        "record": record, "changes": rule_changes(record), "current": current.pk == record.pk,
        "fta_countries": record.data.get("fta_countries", [])})


# --- The sourcing planner: the manufacturer's page of one filing ----------------------------

def _planner_actor(request: HttpRequest) -> User:
    assert isinstance(request.user, User)  # behind login_required
    return request.user


@require_http_methods(["GET", "POST"])
@login_required
def plan(request: HttpRequest, reference: uuid.UUID) -> HttpResponse:
    actor = _planner_actor(request)
    filing = filing_get(actor=actor, reference=reference)
    try:
        planning.plan_allowed(actor=actor, filing=filing)
    except ServiceError as exc:
        return render(request, "rulebooks/plan.html", {"filing": filing, "refusal": exc.message},
                      status=exc.status)
    versions = published_versions()
    current = rulebook_current()
    status, error = 200, ""
    token = request.GET.get("plan", "")[:64]
    if request.method == "POST":
        formset = PlanChangeFormSet(request.POST, prefix="change")
        version_form = PlanRulebookForm(request.POST, versions=versions)
        if formset.is_valid() and version_form.is_valid():
            changes = [f.change() for f in formset.forms if f.cleaned_data and f.has_lines()]
            try:
                token = planning.plan_request(actor=actor, filing=filing, changes=changes,
                                              record=version_form.cleaned_data["rulebook"])
            except ServiceError as exc:
                status, error = exc.status, exc.message
            else:
                url = reverse("rulebooks:plan", kwargs={"reference": filing.reference})
                return redirect(f"{url}?{urlencode({'plan': token})}#plan-outcome")
        else:
            status = 400
        entry = None
    else:
        try:
            entry = planning.plan_get(actor=actor, filing=filing, token=token) if token else None
        except ServiceError as exc:  # the plans' store does not answer
            entry, status, error = None, exc.status, exc.message
            token = ""
        if entry is not None:
            # The plan shown: its changes in the form, to change and plan again.
            formset = PlanChangeFormSet(prefix="change", initial=[
                PlanChangeForm.initial_for(c) for c in planning.plan_changes(entry)])
            chosen = entry["rulebook"]
        else:
            formset = PlanChangeFormSet(prefix="change",
                                        initial=[PlanChangeForm.initial_from_link(request.GET)])
            chosen = current.pk
        version_form = PlanRulebookForm(versions=versions, initial={"rulebook": chosen})
    context = {"filing": filing, "formset": formset, "version_form": version_form,
               "error": error, "token": token if entry else "", "outcome": _outcome_view(entry),
               "expired": bool(token) and entry is None and request.method == "GET",
               "base": planning.plan_base_version(filing), "fta_countries": _fta_text(versions),
               "can_apply": actor.can(Capability.SUBMIT_FILINGS)}
    return render(request, "rulebooks/plan.html", context, status=status)


def _fta_text(versions: Any) -> list[dict[str, str]]:
    """The latest published versions' FTA countries, for the hint beside the country field."""
    return [{"version": f"{r.rulebook_id} {r.version}",
             "countries": ", ".join(sorted(str(c["country"]) for c in r.data.get("fta_countries", [])))}
            for r in versions[:3]]


@require_safe
@login_required
@never_cache
def plan_outcome(request: HttpRequest, reference: uuid.UUID, token: str) -> HttpResponse:
    """The plan's state, for the planner page's script: once it is no longer pending the script
    shows the page again, with the outcome (a page without script refreshes itself)."""
    actor = _planner_actor(request)
    filing = filing_get(actor=actor, reference=reference)
    try:
        entry = planning.plan_get(actor=actor, filing=filing, token=token)
    except ServiceError as exc:
        return JsonResponse({"error": exc.message}, status=exc.status)
    if entry is None:
        return JsonResponse({"error": gettext("No such plan, or it has expired: plan the change "
                                              "again.")}, status=404)
    return JsonResponse({"state": entry["state"]})


@require_safe
@login_required
def plan_download(request: HttpRequest, reference: uuid.UUID, token: str) -> HttpResponseBase:
    """The finished plan's changed lines, as they would be, in the evidence template."""
    actor = _planner_actor(request)
    filing = filing_get(actor=actor, reference=reference)
    with tempfile.TemporaryDirectory(prefix="plan-") as folder:
        path = Path(folder) / "plan.xlsx"
        try:
            planning.plan_changed_workbook(actor=actor, filing=filing, token=token, path=path,
                                           translate=gettext)
        except ServiceError as exc:
            return _plan_refused(request, filing, exc, token)
        except StorageUnavailable as exc:
            return storage_unavailable(request, exc)
        content = io.BytesIO(path.read_bytes())
    name = f"planned-lines-{filing.make}-{filing.model}.xlsx".replace(" ", "-")
    return private_attachment(FileResponse(content, as_attachment=True, filename=name,
                                           content_type=XLSX))


@require_POST
@login_required
def plan_apply(request: HttpRequest, reference: uuid.UUID, token: str) -> HttpResponse:
    """A signer makes the plan's evidence the filing's next evidence."""
    actor = _planner_actor(request)
    filing = filing_get(actor=actor, reference=reference)
    try:
        version = planning.plan_start_version(actor=actor, filing=filing, token=token)
    except ServiceError as exc:
        return _plan_refused(request, filing, exc, token)
    except StorageUnavailable as exc:
        return storage_unavailable(request, exc)
    messages.success(request, gettext(
        "Version %(number)s now holds the planned evidence, as CSV sheets; it is being checked. "
        "Nothing is submitted until a signer attests.") % {"number": version.number})
    return redirect("filings:detail", reference=filing.reference)


def _plan_refused(request: HttpRequest, filing: Filing, exc: ServiceError,
                  token: str = "") -> HttpResponse:
    """The refusal, in the planner's look and with the service's status; a link back to the
    plan when it is still there."""
    return render(request, "rulebooks/plan.html", {"filing": filing, "refusal": exc.message,
                                                   "back_to": token}, status=exc.status)


def _outcome_view(entry: dict[str, Any] | None) -> dict[str, Any] | None:
    """What the outcome section shows: the credit before and after on each segment, what
    changed, and the planned assessment itself (with its remaining advice)."""
    if entry is None:
        return None
    view: dict[str, Any] = {"state": entry["state"], "rulebook": entry["rulebook_name"],
                            "version_number": entry["version_number"],
                            # Readers' and engine's messages as stored, the planner's own as text.
                            "messages": [{"message": m} if isinstance(m, str) else m
                                         for m in entry.get("messages", [])],
                            "duration_ms": entry.get("duration_ms")}
    if entry["state"] != planning.DONE:
        return view
    before, after = entry["before"]["segments"], entry["after"]["segments"]
    rows = []
    for old, new in zip(before, after, strict=True):
        changed = [{"label": gettext(REQUIREMENT_LABELS.get(rid, rid)),
                    "before": gettext(RESULT_WORDS[requirement_status(old["requirements"][rid])]),
                    "after": gettext(RESULT_WORDS[requirement_status(req)])}
                   for rid, req in new["requirements"].items()
                   if requirement_status(old["requirements"][rid]) != requirement_status(req)]
        rows.append({"start": new["from"], "end": new["to"], "before": int(old["credit_usd"]),
                     "after": int(new["credit_usd"]), "changed": changed})
    credits_before = [r["before"] for r in rows]
    credits_after = [r["after"] for r in rows]
    view.update({
        "segments": rows, "result": entry["after"], "advice": entry.get("advice"),
        "credit_before": (min(credits_before), max(credits_before)),
        "credit_after": (min(credits_after), max(credits_after)),
        "advice_omitted": entry.get("advice_omitted", False),
        "changed_lines": sum(entry["changed"].values())})
    return view
