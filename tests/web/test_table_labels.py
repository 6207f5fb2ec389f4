"""On a phone a table's cells show their column's header (portal.css reads each cell's
data-label): on every manufacturer table, in English and in Japanese, a cell's label is its
column's header word for word."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from django.test import Client
from django.urls import reverse

from filings.api.services import api_token_create
from filings.states import State
from portal.accounts.models import Organisation, User
from tests.admin.conftest import INVALID_WORKBOOK, filing_in

pytestmark = pytest.mark.usefixtures("translations")


class _Tables(HTMLParser):
    """Each table's header texts, and (column, data-label) of its body's labelled cells."""

    def __init__(self) -> None:
        super().__init__()
        self.headers: list[list[str]] = []
        self.labels: list[list[tuple[int, str]]] = []
        self._part = ""
        self._column = -1
        self._in_header_cell = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table":
            self.headers.append([])
            self.labels.append([])
        elif tag in ("thead", "tbody"):
            self._part = tag
        elif tag == "tr":
            self._column = -1
        elif tag in ("th", "td"):
            self._column += 1
            if self._part == "thead":
                self.headers[-1].append("")
                self._in_header_cell = True
            elif (label := dict(attrs).get("data-label")) is not None:
                self.labels[-1].append((self._column, label))

    def handle_endtag(self, tag: str) -> None:
        if tag == "th":
            self._in_header_cell = False

    def handle_data(self, data: str) -> None:
        if self._in_header_cell:
            self.headers[-1][-1] += data


def mislabelled(body: str) -> list[tuple[str, str]]:
    """(header, label) of every cell whose label is not its column's header."""
    tables = _Tables()
    tables.feed(body)
    wrong = []
    for headers, labels in zip(tables.headers, tables.labels, strict=True):
        for column, label in labels:
            header = " ".join(headers[column].split())
            if header != label:
                wrong.append((header, label))
    return wrong


@pytest.fixture
def signer_client(manufacturer: Organisation, signer: User) -> Client:
    client = Client()
    client.force_login(signer)
    return client


@pytest.mark.parametrize("language", ["en", "ja"])
def test_every_labelled_cell_carries_its_columns_header(signer_client, manufacturer, signer,
                                                        language):
    assessed = filing_in(State.ASSESSED, manufacturer)
    invalid = filing_in(State.INVALID, manufacturer, workbook=INVALID_WORKBOOK)
    api_token_create(actor=signer, name="ERP")
    urls = [reverse("filings:dashboard"), reverse("api_tokens:list"), reverse("rulebooks:history"),
            *(reverse("filings:detail", kwargs={"reference": f.reference})
              for f in (assessed, invalid))]

    for url in urls:
        response = signer_client.get(url, headers={"accept-language": language})
        body = response.content.decode()
        assert response.status_code == 200
        assert 'data-label="' in body, url
        assert mislabelled(body) == [], url
