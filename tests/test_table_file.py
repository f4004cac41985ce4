# Copyright 2026 sms_gateway authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Reading CSV/XLSX files people make: encodings, separators, bad files."""

import io

import openpyxl
import pytest

from sms_gateway.tools.table_file import TableFileError, decode_text, read_table

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
