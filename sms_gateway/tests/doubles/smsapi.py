# Copyright 2026 sms_gateway authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""SMSAPI double: ``POST /sms.do`` (form, Bearer token), ``GET /profile``.

Personalisation as SMSAPI's ``sms.do`` has it: ``param1``..``param4``, each
the recipients' values joined by "|" in the order of ``to``, replace
``[%1%]``..``[%4%]`` in ``message`` (one pass: a value is not read again).
A count of values other than the count of recipients is refused with error
18, "Invalid number of parameters" (SMSAPI's published error table has 18
"invalid number of parameters"; that it is the answer to exactly this
mismatch is our reading). Each recipient's own text is what ``messages``
records (and the log file holds) as its ``body``, the request's ``message``
as its ``template`` (in ``messages`` only, for accepted messages).
"""

import re
import threading
import time
import uuid

from .base import BaseDouble, digits, sms_parts

SMSAPI_TOKEN = "smsapi-test-token-5b1f"
PARAM_NAMES = ("param1", "param2", "param3", "param4")
PARAM_MARK_RE = re.compile(r"\[%([1-4])%\]")
# Delivery report codes of SMSAPI's callbacks and their status names.
REPORT_STATUS_NAMES = {
    "402": "EXPIRED",
    "404": "DELIVERED",
    "405": "UNDELIVERED",
    "406": "FAILED",
    "407": "REJECTED",
}


def personal_texts(message, params, count):
    """Each recipient's text: ``message`` with its ``[%N%]`` replaced by the
    recipient's value of ``paramN``; None when a count of values is not
    ``count``."""
    values = {}
    for number, name in enumerate(PARAM_NAMES, start=1):
        if name in params:
            values[str(number)] = str(params[name]).split("|")
            if len(values[str(number)]) != count:
                return None
    if not values:
        return [message] * count
    return [
        PARAM_MARK_RE.sub(
            lambda mark, i=i: values[mark[1]][i] if mark[1] in values else mark[0],
            message,
        )
        for i in range(count)
    ]


class SmsapiDouble(BaseDouble):
    """SMSAPI: ``POST /sms.do`` (form, Bearer token), ``GET /profile``."""

    name = "smsapi"
    # command line option -> constructor keyword (``cli.py``)
    cli_credentials = {"token": "token"}

    def __init__(self, token=SMSAPI_TOKEN, **kwargs):
        self.token = token
        self.seen_idx = set()
        self._next_id = 1000
        # One send at a time: checking an idx and recording it are one step,
        # so two concurrent requests with the same idx cannot both pass.
        self.send_lock = threading.Lock()
        super().__init__(**kwargs)

    @staticmethod
    def delivery_report(entries, statuses=None):
        """What SMSAPI posts to the ``notify_url`` of accepted ``entries`` (of
        one address): the address and the form, many reports in one, comma
        separated as SMSAPI sends them. ``statuses``: report code by
        ``provider_ref`` (404, delivered, for the others)."""
        statuses = statuses or {}
        codes = [str(statuses.get(e["provider_ref"], "404")) for e in entries]
        now = str(int(time.time()))
        return entries[0]["notify_url"], {
            "MsgId": ",".join(e["provider_ref"] for e in entries),
            "status": ",".join(codes),
            "status_name": ",".join(REPORT_STATUS_NAMES[code] for code in codes),
            "idx": ",".join(e["idx"] or "" for e in entries),
            "donedate": ",".join(now for _entry in entries),
        }

    def _authorized(self, request):
        header = request["headers"].get("Authorization") or ""
        return not self.bad_token and header == f"Bearer {self.token}"

    def route(self, request):
        if request["path"] == "/sms.do":
            return self._sms(request)
        if request["path"] == "/profile" and request["method"] == "GET":
            if not self._authorized(request):
                return (
                    401,
                    {
                        "message": "Authorization failed",
                        "error": "authorization_failed",
                        "errors": None,
                    },
                    {},
                )
            return (
                200,
                {
                    "name": "Double Ltd",
                    "email": "double@example.com",
                    "username": "double",
                    "phone_number": "48500000000",
                    "payment_type": "prepaid",
                    "user_type": "native",
                    "points": 0.0 if self.no_credit else self.balance,
                },
                {},
            )
        return 404, {"message": "Not found", "error": "not_found"}, {}

    def _sms(self, request):
        with self.send_lock:
            return self._sms_locked(request)

    def _sms_locked(self, request):
        params = {**request["query"], **request["form"]}
        if not self._authorized(request):
            return 401, {"error": 101, "message": "Authorization failed"}, {}
        if params.get("format") != "json":
            return 200, "ERROR:8", {}
        numbers = [item for item in (params.get("to") or "").split(",") if item]
        idxs = (params.get("idx") or "").split("|") if params.get("idx") else []
        texts = personal_texts(params.get("message") or "", params, len(numbers))
        # Each distinct text's parts, counted once.
        parts_of = {text: sms_parts(text) for text in set(texts or ())}
        refusal = self._refusal(params, numbers, idxs, texts, parts_of)
        if refusal:
            return 200, refusal, {}
        idxs = idxs or [None] * len(numbers)
        if params.get("check_idx") == "1":
            refusal = self._duplicate_idx(params, numbers, idxs, texts)
            if refusal:
                return 200, refusal, {}
        plain = {number: digits(number) for number in numbers}
        invalid = [
            {
                "number": number,
                "submitted_number": number,
                "message": "Invalid phone number",
            }
            for number in numbers
            if self.is_invalid(number) or not 8 <= len(plain[number]) <= 15
        ]
        invalid_set = {item["submitted_number"] for item in invalid}
        for number, idx, text in zip(numbers, idxs, texts, strict=True):
            if number in invalid_set:
                self.record_message(
                    state="rejected",
                    number=number,
                    idx=idx,
                    body=text,
                    template=params["message"],
                )
        valid = [
            (number, idx, text)
            for number, idx, text in zip(numbers, idxs, texts, strict=True)
            if number not in invalid_set
        ]
        if not valid or (invalid and self.refuse_batch_on_invalid):
            refusal = {"error": 13, "message": "No correct phone numbers"}
            return 200, {**refusal, "invalid_numbers": invalid}, {}
        answer = self._accept(params, valid, parts_of, plain)
        if invalid:
            answer["invalid_numbers"] = invalid
        return 200, answer, {}

    def _refusal(self, params, numbers, idxs, texts, parts_of):
        """Error answer for a request refused as a whole, or None."""
        sender = params.get("from")
        message = params.get("message") or ""
        if not message:
            return {"error": 11, "message": "Message empty"}
        if not numbers:
            return {"error": 13, "message": "No correct phone numbers"}
        if idxs and len(idxs) != len(numbers):
            return {"error": 20, "message": "Invalid number of idx"}
        if texts is None:
            return {"error": 18, "message": "Invalid number of parameters"}
        if sender and sender in self.bad_senders:
            return {"error": 14, "message": "Invalid sender field"}
        if self.no_credit:
            return {"error": 103, "message": "Insufficient credits"}
        max_parts = int(params.get("max_parts") or 6)
        if any(parts > max_parts for parts in parts_of.values()):
            return {"error": 12, "message": "Too many parts"}
        return None

    def _duplicate_idx(self, params, numbers, idxs, texts):
        with self.lock:
            clash = {idx for idx in idxs if idx and idx in self.seen_idx}
        if not clash:
            return None
        for number, idx, text in zip(numbers, idxs, texts, strict=True):
            if idx in clash:
                self.record_message(
                    state="duplicate",
                    number=number,
                    idx=idx,
                    body=text,
                    template=params["message"],
                )
        return {
            "error": 53,
            "message": "Not unique idx parameter, message with this same idx "
            "was already sent",
        }

    def _accept(self, params, valid, parts_of, plain):
        message = params["message"]
        test = params.get("test") == "1"
        check_idx = params.get("check_idx") == "1" and not test
        details = params.get("details") == "1"
        # An id per message: a counter, and a random tail for the request.
        tail = uuid.uuid4().hex[:8].upper()
        with self.lock:
            first_id = self._next_id + 1
            self._next_id += len(valid)
            if check_idx:
                self.seen_idx.update(idx for _number, idx, _text in valid if idx)
        now = int(time.time())
        items, entries = [], []
        for offset, (number, idx, text) in enumerate(valid):
            parts = parts_of[text]
            sms_id = f"{first_id + offset:08X}{tail}"
            item = {
                "id": sms_id,
                "points": round(0.16 * parts, 4),
                "number": plain[number],
                "date_sent": now,
                "submitted_number": number,
                "status": "QUEUE",
                "error": None,
                "idx": idx,
            }
            if details:
                item["parts"] = parts
            items.append(item)
            entries.append(
                {
                    "state": "accepted",
                    "number": number,
                    "idx": idx,
                    "body": text,
                    "sender": params.get("from"),
                    "provider_ref": sms_id,
                    "parts": parts,
                    "notify_url": params.get("notify_url"),
                }
            )
        if not test:
            self.record_messages(entries, template=message)
        answer = {"count": len(items), "list": items}
        if details:
            parts = sms_parts(message)
            answer.update(message=message, length=len(message), parts=parts)
        return answer
