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
"""

from . import quriiri, sandbox, smsapi, twilio

DELIVERY_STATUSES = ("delivered", "undelivered", "expired", "unknown", "sent")

STATUS_MAP = {
    "sandbox": sandbox.STATUS_MAP,
    "smsapi": smsapi.STATUS_MAP,
    "twilio": twilio.STATUS_MAP,
    "quriiri": quriiri.STATUS_MAP,
}
_STATUS_MAPPERS = {
    "sandbox": sandbox.map_status,
    "smsapi": smsapi.map_status,
    "twilio": twilio.map_status,
    "quriiri": quriiri.map_status,
}
_CALLBACK_PARSERS = {
    "sandbox": sandbox.parse_callback,
    "smsapi": smsapi.parse_callback,
    "twilio": twilio.parse_callback,
    "quriiri": quriiri.parse_callback,
}


def _lookup(table, code):
    try:
        return table[code]
    except KeyError:
        raise ValueError(f"unknown SMS provider code {code!r}") from None


def map_status(code, provider_status):
    """Provider status (name, or SMSAPI numeric code) -> delivery status."""
    return _lookup(_STATUS_MAPPERS, code)(provider_status)


def parse_callback(code, params_or_json):
    """Callback payload -> list of delivery events (empty when unusable)."""
    return _lookup(_CALLBACK_PARSERS, code)(params_or_json)
