# Copyright 2026 sms_gateway authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""GSM 03.38 (3GPP TS 23.038) default alphabet as Python constants.

``BASIC_TABLE`` lists the 128 cells of the basic table in code order; cell 0x1B
is ESC, the switch to the extension table, which no text can contain, so it is
left out of ``BASIC_CHARS``. ``EXTENSION_TABLE`` maps the extension code (the
septet after ESC) to its character; each of these costs two septets.

Cell 0x09 is capital Ç as in the specification and Android (Unicode's
GSM0338.TXT has small ç there): small ç is not GSM-7.
"""

ESCAPE_CODE = 0x1B

BASIC_TABLE = (
    "@£$¥èéùìòÇ\nØø\rÅå"
    "Δ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ"
    " !\"#¤%&'()*+,-./"
    "0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNO"
    "PQRSTUVWXYZÄÖÑÜ§"
    "¿abcdefghijklmno"
    "pqrstuvwxyzäöñüà"
)

EXTENSION_TABLE = {
    0x0A: "\f",
    0x14: "^",
    0x28: "{",
    0x29: "}",
    0x2F: "\\",
    0x3C: "[",
    0x3D: "~",
    0x3E: "]",
    0x40: "|",
    0x65: "€",
}

BASIC_CHARS = frozenset(BASIC_TABLE) - {"\x1b"}
EXTENSION_CHARS = frozenset(EXTENSION_TABLE.values())
GSM7_CHARS = BASIC_CHARS | EXTENSION_CHARS

SINGLE_PART_SEPTETS = 160
MULTI_PART_SEPTETS = 153
SINGLE_PART_UCS2_UNITS = 70
MULTI_PART_UCS2_UNITS = 67
