# Copyright 2026 sms_gateway authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""SMSAPI adapter (api.smsapi.com / api.smsapi.pl).

Sending: ``POST {base_url}/sms.do`` form-encoded with ``format=json``,
``Authorization: Bearer <token>``. Messages sharing body and sender go in one
request: ``to`` is the comma-separated list of numbers without "+" and ``idx``
the pipe-separated list of uids in the same order (the official Python client
joins ``idx`` with "|"), with ``check_idx=1`` so that SMSAPI refuses an idx
already used in the last 24 h (error 53): this makes re-sending safe.

Personalised texts: a message may carry a ``template``, the literal pieces
of its text (``tools/text_template.py``). Messages of one template and
sender go in one request: ``message`` is the template with ``[%1%]``..
``[%N%]`` in its gaps and ``param1``..``paramN`` the values of each
recipient joined by "|" in the order of ``to`` (``personal_values``), so
1,000 different texts cost one request instead of 1,000. A message whose
text cannot be rebuilt exactly from its template and values, or whose values
SMSAPI could read otherwise (see ``personal_values``), goes as before, with
the messages of the same text.

What this rests on, and what is not confirmed:

- from SMSAPI's clients: ``param1``..``param4`` are parameters of
  ``sms.do`` (smsapi-php-client ``SendSmssBag``, smsapi-python-client
  ``sms_parameters``), the client joins a list of values with "|" as it
  does ``idx`` (python client ``parameters_transformer``), and ``[%1%]`` in
  the message is where ``param1`` goes (python client example
  ``send_sms_with_params.py``, "Hello [%1%] [%2%]");
- from SMSAPI's published error table (smsapi.pl "Statusy i kody
  błędów"): 18 "invalid number of parameters", 19 "too many messages in
  one request", 20 "invalid number of idx", 27 "idx too long (255)";
- not confirmed (we could not read SMSAPI's own page on it): that the
  number of values must equal the number of recipients (we always send one
  per recipient), how SMSAPI treats an empty value, spaces at the ends of a
  value, or "[%" inside a value, whether it counts the parts per recipient,
  and the maximum number of recipients of one request. We do not rely on
  any of these: such values are not personalised, error 18, 11 or 12 to a
  personalised request re-sends its texts one request per text, and error
  19 splits the request in two.

Answers and decisions:

- ``{"count", "list": [...]}``: each item is matched back by ``idx`` and else
  by number; ``points`` is the cost, ``parts`` the parts (``details=1``).
  ``invalid_numbers`` next to ``list`` -> those messages are "rejected".
  A message found in neither gets "retry" (safe thanks to ``check_idx``).
- error 13 (no valid number) with ``invalid_numbers``: listed numbers are
  "rejected"; the others of the request are re-sent once in a new request.
- error 53 (idx already used): for a single message, "accepted" with
  ``provider_ref`` None (it was sent earlier). For several messages SMSAPI
  does not say which idx clashed, so each message is re-sent alone.
- errors 101, 102, 105 -> AuthenticationError; 103 -> NoCreditError.
- error 14 (sender name not allowed) is a configuration problem, not a
  message problem: ProviderError(code="sender", temporary=False) is raised
  (with ``partial_results``) so the run stops and an administrator fixes the
  sender instead of every message failing one by one.
- errors 11 (message text) and 12 (more parts than max_parts) -> "rejected"
  for every message of that request; for a personalised request, and for
  error 18 (parameters), its texts are re-sent one request per text first.
- error 19 (too many messages in one request): the request is split in two
  halves, each sent again (nothing of it was sent).
- errors 201 and 999 (SMSAPI internal errors) -> ProviderUnavailableError;
  202 and 203 (too many requests) and HTTP 429 -> RateLimitError. These codes
  come from SMSAPI's published error table, not from our facts file.
- any other error code -> "retry" for the messages of that request, with the
  code and text, so an unknown problem neither blocks the queue nor loses
  messages (the caller's retry limit ends it).

Limits: idx may hold letters and digits, 255 characters at most (uids with
"|" or "," are refused locally). ``batch_size`` (default 100; the Odoo
account passes the dispatch batch, 2,000) bounds the recipients per request,
personalised or not; SMSAPI's rate limits are not public.

Balance: ``GET /profile`` -> ``points``; ``check()`` uses the same call.

Delivery callbacks (``callback_url``, sent as ``notify_url``): GET or POST
with ``MsgId``, ``status`` (numeric report code), ``status_name``, ``idx``,
``donedate`` (unix time), ``points``, ``to``, ``from``, ``username``. The
exact list is not public, so ``parse_callback`` accepts ``MsgId`` or ``id``,
``status_name`` or a textual ``status``, numeric ``status`` codes 401-412, and
several reports in one call as comma-separated values.
"""

from .. import text_template
from .base import (
    BaseProvider,
    Credential,
    base_url_credential,
    digits_key,
    failure_text,
    first_value,
    inbound_time,
    make_event,
    make_inbound,
    make_result,
    to_float,
    to_int,
    utc_from_timestamp,
)
from .errors import (
    AuthenticationError,
    NoCreditError,
    ProviderError,
    ProviderUnavailableError,
    RateLimitError,
)

DEFAULT_BASE_URL = "https://api.smsapi.com"
# SMSAPI runs two services: SMSAPI.com (international accounts) and SMSAPI.pl
# (accounts opened at smsapi.pl); a token works only at the address of the
# service whose portal made it (SMSAPI's clients: SmsApiComClient and
# SmsApiPlClient).
BASE_URLS = {
    "https://api.smsapi.com": "SMSAPI.com (international accounts)",
    "https://api.smsapi.pl": "SMSAPI.pl (accounts opened at smsapi.pl)",
}
BASE_URL_HELP = (
    "Where your SMSAPI account lives. SMSAPI.com (international accounts, "
    "portal ssl.smsapi.com): https://api.smsapi.com, the default. SMSAPI.pl "
    "(accounts opened at smsapi.pl, portal ssl.smsapi.pl): "
    "https://api.smsapi.pl. A token works only at the address of the portal "
    "where it was made: a refused token often means the other address."
)
SEND_PATH = "/sms.do"
PROFILE_PATH = "/profile"

AUTH_ERRORS = {
    101: "the token is not valid or has no SMS rights",
    102: "invalid username or password",
    105: "this IP address is not allowed for the token",
}
CREDIT_ERRORS = {103: "the SMSAPI account has no points left"}
INVALID_NUMBERS_ERROR = 13
DUPLICATE_IDX_ERROR = 53
SENDER_ERROR = 14
PARAMS_ERROR = 18
TOO_MANY_ERROR = 19
# Personalisation: ``param1``..``param4``, each the values of the recipients
# joined by "|" in the order of ``to``, replace ``[%1%]``..``[%4%]``.
MAX_PARAMS = 4
PARAM_SEPARATOR = "|"
PARAM_MARK = "[%"
MESSAGE_ERRORS = {
    11: "message text refused (empty, too long or invalid characters)",
    12: "message has more parts than max_parts allows",
}
UNAVAILABLE_ERRORS = {201, 999}
RATE_LIMIT_ERRORS = {202, 203}

# Numeric delivery report codes of SMSAPI callbacks.
STATUS_CODES = {
    401: "NOT_FOUND",
    402: "EXPIRED",
    403: "SENT",
    404: "DELIVERED",
    405: "UNDELIVERED",
    406: "FAILED",
    407: "REJECTED",
    408: "UNKNOWN",
    409: "QUEUE",
    410: "ACCEPTED",
    411: "RENEWAL",
    412: "STOP",
}
# STOP means the sending was stopped (cancelled or blocked): it will never
# be delivered, so it is final "undelivered". NOT_FOUND/UNKNOWN: "unknown".
STATUS_MAP = {
    "DELIVERED": "delivered",
    "UNDELIVERED": "undelivered",
    "FAILED": "undelivered",
    "REJECTED": "undelivered",
    "STOP": "undelivered",
    "EXPIRED": "expired",
    "QUEUE": "sent",
    "ACCEPTED": "sent",
    "SENT": "sent",
    "RENEWAL": "sent",
    "UNKNOWN": "unknown",
    "NOT_FOUND": "unknown",
}


def status_name(provider_status):
    """SMSAPI status name from a name or a numeric report code."""
    text = str(provider_status or "").strip().upper()
    code = to_int(text) if text.isdigit() else None
    if code is not None:
        return STATUS_CODES.get(code, text)
    return text


def _split(value, count):
    """Callback values, one per report: split on commas when there are several."""
    value = first_value(value)
    if value is None:
        return [None] * count
    pieces = str(value).split(",")
    if len(pieces) == count:
        return [piece.strip() or None for piece in pieces]
    return [str(value).strip() or None] * count


def personal_values(message):
    """The values of ``param1``.. that make the message's text from its
    ``template``, or None when it must go as it is (today's way).

    None when: no template, more than four gaps, the text cannot be rebuilt
    exactly from the template (``text_template.split``), or a value SMSAPI
    could read otherwise than we mean: empty, with spaces at either end
    (unconfirmed whether SMSAPI keeps them), with "|" (the separator of the
    values), or "[%" anywhere in the text (a literal or a value would read as
    a parameter mark, or a value could be read again as one).
    """
    pieces = message.get("template")
    if not pieces or len(pieces) - 1 > MAX_PARAMS:
        return None
    text = message["body"]
    if PARAM_MARK in text or any(PARAM_MARK in piece for piece in pieces):
        return None
    values = text_template.split(pieces, text)
    if values is None:
        return None
    for value in values:
        if not value or value != value.strip() or PARAM_SEPARATOR in value:
            return None
    return values


class SmsapiProvider(BaseProvider):
    """SMSAPI.com / SMSAPI.pl; see the module docstring."""

    code = "smsapi"
    label = "SMSAPI"
    supports_bulk = True
    supports_idempotency = True
    supports_balance = True
    # The profile's ``points``: SMSAPI counts the balance in points.
    balance_unit = "points"
    supports_callbacks = True
    credentials = (
        Credential(
            "token",
            "OAuth Token",
            secret=True,
            help="Token made in the SMSAPI portal (API tokens), with SMS rights.",
        ),
        base_url_credential(DEFAULT_BASE_URL, BASE_URL_HELP, BASE_URLS.items()),
    )
    sender_number_digits = (8, 16)
    sender_rules = (
        "Sender name registered and approved in the SMSAPI portal: at most 11 "
        "characters (letters, digits, space and . & @ - + _ ! %), or a number "
        "of 8 to 16 digits. Leave empty to use the account's default sender."
    )
    status_map = STATUS_MAP
    # REJECTED: refused by the network; STOP: stopped, the number may not
    # receive it.
    undelivered_status_kinds = {"REJECTED": "rejected", "STOP": "not_allowed"}
    # Fields of a report that are texts; ``status`` and ``donedate`` may be
    # numbers.
    callback_text_fields = ("MsgId", "id", "idx", "status_name")

    @classmethod
    def status_key(cls, provider_status):
        return status_name(provider_status)

    supports_inbound = True

    @classmethod
    def _parse_inbound_item(cls, item):
        """A received SMS as SMSAPI posts it to the account's inbound address
        (its panel's receiving callback): ``sms_from`` (the sender, digits),
        ``sms_to`` (the account's number), ``sms_text``, ``sms_date`` (unix
        time) and ``MsgId``; GET or POST, answered ``OK``. SMSAPI's manual
        could not be read on this point: the plain names (``from``, ``to``,
        ``text`` or ``message``, ``id``, ``date``) are read too."""
        number = first_value(item.get("sms_from") or item.get("from"))
        text = first_value(
            item.get("sms_text")
            if "sms_text" in item
            else item.get("text", item.get("message"))
        )
        if not number or text is None:
            return None
        return make_inbound(
            number,
            text,
            provider_ref=first_value(
                item.get("MsgId") or item.get("msg_id") or item.get("id")
            ),
            to=first_value(item.get("sms_to") or item.get("to")),
            at=inbound_time(item.get("sms_date") or item.get("date")),
        )

    @classmethod
    def _parse_report(cls, report):
        """One SMSAPI report (query/form or JSON object); several reports may
        come in one as comma-separated values."""
        ids = first_value(report.get("MsgId")) or first_value(report.get("id"))
        if not ids:
            return []
        refs = [ref.strip() for ref in str(ids).split(",") if ref.strip()]
        count = len(refs)
        names = _split(report.get("status_name"), count)
        statuses = _split(report.get("status"), count)
        idxs = _split(report.get("idx"), count)
        dates = _split(report.get("donedate"), count)
        events = []
        for ref, name, status, idx, done in zip(
            refs, names, statuses, idxs, dates, strict=True
        ):
            raw = status_name(name or status)
            mapped = cls.map_status(raw)
            events.append(
                make_event(
                    ref,
                    idx,
                    mapped,
                    raw,
                    error=failure_text(mapped, raw),
                    at=utc_from_timestamp(done),
                )
            )
        return events

    def __init__(self, config=None):
        super().__init__(config)
        config = dict(config or {})
        self._token = self._config_value(config, "token")
        self.max_parts = to_int(config.get("max_parts")) or None
        self.normalize = bool(config.get("normalize"))
        self.test = bool(config.get("test"))

    def _auth_headers(self):
        return {"Authorization": f"Bearer {self._token}"}

    def _local_error(self, message):
        if "|" in message["uid"] or "," in message["uid"]:
            return "uid cannot be used as SMSAPI idx ('|' or ',')"
        return super()._local_error(message)

    # -- sending --------------------------------------------------------------

    def _send(self, messages, results):
        for message in messages:
            message["values"] = personal_values(message)
        for group in self._groups(messages):
            self._send_group(group, results, resend=True)

    def _group_key(self, message):
        """Messages of one template and sender go together (their texts
        differ by their values); the others by body and sender."""
        if message.get("values") is not None:
            return ("template", message["template"], message["sender"])
        return ("body", message["body"], message["sender"])

    @staticmethod
    def _personalised(group):
        """True when ``group`` goes as one template with ``param1``..: it
        shares a template and holds more than one text."""
        return (
            len(group) > 1
            and group[0].get("values") is not None
            and len({message["body"] for message in group}) > 1
        )

    def _params(self, group):
        first = group[0]
        params = {
            "format": "json",
            "to": ",".join(message["number"].lstrip("+") for message in group),
            "message": first["body"],
            "encoding": "utf-8",
            "idx": "|".join(message["uid"] for message in group),
            "check_idx": "1",
            "details": "1",
        }
        if self._personalised(group):
            pieces = first["template"]
            params["message"] = text_template.join(
                pieces, [f"[%{n}%]" for n in range(1, len(pieces))]
            )
            for n in range(1, len(pieces)):
                params[f"param{n}"] = PARAM_SEPARATOR.join(
                    message["values"][n - 1] for message in group
                )
        if first["sender"]:
            params["from"] = first["sender"]
        if self.max_parts:
            params["max_parts"] = str(self.max_parts)
        if self.callback_url:
            params["notify_url"] = self.callback_url
        if self.normalize:
            params["normalize"] = "1"
        if self.test:
            params["test"] = "1"
        return params

    def _send_group(self, group, results, resend):
        uids = [message["uid"] for message in group]
        answer = self._request(
            "POST", SEND_PATH, data=self._params(group), in_flight=uids
        )
        data = answer.data
        if not isinstance(data, dict):
            if answer.status in (401, 403):
                raise self._auth_error(f"HTTP {answer.status}", answer.status)
            raise self._bad_answer(answer, "sms.do", in_flight=uids)
        if data.get("error") not in (None, "", 0) and "list" not in data:
            self._handle_error(group, data, answer, results, resend)
            return
        if not isinstance(data.get("list"), list):
            raise self._bad_answer(answer, "sms.do", in_flight=uids)
        self._reject_invalid(group, data.get("invalid_numbers"), results)
        self._read_list(group, data, results)
        for message in group:
            results.setdefault(
                message["uid"],
                make_result(
                    message["uid"], "retry", error="SMSAPI: number missing in answer"
                ),
            )

    def _read_list(self, group, data, results):
        by_uid = {message["uid"]: message for message in group}
        by_number = {digits_key(message["number"]): message for message in group}
        for item in data["list"]:
            if not isinstance(item, dict):
                continue
            message = by_uid.get(str(item.get("idx") or "")) or by_number.get(
                digits_key(item.get("submitted_number") or item.get("number"))
            )
            if message is None or message["uid"] in results:
                continue
            uid = message["uid"]
            if item.get("error"):
                results[uid] = make_result(
                    uid, "rejected", error=f"SMSAPI: {self._redact(item['error'])}"
                )
                continue
            results[uid] = make_result(
                uid,
                "accepted",
                provider_ref=str(item["id"]) if item.get("id") else None,
                parts=to_int(item.get("parts")) or to_int(data.get("parts")),
                cost=to_float(item.get("points")),
            )

    def _reject_invalid(self, group, invalid_numbers, results):
        """Mark the numbers SMSAPI listed as invalid; return how many."""
        by_number = {digits_key(message["number"]): message for message in group}
        found = 0
        for item in invalid_numbers or []:
            if not isinstance(item, dict):
                continue
            message = by_number.get(
                digits_key(item.get("submitted_number"))
            ) or by_number.get(digits_key(item.get("number")))
            if message is None or message["uid"] in results:
                continue
            reason = self._redact(item.get("message") or "invalid phone number")
            results[message["uid"]] = make_result(
                message["uid"], "rejected", error=f"SMSAPI: {reason}"
            )
            found += 1
        return found

    def _handle_error(self, group, data, answer, results, resend):
        code = to_int(data.get("error"))
        text = self._redact(data.get("message") or "")
        label = f"SMSAPI error {code}: {text}" if text else f"SMSAPI error {code}"
        if code in AUTH_ERRORS or (code is None and answer.status in (401, 403)):
            raise self._auth_error(
                label, answer.status, AUTH_ERRORS.get(code, "authorization failed")
            )
        if code in CREDIT_ERRORS:
            raise NoCreditError(
                f"SMSAPI: {CREDIT_ERRORS[code]}; top it up in the SMSAPI portal "
                f"({label})"
            )
        if code == SENDER_ERROR:
            raise ProviderError(
                f"SMSAPI: sender name {group[0]['sender']!r} is not allowed on "
                f"this account; register it in the SMSAPI portal ({label})",
                code="sender",
                temporary=False,
            )
        if code in UNAVAILABLE_ERRORS:
            raise ProviderUnavailableError(f"SMSAPI: internal error ({label})")
        if code in RATE_LIMIT_ERRORS:
            raise RateLimitError(f"SMSAPI: too many requests ({label})")
        if code == INVALID_NUMBERS_ERROR:
            self._handle_invalid_numbers(group, data, label, results, resend)
        elif code == DUPLICATE_IDX_ERROR:
            self._handle_duplicate_idx(group, results)
        elif code == TOO_MANY_ERROR and len(group) > 1:
            # Nothing of the request was sent: the halves go one by one.
            half = len(group) // 2
            for part in (group[:half], group[half:]):
                self._send_group(part, results, resend)
        elif self._personalised(group) and (
            code == PARAMS_ERROR or code in MESSAGE_ERRORS
        ):
            # The template or one recipient's text was refused: each text
            # goes as it is, so that only a refused text is refused.
            self._send_plain(group, results, resend)
        else:
            state, error = "retry", label
            if code in MESSAGE_ERRORS:
                state, error = "rejected", f"SMSAPI: {MESSAGE_ERRORS[code]} ({label})"
            for message in group:
                results[message["uid"]] = make_result(
                    message["uid"], state, error=error
                )

    def _send_plain(self, group, results, resend):
        """Send ``group`` without personalisation: one request per text."""
        plain = [dict(message, values=None) for message in group]
        for part in self._groups(plain):
            self._send_group(part, results, resend)

    def _handle_invalid_numbers(self, group, data, label, results, resend):
        self._reject_invalid(group, data.get("invalid_numbers"), results)
        rest = [message for message in group if message["uid"] not in results]
        if not rest:
            return
        if resend and len(rest) < len(group):
            self._send_group(rest, results, resend=False)
            return
        for message in rest:
            results[message["uid"]] = make_result(message["uid"], "retry", error=label)

    def _handle_duplicate_idx(self, group, results):
        if len(group) == 1:
            # Sent earlier with the same idx: accepted, its reference unknown.
            results[group[0]["uid"]] = make_result(group[0]["uid"], "accepted")
            return
        for message in group:
            self._send_group([message], results, resend=False)

    def _auth_error(self, detail, status, what="authorization failed"):
        """Refused credentials, with the address they were tried at: a token
        of the other SMSAPI service is refused too."""
        other = next(
            (url for url in BASE_URLS if url != self.base_url),
            None,
        )
        hint = (
            f"; if the account is at {BASE_URLS[other].split(' (')[0]}, its "
            f"address is {other}"
            if self.base_url in BASE_URLS
            else ""
        )
        return AuthenticationError(
            f"SMSAPI refused the token at {self.base_url}: {what} ({detail}); "
            f"check the token in the SMSAPI portal{hint}",
            http_status=status,
        )

    # -- account --------------------------------------------------------------

    def _profile(self):
        answer = self._request("GET", PROFILE_PATH, params={"format": "json"})
        data = answer.data
        if answer.status in (401, 403):
            raise self._auth_error(f"HTTP {answer.status}", answer.status)
        if isinstance(data, dict) and data.get("error") not in (None, "", 0):
            code = to_int(data.get("error"))
            if code in CREDIT_ERRORS:
                raise NoCreditError(f"SMSAPI: {CREDIT_ERRORS[code]}")
            if code in AUTH_ERRORS:
                raise self._auth_error(f"SMSAPI error {code}", None, AUTH_ERRORS[code])
            raise ProviderError(
                f"SMSAPI: profile refused: {self._redact(data.get('message') or '')}",
                code="provider",
                temporary=False,
            )
        if not answer.ok or not isinstance(data, dict):
            raise self._bad_answer(answer, "profile")
        return data

    def _balance(self):
        points = to_float(self._profile().get("points"))
        if points is None:
            raise ProviderError(
                "SMSAPI: the profile has no points value",
                code="bad_answer",
                temporary=True,
            )
        return points

    def check(self):
        """``GET /profile``: raises when the token or the service is unusable."""
        self._profile()
        return True
