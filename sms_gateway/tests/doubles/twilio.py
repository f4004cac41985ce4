# Copyright 2026 sms_gateway authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Twilio double: ``/2010-04-01/Accounts/{sid}/Messages.json`` and friends.

Beyond the base knob ``per_second_limit`` it answers HTTP 429, error 20429,
``Retry-After: 1``, as Twilio answers an account over its rate; a number in
``opted_out_numbers`` (it replied STOP to Twilio) gets HTTP 400, error 21610.
"""

import base64
import re
import time
import uuid

from .base import E164_RE, BaseDouble, sms_parts

TWILIO_ACCOUNT_SID = "AC" + "0123456789abcdef" * 2
TWILIO_AUTH_TOKEN = "twilio-test-auth-token-9c2e"


class TwilioDouble(BaseDouble):
    """Twilio: ``/2010-04-01/Accounts/{sid}/Messages.json`` and friends."""

    name = "twilio"
    # command line option -> constructor keyword (``cli.py``)
    cli_credentials = {"account_sid": "account_sid", "auth_token": "auth_token"}
    PATH_RE = re.compile(
        r"^/2010-04-01/Accounts/(?P<sid>[^/]+?)(?P<rest>\.json|/Messages\.json"
        r"|/Balance\.json)$"
    )

    def __init__(
        self, account_sid=TWILIO_ACCOUNT_SID, auth_token=TWILIO_AUTH_TOKEN, **kwargs
    ):
        self.account_sid = account_sid
        self.auth_token = auth_token
        # The currency of the account, as Balance.json tells it.
        self.currency = "USD"
        self.opted_out_numbers = set()
        super().__init__(**kwargs)

    def error(self, status, code, message):
        return (
            status,
            {
                "code": code,
                "message": message,
                "more_info": f"https://www.twilio.com/docs/errors/{code}",
                "status": status,
            },
            {},
        )

    def rate_limit_answer(self):
        status, payload, _headers = self.error(429, 20429, "Too Many Requests")
        return status, payload, {"Retry-After": "1"}

    def _authorized(self, request, sid):
        header = request["headers"].get("Authorization") or ""
        expected = base64.b64encode(
            f"{self.account_sid}:{self.auth_token}".encode()
        ).decode()
        return (
            not self.bad_token
            and sid == self.account_sid
            and header == f"Basic {expected}"
        )

    def route(self, request):
        match = self.PATH_RE.match(request["path"])
        if not match:
            return self.error(404, 20404, "The requested resource was not found")
        sid, rest = match.group("sid"), match.group("rest")
        if not self._authorized(request, sid):
            return self.error(401, 20003, "Authenticate")
        if rest == ".json" and request["method"] == "GET":
            return (
                200,
                {
                    "sid": sid,
                    "friendly_name": "Double account",
                    "status": "suspended" if self.no_credit else "active",
                    "type": "Full",
                },
                {},
            )
        if rest == "/Balance.json" and request["method"] == "GET":
            balance = "0.00" if self.no_credit else f"{self.balance:.2f}"
            return (
                200,
                {"account_sid": sid, "balance": balance, "currency": self.currency},
                {},
            )
        if rest == "/Messages.json" and request["method"] == "POST":
            return self._message(request, sid)
        return self.error(405, 20004, "Method not allowed")

    def _message(self, request, sid):
        form = request["form"]
        to, body = form.get("To") or "", form.get("Body") or ""
        sender = form.get("From")
        if self.no_credit:
            return self.error(401, 20005, "Account not active")
        if not sender and not form.get("MessagingServiceSid"):
            return self.error(400, 21603, "A 'From' phone number is required.")
        if sender and sender in self.bad_senders:
            return self.error(
                400, 21212, f"The 'From' number {sender} is not a valid phone number"
            )
        if not E164_RE.match(to) or self.is_invalid(to):
            self.record_message(state="rejected", number=to, body=body)
            return self.error(
                400, 21211, f"The 'To' number {to} is not a valid phone number."
            )
        if to in self.opted_out_numbers:
            self.record_message(state="rejected", number=to, body=body)
            return self.error(400, 21610, "Attempt to send to unsubscribed recipient")
        if not body:
            return self.error(400, 21602, "Message body is required.")
        if len(body) > 1600:
            return self.error(
                400,
                21617,
                "The concatenated message body exceeds the 1600 character limit.",
            )
        message_sid = "SM" + uuid.uuid4().hex
        segments = sms_parts(body)
        self.record_message(
            state="accepted",
            number=to,
            body=body,
            sender=sender,
            provider_ref=message_sid,
            parts=segments,
            status_callback=form.get("StatusCallback"),
        )
        now = time.strftime("%a, %d %b %Y %H:%M:%S +0000", time.gmtime())
        return (
            201,
            {
                "sid": message_sid,
                "account_sid": sid,
                "to": to,
                "from": sender,
                "messaging_service_sid": form.get("MessagingServiceSid"),
                "body": body,
                "status": "queued",
                "num_segments": str(segments),
                "num_media": "0",
                "direction": "outbound-api",
                "api_version": "2010-04-01",
                "price": None,
                "price_unit": "USD",
                "error_code": None,
                "error_message": None,
                "date_created": now,
                "date_updated": now,
                "date_sent": None,
                "uri": f"/2010-04-01/Accounts/{sid}/Messages/{message_sid}.json",
            },
            {},
        )
