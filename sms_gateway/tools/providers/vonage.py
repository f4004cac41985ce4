# Copyright 2026 sms_gateway authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Vonage (formerly Nexmo) SMS API adapter.

Sending: one ``POST {base_url}/sms/json`` per message (form fields
``api_key``, ``api_secret``, ``to`` without "+", ``from``, ``text``,
``type=unicode`` when the text is not GSM-7, ``client-ref`` = our uid,
``callback`` = the ``callback_url`` with ``status-report-req=1``). The answer
is ``{"message-count", "messages": [...]}`` with one entry per SMS part:
``status`` "0" is success, ``message-id``, ``message-price`` (summed as the
cost), ``remaining-balance``; a failed part has ``status`` and
``error-text``. Vonage answers HTTP 200 for refusals too.

Status codes (Vonage's "Troubleshooting SMS" table), see ``SEND_STATUSES``:
4 invalid credentials, 8 account barred, 14 invalid signature, 32 signature
and secret both given -> AuthenticationError; 9 partner quota exceeded (no
credit) -> NoCreditError; 1 throttled, 10 too many binds -> RateLimitError;
5 internal error, 13 communication failure -> ProviderUnavailableError
(temporary); 11 account not enabled for HTTP, 23 invalid callback URL ->
ProviderError(code="config"); 2, 3, 6, 7, 12, 15, 22, 29, 33 (invalid
parameters or message, number barred, message too long, sender refused for
this destination (North America), network code, destination not
whitelisted, number de-activated) -> "rejected" for that message. A sender
refusal (15) depends on the destination country, so it rejects the message
rather than stopping the run. Any other status -> "retry" with its text.
When some parts of a message were accepted and others refused, the message
is "accepted" (the accepted parts were sent and billed) with the refusal in
``error``.

Vonage has no idempotency key (``supports_idempotency`` False): a message
whose request timed out is listed in ``ProviderError.in_flight`` and may
have been sent; re-sending it may duplicate. Vonage documents a default of
30 API requests per second per API key ("What is the Throughput Limit for
Outbound SMS?", api.support.vonage.com article 203993598: more is rejected
with status 1, throttled; a higher limit is agreed with Vonage), counted in
requests, not SMS parts (article 115001344948): ``max_requests_per_second``.
US long numbers and 10DLC campaigns have lower limits of their own, per
sender, not applied here (set the account's rate). Not confirmed: how
Vonage counts a second (a sliding window or fixed seconds; pacing leaves a
margin for either), and whether status 1 comes with a time to wait. The
adapter sends over ``connections`` threads (``base._send_each``).

Balance: ``GET {base_url}/account/get-balance`` with HTTP Basic (api key,
secret), answer ``{"value": 12.34, "autoReload": false}``; ``check()`` uses it.

Delivery receipts (to ``callback_url``, GET or POST, form or JSON):
``messageId``, ``msisdn``, ``to``, ``network-code``, ``price``, ``status``
(delivered, expired, failed, rejected, accepted, buffered, unknown),
``err-code``, ``client-ref`` (our uid), ``scts`` (YYMMDDHHMM, when the
carrier sent the receipt) and ``message-timestamp``. Carriers send one
receipt per part, each with that part's ``messageId``: ``provider_ref`` is
the first part's id and every receipt carries the uid (``client-ref``).

Not confirmed from Vonage's own pages (taken from its SDKs or inferred):
the ``client-ref`` limit (40 characters in older documents, 100 in newer
ones; uids over 40 are refused locally), the sender rules (Vonage only says
an alphanumeric sender has at most 11 characters and spaces are ignored),
the meaning of each DLR ``err-code`` (reported as a number, not mapped),
and whether ``message-timestamp`` has a UTC offset (both forms are read).
"""

from datetime import datetime, timezone

from ..gsm7 import GSM7_CHARS
from .base import (
    BaseProvider,
    Credential,
    base_url_credential,
    first_value,
    inbound_time,
    make_event,
    make_inbound,
    make_result,
    to_float,
    to_int,
)
from .errors import (
    AuthenticationError,
    NoCreditError,
    ProviderError,
    ProviderUnavailableError,
    RateLimitError,
)

DEFAULT_BASE_URL = "https://rest.nexmo.com"
SEND_PATH = "/sms/json"
BALANCE_PATH = "/account/get-balance"
MAX_CLIENT_REF = 40
REJECTED = "rejected"

# status -> (what it means, the error class or REJECTED)
SEND_STATUSES = {
    1: ("throttled: too many requests, send more slowly", RateLimitError),
    2: ("missing parameters", REJECTED),
    3: ("invalid parameters", REJECTED),
    4: ("invalid API key or secret", AuthenticationError),
    5: ("internal error", ProviderUnavailableError),
    6: ("invalid message", REJECTED),
    7: ("number barred", REJECTED),
    8: ("the account is barred (suspended)", AuthenticationError),
    9: ("not enough credit (partner quota exceeded)", NoCreditError),
    10: ("too many connections", RateLimitError),
    11: ("the account is not enabled for the HTTP SMS API", ProviderError),
    12: ("message too long", REJECTED),
    13: ("communication failure", ProviderUnavailableError),
    14: ("invalid signature", AuthenticationError),
    15: ("sender not allowed for this destination", REJECTED),
    22: ("invalid network code", REJECTED),
    23: ("invalid callback URL", ProviderError),
    29: ("destination not whitelisted on this account", REJECTED),
    32: ("signature and API secret both given", AuthenticationError),
    33: ("number de-activated", REJECTED),
}
STATUS_MAP = {
    "delivered": "delivered",
    "expired": "expired",
    "failed": "undelivered",
    "rejected": "undelivered",
    "accepted": "sent",
    "buffered": "sent",
    "unknown": "unknown",
}
_TIMESTAMP_FORMATS = ("%Y-%m-%d %H:%M:%S %z", "%Y-%m-%d %H:%M:%S")


def receipt_time(scts, timestamp):
    """Naive UTC time of a receipt: ``scts`` (YYMMDDHHMM), else
    ``message-timestamp``; None when neither reads."""
    candidates = [(str(scts or "").strip(), "%y%m%d%H%M")]
    candidates += [(str(timestamp or "").strip(), fmt) for fmt in _TIMESTAMP_FORMATS]
    for text, fmt in candidates:
        try:
            moment = datetime.strptime(text, fmt)
        except ValueError:
            continue
        if moment.tzinfo is not None:
            moment = moment.astimezone(timezone.utc).replace(tzinfo=None)
        return moment
    return None


class VonageProvider(BaseProvider):
    """Vonage SMS API; see the module docstring."""

    code = "vonage"
    label = "Vonage"
    credentials = (
        Credential("api_key", "API Key", help="The API key of the Vonage dashboard."),
        Credential(
            "api_secret",
            "API Secret",
            secret=True,
            help="The API secret of the Vonage dashboard.",
        ),
        base_url_credential(DEFAULT_BASE_URL),
    )
    sender_name_chars = " "
    sender_name_chars_text = "letters, digits and space"
    sender_number_digits = (4, 15)
    sender_rules = (
        "An alphanumeric sender of at most 11 characters (letters, digits, "
        "space) where the destination country allows it, or a Vonage number "
        "of the account (required in the US and Canada)."
    )
    supports_bulk = False
    supports_idempotency = False
    supports_balance = True
    balance_unit = "EUR"
    supports_callbacks = True
    max_requests_per_second = 30
    status_map = STATUS_MAP
    undelivered_status_kinds = {"rejected": "rejected"}
    # Delivery receipt err-codes: 4 call barred by user, 6 anti-spam
    # rejection, 9 illegal number, 10 illegal message, 11 unroutable,
    # 13 subscriber age restriction, 14 number blocked by carrier.
    undelivered_code_kinds = {
        "4": "not_allowed",
        "6": "rejected",
        "9": "invalid_destination",
        "10": "rejected",
        "11": "invalid_destination",
        "13": "not_allowed",
        "14": "not_allowed",
    }
    callback_text_fields = (
        "messageId",
        "msisdn",
        "status",
        "client-ref",
        "message-timestamp",
    )

    supports_inbound = True
    inbound_answer = (204, "", "text/plain")

    @classmethod
    def _parse_inbound_item(cls, item):
        """An inbound SMS as Vonage sends it to the account's inbound URL
        (GET, form POST or JSON): ``msisdn`` (the sender, digits), ``to``,
        ``text``, ``messageId``, ``message-timestamp`` (UTC) and, for a part
        of a long message, ``concat`` "true" with ``concat-ref``,
        ``concat-total`` and ``concat-part`` (each part is a request of its
        own). Answered 204; binary messages hold no text."""
        number = first_value(item.get("msisdn"))
        text = first_value(item.get("text"))
        kind = str(first_value(item.get("type")) or "text").lower()
        if not number or text is None or kind == "binary":
            return None
        concat = None
        if str(first_value(item.get("concat")) or "").lower() == "true":
            concat = (
                str(first_value(item.get("concat-ref")) or ""),
                to_int(first_value(item.get("concat-total"))),
                to_int(first_value(item.get("concat-part"))),
            )
        return make_inbound(
            number,
            text,
            provider_ref=first_value(item.get("messageId")),
            to=first_value(item.get("to")),
            at=inbound_time(item.get("message-timestamp") or item.get("timestamp")),
            concat=concat,
        )

    @classmethod
    def _parse_report(cls, report):
        """One Vonage delivery receipt (query/form or JSON object)."""
        ref = first_value(report.get("messageId"))
        if not ref:
            return []
        uid = first_value(report.get("client-ref"))
        raw = cls.status_key(first_value(report.get("status")))
        mapped = cls.map_status(raw)
        error = None
        if mapped in ("undelivered", "expired"):
            code = str(first_value(report.get("err-code")) or "").strip()
            error = f"{raw} (err-code {code})" if code not in ("", "0") else raw
        at = receipt_time(
            first_value(report.get("scts")),
            first_value(report.get("message-timestamp")),
        )
        return [make_event(str(ref), uid, mapped, raw, error=error, at=at)]

    def __init__(self, config=None):
        super().__init__(config)
        config = dict(config or {})
        self._api_key = self._config_value(config, "api_key")
        self._api_secret = self._config_value(config, "api_secret")

    def _local_error(self, message):
        if len(message["uid"]) > MAX_CLIENT_REF:
            return f"uid longer than {MAX_CLIENT_REF} characters: no Vonage client-ref"
        return super()._local_error(message)

    # -- sending --------------------------------------------------------------

    def _send(self, messages, results):
        """One request per message, over ``connections`` threads."""
        self._send_each([[message] for message in messages], self._send_unit, results)

    def _send_unit(self, unit, results):
        (message,) = unit
        results[message["uid"]] = self._send_one(message)

    def _send_one(self, message):
        uid = message["uid"]
        form = {
            "api_key": self._api_key,
            "api_secret": self._api_secret,
            "to": message["number"].lstrip("+"),
            "text": message["body"],
            "client-ref": uid,
        }
        if message["sender"]:
            form["from"] = message["sender"]
        if not set(message["body"]) <= GSM7_CHARS:
            form["type"] = "unicode"
        if self.callback_url:
            form["callback"] = self.callback_for(uid)
            form["status-report-req"] = "1"
        answer = self._request("POST", SEND_PATH, data=form, in_flight=[uid])
        self._raise_http_error(answer)
        data = answer.data if isinstance(answer.data, dict) else {}
        parts = [part for part in data.get("messages") or [] if isinstance(part, dict)]
        if not answer.ok or not parts:
            raise self._bad_answer(answer, "sms/json", in_flight=[uid])
        sent = [part for part in parts if str(part.get("status")) == "0"]
        refused = [part for part in parts if str(part.get("status")) != "0"]
        if not sent:
            return self._refusal(uid, refused[0])
        prices = [to_float(part.get("message-price")) for part in sent]
        prices = [price for price in prices if price is not None]
        return make_result(
            uid,
            "accepted",
            provider_ref=str(sent[0].get("message-id") or "") or None,
            parts=len(sent),
            cost=sum(prices) if prices else None,
            error=self._describe(refused[0]) if refused else None,
        )

    def _describe(self, part):
        status = to_int(part.get("status"))
        meaning = SEND_STATUSES.get(status, ("unknown status", None))[0]
        text = self._redact(part.get("error-text") or "")
        return f"Vonage status {status} ({meaning})" + (f": {text}" if text else "")

    def _refusal(self, uid, part):
        """Result of a refused message, or raise for an account-level status."""
        status = to_int(part.get("status"))
        kind = SEND_STATUSES.get(status, (None, None))[1]
        error = self._describe(part)
        if kind == REJECTED:
            return make_result(uid, "rejected", error=error)
        if kind is ProviderError:
            raise ProviderError(error, code="config", temporary=False)
        if kind is not None:
            raise kind(error)
        return make_result(uid, "retry", error=error)

    def _raise_http_error(self, answer):
        if answer.status in (401, 403):
            raise AuthenticationError(
                f"Vonage: API key or secret refused (HTTP {answer.status})",
                http_status=answer.status,
            )

    # -- account --------------------------------------------------------------

    def _balance(self):
        """``GET /account/get-balance`` -> ``value`` (euros, as Vonage's
        documentation and its own tools show it)."""
        answer = self._request(
            "GET", BALANCE_PATH, auth=(self._api_key, self._api_secret)
        )
        self._raise_http_error(answer)
        data = answer.data if isinstance(answer.data, dict) else {}
        value = to_float(data.get("value"))
        if not answer.ok or value is None:
            raise self._bad_answer(answer, "get-balance")
        return value

    def check(self):
        """The balance call: raises when the key, secret or service fail."""
        self._balance()
        return True
