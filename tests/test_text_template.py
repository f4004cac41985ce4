# Copyright 2026 sms_gateway authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""A personalised text as its template's literals and its values."""

import random
import re

import pytest

from sms_gateway.tools.sms_text import transliterate
from sms_gateway.tools.text_template import join, literals, merge_adjacent, split


def parse(body):
    """What ``odoo.tools.rendering_tools.parse_inline_template`` answers for
    these bodies (written out: these tests run without Odoo)."""
    return {
        "Hei {{ object.name }}, tervetuloa!": [
            ("Hei ", "object.name", ""),
            (", tervetuloa!", "", ""),
        ],
        "Hei {{ object.name }}": [("Hei ", "object.name", "")],
        "{{ object.name }}{{ object.city }} ok": [
            ("", "object.name", ""),
            ("", "object.city", ""),
            (" ok", "", ""),
        ],
        "Same text": [("Same text", "", "")],
        "Hi {{ object.name ||| friend }} 😀 {{ object.city }}!": [
            ("Hi ", "object.name", "friend"),
            (" 😀 ", "object.city", ""),
            ("!", "", ""),
        ],
    }[body]


def test_literals_of_a_body():
    assert literals(parse("Hei {{ object.name }}, tervetuloa!")) == (
        "Hei ",
        ", tervetuloa!",
    )
    # A placeholder at the end: the last literal is empty.
    assert literals(parse("Hei {{ object.name }}")) == ("Hei ", "")


def test_constant_text_has_no_template():
    assert literals(parse("Same text")) is None
    assert literals([]) is None


def test_adjacent_placeholders_are_one_gap():
    assert literals(parse("{{ object.name }}{{ object.city }} ok")) == ("", " ok")
    assert merge_adjacent(["a", "", "", "b"]) == ("a", "b")
    assert merge_adjacent(["", ""]) == ("", "")


def test_literals_are_finished_like_the_text():
    body = "Hi {{ object.name ||| friend }} 😀 {{ object.city }}!"
    assert literals(parse(body)) == ("Hi ", " 😀 ", "!")
    # GSM-7 drops the emoji: the literal between the gaps is two spaces.
    gsm = literals(parse(body), lambda text: transliterate(text, keep_gsm=True))
    assert gsm == ("Hi ", "  ", "!")


@pytest.mark.parametrize(
    "pieces, text, values",
    [
        (("Hei ", ", tervetuloa!"), "Hei Aino, tervetuloa!", ["Aino"]),
        # The literal inside a value: still the exact text.
        (("Hei ", ", tervetuloa!"), "Hei Aino, tervetuloa!, tervetuloa!", None),
        (
            ("Hei ", ", tervetuloa!"),
            "Hei Smith, tervetuloa, John, tervetuloa!",
            ["Smith, tervetuloa, John"],
        ),
        (("Hei ", " ja ", "!"), "Hei Anna ja Pekka ja Liisa!", None),
        (("", ""), "anything at all", ["anything at all"]),
        (("Hi ", "!"), "Hi !", [""]),
        (("Hi ", "!"), "Hi 😀 Zoë|[%1%]!", ["😀 Zoë|[%1%]"]),
    ],
)
def test_split_rebuilds_the_text(pieces, text, values):
    found = split(pieces, text)
    assert join(pieces, found) == text
    if values is not None:
        assert found == values


@pytest.mark.parametrize(
    "pieces, text",
    [
        (("Hei ", ", tervetuloa!"), "Hello Aino, tervetuloa!"),  # body edited
        (("Hei ", ", tervetuloa!"), "Hei Aino, welcome!"),
        (("ab", "ba"), "aba"),  # the first and last literal would overlap
        (("Hei ", " ja ", "!"), "Hei Anna ja!"),  # a literal missing
        (("Hei ",), "Hei"),  # no gap
        ((), "text"),
        (("Hi ", "!"), None),
    ],
)
def test_split_refuses_a_text_not_of_the_template(pieces, text):
    assert split(pieces, text) is None


def test_split_never_answers_a_wrong_decomposition():
    """Random templates over a tiny alphabet (literals met inside values
    again and again): every text built from the template splits, every
    answer rebuilds its text exactly, and a random text splits exactly when
    a regular expression says it can."""
    rng = random.Random(1234)
    alphabet = "ab, "
    for _ in range(3000):
        gaps = rng.randint(1, 4)
        pieces = merge_adjacent(
            [
                "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 3)))
                for _ in range(gaps + 1)
            ]
        )
        values = [
            "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 5)))
            for _ in range(len(pieces) - 1)
        ]
        text = join(pieces, values)
        found = split(pieces, text)
        assert found is not None, (pieces, text)
        assert join(pieces, found) == text
        other = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 12)))
        found = split(pieces, other)
        # The obvious oracle: a regular expression with a group per gap.
        pattern = "(.*)".join(re.escape(piece) for piece in pieces)
        assert (found is None) == (re.fullmatch(pattern, other, re.DOTALL) is None)
        if found is not None:
            assert join(pieces, found) == other


def test_join_needs_one_value_per_gap():
    with pytest.raises(ValueError):
        join(("a", "b"), [])
