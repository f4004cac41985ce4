# Copyright 2026 sms_gateway authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Rules for the sender (the "from" of an SMS) of each provider.

A sender is either an alphanumeric name (at most 11 characters, GSM 03.40
address field) or a number. What characters a name may use depends on the
provider: SMSAPI also allows ``. & @ - + _ ! %``; Twilio only letters, digits
and spaces, with at least one letter.
"""

import re

MAX_NAME_LENGTH = 11

# code -> (characters a name may use besides letters and digits, described)
NAME_EXTRA_CHARS = {
    "smsapi": (" .&@-+_!%", "letters, digits, space and . & @ - + _ ! %"),
    "twilio": (" ", "letters, digits and space"),
    "quriiri": (" .&@-+_!%", "letters, digits, space and . & @ - + _ ! %"),
    "sandbox": (" .&@-+_!%", "letters, digits, space and . & @ - + _ ! %"),
    "none": (" .&@-+_!%", "letters, digits, space and . & @ - + _ ! %"),
}
# code -> (min digits, max digits) of a numeric sender
NUMBER_DIGITS = {
    "smsapi": (8, 16),
    "twilio": (8, 15),
    "quriiri": (3, 16),
    "sandbox": (3, 16),
    "none": (3, 16),
}
_NUMBER = re.compile(r"\+?\d+")
_ASCII_ALNUM = re.compile(r"[A-Za-z0-9]")


def check_sender(code, sender):
    """Return ``sender`` stripped when the provider ``code`` accepts it.

    Raise ValueError with a sentence naming the rule otherwise.
    """
    if not isinstance(sender, str):
        raise TypeError(f"sender must be a str, not {type(sender).__name__}")
    extra, described = NAME_EXTRA_CHARS.get(code, NAME_EXTRA_CHARS["none"])
    low, high = NUMBER_DIGITS.get(code, NUMBER_DIGITS["none"])
    value = sender.strip()
    rule = (
        f"a sender is a name of at most {MAX_NAME_LENGTH} characters "
        f"({described}) or a number of {low} to {high} digits"
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
    if code == "twilio" and not re.search(r"[A-Za-z]", value):
        raise ValueError(
            f"The sender name {value!r} has no letter: Twilio needs at least one "
            f"letter in an alphanumeric sender ({rule})."
        )
    return value
