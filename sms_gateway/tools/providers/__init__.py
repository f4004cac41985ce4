# Copyright 2026 sms_gateway authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""SMS provider adapters: the facade the Odoo models use.

Pure Python (``requests``), never imports odoo.

``build(code, config)`` returns a provider. Each provider declares itself in
its own module of this package (``registry.py`` finds them): ``PROVIDERS``
maps code -> class (sandbox first, then by label), ``get(code)`` gives the
class. A class declares ``code``, ``label``, ``credentials`` (``Credential``
items: the config keys, which are secret or required, their defaults), the
sender rules, ``supports_bulk``, ``supports_idempotency``,
``supports_balance``, ``supports_callbacks``, ``supports_polling``,
``callback_signed`` / ``verify_callback``, ``status_map``, ``map_status``,
``parse_callback`` and ``max_requests_per_second`` (see ``base.py``).

Config keys: the provider's credential keys (``token`` and ``base_url`` for
SMSAPI, ``account_sid``, ``auth_token``, ``base_url`` for Twilio, ...), plus
``sender``, ``timeout`` (10 s), ``batch_size``, ``callback_url`` (the
delivery report address; ``{uid}`` in it is replaced by the message uid by
the providers sending one request per message), ``connections`` (concurrent
requests of one send, 1 to 16, default 1), ``requests_per_second`` (replaces
the class's ``max_requests_per_second``; 0: no pacing) and ``rate_key`` (a
name shared by the adapters of one account, so that they share one pacing
clock; see ``base.py``). SMSAPI also reads
``max_parts``, ``normalize``, ``test``; Twilio ``messaging_service_sid``.

An unknown code raises ValueError; a missing credential raises
``ProviderError(code="config", temporary=False)`` naming the field, never its
value.

``provider.send(messages)``: ``messages`` is a list of ``{"uid", "number"
(E.164), "body", "sender" (None = configured sender), "template"
(optional: the literal pieces of the text's template, see
``tools/text_template.py``; SMSAPI sends the messages of one template in one
request, the others ignore it)}``; it returns one result per message, same
order: ``{"uid", "state": "accepted" | "rejected" |
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
  otherwise (Twilio, Quriiri, Vonage).

``provider.balance()`` -> ``Balance(amount, unit)`` (``str()``: "42.50
points", "12.00 USD") or None when the provider has no balance API (every
adapter declares ``balance_unit`` or reads the unit from the answer);
``provider.check()`` raises ProviderError when the provider cannot be used;
``provider.close()``; providers are context managers. Callback helpers: ``STATUS_MAP``,
``map_status``, ``parse_callback``, ``undelivered_kind`` (why a message was
not delivered, in the words of Odoo's SMS delivery errors) (``callbacks.py``,
by code) and each class's ``verify_callback``.
"""

# The provider modules and classes named here are kept for the callers that
# import them; the registry finds every provider module by itself.
from . import quriiri, sandbox, smsapi, twilio
from .base import UNDELIVERED_KINDS, Balance, BaseProvider, Credential, make_result
from .callbacks import (
    DELIVERY_STATUSES,
    STATUS_MAP,
    map_status,
    parse_callback,
    undelivered_kind,
)
from .errors import (
    AuthenticationError,
    NoCreditError,
    ProviderError,
    ProviderUnavailableError,
    RateLimitError,
)
from .quriiri import QuriiriProvider
from .registry import PROVIDERS, build, get
from .sandbox import SandboxProvider
from .smsapi import SmsapiProvider
from .twilio import TwilioProvider

__all__ = [
    "DELIVERY_STATUSES",
    "PROVIDERS",
    "STATUS_MAP",
    "UNDELIVERED_KINDS",
    "AuthenticationError",
    "Balance",
    "BaseProvider",
    "Credential",
    "NoCreditError",
    "ProviderError",
    "ProviderUnavailableError",
    "QuriiriProvider",
    "RateLimitError",
    "SandboxProvider",
    "SmsapiProvider",
    "TwilioProvider",
    "build",
    "get",
    "make_result",
    "map_status",
    "parse_callback",
    "quriiri",
    "sandbox",
    "smsapi",
    "twilio",
    "undelivered_kind",
]
