# Copyright 2026 sms_gateway authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""A personalised text as its template and its values.

A mailing's body ``Hei {{ object.name }}, tervetuloa!`` is a *template*: the
literal pieces ``("Hei ", ", tervetuloa!")`` with a gap between each two.
Every rendered text of that body is the literals with a value in each gap.
Providers with a personalisation API (SMSAPI's ``param1``..``param4``) take
the template once and the values of each recipient, so one request carries
many different texts.

``split(literals, text)`` finds those values in a stored text, or answers
None. Its one rule: the literals and the values it returns rebuild ``text``
exactly, character for character (``join``), so a text sent through the
template is the text stored, whatever the placeholder rendered (a literal
inside a name, an emoji, a transliterated character). When the text is not
the template's (the body was edited after queueing, transliteration merged a
character across a boundary), it answers None and the caller sends the text
as it is.

Pure Python, never imports odoo: the literals come from
``odoo.tools.rendering_tools.parse_inline_template`` through ``literals()``.
"""


def literals(parsed, finish=None):
    """The literal pieces of a parsed inline template (a tuple), or None when
    it has no placeholder (a constant text needs no template).

    ``parsed``: the ``[(literal, expression, default)]`` list of
    ``parse_inline_template`` (which leaves out an empty last literal; the
    result has it: one literal more than gaps). ``finish``: a function
    applied to each literal first, as the text is finished before it is
    stored (transliteration); gaps it leaves with nothing between are merged.
    """
    pieces = []
    current = ""
    for literal, expression, _default in parsed:
        current += literal
        if expression:
            pieces.append(current)
            current = ""
    if not pieces:
        return None
    pieces.append(current)
    if finish is not None:
        pieces = [finish(piece) for piece in pieces]
    return merge_adjacent(pieces)


def merge_adjacent(pieces):
    """Merge gaps with nothing between them (``{{ a }}{{ b }}``): their values
    cannot be told apart, their joined value can. Returns a tuple."""
    pieces = list(pieces)
    if not pieces:
        return ()
    merged = [pieces[0]]
    for piece in pieces[1:-1]:
        if piece:
            merged.append(piece)
    if len(pieces) > 1:
        merged.append(pieces[-1])
    return tuple(merged)


def join(pieces, values):
    """The text ``pieces`` and ``values`` make (one value per gap)."""
    if len(values) != len(pieces) - 1:
        raise ValueError("one value per gap expected")
    out = [pieces[0]]
    for value, piece in zip(values, pieces[1:], strict=True):
        out.append(value)
        out.append(piece)
    return "".join(out)


def split(pieces, text):
    """The values of the gaps that make ``text`` from ``pieces``, or None.

    ``pieces``: the literals (at least two: one gap or more). The values are
    found left to right, each literal at its first place after the previous
    one; when any decomposition exists this finds one (a literal is matched
    as early as possible, which leaves the most room for the rest), and the
    result is checked by rebuilding the text.
    """
    pieces = tuple(pieces or ())
    if len(pieces) < 2 or not isinstance(text, str):
        return None
    first, last = pieces[0], pieces[-1]
    if len(text) < len(first) + len(last):
        return None
    if not text.startswith(first) or not text.endswith(last):
        return None
    end = len(text) - len(last)
    position = len(first)
    values = []
    for piece in pieces[1:-1]:
        found = text.find(piece, position, end) if piece else position
        if found < 0:
            return None
        values.append(text[position:found])
        position = found + len(piece)
    values.append(text[position:end])
    if join(pieces, values) != text:
        return None
    return values
