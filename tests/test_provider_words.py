# Copyright 2026 sms_gateway authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""What a provider error says is words a person can act on, over real HTTP.

Administrators and users read these texts on a message, on an account put
on hold, in an activity and in the Test Connection / Check Balance
notifications: none of them may read like a Python exception
(``NewConnectionError``, ``HTTPConnectionPool``, ``Max retries``); the
technical detail goes to the server log. The balance tells its unit.
"""

import logging
import socket
from contextlib import contextmanager

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
from sms_gateway.tools.providers import (
    AuthenticationError,
    NoCreditError,
    ProviderError,
    ProviderUnavailableError,
    RateLimitError,
    build,
    smsapi,
)

# What a Python exception looks like; none of it may reach a person.
TECHNICAL = (
    "Error(",
    "Exception",
    "NewConnectionError",
    "ConnectionError",
    "ConnectTimeout",
    "ReadTimeout",
    "SSLError",
    "HTTPConnectionPool",
    "HTTPSConnectionPool",
    "Max retries",
    "urllib3",
    "Errno",
    "object at 0x",
    "Traceback",
)

SETUPS = {
    "smsapi": (SmsapiDouble, {"token": SMSAPI_TOKEN}),
    "twilio": (
        TwilioDouble,
        {"account_sid": TWILIO_ACCOUNT_SID, "auth_token": TWILIO_AUTH_TOKEN},
    ),
    "quriiri": (QuriiriDouble, {"api_key": QURIIRI_API_KEY}),
    "vonage": (
        VonageDouble,
        {"api_key": VONAGE_API_KEY, "api_secret": VONAGE_API_SECRET},
    ),
}
SENDERS = {"smsapi": "Shop", "twilio": "+15005550006", "quriiri": "Kauppa"}
MESSAGE = {"uid": "w1", "number": "+358401000001", "body": "Hello", "sender": None}


def config_of(code, base_url, **extra):
    _double, credentials = SETUPS[code]
    return {
        **credentials,
        "base_url": base_url,
        "sender": SENDERS.get(code, "Shop"),
        "timeout": extra.pop("timeout", 2),
        **extra,
    }


@contextmanager
def served(double, code, **extra):
    """The double running and a provider of ``code`` pointed at it."""
    with double, build(code, config_of(code, double.url, **extra)) as provider:
        yield double, provider


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def assert_words(error):
    text = str(error)
    for piece in TECHNICAL:
        assert piece not in text, f"{piece!r} in {text!r}"
    return text


def error_of(call):
    with pytest.raises(ProviderError) as info:
        call()
    return info.value


# -- no answer at all ---------------------------------------------------------


@pytest.mark.parametrize("code", sorted(SETUPS))
def test_refused_connection_is_said_in_words_and_logged(code, caplog):
    caplog.set_level(logging.WARNING)
    port = free_port()
    with build(code, config_of(code, f"http://127.0.0.1:{port}")) as provider:
        for call in (lambda p=provider: p.send([MESSAGE]), provider.check):
            error = error_of(call)
            text = assert_words(error)
            assert isinstance(error, ProviderUnavailableError) and error.temporary
            assert "cannot be reached" in text
            assert f"127.0.0.1:{port} refused the connection" in text
    # The technical detail is in the server log, for whoever looks into it.
    assert "ConnectionError" in caplog.text


def test_unknown_host_name_says_the_name_is_not_known(caplog):
    caplog.set_level(logging.WARNING)
    config = config_of("smsapi", "http://no-such-host.invalid", timeout=5)
    with build("smsapi", config) as provider:
        text = assert_words(error_of(provider.check))
    assert "SMSAPI cannot be reached" in text
    assert "no-such-host.invalid is not known" in text
    assert "DNS" in text


def test_no_answer_in_time_says_how_long_it_waited():
    with SmsapiDouble(delay=1.5) as double:
        config = config_of("smsapi", double.url, timeout=0.5)
        with build("smsapi", config) as provider:
            error = error_of(lambda: provider.send([MESSAGE]))
    text = assert_words(error)
    assert text == "SMSAPI did not answer within 0.5 s"
    assert error.code == "timeout" and error.in_flight == ["w1"]


def test_tls_failure_says_the_secure_connection_failed():
    # https to a server that speaks plain HTTP: the TLS handshake fails.
    with SmsapiDouble() as double:
        config = config_of("smsapi", f"https://127.0.0.1:{double.port}")
        with build("smsapi", config) as provider:
            text = assert_words(error_of(provider.check))
    assert "secure connection" in text and "SMSAPI cannot be reached" in text


def test_an_address_that_is_not_one_says_so():
    with build("smsapi", config_of("smsapi", "api.smsapi.pl")) as provider:
        error = error_of(provider.check)
    text = assert_words(error)
    assert error.code == "config" and not error.temporary
    assert "'api.smsapi.pl' is not a web address (https://...)" in text


# -- HTTP statuses --------------------------------------------------------------


@pytest.mark.parametrize("code", sorted(SETUPS))
@pytest.mark.parametrize("status", [500, 502, 503])
def test_server_errors_are_the_providers_problem(code, status):
    double_class, _credentials = SETUPS[code]
    with served(double_class(fail_status=status), code) as (_double, provider):
        error = error_of(lambda: provider.send([MESSAGE]))
    text = assert_words(error)
    assert isinstance(error, ProviderUnavailableError)
    assert f"has a problem of its own (HTTP {status})" in text
    assert "sending goes on when it answers again" in text


@pytest.mark.parametrize("code", sorted(SETUPS))
def test_too_many_requests_asks_to_slow_down(code):
    double_class, _credentials = SETUPS[code]
    with served(double_class(fail_status=429), code) as (_double, provider):
        error = error_of(lambda: provider.send([MESSAGE]))
    text = assert_words(error)
    assert isinstance(error, RateLimitError)
    assert "more slowly" in text or "too many requests" in text.lower()


@pytest.mark.parametrize("code", sorted(SETUPS))
def test_refused_credentials_say_which(code):
    double_class, _credentials = SETUPS[code]
    with served(double_class(bad_token=True), code) as (_double, provider):
        for call in (lambda p=provider: p.send([MESSAGE]), provider.check):
            error = error_of(call)
            text = assert_words(error)
            assert isinstance(error, AuthenticationError), text
            assert any(word in text.lower() for word in ("token", "key", "sid"))


@pytest.mark.parametrize("code", sorted(SETUPS))
def test_no_credit_says_so(code):
    double_class, _credentials = SETUPS[code]
    with served(double_class(no_credit=True), code) as (_double, provider):
        error = error_of(lambda: provider.send([MESSAGE]))
    text = assert_words(error)
    assert isinstance(error, NoCreditError), text
    assert error.code == "credit"


def test_smsapi_no_points_is_error_103_in_words():
    with served(SmsapiDouble(no_credit=True), "smsapi") as (_double, provider):
        error = error_of(lambda: provider.send([MESSAGE]))
    assert str(error).startswith(
        "SMSAPI: the SMSAPI account has no points left; top it up in the SMSAPI "
        "portal (SMSAPI error 103"
    )


def test_unreadable_answer_says_so_and_logs_what_came(caplog):
    caplog.set_level(logging.WARNING)
    with served(SmsapiDouble(garbage=1), "smsapi") as (_double, provider):
        error = error_of(provider.check)
    text = assert_words(error)
    assert text == (
        "SMSAPI gave an answer that cannot be read (HTTP 200 to profile); is "
        "the address the provider's API?"
    )
    assert "nginx" not in text and "Welcome to nginx" in caplog.text


# -- SMSAPI's two addresses -----------------------------------------------------


def test_smsapi_address_explains_pl_and_com():
    credential = smsapi.SmsapiProvider.credential("base_url")
    assert credential.default == "https://api.smsapi.com"
    assert "https://api.smsapi.pl" in credential.help
    assert "SMSAPI.pl" in credential.help and "SMSAPI.com" in credential.help
    assert set(smsapi.BASE_URLS) == {"https://api.smsapi.com", "https://api.smsapi.pl"}


@pytest.mark.parametrize(
    ("address", "hint"),
    [
        (
            "https://api.smsapi.com",
            "if the account is at SMSAPI.pl, its address is https://api.smsapi.pl",
        ),
        (
            "https://api.smsapi.pl",
            "if the account is at SMSAPI.com, its address is https://api.smsapi.com",
        ),
    ],
)
def test_a_refused_smsapi_token_names_the_other_address(address, hint):
    provider = build("smsapi", {"token": SMSAPI_TOKEN, "base_url": address})
    error = provider._auth_error("HTTP 401", 401)
    assert isinstance(error, AuthenticationError)
    assert f"SMSAPI refused the token at {address}" in str(error)
    assert hint in str(error)


def test_a_refused_token_at_another_address_gives_no_wrong_hint():
    with served(SmsapiDouble(bad_token=True), "smsapi") as (double, provider):
        text = assert_words(error_of(provider.check))
    assert text.startswith(f"SMSAPI refused the token at {double.url}")
    assert "smsapi.pl" not in text


# -- the balance says its unit --------------------------------------------------


@pytest.mark.parametrize(
    ("code", "unit"),
    [("smsapi", "points"), ("twilio", "USD"), ("vonage", "EUR")],
)
def test_balance_over_http_has_its_unit(code, unit):
    double_class, _credentials = SETUPS[code]
    with served(double_class(balance=12.5), code) as (_double, provider):
        balance = provider.balance()
    assert balance.amount == 12.5
    assert balance.unit == unit
    assert str(balance) == f"12.50 {unit}"


def test_twilio_balance_unit_is_the_currency_twilio_answers():
    with TwilioDouble(balance=3) as double:
        double.currency = "eur"
        with build("twilio", config_of("twilio", double.url)) as provider:
            assert str(provider.balance()) == "3.00 EUR"


def test_sandbox_balance_is_in_test_points_and_quriiri_has_none():
    assert str(build("sandbox", {}).balance()) == "1,000.00 test points"
    with served(QuriiriDouble(), "quriiri") as (_double, provider):
        assert provider.balance() is None


def test_every_provider_with_a_balance_declares_or_reads_its_unit():
    from sms_gateway.tools.providers import PROVIDERS

    for code, provider_class in PROVIDERS.items():
        if provider_class.supports_balance and code != "twilio":
            assert provider_class.balance_unit, code
