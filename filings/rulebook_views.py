"""The published rules, for anyone: every version of the rulebook the portal has applied, what
changed in each, and its FTA countries. Public on purpose: the rules are law, and an examiner
reading a certificate can look up the version it names. Drafts stay in the console."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from filings.models import RulebookVersion
from filings.rulebooks import published_versions, rulebook_current
from filings.rules import amend


def _changes(record: RulebookVersion) -> list[amend.Change]:
    if record.based_on is None:
        return []
    return [c for c in amend.diff(record.based_on.data, record.data)
            if not c.path.startswith("rulebook.")]


@require_GET
def rules_history(request: HttpRequest) -> HttpResponse:
    current = rulebook_current()
    versions = list(published_versions().select_related("based_on"))
    rows = [{"record": record, "changes": _changes(record), "current": record.pk == current.pk}
            for record in versions]
    return render(request, "filings/rules_history.html", {"rows": rows, "current": current})


@require_GET
def rules_version(request: HttpRequest, version: str) -> HttpResponse:
    rulebook_current()  # the shipped version is the first record
    record = published_versions().select_related("based_on").filter(version=version).first()
    if record is None:
        raise Http404("No published rulebook version has this id.")
    return render(request, "filings/rules_version.html", {
        "record": record, "changes": _changes(record),
        "current": rulebook_current().pk == record.pk,
        "fta_countries": record.data.get("fta_countries", [])})
