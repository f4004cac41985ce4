# Copyright 2026 sms_gateway authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""GSM-7 tables, ``analyze()`` and ``split()`` of the SMS engine."""

import json
import random
from pathlib import Path

import pytest
import smsutil

from sms_gateway.tools import gsm7
from sms_gateway.tools.sms_text import GSM7, UCS2, analyze, one_septet_limit, split

REFERENCE_TABLE = (
    Path(__file__).resolve().parent.parent.parent
    / "shared"
    / "reference"
    / "gsm7_table.json"
)
EXTENSION_CHARS = sorted(gsm7.EXTENSION_CHARS)
BASIC_NON_ASCII = "£¥èéùìòÇØøÅåΔΦΓΛΩΠΨΣΘΞÆæßÉ¤¡ÄÖÑÜ§¿äöñüà"


def reference_split(text):
    """Character-by-character greedy split, obviously right and slow."""
    is_gsm7 = all(char in gsm7.GSM7_CHARS for char in text)
    if is_gsm7:
        single, multi = 160, 153
    else:
        single, multi = 70, 67

    def cost(char):
        if is_gsm7:
            return 2 if char in gsm7.EXTENSION_CHARS else 1
        return 2 if ord(char) > 0xFFFF else 1

    if sum(map(cost, text)) <= single:
        return [text] if text else []
    parts, current, used = [], "", 0
    for char in text:
        if used + cost(char) > multi:
            parts.append(current)
            current, used = "", 0
        current += char
        used += cost(char)
    parts.append(current)
    return parts


def units_of(text, encoding):
    if encoding == GSM7:
        return len(text) + sum(char in gsm7.EXTENSION_CHARS for char in text)
    return len(text) + sum(ord(char) > 0xFFFF for char in text)


def check_invariants(text):
    info = analyze(text)
    parts = split(text)
    assert "".join(parts) == text
    assert len(parts) == info.parts
    assert info.units == units_of(text, info.encoding)
    assert info.chars == len(text)
    capacity = info.per_part
    assert all(units_of(part, info.encoding) <= capacity for part in parts)
    assert all(part for part in parts)
    assert not any("\udc00" <= part[0] <= "\udfff" for part in parts)
    if parts:
        last = units_of(parts[-1], info.encoding)
        assert info.remaining == capacity - last
    assert parts == reference_split(text)
    return info, parts


# GSM 03.38 tables ------------------------------------------------------------


def test_tables_have_the_spec_sizes():
    assert len(gsm7.BASIC_TABLE) == 128
    assert gsm7.BASIC_TABLE[gsm7.ESCAPE_CODE] == "\x1b"
    assert "\x1b" not in gsm7.GSM7_CHARS
    assert len(gsm7.BASIC_CHARS) == 127
    assert len(gsm7.EXTENSION_CHARS) == 10
    assert gsm7.EXTENSION_CHARS == set("\f^{}\\[~]|€")
    assert not gsm7.BASIC_CHARS & gsm7.EXTENSION_CHARS


def test_capital_c_cedilla_is_gsm7_small_is_not():
    assert gsm7.BASIC_TABLE[0x09] == "Ç"
    assert "Ç" in gsm7.GSM7_CHARS
    assert "ç" not in gsm7.GSM7_CHARS


def test_tables_match_the_shared_reference():
    if not REFERENCE_TABLE.exists():
        pytest.skip(f"{REFERENCE_TABLE} is not on this machine")
    reference = json.loads(REFERENCE_TABLE.read_text(encoding="utf-8"))

    def char(code_point):
        return chr(int(code_point.removeprefix("U+"), 16))

    basic = {int(code, 16): char(point) for code, point in reference["basic"].items()}
    assert basic == dict(enumerate(gsm7.BASIC_TABLE))
    ext = {
        int(code, 16) & 0x7F: char(point) for code, point in reference["ext"].items()
    }
    assert ext == gsm7.EXTENSION_TABLE


# analyze() and split(): sizes and boundaries ----------------------------------


def test_empty_text():
    info = analyze("")
    assert (info.encoding, info.parts, info.units, info.non_gsm) == (GSM7, 0, 0, ())
    assert (info.chars, info.per_part, info.remaining) == (0, 160, 160)
    assert split("") == []


@pytest.mark.parametrize(
    ("length", "parts", "per_part", "remaining"),
    [
        (1, 1, 160, 159),
        (159, 1, 160, 1),
        (160, 1, 160, 0),
        (161, 2, 153, 145),
        (306, 2, 153, 0),
        (307, 3, 153, 152),
        (459, 3, 153, 0),
        (460, 4, 153, 152),
    ],
)
def test_gsm7_part_boundaries(length, parts, per_part, remaining):
    text = "a" * length
    info, pieces = check_invariants(text)
    assert (info.encoding, info.units) == (GSM7, length)
    assert (info.parts, info.per_part, info.remaining) == (parts, per_part, remaining)
    if parts > 1:
        assert [len(piece) for piece in pieces[:-1]] == [153] * (parts - 1)


@pytest.mark.parametrize(
    ("length", "parts", "per_part", "remaining"),
    [
        (1, 1, 70, 69),
        (69, 1, 70, 1),
        (70, 1, 70, 0),
        (71, 2, 67, 63),
        (134, 2, 67, 0),
        (135, 3, 67, 66),
        (201, 3, 67, 0),
        (202, 4, 67, 66),
    ],
)
def test_ucs2_part_boundaries(length, parts, per_part, remaining):
    text = "ж" * length
    info, pieces = check_invariants(text)
    assert (info.encoding, info.units, info.non_gsm) == (UCS2, length, ("ж",))
    assert (info.parts, info.per_part, info.remaining) == (parts, per_part, remaining)
    if parts > 1:
        assert [len(piece) for piece in pieces[:-1]] == [67] * (parts - 1)


@pytest.mark.parametrize("char", EXTENSION_CHARS)
def test_each_extension_char_costs_two_septets(char):
    assert analyze(char).units == 2
    assert analyze("a" * 158 + char).parts == 1
    info = analyze("a" * 159 + char)
    assert (info.units, info.parts) == (161, 2)
    assert analyze(char * 80).parts == 1
    assert analyze(char * 81).parts == 2


@pytest.mark.parametrize("char", sorted(gsm7.BASIC_CHARS))
def test_each_basic_char_costs_one_septet(char):
    info = analyze(char * 160)
    assert (info.encoding, info.units, info.parts) == (GSM7, 160, 1)


def test_newline_and_carriage_return_cost_one_septet():
    assert analyze("a\nb").units == 3
    assert analyze("a\r\nb").units == 4
    assert analyze("\n" * 160).parts == 1


def test_extension_pair_is_never_split():
    text = "a" * 152 + "€" + "a" * 152
    info, parts = check_invariants(text)
    assert (info.units, info.parts) == (306, 3)
    assert parts == ["a" * 152, "€" + "a" * 151, "a"]
    assert info.remaining == 152


@pytest.mark.parametrize("char", ["€", "[", "\f"])
def test_extension_pair_at_every_position(char):
    """The two-septet char at each index of a 3-part text: never split."""
    for index in range(330):
        text = "x" * index + char + "y" * (330 - index)
        _info, parts = check_invariants(text)
        if index < 152:  # inside part 1: 151 single septets fill it
            assert len(parts[0]) == 152
        elif index == 152:  # would take septets 153 and 154: moves on
            assert parts[0] == "x" * 152 and parts[1].startswith(char)
        else:
            assert len(parts[0]) == 153


def test_surrogate_pair_is_never_split():
    text = "a" * 66 + "😀" + "a" * 10
    info, parts = check_invariants(text)
    assert (info.encoding, info.units, info.parts) == (UCS2, 78, 2)
    assert parts == ["a" * 66, "😀" + "a" * 10]


def test_surrogate_pair_at_every_position():
    for index in range(210):
        text = "ж" * index + "🎉" + "ж" * (210 - index)
        info, parts = check_invariants(text)
        assert info.units == 212
        assert sum("🎉" in part for part in parts) == 1


def test_emoji_costs_two_units():
    info = analyze("😀")
    assert (info.encoding, info.units, info.chars, info.non_gsm) == (
        UCS2,
        2,
        1,
        ("😀",),
    )
    assert analyze("😀" * 35).parts == 1
    assert analyze("😀" * 36).parts == 2
    assert analyze("😀" * 67).parts == 3  # 33 emoji fill 66 of 67 units


def test_c_cedilla():
    assert analyze("Ça va").encoding == GSM7
    info = analyze("ça va")
    assert (info.encoding, info.non_gsm) == (UCS2, ("ç",))


def test_non_gsm_lists_distinct_chars_in_order_of_first_appearance():
    info = analyze("Zażółć gęślą jaźń, zażółć")
    assert info.non_gsm == ("ż", "ó", "ł", "ć", "ę", "ś", "ą", "ź", "ń")
    assert analyze("tab\there `x` ç").non_gsm == ("\t", "`", "ç")


def test_lone_surrogates_count_one_unit_and_force_ucs2():
    for char in ("\ud800", "\udbff", "\udc00", "\udfff"):
        info = analyze(char)
        assert (info.encoding, info.units, info.parts, info.non_gsm) == (
            UCS2,
            1,
            1,
            (char,),
        )
        assert split(char) == [char]
    text = "a\ud83d\ude00b" * 30  # code points, not a pair: 4 units each
    info, _parts = check_invariants(text)
    assert (info.units, info.parts) == (120, 2)


def test_control_chars_force_ucs2():
    for char in ("\t", "\x00", "\x1b", "\x7f", "`"):
        assert analyze("abc" + char).encoding == UCS2


def test_result_is_immutable():
    info = analyze("hello")
    with pytest.raises(AttributeError):
        info.parts = 3


@pytest.mark.parametrize("function", [analyze, split])
@pytest.mark.parametrize("value", [None, b"bytes", 42, ["a"]])
def test_non_str_raises_type_error(function, value):
    with pytest.raises(TypeError, match="must be a str"):
        function(value)


LANGUAGES = [
    ("finnish", "Hyvää päivää! Tilauksesi on noudettavissa. Kiitos.", GSM7, ()),
    ("swedish", "Hej! Din beställning är klar att hämtas. Tack så mycket.", GSM7, ()),
    ("norwegian", "Hei! Bestillingen din er klar. Ha en fin dag på øya.", GSM7, ()),
    ("danish", "Hej! Din ordre er klar. Æbler og ærter til kr. 20.", GSM7, ()),
    ("german", "Ihre Bestellung ist abholbereit. Grüße, Straße 5.", GSM7, ()),
    ("french", "Votre commande est prête. À bientôt, ça va?", UCS2, tuple("êÀôç")),
    ("french_gsm", "Votre commande est arrivée. Merci et à très vite!", GSM7, ()),
    ("spanish", "Su pedido está listo. ¡Gracias, señor!", UCS2, ("á",)),
    ("spanish_gsm", "¿Señor Muñoz? ¡Gracias!", GSM7, ()),
    ("polish", "Zamówienie gotowe do odbioru.", UCS2, ("ó",)),
    ("russian", "Ваш заказ готов", UCS2, tuple("Вашзкготв")),
    ("greek_capitals", "ΔΦΓΛΩΠΨΣΘΞ", GSM7, ()),
    ("greek", "Γεια σας", UCS2, tuple("ειασς")),
    ("turkish", "Siparişiniz hazır. Teşekkürler!", UCS2, ("ş", "ı")),
    ("czech", "Vaše objednávka je připravena.", UCS2, tuple("šář")),
    ("chinese", "您的订单已准备好", UCS2, tuple("您的订单已准备好")),
    ("arabic", "طلبك جاهز", UCS2, tuple("طلبكجاهز")),
    ("emoji", "Party 🎉 tonight 😀", UCS2, ("🎉", "😀")),
    ("euro", "Total 10€ [promo] {x} ~ | ^ \\", GSM7, ()),
]


@pytest.mark.parametrize(
    ("language", "sample", "encoding", "non_gsm"),
    LANGUAGES,
    ids=[x[0] for x in LANGUAGES],
)
def test_languages(language, sample, encoding, non_gsm):
    info = analyze(sample)
    assert (info.encoding, info.non_gsm) == (encoding, non_gsm)
    for repeat in (1, 3, 7, 20):
        check_invariants(sample * repeat)


# Generated corpus -------------------------------------------------------------

POOLS = {
    "ascii": "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 .,!?-'\"",
    "gsm_national": BASIC_NON_ASCII + "\n\r",
    "extension": "".join(EXTENSION_CHARS),
    "polish": "ąćęłńóśźżĄĆĘŁŃÓŚŹŻ",
    "cyrillic": "абвгдежзийклмнопрстуфхцчшщъыьэюяЖЩ",
    "cjk": "您的订单已准备好请到店取货谢",
    "astral": "😀🎉🍕👍🏽𝄞𠀀",
    "odd": "\t`\x00\x1b\ud800\udbff",  # non-GSM7; lone high surrogates only
}
GSM_POOLS = ("ascii", "gsm_national", "extension")


def generate_corpus(count, seed):
    rng = random.Random(seed)
    corpus = []
    for _ in range(count):
        if rng.random() < 0.5:
            pools = rng.sample(GSM_POOLS, rng.randint(1, 3))
        else:
            pools = rng.sample(sorted(POOLS), rng.randint(1, 4))
        weights = [rng.random() + 0.05 for _ in pools]
        length = rng.choice([rng.randint(0, 20), rng.randint(0, 400), 153, 160, 306])
        length += rng.choice([-1, 0, 1])
        chosen = rng.choices(pools, weights, k=max(length, 0))
        corpus.append("".join(rng.choice(POOLS[pool]) for pool in chosen))
    return corpus


CORPUS = generate_corpus(3000, seed=1234)


def test_invariants_over_generated_corpus():
    encodings = set()
    for text in CORPUS:
        info, _parts = check_invariants(text)
        encodings.add((info.encoding, min(info.parts, 3)))
    assert encodings >= {(GSM7, 1), (GSM7, 2), (GSM7, 3), (UCS2, 1), (UCS2, 3)}


def test_same_parts_as_smsutil():
    """smsutil 1.1.3 follows the same rules, with two intended differences.

    * smsutil puts ESC (U+001B) in its GSM alphabet, but ESC is the switch to
      the extension table, not a character: a text holding it is UCS-2 here.
    * smsutil returns one empty part for ''; ``split('')`` is ``[]``.
    """
    compared = 0
    for text in CORPUS:
        if not text or "\x1b" in text:
            continue
        theirs = smsutil.split(text)
        assert [part.content for part in theirs.parts] == split(text), text
        expected = GSM7 if theirs.encoding == "gsm0338" else UCS2
        assert analyze(text).encoding == expected
        compared += 1
    assert compared > 2500
    assert smsutil.split("\x1b").encoding == "gsm0338"
    assert analyze("\x1b").encoding == UCS2


@pytest.mark.parametrize("parts", range(1, 11))
def test_one_septet_limit_is_where_a_basic_text_needs_one_part_more(parts):
    limit = one_septet_limit(parts)
    for char in sorted(gsm7.BASIC_CHARS):
        assert analyze(char * limit).parts == parts, repr(char)
        assert analyze(char * (limit + 1)).parts == parts + 1, repr(char)


def test_a_basic_text_costs_its_length_in_septets():
    text = "".join(sorted(gsm7.BASIC_CHARS)) * 3
    info = analyze(text)
    assert (info.encoding, info.units, info.chars) == ("GSM-7", len(text), len(text))
    assert info.parts == -(-len(text) // gsm7.MULTI_PART_SEPTETS)
