# Copyright 2026 sms_gateway authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Quriiri double: ``POST /v1/send`` (JSON, ``Authorization: apikey``)."""

import uuid

from .base import E164_RE, BaseDouble, digits

QURIIRI_API_KEY = "quriiri-test-api-key-7d3a"


class QuriiriDouble(BaseDouble):
    """Quriiri: ``POST /v1/send`` (JSON, ``Authorization: apikey <key>``)."""

    name = "quriiri"
    # command line option -> constructor keyword (``cli.py``)
    cli_credentials = {"token": "api_key"}
    PREFIX = "/v1"

    def __init__(self, api_key=QURIIRI_API_KEY, **kwargs):
        self.api_key = api_key
        super().__init__(**kwargs)

    @property
    def url(self):
        return self.root_url + self.PREFIX

    def answer(self, status, errors=(), messages=None):
        return (
            status,
            {
                "errors": list(errors),
                "warnings": [],
                "messages": messages or {},
            },
            {},
        )

    def rate_limit_answer(self):
        status, payload, _headers = self.answer(429, [{"message": "Too many requests"}])
        return status, payload, {"Retry-After": "1"}

    def route(self, request):
        if request["path"] != f"{self.PREFIX}/send" or request["method"] != "POST":
            return self.answer(404, [{"message": "Not found"}])
        header = request["headers"].get("Authorization") or ""
        if self.bad_token or header != f"apikey {self.api_key}":
            return self.answer(401, [{"message": "Unauthorized"}])
        body = request["json"]
        if not isinstance(body, dict):
            return self.answer(400, [{"message": "Invalid JSON"}])
        if self.no_credit:
            return self.answer(402, [{"message": "Payment required"}])
        destinations = body.get("destination") or []
        if isinstance(destinations, str):
            destinations = [destinations]
        text = body.get("text") or ""
        sender = body.get("sender")
        if not destinations:
            return self.answer(400, [{"message": "Missing destination"}])
        if not text:
            return self.answer(400, [{"message": "Missing text or data"}])
        if sender and sender in self.bad_senders:
            return self.answer(400, [{"message": f"Invalid sender: {sender}"}])
        errors, messages = [], {}
        for destination in destinations:
            converted = "+" + digits(destination)
            if not E164_RE.match(converted) or self.is_invalid(destination):
                errors.append(
                    {"destination": destination, "message": "Invalid destination"}
                )
                self.record_message(
                    state="rejected",
                    number=destination,
                    body=text,
                    billingref=body.get("billingref"),
                )
                continue
            message_id = uuid.uuid4().hex
            messages[converted] = {
                "converted": converted,
                "status": "CREATED",
                "messageid": message_id,
            }
            self.record_message(
                state="accepted",
                number=converted,
                body=text,
                sender=sender,
                provider_ref=message_id,
                billingref=body.get("billingref"),
                batchid=body.get("batchid"),
                drurl=body.get("drurl"),
            )
        return self.answer(200 if messages else 400, errors, messages)
