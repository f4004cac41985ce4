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
"""

import json
import logging
import math
import re
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone

import requests
from urllib3.exceptions import ConnectTimeoutError, NewConnectionError

from .errors import (
    ProviderError,
    ProviderUnavailableError,
    RateLimitError,
)

_logger = logging.getLogger(__name__)

DEFAULT_TIMEOUT = 10.0
DEFAULT_BATCH_SIZE = 100
E164_RE = re.compile(r"^\+[1-9]\d{1,14}$")
RESULT_STATES = ("accepted", "rejected", "retry")
REDACTED = "***"


@dataclass(frozen=True)
class Credential:
    """One setting of a provider account: ``key`` in the adapter's config,
    ``<code>_<key>`` on the Odoo account record."""

    key: str
    label: str
    secret: bool = False
    required: bool = False
    default: str | None = None
    help: str = ""


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


class BaseProvider:
    """Common behaviour of the adapters; subclasses implement ``_send()``."""

    code = None
    label = None
    supports_bulk = False
    supports_idempotency = False
    supports_balance = False
    supports_callbacks = False
    callback_signed = False
    sender_rules = ""
    credentials = ()
    DEFAULT_BASE_URL = None
    REQUIRED_FIELDS = ()
    SECRET_FIELDS = ()

    def __init__(self, config=None):
        config = dict(config or {})
        missing = [
            name
            for name in self.REQUIRED_FIELDS
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
            for name in self.SECRET_FIELDS
            if str(config.get(name) or "").strip()
        )
        self.timeout = self._read_timeout(config.get("timeout"))
        self.base_url = str(config.get("base_url") or self.DEFAULT_BASE_URL or "")
        self.base_url = self.base_url.rstrip("/")
        self.sender = str(config.get("sender") or "").strip() or None
        self.batch_size = to_int(config.get("batch_size")) or DEFAULT_BATCH_SIZE
        self._session = None

    @classmethod
    def verify_callback(cls, config, url, params, headers):
        """True when a report to ``url`` is signed by the provider for the
        account of ``config`` (providers with ``callback_signed``)."""
        return False

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
            self._session = requests.Session()
            self._session.headers["User-Agent"] = "sms_gateway (Odoo addon)"
        return self._session

    def close(self):
        if self._session is not None:
            self._session.close()
            self._session = None

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
        self, method, path, *, params=None, data=None, json_body=None, in_flight=()
    ):
        """Do one HTTP call; return an ``HttpAnswer`` or raise ProviderError.

        ``in_flight`` lists the uids this call carries: they are put on the
        error when the outcome is uncertain (the provider may have taken
        them). HTTP 429 and 5xx raise here; other statuses are returned for
        the adapter to interpret.
        """
        url = self._url(path)
        headers = {"Accept": "application/json"}
        headers.update(self._auth_headers())
        started = time.monotonic()
        try:
            response = self.session.request(
                method,
                url,
                params=params,
                data=data,
                json=json_body,
                headers=headers,
                auth=self._auth(),
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
                f"{self.label}: rate limit reached (HTTP 429)",
                retry_after=to_float(answer.headers.get("Retry-After")),
                http_status=429,
            )
        if answer.status >= 500:
            raise ProviderUnavailableError(
                f"{self.label}: provider unavailable (HTTP {answer.status})",
                http_status=answer.status,
                in_flight=in_flight if answer.status == 504 else (),
            )
        return answer

    def _transport_error(self, exc, method, path, in_flight):
        where = f"{method} {self._redact(path)}"
        if isinstance(exc, requests.exceptions.ConnectTimeout):
            return ProviderUnavailableError(
                f"{self.label}: connection timed out after {self.timeout:g} s "
                f"({where})",
                code="timeout",
            )
        if isinstance(exc, requests.exceptions.Timeout):
            return ProviderUnavailableError(
                f"{self.label}: no answer within {self.timeout:g} s ({where})",
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
                f"{self.label}: invalid provider URL ({where})",
                code="config",
                temporary=False,
            )
        if isinstance(exc, requests.exceptions.ConnectionError):
            reason = getattr(exc.args[0] if exc.args else None, "reason", None)
            refused = isinstance(reason, NewConnectionError | ConnectTimeoutError)
            return ProviderUnavailableError(
                f"{self.label}: cannot reach the provider ({where}): "
                f"{type(reason or exc).__name__}",
                in_flight=() if refused else in_flight,
            )
        return ProviderUnavailableError(
            f"{self.label}: request failed ({where}): {type(exc).__name__}",
            in_flight=in_flight,
        )

    def _bad_answer(self, answer, what, in_flight=()):
        """Error for an answer we cannot understand (temporary)."""
        snippet = self._redact(" ".join(answer.text.split())[:200])
        return ProviderError(
            f"{self.label}: unexpected answer to {what} (HTTP {answer.status}): "
            f"{snippet or 'empty body'}",
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

    def _groups(self, messages):
        """Group messages sharing body and sender into bulk requests.

        A group never holds the same number twice (answers are matched back
        by number) and holds at most ``batch_size`` messages.
        """
        groups = []
        open_groups = {}
        for message in messages:
            number = digits_key(message["number"])
            key = (message["body"], message["sender"])
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
        """Account balance as a float, or None when the provider has no API."""

    def check(self):
        """Raise ProviderError when the provider cannot be used; else True."""
        return True
