# Copyright 2026 sms_gateway authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Pure helpers for delivery callbacks, used by the Odoo HTTP controllers.

``map_status(code, provider_status)`` turns a provider status into one of
``FINAL_STATUSES``: "delivered", "undelivered", "expired", "unknown" or
"sent" (accepted by the network, not final). ``parse_callback(code,
payload)`` turns a callback's params (dict, list values allowed) or JSON
into a list of events ``{"provider_ref", "uid", "status", "raw_status",
"error", "at", "parts"}``; ``at`` is a naive UTC datetime or None. Each
provider module documents the fields it reads.

A report comes from the network: ``parse_callback`` takes it whole or not at
all. It raises ``CallbackError`` (``TooManyEventsError`` beyond
``MAX_EVENTS``) when the report is not an object of texts and numbers (or a
list of them), when a field the provider sends as text is something else,
when a text holds a NUL or a character that was not valid UTF-8, when a
reference or status is longer than a provider ever sends, or when the report
holds no delivery event at all. The error's text names the problem, never
the values (they may be anything).
"""

import re
from types import MappingProxyType

from .registry import PROVIDERS, get

DELIVERY_STATUSES = ("delivered", "undelivered", "expired", "unknown", "sent")

# code -> the provider's status table (read-only view of the declarations).
STATUS_MAP = MappingProxyType(
    {code: provider.status_map for code, provider in PROVIDERS.items()}
)


def map_status(code, provider_status):
    """Provider status (name, or SMSAPI numeric code) -> delivery status."""
    return get(code).map_status(provider_status)


def undelivered_kind(code, provider_status, error=None):
    """Why a message of provider ``code`` reported undelivered or expired was
    not delivered: one of ``UNDELIVERED_KINDS`` ("expired", "rejected",
    "invalid_destination", "not_allowed", "not_delivered"), from the
    provider's status and the error of its report; "not_delivered" for an
    unknown provider."""
    try:
        provider = get(code)
    except ValueError:
        return "not_delivered"
    return provider.undelivered_kind(provider_status, error)


# Bounds of one report: more than any provider sends at once (a dispatch
# batch is at most 2,000 messages), far less than could tire the server.
MAX_EVENTS = 5000
MAX_REF_LENGTH = 255
MAX_STATUS_LENGTH = 64
MAX_ERROR_LENGTH = 1000
MAX_PARTS = 100
# What a report or an incoming message may hold (``inbound.py`` too): values
# of these types; no control character (NUL first) nor U+FFFD, which
# decoding puts in place of bytes that were not UTF-8, in a text; neither
# those nor spaces in a reference or field name.
SCALARS = (str, int, float, bool, type(None))
# (Lone surrogates, which JSON can carry and no text can be stored with,
# count as bytes that were not UTF-8.)
BAD_TEXT_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffd]")
BAD_KEY_RE = re.compile(r"[\x00-\x1f\x7f\s\ud800-\udfff\ufffd]")


class CallbackError(ValueError):
    """The delivery report is malformed: none of it may be applied."""

    http_status = 400


class TooManyEventsError(CallbackError):
    """The report holds more events than ``MAX_EVENTS``."""

    http_status = 413


def _check_text(value, what):
    if isinstance(value, str) and BAD_TEXT_RE.search(value):
        raise CallbackError(
            f"{what} holds a control character or bytes that are not UTF-8"
        )


def check_payload(code, payload):
    """Raise CallbackError unless ``payload`` has the shape of a report of
    ``code``: an object (or a list of at most MAX_EVENTS objects) whose values
    are texts, numbers or lists of them, the provider's text fields texts."""
    text_fields = get(code).callback_text_fields
    items = payload if isinstance(payload, list) else [payload]
    if len(items) > MAX_EVENTS:
        raise TooManyEventsError(f"more than {MAX_EVENTS} reports in one call")
    for item in items:
        if not isinstance(item, dict):
            raise CallbackError("a delivery report must be an object of fields")
        for key, value in item.items():
            if not isinstance(key, str):
                raise CallbackError("a field name is not a text")
            _check_text(key, "a field name")
            values = value if isinstance(value, list) else [value]
            if len(values) > MAX_EVENTS:
                raise TooManyEventsError(f"more than {MAX_EVENTS} values in a field")
            name = key if key in text_fields else "a field"
            for one in values:
                if not isinstance(one, SCALARS):
                    raise CallbackError(f"{name} is neither a text nor a number")
                if key in text_fields and not isinstance(one, str | type(None)):
                    raise CallbackError(f"{name} must be a text")
                _check_text(one, name)


def _check_reference(value, what):
    if value is None:
        return
    if not isinstance(value, str) or not value:
        raise CallbackError(f"the {what} must be a text")
    if len(value) > MAX_REF_LENGTH:
        raise CallbackError(f"the {what} is longer than {MAX_REF_LENGTH} characters")
    if BAD_KEY_RE.search(value):
        raise CallbackError(f"the {what} holds spaces or control characters")


def check_event(event):
    """Raise CallbackError unless ``event`` is one a provider could send."""
    _check_reference(event.get("provider_ref"), "message reference")
    _check_reference(event.get("uid"), "message key")
    if not (event.get("provider_ref") or event.get("uid")):
        raise CallbackError("a report names no message")
    if event.get("status") not in DELIVERY_STATUSES:
        raise CallbackError("unknown delivery status")
    raw = event.get("raw_status")
    if raw is not None and (not isinstance(raw, str) or len(raw) > MAX_STATUS_LENGTH):
        raise CallbackError(f"the status is longer than {MAX_STATUS_LENGTH} characters")
    error = event.get("error")
    if error is not None and (
        not isinstance(error, str) or len(error) > MAX_ERROR_LENGTH
    ):
        raise CallbackError(
            f"the error text is longer than {MAX_ERROR_LENGTH} characters"
        )
    parts = event.get("parts")
    if parts is not None and not (isinstance(parts, int) and 0 < parts <= MAX_PARTS):
        raise CallbackError(f"the part count is not between 1 and {MAX_PARTS}")


def parse_callback(code, params_or_json):
    """Callback payload -> list of delivery events; CallbackError when the
    report is malformed or names no message (see the module docstring)."""
    provider = get(code)
    check_payload(code, params_or_json)
    try:
        events = provider.parse_callback(params_or_json)
    except (ArithmeticError, LookupError, TypeError, ValueError) as error:
        raise CallbackError(
            f"the report cannot be read ({type(error).__name__})"
        ) from None
    if len(events) > MAX_EVENTS:
        raise TooManyEventsError(f"more than {MAX_EVENTS} reports in one call")
    if not events:
        raise CallbackError("the report holds no delivery event")
    for event in events:
        check_event(event)
    return events
