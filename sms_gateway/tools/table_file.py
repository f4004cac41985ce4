# Copyright 2026 sms_gateway authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Read a CSV or XLSX file people made into a header and rows of text.

``read_table(data, filename)`` accepts what spreadsheets and ERPs export:

- CSV in UTF-8 (with or without BOM) or UTF-16 (with BOM), else Windows-1252
  (Finnish, Swedish, German...), Windows-1250 (Polish, Czech...) or
  Windows-1251 (Russian...), told apart by the words each reading gives, or
  in the encoding the caller names; a file mixing encodings is refused with
  the line where it changes, never read as mojibake; comma, semicolon or tab
  separators, told apart by the header;
- XLSX (the first worksheet), read by a streaming parser of its own.

Anything else (an empty file, a PDF, an image, an old binary .xls, a damaged
XLSX) raises ``TableFileError`` whose ``code`` says why, so that the caller can
word a message in the user's language; ``str(error)`` is an English message.

The file comes from a user, so ``Limits`` bound what is *read*, not only what
was uploaded: the bytes an XLSX unpacks to (zip bombs: every part is read
through a counter, its declared size checked first), the rows counted with
the empty ones, the columns, the cells, the shared strings and their size,
the length of a line or cell, the nesting of the XML, and the wall-clock
time. An XLSX's declared ``<dimension>`` is never trusted nor used: only the
cells present are read, and no empty row or cell is ever materialized. XML
with a document type declaration (entities, "billion laughs") is refused.
"""

import codecs
import csv
import dataclasses
import io
import posixpath
import re
import time
import zipfile
import zlib
from dataclasses import dataclass, field
from xml.parsers import expat

# Letters each 8-bit encoding gives for the languages it is used for. A byte
# that is a letter of these languages in one reading and a symbol in the other
# (Polish 'ł' is '³' in Windows-1252) decides which reading is right.
_CP1250_LETTERS = set("ąćęłńóśźżĄĆĘŁŃÓŚŹŻčďěňřšťůžýáíéúČĎĚŇŘŠŤŮŽÝÁÍÉÚőűŐŰäöüÄÖÜß")
_CP1252_LETTERS = set("åäöÅÄÖøæØÆéèêëàâáíìîïóòôõúùûüýÿçñßÉÈÊËÀÂÁÍÌÎÏÓÒÔÕÚÙÛÜÝÇÑšžŠŽ")
_CP1251_LETTERS = {chr(c) for c in range(0x0410, 0x0450)} | set("ЁёЄєІіЇїЎўҐґ")
# Tried in this order when a file is not UTF-8; a tie reads as the first.
_LEGACY_ENCODINGS = ("cp1252", "cp1250", "cp1251")
_LETTERS = {
    "cp1252": _CP1252_LETTERS,
    "cp1250": _CP1250_LETTERS,
    "cp1251": _CP1251_LETTERS,
}
_SCRIPT = {"cp1252": "latin", "cp1250": "latin", "cp1251": "cyrillic"}
# Characters beyond ASCII that are usual in names, addresses and notes.
_PUNCTUATION = set("\u00a0«»–—‘’‚“”„…•€°§×№´")
_WORD = re.compile(r"[^\W\d_]+")
_ASCII = re.compile(r"[a-zA-Z]")
_UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
_SEPARATORS = (",", ";", "\t")
_SNIFF_BYTES = 65536
# Control characters other than tab, line feed and carriage return.
_CONTROL = {chr(c) for c in range(32) if c not in (9, 10, 13)} | {"\x7f"}
_CONTROL_BYTES = bytes(sorted(ord(char) for char in _CONTROL))

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

    Codes: ``empty``, ``binary``, ``xls``, ``xlsx``, ``encoding`` (``line``:
    the first line not read; ``encoding``: the one chosen, or empty),
    ``mixed_encoding`` (``line``: the first line not UTF-8, ``utf8_line``: a
    line that is), ``utf8_line`` (an 8-bit ``encoding`` chosen for a file
    whose ``line`` is UTF-8 with letters beyond ASCII),
    ``too_many_rows`` (data rows), ``too_many_sheet_rows`` (rows, empty ones
    included), ``too_many_columns``, ``too_many_cells``, ``too_large`` (what
    an XLSX unpacks to), ``too_many_strings``, ``cell_too_long``,
    ``line_too_long``, ``timeout``. ``params`` holds the values the message
    names.
    """

    def __init__(self, code, message, **params):
        super().__init__(message)
        self.code = code
        self.params = params


@dataclass(frozen=True)
class Limits:
    """What reading one file may cost at most (see the module docstring)."""

    max_rows: int | None = None  # data rows (header and empty rows excluded)
    max_sheet_rows: int = 300_000  # rows and lines, empty ones included
    max_columns: int = 100
    max_cells: int = 1_200_000  # cells kept, over all rows
    max_unzipped_mb: int = 128  # bytes read out of an XLSX, all parts together
    max_zip_entries: int = 2_000
    max_shared_strings: int = 1_200_000
    max_shared_chars: int = 16_000_000
    max_cell_chars: int = 32_767  # Excel's own limit
    max_line_chars: int = 65_536  # CSV, one physical line
    max_xml_depth: int = 64
    max_seconds: float = 8.0


class _Budget:
    """What reading one file has used so far."""

    def __init__(self, limits):
        self.limits = limits
        self.deadline = time.monotonic() + limits.max_seconds
        self.unzipped = 0
        self.cells = 0

    def check_time(self):
        if time.monotonic() > self.deadline:
            seconds = self.limits.max_seconds
            raise TableFileError(
                "timeout",
                f"Reading the file took more than {seconds:g} seconds: split it "
                "into smaller files or save it as CSV.",
                seconds=seconds,
            )

    def add_cells(self, count):
        self.cells += count
        if self.cells > self.limits.max_cells:
            raise TableFileError(
                "too_many_cells",
                f"The file has more than {self.limits.max_cells} cells: split it "
                "into smaller files.",
                max_cells=self.limits.max_cells,
            )


@dataclass
class Table:
    """A header and its rows; each row is (line number in the file, cells)."""

    header: list
    rows: list = field(default_factory=list)
    kind: str = "csv"  # 'csv' or 'xlsx'
    encoding: str = ""  # CSV only
    delimiter: str = ""  # CSV only


def read_table(data, filename="", max_rows=None, limits=None, encoding=None):
    """Return the ``Table`` of a CSV or XLSX file given as bytes.

    The header is the first non-empty row. Rows whose cells are all empty are
    left out. ``max_rows`` (data rows, header excluded) stops a file that is
    too long before it is read whole; ``limits`` bound the rest. ``encoding``
    (CSV only) is the encoding the user chose; without it, it is found out
    (see ``decode_text``).
    """
    if not isinstance(data, bytes):
        raise TypeError(f"data must be bytes, not {type(data).__name__}")
    limits = limits or Limits()
    if max_rows is not None:
        limits = dataclasses.replace(limits, max_rows=max_rows)
    budget = _Budget(limits)
    if not data.strip(b" \t\r\n\xef\xbb\xbf"):
        raise TableFileError("empty", "The file is empty.")
    lower_name = (filename or "").lower()
    if data.startswith(_ZIP_MAGIC) or lower_name.endswith((".xlsx", ".xlsm")):
        return _read_xlsx(data, budget)
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
    text, encoding = decode_text(data, encoding)
    return _read_csv(text, encoding, budget)


# ----------------------------------------------------------------------
# CSV
# ----------------------------------------------------------------------


def decode_text(data, encoding=None):
    """(text, encoding) of CSV bytes; raise TableFileError if not text.

    ``encoding`` (a codec name) reads the file with that encoding, strictly;
    an 8-bit encoding chosen for a file with a UTF-8 line (letters beyond
    ASCII) is refused, as reading it would garble that line.
    Without it the file is read as UTF-8 (with or without BOM) or UTF-16
    (with BOM); when it is not UTF-8, as the one of Windows-1252, -1250 or
    -1251 whose reading is plausible (words of one script, letters of the
    languages of the encoding). A file that mixes encodings (UTF-8 lines and
    lines that are not UTF-8), or whose encoding cannot be told, is refused
    with the number of its first line that is not UTF-8: it is never read
    as mojibake.
    """
    if encoding:
        try:
            encoding = codecs.lookup(encoding).name
        except LookupError:
            raise ValueError(f"unknown encoding {encoding!r}") from None
    if data.startswith(_UTF16_BOMS) and encoding in (None, "utf-16"):
        return _check_text(_decode_strict(data, "utf-16"), "utf-16", data)
    if b"\x00" in data[:_SNIFF_BYTES] or b"\x00" in data[-_SNIFF_BYTES:]:
        raise TableFileError("binary", "The file is binary, not a CSV file.")
    head = data[:_SNIFF_BYTES]
    if len(head) - len(head.translate(None, _CONTROL_BYTES)) > max(2, len(head) // 100):
        raise TableFileError("binary", "The file is binary, not a CSV file.")
    if encoding:
        codec = "utf-8-sig" if encoding == "utf-8" else encoding
        text = _decode_strict(data, codec)
        if encoding not in ("utf-8", "utf-16"):
            # an 8-bit encoding reads any byte: UTF-8 letters would come out
            # as mojibake ("Ã¤" for "ä"), so a UTF-8 line is refused instead
            utf8_line = _plausible_utf8_line(data)
            if utf8_line:
                raise TableFileError(
                    "utf8_line",
                    f"Line {utf8_line} is UTF-8: read as {encoding} its letters "
                    "would be garbled.",
                    line=utf8_line,
                    encoding=encoding,
                )
        return _check_text(text, encoding, data)
    try:
        return _check_text(data.decode("utf-8-sig"), "utf-8", data)
    except UnicodeDecodeError:
        bad_line = _first_bad_line(data, "utf-8")
    utf8_line = _plausible_utf8_line(data)
    if data.startswith(codecs.BOM_UTF8) or utf8_line:
        raise TableFileError(
            "mixed_encoding",
            f"Line {bad_line} is not UTF-8 while line {utf8_line or 1} is: the "
            "file mixes encodings.",
            line=bad_line,
            utf8_line=utf8_line or 1,
        )
    text, found = _decode_8bit(data, bad_line)
    return _check_text(text, found, data)


def _check_text(text, encoding, data):
    sample = text[:_SNIFF_BYTES]
    controls = sum(1 for char in sample if char in _CONTROL)
    if controls > max(2, len(sample) // 100):
        raise TableFileError("binary", "The file is binary, not a CSV file.")
    return text, encoding


def _line_of(data, offset):
    """1-based line number of the byte at ``offset``."""
    return data.count(b"\n", 0, offset) + 1


def _first_bad_line(data, encoding):
    """Number of the first line of ``data`` that ``encoding`` cannot read."""
    if encoding in ("utf-8", "utf-8-sig") and data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
        encoding = "utf-8"
    try:
        data.decode(encoding)
    except UnicodeDecodeError as error:
        return _line_of(data, error.start)
    return 0


def _decode_strict(data, encoding):
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as error:
        line = _first_bad_line(data, encoding) or 1
        name = "utf-8" if encoding == "utf-8-sig" else codecs.lookup(encoding).name
        raise TableFileError(
            "encoding",
            f"Line {line} cannot be read as {name}.",
            line=line,
            encoding=name,
        ) from error


def _plausible_utf8_line(data):
    """Number of the first line that is UTF-8 with letters beyond ASCII
    (evidence that the file was written as UTF-8), or 0."""
    for number, raw in enumerate(data.split(b"\n"), start=1):
        if raw.isascii():
            continue
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            continue
        if all(
            char < "\x80" or _is_script_letter(char) or char in _PUNCTUATION
            for char in text
        ):
            return number
    return 0


def _is_script_letter(char):
    """A letter of the Latin (with accents) or the Cyrillic script."""
    return char.isalpha() and (
        "\u00c0" <= char <= "\u024f" or "\u0400" <= char <= "\u045f"
    )


def _decode_8bit(data, bad_line):
    """Read bytes that are not UTF-8 as the 8-bit encoding whose reading is
    plausible; refuse when none is, or two readings are as plausible."""
    scores = {}
    for encoding in _LEGACY_ENCODINGS:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        scores[encoding] = (_plausibility(text, _LETTERS[encoding]), text)
    ranked = sorted(
        scores.items(),
        key=lambda item: (item[1][0], -_LEGACY_ENCODINGS.index(item[0])),
        reverse=True,
    )
    if ranked and ranked[0][1][0] > 0:
        best, (score, text) = ranked[0]
        rivals = [
            enc
            for enc, (other, other_text) in ranked[1:]
            if other == score and other_text != text and _SCRIPT[enc] != _SCRIPT[best]
        ]
        if not rivals:
            return text, best
    raise TableFileError(
        "encoding",
        f"Line {bad_line} is not UTF-8, and the encoding of the file cannot be "
        "told: save it as CSV UTF-8, or choose its encoding.",
        line=bad_line,
        encoding="",
    )


def _plausibility(text, letters):
    """How much ``text`` reads as words of the encoding's languages: each
    word with letters beyond ASCII counts 1 when they are letters of these
    languages, of one script; -2 or -3 when not; 0 for a Latin word of three
    letters or more without an ASCII letter (a Cyrillic word read as
    Windows-1252 is "Èâàí"). Each character beyond ASCII that is neither a
    letter nor usual punctuation counts -1."""
    score = 0
    cyrillic_letters = letters is _CP1251_LETTERS
    for word in _WORD.findall(text):
        if word.isascii():
            continue
        has_cyrillic = any("\u0400" <= char <= "\u04ff" for char in word)
        has_latin = any(char.isascii() or "\u00c0" <= char <= "\u024f" for char in word)
        if has_cyrillic and has_latin:
            score -= 3
        elif any(not char.isascii() and char not in letters for char in word):
            score -= 2
        elif not cyrillic_letters and len(word) > 2 and not _ASCII.search(word):
            continue  # no ASCII letter at all: a Cyrillic word read as Latin?
        else:
            score += 1
    for char in text:
        if char >= "\x80" and not char.isalpha() and char not in _PUNCTUATION:
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


def _csv_lines(text, budget):
    """The physical lines of ``text``, each bounded, for csv.reader."""
    limits = budget.limits
    for number, line in enumerate(io.StringIO(text, newline=""), start=1):
        if len(line) > limits.max_line_chars:
            raise TableFileError(
                "line_too_long",
                f"Line {number} is longer than {limits.max_line_chars} "
                "characters: is this a CSV file of contacts?",
                line=number,
                max_chars=limits.max_line_chars,
            )
        if number > limits.max_sheet_rows:
            raise _too_many_sheet_rows(limits)
        if not number % 4096:
            budget.check_time()
        yield line


def _read_csv(text, encoding, budget):
    delimiter = _sniff_delimiter(text)
    reader = csv.reader(_csv_lines(text, budget), delimiter=delimiter)
    table = Table(header=[], kind="csv", encoding=encoding, delimiter=delimiter)
    start = 1
    try:
        for cells in reader:
            _add_row(table, start, cells, budget)
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

_CHUNK = 65536
_EXCEL_MAX_ROW = 1_048_576
_MAX_STYLES = 65_536
# Date formats Excel does not write out in styles.xml (ids 14-22, 45-47).
_BUILTIN_DATE_FORMATS = set(range(14, 23)) | {45, 46, 47}
_WORKSHEET = "/worksheet"


class _Stop(Exception):
    """Raised by a handler that has read all it needs."""


def _invalid_xlsx(detail=""):
    message = "The file is not a valid XLSX workbook: save it again as .xlsx."
    return TableFileError("xlsx", f"{message} {detail}".strip(), detail=detail)


def _too_many_sheet_rows(limits):
    return TableFileError(
        "too_many_sheet_rows",
        f"The file has more than {limits.max_sheet_rows} rows, empty ones "
        "included: delete the empty rows below the data, or split the file.",
        max_rows=limits.max_sheet_rows,
    )


def _column_index(ref):
    """1-based column of a cell reference such as 'C12' (0 if none)."""
    column = 0
    for char in ref:
        if "A" <= char <= "Z":
            column = column * 26 + ord(char) - 64
        elif "a" <= char <= "z":
            column = column * 26 + ord(char) - 96
        else:
            break
        if column > 16384:  # past XFD, Excel's last column
            break
    return column


def _cell_text(value):
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        # A number typed in a cell: 358401234567 is read back as 358401234567.0
        return str(int(value))
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


class _Part:
    """Base of the SAX handlers of one XML part of the workbook.

    ``on_start``/``on_end`` get the local names of ``TAGS`` only; namespaces
    are not checked (Strict OOXML uses other URIs for the same elements).
    """

    TAGS = frozenset()
    _MAX_NAMES = 1000

    def __init__(self, reader):
        self.reader = reader
        self.depth = 0
        self.max_depth = reader.budget.limits.max_xml_depth
        self.names = {}  # expat name ('uri local'): local name in TAGS, or None

    def _tag(self, name):
        local = name.rpartition(" ")[2]
        local = local if local in self.TAGS else None
        if len(self.names) < self._MAX_NAMES:
            self.names[name] = local
        return local

    def start(self, name, attrs):
        self.depth += 1
        if self.depth > self.max_depth:
            raise _invalid_xlsx("Its XML is nested too deeply.")
        local = self.names.get(name, False)
        if local is False:
            local = self._tag(name)
        if local is not None:
            self.on_start(local, attrs)

    def end(self, name):
        self.depth -= 1
        local = self.names.get(name, False)
        if local is False:
            local = self._tag(name)
        if local is not None:
            self.on_end(local)

    def on_start(self, name, attrs):
        pass

    def on_end(self, name):
        pass

    def chars(self, text):
        pass


class _Relationships(_Part):
    TAGS = frozenset({"Relationship"})

    def __init__(self, reader):
        super().__init__(reader)
        self.targets = {}  # Id: (Type, Target)

    def on_start(self, name, attrs):
        if name == "Relationship" and len(self.targets) < 10_000:
            self.targets[attrs.get("Id", "")] = (
                attrs.get("Type", ""),
                attrs.get("Target", ""),
            )


class _Workbook(_Part):
    TAGS = frozenset({"sheet", "sheets", "workbookPr"})

    def __init__(self, reader):
        super().__init__(reader)
        self.sheet_ids = []  # relationship ids, in the workbook's order
        self.date1904 = False

    def on_start(self, name, attrs):
        if name == "sheet" and len(self.sheet_ids) < 10_000:
            rid = next(
                (v for k, v in attrs.items() if k.rpartition(" ")[2] == "id"), None
            )
            if rid:
                self.sheet_ids.append(rid)
        elif name == "workbookPr":
            self.date1904 = attrs.get("date1904", "") in ("1", "true")
        elif name == "sheets" and self.sheet_ids:
            raise _Stop


class _Styles(_Part):
    TAGS = frozenset({"numFmt", "cellXfs", "xf"})

    def __init__(self, reader):
        super().__init__(reader)
        self.formats = {}  # custom numFmtId: formatCode
        self.xf_formats = []  # numFmtId of each cell style, by index
        self.in_cell_xfs = False

    def on_start(self, name, attrs):
        if name == "numFmt" and len(self.formats) < _MAX_STYLES:
            self.formats[attrs.get("numFmtId", "")] = attrs.get("formatCode", "")
        elif name == "cellXfs":
            self.in_cell_xfs = True
        elif name == "xf" and self.in_cell_xfs:
            if len(self.xf_formats) >= _MAX_STYLES:
                raise _invalid_xlsx("It has too many cell styles.")
            self.xf_formats.append(attrs.get("numFmtId", "0"))

    def on_end(self, name):
        if name == "cellXfs":
            raise _Stop

    def date_styles(self):
        from openpyxl.styles.numbers import is_date_format

        dates = set()
        for index, fmt_id in enumerate(self.xf_formats):
            try:
                is_date = int(fmt_id) in _BUILTIN_DATE_FORMATS
            except ValueError:
                is_date = False
            code = self.formats.get(fmt_id)
            if code is not None:
                is_date = is_date_format(code)
            if is_date:
                dates.add(index)
        return dates


class _SharedStrings(_Part):
    TAGS = frozenset({"si", "t", "rPh"})

    def __init__(self, reader):
        super().__init__(reader)
        self.strings = []
        self.parts = None
        self.length = 0
        self.total = 0
        self.in_phonetic = False
        self.capture = False

    def on_start(self, name, attrs):
        if name == "si":
            limits = self.reader.budget.limits
            if len(self.strings) >= limits.max_shared_strings:
                raise TableFileError(
                    "too_many_strings",
                    f"The file has more than {limits.max_shared_strings} different "
                    "texts: split it into smaller files.",
                    max_strings=limits.max_shared_strings,
                    max_chars=limits.max_shared_chars,
                )
            self.parts, self.length = [], 0
        elif name == "rPh":
            self.in_phonetic = True
        elif name == "t" and self.parts is not None and not self.in_phonetic:
            self.capture = True

    def chars(self, text):
        if not self.capture:
            return
        limits = self.reader.budget.limits
        self.length += len(text)
        self.total += len(text)
        if self.length > limits.max_cell_chars:
            raise TableFileError(
                "cell_too_long",
                f"A cell has more than {limits.max_cell_chars} characters.",
                line=0,
                max_chars=limits.max_cell_chars,
            )
        if self.total > limits.max_shared_chars:
            raise TableFileError(
                "too_many_strings",
                f"The texts of the file are longer than {limits.max_shared_chars} "
                "characters together: split it into smaller files.",
                max_strings=limits.max_shared_strings,
                max_chars=limits.max_shared_chars,
            )
        self.parts.append(text)

    def on_end(self, name):
        if name == "t":
            self.capture = False
        elif name == "rPh":
            self.in_phonetic = False
        elif name == "si":
            self.strings.append("".join(self.parts))
            self.parts = None


class _Sheet(_Part):
    """Rows of a worksheet as they are in the file: no <dimension>, no
    padding, empty rows and cells only counted."""

    TAGS = frozenset({"sheetData", "row", "c", "v", "is", "t", "rPh"})

    def __init__(self, reader, table, shared, date_styles, date1904):
        super().__init__(reader)
        self.table = table
        self.shared = shared
        self.date_styles = date_styles
        self.date1904 = date1904
        self.limits = reader.budget.limits
        self.in_data = False
        self.rows_seen = 0
        self.cells_seen = 0
        self.max_cells_seen = self.limits.max_cells * 4
        self.row_number = 0
        self.row = None
        self.column = 0
        self.cell = None  # (column, type, style) of the open <c>
        self.parts = None
        self.length = 0
        self.in_inline = False
        self.in_phonetic = False
        self.capture = False

    def on_start(self, name, attrs):
        if name == "c":
            if self.row is not None:
                self._start_cell(attrs)
        elif name == "v" or (name == "t" and self.in_inline and not self.in_phonetic):
            self.capture = self.cell is not None
        elif name == "row":
            if self.in_data:
                self._start_row(attrs)
        elif name == "is":
            self.in_inline = self.cell is not None
        elif name == "rPh":
            self.in_phonetic = True
        elif name == "sheetData":
            self.in_data = True

    def _start_cell(self, attrs):
        self.cells_seen += 1
        if self.cells_seen > self.max_cells_seen:
            raise TableFileError(
                "too_many_cells",
                f"The file has more than {self.limits.max_cells} cells: split "
                "it into smaller files.",
                max_cells=self.limits.max_cells,
            )
        ref = attrs.get("r")
        self.column = _column_index(ref) if ref else self.column + 1
        self.cell = (self.column, attrs.get("t", "n"), attrs.get("s", "0"))
        self.parts, self.length = [], 0

    def _start_row(self, attrs):
        self.rows_seen += 1
        ref = attrs.get("r")
        try:
            number = int(ref) if ref else self.row_number + 1
        except ValueError:
            raise _invalid_xlsx(f"A row number is not valid ({ref[:20]!r}).") from None
        if number < 1 or number > _EXCEL_MAX_ROW:
            raise _invalid_xlsx(f"A row number is not valid ({number}).")
        if number > self.limits.max_sheet_rows or (
            self.rows_seen > self.limits.max_sheet_rows
        ):
            raise _too_many_sheet_rows(self.limits)
        if not self.rows_seen % 1024:
            self.reader.budget.check_time()
        self.row_number = number
        self.row = {}
        self.column = 0

    def chars(self, text):
        if not self.capture:
            return
        self.length += len(text)
        if self.length > self.limits.max_cell_chars:
            raise TableFileError(
                "cell_too_long",
                f"A cell of line {self.row_number} has more than "
                f"{self.limits.max_cell_chars} characters.",
                line=self.row_number,
                max_chars=self.limits.max_cell_chars,
            )
        self.parts.append(text)

    def on_end(self, name):
        if name == "v" or name == "t":
            # the text kept: of <v>, or of <is><t> outside phonetic runs (not
            # the formula of <f>: the value computed last is read, as Excel
            # shows it)
            self.capture = False
        elif name == "c":
            if self.cell is not None:
                self._end_cell()
        elif name == "row":
            if self.row is not None:
                row, width = self.row, max(self.row, default=0)
                cells = [row.get(column, "") for column in range(1, width + 1)]
                _add_row(self.table, self.row_number, cells, self.reader.budget)
                self.row = None
        elif name == "rPh":
            self.in_phonetic = False
        elif name == "is":
            self.in_inline = False
        elif name == "sheetData":
            raise _Stop

    def _end_cell(self):
        column, kind, style = self.cell
        text = "".join(self.parts)
        self.cell, self.parts = None, None
        self.in_inline = self.in_phonetic = self.capture = False
        value = self._value(kind, style, text)
        if not value.strip():
            return
        if column < 1 or column > self.limits.max_columns:
            raise TableFileError(
                "too_many_columns",
                f"Line {self.row_number} has a value beyond column "
                f"{self.limits.max_columns}: only the first "
                f"{self.limits.max_columns} columns are read.",
                line=self.row_number,
                max_columns=self.limits.max_columns,
            )
        self.row[column] = value

    def _value(self, kind, style, text):
        if kind == "s":
            try:
                return self.shared[int(text)]
            except (ValueError, IndexError):
                raise _invalid_xlsx("A cell refers to a missing text.") from None
        if kind in ("inlineStr", "str", "e", "d"):
            return text
        if kind == "b":
            return "True" if text.strip() in ("1", "true") else "False"
        if not text:
            return ""
        try:
            number = float(text) if any(c in text for c in ".eE") else int(text)
        except ValueError:
            raise _invalid_xlsx("A number cell is not a number.") from None
        try:
            is_date = int(style) in self.date_styles
        except ValueError:
            is_date = False
        if is_date:
            from openpyxl.utils.datetime import (
                CALENDAR_MAC_1904,
                CALENDAR_WINDOWS_1900,
                from_excel,
            )

            epoch = CALENDAR_MAC_1904 if self.date1904 else CALENDAR_WINDOWS_1900
            try:
                return _cell_text(from_excel(number, epoch))
            except (OverflowError, ValueError, TypeError):
                return _cell_text(number)
        return _cell_text(number)


class _XlsxReader:
    def __init__(self, archive, budget):
        self.archive = archive
        self.budget = budget
        self.members = {info.filename.lower(): info for info in archive.infolist()}

    def _find(self, name):
        return self.members.get(name.lstrip("/").lower())

    def parse(self, name, handler):
        """Feed the part ``name`` to ``handler``; False if there is no such
        part. Every byte read out of the archive is counted."""
        info = self._find(name)
        if info is None:
            return False
        limits = self.budget.limits
        max_bytes = limits.max_unzipped_mb * 1024 * 1024
        if info.file_size > max_bytes - self.budget.unzipped:
            raise _too_large(limits)
        parser = expat.ParserCreate(namespace_separator=" ")
        parser.buffer_text = True
        parser.StartElementHandler = handler.start
        parser.EndElementHandler = handler.end
        parser.CharacterDataHandler = handler.chars
        parser.StartDoctypeDeclHandler = _forbid_dtd
        parser.EntityDeclHandler = _forbid_dtd
        parser.ExternalEntityRefHandler = _forbid_dtd
        try:
            with self.archive.open(info) as stream:
                while chunk := stream.read(_CHUNK):
                    self.budget.unzipped += len(chunk)
                    if self.budget.unzipped > max_bytes:
                        raise _too_large(limits)
                    self.budget.check_time()
                    parser.Parse(chunk, False)
                parser.Parse(b"", True)
        except _Stop:
            return True  # the handler has read all it needs
        except expat.ExpatError as error:
            raise _invalid_xlsx(
                f"Its part {info.filename} is not valid XML."
            ) from error
        except (
            zipfile.BadZipFile,
            zlib.error,
            EOFError,
            NotImplementedError,
            RuntimeError,
        ) as error:
            raise _invalid_xlsx() from error
        return True

    def relationships(self, part):
        folder, base = posixpath.split(part.lstrip("/"))
        handler = _Relationships(self)
        self.parse(posixpath.join(folder, "_rels", base + ".rels"), handler)
        return {
            rid: (kind, _resolve(folder, target))
            for rid, (kind, target) in handler.targets.items()
        }

    def first_sheet(self):
        root = self.relationships("")
        workbook_part = next(
            (t for k, t in root.values() if k.endswith("/officeDocument")),
            "xl/workbook.xml",
        )
        workbook = _Workbook(self)
        if not self.parse(workbook_part, workbook):
            raise _invalid_xlsx("It has no workbook part.")
        rels = self.relationships(workbook_part)
        table = Table(header=[], kind="xlsx")
        sheet_part = next(
            (
                rels[rid][1]
                for rid in workbook.sheet_ids
                if rid in rels and rels[rid][0].endswith(_WORKSHEET)
            ),
            None,
        )
        if sheet_part is None:
            return table
        styles = _Styles(self)
        strings = _SharedStrings(self)
        for kind, target in rels.values():
            if kind.endswith("/styles"):
                self.parse(target, styles)
            elif kind.endswith("/sharedStrings"):
                self.parse(target, strings)
        sheet = _Sheet(
            self, table, strings.strings, styles.date_styles(), workbook.date1904
        )
        if not self.parse(sheet_part, sheet):
            raise _invalid_xlsx("Its first sheet is missing.")
        return table


def _resolve(folder, target):
    if target.startswith("/"):
        return target.lstrip("/")
    return posixpath.normpath(posixpath.join(folder, target))


def _forbid_dtd(*_args):
    raise _invalid_xlsx(
        "It declares a document type or entities, which XLSX never does."
    )


def _too_large(limits):
    return TableFileError(
        "too_large",
        f"The workbook unpacks to more than {limits.max_unzipped_mb} MB: split it "
        "into smaller files or save it as CSV.",
        max_mb=limits.max_unzipped_mb,
    )


def _zip_entry_count(data):
    """Entries the zip's end record declares (None if it has none)."""
    end = data.rfind(b"PK\x05\x06", max(0, len(data) - 65557))
    if end < 0 or end + 22 > len(data):
        return None
    return int.from_bytes(data[end + 10 : end + 12], "little")


def _read_xlsx(data, budget):
    limits = budget.limits
    count = _zip_entry_count(data)
    if count is not None and count > limits.max_zip_entries:
        raise _too_large(limits)
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as error:
        raise _invalid_xlsx() from error
    with archive:
        if len(archive.infolist()) > limits.max_zip_entries:
            raise _too_large(limits)
        return _XlsxReader(archive, budget).first_sheet()


# ----------------------------------------------------------------------


def _add_row(table, number, cells, budget):
    limits = budget.limits
    cells = [cell.strip() for cell in cells]
    while cells and not cells[-1]:
        cells.pop()
    if not cells:
        return
    if len(cells) > limits.max_columns:
        raise TableFileError(
            "too_many_columns",
            f"Line {number} has more than {limits.max_columns} cells: only the "
            f"first {limits.max_columns} columns are read.",
            line=number,
            max_columns=limits.max_columns,
        )
    budget.add_cells(len(cells))
    if not table.header:
        table.header = cells
        return
    if limits.max_rows is not None and len(table.rows) >= limits.max_rows:
        raise TableFileError(
            "too_many_rows",
            f"The file has more than {limits.max_rows} lines: split it into "
            "smaller files.",
            max_rows=limits.max_rows,
        )
    table.rows.append((number, cells))
