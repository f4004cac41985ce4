# Copyright 2026 sms_gateway authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Vonage double: ``POST /sms/json`` (key and secret in the form or JSON),
``GET /account/get-balance`` (HTTP Basic).

Besides the common knobs, ``send_status`` answers every send with that
Vonage status (e.g. 5, 9, 29) and ``error_text`` with its text.
"""

import base64
import uuid

from .base import E164_RE, KNOBS, BaseDouble, digits

VONAGE_API_KEY = "a1b2c3d4"
VONAGE_API_SECRET = "vonage-test-secret-4e8f"
PRICE_PER_PART = 0.0333
# Vonage's texts for the statuses the double produces by itself.
STATUS_TEXTS = {
    1: "Throttled",
    3: "Invalid to address",
    4: "Bad Credentials",
    9: "Quota Exceeded - rejected",
    15: "Illegal Sender Address - rejected",
}


def vonage_parts(text, unicode):
    """Parts by the declared ``type``: text 160/153, unicode 70/67 (rough)."""
    units = len(text.encode("utf-16-le")) // 2
    single, multi = (70, 67) if unicode else (160, 153)
    return 1 if units <= single else -(-units // multi)


class VonageDouble(BaseDouble):
    """Vonage SMS API; see the module docstring."""

    name = "vonage"
    # command line option -> constructor keyword (``cli.py``)
    cli_credentials = {"token": "api_key", "api_secret": "api_secret"}
    knobs = (*KNOBS, "send_status", "error_text")

    def __init__(self, api_key=VONAGE_API_KEY, api_secret=VONAGE_API_SECRET, **kwargs):
        self.api_key = api_key
        self.api_secret = api_secret
        super().__init__(**kwargs)

    def reset_knobs(self):
        result = super().reset_knobs()
        self.send_status = None
        self.error_text = None
        return result

    def refusal(self, status, text=None):
        return (
            200,
            {
                "message-count": "1",
                "messages": [
                    {"status": str(status), "error-text": text or STATUS_TEXTS[status]}
                ],
            },
            {},
        )

    def rate_limit_answer(self):
        return self.refusal(1)

    def route(self, request):
        if request["path"] == "/sms/json" and request["method"] == "POST":
            return self._sms(request)
        if request["path"] == "/account/get-balance" and request["method"] == "GET":
            return self._balance(request)
        return 404, {"error-code": "404", "error-code-label": "not found"}, {}

    def _balance(self, request):
        header = request["headers"].get("Authorization") or ""
        expected = base64.b64encode(f"{self.api_key}:{self.api_secret}".encode())
        if self.bad_token or header != f"Basic {expected.decode()}":
            return (
                401,
                {"error-code": "401", "error-code-label": "authentication failed"},
                {},
            )
        value = 0.0 if self.no_credit else self.balance
        return 200, {"value": value, "autoReload": False}, {}

    def _sms(self, request):
        params = {**request["query"], **request["form"], **(request["json"] or {})}
        if self.bad_token or (
            params.get("api_key") != self.api_key
            or params.get("api_secret") != self.api_secret
        ):
            return self.refusal(4)
        to, text = str(params.get("to") or ""), str(params.get("text") or "")
        sender = params.get("from")
        if self.send_status is not None:
            return self.refusal(self.send_status, self.error_text or "Refused")
        if not (to and text and sender):
            return self.refusal(2, "Missing from, to or text")
        if self.no_credit:
            return self.refusal(9)
        if sender in self.bad_senders:
            return self.refusal(15)
        if to.startswith("+") or not E164_RE.match("+" + to) or self.is_invalid(to):
            self.record_message(state="rejected", number=to, body=text)
            return self.refusal(3)
        parts = []
        count = vonage_parts(text, params.get("type") == "unicode")
        for _part in range(count):
            parts.append(
                {
                    "to": to,
                    "message-id": uuid.uuid4().hex[:16].upper(),
                    "status": "0",
                    "remaining-balance": f"{self.balance:.8f}",
                    "message-price": f"{PRICE_PER_PART:.8f}",
                    "network": "23410",
                    "client-ref": params.get("client-ref"),
                }
            )
        self.record_message(
            state="accepted",
            number=digits(to),
            body=text,
            sender=sender,
            provider_ref=parts[0]["message-id"],
            parts=count,
            client_ref=params.get("client-ref"),
            callback=params.get("callback"),
            type=params.get("type") or "text",
        )
        return 200, {"message-count": str(count), "messages": parts}, {}
