# Copyright 2026 sms_gateway authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Quriiri adapter (Finnish operator).

``POST {base_url}/send`` with a JSON body ``{"sender", "destination": [...],
"text", "drurl" (the ``callback_url``), "batchid", "billingref"}`` and
``Authorization: apikey <key>``. Messages sharing body and sender go in one
request (``destination`` is a list). The answer is ``{"errors": [],
"warnings": [], "messages": {"+358...": {"converted", "status": "CREATED",
"messageid"?}}}``.

References: Quriiri relays ``billingref`` and ``batchid`` (255 characters at
most) in delivery reports, which carry ``destination``, ``status``,
``statustime``, ``smscount`` and ``billingref`` (no message id is promised).
So a message is identified by ``billingref`` + destination:

- one message in the request: ``billingref`` = its uid;
- several: ``billingref`` = ``batchid`` = ``"batch-"`` + a hash of the uids.

``provider_ref`` is ``"<billingref>:<destination E.164>"`` and
``parse_callback`` rebuilds exactly that key from a report; its ``uid`` is the
billingref unless it is a batch reference. Uids longer than 255 characters
are refused locally.

Results: a destination present in ``messages`` with status CREATED or
SCHEDULED -> "accepted"; any other status, or a destination named in
``errors`` -> "rejected"; a destination missing from the answer -> "retry"
when the answer gave no reason, else "rejected" with the errors' text.
HTTP 401/403 -> AuthenticationError, 402 -> NoCreditError, 429 ->
RateLimitError, 5xx/timeout -> ProviderUnavailableError. Quriiri has no
documented idempotency key (``supports_idempotency`` False) and no balance
API (``balance()`` returns None). ``batch_size`` (default 100) bounds the
destinations per request; Quriiri's own limit is not public.
"""

import hashlib

from .base import (
    BaseProvider,
    Credential,
    base_url_credential,
    digits_key,
    first_value,
    inbound_time,
    make_event,
    make_inbound,
    make_result,
    to_int,
    utc_from_iso,
)
from .errors import AuthenticationError, NoCreditError

DEFAULT_BASE_URL = "https://api.quriiri.fi/v1"
SEND_PATH = "/send"
BATCH_PREFIX = "batch-"
MAX_REF_LENGTH = 255
ACCEPTED_STATUSES = {"CREATED", "SCHEDULED"}
STATUS_MAP = {
    "DELIVERED": "delivered",
    "FAILED": "undelivered",
    "REJECTED": "undelivered",
    "UNDELIVERED": "undelivered",
    "EXPIRED": "expired",
    "PENDING": "sent",
    "CREATED": "sent",
    "SCHEDULED": "sent",
    "UNKNOWN": "unknown",
}


def e164(number):
    """Quriiri's international forms ("+358..", "00358..") -> "+358..."."""
    digits = digits_key(number)
    return f"+{digits}" if digits else ""


def message_ref(billingref, destination):
    return f"{billingref}:{e164(destination)}"


def _error_parts(error):
    """(destination or None, text) of one item of Quriiri's ``errors``."""
    if isinstance(error, dict):
        number = None
        for key in ("destination", "number", "msisdn", "recipient"):
            if error.get(key):
                number = str(error[key])
                break
        text = None
        for key in ("message", "description", "error", "reason"):
            if error.get(key):
                text = str(error[key])
                break
        return number, text or str(error)
    return None, str(error)


class QuriiriProvider(BaseProvider):
    """Quriiri SMS API; see the module docstring."""

    code = "quriiri"
    label = "Quriiri"
    supports_bulk = True
    supports_idempotency = False
    supports_balance = False
    supports_callbacks = True
    credentials = (
        Credential(
            "api_key", "API Key", secret=True, help="The API key Quriiri gave you."
        ),
        base_url_credential(DEFAULT_BASE_URL),
    )
    sender_rules = (
        "International number with + and 5 to 15 digits, a national number or "
        "short code of 1 to 15 digits, or an alphanumeric sender of at most 11 "
        "characters (Quriiri recommends only A-Z, a-z and 0-9)."
    )
    status_map = STATUS_MAP
    undelivered_status_kinds = {"REJECTED": "rejected"}
    # Fields of a report that are texts; ``smscount`` may be a number.
    callback_text_fields = (
        "billingref",
        "destination",
        "status",
        "statustime",
        "statusmessage",
        "reason",
    )

    @classmethod
    def status_key(cls, provider_status):
        return str(provider_status or "").strip().upper()

    supports_inbound = True
    inbound_answer = (200, "", "text/plain")

    @classmethod
    def _parse_inbound_item(cls, item):
        """An incoming message as Quriiri pushes it (JSON or form): ``sender``
        (E.164; a form decoded twice turns its ``+`` into a space),
        ``sendertype``, ``destination``, ``text``, ``sendtime`` (ISO 8601,
        UTC) and, where given, ``messageid`` (or ``id``); answered 200 with
        no body. A delivery report (no ``text``) holds none."""
        number = first_value(item.get("sender"))
        text = first_value(item.get("text"))
        if not number or text is None:
            return None
        return make_inbound(
            number,
            text,
            provider_ref=first_value(item.get("messageid") or item.get("id")),
            to=first_value(item.get("destination")),
            at=inbound_time(item.get("sendtime")),
        )

    @classmethod
    def _parse_report(cls, report):
        """One Quriiri delivery report (JSON object)."""
        billingref = first_value(report.get("billingref"))
        destination = first_value(report.get("destination"))
        if not billingref or not destination:
            return []
        raw = cls.status_key(first_value(report.get("status")))
        mapped = cls.map_status(raw)
        reason = first_value(report.get("statusmessage")) or first_value(
            report.get("reason")
        )
        error = None
        if mapped in ("undelivered", "expired"):
            error = f"{raw}: {reason}" if reason else raw
        billingref = str(billingref)
        return [
            make_event(
                message_ref(billingref, destination),
                None if billingref.startswith(BATCH_PREFIX) else billingref,
                mapped,
                raw,
                error=error,
                at=utc_from_iso(first_value(report.get("statustime"))),
                parts=to_int(first_value(report.get("smscount"))),
            )
        ]

    def __init__(self, config=None):
        super().__init__(config)
        config = dict(config or {})
        self._api_key = self._config_value(config, "api_key")

    def _auth_headers(self):
        return {"Authorization": f"apikey {self._api_key}"}

    def _local_error(self, message):
        if len(message["uid"]) > MAX_REF_LENGTH:
            return "uid longer than 255 characters cannot be a Quriiri billingref"
        return super()._local_error(message)

    # -- sending --------------------------------------------------------------

    def _send(self, messages, results):
        """One request per text (a group of numbers), over ``connections``
        threads (personalised texts are one request each)."""
        self._send_each(self._groups(messages), self._send_group, results)

    def _reference(self, group):
        if len(group) == 1:
            return group[0]["uid"]
        digest = hashlib.sha256(
            "|".join(message["uid"] for message in group).encode("utf-8")
        ).hexdigest()
        return f"{BATCH_PREFIX}{digest[:24]}"

    def _send_group(self, group, results):
        uids = [message["uid"] for message in group]
        reference = self._reference(group)
        body = {
            "destination": [message["number"] for message in group],
            "text": group[0]["body"],
            "billingref": reference,
        }
        if group[0]["sender"]:
            body["sender"] = group[0]["sender"]
        if len(group) > 1:
            body["batchid"] = reference
        if self.callback_url:
            body["drurl"] = self.callback_url
        answer = self._request("POST", SEND_PATH, json_body=body, in_flight=uids)
        self._raise_account_error(answer)
        data = answer.data
        if not isinstance(data, dict) or (
            answer.ok and not isinstance(data.get("messages"), dict)
        ):
            raise self._bad_answer(answer, "send", in_flight=uids)
        by_number = {digits_key(message["number"]): message for message in group}
        general = []
        for error in data.get("errors") or []:
            number, text = _error_parts(error)
            message = by_number.get(digits_key(number)) if number else None
            if message is None:
                general.append(self._redact(text))
            elif message["uid"] not in results:
                results[message["uid"]] = make_result(
                    message["uid"], "rejected", error=f"Quriiri: {self._redact(text)}"
                )
        for key, item in (data.get("messages") or {}).items():
            item = item if isinstance(item, dict) else {}
            message = by_number.get(digits_key(item.get("converted") or key))
            if message is None or message["uid"] in results:
                continue
            status = str(item.get("status") or "").upper()
            uid = message["uid"]
            if status in ACCEPTED_STATUSES:
                results[uid] = make_result(
                    uid,
                    "accepted",
                    provider_ref=message_ref(reference, message["number"]),
                    parts=to_int(item.get("smscount")),
                )
            else:
                results[uid] = make_result(
                    uid, "rejected", error=f"Quriiri: status {status or 'missing'}"
                )
        for message in group:
            if message["uid"] in results:
                continue
            if general:
                results[message["uid"]] = make_result(
                    message["uid"], "rejected", error="Quriiri: " + "; ".join(general)
                )
            else:
                results[message["uid"]] = make_result(
                    message["uid"], "retry", error="Quriiri: number missing in answer"
                )

    def _raise_account_error(self, answer):
        if answer.status in (401, 403):
            raise AuthenticationError(
                f"Quriiri: API key refused (HTTP {answer.status})",
                http_status=answer.status,
            )
        if answer.status == 402:
            raise NoCreditError("Quriiri: payment required (HTTP 402)", http_status=402)

    # -- account --------------------------------------------------------------

    def check(self):
        """Validate the configuration and the API key.

        Quriiri documents no account or ping endpoint. This posts to ``/send``
        with an empty destination list and an empty text, which cannot send
        (nor bill) anything: HTTP 401/403 means the key is refused, 5xx or no
        answer means the service is down; a 2xx or 400 answer proves the key
        was accepted.
        """
        body = {"destination": [], "text": ""}
        if self.sender:
            body["sender"] = self.sender
        answer = self._request("POST", SEND_PATH, json_body=body)
        self._raise_account_error(answer)
        if not (answer.ok or answer.status in (400, 422)):
            raise self._bad_answer(answer, "send (check)")
        return True
