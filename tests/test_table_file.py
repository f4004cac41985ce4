# Copyright 2026 sms_gateway authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Reading CSV/XLSX files people make: encodings, separators, bad files."""

import codecs
import datetime
import io
import json
import subprocess
import sys
import zipfile
from pathlib import Path

import openpyxl
import pytest

from sms_gateway.tools.table_file import (
    Limits,
    TableFileError,
    decode_text,
    read_table,
)

REPO_ROOT = Path(__file__).resolve().parent.parent

POLISH = "imię;telefon\nŁukasz Wiśniewski;+48 601 711 001\nŻaneta Ćwik;48601711002\n"
SWEDISH = "namn;mobil\nÅsa Öberg;+46 76 711 00 01\nJörgen Ångström;+46 76 711 00 02\n"
FINNISH = "nimi,puhelin\nPäivi Hämäläinen,050 711 0004\n"


@pytest.mark.parametrize(
    ("text", "encoding", "expected"),
    [
        (POLISH, "cp1250", "cp1250"),
        (SWEDISH, "cp1252", "cp1252"),
        (FINNISH, "cp1252", "cp1252"),
        ("Zażółć gęślą jaźń;1\n", "cp1250", "cp1250"),
        (POLISH, "utf-8", "utf-8"),
        (POLISH, "utf-8-sig", "utf-8"),
    ],
)
def test_encodings(text, encoding, expected):
    decoded, found = decode_text(text.encode(encoding))
    assert found == expected
    assert decoded.lstrip("\ufeff") == text


@pytest.mark.parametrize("separator", [",", ";", "\t"])
def test_separators_and_quotes(separator):
    data = f'name{separator}mobile\n"Doe{separator} Jane"{separator}0401\n'.encode()
    table = read_table(data, "x.csv")
    assert table.delimiter == separator
    assert table.header == ["name", "mobile"]
    assert table.rows == [(2, [f"Doe{separator} Jane", "0401"])]


def test_line_numbers_skip_blank_lines_and_count_multiline_cells():
    data = b'name,note\n\nA,"two\nlines"\n,\nB,x\n'
    table = read_table(data)
    assert table.rows == [(3, ["A", "two\nlines"]), (6, ["B", "x"])]


def test_xlsx_numbers_read_as_text():
    workbook = openpyxl.Workbook()
    workbook.active.append(["name", "mobile"])
    workbook.active.append(["Elina", 358507110005])
    buffer = io.BytesIO()
    workbook.save(buffer)
    table = read_table(buffer.getvalue(), "a.xlsx")
    assert table.kind == "xlsx"
    assert table.rows == [(2, ["Elina", "358507110005"])]


@pytest.mark.parametrize(
    ("data", "filename", "code"),
    [
        (b"", "a.csv", "empty"),
        (b"\xef\xbb\xbf\r\n \n", "a.csv", "empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "a.csv", "binary"),
        (b"abc\x00def\n", "a.csv", "binary"),
        (bytes(range(1, 32)) * 20, "a.csv", "binary"),
        (b"PK\x03\x04broken", "a.xlsx", "xlsx"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "a.xls", "xls"),
        (b"\x81\x90 name\n", "a.csv", "encoding"),
    ],
)
def test_bad_files(data, filename, code):
    with pytest.raises(TableFileError) as caught:
        read_table(data, filename)
    assert caught.value.code == code
    assert str(caught.value)


def test_max_rows():
    with pytest.raises(TableFileError) as caught:
        read_table(b"a\n1\n2\n3\n", max_rows=2)
    assert caught.value.code == "too_many_rows"
    assert len(read_table(b"a\n1\n2\n", max_rows=2).rows) == 2


# ----------------------------------------------------------------------
# Hostile files: each is refused (or read) quickly, with bounded memory
# ----------------------------------------------------------------------

MAIN = b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
HEADER_ROW = b'<row r="1"><c r="A1" t="inlineStr"><is><t>name</t></is></c></row>'
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"


CONTENT_TYPES = (
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
    'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.'
    'openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.'
    'openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.'
    'openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>'
)
ROOT_RELS = (
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
    'relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org'
    '/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
    "</Relationships>"
)


def make_xlsx(sheet_chunks, shared_chunks=None, compresslevel=1):
    """An XLSX in memory; parts given as iterables of bytes, written as a
    stream so that a bomb never sits in memory uncompressed."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(
        buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=compresslevel
    ) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("_rels/.rels", ROOT_RELS)
        archive.writestr(
            "xl/workbook.xml",
            '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/'
            'main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/'
            'relationships"><sheets><sheet name="S" sheetId="1" r:id="rId1"/>'
            "</sheets></workbook>",
        )
        rels = (
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
            f'relationships"><Relationship Id="rId1" Type="{_REL}worksheet" '
            'Target="worksheets/sheet1.xml"/>'
        )
        if shared_chunks is not None:
            rels += (
                f'<Relationship Id="rId2" Type="{_REL}sharedStrings" '
                'Target="sharedStrings.xml"/>'
            )
            with archive.open("xl/sharedStrings.xml", "w") as part:
                for chunk in shared_chunks:
                    part.write(chunk)
        archive.writestr("xl/_rels/workbook.xml.rels", rels + "</Relationships>")
        with archive.open("xl/worksheets/sheet1.xml", "w") as part:
            for chunk in sheet_chunks:
                part.write(chunk)
    return buffer.getvalue()


def simple_sheet(rows_xml=b"", dimension=b""):
    return [MAIN + dimension + b"<sheetData>" + HEADER_ROW + rows_xml, SHEET_END]


SHEET_END = b"</sheetData></worksheet>"


def shared_bomb(megabytes=200):
    """Shared strings that unpack to ``megabytes`` MB (a few hundred KB packed)."""
    yield b"<sst>"
    block = b"<si><t>" + b"x" * 30000 + b"</t></si>"
    for _ in range(megabytes * 1024 * 1024 // len(block)):
        yield block
    yield b"</sst>"


def build_zip_bomb():
    return make_xlsx(simple_sheet(), shared_bomb())


def build_lying_zip_bomb():
    """The bomb, with its part declaring 1,000 bytes in both zip headers."""
    data = bytearray(build_zip_bomb())
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as archive:
        info = archive.getinfo("xl/sharedStrings.xml")
    data[info.header_offset + 22 : info.header_offset + 26] = (1000).to_bytes(
        4, "little"
    )
    name = info.filename.encode()
    central = data.rfind(b"PK\x01\x02", 0, len(data))
    while central >= 0:
        name_length = int.from_bytes(data[central + 28 : central + 30], "little")
        if data[central + 46 : central + 46 + name_length] == name:
            data[central + 24 : central + 28] = (1000).to_bytes(4, "little")
            break
        central = data.rfind(b"PK\x01\x02", 0, central)
    return bytes(data)


def build_many_strings():
    def strings():
        yield b"<sst>"
        for _ in range(13):
            yield b"<si><t>a</t></si>" * 100_000
        yield b"</sst>"

    return make_xlsx(simple_sheet(), strings())


def build_huge_dimension():
    rows = b'<row r="2"><c r="A2" t="inlineStr"><is><t>Anna</t></is></c></row>'
    return make_xlsx(simple_sheet(rows, b'<dimension ref="A1:XFD1048576"/>'))


def build_million_empty_rows():
    def sheet():
        yield MAIN + b"<sheetData>" + HEADER_ROW
        for start in range(2, 1_000_002, 100_000):
            yield b"".join(b'<row r="%d"/>' % i for i in range(start, start + 100_000))
        yield b'<row r="1000002"><c t="inlineStr"><is><t>x</t></is></c></row>'
        yield SHEET_END

    return make_xlsx(sheet())


def build_last_row():
    row = b'<row r="1048576"><c r="A1048576" t="inlineStr"><is><t>x</t></is></c></row>'
    return make_xlsx(simple_sheet(row))


def build_far_column():
    row = b'<row r="2"><c r="XFD2" t="inlineStr"><is><t>x</t></is></c></row>'
    return make_xlsx(simple_sheet(row))


def build_billion_laughs():
    entities = b'<!ENTITY lol "lol">' + b"".join(
        b'<!ENTITY lol%d "%s">'
        % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10)
        for i in range(1, 10)
    )
    shared = [b"<?xml version='1.0'?><!DOCTYPE sst [" + entities + b"]>"]
    shared.append(b"<sst><si><t>&lol9;</t></si></sst>")
    return make_xlsx(simple_sheet(), shared)


def build_deep_nesting():
    depth = 1_000_000
    return make_xlsx([MAIN + b"<a>" * depth + b"</a>" * depth + b"</worksheet>"])


def build_many_entries():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for i in range(5000):
            archive.writestr(f"x/{i}", b"")
    return buffer.getvalue()


def build_enormous_csv_line():
    return b"name,mobile\n" + b"ab," * (10 * 1024 * 1024 // 3) + b"\n"


def build_empty_csv_lines():
    return b"name,mobile\n" + b"\n" * 2_000_000 + b"Late Lasse,0401234567\n"


def build_garbage():
    return bytes((i * 7919 + (i >> 7)) % 251 + 1 for i in range(3 * 1024 * 1024))


HOSTILE = {
    # name: (builder, filename, code the reading ends with, or None if read)
    "zip_bomb": (build_zip_bomb, "a.xlsx", "too_large"),
    "lying_zip_bomb": (build_lying_zip_bomb, "a.xlsx", "xlsx"),
    "many_strings": (build_many_strings, "a.xlsx", "too_many_strings"),
    "huge_dimension": (build_huge_dimension, "a.xlsx", None),
    "million_empty_rows": (build_million_empty_rows, "a.xlsx", "too_many_sheet_rows"),
    "last_row": (build_last_row, "a.xlsx", "too_many_sheet_rows"),
    "far_column": (build_far_column, "a.xlsx", "too_many_columns"),
    "billion_laughs": (build_billion_laughs, "a.xlsx", "xlsx"),
    "deep_nesting": (build_deep_nesting, "a.xlsx", "xlsx"),
    "many_entries": (build_many_entries, "a.xlsx", "too_large"),
    "enormous_csv_line": (build_enormous_csv_line, "a.csv", "line_too_long"),
    "empty_csv_lines": (build_empty_csv_lines, "a.csv", "too_many_sheet_rows"),
    "garbage": (build_garbage, "a.csv", "binary"),
    "garbage_xlsx": (build_garbage, "a.xlsx", "xlsx"),
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_files(name):
    builder, filename, code = HOSTILE[name]
    data = builder()
    assert len(data) < 11 * 1024 * 1024
    # no time limit here (a loaded machine is slow): the limit that trips is
    # the one meant for the file; the cost test below measures the time
    limits = Limits(max_seconds=600)
    if code is None:
        table = read_table(data, filename, limits=limits)
        assert table.header == ["name"]
        assert table.rows == [(2, ["Anna"])]
        return
    with pytest.raises(TableFileError) as caught:
        read_table(data, filename, limits=limits)
    assert caught.value.code == code
    assert str(caught.value)


_MEASURE = """
import importlib.util, json, resource, sys, time, types
package = types.ModuleType("sms_gateway")
package.__path__ = [sys.argv[1] + "/sms_gateway"]
sys.modules["sms_gateway"] = package
spec = importlib.util.spec_from_file_location("hostile", sys.argv[2])
hostile = importlib.util.module_from_spec(spec)
spec.loader.exec_module(hostile)
builder, filename, _code = hostile.HOSTILE[sys.argv[3]]
data = builder()
started = time.monotonic()
try:
    hostile.read_table(data, filename)
    code = None
except hostile.TableFileError as error:
    code = error.code
seconds = time.monotonic() - started
# VmHWM: the peak of this process's own memory (ru_maxrss may carry the
# parent's peak over the fork)
try:
    with open("/proc/self/status") as status:
        line = next(li for li in status if li.startswith("VmHWM:"))
    peak = int(line.split()[1]) / 1024
except (OSError, StopIteration):
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"code": code, "seconds": seconds, "peak_mb": peak}))
"""


@pytest.mark.parametrize(
    "name",
    [
        "zip_bomb",
        "many_strings",
        "million_empty_rows",
        "enormous_csv_line",
        "deep_nesting",
        "empty_csv_lines",
    ],
)
def test_hostile_files_cost_under_10_s_and_200_mb(name):
    """In a fresh process: the whole process (Python, the file built, the
    reading) stays under 200 MB, and reading ends within 10 seconds, by the
    limit meant for the file or, on a slow machine, by the time limit."""
    result = subprocess.run(
        [sys.executable, "-c", _MEASURE, str(REPO_ROOT), __file__, name],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    measured = json.loads(result.stdout.strip().splitlines()[-1])
    assert measured["code"] in (HOSTILE[name][2], "timeout"), measured
    assert measured["seconds"] < 10, measured
    assert measured["peak_mb"] < 200, measured


def test_limits_are_configurable():
    data = b"name,mobile\n" + b"Ann,0401\n" * 100
    with pytest.raises(TableFileError) as caught:
        read_table(data, limits=Limits(max_cells=10))
    assert caught.value.code == "too_many_cells"
    with pytest.raises(TableFileError) as caught:
        read_table(data, limits=Limits(max_columns=1))
    assert caught.value.code == "too_many_columns"
    with pytest.raises(TableFileError) as caught:
        read_table(data + b"Ann,0401\n" * 5000, limits=Limits(max_seconds=0))
    assert caught.value.code == "timeout"
    rows = b"".join(
        b'<row r="%d"><c t="inlineStr"><is><t>x</t></is></c></row>' % i
        for i in range(2, 3000)
    )
    with pytest.raises(TableFileError) as caught:
        read_table(
            make_xlsx(simple_sheet(rows)), "a.xlsx", limits=Limits(max_seconds=0)
        )
    assert caught.value.code == "timeout"
    with pytest.raises(TableFileError) as caught:
        read_table(
            make_xlsx(simple_sheet(), shared_bomb(4)),
            "a.xlsx",
            limits=Limits(max_unzipped_mb=2),
        )
    assert caught.value.code == "too_large"


def test_xlsx_values_as_a_spreadsheet_shows_them():
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["name", "mobile", "note", "consent"])
    sheet.append(["Åsa Öberg", "+46 76 711 00 01", datetime.date(2024, 5, 1), True])
    sheet.append(["=HYPERLINK(1)", 3.5, None, "granted"])
    sheet["C2"].number_format = "yyyy-mm-dd"
    sheet.cell(row=5, column=1, value="  Late Lasse ")
    buffer = io.BytesIO()
    workbook.save(buffer)
    table = read_table(buffer.getvalue(), "a.xlsx")
    assert table.header == ["name", "mobile", "note", "consent"]
    assert table.rows == [
        (2, ["Åsa Öberg", "+46 76 711 00 01", "2024-05-01T00:00:00", "True"]),
        # a formula cell without a computed value reads as empty
        (3, ["", "3.5", "", "granted"]),
        (5, ["Late Lasse"]),
    ]


def test_xlsx_shared_strings_rich_text_and_phonetic_runs():
    shared = [
        (
            b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            b"<si><t>name</t></si>"
            b"<si><r><t>Ri</t></r><r><t>ku</t></r><rPh><t>RIKU</t></rPh></si>"
            b"</sst>"
        )
    ]
    sheet = [
        MAIN + b'<dimension ref="A1:B2"/><sheetData>'
        b'<row r="1"><c r="A1" t="s"><v>0</v></c></row>'
        b'<row r="2"><c r="A2" t="s"><v>1</v></c>'
        b'<c r="B2"><f>1+1</f><v>2</v></c></row>',
        SHEET_END,
    ]
    table = read_table(make_xlsx(sheet, shared), "a.xlsx")
    assert table.header == ["name"]
    assert table.rows == [(2, ["Riku", "2"])]


# ----------------------------------------------------------------------
# Encodings people's spreadsheets write, and files that mix them
# ----------------------------------------------------------------------

RUSSIAN = (
    "ФИО;Телефон;Согласие\nИван Петров;+7 916 123 45 67;да\nСёмин Пётр;+7 916;нет\n"
)
POLISH_NAMES = "Imię;Nazwisko;Zgoda\nŁukasz;Wiśniewski;tak\nŻaneta;Ćwik;nie\n"
FINNISH_CONSENT = "Nimi;Puhelin;Suostumus\nÅke Öhman;0401;kyllä\nPäivi;0402;ei\n"


@pytest.mark.parametrize(
    ("text", "encoding"),
    [
        (RUSSIAN, "cp1251"),
        ("имя;телефон\nЯн;1\nЁлка;2\n", "cp1251"),
        (POLISH_NAMES, "cp1250"),
        (FINNISH_CONSENT, "cp1252"),
        (SWEDISH, "cp1252"),
    ],
)
def test_legacy_encodings_are_told_apart(text, encoding):
    assert decode_text(text.encode(encoding)) == (text, encoding)


@pytest.mark.parametrize("text", [RUSSIAN, POLISH_NAMES, FINNISH_CONSENT, SWEDISH])
@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16"])
def test_unicode_files(text, encoding):
    decoded, found = decode_text(text.encode(encoding))
    assert decoded.lstrip("\ufeff") == text
    assert found == ("utf-16" if encoding == "utf-16" else "utf-8")


def test_utf8_file_with_one_windows_line_is_refused_with_its_number():
    data = (
        "name,mobile\nMatti Meikäläinen,0401\n".encode()
        + "Åsa Öberg,0402\n".encode("cp1252")
        + "Łukasz,0403\n".encode()
    )
    with pytest.raises(TableFileError) as caught:
        read_table(data, "a.csv")
    assert caught.value.code == "mixed_encoding"
    assert caught.value.params == {"line": 3, "utf8_line": 2}
    # with a BOM the file says it is UTF-8: a line that is not is refused too
    with pytest.raises(TableFileError) as caught:
        read_table(b"\xef\xbb\xbfname\nA\n" + "Åsa\n".encode("cp1252"), "a.csv")
    assert caught.value.code == "mixed_encoding"
    assert caught.value.params["line"] == 3


def test_an_encoding_that_cannot_be_told_is_refused_not_guessed():
    # "ßí;äà" (Windows-1252) is "Ян;да" (Windows-1251): no word tells
    # which, so the file is refused rather than read either way
    data = "name;consent\nЯн;да\n".encode("cp1251")
    with pytest.raises(TableFileError) as caught:
        decode_text(data)
    assert caught.value.code == "encoding"
    assert caught.value.params["line"] == 2
    # the user names the encoding: it is read as they say
    assert decode_text(data, "cp1251")[0] == "name;consent\nЯн;да\n"
    # one longer word is enough to tell
    assert decode_text("Ян;да\nНет\n".encode("cp1251"))[1] == "cp1251"


def test_encoding_chosen_by_the_user():
    data = RUSSIAN.encode("cp1251")
    assert read_table(data, "a.csv", encoding="cp1251").header == [
        "ФИО",
        "Телефон",
        "Согласие",
    ]
    assert read_table(data, "a.csv", encoding="windows-1251").encoding == "cp1251"
    # UTF-8 chosen: a line that is not is refused with its number
    data = "name\nÄiti\n".encode() + "Åsa\n".encode("cp1252")
    with pytest.raises(TableFileError) as caught:
        read_table(data, "a.csv", encoding="utf-8")
    assert (caught.value.code, caught.value.params["line"]) == ("encoding", 3)
    assert caught.value.params["encoding"] == "utf-8"
    with pytest.raises(TableFileError) as caught:
        read_table(b"name\nA\n\x81\n", "a.csv", encoding="cp1252")
    assert caught.value.params["line"] == 3
    with pytest.raises(ValueError, match="unknown encoding"):
        read_table(b"name\n", "a.csv", encoding="no-such-codec")


@pytest.mark.parametrize("encoding", ["cp1252", "cp1250", "iso-8859-1", "koi8-r"])
def test_an_8bit_encoding_chosen_for_utf8_lines_is_refused_not_garbled(encoding):
    # read as Windows-1252, "Päivi" (UTF-8) would be "PÃ¤ivi": refused
    mixed = "name\nPäivi\n".encode() + "Åsa\n".encode("cp1252")
    for data in (mixed, "name\nPäivi\nJörgen\n".encode()):
        with pytest.raises(TableFileError) as caught:
            read_table(data, "a.csv", encoding=encoding)
        assert caught.value.code == "utf8_line"
        assert caught.value.params == {
            "line": 2,
            "encoding": codecs.lookup(encoding).name,
        }
    # a file of that encoding, or of ASCII only, is read as the user says
    assert read_table(b"name\nMatti\n", "a.csv", encoding=encoding).rows == [
        (2, ["Matti"])
    ]


def test_a_windows_file_is_read_in_the_encoding_chosen():
    for text, encoding in (
        (POLISH_NAMES, "cp1250"),
        (SWEDISH, "cp1252"),
        (FINNISH_CONSENT, "cp1252"),
        (RUSSIAN, "cp1251"),
    ):
        assert decode_text(text.encode(encoding), encoding) == (text, encoding)
