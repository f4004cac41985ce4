# Copyright 2026 sms_gateway authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""SMS provider adapters: the facade the Odoo models use.

Pure Python (``requests``), never imports odoo.

``build(code, config)`` returns a provider; codes and config keys:

- ``sandbox``: {} (nothing required; no network);
- ``smsapi``: token, sender, base_url ("https://api.smsapi.com"), timeout
  (10 s), notify_url, max_parts, normalize, test, batch_size;
- ``twilio``: account_sid, auth_token, sender, base_url
  ("https://api.twilio.com"), timeout, status_callback ("{uid}" is replaced
  by the message uid), messaging_service_sid;
- ``quriiri``: api_key, sender, base_url ("https://api.quriiri.fi/v1"),
  timeout, drurl, batch_size.

An unknown code raises ValueError; a missing credential raises
``ProviderError(code="config", temporary=False)`` naming the field, never its
value. ``PROVIDERS`` maps each code to its class (attributes ``code``,
``label``, ``supports_bulk``, ``supports_idempotency``, ``supports_balance``,
``supports_callbacks``, ``sender_rules``).

``provider.send(messages)``: ``messages`` is a list of ``{"uid", "number"
(E.164), "body", "sender" (None = configured sender)}``; it returns one
result per message, same order: ``{"uid", "state": "accepted" | "rejected" |
"retry", "provider_ref", "parts", "cost", "error"}``. "rejected" is permanent
for that message, "retry" temporary for that message.

When the whole request or the account fails, ``send`` raises
``ProviderError`` (or ``AuthenticationError``, ``NoCreditError``,
``RateLimitError``, ``ProviderUnavailableError``) with ``temporary``,
``code``, and:

- ``partial_results``: results of the messages already processed in this
  call (earlier groups or earlier Twilio messages, and messages refused
  locally). Record them: they are final. Messages not in it were not
  processed, except
- ``in_flight``: uids whose request was on the wire (read timeout, dropped
  connection, HTTP 504, unreadable 2xx answer): maybe sent. Safe to re-send
  when ``supports_idempotency`` (SMSAPI, sandbox); a possible duplicate
  otherwise (Twilio, Quriiri).

``provider.balance()`` -> float or None; ``provider.check()`` raises
ProviderError when the provider cannot be used; ``provider.close()``;
providers are context managers. Callback helpers: ``STATUS_MAP``,
``map_status``, ``parse_callback`` (``callbacks.py``) and
``twilio.compute_signature`` / ``twilio.verify_signature``.
"""

from . import quriiri, sandbox, smsapi, twilio
from .base import BaseProvider, make_result
from .callbacks import DELIVERY_STATUSES, STATUS_MAP, map_status, parse_callback
from .errors import (
    AuthenticationError,
    NoCreditError,
    ProviderError,
    ProviderUnavailableError,
    RateLimitError,
)
from .quriiri import QuriiriProvider
from .sandbox import SandboxProvider
from .smsapi import SmsapiProvider
from .twilio import TwilioProvider

PROVIDERS = {
    provider.code: provider
    for provider in (SandboxProvider, SmsapiProvider, TwilioProvider, QuriiriProvider)
}


def build(code, config=None):
    """Provider instance for ``code`` configured with ``config`` (a dict)."""
    try:
        provider_class = PROVIDERS[code]
    except KeyError:
        raise ValueError(
            f"unknown SMS provider code {code!r} (known: {', '.join(PROVIDERS)})"
        ) from None
    return provider_class(config or {})


__all__ = [
    "DELIVERY_STATUSES",
    "PROVIDERS",
    "STATUS_MAP",
    "AuthenticationError",
    "BaseProvider",
    "NoCreditError",
    "ProviderError",
    "ProviderUnavailableError",
    "QuriiriProvider",
    "RateLimitError",
    "SandboxProvider",
    "SmsapiProvider",
    "TwilioProvider",
    "build",
    "make_result",
    "map_status",
    "parse_callback",
    "quriiri",
    "sandbox",
    "smsapi",
    "twilio",
]
