# Copyright 2026 sms_gateway authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""No credential ever shows in an error, a result, a repr or a log line.

Every error path of every HTTP adapter is triggered against the doubles with
logging captured at DEBUG (urllib3 included), including a double that echoes
the credentials back in its error answers.
"""

import base64
import logging
import socket
import traceback

import pytest

from sms_gateway.tests.doubles import (
    QuriiriDouble,
    SmsapiDouble,
    TwilioDouble,
    VonageDouble,
)
from sms_gateway.tools.providers import ProviderError, build

SMSAPI_SECRET = "S3cret-smsapi-token-QWERTY123"
TWILIO_SECRET = "S3cret-twilio-auth-token-ASDF456"
QURIIRI_SECRET = "S3cret-quriiri-api-key-ZXCV789"
VONAGE_SECRET = "S3cret-vonage-api-secret-POIU321"
VONAGE_KEY = "f00dcafe"
TWILIO_SID = "AC" + "a1b2c3d4" * 4


class EchoSmsapiDouble(SmsapiDouble):
    echo = False

    def route(self, request):
        if self.echo:
            header = request["headers"].get("Authorization", "")
            return 200, {"error": 101, "message": f"token refused: {header}"}, {}
        return super().route(request)


class EchoTwilioDouble(TwilioDouble):
    echo = False

    def route(self, request):
        if self.echo:
            header = request["headers"].get("Authorization", "")[6:]
            credentials = base64.b64decode(header).decode()
            return self.error(400, 21211, f"bad To for {credentials}")
        return super().route(request)


class EchoQuriiriDouble(QuriiriDouble):
    echo = False

    def route(self, request):
        if self.echo:
            header = request["headers"].get("Authorization", "")
            return self.answer(400, [{"message": f"refused {header}"}])
        return super().route(request)


class EchoVonageDouble(VonageDouble):
    echo = False

    def route(self, request):
        if self.echo:
            params = {**request["form"], **request["query"]}
            header = request["headers"].get("Authorization", "")
            return self.refusal(4, f"refused {params.get('api_secret')} {header}")
        return super().route(request)


def smsapi_setup():
    double = EchoSmsapiDouble(token=SMSAPI_SECRET)
    return double, {"token": SMSAPI_SECRET, "sender": "Shop"}, SMSAPI_SECRET


def twilio_setup():
    double = EchoTwilioDouble(account_sid=TWILIO_SID, auth_token=TWILIO_SECRET)
    config = {
        "account_sid": TWILIO_SID,
        "auth_token": TWILIO_SECRET,
        "sender": "+15005550006",
    }
    return double, config, TWILIO_SECRET


def quriiri_setup():
    double = EchoQuriiriDouble(api_key=QURIIRI_SECRET)
    return double, {"api_key": QURIIRI_SECRET, "sender": "Kauppa"}, QURIIRI_SECRET


def vonage_setup():
    double = EchoVonageDouble(api_key=VONAGE_KEY, api_secret=VONAGE_SECRET)
    config = {"api_key": VONAGE_KEY, "api_secret": VONAGE_SECRET, "sender": "Shop"}
    return double, config, VONAGE_SECRET


SETUPS = {
    "smsapi": smsapi_setup,
    "twilio": twilio_setup,
    "quriiri": quriiri_setup,
    "vonage": vonage_setup,
}
SCENARIOS = {
    "bad_token": {"bad_token": True},
    "no_credit": {"no_credit": True},
    "http_500": {"fail_status": 500},
    "http_503_mid_call": {"fail_status": 503, "fail_skip": 1},
    "rate_limit": {"rate_limit": 5},
    "garbage": {"garbage": 5},
    "timeout": {"delay": 0.6},
    "invalid_number": {"invalid_numbers": {"+48500100002"}},
    "echo": {},
    "success": {},
}
MESSAGES = [
    {"uid": "m1", "number": "+48500100001", "body": "one", "sender": None},
    {"uid": "m2", "number": "+48500100002", "body": "two", "sender": None},
]


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def texts_of(error):
    return [
        str(error),
        repr(error),
        repr(error.args),
        repr(error.partial_results),
        "".join(traceback.format_exception(error)),
    ]


def run_everything(provider):
    """send, balance and check; collect every text that could leak."""
    texts = [repr(provider), str(provider)]
    for call in (
        lambda: provider.send(MESSAGES),
        provider.balance,
        provider.check,
    ):
        try:
            texts.append(repr(call()))
        except ProviderError as error:
            texts.extend(texts_of(error))
    return texts


@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
@pytest.mark.parametrize("code", sorted(SETUPS))
def test_no_secret_anywhere(code, scenario, caplog):
    caplog.set_level(logging.DEBUG)
    double, config, secret = SETUPS[code]()
    double.configure(**SCENARIOS[scenario])
    double.echo = scenario == "echo"
    with double:
        config.update(base_url=double.url, timeout=0.3 if scenario == "timeout" else 2)
        with build(code, config) as provider:
            texts = run_everything(provider)
    assert double.requests, "the scenario must reach the double"
    assert caplog.records, "DEBUG logging must be captured"
    for text in texts + [caplog.text]:
        assert secret not in text


@pytest.mark.parametrize("code", sorted(SETUPS))
def test_no_secret_when_the_provider_is_unreachable(code, caplog):
    caplog.set_level(logging.DEBUG)
    _double, config, secret = SETUPS[code]()
    config.update(base_url=f"http://127.0.0.1:{free_port()}", timeout=0.5)
    with build(code, config) as provider:
        texts = run_everything(provider)
    assert any("cannot be reached" in text for text in texts)
    for text in texts + [caplog.text]:
        assert secret not in text


@pytest.mark.parametrize("code", sorted(SETUPS))
def test_no_secret_in_configuration_errors(code):
    _double, config, secret = SETUPS[code]()
    config.pop("sender")
    for name in list(config):
        if config[name] != secret:
            broken = dict(config, **{name: ""})
            with pytest.raises(ProviderError) as info:
                build(code, broken)
            assert name in str(info.value)
            assert all(secret not in text for text in texts_of(info.value))
    with pytest.raises(ProviderError) as info:
        build(code, dict(config, timeout="never"))
    assert all(secret not in text for text in texts_of(info.value))


@pytest.mark.parametrize(
    ("code", "shown"),
    [("smsapi", "token refused: Bearer ***"), ("vonage", "refused ***")],
)
def test_echoed_secret_is_redacted_not_dropped(code, shown):
    double, config, secret = SETUPS[code]()
    double.echo = True
    with (
        double,
        build(code, dict(config, base_url=double.url)) as provider,
        pytest.raises(ProviderError) as info,
    ):
        provider.send(MESSAGES[:1])
    assert shown in str(info.value)
    assert secret not in str(info.value)
