# Copyright 2026 sms_gateway authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Delivery callback helpers: status maps, parsing, Twilio signatures."""

from datetime import datetime

import pytest

from sms_gateway.tools.providers import (
    DELIVERY_STATUSES,
    STATUS_MAP,
    map_status,
    parse_callback,
    twilio,
)
from sms_gateway.tools.providers.callbacks import (
    MAX_EVENTS,
    CallbackError,
    TooManyEventsError,
)

EVENT_KEYS = {"provider_ref", "uid", "status", "raw_status", "error", "at", "parts"}


def test_every_mapped_status_is_a_delivery_status():
    for code, table in STATUS_MAP.items():
        assert table, code
        assert set(table.values()) <= set(DELIVERY_STATUSES), code


@pytest.mark.parametrize(
    ("provider_status", "expected"),
    [
        ("DELIVERED", "delivered"),
        ("404", "delivered"),
        (404, "delivered"),
        ("UNDELIVERED", "undelivered"),
        ("405", "undelivered"),
        ("FAILED", "undelivered"),
        ("406", "undelivered"),
        ("REJECTED", "undelivered"),
        ("407", "undelivered"),
        ("STOP", "undelivered"),
        ("412", "undelivered"),
        ("EXPIRED", "expired"),
        ("402", "expired"),
        ("QUEUE", "sent"),
        ("409", "sent"),
        ("ACCEPTED", "sent"),
        ("410", "sent"),
        ("SENT", "sent"),
        ("403", "sent"),
        ("RENEWAL", "sent"),
        ("411", "sent"),
        ("UNKNOWN", "unknown"),
        ("408", "unknown"),
        ("NOT_FOUND", "unknown"),
        ("401", "unknown"),
        ("delivered", "delivered"),
        ("something else", "unknown"),
        (None, "unknown"),
    ],
)
def test_smsapi_status_map(provider_status, expected):
    assert map_status("smsapi", provider_status) == expected


@pytest.mark.parametrize(
    ("provider_status", "expected"),
    [
        ("delivered", "delivered"),
        ("read", "delivered"),
        ("undelivered", "undelivered"),
        ("failed", "undelivered"),
        ("sent", "sent"),
        ("queued", "sent"),
        ("sending", "sent"),
        ("accepted", "sent"),
        ("Delivered", "delivered"),
        ("receiving", "unknown"),
    ],
)
def test_twilio_status_map(provider_status, expected):
    assert map_status("twilio", provider_status) == expected


@pytest.mark.parametrize(
    ("provider_status", "expected"),
    [
        ("DELIVERED", "delivered"),
        ("FAILED", "undelivered"),
        ("PENDING", "sent"),
        ("pending", "sent"),
        ("", "unknown"),
    ],
)
def test_quriiri_status_map(provider_status, expected):
    assert map_status("quriiri", provider_status) == expected


def test_unknown_provider_code():
    with pytest.raises(ValueError):
        map_status("nope", "DELIVERED")
    with pytest.raises(ValueError):
        parse_callback("nope", {})


def test_smsapi_callback_with_msgid_and_status_name():
    params = {
        "MsgId": "613F1B1B346565A1E4D6",
        "status": "404",
        "status_name": "DELIVERED",
        "idx": "uid-42",
        "donedate": "1767323045",
        "points": "0.16",
        "to": "48500000000",
        "from": "Shop",
        "username": "shop",
    }
    (event,) = parse_callback("smsapi", params)
    assert set(event) == EVENT_KEYS
    assert event["provider_ref"] == "613F1B1B346565A1E4D6"
    assert event["uid"] == "uid-42"
    assert event["status"] == "delivered" and event["raw_status"] == "DELIVERED"
    assert event["error"] is None
    assert event["at"] == datetime(2026, 1, 2, 3, 4, 5)


def test_smsapi_callback_with_id_and_textual_status():
    (event,) = parse_callback("smsapi", {"id": "ABC", "status": "UNDELIVERED"})
    assert event["provider_ref"] == "ABC" and event["uid"] is None
    assert event["status"] == "undelivered" and event["error"] == "UNDELIVERED"
    assert event["at"] is None


def test_smsapi_callback_numeric_status_only_and_list_values():
    (event,) = parse_callback("smsapi", {"MsgId": ["X1"], "status": ["402"]})
    assert event["raw_status"] == "EXPIRED" and event["status"] == "expired"


def test_smsapi_callback_with_several_reports():
    params = {
        "MsgId": "A1,A2",
        "status": "404,406",
        "idx": "u1,u2",
        "donedate": "1767323045,1767323046",
    }
    events = parse_callback("smsapi", params)
    assert [(e["provider_ref"], e["uid"], e["status"]) for e in events] == [
        ("A1", "u1", "delivered"),
        ("A2", "u2", "undelivered"),
    ]


def test_report_without_a_message_is_refused():
    for code, report in (
        ("smsapi", {"status": "404"}),
        ("twilio", {"MessageStatus": "delivered"}),
        ("quriiri", {"status": "DELIVERED", "billingref": "u1"}),
        ("sandbox", {"status": "delivered"}),
        ("vonage", {"status": "delivered", "client-ref": "u1"}),
        ("quriiri", []),
        ("smsapi", {}),
    ):
        with pytest.raises(CallbackError, match="no delivery event|names no message"):
            parse_callback(code, report)


CODES = ("sandbox", "smsapi", "twilio", "quriiri", "vonage")
VALID = {
    "sandbox": {"provider_ref": "sandbox-u1", "status": "delivered"},
    "smsapi": {"MsgId": "A1", "status": "404"},
    "twilio": {"MessageSid": "SM1", "MessageStatus": "delivered"},
    "quriiri": {"billingref": "u1", "destination": "+358401", "status": "DELIVERED"},
    "vonage": {"messageId": "0A01", "status": "delivered"},
}


@pytest.mark.parametrize("code", CODES)
@pytest.mark.parametrize(
    "payload",
    [None, "DELIVERED", 404, 1.5, True, [1], [[{}]], [None], ["x"]],
    ids=repr,
)
def test_report_that_is_not_an_object_is_refused(code, payload):
    with pytest.raises(CallbackError):
        parse_callback(code, payload)


@pytest.mark.parametrize("code", CODES)
def test_report_with_nested_or_wrong_values_is_refused(code):
    valid = VALID[code]
    key = next(iter(valid))
    # Objects, lists of them, nested lists, a number for a text; and an empty
    # reference (no message named).
    for bad in ({"a": 1}, [{"a": 1}], [["x"]], 12, None, ""):
        with pytest.raises(CallbackError):
            parse_callback(code, dict(valid, **{key: bad}))


@pytest.mark.parametrize("code", CODES)
def test_report_with_bad_text_is_refused(code):
    valid = VALID[code]
    for key in valid:
        for bad in ("x\x00", "x\ufffd", "\x01"):
            with pytest.raises(CallbackError, match="control character|not UTF-8"):
                parse_callback(code, dict(valid, **{key: valid[key] + bad}))
    with pytest.raises(CallbackError):
        parse_callback(code, dict(valid, **{"bad\x00key": "x"}))


@pytest.mark.parametrize("code", CODES)
def test_too_many_events_are_refused(code):
    with pytest.raises(TooManyEventsError):
        parse_callback(code, [VALID[code]] * (MAX_EVENTS + 1))
    assert len(parse_callback(code, [VALID[code]] * 3)) == 3


def test_smsapi_comma_list_is_bounded():
    many = ",".join(f"R{i}" for i in range(MAX_EVENTS + 1))
    with pytest.raises(TooManyEventsError):
        parse_callback("smsapi", {"MsgId": many, "status": "404"})


def test_overlong_texts_and_numbers_are_refused():
    for code, report in (
        ("smsapi", {"MsgId": "R" * 300, "status": "404"}),
        ("smsapi", {"MsgId": "R1", "status": "4" * 5000}),
        ("smsapi", {"MsgId": "R1", "status_name": "D" * 100}),
        ("twilio", {"MessageSid": "SM1 2", "MessageStatus": "sent"}),
        ("twilio", {"MessageSid": "SM1", "MessageStatus": "x", "NumSegments": "1e400"}),
        ("twilio", {"MessageSid": "SM1", "MessageStatus": "x", "NumSegments": "500"}),
        ("twilio", {"MessageSid": "SM1", "ErrorMessage": "e" * 5000}),
        (
            "quriiri",
            dict(VALID["quriiri"], statustime="9999-12-31T23:59:59-05:00"),
        ),
        ("quriiri", dict(VALID["quriiri"], smscount=10**400)),
        ("quriiri", dict(VALID["quriiri"], smscount=float("inf"))),
    ):
        with pytest.raises(CallbackError):
            parse_callback(code, report)


def test_numbers_where_a_provider_may_send_them():
    (event,) = parse_callback("smsapi", {"MsgId": "A1", "status": 404})
    assert event["status"] == "delivered"
    (event,) = parse_callback("quriiri", dict(VALID["quriiri"], smscount=2))
    assert event["parts"] == 2
    with pytest.raises(CallbackError, match="must be a text"):
        parse_callback("quriiri", dict(VALID["quriiri"], billingref=123))


def test_error_texts_name_no_value():
    secret = "s3cr3t-value-in-the-report"
    for report in (
        {"MsgId": secret + "\x00", "status": "404"},
        {"MsgId": {"x": secret}, "status": "404"},
        {"MsgId": secret * 20, "status": "404"},
    ):
        with pytest.raises(CallbackError) as caught:
            parse_callback("smsapi", report)
        assert secret not in str(caught.value)


def test_twilio_callback():
    params = {
        "MessageSid": "SM0123",
        "MessageStatus": "undelivered",
        "ErrorCode": "30003",
        "To": "+14155550101",
        "AccountSid": "AC1",
    }
    (event,) = parse_callback("twilio", params)
    assert set(event) == EVENT_KEYS
    assert event["provider_ref"] == "SM0123" and event["status"] == "undelivered"
    assert event["raw_status"] == "undelivered"
    assert event["error"] == "Twilio error 30003"
    ok = parse_callback("twilio", {"MessageSid": "SM1", "MessageStatus": "delivered"})
    assert ok[0]["status"] == "delivered" and ok[0]["error"] is None


def test_quriiri_callback():
    report = {
        "sender": "Kauppa",
        "destination": "+358401000001",
        "status": "FAILED",
        "statustime": "2026-01-02T05:04:05+02:00",
        "smscount": 2,
        "billingref": "uid-7",
    }
    (event,) = parse_callback("quriiri", report)
    assert set(event) == EVENT_KEYS
    assert event["provider_ref"] == "uid-7:+358401000001"
    assert event["uid"] == "uid-7"
    assert event["status"] == "undelivered" and event["error"] == "FAILED"
    assert event["at"] == datetime(2026, 1, 2, 3, 4, 5)
    assert event["parts"] == 2
    batch = parse_callback("quriiri", [dict(report, billingref="batch-abc")])
    assert batch[0]["uid"] is None


def test_sandbox_callback():
    (event,) = parse_callback(
        "sandbox", {"provider_ref": "sandbox-u1", "status": "delivered"}
    )
    assert event["uid"] == "u1" and event["status"] == "delivered"


# Example from Twilio's webhook security documentation.
DOC_TOKEN = "12345"
DOC_URL = "https://mycompany.com/myapp.php?foo=1&bar=2"
DOC_PARAMS = {
    "CallSid": "CA1234567890ABCDE",
    "Caller": "+12349013030",
    "Digits": "1234",
    "From": "+12349013030",
    "To": "+18005551212",
}
DOC_SIGNATURE = "0/KCTR6DLpKmkAf8muzZqo1nDgQ="


def test_twilio_signature_known_vector():
    assert twilio.compute_signature(DOC_TOKEN, DOC_URL, DOC_PARAMS) == DOC_SIGNATURE


def test_twilio_signature_verify_ok_and_bad():
    assert twilio.verify_signature(DOC_TOKEN, DOC_URL, DOC_PARAMS, DOC_SIGNATURE)
    tampered = dict(DOC_PARAMS, Digits="9999")
    assert not twilio.verify_signature(DOC_TOKEN, DOC_URL, tampered, DOC_SIGNATURE)
    assert not twilio.verify_signature("other", DOC_URL, DOC_PARAMS, DOC_SIGNATURE)
    assert not twilio.verify_signature(DOC_TOKEN, DOC_URL, DOC_PARAMS, "")
    assert not twilio.verify_signature(DOC_TOKEN, DOC_URL, DOC_PARAMS, None)
    assert not twilio.verify_signature(
        DOC_TOKEN, DOC_URL + "&x=1", DOC_PARAMS, DOC_SIGNATURE
    )


def test_twilio_signature_accepts_explicit_default_port():
    url = "https://odoo.example.com/sms/twilio/status"
    params = {"MessageSid": "SM1", "MessageStatus": "delivered"}
    signature = twilio.compute_signature("tok", url, params)
    with_port = "https://odoo.example.com:443/sms/twilio/status"
    assert twilio.verify_signature("tok", with_port, params, signature)
    signed_with_port = twilio.compute_signature("tok", with_port, params)
    assert twilio.verify_signature("tok", url, params, signed_with_port)


def test_twilio_signature_uses_constant_time_compare(monkeypatch):
    calls = []
    real = twilio.hmac.compare_digest

    def spy(left, right):
        calls.append((left, right))
        return real(left, right)

    monkeypatch.setattr(twilio.hmac, "compare_digest", spy)
    assert twilio.verify_signature(DOC_TOKEN, DOC_URL, DOC_PARAMS, DOC_SIGNATURE)
    assert calls and all(right == DOC_SIGNATURE.encode() for _left, right in calls)
