# Copyright 2026 sms_gateway authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Phone number normalization to E.164 and line types."""

import random
import re

import phonenumbers
import pytest

from sms_gateway.tools.phone import is_mobile, normalize, number_kind, region_of

E164_RE = re.compile(r"\+[1-9]\d{1,14}")


@pytest.mark.parametrize(
    ("number", "region", "expected"),
    [
        # Finland
        ("+358401234567", None, "+358401234567"),
        ("+358 40 123 4567", None, "+358401234567"),
        ("+358 (0)40-123 45 67", None, "+358401234567"),
        ("00358 40 123 4567", None, "+358401234567"),
        ("040 123 4567", "FI", "+358401234567"),
        ("040-1234567", "fi", "+358401234567"),
        ("(040) 123.4567", "FI", "+358401234567"),
        ("358401234567", None, "+358401234567"),
        ("358401234567", "FI", "+358401234567"),
        ("  +358 9 1234567  ", None, "+35891234567"),
        ("09 123 4567", "FI", "+35891234567"),
        # Sweden
        ("+46 70 123 45 67", None, "+46701234567"),
        ("070-123 45 67", "SE", "+46701234567"),
        ("0046701234567", None, "+46701234567"),
        ("46701234567", None, "+46701234567"),
        # Poland, including the '48XXXXXXXXX' form of Polish ERPs
        ("+48 512 345 678", None, "+48512345678"),
        ("512 345 678", "PL", "+48512345678"),
        ("512-345-678", "pl", "+48512345678"),
        ("48512345678", None, "+48512345678"),
        ("48512345678", "PL", "+48512345678"),
        ("48512345678", "FI", "+48512345678"),
        ("0048512345678", "SE", "+48512345678"),
        # Russia
        ("+7 912 345-67-89", None, "+79123456789"),
        ("8 912 345-67-89", "RU", "+79123456789"),
        ("8 (912) 345 67 89", "ru", "+79123456789"),
        ("79123456789", None, "+79123456789"),
        # Other scripts' digits
        ("+٣٥٨٤٠١٢٣٤٥٦٧", None, "+358401234567"),
    ],
)
def test_normalize_valid_numbers(number, region, expected):
    assert normalize(number, region) == expected


@pytest.mark.parametrize("region", [None, "", False])
def test_no_default_country(region):
    assert normalize("+358401234567", region) == "+358401234567"
    with pytest.raises(ValueError, match="has no country code"):
        normalize("040 123 4567", region)


@pytest.mark.parametrize(
    ("number", "region", "message"),
    [
        ("", None, "'' is empty: enter a mobile number"),
        ("   ", "FI", "'   ' is empty: enter a mobile number"),
        ("abc", None, "'abc' is not a phone number"),
        ("abc", "FI", "'abc' is not a phone number"),
        ("+358 40 abc 1234", None, "'+358 40 abc 1234' is not a phone number"),
        (
            "+358 40 123 4567 ext 5",
            None,
            "'+358 40 123 4567 ext 5' is not a phone number",
        ),
        ("+", None, "'+' is not a phone number"),
        ("++358401234567", None, "'++358401234567' is not a phone number"),
        ("+35840", None, "'+35840' is too short for Finland (+358)"),
        ("0123", "FI", "'0123' is too short for Finland (+358)"),
        (
            "+3584012345678901",
            None,
            "'+3584012345678901' is too long for Finland (+358)",
        ),
        ("+12345678901234567890", None, "'+12345678901234567890' is too long"),
        # phonenumbers takes this as valid, but E.164 allows 15 digits.
        (
            "+4973265492468603",
            None,
            "'+4973265492468603' is too long for Germany (+49)",
        ),
        ("0401234567", "PL", "'0401234567' is not a valid number for Poland (+48)"),
        ("+999 123456", None, "'+999 123456' has an unknown country code"),
        (
            "040 123 4567",
            None,
            "'040 123 4567' has no country code: add +<code> or set a default country",
        ),
    ],
)
def test_normalize_errors(number, region, message):
    with pytest.raises(ValueError) as error:
        normalize(number, region)
    assert str(error.value) == message


def test_unknown_region():
    with pytest.raises(ValueError, match="'XX' is not a known country code"):
        normalize("0401234567", "XX")


@pytest.mark.parametrize("number", [None, 358401234567, b"+358401234567", ["+358"]])
def test_normalize_non_str_number(number):
    with pytest.raises(TypeError, match="phone number must be a str"):
        normalize(number)


def test_normalize_non_str_region():
    with pytest.raises(TypeError, match="region must be a str"):
        normalize("0401234567", 358)


def test_normalize_returns_only_valid_e164():
    """Random input: either a valid E.164 number or a ValueError."""
    rng = random.Random(358)
    regions = [None, "FI", "SE", "PL", "RU", "DE", "US"]
    results = 0
    for _ in range(2000):
        digits = "".join(rng.choices("0123456789", k=rng.randint(0, 16)))
        prefix = rng.choice(["", "+", "00", "0", "+358", "48", " "])
        number = prefix + digits
        try:
            e164 = normalize(number, rng.choice(regions))
        except ValueError as error:
            assert str(error).startswith(repr(number))
            continue
        assert E164_RE.fullmatch(e164), (number, e164)
        assert phonenumbers.is_valid_number(phonenumbers.parse(e164))
        assert normalize(e164) == e164
        results += 1
    assert results > 100


@pytest.mark.parametrize(
    ("e164", "mobile", "kind", "region"),
    [
        ("+358401234567", True, "mobile", "FI"),
        ("+358501234567", True, "mobile", "FI"),
        ("+35891234567", False, "landline", "FI"),
        ("+358800123456", False, "other", "FI"),  # toll free
        ("+46701234567", True, "mobile", "SE"),
        ("+4681234567", False, "landline", "SE"),
        ("+48512345678", True, "mobile", "PL"),
        ("+79123456789", True, "mobile", "RU"),
        ("+12125550123", True, "fixed_line_or_mobile", "US"),
        ("+35840", False, "invalid", None),
        ("+4973265492468603", False, "invalid", None),
        ("0401234567", False, "invalid", None),
        ("garbage", False, "invalid", None),
        ("", False, "invalid", None),
        (None, False, "invalid", None),
        (358401234567, False, "invalid", None),
        (b"+358401234567", False, "invalid", None),
    ],
)
def test_line_types(e164, mobile, kind, region):
    assert is_mobile(e164) is mobile
    assert number_kind(e164) == kind
    assert region_of(e164) == region
