# Copyright 2026 sms_gateway authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Read a CSV or XLSX file people made into a header and rows of text.

``read_table(data, filename)`` accepts what spreadsheets and ERPs export:

- CSV in UTF-8 (with or without BOM), else Windows-1250 (Polish, Czech...) or
  Windows-1252 (Finnish, Swedish, German...), told apart by the letters each
  reading gives; comma, semicolon or tab separators, told apart by the header;
- XLSX (first sheet, read with openpyxl in read-only mode).

Anything else (an empty file, a PDF, an image, an old binary .xls, a damaged
XLSX) raises ``TableFileError`` whose ``code`` says why, so that the caller can
word a message in the user's language; ``str(error)`` is an English message.
"""

import csv
import io
import zipfile
from dataclasses import dataclass, field

# Letters each 8-bit encoding gives for the languages it is used for. A byte
# that is a letter of these languages in one reading and a symbol in the other
# (Polish 'ł' is '³' in Windows-1252) decides which reading is right.
_CP1250_LETTERS = set("ąćęłńóśźżĄĆĘŁŃÓŚŹŻčďěňřšťůžýáíéúČĎĚŇŘŠŤŮŽÝÁÍÉÚőűŐŰäöüÄÖÜß")
_CP1252_LETTERS = set("åäöÅÄÖøæØÆéèêëàâáíìîïóòôõúùûüýÿçñßÉÈÊËÀÂÁÍÌÎÏÓÒÔÕÚÙÛÜÝÇÑšžŠŽ")
_SEPARATORS = (",", ";", "\t")
_SNIFF_BYTES = 65536
# Control characters other than tab, line feed and carriage return.
_CONTROL = {chr(c) for c in range(32) if c not in (9, 10, 13)} | {"\x7f"}

# Magic numbers of files people upload by mistake.
_BINARY_MAGIC = {
    b"%PDF": "PDF document",
    b"\x89PNG": "PNG image",
    b"\xff\xd8\xff": "JPEG image",
    b"GIF8": "GIF image",
    b"\x1f\x8b": "gzip archive",
    b"Rar!": "RAR archive",
    b"7z\xbc\xaf": "7-Zip archive",
}
_OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # old .xls / .doc
_ZIP_MAGIC = b"PK\x03\x04"


class TableFileError(ValueError):
    """A file that cannot be read as a table; ``code`` tells why.

    Codes: ``empty``, ``binary``, ``xls``, ``xlsx``, ``encoding``,
    ``too_many_rows``. ``params`` holds the values the message names.
    """

    def __init__(self, code, message, **params):
        super().__init__(message)
        self.code = code
        self.params = params


@dataclass
class Table:
    """A header and its rows; each row is (line number in the file, cells)."""

    header: list
    rows: list = field(default_factory=list)
    kind: str = "csv"  # 'csv' or 'xlsx'
    encoding: str = ""  # CSV only
    delimiter: str = ""  # CSV only


def read_table(data, filename="", max_rows=None):
    """Return the ``Table`` of a CSV or XLSX file given as bytes.

    The header is the first non-empty row. Rows whose cells are all empty are
    left out. ``max_rows`` (data rows, header excluded) stops a file that is
    too long before it is read whole.
    """
    if not isinstance(data, bytes):
        raise TypeError(f"data must be bytes, not {type(data).__name__}")
    if not data.strip(b" \t\r\n\xef\xbb\xbf"):
        raise TableFileError("empty", "The file is empty.")
    lower_name = (filename or "").lower()
    if data.startswith(_ZIP_MAGIC) or lower_name.endswith((".xlsx", ".xlsm")):
        return _read_xlsx(data, max_rows)
    if data.startswith(_OLE2_MAGIC) or lower_name.endswith(".xls"):
        raise TableFileError(
            "xls",
            "Old Excel files (.xls) are not read: save the file as .xlsx or .csv.",
        )
    for magic, kind in _BINARY_MAGIC.items():
        if data.startswith(magic):
            raise TableFileError(
                "binary", f"The file is a {kind}, not a CSV file.", kind=kind
            )
    text, encoding = decode_text(data)
    return _read_csv(text, encoding, max_rows)


# ----------------------------------------------------------------------
# CSV
# ----------------------------------------------------------------------


def decode_text(data):
    """(text, encoding) of CSV bytes; raise TableFileError if not text."""
    if b"\x00" in data[:_SNIFF_BYTES] or b"\x00" in data[-_SNIFF_BYTES:]:
        raise TableFileError("binary", "The file is binary, not a CSV file.")
    try:
        text, encoding = data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        text, encoding = _decode_8bit(data)
    sample = text[:_SNIFF_BYTES]
    controls = sum(1 for char in sample if char in _CONTROL)
    if controls > max(2, len(sample) // 100):
        raise TableFileError("binary", "The file is binary, not a CSV file.")
    return text, encoding


def _decode_8bit(data):
    """Read bytes that are not UTF-8 as Windows-1250 or Windows-1252."""
    readings = {}
    for encoding in ("cp1250", "cp1252"):
        try:
            readings[encoding] = data.decode(encoding)
        except UnicodeDecodeError:
            continue
    if not readings:
        raise TableFileError(
            "encoding",
            "The file's characters cannot be read: save it as CSV UTF-8.",
        )
    if len(readings) == 1:
        return next(iter(readings.items()))[::-1]
    scores = {
        encoding: _letter_score(text, letters)
        for (encoding, text), letters in zip(
            readings.items(), (_CP1250_LETTERS, _CP1252_LETTERS), strict=True
        )
    }
    # A tie (only ä, ö, é... that both share) reads as Windows-1252.
    encoding = "cp1250" if scores["cp1250"] > scores["cp1252"] else "cp1252"
    return readings[encoding], encoding


def _letter_score(text, letters):
    """Non-ASCII characters that are letters of the encoding's languages,
    minus those that are not letters at all (symbols in a name are unlikely)."""
    score = 0
    for char in text:
        if char < "\x80":
            continue
        if char in letters:
            score += 1
        elif not char.isalpha():
            score -= 1
    return score


def _sniff_delimiter(text):
    """The separator used by the header line: ',', ';' or tab."""
    first = ""
    for line in text.splitlines():
        if line.strip():
            first = line
            break
    counts = {sep: first.count(sep) for sep in _SEPARATORS}
    best = max(_SEPARATORS, key=lambda sep: counts[sep])
    return best if counts[best] else ","


def _read_csv(text, encoding, max_rows):
    delimiter = _sniff_delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    table = Table(header=[], kind="csv", encoding=encoding, delimiter=delimiter)
    start = 1
    try:
        for cells in reader:
            _add_row(table, start, cells, max_rows)
            start = reader.line_num + 1
    except csv.Error as error:
        raise TableFileError(
            "binary",
            f"Line {reader.line_num} cannot be read as CSV: {error}.",
            line=reader.line_num,
        ) from error
    return table


# ----------------------------------------------------------------------
# XLSX
# ----------------------------------------------------------------------


def _cell_text(value):
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        # A number typed in a cell: 358401234567 is read back as 358401234567.0
        return str(int(value))
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def _read_xlsx(data, max_rows):
    import openpyxl  # installed with Odoo; imported only when needed
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        workbook = openpyxl.load_workbook(
            io.BytesIO(data), read_only=True, data_only=True
        )
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError) as error:
        raise TableFileError(
            "xlsx", "The file is not a valid XLSX workbook: save it again as .xlsx."
        ) from error
    try:
        sheet = workbook.worksheets[0] if workbook.worksheets else None
        table = Table(header=[], kind="xlsx")
        if sheet is None:
            return table
        for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            _add_row(table, number, [_cell_text(v) for v in values], max_rows)
        return table
    except TableFileError:
        raise
    except (zipfile.BadZipFile, KeyError, ValueError, TypeError) as error:
        raise TableFileError(
            "xlsx", "The file is not a valid XLSX workbook: save it again as .xlsx."
        ) from error
    finally:
        workbook.close()


# ----------------------------------------------------------------------


def _add_row(table, number, cells, max_rows):
    cells = [cell.strip() for cell in cells]
    while cells and not cells[-1]:
        cells.pop()
    if not cells:
        return
    if not table.header:
        table.header = cells
        return
    if max_rows is not None and len(table.rows) >= max_rows:
        raise TableFileError(
            "too_many_rows",
            f"The file has more than {max_rows} lines: split it into smaller files.",
            max_rows=max_rows,
        )
    table.rows.append((number, cells))
