"""Evidence: the template (defined once, in `schema`) and the columnar XLSX/CSV readers (polars).

Pure Python, no Django: the web app, the Celery tasks and the CLI all call `read_evidence`.
"""

from filings.evidence.errors import MAX_LISTED_ERRORS, EvidenceError, EvidenceInvalid
from filings.evidence.reader import EVIDENCE_MAX_BYTES, read_evidence
from filings.evidence.schema import SHEETS, Column, Kind, Sheet
from filings.evidence.template import schema_markdown, write_template
from filings.evidence.zip_preflight import ZipLimits

__all__ = [
    "EVIDENCE_MAX_BYTES",
    "MAX_LISTED_ERRORS",
    "SHEETS",
    "Column",
    "EvidenceError",
    "EvidenceInvalid",
    "Kind",
    "Sheet",
    "ZipLimits",
    "read_evidence",
    "schema_markdown",
    "write_template",
]
