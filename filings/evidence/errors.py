"""Errors a person can act on: what is wrong, where (sheet, row, column) and how to fix it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from filings.rules.text import N_, Params, Text, params_to_dict, text

MAX_LISTED_ERRORS = 200
_MAX_VALUE_CHARS = 80
_MORE_NOT_SHOWN = N_(
    "%(hidden)s more problem(s) not shown (%(count)s in all); fix the ones listed and upload "
    "again to see the rest.")


@dataclass(frozen=True, slots=True)
class EvidenceError:
    """One problem. `row` is the row number a spreadsheet shows (the header is row 1)."""

    sheet: str | None
    row: int | None
    column: str | None
    value: str | None
    message: str  # in English: `template` rendered with `params`
    template: str = ""
    params: Params = ()

    @property
    def text(self) -> Text:
        return Text(self.template, self.params)

    def to_dict(self) -> dict[str, Any]:
        return {
            "sheet": self.sheet,
            "row": self.row,
            "column": self.column,
            "value": self.value,
            "message": self.message,
            "template": self.template,
            "params": params_to_dict(self.params),
        }

    def __str__(self) -> str:
        where = ", ".join(
            part
            for part in (
                f"sheet {self.sheet}" if self.sheet else "",
                f"row {self.row}" if self.row is not None else "",
                f"column {self.column}" if self.column else "",
            )
            if part
        )
        return f"{where}: {self.message}" if where else self.message


class EvidenceInvalid(ValueError):
    """The evidence cannot be used; `errors` lists every problem found (capped, with a summary)."""

    def __init__(self, errors: list[EvidenceError]) -> None:
        self.errors = errors
        first = f"; first: {errors[0]}" if errors else ""
        super().__init__(f"the evidence has {len(errors)} problem(s){first}")


class StopReading(Exception):
    """A source has logged why it cannot go on; report the errors found so far."""


def shown(value: object) -> str:
    """A cell value as the error should quote it: text, shortened if very long."""
    text = value if isinstance(value, str) else format_cell(value)
    if len(text) > _MAX_VALUE_CHARS:
        return text[: _MAX_VALUE_CHARS - 1] + "…"
    return text


def size_text(size: int) -> str:
    """A byte count for people: '50 MiB', '3.2 MiB', '1,024 bytes'."""
    if size < 2**20:
        return f"{size:,} bytes"
    return f"{size / 2**20:,.1f}".removesuffix(".0") + " MiB"


def format_cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return format(value, ".15g")
    isoformat = getattr(value, "isoformat", None)
    return str(isoformat()) if callable(isoformat) else str(value)


class ErrorLog:
    """Collects errors for one read: keeps the first `cap`, counts the rest."""

    def __init__(self, cap: int = MAX_LISTED_ERRORS) -> None:
        self.cap = cap
        self.count = 0
        self._listed: list[EvidenceError] = []

    def add(
        self, sheet: str | None, row: int | None, column: str | None, value: object, message: Text
    ) -> None:
        self.count += 1
        if self.count <= self.cap:
            self._listed.append(error(sheet, row, column, None if value is None else shown(value), message))

    def __bool__(self) -> bool:
        return self.count > 0

    def mark(self) -> tuple[int, int]:
        """Where the log stands, for `rollback`."""
        return self.count, len(self._listed)

    def rollback(self, mark: tuple[int, int]) -> None:
        """Forget the errors added since `mark` (a reading abandoned part way)."""
        self.count, listed = mark
        del self._listed[listed:]

    def errors(self) -> list[EvidenceError]:
        hidden = self.count - len(self._listed)
        if not hidden:
            return list(self._listed)
        summary = error(None, None, None, None,
                        text(_MORE_NOT_SHOWN, hidden=str(hidden), count=str(self.count)))
        return [*self._listed, summary]


def error(sheet: str | None, row: int | None, column: str | None, value: str | None,
          message: Text) -> EvidenceError:
    """An EvidenceError saying `message` (its English, and the Text to translate it)."""
    return EvidenceError(sheet, row, column, value, message.render(), message.template, message.params)
