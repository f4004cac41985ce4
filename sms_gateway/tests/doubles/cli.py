# Copyright 2026 sms_gateway authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Serve one double from the command line (see ``base.py``)::

python3 sms_gateway/tests/doubles smsapi --port 8999 --log /tmp/x.jsonl
"""

import argparse
import logging
import signal
import sys
import threading

from .quriiri import QuriiriDouble
from .smsapi import SmsapiDouble
from .twilio import TwilioDouble
from .vonage import VonageDouble

_logger = logging.getLogger(__name__)

DOUBLES = {
    double.name: double
    for double in (SmsapiDouble, TwilioDouble, QuriiriDouble, VonageDouble)
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
    parser.add_argument(
        "--per-second-limit",
        type=int,
        default=0,
        help="requests per second taken; more are answered as throttled",
    )
    parser.add_argument("--invalid", default="", help="comma-separated numbers")
    parser.add_argument("--fail-status", type=int)
    parser.add_argument("--fail-count", type=int)
    parser.add_argument("--fail-skip", type=int, default=0)
    parser.add_argument("--token", help="SMSAPI token / Quriiri or Vonage API key")
    parser.add_argument("--account-sid", help="Twilio account SID")
    parser.add_argument("--auth-token", help="Twilio auth token")
    parser.add_argument("--api-secret", help="Vonage API secret")
    args = parser.parse_args(argv)
    double_class = DOUBLES[args.provider]
    credentials = {
        keyword: getattr(args, option)
        for option, keyword in double_class.cli_credentials.items()
        if getattr(args, option)
    }
    double = double_class(
        host=args.host,
        port=args.port,
        log_path=args.log,
        delay=args.delay,
        per_second_limit=args.per_second_limit,
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
