# Copyright 2026 sms_gateway authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Sandbox provider and the facade (build, PROVIDERS)."""

import sys

import pytest
import requests

from sms_gateway.tools import providers
from sms_gateway.tools.providers import PROVIDERS, ProviderError, build, sandbox


def msg(uid, number, body="Hello", sender=None):
    return {"uid": uid, "number": number, "body": body, "sender": sender}


@pytest.fixture(autouse=True)
def no_network(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("the sandbox must not use the network")

    monkeypatch.setattr(requests.Session, "request", refuse)


def test_facade_codes_and_attributes():
    assert set(PROVIDERS) == {"sandbox", "smsapi", "twilio", "quriiri", "vonage"}
    for code, provider_class in PROVIDERS.items():
        assert provider_class.code == code
        assert provider_class.label
        assert provider_class.sender_rules
        for flag in (
            "supports_bulk",
            "supports_idempotency",
            "supports_balance",
            "supports_callbacks",
        ):
            assert isinstance(getattr(provider_class, flag), bool)
    assert PROVIDERS["smsapi"].supports_idempotency is True
    assert PROVIDERS["twilio"].supports_idempotency is False
    assert PROVIDERS["quriiri"].supports_idempotency is False
    assert PROVIDERS["sandbox"].supports_idempotency is True
    assert set(providers.STATUS_MAP) == set(PROVIDERS)


def test_unknown_code():
    with pytest.raises(ValueError):
        build("carrier-pigeon", {})


def test_test_numbers():
    with build("sandbox", {}) as provider:
        results = provider.send(
            [
                msg("a1", "+48500000000"),
                msg("a2", "+48500000001"),
                msg("a3", "+48500000002"),
                msg("a4", "+48500123456"),
                msg("a5", "500123456"),
            ]
        )
    states = [(r["uid"], r["state"]) for r in results]
    assert states == [
        ("a1", "rejected"),
        ("a2", "retry"),
        ("a3", "accepted"),
        ("a4", "accepted"),
        ("a5", "rejected"),
    ]
    assert results[0]["error"] == "sandbox test number: invalid"
    assert results[3]["provider_ref"] == "sandbox-a4"
    assert results[3]["cost"] is None and results[3]["parts"] == 1
    assert provider.delivery_status("sandbox-a3") == "undelivered"
    assert provider.delivery_status("sandbox-a4") == "delivered"


def test_delivery_status_from_another_instance():
    provider = build("sandbox", {})
    assert provider.delivery_status("sandbox-x", number="+48500000002") == "undelivered"
    assert provider.delivery_status("sandbox-x") == "delivered"
    assert provider.delivery_status("SM123") == "unknown"


def test_idempotent_per_uid():
    provider = build("sandbox", {})
    first = provider.send([msg("b1", "+48500123456")])
    again = provider.send([msg("b1", "+48500123456")])
    assert first == again


def test_parts_use_the_text_engine_or_a_fallback(monkeypatch):
    provider = build("sandbox", {})
    long_text = "a" * 161
    assert provider.send([msg("c1", "+48500123456", body=long_text)])[0]["parts"] == 2
    monkeypatch.setitem(sys.modules, "sms_gateway.tools.sms_text", None)
    assert sandbox.count_parts(long_text) == 2
    assert sandbox.count_parts("ż" * 71) == 2
    assert sandbox.count_parts("short") == 1


def test_balance_and_check():
    provider = build("sandbox", {})
    balance = provider.balance()
    assert (balance.amount, balance.unit) == (1000.0, "test points")
    assert str(balance) == "1,000.00 test points"
    assert provider.check() is True


def test_duplicate_uid_in_one_call_is_a_programming_error():
    with pytest.raises(ValueError):
        build("sandbox", {}).send(
            [msg("d1", "+48500123456"), msg("d1", "+48500123457")]
        )


def test_empty_body_rejected():
    result = build("sandbox", {}).send([msg("e1", "+48500123456", body="  ")])[0]
    assert result["state"] == "rejected"


def test_config_errors_are_provider_errors():
    with pytest.raises(ProviderError):
        build("sandbox", {"timeout": -1})
