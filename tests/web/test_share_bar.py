"""The share bar's caption reads as a sentence, with and without a requirement in force."""

from __future__ import annotations

from django.template import Context, Template

from filings.presentation import RequirementView


def caption(details: dict[str, object], status: str = "na") -> str:
    requirement = RequirementView(id="critical_minerals", label="Critical-mineral share",
                                  status=status, status_label="not met", summary="",
                                  citation="IRC §30D(e)(1)", confidence="V", details=details)
    html = Template("{% load filings_extras %}{% share_bar requirement %}").render(
        Context({"requirement": requirement}))
    return html.split("<figcaption>")[1].split("</figcaption>")[0]


def test_without_a_requirement_in_force_the_caption_says_so_once():
    text = caption({"qualifying_pct": "62.5", "required_pct": None})
    assert "62.50 % qualifies; no requirement in force" in text
    assert "required" not in text


def test_with_a_requirement_the_caption_names_the_threshold_and_the_status():
    text = caption({"qualifying_pct": "40", "required_pct": "50"}, status="not-met")
    assert "40.00 % qualifies; at least 50.00 % required" in text
    assert "not met" in text
