"""The published rules, for anyone: every version of the rulebook the portal has applied, what
changed in each, and its FTA countries. Public on purpose: the rules are law, and an examiner
reading a certificate can look up the version it names. Drafts stay in the console."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from filings.rulebooks.selectors import published_versions, rule_changes, rulebook_current


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
