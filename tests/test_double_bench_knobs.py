# Copyright 2026 sms_gateway authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""What the benches rely on in the doubles: the Twilio double's
``per_second_limit`` and the ``__double__/counts`` totals."""

import json
import time
import urllib.request

import requests

from sms_gateway.tests.doubles import (
    TWILIO_ACCOUNT_SID,
    TWILIO_AUTH_TOKEN,
    TwilioDouble,
)

MESSAGES_PATH = f"/2010-04-01/Accounts/{TWILIO_ACCOUNT_SID}/Messages.json"


def post(double, session, to):
    return session.post(
        f"{double.url}{MESSAGES_PATH}",
        data={"To": to, "From": "+15005550006", "Body": "Hei"},
        auth=(TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN),
        timeout=5,
    )


def test_requests_over_the_rate_are_answered_429_then_pass_again():
    with TwilioDouble(per_second_limit=3) as double, requests.Session() as s:
        statuses = [post(double, s, f"+1415555010{i}").status_code for i in range(5)]
        refused = post(double, s, "+14155550199")
        time.sleep(1.05)
        again = post(double, s, "+14155550198")
    assert statuses == [201, 201, 201, 429, 429]
    assert refused.json()["code"] == 20429
    assert refused.headers["Retry-After"] == "1"
    assert again.status_code == 201
    # Only the messages let through are taken.
    assert [m["number"] for m in double.accepted()] == [
        "+14155550100",
        "+14155550101",
        "+14155550102",
        "+14155550198",
    ]


def test_rate_is_a_knob_of_the_control_endpoint_and_reset_clears_it():
    with TwilioDouble() as double, requests.Session() as s:
        request = urllib.request.Request(
            f"{double.url}/__double__/config",
            data=json.dumps({"per_second_limit": 1}).encode(),
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=5) as answer:
            assert answer.status == 200
        limited = [post(double, s, f"+1415555020{i}").status_code for i in range(2)]
        s.post(f"{double.url}/__double__/reset", timeout=5)
        free = [post(double, s, f"+1415555030{i}").status_code for i in range(3)]
    assert limited == [201, 429]
    assert free == [201, 201, 201]


def test_counts_total_the_requests_by_answer_and_the_messages_by_state():
    with TwilioDouble(per_second_limit=2) as double, requests.Session() as s:
        for to in ("+14155550401", "+14155550402", "+14155550403", "+1"):
            post(double, s, to)
        counts = s.get(f"{double.url}/__double__/counts", timeout=5).json()
    assert counts == {
        "requests": 4,
        "answered": {"201": 2, "429": 2},
        "messages": {"accepted": 2},
    }
