# Copyright 2026 sms_gateway authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Twilio Programmable Messaging adapter.

One ``POST {base_url}/2010-04-01/Accounts/{sid}/Messages.json`` per message
(Twilio takes one ``To`` per request), HTTP Basic (account SID, auth token),
form fields ``To`` (E.164 with "+"), ``From`` (or ``MessagingServiceSid`` when
``messaging_service_sid`` is configured), ``Body`` and ``StatusCallback``
(the ``callback_url``; a ``{uid}`` placeholder in it is replaced by the
message uid).

Twilio has no idempotency key: a message whose request timed out (listed in
``ProviderError.in_flight``) may have been sent; re-sending it may duplicate.

Answers: 201 -> "accepted" with ``sid``, ``num_segments`` and ``price``
(negative string or null -> positive float or None). Per-message error codes
(invalid or unreachable number, unsubscribed recipient, body refused) ->
"rejected" with Twilio's text. Sender problems (21212, 21606, 21659, 21660)
-> ProviderError(code="sender"); 20003 / HTTP 401 / 403 ->
AuthenticationError; 20005 / 10001 (account not active, e.g. out of funds) ->
NoCreditError; 20429 / HTTP 429 -> RateLimitError; 5xx -> unavailable. When
the call stops on such an error, the messages sent before it are in
``partial_results``.

Callbacks: ``MessageSid``, ``MessageStatus``, ``ErrorCode`` form fields,
signed with ``X-Twilio-Signature`` (see ``compute_signature``): the report
route carries no secret (``callback_signed``) and ``verify_callback`` checks
each report with the account's auth token.

Rate: Twilio publishes no request rate per account for the REST API, so
``max_requests_per_second`` is None (no pacing unless the account sets
one). What Twilio documents: error 20429 (HTTP 429) when an account sends
too many *concurrent* REST API requests ("never processed and always safe
to retry", twilio.com/docs/api/errors/20429 and support article
360044308153); error 63017 when an account and its subaccounts together
send more than 2000 messages per second (twilio.com/docs/api/errors/63017);
and it queues what a sender number cannot send at once (its own messages
per second) instead of refusing it. Not confirmed from Twilio's pages: the
number of concurrent requests allowed (third-party pages say 100 by
default; ours stay at ``MAX_CONNECTIONS`` = 16 per send), and whether a 429
carries ``Retry-After`` (honoured when it does). The adapter sends over
``connections`` threads (``base._send_each``); a 429 or 20429 stops the send.
"""

import base64
import hashlib
import hmac
from urllib.parse import quote, urlsplit, urlunsplit

from .base import (
    Balance,
    BaseProvider,
    Credential,
    base_url_credential,
    first_value,
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
    RateLimitError,
)

DEFAULT_BASE_URL = "https://api.twilio.com"
API_VERSION = "2010-04-01"

REJECT_CODES = {
    21211: "invalid 'To' phone number",
    21214: "'To' phone number cannot be reached",
    21408: "sending to this region is not enabled on the account",
    21610: "the recipient has unsubscribed (replied STOP)",
    21612: "the 'To' number cannot receive this message",
    21614: "'To' number is not a mobile number",
    21602: "message body is required",
    21617: "message body exceeds 1600 characters",
}
SENDER_CODES = {
    21212: "invalid 'From' number",
    21606: "the 'From' number cannot send SMS",
    21659: "the 'From' number is not a Twilio number of this account",
    21660: "the 'From' number does not belong to this account",
}
AUTH_CODES = {20003}
CREDIT_CODES = {20005, 10001}
RATE_LIMIT_CODES = {20429}

STATUS_MAP = {
    "delivered": "delivered",
    "read": "delivered",
    "undelivered": "undelivered",
    "failed": "undelivered",
    "canceled": "undelivered",
    "queued": "sent",
    "accepted": "sent",
    "scheduled": "sent",
    "sending": "sent",
    "sent": "sent",
    "partially_delivered": "unknown",
}


def compute_signature(auth_token, url, params):
    """Twilio request signature: Base64(HMAC-SHA1(token, url + sorted params)).

    ``params`` are the POST form fields (a dict; list values are taken in
    sorted order, as Twilio's own validator does).
    """
    payload = url
    for name in sorted(params or {}):
        values = params[name]
        if not isinstance(values, list | tuple):
            values = [values]
        for value in sorted("" if v is None else str(v) for v in values):
            payload += f"{name}{value}"
    digest = hmac.new(
        str(auth_token).encode("utf-8"), payload.encode("utf-8"), hashlib.sha1
    ).digest()
    return base64.b64encode(digest).decode("ascii")


def _url_variants(url):
    """The URL as given, plus with/without the default port (Twilio signs
    whichever form it called; its validator tries both)."""
    parts = urlsplit(url)
    variants = [url]
    default = {"https": 443, "http": 80}.get(parts.scheme)
    if default and parts.hostname:
        host = parts.hostname
        if parts.port is None:
            netloc = f"{host}:{default}"
        elif parts.port == default:
            netloc = host
        else:
            netloc = None
        if netloc is not None:
            if "@" in parts.netloc:
                netloc = parts.netloc.rsplit("@", 1)[0] + "@" + netloc
            variants.append(urlunsplit(parts._replace(netloc=netloc)))
    return variants


def verify_signature(auth_token, url, params, signature):
    """True when ``signature`` (X-Twilio-Signature) matches; constant time."""
    if not auth_token or not signature or not url:
        return False
    expected = str(signature).encode("utf-8")
    valid = False
    for candidate in _url_variants(url):
        computed = compute_signature(auth_token, candidate, params).encode("utf-8")
        valid |= hmac.compare_digest(computed, expected)
    return valid


class TwilioProvider(BaseProvider):
    """Twilio Programmable Messaging; see the module docstring."""

    code = "twilio"
    label = "Twilio"
    supports_bulk = False
    supports_idempotency = False
    supports_balance = True
    supports_callbacks = True
    credentials = (
        Credential(
            "account_sid",
            "Account SID",
            help="The account SID (AC...) of the Twilio console.",
        ),
        Credential(
            "auth_token",
            "Auth Token",
            secret=True,
            help="The auth token; it also signs the delivery reports.",
        ),
        base_url_credential(DEFAULT_BASE_URL),
    )
    sender_name_chars = " "
    sender_name_chars_text = "letters, digits and space"
    sender_number_digits = (8, 15)
    sender_name_needs_letter = True
    sender_rules = (
        "A Twilio phone number of the account in E.164 form (+15005550006), or "
        "an alphanumeric sender ID of at most 11 characters (letters, digits, "
        "spaces, at least one letter) where the destination country allows "
        "it (not the US, Canada or China)."
    )
    callback_signed = True
    status_map = STATUS_MAP
    # ErrorCode of a status callback: 21211 invalid 'To', 21610 unsubscribed
    # recipient (replied STOP), 21614 'To' not a mobile number, 30004 message
    # blocked, 30005 unknown destination handset, 30006 landline or
    # unreachable carrier, 30007 filtered by the carrier.
    undelivered_code_kinds = {
        "21211": "invalid_destination",
        "21610": "not_allowed",
        "21614": "invalid_destination",
        "30004": "not_allowed",
        "30005": "invalid_destination",
        "30006": "invalid_destination",
        "30007": "rejected",
    }
    # Fields of a status callback that are texts (Twilio posts a form: all are).
    callback_text_fields = (
        "MessageSid",
        "SmsSid",
        "MessageStatus",
        "SmsStatus",
        "ErrorCode",
        "ErrorMessage",
        "NumSegments",
        "uid",
    )

    @classmethod
    def verify_callback(cls, config, url, params, headers):
        """``X-Twilio-Signature`` of a report to ``url`` with form ``params``,
        checked with ``config["auth_token"]``."""
        signature = None
        for name, value in (headers or {}).items():
            if str(name).lower() == "x-twilio-signature":
                signature = value
                break
        token = str((config or {}).get("auth_token") or "").strip()
        return verify_signature(token, url, params, signature)

    supports_inbound = True
    inbound_signed = True
    # "The 'To' number has replied STOP" (Twilio's own opt-out handling).
    opt_out_codes = ("21610",)
    # TwiML that sends nothing back (an empty body is an error 11200 there).
    inbound_answer = (
        200,
        '<?xml version="1.0" encoding="UTF-8"?><Response></Response>',
        "text/xml",
    )

    @classmethod
    def _parse_inbound_item(cls, item):
        """An incoming message as Twilio posts it to the number's messaging
        webhook (form fields, signed): ``MessageSid`` (``SmsSid``), ``From``,
        ``To``, ``Body``, ``NumSegments`` and, with Advanced Opt-Out,
        ``OptOutType`` (STOP, START, HELP). Long messages come joined; no
        time is given."""
        number = first_value(item.get("From"))
        text = first_value(item.get("Body"))
        if not number or text is None:
            return None
        opt_out = str(first_value(item.get("OptOutType")) or "").strip().lower()
        return make_inbound(
            number,
            text,
            provider_ref=first_value(
                item.get("MessageSid")
                or item.get("SmsMessageSid")
                or item.get("SmsSid")
            ),
            to=first_value(item.get("To")),
            opt_out=opt_out if opt_out in ("stop", "start", "help") else None,
        )

    @classmethod
    def _parse_report(cls, report):
        """One Twilio status callback (form fields)."""
        ref = first_value(report.get("MessageSid")) or first_value(report.get("SmsSid"))
        if not ref:
            return []
        raw = first_value(report.get("MessageStatus")) or first_value(
            report.get("SmsStatus")
        )
        raw = str(raw or "").strip().lower()
        error_code = first_value(report.get("ErrorCode"))
        error_message = first_value(report.get("ErrorMessage"))
        error = str(error_message) if error_message else None
        if error_code and str(error_code) != "0":
            error = f"Twilio error {error_code}" + (f": {error}" if error else "")
        return [
            make_event(
                str(ref),
                first_value(report.get("uid")),
                cls.map_status(raw),
                raw,
                error=error,
                parts=to_int(first_value(report.get("NumSegments"))),
            )
        ]

    def __init__(self, config=None):
        super().__init__(config)
        config = dict(config or {})
        self.account_sid = self._config_value(config, "account_sid")
        self._auth_token = self._config_value(config, "auth_token")
        self.messaging_service_sid = config.get("messaging_service_sid") or None
        if not self.sender and not self.messaging_service_sid:
            raise ProviderError(
                "Twilio: missing configuration: sender",
                code="config",
                temporary=False,
            )

    def _auth(self):
        return (self.account_sid, self._auth_token)

    def _account_path(self, suffix=""):
        return f"/{API_VERSION}/Accounts/{quote(self.account_sid, safe='')}{suffix}"

    # -- sending --------------------------------------------------------------

    def _send(self, messages, results):
        """One request per message, over ``connections`` threads."""
        self._send_each([[message] for message in messages], self._send_unit, results)

    def _send_unit(self, unit, results):
        (message,) = unit
        results[message["uid"]] = self._send_one(message)

    def _send_one(self, message):
        uid = message["uid"]
        form = {"To": message["number"], "Body": message["body"]}
        if self.messaging_service_sid and message["sender"] == self.sender:
            form["MessagingServiceSid"] = self.messaging_service_sid
        else:
            form["From"] = message["sender"]
        if self.callback_url:
            form["StatusCallback"] = self.callback_for(uid)
        answer = self._request(
            "POST", self._account_path("/Messages.json"), data=form, in_flight=[uid]
        )
        data = answer.data if isinstance(answer.data, dict) else None
        if answer.ok:
            if not data or not data.get("sid"):
                raise self._bad_answer(answer, "Messages.json", in_flight=[uid])
            price = to_float(data.get("price"))
            return make_result(
                uid,
                "accepted",
                provider_ref=str(data["sid"]),
                parts=to_int(data.get("num_segments")),
                cost=abs(price) if price is not None else None,
            )
        code = to_int((data or {}).get("code"))
        text = self._redact((data or {}).get("message") or "")
        self._raise_account_error(answer, code, text)
        if code in SENDER_CODES:
            raise ProviderError(
                f"Twilio: {SENDER_CODES[code]} ({message['sender']}): "
                f"error {code}: {text}",
                code="sender",
                temporary=False,
                http_status=answer.status,
            )
        if data is None:
            raise self._bad_answer(answer, "Messages.json")
        reason = REJECT_CODES.get(code, "message refused")
        return make_result(
            uid, "rejected", error=f"Twilio error {code}: {text or reason}"
        )

    def _raise_account_error(self, answer, code, text):
        """Raise for account-level answers (auth, credit, rate, account URL)."""
        detail = f"error {code}: {text}" if code else f"HTTP {answer.status}"
        if code in CREDIT_CODES:
            raise NoCreditError(
                f"Twilio: account not active, check its balance ({detail})",
                http_status=answer.status,
            )
        if code in AUTH_CODES or answer.status in (401, 403):
            raise AuthenticationError(
                f"Twilio: authentication failed, check account SID and auth "
                f"token ({detail})",
                http_status=answer.status,
            )
        if code in RATE_LIMIT_CODES:
            raise RateLimitError(f"Twilio: too many requests ({detail})")
        if answer.status == 404:
            raise ProviderError(
                f"Twilio: account or URL not found ({detail})",
                code="config",
                temporary=False,
                http_status=404,
            )

    # -- account --------------------------------------------------------------

    def _get(self, suffix, what):
        answer = self._request("GET", self._account_path(suffix))
        data = answer.data if isinstance(answer.data, dict) else None
        if not answer.ok:
            code = to_int((data or {}).get("code"))
            self._raise_account_error(
                answer, code, self._redact((data or {}).get("message") or "")
            )
            raise self._bad_answer(answer, what)
        if data is None:
            raise self._bad_answer(answer, what)
        return data

    def _balance(self):
        """``GET Accounts/{sid}/Balance.json`` -> ``balance`` in ``currency``."""
        data = self._get("/Balance.json", "Balance.json")
        balance = to_float(data.get("balance"))
        if balance is None:
            raise ProviderError(
                "Twilio: balance missing in the answer",
                code="bad_answer",
                temporary=True,
            )
        return Balance(balance, str(data.get("currency") or "").upper())

    def check(self):
        """``GET Accounts/{sid}.json``: credentials valid and account active."""
        data = self._get(".json", "account")
        status = str(data.get("status") or "active").lower()
        if status == "suspended":
            raise NoCreditError("Twilio: the account is suspended")
        if status != "active":
            raise AuthenticationError(f"Twilio: the account is {status}")
        return True
