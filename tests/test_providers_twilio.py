# Copyright 2026 sms_gateway authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Twilio adapter over real HTTP against the loopback Twilio double."""

import base64

import pytest

from sms_gateway.tests.doubles import (
    TWILIO_ACCOUNT_SID,
    TWILIO_AUTH_TOKEN,
    TwilioDouble,
)
from sms_gateway.tools.providers import (
    AuthenticationError,
    NoCreditError,
    ProviderError,
    ProviderUnavailableError,
    RateLimitError,
    build,
)

SENDER = "+15005550006"
MESSAGES_PATH = f"/2010-04-01/Accounts/{TWILIO_ACCOUNT_SID}/Messages.json"


def msg(uid, number, body="Your order has shipped", sender=None):
    return {"uid": uid, "number": number, "body": body, "sender": sender}


@pytest.fixture
def double():
    with TwilioDouble() as server:
        yield server


def make(double, **config):
    values = {
        "account_sid": TWILIO_ACCOUNT_SID,
        "auth_token": TWILIO_AUTH_TOKEN,
        "sender": SENDER,
        "base_url": double.url,
        "timeout": 2,
    }
    values.update(config)
    return build("twilio", values)


@pytest.fixture
def provider(double):
    with make(double) as adapter:
        yield adapter


def test_one_request_per_message(double):
    callback = "https://odoo.example.com/sms/twilio/status?uid={uid}"
    with make(double, callback_url=callback) as provider:
        results = provider.send(
            [msg("a1", "+14155550101"), msg("a2", "+14155550102", sender="Shop")]
        )
    assert [r["state"] for r in results] == ["accepted", "accepted"]
    assert all(r["provider_ref"].startswith("SM") for r in results)
    assert results[0]["parts"] == 1 and results[0]["cost"] is None
    assert len(double.requests) == 2
    request = double.requests[0]
    assert request["method"] == "POST" and request["path"] == MESSAGES_PATH
    credentials = f"{TWILIO_ACCOUNT_SID}:{TWILIO_AUTH_TOKEN}".encode()
    expected = "Basic " + base64.b64encode(credentials).decode()
    assert request["headers"]["Authorization"] == expected
    assert request["form"] == {
        "To": "+14155550101",
        "Body": "Your order has shipped",
        "From": SENDER,
        "StatusCallback": "https://odoo.example.com/sms/twilio/status?uid=a1",
    }
    assert double.requests[1]["form"]["From"] == "Shop"


def test_segments_and_price():
    class PricedDouble(TwilioDouble):
        def _message(self, request, sid):
            status, payload, headers = super()._message(request, sid)
            payload["price"] = "-0.0790"
            return status, payload, headers

    with PricedDouble() as priced, make(priced) as adapter:
        result = adapter.send([msg("b1", "+14155550101", body="é" * 100)])[0]
    assert result["parts"] == 2
    assert result["cost"] == pytest.approx(0.079)


def test_invalid_number_rejected_and_call_goes_on(double, provider):
    double.invalid_numbers = {"+14155550102"}
    results = provider.send(
        [
            msg("c1", "+14155550101"),
            msg("c2", "+14155550102"),
            msg("c3", "+14155550103"),
        ]
    )
    assert [r["state"] for r in results] == ["accepted", "rejected", "accepted"]
    assert "21211" in results[1]["error"] and "not a valid" in results[1]["error"]
    assert len(double.requests) == 3


def test_bad_credentials(double, provider):
    double.bad_token = True
    with pytest.raises(AuthenticationError) as info:
        provider.send([msg("d1", "+14155550101")])
    assert info.value.code == "auth" and info.value.temporary is False


def test_no_credit(double, provider):
    double.no_credit = True
    with pytest.raises(NoCreditError) as info:
        provider.send([msg("e1", "+14155550101")])
    assert info.value.code == "credit" and info.value.temporary is False


def test_http_500(double, provider):
    double.fail_status = 500
    with pytest.raises(ProviderUnavailableError) as info:
        provider.send([msg("f1", "+14155550101")])
    assert info.value.temporary is True and info.value.in_flight == []


def test_timeout_marks_only_the_message_on_the_wire(double):
    with make(double, timeout=0.3) as provider:
        provider.send([msg("g0", "+14155550100")])
        double.delay = 1.0
        with pytest.raises(ProviderUnavailableError) as info:
            provider.send([msg("g1", "+14155550101"), msg("g2", "+14155550102")])
    assert info.value.code == "timeout"
    assert info.value.in_flight == ["g1"]
    assert info.value.partial_results == []


def test_rate_limit_mid_call_keeps_partial_results(double, provider):
    double.fail_status, double.fail_skip = 429, 1
    with pytest.raises(RateLimitError) as info:
        provider.send(
            [
                msg("h1", "+14155550101"),
                msg("h2", "+14155550102"),
                msg("h3", "+14155550103"),
            ]
        )
    error = info.value
    assert error.code == "rate_limit" and error.temporary is True
    assert error.retry_after == 1.0
    assert [(r["uid"], r["state"]) for r in error.partial_results] == [
        ("h1", "accepted")
    ]
    assert (
        error.partial_results[0]["provider_ref"] == double.accepted()[0]["provider_ref"]
    )
    assert error.in_flight == []
    assert len(double.requests) == 2  # h3 was never attempted


def test_sender_error_stops_the_call(double, provider):
    double.bad_senders = {"Bad Sender"}
    with pytest.raises(ProviderError) as info:
        provider.send(
            [msg("i1", "+14155550101"), msg("i2", "+14155550102", sender="Bad Sender")]
        )
    assert info.value.code == "sender" and info.value.temporary is False
    assert [r["uid"] for r in info.value.partial_results] == ["i1"]


def test_unreadable_answer(double, provider):
    double.garbage = 1
    with pytest.raises(ProviderError) as info:
        provider.send([msg("j1", "+14155550101")])
    assert info.value.code == "bad_answer" and info.value.in_flight == ["j1"]


def test_balance_and_check(double, provider):
    double.balance = 12.5
    balance = provider.balance()
    # The unit is the currency of Twilio's answer, as it says it.
    assert (balance.amount, balance.unit) == (12.5, "USD")
    assert str(balance) == "12.50 USD"
    assert double.requests[-1]["path"].endswith("/Balance.json")
    assert provider.check() is True
    assert (
        double.requests[-1]["path"] == f"/2010-04-01/Accounts/{TWILIO_ACCOUNT_SID}.json"
    )


def test_check_refused(double, provider):
    double.no_credit = True
    with pytest.raises(NoCreditError):
        provider.check()
    double.no_credit, double.bad_token = False, True
    with pytest.raises(AuthenticationError):
        provider.check()
    with pytest.raises(AuthenticationError):
        provider.balance()


def test_wrong_account_sid(double):
    with (
        make(double, account_sid="AC" + "f" * 32) as provider,
        pytest.raises(AuthenticationError),
    ):
        provider.send([msg("k1", "+14155550101")])


def test_missing_configuration():
    with pytest.raises(ProviderError) as info:
        build("twilio", {"account_sid": TWILIO_ACCOUNT_SID, "sender": SENDER})
    assert info.value.code == "config" and "auth_token" in str(info.value)
    with pytest.raises(ProviderError) as info:
        build(
            "twilio",
            {"account_sid": TWILIO_ACCOUNT_SID, "auth_token": TWILIO_AUTH_TOKEN},
        )
    assert "sender" in str(info.value)


def test_messaging_service_sid(double):
    with make(double, sender=None, messaging_service_sid="MG" + "1" * 32) as provider:
        result = provider.send([msg("l1", "+14155550101")])[0]
    assert result["state"] == "accepted"
    assert double.requests[0]["form"]["MessagingServiceSid"] == "MG" + "1" * 32
    assert "From" not in double.requests[0]["form"]
