# Copyright 2026 sms_gateway authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Loopback HTTP servers that behave like the SMS providers' documented APIs.

``SmsapiDouble``, ``TwilioDouble`` and ``QuriiriDouble`` each run a
``ThreadingHTTPServer`` on 127.0.0.1 (port 0 = any free port) in a daemon
thread; use them as context managers. They check the credentials, record
every request in ``double.requests`` (method, path, headers, query, form,
json) and every message they took in ``double.messages``, and answer like
the real API, errors included. Knobs (attributes, changeable at any time):

- ``invalid_numbers``: numbers (any format) refused as invalid;
- ``bad_token``: refuse every credential;
- ``no_credit``: answer "no credit" to sends;
- ``fail_status`` / ``fail_count`` / ``fail_skip``: answer HTTP
  ``fail_status`` (e.g. 500, 503, 429) to ``fail_count`` requests (None =
  all) after letting ``fail_skip`` requests through;
- ``rate_limit``: answer HTTP 429 to the next N requests;
- ``delay``: seconds to wait before answering (client timeouts);
- ``garbage``: answer the next N requests with HTTP 200 and an HTML body;
- ``bad_senders``: sender names the account may not use;
- SMSAPI only: ``refuse_batch_on_invalid`` (error 13 for the whole request
  when any number is invalid, instead of sending to the valid ones) and
  duplicate idx detection (``check_idx=1``: an idx seen before in the
  server's life -> error 53); ``balance`` (points).

Standalone use (crash tests, benches)::

    python3 sms_gateway/tools/provider_doubles.py smsapi --port 8999 --log /tmp/x.jsonl

serves one double until SIGINT/SIGTERM and appends one JSON line per
received message (``state`` "accepted", "rejected" or "duplicate") to the
log file, flushed at once. Control endpoints, on every double:
``GET /__double__/messages``, ``GET /__double__/requests``,
``POST /__double__/config`` (JSON object of knobs), ``POST
/__double__/reset``.
"""

import argparse
import base64
import json
import logging
import re
import signal
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

_logger = logging.getLogger(__name__)

SMSAPI_TOKEN = "smsapi-test-token-5b1f"
TWILIO_ACCOUNT_SID = "AC" + "0123456789abcdef" * 2
TWILIO_AUTH_TOKEN = "twilio-test-auth-token-9c2e"
QURIIRI_API_KEY = "quriiri-test-api-key-7d3a"
CONTROL_PREFIX = "/__double__/"
E164_RE = re.compile(r"^\+[1-9]\d{1,14}$")
KNOBS = (
    "invalid_numbers",
    "bad_token",
    "no_credit",
    "fail_status",
    "fail_count",
    "fail_skip",
    "rate_limit",
    "delay",
    "garbage",
    "bad_senders",
    "refuse_batch_on_invalid",
    "balance",
)


def digits(number):
    text = "".join(ch for ch in str(number or "") if ch.isdigit())
    return text[2:] if str(number or "").strip().startswith("00") else text


def sms_parts(text):
    """Rough part count (ASCII as GSM-7, else UCS-2), enough for a double."""
    units = len(text.encode("utf-16-le")) // 2
    single, multi = (160, 153) if text.isascii() else (70, 67)
    return 1 if units <= single else -(-units // multi)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "ProviderDouble/1.0"
    # Headers and body go in separate writes: without this, each answer on a
    # kept-alive connection waits for the client's delayed ACK (about 40 ms).
    disable_nagle_algorithm = True

    def do_GET(self):
        self.server.double.handle(self)

    def do_POST(self):
        self.server.double.handle(self)

    def log_message(self, format, *args):
        pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True


class BaseDouble:
    """Common machinery; subclasses implement ``route(request)``."""

    name = "double"

    def __init__(self, host="127.0.0.1", port=0, log_path=None, **knobs):
        self.host = host
        self.port = port
        self.log_path = log_path
        self.lock = threading.Lock()
        self.requests = []
        self.messages = []
        self._server = None
        self._thread = None
        self._api_requests = 0
        self.reset_knobs()
        self.configure(**knobs)

    # -- knobs ----------------------------------------------------------------

    def reset_knobs(self):
        self.invalid_numbers = set()
        self.bad_token = False
        self.no_credit = False
        self.fail_status = None
        self.fail_count = None
        self.fail_skip = 0
        self.rate_limit = 0
        self.delay = 0.0
        self.garbage = 0
        self.bad_senders = set()
        self.refuse_batch_on_invalid = False
        self.balance = 100.0

    def configure(self, **knobs):
        for name, value in knobs.items():
            if name not in KNOBS:
                raise TypeError(f"unknown knob {name!r}")
            if name in ("invalid_numbers", "bad_senders"):
                value = set(value or ())
            setattr(self, name, value)

    def is_invalid(self, number):
        return digits(number) in {digits(item) for item in self.invalid_numbers}

    # -- life cycle -----------------------------------------------------------

    def start(self):
        self._server = _Server((self.host, self.port), _Handler)
        self._server.double = self
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"{self.name}-double",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self):
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self):
        return self.start()

    def __exit__(self, exc_type, exc, tb):
        self.stop()

    @property
    def root_url(self):
        return f"http://{self.host}:{self.port}"

    @property
    def url(self):
        """``base_url`` to give the adapter."""
        return self.root_url

    # -- recording ------------------------------------------------------------

    def record_message(self, **entry):
        entry = {"provider": self.name, "at": time.time(), **entry}
        with self.lock:
            self.messages.append(entry)
            if self.log_path:
                with open(self.log_path, "a", encoding="utf-8") as log:
                    log.write(json.dumps(entry, ensure_ascii=False) + "\n")
                    log.flush()
        return entry

    def accepted(self):
        return [entry for entry in self.messages if entry["state"] == "accepted"]

    # -- HTTP -----------------------------------------------------------------

    def handle(self, handler):
        request = self._read(handler)
        if request["path"].startswith(CONTROL_PREFIX):
            self._reply(handler, *self._control(request))
            return
        with self.lock:
            self.requests.append(request)
            self._api_requests += 1
            number = self._api_requests
        if self.delay:
            time.sleep(self.delay)
        injected = self._injected(number)
        answer = injected or self.route(request)
        request["answered"] = answer[0]
        self._reply(handler, *answer)

    def _injected(self, number):
        with self.lock:
            if self.rate_limit:
                self.rate_limit -= 1
                return self.rate_limit_answer()
            if (
                self.fail_status
                and number > (self.fail_skip or 0)
                and (self.fail_count is None or self.fail_count > 0)
            ):
                if self.fail_count is not None:
                    self.fail_count -= 1
                if self.fail_status == 429:
                    return self.rate_limit_answer()
                return self.failure_answer(self.fail_status)
            if self.garbage:
                self.garbage -= 1
                return 200, "<html><body>Welcome to nginx!</body></html>", {}
        return None

    def rate_limit_answer(self):
        return 429, {"message": "Too Many Requests"}, {"Retry-After": "2"}

    def failure_answer(self, status):
        return status, f"<html><body><h1>{status} Server Error</h1></body></html>", {}

    def _read(self, handler):
        split = urlsplit(handler.path)
        length = int(handler.headers.get("Content-Length") or 0)
        raw = handler.rfile.read(length) if length else b""
        content_type = handler.headers.get("Content-Type") or ""
        form, body = {}, None
        if "application/x-www-form-urlencoded" in content_type:
            form = {
                key: values[0] if len(values) == 1 else values
                for key, values in parse_qs(
                    raw.decode("utf-8"), keep_blank_values=True
                ).items()
            }
        elif raw:
            try:
                body = json.loads(raw.decode("utf-8"))
            except ValueError:
                body = None
        query = {
            key: values[0] if len(values) == 1 else values
            for key, values in parse_qs(split.query, keep_blank_values=True).items()
        }
        return {
            "method": handler.command,
            "path": split.path,
            "query": query,
            "headers": dict(handler.headers.items()),
            "form": form,
            "json": body,
            "raw": raw.decode("utf-8", "replace"),
        }

    def _reply(self, handler, status, payload, headers=None):
        if isinstance(payload, dict | list):
            data = json.dumps(payload).encode("utf-8")
            content_type = "application/json"
        else:
            data = str(payload).encode("utf-8")
            content_type = "text/html; charset=utf-8"
        handler.send_response(status)
        handler.send_header("Content-Type", content_type)
        handler.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            handler.send_header(name, value)
        handler.end_headers()
        try:
            handler.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            _logger.debug("the client gave up before the answer (timeout tests)")

    def _control(self, request):
        action = request["path"][len(CONTROL_PREFIX) :]
        if action == "messages":
            with self.lock:
                return 200, list(self.messages), {}
        if action == "requests":
            with self.lock:
                return 200, [dict(item) for item in self.requests], {}
        if action == "config" and request["method"] == "POST":
            knobs = dict(request["json"] or {})
            try:
                self.configure(**knobs)
            except TypeError as exc:
                return 400, {"error": str(exc)}, {}
            return 200, {"ok": True}, {}
        if action == "reset" and request["method"] == "POST":
            with self.lock:
                self.requests.clear()
                self.messages.clear()
            self.reset_knobs()
            return 200, {"ok": True}, {}
        return 404, {"error": "unknown control action"}, {}

    def route(self, request):
        raise NotImplementedError


class SmsapiDouble(BaseDouble):
    """SMSAPI: ``POST /sms.do`` (form, Bearer token), ``GET /profile``."""

    name = "smsapi"

    def __init__(self, token=SMSAPI_TOKEN, **kwargs):
        self.token = token
        self.seen_idx = set()
        self._next_id = 1000
        # One send at a time: checking an idx and recording it are one step,
        # so two concurrent requests with the same idx cannot both pass.
        self.send_lock = threading.Lock()
        super().__init__(**kwargs)

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
        refusal = self._refusal(params, numbers, idxs)
        if refusal:
            return 200, refusal, {}
        idxs = idxs or [None] * len(numbers)
        if params.get("check_idx") == "1":
            refusal = self._duplicate_idx(params, numbers, idxs)
            if refusal:
                return 200, refusal, {}
        invalid = [
            {
                "number": number,
                "submitted_number": number,
                "message": "Invalid phone number",
            }
            for number in numbers
            if self.is_invalid(number) or not 8 <= len(digits(number)) <= 15
        ]
        invalid_set = {item["submitted_number"] for item in invalid}
        for number, idx in zip(numbers, idxs, strict=True):
            if number in invalid_set:
                self.record_message(
                    state="rejected", number=number, idx=idx, body=params["message"]
                )
        valid = [
            (number, idx)
            for number, idx in zip(numbers, idxs, strict=True)
            if number not in invalid_set
        ]
        if not valid or (invalid and self.refuse_batch_on_invalid):
            refusal = {"error": 13, "message": "No correct phone numbers"}
            return 200, {**refusal, "invalid_numbers": invalid}, {}
        answer = self._accept(params, valid)
        if invalid:
            answer["invalid_numbers"] = invalid
        return 200, answer, {}

    def _refusal(self, params, numbers, idxs):
        """Error answer for a request refused as a whole, or None."""
        sender = params.get("from")
        message = params.get("message") or ""
        if not message:
            return {"error": 11, "message": "Message empty"}
        if not numbers:
            return {"error": 13, "message": "No correct phone numbers"}
        if idxs and len(idxs) != len(numbers):
            return {"error": 20, "message": "Invalid number of idx"}
        if sender and sender in self.bad_senders:
            return {"error": 14, "message": "Invalid sender field"}
        if self.no_credit:
            return {"error": 103, "message": "Insufficient credits"}
        if sms_parts(message) > int(params.get("max_parts") or 6):
            return {"error": 12, "message": "Too many parts"}
        return None

    def _duplicate_idx(self, params, numbers, idxs):
        with self.lock:
            clash = {idx for idx in idxs if idx and idx in self.seen_idx}
        if not clash:
            return None
        for number, idx in zip(numbers, idxs, strict=True):
            if idx in clash:
                self.record_message(
                    state="duplicate", number=number, idx=idx, body=params["message"]
                )
        return {
            "error": 53,
            "message": "Not unique idx parameter, message with this same idx "
            "was already sent",
        }

    def _accept(self, params, valid):
        message = params["message"]
        parts = sms_parts(message)
        test = params.get("test") == "1"
        items = []
        for number, idx in valid:
            with self.lock:
                self._next_id += 1
                sms_id = f"{self._next_id:08X}{uuid.uuid4().hex[:8].upper()}"
                if idx and params.get("check_idx") == "1" and not test:
                    self.seen_idx.add(idx)
            item = {
                "id": sms_id,
                "points": round(0.16 * parts, 4),
                "number": digits(number),
                "date_sent": int(time.time()),
                "submitted_number": number,
                "status": "QUEUE",
                "error": None,
                "idx": idx,
            }
            if params.get("details") == "1":
                item["parts"] = parts
            items.append(item)
            if not test:
                self.record_message(
                    state="accepted",
                    number=number,
                    idx=idx,
                    body=message,
                    sender=params.get("from"),
                    provider_ref=sms_id,
                    parts=parts,
                    notify_url=params.get("notify_url"),
                )
        answer = {"count": len(items), "list": items}
        if params.get("details") == "1":
            answer.update(message=message, length=len(message), parts=parts)
        return answer


class TwilioDouble(BaseDouble):
    """Twilio: ``/2010-04-01/Accounts/{sid}/Messages.json`` and friends."""

    name = "twilio"
    PATH_RE = re.compile(
        r"^/2010-04-01/Accounts/(?P<sid>[^/]+?)(?P<rest>\.json|/Messages\.json"
        r"|/Balance\.json)$"
    )

    def __init__(
        self, account_sid=TWILIO_ACCOUNT_SID, auth_token=TWILIO_AUTH_TOKEN, **kwargs
    ):
        self.account_sid = account_sid
        self.auth_token = auth_token
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
            return 200, {"account_sid": sid, "balance": balance, "currency": "USD"}, {}
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


class QuriiriDouble(BaseDouble):
    """Quriiri: ``POST /v1/send`` (JSON, ``Authorization: apikey <key>``)."""

    name = "quriiri"
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


DOUBLES = {
    "smsapi": SmsapiDouble,
    "twilio": TwilioDouble,
    "quriiri": QuriiriDouble,
}


def main(argv=None):
    parser = argparse.ArgumentParser(
        description="Serve one SMS provider double on a loopback port."
    )
    parser.add_argument("provider", choices=sorted(DOUBLES))
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--log", help="append each received message (JSONL)")
    parser.add_argument("--delay", type=float, default=0.0)
    parser.add_argument("--invalid", default="", help="comma-separated numbers")
    parser.add_argument("--fail-status", type=int)
    parser.add_argument("--fail-count", type=int)
    parser.add_argument("--fail-skip", type=int, default=0)
    parser.add_argument("--token", help="SMSAPI token / Quriiri API key")
    parser.add_argument("--account-sid", help="Twilio account SID")
    parser.add_argument("--auth-token", help="Twilio auth token")
    args = parser.parse_args(argv)
    credentials = {}
    if args.provider == "smsapi" and args.token:
        credentials["token"] = args.token
    if args.provider == "quriiri" and args.token:
        credentials["api_key"] = args.token
    if args.provider == "twilio":
        if args.account_sid:
            credentials["account_sid"] = args.account_sid
        if args.auth_token:
            credentials["auth_token"] = args.auth_token
    double = DOUBLES[args.provider](
        host=args.host,
        port=args.port,
        log_path=args.log,
        delay=args.delay,
        invalid_numbers={item for item in args.invalid.split(",") if item},
        fail_status=args.fail_status,
        fail_count=args.fail_count,
        fail_skip=args.fail_skip,
        **credentials,
    )
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_args: stop.set())
    double.start()
    sys.stdout.write(f"{double.name} double serving on {double.url}\n")
    sys.stdout.flush()
    try:
        stop.wait()
    except KeyboardInterrupt:
        _logger.debug("interrupted")
    finally:
        double.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
