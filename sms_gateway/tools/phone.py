# Copyright 2026 sms_gateway authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Phone numbers: normalization to E.164 and line types, with phonenumbers.

``normalize`` turns what people type ('040 123 4567', '+358 (0)40-123 45 67',
'00358401234567', the '48XXXXXXXXX' form of Polish ERPs) into E.164
('+358401234567') or raises ValueError with a message a person can act on.
``is_mobile``, ``region_of`` and ``number_kind`` never raise: garbage is simply
not a mobile number.
"""

import re

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberType, ValidationResult
from phonenumbers.geocoder import LOCALE_DATA

# What people put between digits: spaces (any), dashes, dots, parentheses, slashes.
_FORMATTING_RE = re.compile(r"[\s\-.()/\u2010-\u2015\u2212]")
_NUMBER_RE = re.compile(r"\+?\d+")
_E164_MAX_DIGITS = 15

_PARSE_ERRORS = {
    NumberParseException.INVALID_COUNTRY_CODE: "has an unknown country code",
    NumberParseException.NOT_A_NUMBER: "is not a phone number",
    NumberParseException.TOO_SHORT_AFTER_IDD: "is too short",
    NumberParseException.TOO_SHORT_NSN: "is too short",
    NumberParseException.TOO_LONG: "is too long",
}
_LENGTH_ERRORS = {
    ValidationResult.TOO_SHORT: "is too short for",
    ValidationResult.IS_POSSIBLE_LOCAL_ONLY: "is too short for",
    ValidationResult.TOO_LONG: "is too long for",
    ValidationResult.INVALID_LENGTH: "does not have a valid length for",
}
_KINDS = {
    PhoneNumberType.MOBILE: "mobile",
    PhoneNumberType.FIXED_LINE_OR_MOBILE: "fixed_line_or_mobile",
    PhoneNumberType.FIXED_LINE: "landline",
}


def _check_region(region):
    """Upper-case ISO 3166 alpha-2 code, or None for no default country."""
    if not region:  # None, '' and Odoo's False for an unset country
        return None
    if not isinstance(region, str):
        raise TypeError(f"region must be a str or None, not {type(region).__name__}")
    code = region.strip().upper()
    if code not in phonenumbers.SUPPORTED_REGIONS:
        raise ValueError(f"{region!r} is not a known country code (e.g. 'FI', 'PL')")
    return code


def _country_label(region, country_code):
    """'Finland (+358)' for ('FI', 358)."""
    names = LOCALE_DATA.get(region, {})
    name = names.get("en", region)
    if name.startswith("*"):  # a reference to another language's entry
        name = names.get(name[1:], region)
    return f"{name} (+{country_code})"


def _parse(text, region):
    """(PhoneNumber, None) or (None, parse error text)."""
    try:
        return phonenumbers.parse(text, region), None
    except NumberParseException as error:
        return None, _PARSE_ERRORS.get(error.error_type, "is not a phone number")


def _invalid_reason(parsed, region):
    """Why ``_e164`` refused a parsed number, naming its country."""
    country_code = parsed.country_code
    if not region or phonenumbers.country_code_for_region(region) != country_code:
        region = phonenumbers.region_code_for_country_code(country_code)
    if region == phonenumbers.UNKNOWN_REGION:
        return "has an unknown country code"
    country = _country_label(region, country_code)
    if phonenumbers.is_valid_number(parsed):  # but longer than E.164 allows
        return f"is too long for {country}"
    reason = phonenumbers.is_possible_number_with_reason(parsed)
    if reason in _LENGTH_ERRORS:
        return f"{_LENGTH_ERRORS[reason]} {country}"
    return f"is not a valid number for {country}"


def _e164(parsed):
    """E.164 text of a valid number, else None.

    E.164 allows 15 digits; phonenumbers takes a few longer numbers as valid.
    """
    if parsed is None or not phonenumbers.is_valid_number(parsed):
        return None
    e164 = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    return e164 if len(e164) <= _E164_MAX_DIGITS + 1 else None


def normalize(number, region=None):
    """Return ``number`` in E.164 ('+' and digits) or raise ValueError.

    ``region`` is the default country (ISO 3166 alpha-2, any case) for numbers
    written without a country code; None, '' or False means none.
    """
    if not isinstance(number, str):
        raise TypeError(f"phone number must be a str, not {type(number).__name__}")
    region = _check_region(region)
    if not number.strip():
        raise ValueError(f"{number!r} is empty: enter a mobile number")
    compact = _FORMATTING_RE.sub("", number)
    if not _NUMBER_RE.fullmatch(compact):
        raise ValueError(f"{number!r} is not a phone number")
    digits = phonenumbers.normalize_digits_only(compact)
    if compact.startswith("+") or digits.startswith("00"):
        international = "+" + (digits if compact.startswith("+") else digits[2:])
        parsed, error = _parse(international, None)
        e164 = _e164(parsed)
        if e164:
            return e164
        raise ValueError(f"{number!r} {error or _invalid_reason(parsed, None)}")
    # Digits without '+': a national number of ``region`` first, then digits
    # that start with a country code ('48XXXXXXXXX' in Polish ERPs).
    national, error = _parse(digits, region) if region else (None, None)
    e164 = _e164(national) or _e164(_parse("+" + digits, None)[0])
    if e164:
        return e164
    if not region:
        raise ValueError(
            f"{number!r} has no country code: add +<code> or set a default country"
        )
    raise ValueError(f"{number!r} {error or _invalid_reason(national, region)}")


def _valid_number(e164):
    """The parsed number if ``e164`` is a valid international number, else None."""
    parsed = _parse(e164, None)[0] if isinstance(e164, str) else None
    return parsed if _e164(parsed) else None


def number_kind(e164):
    """'mobile', 'fixed_line_or_mobile', 'landline', 'other' or 'invalid'."""
    parsed = _valid_number(e164)
    if parsed is None:
        return "invalid"
    return _KINDS.get(phonenumbers.number_type(parsed), "other")


def is_mobile(e164):
    """True if ``e164`` can receive SMS as a mobile number (False for garbage)."""
    return number_kind(e164) in ("mobile", "fixed_line_or_mobile")


def region_of(e164):
    """ISO 3166 alpha-2 region of a valid number ('FI'), else None."""
    parsed = _valid_number(e164)
    return phonenumbers.region_code_for_number(parsed) if parsed else None
