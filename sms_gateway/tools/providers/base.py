# Copyright 2026 sms_gateway authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Base class shared by the provider adapters.

It owns the one ``requests.Session`` of an adapter and the single HTTP choke
point ``_request()``, which always passes ``timeout=``, turns transport
failures, HTTP 429 and HTTP 5xx into ``ProviderError`` subclasses, and never
lets a credential reach a log line, an error message or ``repr()``.

``send()`` is implemented here once: it validates the messages, lets the
adapter's ``_send()`` fill a ``{uid: result}`` dict as it goes and, when the
adapter raises, attaches the results gathered so far to the error as
``partial_results`` (see ``errors.py``).

``BaseProvider`` also holds the one declaration of what a provider is, read
by the registry (``providers/__init__.py``), ``sender.py``, ``callbacks.py``
and the Odoo layer: ``code``, ``label``, ``credentials`` (``Credential``
items; the Odoo account has one field ``<code>_<key>`` each, ``build()``
takes the bare keys), the sender rules, the ``supports_*`` flags,
``callback_signed`` / ``verify_callback``, ``status_map`` /
``callback_text_fields`` / ``map_status`` / ``parse_callback`` and
``max_requests_per_second``. Every adapter takes ``callback_url`` (the
delivery report address; ``{uid}`` in it is replaced by the message uid by
the adapters sending one message per request).

Concurrent requests (``_send_each``): adapters that need one HTTP request per
message (Twilio, Vonage) or per text (Quriiri, personalised texts) send over
``connections`` threads (config ``connections``, 1 to ``MAX_CONNECTIONS``;
1, one after the other, when not configured). Each thread has its own
``requests.Session`` (its own keep-alive connection): ``requests`` does not
promise that a Session may be shared between threads (psf/requests#2766), and
a thread's connection stays open for all the messages it sends. Pacing is
one clock shared by the threads (``RateClock``, a locked sliding window,
the way providers count): at most ``floor(rate)`` request starts within any
``1 + PACE_MARGIN`` seconds, so the provider never counts more than ``rate``
requests in a second even when the network delays some requests more than
others, and a pause between two batches is made up by the requests after
it. Config
``requests_per_second`` replaces the class's ``max_requests_per_second``
(0: no pacing); ``rate_key`` names the clock, so that the adapters built
one after the other for one account (one per dispatch batch) share it.

When a request fails (rate limit, timeout, refused credentials, ...), no new
request starts (a thread waiting for its slot gives up); the requests under
way finish and keep their results; ``send()`` raises the first error (an
error that stops the account before a temporary one), with ``in_flight`` the
uids of every failed request whose outcome is unknown. The messages never
started are in neither: they are simply retried. An unexpected exception in
a thread is such an error too (``code="unexpected"``, its request's uids in
flight): the results of the other requests are never lost. No thread
outlives ``send()``.
"""

import collections
import hashlib
import json
import logging
import math
import re
import socket
import ssl
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from urllib.parse import quote, quote_plus, urlsplit

import requests
from urllib3 import exceptions as urllib3_exceptions
from urllib3.exceptions import ConnectTimeoutError, NewConnectionError

from .errors import (
    ProviderError,
    ProviderUnavailableError,
    RateLimitError,
)

_logger = logging.getLogger(__name__)

DEFAULT_TIMEOUT = 10.0
DEFAULT_BATCH_SIZE = 100
# Concurrent requests of one ``send()`` (``connections``): the bounds, and
# the value when the configuration names none (one after the other).
MAX_CONNECTIONS = 16
DEFAULT_CONNECTIONS = 1
# Pacing counts requests over a second and this many seconds more: a request
# the network delays by up to ``PACE_MARGIN`` seconds more than the one
# ``rate`` requests later still arrives in another second.
PACE_MARGIN = 0.02
E164_RE = re.compile(r"^\+[1-9]\d{1,14}$")
RESULT_STATES = ("accepted", "rejected", "retry")
REDACTED = "***"


@dataclass(frozen=True)
class Credential:
    """One configuration value a provider needs (declared by the provider).

    ``secret``: never shown, redacted from every text; ``required``: ``build``
    refuses a configuration without it; ``default``: used when it is empty;
    ``choices``: ``(value, label)`` pairs a person picks from (the form offers
    them, and any other value still works, e.g. a proxy or a test server).
    """

    key: str
    label: str
    secret: bool = False
    required: bool = True
    default: str | None = None
    help: str = ""
    choices: tuple = ()


def base_url_credential(default, help_text="", choices=()):
    """The ``base_url`` credential every HTTP provider declares."""
    return Credential(
        "base_url",
        "Address",
        required=False,
        default=default,
        help=help_text or "API address; change it only for tests or a proxy.",
        choices=tuple(choices),
    )


DEFAULT_NAME_CHARS = " .&@-+_!%"
DEFAULT_NAME_CHARS_TEXT = "letters, digits, space and . & @ - + _ ! %"
FAILED_STATUSES = ("undelivered", "expired")
# Why a message was not delivered, in the words of Odoo's SMS delivery errors
# (``sms_<kind>``): expired, refused by the network, a number that reaches no
# phone, a number the network does not let receive it, or just not delivered.
UNDELIVERED_KINDS = (
    "expired",
    "rejected",
    "invalid_destination",
    "not_allowed",
    "not_delivered",
)
# "Twilio error 30005: ...", "failed (err-code 9)": the code a report gave.
ERROR_CODE_RE = re.compile(r"\berr(?:or|-code)\s+(\d+)", re.IGNORECASE)


@dataclass(frozen=True)
class Balance:
    """What ``balance()`` answers: the amount and what it counts (``unit``:
    a currency code such as "EUR", or "points" for SMSAPI)."""

    amount: float
    unit: str = ""

    def __str__(self):
        return f"{self.amount:,.2f} {self.unit}".strip()


@dataclass
class HttpAnswer:
    """What ``_request()`` returns: status, parsed JSON (or None) and text."""

    status: int
    data: object = None
    text: str = ""
    headers: dict = field(default_factory=dict)

    @property
    def ok(self):
        return 200 <= self.status < 300


# What ``urllib.parse.quote_plus`` leaves as it is (and the space, which it
# writes "+").
_FORM_UNSAFE = re.compile(r"[^A-Za-z0-9_.\-~ ]+")


def _form_quote(value):
    if isinstance(value, bytes):
        return quote_plus(value)
    return _FORM_UNSAFE.sub(
        lambda match: "".join(f"%{byte:02X}" for byte in match[0].encode()),
        str(value),
    ).replace(" ", "+")


def form_encode(fields):
    """``fields`` (a dict) as an ``application/x-www-form-urlencoded`` body,
    as requests writes it (a list of values repeats the key, None is left
    out), quoting runs of unsafe characters at once: a request of 2,000
    personalised SMS has values of 100,000 characters, which ``urlencode``
    quotes one byte after the other."""
    pairs = []
    for key, value in fields.items():
        many = not isinstance(value, str | bytes) and hasattr(value, "__iter__")
        pairs.extend(
            f"{_form_quote(key)}={_form_quote(item)}"
            for item in (value if many else [value])
            if item is not None
        )
    return "&".join(pairs)


def rate_window(rate):
    """``(count, seconds)``: at most ``count`` request starts within any
    ``seconds``, the pacing of ``rate`` requests per second. A provider
    counts the requests that reached it within the last second (a sliding
    window): ``floor(rate)`` per second plus ``PACE_MARGIN`` seconds (one
    per ``1 / rate`` seconds plus the margin below one per second)."""
    if rate >= 1:
        return math.floor(rate), 1.0 + PACE_MARGIN
    return 1, 1.0 / rate + PACE_MARGIN


class RateClock:
    """When the next request of one account may start, shared by the
    threads of a ``send()`` (and by the adapters given the same
    ``rate_key`` in one process).

    It counts as the provider counts, a sliding window (``rate_window``):
    a request may start when fewer than ``count`` started within the last
    ``seconds``. So a pause (the time between two dispatch batches, a slow
    answer) costs nothing once the requests of the last second allow more:
    the next ones go at once, as the provider's window allows them, and the
    rate over any second stays ``count``. A thread that wakes up a little
    late (the sleep's own delay, at most ``PACE_MARGIN / 2``) counts from
    the time it was allowed to start, so that the wake-ups' delays do not
    add up into a slower rate; later than that, from the time it really
    started."""

    def __init__(self):
        self._lock = threading.Lock()
        self._starts = collections.deque()

    def acquire(self, rate, halt):
        """Wait for a start time of ``rate`` per second; False when ``halt``
        (a ``threading.Event``) is set meanwhile."""
        count, seconds = rate_window(rate)
        starts = self._starts
        while True:
            with self._lock:
                now = time.monotonic()
                while len(starts) > count:  # a lower rate than before
                    starts.popleft()
                if len(starts) < count:
                    starts.append(now)
                    return True
                allowed = starts[0] + seconds
                if now >= allowed:
                    starts.popleft()
                    on_time = now - allowed <= PACE_MARGIN / 2
                    starts.append(allowed if on_time else now)
                    return True
                wait = allowed - now
            if halt.wait(wait):
                return False


_CLOCKS = {}
_CLOCKS_LOCK = threading.Lock()


# Named clocks kept at most (the oldest are forgotten).
MAX_CLOCKS = 1000


def rate_clock(key=None):
    """The shared clock named ``key`` (a new one for None)."""
    if key is None:
        return RateClock()
    with _CLOCKS_LOCK:
        if key not in _CLOCKS and len(_CLOCKS) >= MAX_CLOCKS:
            del _CLOCKS[next(iter(_CLOCKS))]
        return _CLOCKS.setdefault(key, RateClock())


class _NotStarted(Exception):
    """A request gave up waiting for its slot: the send is stopping."""


class _PoolState:
    """What the threads of one ``_send_each`` share: the units left and the
    errors met."""

    def __init__(self, units):
        self.lock = threading.Lock()
        self._units = list(reversed(units))
        self._errors = []

    def next_unit(self):
        with self.lock:
            return self._units.pop() if self._units else None

    def fail(self, error):
        with self.lock:
            self._errors.append(error)

    def error(self):
        """The error ``send()`` raises: the first one that stops the account
        (not temporary), else the first one; it carries the uids of every
        failed request whose outcome is unknown."""
        if not self._errors:
            return None
        lasting = [error for error in self._errors if not error.temporary]
        chosen = (lasting or self._errors)[0]
        in_flight = list(chosen.in_flight)
        for error in self._errors:
            in_flight.extend(uid for uid in error.in_flight if uid not in in_flight)
        chosen.in_flight = in_flight
        retry_after = [e.retry_after for e in self._errors if e.retry_after]
        if retry_after and not chosen.retry_after:
            chosen.retry_after = max(retry_after)
        return chosen


def make_result(uid, state, provider_ref=None, parts=None, cost=None, error=None):
    """Build one per-message result dict of ``send()``."""
    if state not in RESULT_STATES:
        raise ValueError(f"unknown result state {state!r}")
    return {
        "uid": uid,
        "state": state,
        "provider_ref": provider_ref,
        "parts": parts,
        "cost": cost,
        "error": error,
    }


def to_int(value):
    """int() of a provider value ("2", 2, 2.0), None when missing or invalid."""
    if value is None or value == "":
        return None
    try:
        return int(float(value))
    except (TypeError, ValueError):
        return None


def to_float(value):
    """float() of a provider value, None when missing or invalid."""
    if value is None or value == "":
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


_NOT_DIGITS = re.compile(r"\D+")


def digits_key(number):
    """Compare numbers across formats: '+48 500', '0048500', '48500' -> '48500'."""
    raw = str(number or "")
    if raw.isdigit():
        return raw.removeprefix("00")
    if raw[:1] == "+" and raw[1:].isdigit():  # E.164, the common case
        return raw[1:]
    text = _NOT_DIGITS.sub("", raw)
    if raw.strip().startswith("00"):
        text = text[2:]
    return text


def utc_from_timestamp(value):
    """Naive UTC datetime (Odoo's convention) from a unix time, or None."""
    seconds = to_float(value)
    if seconds is None or seconds <= 0:
        return None
    try:
        return datetime.fromtimestamp(seconds, timezone.utc).replace(tzinfo=None)
    except (OverflowError, OSError, ValueError):
        return None


def utc_from_iso(value):
    """Naive UTC datetime from an ISO 8601 text (``Z`` or offset), or None."""
    if not value:
        return None
    text = str(value).strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"  # Python 3.10 fromisoformat lacks "Z"
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    if moment.tzinfo is not None:
        moment = moment.astimezone(timezone.utc).replace(tzinfo=None)
    return moment


def first_value(value):
    """Callback params may come as lists (multi-dicts): keep the first value."""
    if isinstance(value, list | tuple):
        return value[0] if value else None
    return value


def _template(value):
    """A message's ``template`` (its text's literal pieces, see
    ``tools/text_template.py``) as a tuple of texts, or None when it has no
    gap or is not a list of texts."""
    if not isinstance(value, list | tuple) or len(value) < 2:
        return None
    if not all(isinstance(piece, str) for piece in value):
        return None
    return tuple(value)


def _causes(error):
    """``error`` and the exceptions it was raised from or during."""
    seen = []
    while error is not None and error not in seen and len(seen) < 10:
        seen.append(error)
        error = error.__cause__ or error.__context__
    return seen


def connection_failure(reason, host):
    """Why a connection to ``host`` failed, in words (``reason``: urllib3's
    reason of a ``requests`` ConnectionError, or None)."""
    causes = _causes(reason)
    name_error = getattr(urllib3_exceptions, "NameResolutionError", ())
    if any(
        isinstance(cause, socket.gaierror)
        or (name_error and isinstance(cause, name_error))
        for cause in causes
    ):
        return (
            f"the name {host} is not known (check the address and the server's "
            "DNS and internet access)"
        )
    if any(isinstance(cause, ConnectionRefusedError) for cause in causes):
        return (
            f"{host} refused the connection (check the address and port, and "
            "the firewall)"
        )
    if any(isinstance(cause, ssl.SSLError) for cause in causes):
        return f"the secure connection to {host} failed (certificate refused)"
    if isinstance(reason, NewConnectionError | ConnectTimeoutError):
        return (
            f"no connection to {host} (check the address and the server's "
            "internet access)"
        )
    return f"the connection to {host} was lost before the answer"


def make_event(provider_ref, uid, status, raw_status, error=None, at=None, parts=None):
    """One delivery event of ``parse_callback`` (see ``callbacks.py``)."""
    return {
        "provider_ref": provider_ref,
        "uid": uid or None,
        "status": status,
        "raw_status": raw_status,
        "error": error,
        "at": at,
        "parts": parts,
    }


# Incoming messages (``inbound.py``).
INBOUND_E164_RE = re.compile(r"^\+[1-9]\d{5,14}$")
_NUMBER_PUNCTUATION = re.compile(r"[\s().\-/]")
OPT_OUT_TYPES = ("stop", "start", "help")


def inbound_time(value):
    """Naive UTC datetime of the time an incoming message carries (unix
    seconds, ``YYYY-MM-DD HH:MM:SS`` in UTC, ISO 8601), None when missing or
    unreadable."""
    value = first_value(value)
    if value in (None, ""):
        return None
    if isinstance(value, int | float) or str(value).strip().isdigit():
        return utc_from_timestamp(value)
    return utc_from_iso(value)


def normalize_number(value):
    """E.164 form of a sender or recipient a provider gives, the text as
    given when it is a name (an alphanumeric sender), None when empty."""
    if value is None:
        return None
    raw = str(value).strip()
    if not raw:
        return None
    compact = _NUMBER_PUNCTUATION.sub("", raw)
    if compact.startswith("00"):
        compact = "+" + compact[2:]
    elif compact.isdigit():
        compact = "+" + compact
    if INBOUND_E164_RE.match(compact):
        return compact
    return raw


def _digest(*values):
    text = "\x1f".join("" if value is None else str(value) for value in values)
    return hashlib.sha256(text.encode()).hexdigest()[:40]


def make_inbound(
    number, text, provider_ref=None, to=None, at=None, opt_out=None, concat=None
):
    """One incoming message of ``inbound.parse_inbound``, its ``key`` made."""
    number = normalize_number(number)
    to = normalize_number(to)
    text = "" if text is None else str(text)
    ref = str(provider_ref).strip() if provider_ref not in (None, "") else None
    # Without an id: the same fields again, that day (a provider's repeated
    # delivery); the same short reply another day is another reply.
    when = at.isoformat() if at else datetime.now(timezone.utc).date().isoformat()
    key = ref or _digest(number, to, when, text)
    return {
        "key": key,
        "provider_ref": ref,
        "number": number,
        "to": to,
        "text": text,
        "at": at,
        "opt_out": opt_out,
        "concat": concat,
    }


def failure_text(status, raw_status):
    """The raw status as the error of a failed delivery, else None."""
    return raw_status if status in FAILED_STATUSES else None


class BaseProvider:
    """Common behaviour of the adapters; subclasses implement ``_send()``.

    The class attributes are the provider's declaration (module docstring).
    """

    code = None
    label = None
    credentials = ()
    # Sender rules (``sender.check_sender``): characters a name may use
    # besides ASCII letters and digits, their description, the digits of a
    # numeric sender, whether a name needs a letter, and the help text.
    sender_name_chars = DEFAULT_NAME_CHARS
    sender_name_chars_text = DEFAULT_NAME_CHARS_TEXT
    sender_number_digits = (3, 16)
    sender_name_needs_letter = False
    sender_rules = ""
    supports_bulk = False
    supports_idempotency = False
    supports_balance = False
    # What the balance counts when the balance API does not say it (a
    # currency code, or "points"); see ``balance()``.
    balance_unit = ""
    supports_callbacks = False
    # True when the class has ``delivery_status`` (set for each subclass).
    supports_polling = False
    # True when the report route carries no secret: ``verify_callback``
    # authenticates each report instead (Twilio's signature).
    callback_signed = False
    status_map = {}
    # Why an undelivered message was not: by provider status (``status_key``)
    # and by the error code of its report; ``undelivered_kind``.
    undelivered_status_kinds = {}
    undelivered_code_kinds = {}
    callback_text_fields = ()
    # Incoming messages (replies) forwarded to the account's inbound address
    # (``inbound.py``): whether the provider forwards them, whether it signs
    # them (``verify_callback`` checks the signature, as for its reports),
    # and the answer it expects: (HTTP status, body, content type).
    supports_inbound = False
    inbound_signed = False
    # Error codes with which the provider refuses a number that opted out
    # with it (replied STOP to the provider itself): ``is_opt_out``.
    opt_out_codes = ()
    inbound_answer = (200, "OK", "text/plain")
    # Documented request rate limit of an account; None when unknown.
    max_requests_per_second = None

    def __init_subclass__(cls, **kwargs):
        result = super().__init_subclass__(**kwargs)
        cls.supports_polling = callable(getattr(cls, "delivery_status", None))
        return result

    # -- declaration helpers --------------------------------------------------

    @classmethod
    def credential(cls, key):
        """The ``Credential`` named ``key``, or None."""
        return next((item for item in cls.credentials if item.key == key), None)

    @classmethod
    def required_keys(cls):
        return tuple(item.key for item in cls.credentials if item.required)

    @classmethod
    def secret_keys(cls):
        return tuple(item.key for item in cls.credentials if item.secret)

    @classmethod
    def default_base_url(cls):
        item = cls.credential("base_url")
        return item.default if item else None

    @classmethod
    def status_key(cls, provider_status):
        """Key of ``status_map`` for a provider status (lower case here)."""
        return str(provider_status or "").strip().lower()

    @classmethod
    def map_status(cls, provider_status):
        """Provider status -> one of ``callbacks.DELIVERY_STATUSES``."""
        return cls.status_map.get(cls.status_key(provider_status), "unknown")

    @classmethod
    def undelivered_kind(cls, provider_status, error=None):
        """Why a message the provider reported undelivered or expired was not
        delivered: one of ``UNDELIVERED_KINDS``, from its provider status and
        the error its report gave."""
        key = cls.status_key(provider_status)
        if cls.status_map.get(key) == "expired":
            return "expired"
        match = ERROR_CODE_RE.search(str(error or ""))
        if match and match.group(1) in cls.undelivered_code_kinds:
            return cls.undelivered_code_kinds[match.group(1)]
        return cls.undelivered_status_kinds.get(key, "not_delivered")

    @classmethod
    def parse_callback(cls, payload):
        """Delivery report (one object or a list) -> list of events."""
        items = payload if isinstance(payload, list) else [payload]
        events = []
        for item in items:
            events.extend(cls._parse_report(item or {}))
        return events

    @classmethod
    def _parse_report(cls, report):
        """Events of one report object (overridden by the adapters)."""
        raise NotImplementedError(f"{cls.label} sends no delivery reports")

    @classmethod
    def is_opt_out(cls, error):
        """True when ``error`` (a message's failure text) is the provider's
        refusal of a number that opted out with it."""
        match = ERROR_CODE_RE.search(str(error or ""))
        return bool(match and match.group(1) in cls.opt_out_codes)

    @classmethod
    def _parse_inbound_item(cls, item):
        """One incoming message (``make_inbound``) of one object the
        provider posted, None when the object holds none (overridden by the
        adapters that forward replies)."""
        raise NotImplementedError(f"{cls.label} forwards no incoming messages")

    @classmethod
    def verify_callback(cls, config, url, params, headers):
        """True when a report to ``url`` is authentic by its own signature
        (``callback_signed`` providers); the others authenticate by the
        secret in their report address, so this is False."""
        return False

    # -- instance ---------------------------------------------------------------

    def __init__(self, config=None):
        config = dict(config or {})
        missing = [
            name
            for name in self.required_keys()
            if not str(config.get(name) or "").strip()
        ]
        if missing:
            raise ProviderError(
                f"{self.label}: missing configuration: {', '.join(missing)}",
                code="config",
                temporary=False,
            )
        self._secrets = tuple(
            str(config[name]).strip()
            for name in self.secret_keys()
            if str(config.get(name) or "").strip()
        )
        self.timeout = self._read_timeout(config.get("timeout"))
        self.base_url = str(config.get("base_url") or self.default_base_url() or "")
        self.base_url = self.base_url.rstrip("/")
        self.sender = str(config.get("sender") or "").strip() or None
        self.batch_size = to_int(config.get("batch_size")) or DEFAULT_BATCH_SIZE
        self.callback_url = str(config.get("callback_url") or "").strip() or None
        rate = config.get("requests_per_second")
        if rate is not None and rate != "":
            self.max_requests_per_second = (
                self._read_number(rate, "requests per second", minimum=0) or None
            )
        connections = config.get("connections")
        if connections is None or connections == "":
            connections = DEFAULT_CONNECTIONS
        self.connections = int(
            self._read_number(
                connections,
                "parallel connections",
                minimum=1,
                maximum=MAX_CONNECTIONS,
            )
        )
        self._clock = rate_clock(config.get("rate_key") or None)
        self._session = None
        self._sessions = []  # one per extra thread of ``_send_each``
        self._local = threading.local()
        self._halt = threading.Event()

    def _config_value(self, config, key):
        """A credential's value from ``config``, stripped (its default when
        empty)."""
        value = str(config.get(key) or "").strip()
        if not value:
            item = self.credential(key)
            value = (item.default if item else None) or ""
        return value

    def callback_for(self, uid=None):
        """The report address for one message: ``{uid}`` replaced."""
        if not self.callback_url or uid is None:
            return self.callback_url
        return self.callback_url.replace("{uid}", quote(str(uid), safe=""))

    def _read_number(self, value, what, minimum=0, maximum=None):
        number = to_float(value)
        if (
            number is None
            or number < minimum
            or (maximum is not None and number > maximum)
        ):
            bounds = f"at least {minimum:g}"
            if maximum is not None:
                bounds = f"between {minimum:g} and {maximum:g}"
            raise ProviderError(
                f"{self.label}: {what} must be a number {bounds}",
                code="config",
                temporary=False,
            )
        return number

    def _read_timeout(self, value):
        if value is None or value == "":
            return DEFAULT_TIMEOUT
        timeout = to_float(value)
        if timeout is None or timeout <= 0:
            raise ProviderError(
                f"{self.label}: timeout must be a positive number of seconds",
                code="config",
                temporary=False,
            )
        return timeout

    # -- life cycle ---------------------------------------------------------

    @property
    def session(self):
        if self._session is None:
            self._session = self._new_session()
        return self._session

    def _new_session(self):
        session = requests.Session()
        session.headers["User-Agent"] = "sms_gateway (Odoo addon)"
        return session

    def _thread_session(self):
        """The session of the calling thread of ``_send_each`` (else the
        adapter's own)."""
        return getattr(self._local, "session", None) or self.session

    def close(self):
        if self._session is not None:
            self._session.close()
            self._session = None
        while self._sessions:
            self._sessions.pop().close()

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        self.close()

    def __repr__(self):
        return (
            f"<{type(self).__name__} code={self.code!r} "
            f"base_url={self.base_url!r} sender={self.sender!r}>"
        )

    # -- secrets ------------------------------------------------------------

    def _redact(self, text):
        """Remove every configured credential from ``text``."""
        text = str(text)
        for secret in self._secrets:
            text = text.replace(secret, REDACTED)
        return text

    # -- HTTP choke point -----------------------------------------------------

    def _auth_headers(self):
        """Headers carrying the credentials (overridden by adapters)."""
        return {}

    def _auth(self):
        """``requests`` auth object (HTTP Basic for Twilio), or None."""

    def _url(self, path):
        if path.startswith(("http://", "https://")):
            return path
        return f"{self.base_url}/{path.lstrip('/')}"

    def _request(
        self,
        method,
        path,
        *,
        params=None,
        data=None,
        json_body=None,
        in_flight=(),
        auth=None,
    ):
        """Do one HTTP call; return an ``HttpAnswer`` or raise ProviderError.

        ``in_flight`` lists the uids this call carries: they are put on the
        error when the outcome is uncertain (the provider may have taken
        them). HTTP 429 and 5xx raise here; other statuses are returned for
        the adapter to interpret. ``auth`` replaces ``_auth()`` for this call.
        """
        url = self._url(path)
        headers = {"Accept": "application/json"}
        headers.update(self._auth_headers())
        if isinstance(data, dict):
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            data = form_encode(data).encode("ascii")
        self._pace()
        started = time.monotonic()
        try:
            response = self._thread_session().request(
                method,
                url,
                params=params,
                data=data,
                json=json_body,
                headers=headers,
                auth=auth or self._auth(),
                timeout=self.timeout,
                allow_redirects=False,
            )
        except requests.exceptions.RequestException as exc:
            raise self._transport_error(exc, method, path, in_flight) from None
        elapsed = (time.monotonic() - started) * 1000
        _logger.debug(
            "%s %s %s -> HTTP %s (%.0f ms)",
            self.label,
            method,
            self._redact(path),
            response.status_code,
            elapsed,
        )
        answer = HttpAnswer(
            status=response.status_code,
            text=response.text or "",
            headers=dict(response.headers),
        )
        if answer.text.strip():
            try:
                answer.data = json.loads(answer.text)
            except ValueError:
                answer.data = None
        if answer.status == 429:
            raise RateLimitError(
                f"{self.label} asks to send more slowly (too many requests, HTTP "
                "429); sending goes on by itself",
                retry_after=to_float(answer.headers.get("Retry-After")),
                http_status=429,
            )
        if answer.status >= 500:
            raise ProviderUnavailableError(
                f"{self.label} has a problem of its own (HTTP {answer.status}); "
                "sending goes on when it answers again",
                http_status=answer.status,
                in_flight=in_flight if answer.status == 504 else (),
            )
        return answer

    def _pace(self):
        """Wait for this request's slot (``max_requests_per_second``, shared
        by the threads); raise ``_NotStarted`` when the send stops meanwhile."""
        rate = self.max_requests_per_second
        if rate and not self._clock.acquire(rate, self._halt):
            raise _NotStarted()
        if self._halt.is_set():
            raise _NotStarted()

    def _host(self, path=""):
        """``host[:port]`` the adapter talks to (never a credential)."""
        try:
            netloc = urlsplit(self._url(path)).netloc
        except ValueError:
            netloc = ""
        return self._redact(netloc.rpartition("@")[2]) or self.base_url

    def _transport_error(self, exc, method, path, in_flight):
        """The request did not get an answer: a ProviderError in words (what
        happened and what to check); the technical detail goes to the log."""
        where = f"{method} {self._redact(path)}"
        _logger.warning(
            "%s: %s failed: %s: %s",
            self.label,
            where,
            type(exc).__name__,
            self._redact(exc),
        )
        host = self._host(path)
        if isinstance(exc, requests.exceptions.ConnectTimeout):
            return ProviderUnavailableError(
                f"{self.label} cannot be reached: no connection to {host} within "
                f"{self.timeout:g} s (check the server's internet access)",
                code="timeout",
            )
        if isinstance(exc, requests.exceptions.Timeout):
            return ProviderUnavailableError(
                f"{self.label} did not answer within {self.timeout:g} s",
                code="timeout",
                in_flight=in_flight,
            )
        if isinstance(
            exc,
            requests.exceptions.MissingSchema
            | requests.exceptions.InvalidSchema
            | requests.exceptions.InvalidURL,
        ):
            return ProviderError(
                f"{self.label}: the address {self._redact(self.base_url)!r} is not "
                "a web address (https://...): correct it on the SMS account",
                code="config",
                temporary=False,
            )
        if isinstance(exc, requests.exceptions.SSLError):
            return ProviderUnavailableError(
                f"{self.label} cannot be reached: the secure connection to {host} "
                "failed (certificate refused); check the address and the server's "
                "date and certificates",
            )
        if isinstance(exc, requests.exceptions.ProxyError):
            return ProviderUnavailableError(
                f"{self.label} cannot be reached: the proxy refused the connection "
                f"to {host}",
            )
        if isinstance(exc, requests.exceptions.ConnectionError):
            reason = getattr(exc.args[0] if exc.args else None, "reason", None)
            refused = isinstance(reason, NewConnectionError | ConnectTimeoutError)
            return ProviderUnavailableError(
                f"{self.label} cannot be reached: {connection_failure(reason, host)}",
                in_flight=() if refused else in_flight,
            )
        return ProviderUnavailableError(
            f"{self.label} cannot be reached: the request to {host} failed",
            in_flight=in_flight,
        )

    def _bad_answer(self, answer, what, in_flight=()):
        """Error for an answer we cannot understand (temporary); what it said
        goes to the log."""
        snippet = self._redact(" ".join(answer.text.split())[:200])
        _logger.warning(
            "%s: unexpected answer to %s (HTTP %s): %s",
            self.label,
            what,
            answer.status,
            snippet or "empty body",
        )
        return ProviderError(
            f"{self.label} gave an answer that cannot be read (HTTP "
            f"{answer.status} to {what}); is the address the provider's API?",
            code="bad_answer",
            temporary=True,
            in_flight=in_flight if answer.ok else (),
            http_status=answer.status,
        )

    # -- sending --------------------------------------------------------------

    def send(self, messages):
        """Send ``messages``; return one result dict per message, same order.

        See the package docstring for the message and result formats and for
        ``ProviderError.partial_results``.
        """
        messages = [self._normalize_message(message) for message in messages]
        uids = [message["uid"] for message in messages]
        if len(set(uids)) != len(uids):
            raise ValueError("send(): each message needs its own uid")
        results = {}
        pending = []
        for message in messages:
            error = self._local_error(message)
            if error:
                results[message["uid"]] = make_result(
                    message["uid"], "rejected", error=error
                )
            else:
                pending.append(message)
        try:
            if pending:
                self._send(pending, results)
        except ProviderError as exc:
            exc.partial_results = [
                results[message["uid"]]
                for message in messages
                if message["uid"] in results
            ]
            raise
        return [
            results.get(message["uid"])
            or make_result(message["uid"], "retry", error="no answer for this message")
            for message in messages
        ]

    def _normalize_message(self, message):
        uid = message.get("uid")
        if uid is None or str(uid) == "":
            raise ValueError("send(): every message needs a uid")
        return {
            "uid": str(uid),
            "number": str(message.get("number") or "").strip(),
            "body": message.get("body") or "",
            "sender": (str(message.get("sender") or "").strip() or self.sender),
            "template": _template(message.get("template")),
        }

    def _local_error(self, message):
        """Reason to reject a message without asking the provider, or None."""
        if not E164_RE.match(message["number"]):
            return "invalid phone number (E.164 expected, e.g. +48500000000)"
        if not message["body"].strip():
            return "empty message"
        return None

    def _send(self, messages, results):
        raise NotImplementedError

    def _group_key(self, message):
        """What the messages of one bulk request share: body and sender."""
        return (message["body"], message["sender"])

    # -- concurrent requests ----------------------------------------------------

    def _send_each(self, units, send_unit, results):
        """Send ``units`` (lists of messages, one request each) with
        ``send_unit(unit, unit_results)``, over ``connections`` threads
        (see the module docstring); fill ``results``, raise the first error
        with the results of the units that got an answer."""
        units = [unit for unit in units if unit]
        count = min(self.connections, len(units))
        state = _PoolState(units)
        self._halt.clear()
        try:
            self._run_pool(state, send_unit, results, count)
        finally:
            self._halt.clear()  # the adapter's other calls go on
        error = state.error()
        if error is not None:
            raise error

    def _run_pool(self, state, send_unit, results, count):
        if count <= 1:
            self._run_units(state, send_unit, results, None)
        else:
            while len(self._sessions) < count - 1:
                self._sessions.append(self._new_session())
            threads = [
                threading.Thread(
                    target=self._run_units,
                    args=(state, send_unit, results, index),
                    name=f"sms-{self.code}-{index}",
                    daemon=True,
                )
                for index in range(count)
            ]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()

    def _run_units(self, state, send_unit, results, index):
        """One thread of ``_send_each``: take the next unit until none is
        left or the send stops; each unit's results go to ``results`` only
        when complete."""
        if index:  # the first thread uses the adapter's own session
            self._local.session = self._sessions[index - 1]
        try:
            while not self._halt.is_set():
                unit = state.next_unit()
                if unit is None:
                    return
                unit_results = {}
                try:
                    send_unit(unit, unit_results)
                except _NotStarted:
                    return
                except ProviderError as exc:
                    self._halt.set()
                    state.fail(exc)
                except BaseException as exc:  # pylint: disable=broad-exception-caught
                    if index is None and not isinstance(exc, Exception):
                        raise  # the caller's own thread is stopped: let it stop
                    # A thread's crash becomes an error of the send, whose
                    # other results are kept.
                    self._halt.set()
                    state.fail(self._unexpected_error(exc, unit))
                finally:
                    with state.lock:  # dict updates from several threads
                        results.update(unit_results)
        finally:
            self._local.session = None

    def _unexpected_error(self, exc, unit):
        """A bug or an unforeseen answer while sending ``unit``: whether its
        request went is unknown; the other results are kept."""
        _logger.exception(
            "%s: unexpected error while sending %s messages",
            self.label,
            len(unit),
        )
        return ProviderError(
            f"{self.label}: unexpected error ({type(exc).__name__}) while "
            "sending, see the server log",
            code="unexpected",
            temporary=True,
            in_flight=[message["uid"] for message in unit],
        )

    def _groups(self, messages):
        """Group messages sharing ``_group_key`` (body and sender) into bulk
        requests.

        A group never holds the same number twice (answers are matched back
        by number) and holds at most ``batch_size`` messages.
        """
        groups = []
        open_groups = {}
        for message in messages:
            number = digits_key(message["number"])
            key = self._group_key(message)
            candidates = open_groups.setdefault(key, [])
            for group, numbers in candidates:
                if len(group) < self.batch_size and number not in numbers:
                    break
            else:
                group, numbers = [], set()
                candidates.append((group, numbers))
                groups.append(group)
            group.append(message)
            numbers.add(number)
        return groups

    # -- account --------------------------------------------------------------

    def balance(self):
        """The account's balance as ``Balance(amount, unit)``, or None when
        the provider has no balance API. Adapters implement ``_balance()``,
        which returns the amount (in ``balance_unit``) or a ``Balance`` when
        the API tells the unit (Twilio's currency)."""
        amount = self._balance()
        if amount is None or isinstance(amount, Balance):
            return amount
        return Balance(float(amount), self.balance_unit)

    def _balance(self):
        """The amount (see ``balance()``); None: no balance API."""

    def check(self):
        """Raise ProviderError when the provider cannot be used; else True."""
        return True
