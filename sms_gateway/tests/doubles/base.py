# Copyright 2026 sms_gateway authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Loopback HTTP servers that behave like the SMS providers' documented APIs.

``SmsapiDouble``, ``TwilioDouble``, ``QuriiriDouble`` and ``VonageDouble``
(one module each in this package, on ``BaseDouble`` here) each run a
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
- ``per_second_limit``: a provider's rate limit: a request arriving when
  the double already took that many in the last second is answered as the
  provider answers too many requests (HTTP 429 with ``Retry-After``; Vonage:
  status 1, throttled), and not processed; 0 or None: no limit;
- ``delay``: seconds to wait before answering (a provider's latency, or
  client timeouts);
- ``garbage``: answer the next N requests with HTTP 200 and an HTML body;
- ``bad_senders``: sender names the account may not use;
- SMSAPI only: ``refuse_batch_on_invalid`` (error 13 for the whole request
  when any number is invalid, instead of sending to the valid ones) and
  duplicate idx detection (``check_idx=1``: an idx seen before in the
  server's life -> error 53); ``balance`` (points).

Standalone use (crash tests, benches)::

    python3 sms_gateway/tests/doubles smsapi --port 8999 --log /tmp/x.jsonl

serves one double until SIGINT/SIGTERM and appends one JSON line per
received message (``state`` "accepted", "rejected" or "duplicate") to the
log file, flushed at once. Control endpoints, on every double:
``GET /__double__/messages``, ``GET /__double__/requests``,
``GET /__double__/counts`` (totals: requests, by answer status, messages by
state), ``GET /__double__/stats`` (``stats()``), ``POST /__double__/config``
(JSON object of knobs), ``POST /__double__/reset``.

It serves requests concurrently (a thread per connection, HTTP/1.1 keep-alive)
and counts what a rate limit is about (``stats()``): ``peak_concurrent``, the
most requests it was answering at once; ``peak_per_second``, the most requests
that arrived within one second (a sliding window); ``throttled``, the
requests ``per_second_limit`` refused.
"""

import collections
import json
import logging
import re
import threading
import time
from collections import deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

_logger = logging.getLogger(__name__)

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
    "per_second_limit",
    "delay",
    "garbage",
    "bad_senders",
    "refuse_batch_on_invalid",
    "balance",
)


_NOT_DIGITS = re.compile(r"\D+")
_LOG_ENCODER = json.JSONEncoder(ensure_ascii=False).encode


def digits(number):
    number = str(number or "")
    text = _NOT_DIGITS.sub("", number)
    return text[2:] if number.strip().startswith("00") else text


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
    knobs = KNOBS

    def __init__(self, host="127.0.0.1", port=0, log_path=None, **knobs):
        self.host = host
        self.port = port
        self.log_path = log_path
        self._log = None  # the log file, open from the first message on
        self.lock = threading.Lock()
        self.requests = []
        self.messages = []
        self._server = None
        self._thread = None
        self._api_requests = 0
        self.reset_stats()
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
        self.per_second_limit = 0
        self.delay = 0.0
        self.garbage = 0
        self.bad_senders = set()
        self.refuse_batch_on_invalid = False
        self.balance = 100.0

    def reset_stats(self):
        self._active = 0
        self._arrivals = deque()  # monotonic arrival times, last second
        self._taken = deque()  # the same, of requests the limit let through
        self.peak_concurrent = 0
        self.peak_per_second = 0
        self.throttled = 0

    def stats(self):
        with self.lock:
            return {
                "requests": self._api_requests,
                "peak_concurrent": self.peak_concurrent,
                "peak_per_second": self.peak_per_second,
                "throttled": self.throttled,
            }

    def configure(self, **knobs):
        for name, value in knobs.items():
            if name not in self.knobs:
                raise TypeError(f"unknown knob {name!r}")
            if name in ("invalid_numbers", "bad_senders"):
                value = set(value or ())
            setattr(self, name, value)

    def is_invalid(self, number):
        if not self.invalid_numbers:
            return False
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
        with self.lock:
            if self._log is not None:
                self._log.close()
                self._log = None

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
        return self.record_messages([entry])[0]

    def record_messages(self, entries, **common):
        """Record the messages of one request (``common``: what they share,
        not written to the log file: a request's template, say); their log
        lines in one write."""
        at = time.time()
        entries = [{"provider": self.name, "at": at, **entry} for entry in entries]
        with self.lock:
            if self.log_path:
                if self._log is None:
                    self._log = open(self.log_path, "a", encoding="utf-8")  # noqa: SIM115
                lines = (_LOG_ENCODER(entry) + "\n" for entry in entries)
                self._log.write("".join(lines))
            if common:
                for entry in entries:
                    entry.update(common)
            self.messages.extend(entries)
        return entries

    def _flush_log(self):
        """Write the log out (after each request: whoever reads the file
        once an answer came finds every message of it)."""
        with self.lock:
            if self._log is not None:
                self._log.flush()

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
            throttled = self._count_arrival()
        try:
            if self.delay:
                time.sleep(self.delay)
            answer = (
                self.rate_limit_answer() if throttled else self._injected(number)
            ) or self.route(request)
            request["answered"] = answer[0]
            self._flush_log()
            self._reply(handler, *answer)
        finally:
            with self.lock:
                self._active -= 1

    def _count_arrival(self):
        """Count a request (under the lock); True when ``per_second_limit``
        refuses it."""
        now = time.monotonic()
        self._active += 1
        self.peak_concurrent = max(self.peak_concurrent, self._active)
        for times in (self._arrivals, self._taken):
            while times and times[0] <= now - 1.0:
                times.popleft()
        self._arrivals.append(now)
        self.peak_per_second = max(self.peak_per_second, len(self._arrivals))
        if self.per_second_limit and len(self._taken) >= self.per_second_limit:
            self.throttled += 1
            return True
        self._taken.append(now)
        return False

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
        if action == "stats":
            return 200, self.stats(), {}
        if action == "counts":
            # Totals only: cheaper than the lists after 100,000 requests.
            with self.lock:
                answered = collections.Counter(
                    str(item.get("answered")) for item in self.requests
                )
                states = collections.Counter(item["state"] for item in self.messages)
                return (
                    200,
                    {
                        "requests": len(self.requests),
                        "answered": dict(answered),
                        "messages": dict(states),
                    },
                    {},
                )
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
                self.reset_stats()
            self.reset_knobs()
            return 200, {"ok": True}, {}
        return 404, {"error": "unknown control action"}, {}

    def route(self, request):
        raise NotImplementedError
