# Copyright 2026 sms_gateway authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Keywords of SMS replies (STOP, START, HELP): pure Python, no odoo.

A reply is a keyword when the whole reply, trimmed, case-folded and
accent-folded, is the keyword folded the same way: " Stop " and "STOP." are
STOP, "LOPETA" and "lopeta" are the same word, "stop sending" is no
keyword. ``fold`` makes the comparison key; ``DEFAULT_KEYWORDS`` are the
words a new database knows, by language.
"""

import re
import unicodedata

ACTIONS = ("stop", "start", "help")
# Around a keyword: spaces, and the punctuation people put after one word.
_AROUND = " \t\r\n.,;:!?¡¿\"'()[]«»„“”‘’-–—"
_SPACES = re.compile(r"\s+")
# Longest reply compared (a keyword is one or two words).
MAX_KEYWORD_LENGTH = 40

# (word, action, language code): the defaults of a new database.
DEFAULT_KEYWORDS = (
    ("STOP", "stop", "en"),
    ("STOPP", "stop", "sv"),
    ("SLUTA", "stop", "sv"),
    ("LOPETA", "stop", "fi"),
    ("СТОП", "stop", "ru"),
    ("ОТПИСКА", "stop", "ru"),
    ("NIE", "stop", "pl"),
    ("KONIEC", "stop", "pl"),
    ("START", "start", "en"),
    ("ALOITA", "start", "fi"),
    ("STARTA", "start", "sv"),
    ("СТАРТ", "start", "ru"),
    ("HELP", "help", "en"),
    ("APUA", "help", "fi"),
    ("HJÄLP", "help", "sv"),
    ("POMOC", "help", "pl"),
    ("ПОМОЩЬ", "help", "ru"),
)


def fold(text):
    """The comparison key of a reply or keyword: trimmed (spaces and
    punctuation around it), inner spaces made one, case-folded, accents
    removed; "" for a text longer than any keyword."""
    text = str(text or "").strip(_AROUND)
    if not text or len(text) > MAX_KEYWORD_LENGTH:
        return ""
    text = _SPACES.sub(" ", text).casefold()
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def match(text, keywords):
    """The action of ``text`` among ``keywords`` ({folded word: action}), or
    None."""
    key = fold(text)
    return keywords.get(key) if key else None
