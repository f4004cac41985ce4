# Copyright 2026 sms_gateway authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Length, encoding and splitting of SMS texts, and GSM-7 transliteration.

* ``analyze(text)`` tells the encoding (GSM-7 or UCS-2), the units the text
  costs and the number of parts it is sent in.
* ``split(text)`` cuts the text into those parts.
* ``transliterate(text)`` turns a text into pure GSM-7 (or printable ASCII).

A GSM-7 part holds 160 septets alone and 153 in a concatenated message; the
extension-table characters (form feed ^ { } \\ [ ~ ] | €) cost two septets and
are never cut in the middle. A UCS-2 part holds 70 UTF-16 units alone and 67 in
a concatenated message; a character outside the BMP (an emoji) costs two units
and is never cut in the middle either. Parts are filled greedily: a part ends
one unit short when the next character would straddle its end.
"""

import functools
import itertools
import re
import unicodedata
from typing import NamedTuple

from unidecode import unidecode

from . import gsm7

GSM7 = "GSM-7"
UCS2 = "UCS-2"

_GSM7 = gsm7.GSM7_CHARS
_GSM7_CLASS = re.escape("".join(sorted(_GSM7)))
_NON_GSM7_RE = re.compile(f"[^{_GSM7_CLASS}]")
_EXT_RE = re.compile("[" + re.escape("".join(sorted(gsm7.EXTENSION_CHARS))) + "]")
_EXT_CHARS = tuple(sorted(gsm7.EXTENSION_CHARS))
_ASCII_GSM7_BYTES = "".join(char for char in _GSM7 if char.isascii()).encode()
_ASCII_EXT_BYTES = "".join(char for char in _EXT_CHARS if char.isascii()).encode()

# A unit map has one item per unit of the text; the first unit of every
# character that costs two units (an escape pair, a surrogate pair) is _MARK.
_MARK = "\x1b"
_BYTE_MARK = b"\x1b"
# High byte of a UTF-16 unit -> _BYTE_MARK for a high surrogate, else 0.
_HIGH_SURROGATE_MARKS = bytes(
    _BYTE_MARK[0] if 0xD8 <= byte <= 0xDB else 0 for byte in range(256)
)
_CAPACITIES = {
    GSM7: (gsm7.SINGLE_PART_SEPTETS, gsm7.MULTI_PART_SEPTETS),
    UCS2: (gsm7.SINGLE_PART_UCS2_UNITS, gsm7.MULTI_PART_UCS2_UNITS),
}


class SmsInfo(NamedTuple):
    """What a text costs as an SMS.

    ``units`` are septets for GSM-7 and UTF-16 code units for UCS-2;
    ``per_part`` is the capacity of one part (single or concatenated, as
    ``parts`` requires) and ``remaining`` the units still free in the last part.
    """

    encoding: str
    parts: int
    units: int
    non_gsm: tuple
    chars: int
    per_part: int
    remaining: int


def _check_text(text):
    if not isinstance(text, str):
        raise TypeError(f"SMS text must be a str, not {type(text).__name__}")


def _is_gsm7(text):
    """Return ``(is_gsm7, has_extension_chars)`` for ``text``."""
    if text.isascii():  # the common case, checked with byte deletions
        raw = text.encode("ascii")
        if raw.translate(None, _ASCII_GSM7_BYTES):
            return False, False
        return True, len(raw.translate(None, _ASCII_EXT_BYTES)) != len(raw)
    if _NON_GSM7_RE.search(text) is not None:
        return False, False
    return True, _EXT_RE.search(text) is not None


def _unit_map(text):
    """Return ``(encoding, unit_map, mark)`` of ``text``.

    For GSM-7 the map is the text with ESC before each extension character (one
    character per septet); for UCS-2 it holds one byte per UTF-16 unit, ``mark``
    for a high surrogate (a lone surrogate is one unit, like the '?' that
    replaces it here). A text that is its own map has no two-unit character.
    """
    is_gsm7, has_extension_chars = _is_gsm7(text)
    if is_gsm7:
        if has_extension_chars:
            for char in _EXT_CHARS:
                text = text.replace(char, _MARK + char)
        return GSM7, text, _MARK
    if text.isascii():
        return UCS2, text, _MARK
    high_bytes = text.encode("utf-16-le", "replace")[1::2]
    return UCS2, high_bytes.translate(_HIGH_SURROGATE_MARKS), _BYTE_MARK


def _unit_cuts(unit_map, mark, capacity):
    """Unit offsets where parts 2..n start, filling each part greedily."""
    units = len(unit_map)
    cuts = []
    start = 0
    while units - start > capacity:
        end = start + capacity
        if unit_map[end - 1 : end] == mark:  # a two-unit character straddles
            end -= 1
        cuts.append(end)
        start = end
    return cuts


def analyze(text):
    """Return the :class:`SmsInfo` of ``text`` (any str, '' included)."""
    _check_text(text)
    chars = len(text)
    if not chars:
        single = gsm7.SINGLE_PART_SEPTETS
        return SmsInfo(GSM7, 0, 0, (), 0, single, single)
    encoding, unit_map, mark = _unit_map(text)
    if encoding == GSM7:
        non_gsm = ()
    else:
        non_gsm = tuple([char for char in dict.fromkeys(text) if char not in _GSM7])
    single, multi = _CAPACITIES[encoding]
    units = len(unit_map)
    if units <= single:
        return SmsInfo(encoding, 1, units, non_gsm, chars, single, single - units)
    if units == chars:  # no two-unit character: nothing can straddle
        parts = -(-units // multi)
        remaining = parts * multi - units
    else:
        cuts = _unit_cuts(unit_map, mark, multi)
        parts = len(cuts) + 1
        remaining = multi - (units - cuts[-1])
    return SmsInfo(encoding, parts, units, non_gsm, chars, multi, remaining)


def one_septet_limit(parts):
    """The most characters a text of one-septet characters alone
    (``gsm7.BASIC_CHARS``: GSM-7, nothing can straddle a part boundary) may
    have to fit in ``parts`` parts; such a text of ``n`` characters takes 1
    part up to 160 characters, else ``ceil(n / 153)``."""
    if parts < 1:
        return 0
    if parts == 1:
        return gsm7.SINGLE_PART_SEPTETS
    return gsm7.MULTI_PART_SEPTETS * parts


def split(text):
    """Cut ``text`` into the texts of its parts (``[]`` for '')."""
    _check_text(text)
    if not text:
        return []
    encoding, unit_map, mark = _unit_map(text)
    single, multi = _CAPACITIES[encoding]
    units = len(unit_map)
    if units <= single:
        return [text]
    if units == len(text):
        return [text[start : start + multi] for start in range(0, units, multi)]
    # No cut falls inside a two-unit character, so the character index of a
    # cut is its unit offset less the two-unit characters before it.
    bounds = [0]
    previous = wide = 0
    for cut in _unit_cuts(unit_map, mark, multi):
        wide += unit_map.count(mark, previous, cut)
        bounds.append(cut - wide)
        previous = cut
    bounds.append(len(text))
    return [text[begin:end] for begin, end in itertools.pairwise(bounds)]


# Transliteration ------------------------------------------------------------

_QUOTES = dict.fromkeys("“”„‟«»〝〞〟＂″‶", '"')
_APOSTROPHES = dict.fromkeys("‘’‚‛′‵‹›`´ʹʻʼʽˊˋ＇", "'")
_DASHES = dict.fromkeys(
    "\u2010\u2011\u2012\u2013\u2014\u2015\u2043\u2212\ufe58\ufe63\uff0d", "-"
)
_SPACES = dict.fromkeys(
    "\t\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009"
    "\u200a\u202f\u205f\u3000",
    " ",
)
_INVISIBLE = dict.fromkeys("\u00ad\u180e\u200b\u200c\u200d\u2060\ufeff", "")
_LINE_BREAKS = dict.fromkeys("\v\x85\u2028\u2029", "\n")
_OTHERS = {
    "…": "...",
    "¼": "1/4",
    "½": "1/2",
    "¾": "3/4",
    "\u2044": "/",
    "ç": "c",
}
_REPLACEMENTS = {
    **_QUOTES,
    **_APOSTROPHES,
    **_DASHES,
    **_SPACES,
    **_INVISIBLE,
    **_LINE_BREAKS,
    **_OTHERS,
}
# Characters of the GSM-7 alphabet that are not printable ASCII, for
# ``keep_gsm=False``; the others come from unidecode.
_ASCII_OF_GSM7 = {
    "£": "GBP",
    "¥": "JPY",
    "¤": "",
    "§": "S",
    "¡": "",  # Spanish opening marks: '!Hola!' reads worse than 'Hola!'
    "¿": "",
    "\f": "\n",
    "\r": "\n",
}
_ASCII_CHARS = frozenset(map(chr, range(0x20, 0x7F))) - {"`"} | {"\n"}
_NON_ASCII_RE = re.compile(r"[^\n\x20-\x5f\x61-\x7e]")
_COMBINING_RE = re.compile(r"\w[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff]+")
# Control characters, lone surrogates, private use and unassigned code points.
_DROPPED_CATEGORIES = frozenset({"Cc", "Cs", "Co", "Cn"})


# Greek capitals that GSM-7 lacks, written with their Latin look-alikes: Greek
# SMS are written in capitals this way (the GSM-7 Greek capitals stay Greek).
_GREEK_LOOKALIKES = dict(zip("ΑΒΕΖΗΙΚΜΝΟΡΤΥΧ", "ABEZHIKMNOPTYX", strict=True))


def _gsm7_greek_capital(char):
    """A Greek letter as a GSM-7 capital (δ, ώ -> Δ, Ω; α, Η -> A, H), or None."""
    base = unicodedata.normalize("NFD", char)[0]
    if not unicodedata.name(base, "").startswith("GREEK"):
        return None
    capital = "Σ" if base == "ς" else base.upper()
    if capital in _GSM7:
        return capital
    return _GREEK_LOOKALIKES.get(capital)


@functools.lru_cache(maxsize=4096)
def _replacement(char, keep_gsm):
    """The text that replaces ``char`` in the target alphabet ('' to drop)."""
    allowed = _GSM7 if keep_gsm else _ASCII_CHARS
    if char in allowed:
        return char
    if not keep_gsm and char in _ASCII_OF_GSM7:
        return _ASCII_OF_GSM7[char]
    if char in _REPLACEMENTS:
        return _REPLACEMENTS[char]
    if unicodedata.category(char) in _DROPPED_CATEGORIES:
        return ""
    if keep_gsm and (capital := _gsm7_greek_capital(char)):
        return capital
    compatible = unicodedata.normalize("NFKC", char)
    if compatible != char:
        return "".join(_replacement(piece, keep_gsm) for piece in compatible)
    # unidecode is applied only to characters the target alphabet lacks: it
    # would turn ä into a and € into EUR.
    return "".join(
        piece if piece in allowed else _REPLACEMENTS.get(piece, "")
        for piece in unidecode(char)
    )


def transliterate(text, keep_gsm=True):
    """Return ``text`` rewritten in GSM-7, or in printable ASCII.

    With ``keep_gsm`` every GSM-7 character is kept as it is (ä ö å €...) and
    every other one becomes its closest GSM-7 equivalent or is dropped (emoji).
    Without it the result holds only printable ASCII other than '`' (so it is
    GSM-7 too) and newlines: ä becomes a, € EUR, CR LF and CR become LF.
    A letter followed by combining accents is composed first (a + U+0308 → ä).
    """
    _check_text(text)
    keep_gsm = bool(keep_gsm)
    if _COMBINING_RE.search(text):
        text = _COMBINING_RE.sub(lambda m: unicodedata.normalize("NFC", m[0]), text)
    if keep_gsm:
        pattern = _NON_GSM7_RE
    else:
        pattern = _NON_ASCII_RE
        text = text.replace("\r\n", "\n")
    return pattern.sub(lambda match: _replacement(match[0], keep_gsm), text)
