# Copyright 2026 sms_gateway authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Quriiri adapter over real HTTP against the loopback Quriiri double."""

import pytest

from sms_gateway.tests.doubles import QURIIRI_API_KEY, QuriiriDouble
from sms_gateway.tools.providers import (
    AuthenticationError,
    NoCreditError,
    ProviderError,
    ProviderUnavailableError,
    RateLimitError,
    build,
    parse_callback,
)


def msg(uid, number, body="Tilauksesi on lähetetty", sender=None):
    return {"uid": uid, "number": number, "body": body, "sender": sender}


@pytest.fixture
def double():
    with QuriiriDouble() as server:
        yield server


def make(double, **config):
    values = {
        "api_key": QURIIRI_API_KEY,
        "sender": "Kauppa",
        "base_url": double.url,
        "timeout": 2,
    }
    values.update(config)
    return build("quriiri", values)


@pytest.fixture
def provider(double):
    with make(double) as adapter:
        yield adapter


def test_batch_in_one_request(double):
    drurl = "https://odoo.example.com/sms/quriiri"
    with make(double, callback_url=drurl) as provider:
        results = provider.send(
            [msg("a1", "+358401000001"), msg("a2", "+358401000002")]
        )
    assert [r["state"] for r in results] == ["accepted", "accepted"]
    assert len(double.requests) == 1
    request = double.requests[0]
    assert request["method"] == "POST" and request["path"] == "/v1/send"
    assert request["headers"]["Authorization"] == f"apikey {QURIIRI_API_KEY}"
    assert request["headers"]["Content-Type"] == "application/json"
    body = request["json"]
    assert body["destination"] == ["+358401000001", "+358401000002"]
    assert body["text"] == "Tilauksesi on lähetetty"
    assert body["sender"] == "Kauppa" and body["drurl"] == drurl
    assert body["billingref"].startswith("batch-")
    assert body["batchid"] == body["billingref"]
    assert results[0]["provider_ref"] == f"{body['billingref']}:+358401000001"


def test_single_message_uses_uid_as_billingref(double, provider):
    result = provider.send([msg("b1", "+358401000001")])[0]
    body = double.requests[0]["json"]
    assert body["billingref"] == "b1" and "batchid" not in body
    assert result["provider_ref"] == "b1:+358401000001"


def test_callback_matches_provider_ref(double, provider):
    single, batch_a, batch_b = provider.send(
        [msg("c1", "+358401000001", body="one")]
    ) + provider.send([msg("c2", "+358401000002"), msg("c3", "+358401000003")])
    for result, uid in ((single, "c1"), (batch_a, None), (batch_b, None)):
        billingref, number = result["provider_ref"].rsplit(":", 1)
        report = {
            "sender": "Kauppa",
            "destination": number,
            "status": "DELIVERED",
            "statustime": "2026-01-02T03:04:05Z",
            "smscount": 1,
            "billingref": billingref,
        }
        event = parse_callback("quriiri", report)[0]
        assert event["provider_ref"] == result["provider_ref"]
        assert event["uid"] == uid
        assert event["status"] == "delivered"


def test_invalid_number_inside_batch(double, provider):
    double.invalid_numbers = {"+358401000002"}
    results = provider.send(
        [
            msg("d1", "+358401000001"),
            msg("d2", "+358401000002"),
            msg("d3", "+358401000003"),
        ]
    )
    assert [r["state"] for r in results] == ["accepted", "rejected", "accepted"]
    assert "Invalid destination" in results[1]["error"]


def test_all_numbers_invalid(double, provider):
    double.invalid_numbers = {"+358401000001", "+358401000002"}
    results = provider.send([msg("e1", "+358401000001"), msg("e2", "+358401000002")])
    assert [r["state"] for r in results] == ["rejected", "rejected"]


def test_general_error_rejects_the_request(double, provider):
    double.bad_senders = {"Kauppa"}
    results = provider.send([msg("f1", "+358401000001")])
    assert results[0]["state"] == "rejected"
    assert "Invalid sender" in results[0]["error"]


def test_bad_credentials(double, provider):
    double.bad_token = True
    with pytest.raises(AuthenticationError) as info:
        provider.send([msg("g1", "+358401000001")])
    assert info.value.temporary is False


def test_no_credit(double, provider):
    double.no_credit = True
    with pytest.raises(NoCreditError):
        provider.send([msg("h1", "+358401000001")])


def test_http_500(double, provider):
    double.fail_status = 500
    with pytest.raises(ProviderUnavailableError) as info:
        provider.send([msg("i1", "+358401000001")])
    assert info.value.temporary is True


def test_timeout(double):
    double.delay = 1.0
    with (
        make(double, timeout=0.3) as provider,
        pytest.raises(ProviderUnavailableError) as info,
    ):
        provider.send([msg("j1", "+358401000001")])
    assert info.value.code == "timeout" and info.value.in_flight == ["j1"]


def test_rate_limit(double, provider):
    double.rate_limit = 1
    with pytest.raises(RateLimitError) as info:
        provider.send([msg("k1", "+358401000001")])
    assert info.value.retry_after == 1.0


def test_partial_results_when_second_group_fails(double, provider):
    double.fail_status, double.fail_skip = 503, 1
    with pytest.raises(ProviderUnavailableError) as info:
        provider.send(
            [msg("l1", "+358401000001", body="one"), msg("l2", "+358401000002", "two")]
        )
    assert [(r["uid"], r["state"]) for r in info.value.partial_results] == [
        ("l1", "accepted")
    ]


def test_unreadable_answer(double, provider):
    double.garbage = 1
    with pytest.raises(ProviderError) as info:
        provider.send([msg("m1", "+358401000001")])
    assert info.value.code == "bad_answer"


def test_balance_is_not_supported(provider):
    assert provider.supports_balance is False
    assert provider.balance() is None


def test_check(double, provider):
    assert provider.check() is True
    assert double.requests[0]["json"]["destination"] == []
    assert double.accepted() == []
    double.bad_token = True
    with pytest.raises(AuthenticationError):
        provider.check()
    double.bad_token, double.fail_status = False, 503
    with pytest.raises(ProviderUnavailableError):
        provider.check()


def test_missing_api_key():
    with pytest.raises(ProviderError) as info:
        build("quriiri", {"sender": "Kauppa"})
    assert info.value.code == "config" and "api_key" in str(info.value)
