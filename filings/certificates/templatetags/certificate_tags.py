"""The certificates section of the manufacturer's filing page, which the lifecycle's template
includes by name (`{% filing_certificates_section filing %}`) without importing this app; and the
certificate's labels in its language (`labels.py`)."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.html import conditional_escape, format_html

from filings.certificates.labels import LABELS, REQUIREMENTS_JA, STATUSES_JA
from filings.certificates.selectors import filing_certificates
from filings.models import Filing
from filings.presentation import RequirementView

register = template.Library()


@register.inclusion_tag("certificates/_filing_section.html")
def filing_certificates_section(filing: Filing) -> dict[str, Any]:
    """Every certificate of a filing the page already got through `filings.selectors`."""
    return {"filing": filing, "certificates": list(filing_certificates(filing=filing))}


def _bilingual(context: template.Context, english: str, japanese: str) -> str:
    if not context.get("bilingual"):
        return conditional_escape(english)
    return format_html('{}<span class="ja" lang="ja">{}</span>', english, japanese)


@register.simple_tag(takes_context=True)
def label(context: template.Context, key: str) -> str:
    """A label of the certificate (`labels.LABELS`): the English, and on a bilingual
    certificate the Japanese after it (the stylesheet sets it beside or under the English)."""
    text = LABELS[key]
    return _bilingual(context, text.en, text.ja)


@register.simple_tag(takes_context=True)
def requirement_label(context: template.Context, requirement: RequirementView) -> str:
    """A requirement's name as the rulebook prints it, with its Japanese name if bilingual."""
    return _bilingual(context, requirement.label, REQUIREMENTS_JA.get(requirement.id, ""))


@register.simple_tag(takes_context=True)
def status_label(context: template.Context, requirement: RequirementView,
                 lower: bool = False) -> str:
    """A requirement's status (met, not met, n.a.), with its Japanese if bilingual."""
    english = requirement.status_label.lower() if lower else requirement.status_label
    return _bilingual(context, english, STATUSES_JA[requirement.status])


@register.simple_tag(takes_context=True)
def japanese(context: template.Context, key: str) -> str:
    """Only the Japanese of a label, on a bilingual certificate: after English the template
    writes as a sentence around its values."""
    if not context.get("bilingual"):
        return ""
    return format_html('<span class="ja" lang="ja">{}</span>', LABELS[key].ja)
