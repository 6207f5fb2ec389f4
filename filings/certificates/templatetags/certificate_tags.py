"""The certificates section of the manufacturer's filing page, which the lifecycle's template
includes by name (`{% filing_certificates_section filing %}`) without importing this app."""

from __future__ import annotations

from typing import Any

from django import template

from filings.certificates.selectors import filing_certificates
from filings.models import Filing

register = template.Library()


@register.inclusion_tag("certificates/_filing_section.html")
def filing_certificates_section(filing: Filing) -> dict[str, Any]:
    """Every certificate of a filing the page already got through `filings.selectors`."""
    return {"filing": filing, "certificates": list(filing_certificates(filing=filing))}
