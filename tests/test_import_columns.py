# Copyright 2026 sms_gateway authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Column names and consent words of contact files, in five languages."""

import pytest

from sms_gateway.tools.import_columns import (
    CONSENT_WORDS,
    HEADER_WORDS,
    fold,
    guess_columns,
    guess_field,
    parse_consent,
)


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (["name", "mobile", "email", "note", "consent"], None),
        (
            ["Nimi", "Matkapuhelin", "Sähköposti", "Lisätiedot", "Suostumus"],
            ["name", "mobile", "email", "note", "consent"],
        ),
        (
            ["Etunimi", "Sukunimi", "Puhelin"],
            ["first_name", "last_name", "mobile"],
        ),
        (
            ["Namn", "Mobil", "E-post", "Anteckning", "Samtycke"],
            ["name", "mobile", "email", "note", "consent"],
        ),
        (["Förnamn", "Efternamn", "Telefon"], ["first_name", "last_name", "mobile"]),
        (
            ["Imię", "Nazwisko", "Telefon komórkowy", "E-mail", "Zgoda"],
            ["first_name", "last_name", "mobile", "email", "consent"],
        ),
        (["Nazwa", "Tel. kom.", "Uwagi"], ["name", "mobile", "note"]),
        (
            ["ФИО", "Мобильный телефон", "Почта", "Примечание", "Согласие"],
            ["name", "mobile", "email", "note", "consent"],
        ),
        (["Имя", "Фамилия", "Телефон"], ["first_name", "last_name", "mobile"]),
        (["  NAME ", "PHONE NUMBER", "E_Mail"], ["name", "mobile", "email"]),
    ],
)
def test_headers_of_five_languages(header, expected):
    assert guess_columns(header) == (expected or header)


def test_unknown_and_doubled_columns_are_left_to_the_user():
    assert guess_columns(["Nimi", "Syntymäpäivä", "Puhelin", "Mobil"]) == [
        "name",
        "",
        "mobile",
        "",
    ]
    assert guess_field("") == ""
    assert guess_field("Jäsennumero") == ""  # a member number is no phone


def test_fold():
    assert fold("Telefon komórkowy") == fold("telefonkomorkowy")
    assert fold("Sähköposti") == "sahkoposti"
    assert fold("Łódź") == "lodz"
    assert fold("Ёлка Йошкар") == fold("елка иошкар")
    assert fold(" E-Post ") == "epost"


def test_no_word_folds_to_nothing_nor_to_two_meanings():
    for words in (HEADER_WORDS, CONSENT_WORDS):
        seen = {}
        for meaning, group in words.items():
            for word in group:
                key = fold(word)
                assert key, word
                assert seen.setdefault(key, meaning) == meaning, word


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Kyllä", "granted"),
        ("EI", "refused"),
        ("ja", "granted"),
        ("Nej", "refused"),
        ("TAK", "granted"),
        ("nie", "refused"),
        ("Да", "granted"),
        ("нет", "refused"),
        ("x", "granted"),
        ("X", "granted"),
        ("✓", "granted"),
        ("1", "granted"),
        ("0", "refused"),
        ("true", "granted"),
        ("False", "refused"),
        ("yes", "granted"),
        ("opted out", "refused"),
        ("Opt-out", "refused"),
        ("granted", "granted"),
        ("refused", "refused"),
        ("unknown", "unknown"),
        ("?", "unknown"),
        ("tuntematon", "unknown"),
        ("", ""),
        ("   ", ""),
        ("maybe", None),
        ("-", None),
        ("kanske", None),
    ],
)
def test_consent_words(value, expected):
    assert parse_consent(value) == expected
