# Copyright 2026 sms_gateway authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Rules for the sender (the "from" of an SMS) of each provider.

A sender is either an alphanumeric name (at most 11 characters, GSM 03.40
address field) or a number. What a name may use and how many digits a number
has are declared by each provider class (``sender_name_chars``,
``sender_name_chars_text``, ``sender_number_digits``,
``sender_name_needs_letter``); an unknown code or "none" gets the defaults of
``providers.base.BaseProvider``.
"""

import re

from .providers.base import BaseProvider
from .providers.registry import PROVIDERS

MAX_NAME_LENGTH = 11

_NUMBER = re.compile(r"\+?\d+")
_ASCII_ALNUM = re.compile(r"[A-Za-z0-9]")
_LETTER = re.compile(r"[A-Za-z]")


def check_sender(code, sender):
    """Return ``sender`` stripped when the provider ``code`` accepts it.

    Raise ValueError with a sentence naming the rule otherwise.
    """
    if not isinstance(sender, str):
        raise TypeError(f"sender must be a str, not {type(sender).__name__}")
    provider = PROVIDERS.get(code, BaseProvider)
    extra = provider.sender_name_chars
    low, high = provider.sender_number_digits
    value = sender.strip()
    rule = (
        f"a sender is a name of at most {MAX_NAME_LENGTH} characters "
        f"({provider.sender_name_chars_text}) or a number of {low} to {high} "
        "digits"
    )
    if not value:
        raise ValueError(f"The sender is empty: {rule}.")
    if _NUMBER.fullmatch(value):
        digits = len(value.lstrip("+"))
        if low <= digits <= high:
            return value
        if value.startswith("+") or digits > MAX_NAME_LENGTH:
            raise ValueError(
                f"The sender number {value!r} has {digits} digits: {rule}."
            )
    bad = sorted({c for c in value if not (_ASCII_ALNUM.match(c) or c in extra)})
    if bad:
        shown = " ".join(repr(c) for c in bad)
        raise ValueError(
            f"The sender name {value!r} has characters a sender cannot have "
            f"({shown}): {rule}."
        )
    if len(value) > MAX_NAME_LENGTH:
        raise ValueError(
            f"The sender name {value!r} is {len(value)} characters long: {rule}."
        )
    if provider.sender_name_needs_letter and not _LETTER.search(value):
        raise ValueError(
            f"The sender name {value!r} has no letter: {provider.label} needs at "
            f"least one letter in an alphanumeric sender ({rule})."
        )
    return value
