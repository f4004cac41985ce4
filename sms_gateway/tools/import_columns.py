# Copyright 2026 sms_gateway authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""What the columns and consent values of a contact file people made mean.

People export contact lists from Excel, a member register or an ERP with
the column names of their language. ``guess_columns(header)`` reads the
names written in English, Finnish, Swedish, Polish and Russian (case,
accents, spaces and punctuation folded: "Telefon komórkowy", "E-post" and
"Sähköposti" all match) and returns, for each column, the field it holds or
``""`` (not recognised, or a second column for a field already taken).

``parse_consent(value)`` reads the yes/no words of the same languages
(kyllä/ei, ja/nej, tak/nie, да/нет, 1/0, true/false, x...): "granted",
"refused", "unknown", ``""`` for an empty cell, or ``None`` for a word it
does not know (the caller leaves the consent unknown and warns).
"""

import unicodedata

# The fields a column can hold, in the order the wizard offers them.
FIELDS = ("name", "first_name", "last_name", "mobile", "email", "note", "consent")

HEADER_WORDS = {
    "name": (
        # en
        "name",
        "full name",
        "contact",
        "contact name",
        "display name",
        # fi
        "nimi",
        "koko nimi",
        "yhteyshenkilö",
        # sv
        "namn",
        "fullständigt namn",
        "kontaktperson",
        # pl
        "nazwa",
        "imię i nazwisko",
        "nazwa kontrahenta",
        "kontrahent",
        # ru
        "фио",
        "ф.и.о.",
        "полное имя",
        "имя и фамилия",
        "контакт",
        "наименование",
    ),
    "first_name": (
        "first name",
        "firstname",
        "given name",
        "forename",
        "etunimi",
        "etunimet",
        "förnamn",
        "imię",
        "имя",
    ),
    "last_name": (
        "last name",
        "lastname",
        "surname",
        "family name",
        "sukunimi",
        "efternamn",
        "nazwisko",
        "фамилия",
    ),
    "mobile": (
        # en
        "mobile",
        "mobile phone",
        "mobile number",
        "phone",
        "phone number",
        "cell",
        "cell phone",
        "cellphone",
        "gsm",
        "tel",
        "telephone",
        "msisdn",
        "sms number",
        # fi
        "puhelin",
        "puh",
        "puhelinnumero",
        "matkapuhelin",
        "matkapuh",
        "matkapuhelinnumero",
        "kännykkä",
        # sv
        "telefon",
        "telefonnummer",
        "tfn",
        "mobil",
        "mobiltelefon",
        "mobilnummer",
        "mobiltel",
        # pl
        "telefon komórkowy",
        "telefon kom.",
        "tel. kom.",
        "komórka",
        "komórkowy",
        "nr telefonu",
        "numer telefonu",
        "nr tel.",
        # ru
        "телефон",
        "тел.",
        "мобильный",
        "мобильный телефон",
        "моб. телефон",
        "номер телефона",
        "сотовый",
        "сотовый телефон",
    ),
    "email": (
        "email",
        "e-mail",
        "mail",
        "email address",
        "e-mail address",
        "sähköposti",
        "sähköpostiosoite",
        "s-posti",
        "e-post",
        "e-postadress",
        "mejl",
        "adres e-mail",
        "adres email",
        "poczta",
        "почта",
        "эл. почта",
        "электронная почта",
        "адрес электронной почты",
        "емейл",
        "имейл",
    ),
    "note": (
        "note",
        "notes",
        "comment",
        "comments",
        "remark",
        "remarks",
        "huomautus",
        "huomautukset",
        "huom",
        "lisätieto",
        "lisätiedot",
        "muistiinpano",
        "kommentti",
        "anteckning",
        "anteckningar",
        "kommentar",
        "notering",
        "övrigt",
        "notatka",
        "uwagi",
        "uwaga",
        "komentarz",
        "примечание",
        "комментарий",
        "заметка",
        "заметки",
    ),
    "consent": (
        "consent",
        "sms consent",
        "marketing consent",
        "opt-in",
        "sms opt-in",
        "permission",
        "suostumus",
        "lupa",
        "sms-lupa",
        "tekstiviestilupa",
        "markkinointilupa",
        "samtycke",
        "sms-samtycke",
        "medgivande",
        "zgoda",
        "zgoda sms",
        "zgoda na sms",
        "zgoda marketingowa",
        "согласие",
        "согласие на рассылку",
        "согласие на sms",
        "согласие на смс",
    ),
}

CONSENT_WORDS = {
    "granted": (
        "granted",
        "yes",
        "y",
        "true",
        "1",
        "x",
        "ok",
        "on",
        "opt-in",
        "opted in",
        "agreed",
        "given",
        "kyllä",
        "k",
        "joo",
        "myönnetty",
        "annettu",
        "ja",
        "j",
        "sant",
        "givet",
        "tak",
        "t",
        "prawda",
        "wyrażona",
        "да",
        "д",
        "согласен",
        "согласна",
        "истина",
    ),
    "refused": (
        "refused",
        "no",
        "n",
        "false",
        "0",
        "off",
        "opt-out",
        "opted out",
        "declined",
        "withdrawn",
        "ei",
        "kielletty",
        "peruttu",
        "nej",
        "falskt",
        "återkallat",
        "nie",
        "fałsz",
        "brak zgody",
        "odmowa",
        "wycofana",
        "нет",
        "н",
        "отказ",
        "ложь",
        "отозвано",
    ),
    "unknown": (
        "unknown",
        "tuntematon",
        "ei tiedossa",
        "okänd",
        "okänt",
        "nieznana",
        "nieznany",
        "неизвестно",
    ),
}
# Marks people put in a "consent" column of a spreadsheet.
_GRANTED_MARKS = {"✓", "✔", "☑", "✅", "+"}
_UNKNOWN_MARKS = {"?"}

# Letters NFKD does not take apart.
_EXTRA_FOLDS = str.maketrans(
    {"ł": "l", "ø": "o", "đ": "d", "æ": "ae", "œ": "oe", "ı": "i", "þ": "th"}
)


def fold(text):
    """``text`` as a key: case, accents, spaces and punctuation left out.

    ``fold("Telefon komórkowy") == fold("telefonkomorkowy")``; Cyrillic
    ``й`` and ``ё`` fold to ``и`` and ``е`` as people often type them.
    """
    text = unicodedata.normalize("NFKD", str(text or "").casefold())
    text = "".join(char for char in text if not unicodedata.combining(char))
    return "".join(char for char in text.translate(_EXTRA_FOLDS) if char.isalnum())


_HEADER_KEYS = {
    fold(word): field for field, words in HEADER_WORDS.items() for word in words
}
_CONSENT_KEYS = {
    fold(word): value for value, words in CONSENT_WORDS.items() for word in words
}


def guess_field(header):
    """The field a column named ``header`` holds, or ``""``."""
    return _HEADER_KEYS.get(fold(header), "")


def guess_columns(header):
    """The field of each column of ``header``: ``""`` for a column whose
    name is not recognised, or that names a field an earlier column holds."""
    taken = set()
    fields = []
    for name in header:
        field = guess_field(name)
        if field in taken:
            field = ""
        taken.add(field)
        fields.append(field)
    return fields


def parse_consent(value):
    """ "granted", "refused", "unknown", "" (empty) or None (not a word known)."""
    text = str(value or "").strip()
    if not text:
        return ""
    if text in _GRANTED_MARKS:
        return "granted"
    if text in _UNKNOWN_MARKS:
        return "unknown"
    return _CONSENT_KEYS.get(fold(text))
