# Copyright 2026 sms_gateway authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""``transliterate()``: GSM-7 output that keeps every GSM-7 character."""

import random

import pytest

from sms_gateway.tools import gsm7
from sms_gateway.tools.sms_text import GSM7, analyze, transliterate

GSM7_CHARS = "".join(sorted(gsm7.GSM7_CHARS))
PRINTABLE_ASCII = frozenset(map(chr, range(0x20, 0x7F))) | {"\n"}


def is_gsm7(text):
    return all(char in gsm7.GSM7_CHARS for char in text)


def is_printable_ascii(text):
    return all(char in PRINTABLE_ASCII for char in text)


def gsm7_subsequence(text):
    return "".join(char for char in text if char in gsm7.GSM7_CHARS)


def is_subsequence(needle, haystack):
    rest = iter(haystack)
    return all(char in rest for char in needle)


# keep_gsm=True ------------------------------------------------------------------


def test_gsm7_text_is_unchanged():
    assert transliterate(GSM7_CHARS) == GSM7_CHARS
    rng = random.Random(7)
    for _ in range(200):
        text = "".join(rng.choices(GSM7_CHARS, k=rng.randint(0, 300)))
        assert transliterate(text) == text


@pytest.mark.parametrize("char", GSM7_CHARS)
def test_each_gsm7_char_stays(char):
    assert transliterate(char) == char
    assert transliterate(f"ż{char}ł") == f"z{char}l"


def test_nordic_and_euro_stay():
    text = "Hyvää päivää, Åsa! Smørrebrød på Ærø: 10€ [ok] {x} ~ | ^ \\"
    assert transliterate(text) == text


def test_c_cedilla():
    assert transliterate("Ça") == "Ça"
    assert transliterate("ça, garçon") == "ca, garcon"


@pytest.mark.parametrize(
    ("polish", "latin"),
    list(zip("ąćęłńóśźżĄĆĘŁŃÓŚŹŻ", "acelnoszzACELNOSZZ", strict=True)),
)
def test_polish_letters(polish, latin):
    assert transliterate(polish) == latin


def test_polish_sentence():
    assert transliterate("Zażółć gęślą jaźń") == "Zazolc gesla jazn"


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        (
            "“quoted” „low” «guillemets» ‹single›",
            '"quoted" "low" "guillemets" \'single\'',
        ),
        ("it’s ‘so’ ‚low‛ 5′ 6″ `tick` ´acute", "it's 'so' 'low' 5' 6\" 'tick' 'acute"),
        ("a\u2010b\u2011c\u2012d\u2013e\u2014f\u2015g\u2212h", "a-b-c-d-e-f-g-h"),
        ("wait…", "wait..."),
        ("¼ ½ ¾ ⅓", "1/4 1/2 3/4 1/3"),
        ("a\u00a0b\u2002c\u2003d\u2009e\u202ff\u3000g\u205fh", "a b c d e f g h"),
        ("z\u200bw\u200cj\u200dn\u2060w\ufeffs\u00adh", "zwjnwsh"),
        ("ＦＵＬＬ　ｗｉｄｔｈ！ １２３", "FULL width! 123"),
        ("ﬁne ² ™", "fine 2 TM"),
        ("tab\there", "tab here"),
        ("line\u2028break", "line\nbreak"),
        ("a\r\nb", "a\r\nb"),
    ],
)
def test_typography(source, expected):
    assert transliterate(source) == expected


def test_cyrillic_to_latin():
    assert transliterate("Привет, мир! Щука и ёж.") == "Privet, mir! Shchuka i iozh."


@pytest.mark.parametrize(
    ("greek", "expected"),
    [
        ("δ", "Δ"),
        ("φ", "Φ"),
        ("γ", "Γ"),
        ("λ", "Λ"),
        ("ω", "Ω"),
        ("ώ", "Ω"),
        ("π", "Π"),
        ("ψ", "Ψ"),
        ("σ", "Σ"),
        ("ς", "Σ"),
        ("θ", "Θ"),
        ("ξ", "Ξ"),
        ("α", "A"),
        ("ά", "A"),
        ("β", "B"),
        ("Α", "A"),
        ("Ω", "Ω"),
        ("Η παραγγελία σας είναι έτοιμη.", "H ΠAPAΓΓEΛIA ΣAΣ EINAI ETOIMH."),
    ],
)
def test_greek(greek, expected):
    assert transliterate(greek) == expected


def test_combining_accents_are_composed():
    assert transliterate("a\u0308 o\u0308 e\u0301") == "ä ö é"
    assert transliterate("c\u0327a") == "ca"
    assert transliterate("\u0301alone") == "alone"


@pytest.mark.parametrize(
    "source",
    [
        "😀",
        "👨\u200d👩\u200d👧",
        "🇫🇮",
        chr(0xD800),  # lone surrogates
        chr(0xDFFF),
        "\ue000",
        "\U0010ffff",
        "\x00",
        "\x07",
    ],
)
def test_chars_without_equivalent_are_dropped(source):
    assert transliterate("a" + source + "b") == "ab"


def test_empty():
    assert transliterate("") == ""
    assert transliterate("", keep_gsm=False) == ""


@pytest.mark.parametrize("value", [None, b"text", 3, ["a"]])
def test_non_str_raises_type_error(value):
    with pytest.raises(TypeError, match="must be a str"):
        transliterate(value)


SAMPLES = {
    "finnish": "Hyvää päivää! Tilauksesi on noudettavissa.",
    "swedish": "Hej! Din beställning är klar att hämtas.",
    "norwegian": "Hei! Bestillingen din er klar på øya.",
    "danish": "Æbler og ærter til kr. 20 – tak!",
    "german": "Grüße aus Köln, Straße 5 „heute“.",
    "french": "Votre commande est prête. À bientôt, ça va?",
    "spanish": "Su pedido está listo. ¡Gracias, señor!",
    "polish": "Zamówienie gotowe do odbioru. Zażółć gęślą jaźń.",
    "russian": "Ваш заказ готов к выдаче.",
    "greek": "Η παραγγελία σας είναι έτοιμη.",
    "turkish": "Siparişiniz hazır. Teşekkürler! İyi günler.",
    "czech": "Vaše objednávka je připravena.",
    "chinese": "您的订单已准备好，请到店取货。",
    "japanese": "ご注文の準備ができました",
    "korean": "주문이 준비되었습니다",
    "arabic": "طلبك جاهز للاستلام",
    "hebrew": "ההזמנה שלך מוכנה",
    "hindi": "आपका ऑर्डर तैयार है",
    "emoji": "Party 🎉 tonight 😀👍🏽",
}


@pytest.mark.parametrize("language", sorted(SAMPLES))
def test_languages_become_gsm7_and_keep_gsm7_chars(language):
    text = SAMPLES[language]
    result = transliterate(text)
    assert is_gsm7(result)
    assert analyze(result).encoding == GSM7
    assert is_subsequence(gsm7_subsequence(text), result)
    assert transliterate(result) == result


@pytest.mark.parametrize("language", sorted(SAMPLES))
def test_languages_become_printable_ascii(language):
    result = transliterate(SAMPLES[language], keep_gsm=False)
    assert is_printable_ascii(result)
    assert is_gsm7(result)


def test_chinese_and_arabic_keep_some_latin_text():
    assert transliterate("中文").strip() == "Zhong Wen"
    assert transliterate("عربي")  # unidecode's '`' became "'", kept GSM-7


# keep_gsm=False -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("Hyvää päivää", "Hyvaa paivaa"),
        ("10€", "10EUR"),
        ("Ærø Øst Åsa ß", "AEro Ost Asa ss"),
        ("£5 ¥9", "GBP5 JPY9"),
        ("ΔΩ", "DO"),
        ("Ça ça", "Ca ca"),
        ("tab\there", "tab here"),
        ("a\r\nb\rc\nd\fe", "a\nb\nc\nd\ne"),
        ("[x] {y} ~ | ^ \\ `z`", "[x] {y} ~ | ^ \\ 'z'"),
        ("“quote” – …", '"quote" - ...'),
        ("Zażółć", "Zazolc"),
        ("¿Qué? ¡Olé! § 5", "Que? Ole! S 5"),
        ("a\u0308", "a"),
        ("😀\ud800", ""),
    ],
)
def test_ascii_only(source, expected):
    assert transliterate(source, keep_gsm=False) == expected


# Generated corpus -------------------------------------------------------------

BLOCKS = [
    (0x0000, 0x007F),  # ASCII with control characters
    (0x0080, 0x024F),  # Latin-1 and Latin Extended
    (0x0370, 0x03FF),  # Greek
    (0x0400, 0x04FF),  # Cyrillic
    (0x0590, 0x06FF),  # Hebrew, Arabic
    (0x0900, 0x097F),  # Devanagari
    (0x2000, 0x206F),  # punctuation, spaces, zero-width
    (0x20A0, 0x20CF),  # currency
    (0x2150, 0x218F),  # number forms
    (0x3000, 0x30FF),  # CJK punctuation, kana
    (0x4E00, 0x4FFF),  # CJK ideographs
    (0xAC00, 0xAC80),  # Hangul
    (0xD800, 0xDFFF),  # lone surrogates
    (0xE000, 0xE0FF),  # private use
    (0xFB00, 0xFB4F),  # ligatures
    (0xFF00, 0xFFEF),  # full-width and half-width forms
    (0x1F300, 0x1F6FF),  # emoji
]
COMBINING = range(0x0300, 0x0370)


def random_text(rng, length):
    chars = []
    for _ in range(length):
        if rng.random() < 0.3:
            chars.append(rng.choice(GSM7_CHARS))
        else:
            low, high = rng.choice(BLOCKS)
            code_point = rng.randint(low, high)
            if code_point not in COMBINING:
                chars.append(chr(code_point))
    return "".join(chars)


def test_generated_corpus_keep_gsm():
    """Output is GSM-7 and each GSM-7 char of the input is kept, in order.

    Without combining marks, transliteration works character by character:
    the output is the concatenation of each input character's output, and a
    GSM-7 character's output is itself. So deleting the non-GSM-7 characters
    from the input gives a subsequence of the output, in the same order.
    """
    rng = random.Random(2026)
    for _ in range(1500):
        text = random_text(rng, rng.randint(0, 60))
        result = transliterate(text)
        assert is_gsm7(result), (text, result)
        assert result == "".join(map(transliterate, text))
        assert is_subsequence(gsm7_subsequence(text), result)
        assert transliterate(result) == result


def test_generated_corpus_ascii():
    rng = random.Random(2027)
    for _ in range(1500):
        text = random_text(rng, rng.randint(0, 60))
        result = transliterate(text, keep_gsm=False)
        assert is_printable_ascii(result), (text, result)
        assert is_gsm7(result)
        assert transliterate(result, keep_gsm=False) == result
