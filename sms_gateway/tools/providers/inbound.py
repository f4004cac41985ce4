# Copyright 2026 sms_gateway authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Pure helpers for incoming SMS (the replies a provider forwards), used by
the Odoo HTTP controllers.

``parse_inbound(code, payload)`` turns what a provider posts to the inbound
address of an account (form fields, a query, or JSON: one object or a list)
into a list of messages ``{"key", "provider_ref", "number", "to", "text",
"at", "opt_out", "concat"}``:

- ``number``: who sent it, in E.164 form where it is a number (providers send
  ``48500100200``, ``+48500100200``, ``0048...`` or, form-decoded twice,
  `` 358...``), else the sender name as given (an operator's name);
- ``to``: the account's number or sender the reply was sent to (E.164 where
  it is a number), or None;
- ``text``: the reply, as the provider decoded it;
- ``at``: when the provider received it (naive UTC), or None (then: now);
- ``opt_out``: ``"stop"``, ``"start"`` or ``"help"`` when the provider
  itself classified the reply (Twilio's Advanced Opt-Out ``OptOutType``),
  else None: keywords are matched by the addon;
- ``concat``: ``(reference, total, part)`` for one part of a long SMS that
  the provider forwards part by part (Vonage), else None;
- ``key``: what makes a repeated delivery of the same message recognisable:
  the provider's message id, else a digest of sender, recipient, time and
  text (a provider that sends no id sends the same fields again).

A message comes from the network: ``parse_inbound`` takes it whole or not at
all, and raises ``InboundError`` when the payload is not an object of texts
and numbers (or a list of at most ``MAX_MESSAGES`` of them), a text holds a
NUL or bytes that were not UTF-8, a field is longer than a provider ever
sends, or no message is in it. The error names the problem, never the
values.

Each provider declares what it reads in its own module
(``_parse_inbound_item``, which builds messages with ``base.make_inbound``)
and how it wants to be answered (``inbound_answer``); Twilio signs its
requests (``inbound_signed``), the others are authenticated by the secret of
the account's address.
"""

from .base import OPT_OUT_TYPES
from .callbacks import BAD_KEY_RE, BAD_TEXT_RE, SCALARS
from .registry import get

MAX_MESSAGES = 1000
MAX_TEXT_LENGTH = 10000  # a long SMS of 60 parts and more
MAX_NUMBER_LENGTH = 32
MAX_REF_LENGTH = 255


class InboundError(ValueError):
    """The incoming message is malformed: none of it may be stored."""

    http_status = 400


class TooManyMessagesError(InboundError):
    http_status = 413


def _check_value(value, what):
    if not isinstance(value, SCALARS):
        raise InboundError(f"{what} is neither a text nor a number")
    if isinstance(value, str) and BAD_TEXT_RE.search(value):
        raise InboundError(
            f"{what} holds a control character or bytes that are not UTF-8"
        )


def check_payload(payload):
    """Raise InboundError unless ``payload`` is an object (or a list of at
    most MAX_MESSAGES objects) of texts, numbers or lists of them."""
    items = payload if isinstance(payload, list) else [payload]
    if len(items) > MAX_MESSAGES:
        raise TooManyMessagesError(f"more than {MAX_MESSAGES} messages in one call")
    for item in items:
        if not isinstance(item, dict):
            raise InboundError("an incoming message must be an object of fields")
        for key, value in item.items():
            if not isinstance(key, str) or BAD_KEY_RE.search(key):
                raise InboundError("a field name is not a plain text")
            values = value if isinstance(value, list) else [value]
            if len(values) > MAX_MESSAGES:
                raise TooManyMessagesError("too many values in a field")
            for one in values:
                _check_value(one, "a field")


def check_message(message):
    """Raise InboundError unless ``message`` is one a provider could send."""
    number = message.get("number")
    if not number or not isinstance(number, str):
        raise InboundError("the message names no sender")
    if len(number) > MAX_NUMBER_LENGTH:
        raise InboundError("the sender is longer than a number or a name")
    to = message.get("to")
    if to is not None and (not isinstance(to, str) or len(to) > MAX_NUMBER_LENGTH):
        raise InboundError("the recipient is longer than a number or a name")
    text = message.get("text")
    if not isinstance(text, str):
        raise InboundError("the message has no text")
    if len(text) > MAX_TEXT_LENGTH:
        raise InboundError(f"the text is longer than {MAX_TEXT_LENGTH} characters")
    ref = message.get("provider_ref")
    if ref is not None and (
        not isinstance(ref, str)
        or not ref
        or len(ref) > MAX_REF_LENGTH
        or BAD_KEY_RE.search(ref)
    ):
        raise InboundError("the message reference is not a plain text")
    if message.get("opt_out") not in (None, *OPT_OUT_TYPES):
        raise InboundError("unknown opt-out type")
    concat = message.get("concat")
    if concat is not None:
        reference, total, part = concat
        if not (
            isinstance(reference, str)
            and 0 < len(reference) <= MAX_REF_LENGTH
            and isinstance(total, int)
            and isinstance(part, int)
            and 1 <= part <= total <= 255
        ):
            raise InboundError("the part numbers of a long message are not valid")


def parse_inbound(code, payload):
    """Incoming payload of provider ``code`` -> list of messages;
    InboundError when it is malformed or holds no message."""
    provider = get(code)
    check_payload(payload)
    items = payload if isinstance(payload, list) else [payload]
    try:
        messages = [
            message
            for message in (provider._parse_inbound_item(item) for item in items)
            if message is not None
        ]
    except (ArithmeticError, LookupError, TypeError, ValueError) as error:
        raise InboundError(
            f"the message cannot be read ({type(error).__name__})"
        ) from None
    if not messages:
        raise InboundError("the request holds no incoming message")
    for message in messages:
        check_message(message)
    return messages
