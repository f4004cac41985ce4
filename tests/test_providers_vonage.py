# Copyright 2026 sms_gateway authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Vonage adapter over real HTTP against the loopback Vonage double."""

import base64
import time
from datetime import datetime

import pytest

from sms_gateway.tests.doubles import VONAGE_API_KEY, VONAGE_API_SECRET, VonageDouble
from sms_gateway.tools.providers import (
    AuthenticationError,
    NoCreditError,
    ProviderError,
    ProviderUnavailableError,
    RateLimitError,
    build,
    parse_callback,
)

CALLBACK = "https://odoo.example.com/sms_gateway/status/vonage/1/secret"


def msg(uid, number, body="Your order has shipped", sender=None):
    return {"uid": uid, "number": number, "body": body, "sender": sender}


@pytest.fixture
def double():
    with VonageDouble() as server:
        yield server


def make(double, **config):
    values = {
        "api_key": VONAGE_API_KEY,
        "api_secret": VONAGE_API_SECRET,
        "sender": "Shop",
        "base_url": double.url,
        "timeout": 2,
    }
    values.update(config)
    return build("vonage", values)


def test_one_request_per_message_with_reference_and_callback(double):
    with make(double, callback_url=CALLBACK) as provider:
        results = provider.send(
            [msg("a1", "+447700900001"), msg("a2", "+447700900002", sender="Other")]
        )
    assert [r["state"] for r in results] == ["accepted", "accepted"]
    assert [r["uid"] for r in results] == ["a1", "a2"]
    assert results[0]["provider_ref"] == double.messages[0]["provider_ref"]
    assert results[0]["parts"] == 1 and results[0]["cost"] == pytest.approx(0.0333)
    assert len(double.requests) == 2
    request = double.requests[0]
    assert request["method"] == "POST" and request["path"] == "/sms/json"
    assert request["form"] == {
        "api_key": VONAGE_API_KEY,
        "api_secret": VONAGE_API_SECRET,
        "to": "447700900001",
        "from": "Shop",
        "text": "Your order has shipped",
        "client-ref": "a1",
        "callback": CALLBACK,
        "status-report-req": "1",
    }
    assert double.requests[1]["form"]["from"] == "Other"


def test_uid_placeholder_in_the_callback_url(double):
    with make(double, callback_url="https://x.example/r?m={uid}") as provider:
        provider.send([msg("u/1", "+447700900001")])
    assert double.requests[0]["form"]["callback"] == "https://x.example/r?m=u%2F1"


def test_unicode_text_is_sent_as_unicode_and_parts_are_counted(double):
    with make(double) as provider:
        gsm, unicode = provider.send(
            [
                msg("g1", "+447700900001", body="Café à 5 €" * 20),
                msg("u1", "+447700900002", body="Zażółć gęślą jaźń " * 5),
            ]
        )
    assert "type" not in double.requests[0]["form"]
    assert double.requests[1]["form"]["type"] == "unicode"
    assert gsm["parts"] == 2 and gsm["cost"] == pytest.approx(2 * 0.0333)
    assert unicode["parts"] == 2


def test_without_callback_url_no_report_is_asked(double):
    with make(double) as provider:
        provider.send([msg("a1", "+447700900001")])
    form = double.requests[0]["form"]
    assert "callback" not in form and "status-report-req" not in form


@pytest.mark.parametrize(
    ("status", "error_class", "temporary"),
    [
        (1, RateLimitError, True),
        (4, AuthenticationError, False),
        (5, ProviderUnavailableError, True),
        (8, AuthenticationError, False),
        (9, NoCreditError, False),
        (10, RateLimitError, True),
        (11, ProviderError, False),
        (13, ProviderUnavailableError, True),
        (23, ProviderError, False),
    ],
)
def test_account_level_statuses_raise(double, status, error_class, temporary):
    double.configure(send_status=status, error_text="refused by the double")
    with make(double) as provider, pytest.raises(error_class) as info:
        provider.send([msg("a1", "+447700900001")])
    assert info.value.temporary is temporary
    assert f"Vonage status {status}" in str(info.value)
    assert info.value.in_flight == []  # Vonage answered: nothing on the wire


@pytest.mark.parametrize("status", [2, 3, 6, 7, 12, 15, 22, 29, 33])
def test_message_level_statuses_reject_that_message(double, status):
    double.configure(send_status=status, error_text="no")
    with make(double) as provider:
        (result,) = provider.send([msg("a1", "+447700900001")])
    assert result["state"] == "rejected"
    assert result["error"].startswith(f"Vonage status {status}")


def test_unknown_status_is_retried(double):
    double.configure(send_status=99, error_text="something new")
    with make(double) as provider:
        (result,) = provider.send([msg("a1", "+447700900001")])
    assert result["state"] == "retry" and "something new" in result["error"]


def test_documented_refusals_of_the_double(double):
    double.configure(invalid_numbers={"+447700900002"}, bad_senders={"Blocked"})
    with make(double) as provider:
        results = provider.send(
            [
                msg("a1", "+447700900001"),
                msg("a2", "+447700900002"),
                msg("a3", "+447700900003", sender="Blocked"),
            ]
        )
    assert [r["state"] for r in results] == ["accepted", "rejected", "rejected"]
    assert "status 3" in results[1]["error"]
    assert (
        "status 15" in results[2]["error"] and "Illegal Sender" in results[2]["error"]
    )


def test_bad_credentials_and_no_credit(double):
    double.configure(bad_token=True)
    with make(double) as provider:
        with pytest.raises(AuthenticationError):
            provider.send([msg("a1", "+447700900001")])
        with pytest.raises(AuthenticationError):
            provider.balance()
    double.configure(bad_token=False, no_credit=True)
    with make(double) as provider, pytest.raises(NoCreditError):
        provider.send([msg("a1", "+447700900001")])


def test_a_failure_mid_call_keeps_the_earlier_results():
    class ThrottleSecond(VonageDouble):
        def route(self, request):
            if len(self.requests) == 2:
                return self.refusal(1)
            return super().route(request)

    with (
        ThrottleSecond() as server,
        make(server) as provider,
        pytest.raises(RateLimitError) as info,
    ):
        provider.send([msg("a1", "+447700900001"), msg("a2", "+447700900002")])
    assert [r["uid"] for r in info.value.partial_results] == ["a1"]
    assert info.value.partial_results[0]["state"] == "accepted"


def test_partly_sent_message_is_accepted_with_the_refusal():
    class HalfDouble(VonageDouble):
        def route(self, request):
            status, payload, headers = super().route(request)
            payload["messages"][1].update(status="12", **{"error-text": "too long"})
            return status, payload, headers

    with HalfDouble() as server, make(server) as provider:
        (result,) = provider.send([msg("a1", "+447700900001", body="x" * 200)])
    assert result["state"] == "accepted" and result["parts"] == 1
    assert "status 12" in result["error"]


def test_read_timeout_is_in_flight_and_connect_failure_is_not(double):
    double.configure(delay=0.6)
    with (
        make(double, timeout=0.2) as provider,
        pytest.raises(ProviderUnavailableError) as info,
    ):
        provider.send([msg("a1", "+447700900001")])
    assert info.value.code == "timeout" and info.value.in_flight == ["a1"]
    with (
        make(double, base_url="http://127.0.0.1:9") as provider,
        pytest.raises(ProviderUnavailableError) as info,
    ):
        provider.send([msg("a1", "+447700900001")])
    assert info.value.in_flight == []


def test_http_errors_and_garbage(double):
    double.configure(fail_status=503, fail_count=1)
    with make(double) as provider:
        with pytest.raises(ProviderUnavailableError):
            provider.send([msg("a1", "+447700900001")])
        double.configure(garbage=1)
        with pytest.raises(ProviderError) as info:
            provider.send([msg("a2", "+447700900001")])
    assert info.value.code == "bad_answer" and info.value.in_flight == ["a2"]


def test_requests_are_paced_to_the_documented_rate(double):
    assert (
        build("vonage", {"api_key": "k", "api_secret": "s"}).max_requests_per_second
        == 30
    )
    messages = [msg(f"m{i}", f"+4477009000{i:02d}") for i in range(35)]
    with make(double) as provider:
        started = time.monotonic()
        provider.send(messages)
        elapsed = time.monotonic() - started
    assert len(double.accepted()) == 35
    # 30 within a second, the 5 others a second after the first.
    assert double.stats()["peak_per_second"] == 30
    assert elapsed >= 1.0


def test_long_uid_is_refused_locally(double):
    with make(double) as provider:
        (result,) = provider.send([msg("u" * 41, "+447700900001")])
    assert result["state"] == "rejected" and not double.requests


def test_balance_and_check(double):
    double.configure(balance=12.5)
    with make(double) as provider:
        balance = provider.balance()
        assert (balance.amount, balance.unit) == (12.5, "EUR")
        assert str(balance) == "12.50 EUR"
        assert provider.check() is True
    expected = base64.b64encode(f"{VONAGE_API_KEY}:{VONAGE_API_SECRET}".encode())
    request = double.requests[0]
    assert request["path"] == "/account/get-balance" and not request["query"]
    assert request["headers"]["Authorization"] == f"Basic {expected.decode()}"


def test_missing_credentials_are_named():
    with pytest.raises(ProviderError) as info:
        build("vonage", {"api_key": "k"})
    assert "api_secret" in str(info.value) and info.value.code == "config"


RECEIPT = {
    "msisdn": "447700900001",
    "to": "Shop",
    "network-code": "23410",
    "messageId": "0A0000001234567B",
    "price": "0.03330000",
    "status": "delivered",
    "scts": "2001011400",
    "err-code": "0",
    "api-key": VONAGE_API_KEY,
    "client-ref": "a1",
    "message-timestamp": "2020-01-01 14:00:05",
}


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("delivered", "delivered"),
        ("expired", "expired"),
        ("failed", "undelivered"),
        ("rejected", "undelivered"),
        ("accepted", "sent"),
        ("buffered", "sent"),
        ("unknown", "unknown"),
        ("something-else", "unknown"),
    ],
)
def test_receipt_statuses(raw, expected):
    (event,) = parse_callback("vonage", dict(RECEIPT, status=raw))
    assert event["status"] == expected and event["raw_status"] == raw


def test_receipt_fields_form_and_json():
    (form_event,) = parse_callback(
        "vonage", {key: [value] for key, value in RECEIPT.items()}
    )
    (json_event,) = parse_callback("vonage", RECEIPT)
    assert form_event == json_event
    assert json_event["provider_ref"] == "0A0000001234567B"
    assert json_event["uid"] == "a1"
    assert json_event["at"] == datetime(2020, 1, 1, 14, 0)
    assert json_event["error"] is None


def test_receipt_error_code_and_time_fallback():
    report = dict(RECEIPT, status="failed", **{"err-code": "6"})
    del report["scts"]
    report["message-timestamp"] = "2020-01-01 12:00:00 +0200"
    (event,) = parse_callback("vonage", report)
    assert event["error"] == "failed (err-code 6)"
    assert event["at"] == datetime(2020, 1, 1, 10, 0)


def test_receipt_numbers_and_lists_are_accepted_malformed_ones_are_not():
    events = parse_callback("vonage", [RECEIPT, dict(RECEIPT, **{"err-code": 0})])
    assert len(events) == 2
    with pytest.raises(ValueError):
        parse_callback("vonage", dict(RECEIPT, messageId=123))
    with pytest.raises(ValueError):
        parse_callback("vonage", {"status": "delivered"})


def test_sent_message_and_its_receipt_meet(double):
    with make(double, callback_url=CALLBACK) as provider:
        (result,) = provider.send([msg("a1", "+447700900001")])
    (event,) = parse_callback(
        "vonage",
        dict(RECEIPT, messageId=result["provider_ref"], **{"client-ref": "a1"}),
    )
    assert event["provider_ref"] == result["provider_ref"] and event["uid"] == "a1"
