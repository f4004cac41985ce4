# Copyright 2026 sms_gateway authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Concurrent requests of the one-request-per-message adapters (Twilio,
Vonage, Quriiri with personalised texts), over real HTTP against the
doubles: faster with more connections, never above the configured rate at
the provider, a rate limit or a timeout stops the send without losing or
duplicating a message."""

import threading
import time

import pytest

from sms_gateway.tests.doubles import (
    QURIIRI_API_KEY,
    TWILIO_ACCOUNT_SID,
    TWILIO_AUTH_TOKEN,
    VONAGE_API_KEY,
    VONAGE_API_SECRET,
    QuriiriDouble,
    TwilioDouble,
    VonageDouble,
)
from sms_gateway.tools.providers import (
    AuthenticationError,
    ProviderError,
    ProviderUnavailableError,
    RateLimitError,
    base,
    build,
    twilio,
)

LATENCY = 0.02


def messages(count, prefix="m"):
    return [
        {
            "uid": f"{prefix}{i}",
            "number": f"+1415555{i:04d}",
            "body": f"Hello customer {i}",  # personalised: one text each
            "sender": None,
        }
        for i in range(count)
    ]


def make_twilio(double, **config):
    values = {
        "account_sid": TWILIO_ACCOUNT_SID,
        "auth_token": TWILIO_AUTH_TOKEN,
        "sender": "+15005550006",
        "base_url": double.url,
        "timeout": 5,
    }
    values.update(config)
    return build("twilio", values)


def pool_threads():
    return [t for t in threading.enumerate() if t.name.startswith("sms-")]


def accepted_numbers(double):
    return sorted(entry["number"].lstrip("+") for entry in double.accepted())


def timed_send(double, connections, batch):
    with make_twilio(double, connections=connections) as provider:
        started = time.monotonic()
        results = provider.send(batch)
        return time.monotonic() - started, results


def test_four_connections_are_about_four_times_faster_than_one():
    # A latency well above the client's own work per request, so that a
    # busy machine does not hide the gain.
    batch = messages(80)
    with TwilioDouble(delay=0.05) as double:
        one, results = timed_send(double, 1, batch)
        assert double.stats()["peak_concurrent"] == 1
        assert [r["state"] for r in results] == ["accepted"] * 80
    with TwilioDouble(delay=0.05) as double:
        four, results = timed_send(double, 4, batch)
        assert double.stats()["peak_concurrent"] == 4
        assert [r["uid"] for r in results] == [m["uid"] for m in batch]
        assert [r["state"] for r in results] == ["accepted"] * 80
        # Each message reached the provider exactly once.
        assert accepted_numbers(double) == sorted(
            m["number"].lstrip("+") for m in batch
        )
    assert one / four > 2.5, (one, four)
    assert pool_threads() == []


def test_the_configured_rate_is_never_exceeded_at_the_provider():
    batch = messages(90)  # more than two seconds of the rate
    with TwilioDouble(delay=LATENCY, per_second_limit=40) as double:
        with make_twilio(double, connections=8, requests_per_second=40) as provider:
            started = time.monotonic()
            results = provider.send(batch)
            elapsed = time.monotonic() - started
        stats = double.stats()
    assert [r["state"] for r in results] == ["accepted"] * 90
    assert stats["throttled"] == 0
    assert stats["peak_per_second"] <= 40
    # 40, then 40 a second later, then the last 10 a second after that.
    assert elapsed >= 2.0
    assert stats["peak_concurrent"] >= 1


def test_a_rate_limit_stops_the_send_and_the_rest_goes_later_exactly_once():
    batch = messages(40)
    by_uid = {m["uid"]: m for m in batch}
    with TwilioDouble(delay=LATENCY, per_second_limit=10) as double:
        with make_twilio(double, connections=4, requests_per_second=0) as provider:
            with pytest.raises(RateLimitError) as info:
                provider.send(batch)
            error = info.value
            assert error.code == "rate_limit" and error.temporary
            assert error.retry_after == 1.0  # Twilio's Retry-After
            assert error.in_flight == []  # a 429 was answered: not taken
            done = {r["uid"]: r for r in error.partial_results}
            assert {r["state"] for r in done.values()} == {"accepted"}
            assert len(done) == 10
            # No new request once the first 429 came: at most the ones
            # already under way on the other connections.
            assert len(double.requests) <= 10 + 4
            assert all(r["error"] is None and r["provider_ref"] for r in done.values())
            for _round in range(10):
                rest = [by_uid[uid] for uid in by_uid if uid not in done]
                if not rest:
                    break
                time.sleep(error.retry_after)
                try:
                    results = provider.send(rest)
                except RateLimitError as again:
                    error = again
                    results = again.partial_results
                done.update({r["uid"]: r for r in results})
        assert {r["state"] for r in done.values()} == {"accepted"}
        assert sorted(done) == sorted(by_uid)
        assert accepted_numbers(double) == sorted(
            m["number"].lstrip("+") for m in batch
        )
    assert pool_threads() == []


class SlowNumberDouble(TwilioDouble):
    """Answers one number after ``slow_delay`` seconds (a stuck request)."""

    slow_number = "+14155550007"
    slow_delay = 1.0

    def route(self, request):
        if request["form"].get("To") == self.slow_number:
            time.sleep(self.slow_delay)
        return super().route(request)


def test_a_timeout_in_one_thread_leaves_exactly_that_message_in_flight():
    batch = messages(200)
    with SlowNumberDouble(delay=LATENCY) as double:
        with (
            make_twilio(double, connections=4, timeout=0.3) as provider,
            pytest.raises(ProviderUnavailableError) as info,
        ):
            provider.send(batch)
        error = info.value
        assert error.code == "timeout"
        assert error.in_flight == ["m7"]
        done = {r["uid"]: r for r in error.partial_results}
        assert "m7" not in done
        assert {r["state"] for r in done.values()} == {"accepted"}
        # The send stopped: the messages never started are in neither list
        # (they are retried), and the provider never got them.
        not_started = [m for m in batch if m["uid"] not in done and m["uid"] != "m7"]
        assert not_started
        assert len(double.requests) == len(done) + 1
        sent = {r["form"]["To"] for r in double.requests}
        assert not sent & {m["number"] for m in not_started}
    assert pool_threads() == []


def test_a_crash_in_one_thread_loses_no_result(monkeypatch):
    batch = messages(12)
    real = twilio.TwilioProvider._send_one

    def crash_on_m5(self, message):
        if message["uid"] == "m5":
            raise KeyError("a bug")
        return real(self, message)

    monkeypatch.setattr(twilio.TwilioProvider, "_send_one", crash_on_m5)
    with TwilioDouble(delay=LATENCY) as double:
        with (
            make_twilio(double, connections=4) as provider,
            pytest.raises(ProviderError) as info,
        ):
            provider.send(batch)
        error = info.value
        assert error.code == "unexpected" and error.temporary
        assert "KeyError" in str(error)
        assert error.in_flight == ["m5"]  # its outcome is unknown
        done = {r["uid"]: r for r in error.partial_results}
        # Every message the provider took is in the results.
        taken = {entry["provider_ref"] for entry in double.accepted()}
        assert {r["provider_ref"] for r in done.values()} == taken
    assert pool_threads() == []


def test_refused_credentials_stop_every_connection():
    with TwilioDouble(delay=LATENCY, bad_token=True) as double:
        with (
            make_twilio(double, connections=4) as provider,
            pytest.raises(AuthenticationError) as info,
        ):
            provider.send(messages(50))
        assert info.value.partial_results == [] and info.value.in_flight == []
        assert len(double.requests) <= 4


def test_an_account_error_wins_over_a_rate_limit_of_another_thread():
    class MixedDouble(TwilioDouble):
        def route(self, request):
            if request["form"].get("To") == "+14155550001":
                return self.error(401, 20005, "Account not active")
            return self.rate_limit_answer()

    with (
        MixedDouble(delay=LATENCY) as double,
        make_twilio(double, connections=2) as provider,
        pytest.raises(ProviderError) as info,
    ):
        provider.send(messages(2))
    assert info.value.code == "credit"


def test_the_settings_are_checked():
    with TwilioDouble() as double:
        for bad in ({"connections": 0}, {"connections": 17}, {"connections": "x"}):
            with pytest.raises(ProviderError) as info:
                make_twilio(double, **bad)
            assert info.value.code == "config"
            assert "parallel connections" in str(info.value)
        with pytest.raises(ProviderError) as info:
            make_twilio(double, requests_per_second=-1)
        assert "requests per second" in str(info.value)
        assert make_twilio(double).connections == 1  # one after the other
        assert make_twilio(double, requests_per_second=25).max_requests_per_second == 25


def test_vonage_is_paced_to_its_documented_rate_over_several_connections():
    config = {
        "api_key": VONAGE_API_KEY,
        "api_secret": VONAGE_API_SECRET,
        "sender": "Shop",
        "timeout": 5,
    }
    assert build("vonage", config).max_requests_per_second == 30
    assert (
        build("vonage", dict(config, requests_per_second=0)).max_requests_per_second
        is None
    )
    batch = [dict(m, number=f"+4477009{i:05d}") for i, m in enumerate(messages(45))]
    with VonageDouble(delay=LATENCY, per_second_limit=30) as double:
        config["base_url"] = double.url
        with build("vonage", dict(config, connections=4)) as provider:
            results = provider.send(batch)
        stats = double.stats()
    assert [r["state"] for r in results] == ["accepted"] * 45
    assert stats["throttled"] == 0 and stats["peak_per_second"] <= 30


def test_vonage_throttling_keeps_the_answered_messages():
    batch = [dict(m, number=f"+4477009{i:05d}") for i, m in enumerate(messages(20))]
    with VonageDouble(delay=LATENCY, per_second_limit=5) as double:
        with (
            build(
                "vonage",
                {
                    "api_key": VONAGE_API_KEY,
                    "api_secret": VONAGE_API_SECRET,
                    "sender": "Shop",
                    "base_url": double.url,
                    "connections": 4,
                    "requests_per_second": 0,
                },
            ) as provider,
            pytest.raises(RateLimitError) as info,
        ):
            provider.send(batch)
        done = info.value.partial_results
        assert len(done) == 5 and {r["state"] for r in done} == {"accepted"}
        assert info.value.in_flight == []
        assert sorted(r["provider_ref"] for r in done) == sorted(
            e["provider_ref"] for e in double.accepted()
        )


def test_quriiri_sends_personalised_texts_over_several_connections():
    with QuriiriDouble(delay=LATENCY) as double:
        with build(
            "quriiri",
            {
                "api_key": QURIIRI_API_KEY,
                "sender": "Shop",
                "base_url": double.url,
                "connections": 4,
            },
        ) as provider:
            results = provider.send(messages(24))
        assert [r["state"] for r in results] == ["accepted"] * 24
        assert double.stats()["peak_concurrent"] == 4
        assert len(double.requests) == 24


class _LateClock:
    """``time.monotonic`` and ``halt.wait`` of a simulated machine whose
    sleeps all end ``jitter`` seconds late (as a loaded machine's do)."""

    def __init__(self, jitter):
        self.now = 100.0
        self.jitter = jitter

    def monotonic(self):
        return self.now

    def wait(self, seconds):
        self.now += seconds + self.jitter
        return False  # not halted


def paced_starts(monkeypatch, rate, jitter, count, work=0.0, pause_every=0, pause=0):
    """Start times of ``count`` requests paced at ``rate`` on a simulated
    machine: each sleep ends ``jitter`` late, the caller needs ``work``
    seconds between two starts of its own (a pool of connections), and it
    pauses ``pause`` seconds after every ``pause_every`` starts (the time
    between two dispatch batches)."""
    clock = _LateClock(jitter)
    monkeypatch.setattr(base.time, "monotonic", clock.monotonic)
    halt = threading.Event()
    monkeypatch.setattr(halt, "wait", clock.wait)
    pacer = base.RateClock()
    starts = []
    for number in range(count):
        if pause_every and number and not number % pause_every:
            clock.now += pause
        assert pacer.acquire(rate, halt)
        starts.append(clock.now)
        clock.now += work
    return starts


def most_in_one_second(starts):
    return max(
        sum(1 for other in starts[i:] if other < start + 1.0)
        for i, start in enumerate(starts)
    )


@pytest.mark.parametrize(
    ("rate", "jitter"),
    [(150, 0.0005), (150, 0.006), (100, 0.001), (37.5, 0.002), (30, 0.002)],
)
def test_late_wake_ups_neither_slow_the_rate_nor_exceed_it(monkeypatch, rate, jitter):
    per_window, window = base.rate_window(rate)
    assert per_window == int(rate) and window == 1 + base.PACE_MARGIN
    starts = paced_starts(monkeypatch, rate, jitter, 3 * per_window)
    # Never more than the rate in any second (37.5: 37, so that four runs
    # sharing 150 per second stay under it), late wake-ups included.
    assert most_in_one_second(starts) == per_window
    # The wake-ups' delays do not add up: each window's starts go when the
    # starts of the window before allow them (a clock counting from each
    # late start would take a window and the jitter per window).
    assert starts[-1] - starts[0] <= 2 * window + jitter + 1e-9


def test_a_rate_below_one_per_second_spaces_the_requests():
    per_window, window = base.rate_window(0.5)
    assert per_window == 1 and window == 2 + base.PACE_MARGIN


def test_a_pause_between_batches_is_made_up_by_the_requests_after_it(monkeypatch):
    # A pool that could send 400 requests a second, paced at 100: each
    # window's requests go in a quarter of a second, then it waits. Pauses
    # of 0.2 s (a batch's results written, the next claimed) fall in that
    # wait, or are made up after it: 1,000 requests take the time of 1,000
    # without pauses.
    steady = paced_starts(monkeypatch, 100, 0.0005, 1000, work=0.0025)
    paused = paced_starts(
        monkeypatch, 100, 0.0005, 1000, work=0.0025, pause_every=300, pause=0.2
    )
    assert most_in_one_second(paused) == 100
    assert paused[-1] - paused[0] <= steady[-1] - steady[0] + 0.01
    # Evenly spaced starts (a start every 1.02 / 100 s) would have taken
    # 10.2 s and the pauses more.
    assert steady[-1] - steady[0] < 9.5
