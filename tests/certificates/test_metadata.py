"""The PDF's document information and its XMP packet say the same things, PDF/A-3b is declared,
and each embedded file is listed once: read with pyHanko's reader, before signing and after
(the signature is an incremental update that rewrites /Info and the XMP packet)."""

from __future__ import annotations

import datetime as dt
import io
import xml.etree.ElementTree as ET
from typing import Any

import pytest
from pyhanko.pdf_utils.generic import parse_pdf_date
from pyhanko.pdf_utils.reader import PdfFileReader

from filings.certificates import rendering
from filings.certificates.content import assessment_json, certificate_context
from tests.certificates.conftest import issue, pdf_bytes

NS = {"rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
      "dc": "http://purl.org/dc/elements/1.1/", "pdf": "http://ns.adobe.com/pdf/1.3/",
      "xmp": "http://ns.adobe.com/xap/1.0/", "pdfaid": "http://www.aiim.org/pdfa/ns/id/"}
PREFIX = {uri: prefix for prefix, uri in NS.items()}
# /Info key: its XMP property. PDF/A asks each /Info entry present to say what its property says.
PAIRS = {"/Title": "dc:title", "/Author": "dc:creator", "/Subject": "dc:description",
         "/Creator": "xmp:CreatorTool", "/Producer": "pdf:Producer",
         "/CreationDate": "xmp:CreateDate", "/ModDate": "xmp:ModifyDate"}
DATES = {"/CreationDate", "/ModDate"}


def _name(tag: str) -> str:
    uri, local = tag[1:].split("}")
    return f"{PREFIX.get(uri, uri)}:{local}"


def xmp_properties(packet: bytes) -> dict[str, str]:
    """Every property of the packet's descriptions, written as attributes or as elements; an
    rdf:Alt read as its x-default item, an rdf:Seq as its items joined by ", " (as WeasyPrint
    joins authors into /Author)."""
    found: dict[str, str] = {}
    for description in ET.fromstring(packet).iter(f"{{{NS['rdf']}}}Description"):
        for key, value in description.attrib.items():
            if not key.startswith(f"{{{NS['rdf']}}}"):
                found[_name(key)] = value
        for element in description:
            if (alt := element.find("rdf:Alt", NS)) is not None:
                found[_name(element.tag)] = next(
                    li.text or "" for li in alt.findall("rdf:li", NS)
                    if li.get("{http://www.w3.org/XML/1998/namespace}lang") == "x-default")
            elif (seq := element.find("rdf:Seq", NS)) is not None:
                found[_name(element.tag)] = ", ".join(li.text or ""
                                                      for li in seq.findall("rdf:li", NS))
            else:
                found[_name(element.tag)] = element.text or ""
    return found


def read(pdf: bytes) -> tuple[Any, dict[str, str], dict[str, str]]:
    """The catalog, the /Info entries and the XMP properties."""
    reader = PdfFileReader(io.BytesIO(pdf))
    info = {str(k): str(v) for k, v in reader.trailer_view["/Info"].items()}
    return reader.root, info, xmp_properties(reader.root["/Metadata"].data)


def rendered(filing) -> bytes:
    certificate = filing.certificates.get()
    return rendering.render_pdf(certificate_context(certificate),
                                assessment_json=assessment_json(certificate))


def signed(filing) -> bytes:
    return pdf_bytes(issue(filing))


def assert_they_agree(info: dict[str, str], xmp: dict[str, str], *, skip: tuple[str, ...] = (),
                      date_slack: dt.timedelta = dt.timedelta(0)) -> None:
    for key, prop in PAIRS.items():
        if key in skip:
            continue
        assert (key in info) == (prop in xmp), (key, prop)
        if key not in info:
            continue
        if key in DATES:
            difference = abs(parse_pdf_date(info[key]) - dt.datetime.fromisoformat(xmp[prop]))
            assert difference <= date_slack, (key, info[key], xmp[prop])
        else:
            assert info[key] == xmp[prop], (key, info[key], xmp[prop])


def test_the_rendered_pdf_s_information_and_xmp_agree(approved):
    before = dt.datetime.now(dt.UTC).replace(microsecond=0)
    _, info, xmp = read(rendered(approved))

    assert_they_agree(info, xmp)
    assert set(PAIRS) <= set(info)  # each one is there
    assert info["/Producer"].startswith("WeasyPrint ")
    assert info["/Title"] == "Attestation certificate " + approved.certificates.get().serial
    assert info["/Author"] == info["/Creator"] == "Clean Vehicle Credit Portal"
    assert info["/CreationDate"] == info["/ModDate"]
    created = parse_pdf_date(info["/CreationDate"])
    assert before <= created <= dt.datetime.now(dt.UTC)


def test_the_signed_pdf_s_information_and_xmp_agree_but_for_the_producer(approved):
    _, info, xmp = read(signed(approved))

    # pyHanko stamps /ModDate and xmp:ModifyDate with two readings of the clock.
    assert_they_agree(info, xmp, skip=("/Producer",), date_slack=dt.timedelta(seconds=1))
    assert parse_pdf_date(info["/ModDate"]) >= parse_pdf_date(info["/CreationDate"])


def test_the_signed_pdf_s_producer_agrees(approved):
    # pyHanko writes the last revisions and names itself in the XMP; /Info says the same.
    _, info, xmp = read(signed(approved))
    assert info["/Producer"] == xmp["pdf:Producer"]
    assert info["/Producer"].startswith("pyHanko")


@pytest.mark.parametrize("make", [rendered, signed], ids=["rendered", "signed"])
def test_pdf_a_3b_is_declared(approved, make):
    _, _, xmp = read(make(approved))
    assert (xmp["pdfaid:part"], xmp["pdfaid:conformance"]) == ("3", "B")


def _name_tree(node: Any) -> list[tuple[str, Any]]:
    """The (name, value) pairs of a name tree, its kids walked."""
    entries = list(node.raw_get("/Names")) if "/Names" in node else []
    pairs = [(str(name), value) for name, value in zip(entries[::2], entries[1::2], strict=True)]
    for kid in (node.raw_get("/Kids") if "/Kids" in node else []):
        pairs += _name_tree(kid.get_object())
    return pairs


@pytest.mark.parametrize("make", [rendered, signed], ids=["rendered", "signed"])
def test_each_embedded_file_is_listed_once_in_af_and_in_the_name_tree(approved, make):
    catalog, _, _ = read(make(approved))

    associated = [ref.reference for ref in catalog.raw_get("/AF")]  # references, unresolved
    named = _name_tree(catalog["/Names"]["/EmbeddedFiles"])
    assert [name for name, _ in named] == [rendering.ATTACHMENT_NAME]
    assert associated == [value.reference for _, value in named]
    filespec = catalog["/AF"][0]
    assert str(filespec["/F"]) == str(filespec["/UF"]) == rendering.ATTACHMENT_NAME
    assert filespec["/AFRelationship"] == "/Data"
