# Copyright 2026 sms_gateway authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""SMSAPI adapter over real HTTP against the loopback SMSAPI double."""

import socket

import pytest
from smsapi_common import make

from sms_gateway.tests.doubles import SMSAPI_TOKEN, SmsapiDouble
from sms_gateway.tools.providers import (
    AuthenticationError,
    NoCreditError,
    ProviderError,
    ProviderUnavailableError,
    RateLimitError,
    build,
)


def msg(uid, number, body="Hello from the shop", sender=None):
    return {"uid": uid, "number": number, "body": body, "sender": sender}


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_batch_groups_same_body_and_sender(double, provider):
    results = provider.send(
        [
            msg("a1", "+48500100001"),
            msg("a2", "+48500100002"),
            msg("a3", "+48500100003", body="Other text"),
        ]
    )
    assert [r["uid"] for r in results] == ["a1", "a2", "a3"]
    assert [r["state"] for r in results] == ["accepted"] * 3
    assert all(r["provider_ref"] for r in results)
    assert results[0]["parts"] == 1 and results[0]["cost"] == pytest.approx(0.16)
    assert len(double.requests) == 2
    first = double.requests[0]
    assert first["method"] == "POST" and first["path"] == "/sms.do"
    assert first["headers"]["Authorization"] == f"Bearer {SMSAPI_TOKEN}"
    assert first["form"] == {
        "format": "json",
        "to": "48500100001,48500100002",
        "message": "Hello from the shop",
        "encoding": "utf-8",
        "idx": "a1|a2",
        "check_idx": "1",
        "details": "1",
        "from": "Shop",
    }
    assert double.requests[1]["form"]["to"] == "48500100003"
    assert [m["provider_ref"] for m in double.accepted()] == [
        r["provider_ref"] for r in results
    ]


def test_sender_per_message_and_omitted_when_none(double):
    with make(double, sender=None) as provider:
        provider.send(
            [msg("b1", "+48500100001"), msg("b2", "+48500100002", sender="X")]
        )
    assert "from" not in double.requests[0]["form"]
    assert double.requests[1]["form"]["from"] == "X"


def test_optional_parameters(double):
    config = {
        "callback_url": "https://odoo.example.com/sms/smsapi",
        "max_parts": 3,
        "normalize": True,
        "test": True,
    }
    with make(double, **config) as provider:
        results = provider.send([msg("c1", "+48500100001")])
    form = double.requests[0]["form"]
    assert form["notify_url"] == config["callback_url"]
    assert form["max_parts"] == "3" and form["normalize"] == "1"
    assert form["test"] == "1"
    assert results[0]["state"] == "accepted"
    assert double.accepted() == []  # test=1: validated, not sent


def test_same_number_twice_goes_in_separate_requests(double, provider):
    results = provider.send([msg("d1", "+48500100001"), msg("d2", "+48500100001")])
    assert [r["state"] for r in results] == ["accepted", "accepted"]
    assert [r["form"]["idx"] for r in double.requests] == ["d1", "d2"]


def test_batch_size_bounds_recipients(double):
    messages = [msg(f"e{i}", f"+4850010000{i}") for i in range(5)]
    with make(double, batch_size=2) as provider:
        results = provider.send(messages)
    assert [r["state"] for r in results] == ["accepted"] * 5
    assert [len(r["form"]["to"].split(",")) for r in double.requests] == [2, 2, 1]


def test_invalid_number_inside_batch(double, provider):
    double.invalid_numbers = {"48500100002"}
    results = provider.send(
        [
            msg("f1", "+48500100001"),
            msg("f2", "+48500100002"),
            msg("f3", "+48500100003"),
        ]
    )
    assert [r["state"] for r in results] == ["accepted", "rejected", "accepted"]
    assert "Invalid phone number" in results[1]["error"]
    assert results[1]["provider_ref"] is None
    assert len(double.requests) == 1


def test_batch_refused_for_invalid_numbers_is_resent_once(double, provider):
    double.invalid_numbers = {"48500100002"}
    double.refuse_batch_on_invalid = True
    results = provider.send(
        [
            msg("g1", "+48500100001"),
            msg("g2", "+48500100002"),
            msg("g3", "+48500100003"),
        ]
    )
    assert [r["state"] for r in results] == ["accepted", "rejected", "accepted"]
    assert [r["form"]["to"] for r in double.requests] == [
        "48500100001,48500100002,48500100003",
        "48500100001,48500100003",
    ]
    assert double.requests[1]["form"]["idx"] == "g1|g3"


def test_all_numbers_invalid(double, provider):
    double.invalid_numbers = {"+48500100001", "+48500100002"}
    results = provider.send([msg("h1", "+48500100001"), msg("h2", "+48500100002")])
    assert [r["state"] for r in results] == ["rejected", "rejected"]
    assert len(double.requests) == 1


def test_locally_invalid_number_never_sent(double, provider):
    results = provider.send([msg("i1", "0048500100001"), msg("i2", "+48500100002")])
    assert results[0]["state"] == "rejected" and "E.164" in results[0]["error"]
    assert double.requests[0]["form"]["to"] == "48500100002"


def test_bad_credentials(double, provider):
    double.bad_token = True
    with pytest.raises(AuthenticationError) as info:
        provider.send([msg("j1", "+48500100001")])
    assert info.value.code == "auth" and info.value.temporary is False
    assert info.value.partial_results == []


def test_no_credit(double, provider):
    double.no_credit = True
    with pytest.raises(NoCreditError) as info:
        provider.send([msg("k1", "+48500100001")])
    assert info.value.code == "credit" and info.value.temporary is False


def test_http_500(double, provider):
    double.fail_status = 500
    with pytest.raises(ProviderUnavailableError) as info:
        provider.send([msg("l1", "+48500100001")])
    assert info.value.code == "unavailable" and info.value.temporary is True
    assert info.value.in_flight == []


def test_timeout(double):
    double.delay = 1.0
    with (
        make(double, timeout=0.3) as provider,
        pytest.raises(ProviderUnavailableError) as info,
    ):
        provider.send([msg("m1", "+48500100001"), msg("m2", "+48500100002")])
    assert info.value.code == "timeout" and info.value.temporary is True
    assert info.value.in_flight == ["m1", "m2"]


def test_connection_refused():
    provider = build(
        "smsapi",
        {"token": SMSAPI_TOKEN, "base_url": f"http://127.0.0.1:{free_port()}"},
    )
    with provider, pytest.raises(ProviderUnavailableError) as info:
        provider.send([msg("n1", "+48500100001")])
    assert info.value.temporary is True and info.value.in_flight == []


def test_rate_limit(double, provider):
    double.rate_limit = 1
    with pytest.raises(RateLimitError) as info:
        provider.send([msg("o1", "+48500100001")])
    assert info.value.code == "rate_limit" and info.value.temporary is True
    assert info.value.retry_after == 2.0
    assert provider.send([msg("o1", "+48500100001")])[0]["state"] == "accepted"


def test_unreadable_answer(double, provider):
    double.garbage = 1
    with pytest.raises(ProviderError) as info:
        provider.send([msg("p1", "+48500100001")])
    assert info.value.code == "bad_answer" and info.value.temporary is True
    assert info.value.in_flight == ["p1"]


def test_duplicate_idx_counts_as_accepted(double, provider):
    first = provider.send([msg("q1", "+48500100001")])[0]
    again = provider.send([msg("q1", "+48500100001")])[0]
    assert first["state"] == "accepted" and first["provider_ref"]
    assert again["state"] == "accepted" and again["provider_ref"] is None
    assert len(double.accepted()) == 1


def test_duplicate_idx_inside_batch_resends_one_by_one(double, provider):
    provider.send([msg("r1", "+48500100001")])
    results = provider.send([msg("r1", "+48500100001"), msg("r2", "+48500100002")])
    assert [r["state"] for r in results] == ["accepted", "accepted"]
    assert results[0]["provider_ref"] is None and results[1]["provider_ref"]
    assert [r["form"]["idx"] for r in double.requests] == ["r1", "r1|r2", "r1", "r2"]
    assert [m["idx"] for m in double.accepted()] == ["r1", "r2"]


def test_partial_results_when_a_later_group_fails(double, provider):
    double.fail_status, double.fail_skip, double.fail_count = 503, 1, 1
    messages = [
        msg("s1", "+48500100001", body="first"),
        msg("s2", "+48500100002", body="second"),
        msg("s3", "+48500100003", body="third"),
    ]
    with pytest.raises(ProviderUnavailableError) as info:
        provider.send(messages)
    partial = info.value.partial_results
    assert [(r["uid"], r["state"]) for r in partial] == [("s1", "accepted")]
    assert partial[0]["provider_ref"] == double.accepted()[0]["provider_ref"]
    # s2 and s3 were not processed: sending everything again is safe (idx).
    results = provider.send(messages)
    assert [r["state"] for r in results] == ["accepted"] * 3
    assert results[0]["provider_ref"] is None
    assert len(double.accepted()) == 3


def test_partial_results_keep_local_rejections(double, provider):
    double.fail_status = 500
    with pytest.raises(ProviderUnavailableError) as info:
        provider.send([msg("t1", "12345"), msg("t2", "+48500100002")])
    assert [(r["uid"], r["state"]) for r in info.value.partial_results] == [
        ("t1", "rejected")
    ]


def test_sender_not_allowed_is_a_configuration_error(double, provider):
    double.bad_senders = {"Shop"}
    with pytest.raises(ProviderError) as info:
        provider.send(
            [msg("u1", "+48500100001", sender="Other"), msg("u2", "+48500100002")]
        )
    assert info.value.code == "sender" and info.value.temporary is False
    assert [r["uid"] for r in info.value.partial_results] == ["u1"]


def test_too_many_parts_rejects_the_messages(double):
    with make(double, max_parts=1) as provider:
        results = provider.send(
            [msg("v1", "+48500100001", body="x" * 200), msg("v2", "+48500100002", "y")]
        )
    assert results[0]["state"] == "rejected" and "max_parts" in results[0]["error"]
    assert results[1]["state"] == "accepted"


class OddSmsapiDouble(SmsapiDouble):
    """Answers every send with a fixed SMSAPI error code."""

    error_code = 8

    def route(self, request):
        if request["path"] == "/sms.do":
            return 200, {"error": self.error_code, "message": "odd"}, {}
        return super().route(request)


@pytest.mark.parametrize(
    ("code", "outcome"),
    [
        (8, "retry"),
        (11, "rejected"),
        (102, AuthenticationError),
        (105, AuthenticationError),
        (201, ProviderUnavailableError),
        (202, RateLimitError),
    ],
)
def test_error_codes(code, outcome):
    with OddSmsapiDouble() as double:
        double.error_code = code
        with make(double) as provider:
            if isinstance(outcome, str):
                result = provider.send([msg("w1", "+48500100001")])[0]
                assert result["state"] == outcome
                assert f"SMSAPI error {code}" in result["error"]
            else:
                with pytest.raises(outcome):
                    provider.send([msg("w1", "+48500100001")])


def test_balance_and_check(double, provider):
    double.balance = 42.5
    balance = provider.balance()
    assert (balance.amount, balance.unit) == (42.5, "points")
    assert str(balance) == "42.50 points"
    assert provider.check() is True
    request = double.requests[-1]
    assert request["method"] == "GET" and request["path"] == "/profile"
    assert request["headers"]["Authorization"] == f"Bearer {SMSAPI_TOKEN}"


def test_check_and_balance_refused(double, provider):
    double.bad_token = True
    with pytest.raises(AuthenticationError):
        provider.check()
    with pytest.raises(AuthenticationError):
        provider.balance()
    double.bad_token = False
    double.fail_status = 502
    with pytest.raises(ProviderUnavailableError):
        provider.check()


def test_missing_token_names_the_field():
    with pytest.raises(ProviderError) as info:
        build("smsapi", {"sender": "Shop"})
    assert info.value.code == "config" and info.value.temporary is False
    assert "token" in str(info.value)


def test_invalid_timeout_is_a_configuration_error():
    with pytest.raises(ProviderError) as info:
        build("smsapi", {"token": "t", "timeout": "soon"})
    assert info.value.code == "config"
