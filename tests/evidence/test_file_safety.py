"""Bad files get a clear error, never a crash: encodings, binaries, damaged ZIPs, zip bombs."""

from __future__ import annotations

import codecs
import functools
import io
import re
import struct
import subprocess
import sys
import tempfile
import warnings
import zipfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from filings.evidence import EvidenceInvalid, ZipLimits, read_evidence
from filings.evidence.reader import read_frames
from tests.evidence.factories import EvidenceFiles, errors_of, one_error, write_text

# --- which files ----------------------------------------------------------------------------


def test_a_file_that_is_neither_xlsx_nor_csv_is_refused_naming_the_allowed_forms(tmp_path):
    path = write_text(tmp_path / "evidence.exe", "MZ")

    errors = errors_of([path])

    assert errors == [
        one_error(
            errors,
            message="neither an .xlsx workbook nor a .csv file: upload "
            "one .xlsx workbook, or CSV files named vehicle.csv",
        )
    ]


def test_two_workbooks_are_refused(tmp_path):
    paths = [EvidenceFiles.valid().write_xlsx(tmp_path / f"{n}.xlsx") for n in "ab"]

    one_error(errors_of(paths), message="several workbooks")


def test_a_workbook_with_csv_files_is_refused(tmp_path):
    paths = [
        *EvidenceFiles.valid().write_csv(tmp_path),
        EvidenceFiles.valid().write_xlsx(tmp_path / "evidence.xlsx"),
    ]

    one_error(errors_of(paths), message="mix forms")


def test_no_files_and_missing_files_are_errors(tmp_path):
    one_error(errors_of([]), message="no files given")
    one_error(errors_of([tmp_path / "gone.csv"]), message="gone.csv: no such file")
    (tmp_path / "empty").mkdir()
    one_error(errors_of([tmp_path / "empty"]), message="the folder is empty")


def test_a_file_over_the_size_cap_is_refused_before_reading(tmp_path):
    path = EvidenceFiles.valid().write_xlsx(tmp_path / "evidence.xlsx")

    errors = errors_of([path], max_bytes=1024)

    assert errors == [one_error(errors, message="at most 1,024 bytes is accepted per file")]


# --- CSV --------------------------------------------------------------------------------------


def csv_set_with(tmp_path: Path, sheet: str, content: bytes) -> list[Path]:
    paths = EvidenceFiles.valid().write_csv(tmp_path)
    (tmp_path / f"{sheet}.csv").write_bytes(content)
    return paths


@pytest.mark.parametrize(
    ("content", "says"),
    [
        ("vin\r\n1HGCM82633A004352\r\n".encode("utf-16"), "is UTF-16 text"),
        ("vin\r\n1HGCM82633A004352\r\n".encode("utf-16-le"), "line 1 contains a NUL byte"),
        ("vin\r\n1HGCM82633A004352\r\nJosé\r\n".encode("latin-1"), "line 3 is not UTF-8 text (byte 0xE9)"),
        (b"\x7fELF\x02\x01\x01\x00\x00\x00", "contains a NUL byte"),
        (b"PK\x03\x04 rest of a zip", "is a ZIP archive"),
        (b"%PDF-1.7 ...", "is a PDF document"),
        (b"vin\r\n" + b"A" * (2 << 20), "longer than 1,048,576 characters"),
        (b'vin\r\n"1HGCM82633A004352"x\r\n', "a closing quote must be followed by a comma"),
        (b'vin\r\n1HGCM82633A004352\r\n"1HGCM82633A004353\r\n', "a quoted cell is never closed"),
        (b"vin;note\r\n1HGCM82633A004352;x\r\n", "not separated by commas"),
        (b'"vin\r\n', "the header row (line 1) is not valid csv"),
    ],
)
def test_an_unreadable_csv_file_gets_a_clear_error(tmp_path, content, says):
    errors = errors_of(csv_set_with(tmp_path, "vins", content))

    assert errors == [one_error(errors, sheet="vins", message=says)]


def test_a_very_long_cell_is_an_error_not_a_crash(tmp_path):
    content = b"vin\r\n" + b"A" * 150_000 + b"\r\n"

    errors = errors_of(csv_set_with(tmp_path, "vins", content))

    assert errors == [one_error(errors, sheet="vins", row=2, column="vin", message="150000 characters long")]


def test_markup_in_text_is_kept_as_text(tmp_path):
    files = EvidenceFiles.valid().set(
        "battery_components", 2, "supplier", "<script>alert('x')</script> =cmd|' /C calc'!A0"
    )

    frame = read_frames(files.write_csv(tmp_path))["battery_components"]

    assert frame["supplier"][0] == "<script>alert('x')</script> =cmd|' /C calc'!A0"


# --- XLSX ---------------------------------------------------------------------------------------


@functools.cache
def valid_workbook() -> bytes:
    with tempfile.TemporaryDirectory() as folder:
        return EvidenceFiles.valid().write_xlsx(Path(folder) / "evidence.xlsx").read_bytes()


def rezip(
    tmp_path: Path, change: dict[str, bytes | None], compression: int = zipfile.ZIP_DEFLATED, **options: Any
) -> Path:
    """The valid workbook with some entries replaced (None removes one) or added."""
    source = zipfile.ZipFile(io.BytesIO(valid_workbook()))
    path = tmp_path / "evidence.xlsx"
    with source, zipfile.ZipFile(path, "w", compression, **options) as target:
        for info in source.infolist():
            if info.filename not in change:
                target.writestr(info.filename, source.read(info.filename))
        for name, data in change.items():
            if data is not None:
                target.writestr(name, data)
    return path


def test_a_text_file_named_xlsx_is_refused(tmp_path):
    path = write_text(tmp_path / "evidence.xlsx", "make,model\r\n")

    errors = errors_of([path])

    assert errors == [one_error(errors, message="is not an XLSX workbook")]


def test_an_old_or_password_protected_workbook_is_refused(tmp_path):
    path = tmp_path / "evidence.xlsx"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(500))

    one_error(errors_of([path]), message="password-protected")


def test_a_truncated_workbook_is_refused(tmp_path):
    data = valid_workbook()
    path = tmp_path / "evidence.xlsx"
    path.write_bytes(data[: len(data) // 2])

    one_error(errors_of([path]), message="damaged or truncated")


def test_a_zip_without_content_types_is_not_a_workbook(tmp_path):
    path = rezip(tmp_path, {"[Content_Types].xml": None})

    one_error(errors_of([path]), message="no [Content_Types].xml")


def test_a_zip_bomb_is_refused_by_its_compression_ratio(tmp_path):
    path = rezip(tmp_path, {"xl/media/padding.bin": bytes(50 * 2**20)})

    one_error(errors_of([path]), message="this is how zip bombs look")


def test_a_workbook_expanding_past_the_cap_is_refused(tmp_path):
    path = EvidenceFiles.valid().write_xlsx(tmp_path / "evidence.xlsx")

    errors = errors_of([path], zip_limits=ZipLimits(max_uncompressed_bytes=10_000))

    one_error(errors, message="at most 10,000 bytes is accepted")


def test_a_workbook_with_too_many_entries_is_refused(tmp_path):
    path = EvidenceFiles.valid().write_xlsx(tmp_path / "evidence.xlsx")

    one_error(errors_of([path], zip_limits=ZipLimits(max_entries=3)), message="at most 3 accepted")


def test_an_entry_larger_than_its_header_declares_is_refused(tmp_path):
    path = rezip(tmp_path, {"xl/media/notes.txt": b"x" * 100_000})
    data = bytearray(path.read_bytes())
    entry = zipfile.ZipFile(path).getinfo("xl/media/notes.txt")
    central = data.index(b"PK\x01\x02")
    while data[central + 46 : central + 46 + len(entry.filename)] != entry.filename.encode():
        central = data.index(b"PK\x01\x02", central + 1)
    struct.pack_into("<I", data, entry.header_offset + 22, 1000)  # local header: uncompressed size
    struct.pack_into("<I", data, central + 24, 1000)  # central directory: uncompressed size
    path.write_bytes(bytes(data))

    one_error(errors_of([path]), message="does not match its directory record")


def test_a_corrupted_entry_is_refused(tmp_path):
    path = rezip(tmp_path, {})
    data = bytearray(path.read_bytes())
    sheet = zipfile.ZipFile(path).getinfo("xl/worksheets/sheet3.xml")
    start = sheet.header_offset + 30 + len(sheet.filename) + 10
    data[start : start + 20] = bytes(20)
    path.write_bytes(bytes(data))

    one_error(errors_of([path]), message="is damaged")


def test_a_document_type_declaration_is_refused(tmp_path):
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">]>'
        b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"/>'
    )
    path = rezip(tmp_path, {"xl/sharedStrings.xml": bomb})

    one_error(errors_of([path]), message="document type declaration")


LAUGHS = (
    '<!DOCTYPE lolz [<!ENTITY lol "lol">'
    + "".join(f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">'.replace("&lol0;", "&lol;") for i in range(1, 10))
    + "]>"
)
VEHICLE_PART = "xl/worksheets/sheet1.xml"


def vehicle_sheet_as(encoding: str, *, declared: str, bom: bytes = b"") -> bytes:
    """The vehicle sheet's XML with a billion-laughs DOCTYPE, in `encoding`."""
    xml = zipfile.ZipFile(io.BytesIO(valid_workbook())).read(VEHICLE_PART).decode()
    body = xml.split("?>", 1)[1] if xml.startswith("<?xml") else xml
    body = body.replace("<sheetData>", "<sheetData>&lol9;", 1) if "<sheetData>" in body else body
    return bom + f'<?xml version="1.0" encoding="{declared}"?>{LAUGHS}{body}'.encode(encoding)


NOT_UTF8 = "workbook XML must be UTF-8, which is what Excel writes: open it in Excel and save it as 'Excel Workbook (.xlsx)'"


@pytest.mark.parametrize(
    ("encoding", "bom", "says"),
    [
        ("utf-16-le", b"", "is XML in UTF-16 (little-endian)"),
        ("utf-16-be", b"", "is XML in UTF-16 (big-endian)"),
        ("utf-16-le", codecs.BOM_UTF16_LE, "is UTF-16 text (it starts with a UTF-16 byte order mark)"),
        ("utf-16-be", codecs.BOM_UTF16_BE, "is UTF-16 text (it starts with a UTF-16 byte order mark)"),
        ("utf-32-le", b"", "is XML in UTF-32 (little-endian)"),
        ("utf-32-be", codecs.BOM_UTF32_BE, "is UTF-32 text (it starts with a UTF-32 byte order mark)"),
    ],
)
def test_a_billion_laughs_sheet_in_utf16_or_utf32_is_refused_as_not_utf8(tmp_path, encoding, bom, says):
    bomb = vehicle_sheet_as(encoding, declared=encoding.removesuffix("-le").removesuffix("-be"), bom=bom)
    assert b"<!DOCTYPE" not in bomb  # what the byte scan alone would miss
    path = rezip(tmp_path, {VEHICLE_PART: bomb})

    errors = errors_of([path])

    assert errors == [one_error(errors, message=f"evidence.xlsx: {VEHICLE_PART} {says}; {NOT_UTF8}")]


def test_a_utf16_sheet_led_by_white_space_is_refused(tmp_path):
    bomb = "\r\n  ".encode("utf-16-le") + vehicle_sheet_as("utf-16-le", declared="UTF-16")
    path = rezip(tmp_path, {VEHICLE_PART: bomb})

    one_error(errors_of([path]), message=f"{VEHICLE_PART} is XML in UTF-16 (little-endian)")


@pytest.mark.parametrize("declared", ["UTF-16", "utf-16", "ISO-8859-1", "windows-1252"])
def test_utf8_xml_declaring_another_encoding_is_refused(tmp_path, declared):
    xml = zipfile.ZipFile(io.BytesIO(valid_workbook())).read("xl/workbook.xml")
    changed = re.sub(rb"^<\?xml[^>]*\?>", b"", xml)
    changed = f"<?xml version='1.0' encoding = '{declared}' standalone=\"yes\"?>".encode() + changed
    path = rezip(tmp_path, {"xl/workbook.xml": changed})

    errors = errors_of([path])

    assert errors == [
        one_error(
            errors,
            message=f"xl/workbook.xml declares the encoding {declared!r} in its XML declaration; {NOT_UTF8}",
        )
    ]


@pytest.mark.parametrize("declared", ["UTF-8", "utf-8", None])
def test_utf8_xml_with_or_without_a_byte_order_mark_is_read(tmp_path, declared):
    source = zipfile.ZipFile(io.BytesIO(valid_workbook()))
    change = {}
    for part in (VEHICLE_PART, "xl/workbook.xml", "xl/styles.xml"):
        body = re.sub(rb"^<\?xml[^>]*\?>", b"", source.read(part))
        declaration = b"" if declared is None else f'<?xml version="1.0" encoding="{declared}"?>'.encode()
        change[part] = codecs.BOM_UTF8 + declaration + body
    path = rezip(tmp_path, change)

    assert read_evidence([path]).vehicle.make == "Granite"


def test_utf16_metadata_under_custom_xml_is_left_alone(tmp_path):
    item = '<?xml version="1.0" encoding="utf-16"?><metadata><client>Granite</client></metadata>'
    path = rezip(tmp_path, {"customXml/item1.xml": item.encode("utf-16")})

    assert read_evidence([path]).vehicle.make == "Granite"


def test_binary_parts_with_nul_bytes_are_not_taken_for_utf16(tmp_path):
    devmode = "Microsoft Print to PDF".encode("utf-16-le").ljust(64, b"\0") + bytes([1, 4, 0, 5]) * 50
    emf = b"\x01\x00\x00\x00" + bytes(range(256)) * 4
    path = rezip(tmp_path, {"xl/printerSettings/printerSettings1.bin": devmode, "xl/media/image1.emf": emf})

    assert read_evidence([path]).vehicle.make == "Granite"


@pytest.mark.parametrize("piece_bytes", [1, 4, 5, 8])
def test_a_declaration_split_between_inflated_pieces_is_found(tmp_path, monkeypatch, piece_bytes):
    from filings.evidence import zip_preflight

    monkeypatch.setattr(zip_preflight, "_READ_BYTES", piece_bytes)  # the real constant, read as it inflates
    declaration = b'<?xml version="1.0"?>   '
    bomb = (
        declaration
        + b'<!DOCTYPE sst SYSTEM "x.dtd"><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"/>'
    )
    assert len(declaration) % 8 == 0  # stored: with 4 bytes a piece, the pieces are '<!DO', 'CTYP', ...
    path = rezip(tmp_path, {"xl/sharedStrings.xml": bomb}, compression=zipfile.ZIP_STORED)

    one_error(errors_of([path]), message="document type declaration")


@pytest.mark.parametrize("piece_bytes", [1, 3, 4, 7, 64])
@pytest.mark.parametrize("compression", [zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED])
def test_the_preflight_judges_alike_whatever_the_size_of_the_pieces(
    tmp_path, monkeypatch, piece_bytes, compression
):
    from filings.evidence import zip_preflight

    monkeypatch.setattr(zip_preflight, "_READ_BYTES", piece_bytes)
    (tmp_path / "valid").mkdir()
    (tmp_path / "corner").mkdir()
    valid = rezip(tmp_path / "valid", {}, compression=compression)
    far = zipfile.ZipFile(valid).read("xl/worksheets/sheet4.xml")
    corner = rezip(
        tmp_path / "corner", {"xl/worksheets/sheet4.xml": far_corner(far)}, compression=compression
    )

    assert len(read_evidence([valid]).vins) == 2
    with pytest.raises(zip_preflight.XlsxProblem, match=re.escape(STRAY_CORNER)):
        zip_preflight.preflight(corner, "evidence.xlsx", ZipLimits())


def test_a_workbook_with_macros_is_refused(tmp_path):
    path = rezip(tmp_path, {"xl/vbaProject.bin": b"\xd0\xcf\x11\xe0macro"})

    one_error(errors_of([path]), message="contains macros")


def test_an_entry_with_a_path_traversal_name_is_refused(tmp_path):
    path = rezip(tmp_path, {"../../etc/cron.d/evil": b"* * * * * root sh"})

    one_error(errors_of([path]), message="unsafe path")


def test_formula_cells_are_refused_naming_each_cell(tmp_path):
    files = EvidenceFiles.valid()
    files.set("critical_minerals", 3, "value_usd", "=100+0.1")
    files.set("battery_components", 4, "feoc", '=IF(TRUE,"no","yes")')
    path = files.write_xlsx(tmp_path / "evidence.xlsx")

    errors = errors_of([path])

    assert len(errors) == 2
    one_error(
        errors,
        sheet="critical_minerals",
        row=3,
        column="value_usd",
        value="=100+0.1",
        message="holds a formula",
    )
    one_error(errors, sheet="battery_components", row=4, column="feoc", message="Paste Special")


def test_error_cells_are_refused(tmp_path):
    files = EvidenceFiles.valid().set("critical_minerals", 2, "recycling_country", "#N/A")
    path = files.write_xlsx(tmp_path / "evidence.xlsx")

    errors = errors_of([path])

    assert errors == [
        one_error(
            errors,
            sheet="critical_minerals",
            row=2,
            column="recycling_country",
            message="shows the Excel error #N/A",
        )
    ]


def test_formulas_outside_the_evidence_sheets_do_not_matter(tmp_path):
    files = EvidenceFiles.valid()
    files.rows["read_me"] = [["total"], ["=SUM(1,2)"]]

    assert read_evidence([files.write_xlsx(tmp_path / "evidence.xlsx")]).vins


# --- never a crash ---------------------------------------------------------------------------


def outcome(path: Path) -> str:
    """'read', or 'errors' when EvidenceInvalid lists some; anything else propagates."""
    try:
        read_evidence([path])
    except EvidenceInvalid as exc:
        return "errors" if exc.errors else "empty error list"
    return "read"


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(content=st.binary(max_size=400), suffix=st.sampled_from([".csv", ".xlsx"]))
def test_arbitrary_bytes_give_errors_never_a_crash(tmp_path, content, suffix):
    path = tmp_path / f"vins{suffix}"
    path.write_bytes(content)

    with pytest.raises(EvidenceInvalid):
        read_evidence([path])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_a_damaged_workbook_gives_errors_never_a_crash(tmp_path, data):
    damaged = bytearray(valid_workbook())
    for _ in range(data.draw(st.integers(1, 8))):
        damaged[data.draw(st.integers(0, len(damaged) - 1))] = data.draw(st.integers(0, 255))
    path = tmp_path / "evidence.xlsx"
    path.write_bytes(bytes(damaged))

    assert outcome(path) in ("read", "errors")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    data=st.data(),
    part=st.sampled_from(
        [
            "xl/worksheets/sheet1.xml",
            "xl/worksheets/sheet3.xml",
            "xl/workbook.xml",
            "xl/styles.xml",
            "xl/_rels/workbook.xml.rels",
            "[Content_Types].xml",
        ]
    ),
)
def test_damaged_xml_inside_a_sound_zip_gives_errors_never_a_crash(tmp_path, data, part):
    xml = bytearray(zipfile.ZipFile(io.BytesIO(valid_workbook())).read(part))
    for _ in range(data.draw(st.integers(1, 6))):
        position = data.draw(st.integers(0, len(xml) - 1))
        xml[position : position + data.draw(st.integers(0, 3))] = data.draw(st.binary(max_size=3))
    path = rezip(tmp_path, {part: bytes(xml)})

    assert outcome(path) in ("read", "errors")


def with_sheet_xml(tmp_path: Path, change) -> Path:
    """The valid workbook with the vins sheet's XML passed through `change`."""
    part = "xl/worksheets/sheet4.xml"
    xml = zipfile.ZipFile(io.BytesIO(valid_workbook())).read(part)
    return rezip(tmp_path, {part: change(xml)})


def far_corner(xml: bytes) -> bytes:
    return xml.replace(
        b"</row></sheetData>",
        b'</row><row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row></sheetData>',
    )


def prefixed(xml: bytes) -> bytes:
    xml = re.sub(rb"<(/?)([A-Za-z]+)", rb"<\1x:\2", xml)
    return xml.replace(b"<x:worksheet xmlns=", b"<x:worksheet xmlns:x=")


STRAY_CORNER = (
    "evidence.xlsx: the vins sheet's cells span 1,048,576 rows by 16,384 columns, but only 4 rows "
    "and 2 columns hold any: delete the stray cells far below or to the right of the data"
)


def read_in_a_child_process(path: Path) -> subprocess.CompletedProcess[str]:
    """Read `path` in a memory-capped child, so a regression fails this test, not the run."""
    code = (
        "import resource, sys; resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))\n"
        "from pathlib import Path\n"
        "from filings.evidence import EvidenceInvalid, read_evidence\n"
        "try:\n    read_evidence([Path(sys.argv[1])])\n"
        "except EvidenceInvalid as exc:\n    print(exc.errors[0].sheet, exc.errors[0].message)\n"
    )
    return subprocess.run(
        [sys.executable, "-c", code, str(path)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=Path(__file__).parents[2],
        check=False,
    )


@pytest.mark.parametrize(
    "change", [far_corner, lambda xml: prefixed(far_corner(xml))], ids=["plain", "namespace-prefixed"]
)
def test_a_cell_in_a_far_corner_is_refused_before_the_sheet_is_parsed(tmp_path, change):
    path = with_sheet_xml(tmp_path, change)

    child = read_in_a_child_process(path)

    assert child.returncode == 0, child.stderr[-500:]
    assert child.stdout.startswith("vins " + STRAY_CORNER)


def test_cells_without_a_reference_are_refused(tmp_path):
    path = with_sheet_xml(tmp_path, lambda xml: xml.replace(b'<c r="A3"', b"<c"))

    one_error(errors_of([path]), message="1 cells in xl/worksheets/sheet4.xml have no plain cell reference")


@pytest.mark.parametrize("space", [b"\t", b"\n", b"\r\n"], ids=["tab", "line-feed", "cr-lf"])
def test_a_far_corner_cell_whose_tag_breaks_before_its_reference_is_refused(tmp_path, space):
    # `<c` and a tab or a line break before `r=` is still a cell to calamine, which would place
    # it at XFD1048576 and ask for a range of 17 billion cells.
    path = with_sheet_xml(
        tmp_path, lambda xml: far_corner(xml).replace(b'<c r="XFD1048576"', b"<c" + space + b'r="XFD1048576"')
    )

    child = read_in_a_child_process(path)

    assert child.returncode == 0, child.stderr[-500:]
    assert child.stdout.startswith("vins evidence.xlsx: 1 cells in xl/worksheets/sheet4.xml have no plain cell reference")


def test_a_namespace_prefixed_workbook_is_read(tmp_path):
    path = with_sheet_xml(tmp_path, prefixed)

    assert len(read_evidence([path]).vins) == 2


def moved_sheet(tmp_path: Path, change=lambda xml: xml) -> Path:
    """The vins sheet stored at an unusual path, as the relationships allow."""
    source = zipfile.ZipFile(io.BytesIO(valid_workbook()))
    rels = source.read("xl/_rels/workbook.xml.rels").replace(
        b"/xl/worksheets/sheet4.xml", b"/xl/elsewhere/data.xml"
    )
    xml = change(source.read("xl/worksheets/sheet4.xml"))
    return rezip(
        tmp_path,
        {"xl/worksheets/sheet4.xml": None, "xl/elsewhere/data.xml": xml, "xl/_rels/workbook.xml.rels": rels},
    )


def test_a_sheet_stored_at_an_unusual_path_is_read(tmp_path):
    assert len(read_evidence([moved_sheet(tmp_path)]).vins) == 2


def test_a_far_corner_cell_in_a_sheet_at_an_unusual_path_is_refused(tmp_path):
    child = read_in_a_child_process(moved_sheet(tmp_path, far_corner))

    assert child.returncode == 0, child.stderr[-500:]
    assert child.stdout.startswith("vins " + STRAY_CORNER)


def test_a_folder_inside_the_upload_folder_is_an_error(tmp_path):
    EvidenceFiles.valid().write_csv(tmp_path / "upload")
    (tmp_path / "upload" / "more").mkdir()

    errors = errors_of([tmp_path / "upload"])

    assert errors == [one_error(errors, message="more is a folder inside the upload")]


def test_an_entry_stored_twice_is_refused(tmp_path):
    path = rezip(tmp_path, {})
    with zipfile.ZipFile(path, "a") as archive, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile warns of the duplicate name, and writes it
        archive.writestr("xl/worksheets/sheet4.xml", b"<worksheet/>")

    errors = errors_of([path])

    assert errors == [one_error(errors, message="holds the entry 'xl/worksheets/sheet4.xml' more than once")]


def test_sheets_are_named_in_messages_whatever_form_their_targets_take(tmp_path):
    source = zipfile.ZipFile(io.BytesIO(valid_workbook()))
    rels = source.read("xl/_rels/workbook.xml.rels").replace(b'Target="/xl/', b'Target="')  # as Excel writes
    assert b'Target="worksheets/sheet4.xml"' in rels
    path = rezip(
        tmp_path,
        {
            "xl/_rels/workbook.xml.rels": rels,
            "xl/worksheets/sheet4.xml": far_corner(source.read("xl/worksheets/sheet4.xml")),
        },
    )

    errors = errors_of([path])

    assert errors == [one_error(errors, sheet="vins", message=STRAY_CORNER)]


def test_a_sheet_part_the_workbook_does_not_list_is_named_by_its_path(tmp_path):
    xml = zipfile.ZipFile(io.BytesIO(valid_workbook())).read("xl/worksheets/sheet4.xml")
    path = rezip(tmp_path, {"xl/worksheets/orphan.xml": far_corner(xml)})

    errors = errors_of([path])

    assert errors == [
        one_error(
            errors,
            sheet=None,
            message="evidence.xlsx: the xl/worksheets/orphan.xml sheet's cells span 1,048,576 rows",
        )
    ]
