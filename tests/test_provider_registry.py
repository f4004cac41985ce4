# Copyright 2026 sms_gateway authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The provider registry and what each provider declares."""

import importlib
import pkgutil
import sys
import time

import pytest

from sms_gateway.tests.doubles import (
    QURIIRI_API_KEY,
    SMSAPI_TOKEN,
    TWILIO_ACCOUNT_SID,
    TWILIO_AUTH_TOKEN,
    VONAGE_API_KEY,
    VONAGE_API_SECRET,
    QuriiriDouble,
    SmsapiDouble,
    TwilioDouble,
    VonageDouble,
)
from sms_gateway.tools import providers, sender
from sms_gateway.tools.providers import PROVIDERS, BaseProvider, Credential, get, twilio
from sms_gateway.tools.providers import registry as registry_module

# The account fields the Odoo layer makes: <code>_<key>.
EXPECTED_FIELDS = {
    "smsapi_token",
    "smsapi_base_url",
    "twilio_account_sid",
    "twilio_auth_token",
    "twilio_base_url",
    "quriiri_api_key",
    "quriiri_base_url",
    "vonage_api_key",
    "vonage_api_secret",
    "vonage_base_url",
}


def test_every_provider_module_is_registered_sandbox_first_then_by_label():
    package = providers.__name__
    found = set()
    for info in pkgutil.iter_modules(providers.__path__):
        module = importlib.import_module(f"{package}.{info.name}")
        for value in vars(module).values():
            if (
                isinstance(value, type)
                and issubclass(value, BaseProvider)
                and value.code
                and value.__module__ == module.__name__
            ):
                found.add(value)
    assert set(PROVIDERS.values()) == found
    codes = list(PROVIDERS)
    assert codes[0] == "sandbox"
    labels = [PROVIDERS[code].label for code in codes[1:]]
    assert labels == sorted(labels)


def test_a_new_module_is_one_file(tmp_path, monkeypatch):
    """A provider module dropped in the package is found with no other edit."""
    source = """
from .base import BaseProvider, Credential


class EchoProvider(BaseProvider):
    code = "echo_test"
    label = "Echo"
    credentials = (Credential("key", "Key", secret=True),)
"""
    folder = tmp_path / "extra"
    folder.mkdir()
    (folder / "echo_test.py").write_text(source)
    monkeypatch.setattr(providers, "__path__", [*providers.__path__, str(folder)])
    try:
        found = registry_module._discover()
    finally:
        sys.modules.pop(f"{providers.__name__}.echo_test", None)
    assert "echo_test" in found and found["echo_test"].secret_keys() == ("key",)
    assert "echo_test" not in PROVIDERS


def test_get_and_build_refuse_an_unknown_code():
    for code in ("nope", None, "none", ""):
        with pytest.raises(ValueError, match="unknown SMS provider code"):
            get(code)
        with pytest.raises(ValueError):
            providers.build(code, {})


def test_credentials_declare_the_account_fields():
    fields = {
        f"{code}_{item.key}"
        for code, provider in PROVIDERS.items()
        for item in provider.credentials
    }
    assert fields == EXPECTED_FIELDS
    for provider in PROVIDERS.values():
        for item in provider.credentials:
            assert isinstance(item, Credential) and item.label
            with pytest.raises(AttributeError):
                item.key = "other"  # frozen
    assert PROVIDERS["sandbox"].credentials == ()
    assert PROVIDERS["twilio"].required_keys() == ("account_sid", "auth_token")
    assert PROVIDERS["twilio"].secret_keys() == ("auth_token",)
    assert PROVIDERS["vonage"].secret_keys() == ("api_secret",)
    assert PROVIDERS["smsapi"].default_base_url() == "https://api.smsapi.com"
    assert PROVIDERS["vonage"].default_base_url() == "https://rest.nexmo.com"


def test_capabilities():
    assert [code for code, p in PROVIDERS.items() if p.supports_polling] == ["sandbox"]
    assert [code for code, p in PROVIDERS.items() if p.callback_signed] == ["twilio"]
    for provider in PROVIDERS.values():
        assert set(provider.status_map.values()) <= set(providers.DELIVERY_STATUSES)
        assert provider.max_requests_per_second is None or (
            provider.max_requests_per_second > 0
        )
    assert PROVIDERS["vonage"].max_requests_per_second == 30


def test_verify_callback_only_for_signed_providers():
    params = {"MessageSid": "SM1", "MessageStatus": "delivered"}
    url = "https://odoo.example.com/sms_gateway/status/twilio/1"
    signature = twilio.compute_signature("tok", url, params)
    twilio_class = get("twilio")
    assert twilio_class.verify_callback(
        {"auth_token": "tok"}, url, params, {"X-Twilio-Signature": signature}
    )
    assert twilio_class.verify_callback(
        {"auth_token": "tok"}, url, params, {"x-twilio-signature": signature}
    )
    assert not twilio_class.verify_callback(
        {"auth_token": "other"}, url, params, {"X-Twilio-Signature": signature}
    )
    assert not twilio_class.verify_callback({"auth_token": "tok"}, url, params, {})
    assert not twilio_class.verify_callback({}, url, params, {"X-Twilio-Signature": ""})
    for code in ("sandbox", "smsapi", "quriiri", "vonage"):
        headers = {"X-Twilio-Signature": signature}
        assert (
            get(code).verify_callback({"auth_token": "tok"}, url, params, headers)
            is False
        )


@pytest.mark.parametrize(
    ("code", "good", "bad"),
    [
        ("twilio", ["Shop 1", "+15005550006"], ["Shop&Co", "12345", "1234567"]),
        ("smsapi", ["Shop&Co", "48500100200"], ["Shóp", "+1234567"]),
        ("vonage", ["Shop 1", "447700900"], ["Shop&Co", "+123"]),
        ("none", ["Shop&Co", "123"], ["Shóp"]),
        ("unknown-code", ["Shop&Co", "123"], ["Shóp"]),
    ],
)
def test_sender_rules_come_from_the_declaration(code, good, bad):
    for value in good:
        assert sender.check_sender(code, value) == value
    for value in bad:
        with pytest.raises(ValueError):
            sender.check_sender(code, value)


def test_twilio_needs_a_letter_from_its_declaration(monkeypatch):
    with pytest.raises(ValueError, match="Twilio needs at least one letter"):
        sender.check_sender("twilio", "1234 5678")
    monkeypatch.setattr(get("twilio"), "sender_name_needs_letter", False)
    assert sender.check_sender("twilio", "1234 5678") == "1234 5678"


SETUPS = {
    "smsapi": (SmsapiDouble, {"token": SMSAPI_TOKEN}, "notify_url"),
    "twilio": (
        TwilioDouble,
        {"account_sid": TWILIO_ACCOUNT_SID, "auth_token": TWILIO_AUTH_TOKEN},
        "StatusCallback",
    ),
    "quriiri": (QuriiriDouble, {"api_key": QURIIRI_API_KEY}, "drurl"),
    "vonage": (
        VonageDouble,
        {"api_key": VONAGE_API_KEY, "api_secret": VONAGE_API_SECRET},
        "callback",
    ),
}


@pytest.mark.parametrize("code", sorted(SETUPS))
def test_every_adapter_takes_callback_url(code):
    double_class, credentials, field = SETUPS[code]
    callback = f"https://odoo.example.com/sms_gateway/status/{code}/1/s3cr3t"
    with double_class() as double:
        config = dict(
            credentials,
            base_url=double.url,
            sender="+15005550006",
            callback_url=callback,
            timeout=2,
        )
        with providers.build(code, config) as provider:
            (result,) = provider.send(
                [{"uid": "u1", "number": "+48500100001", "body": "hi", "sender": None}]
            )
    assert result["state"] == "accepted"
    request = double.requests[0]
    sent = {**request["form"], **(request["json"] or {})}
    assert sent[field] == callback


def test_base_request_paces_to_the_declared_rate(monkeypatch):
    monkeypatch.setattr(get("smsapi"), "max_requests_per_second", 20)
    with SmsapiDouble() as double:
        config = {"token": SMSAPI_TOKEN, "base_url": double.url, "timeout": 2}
        with providers.build("smsapi", config) as provider:
            started = time.monotonic()
            for _ in range(25):
                provider.balance()
            elapsed = time.monotonic() - started
        # 20 within a second, the 5 others a second after the first.
        assert double.stats()["peak_per_second"] == 20
    assert elapsed >= 1.0
