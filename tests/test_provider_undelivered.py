# Copyright 2026 sms_gateway authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Why a message was not delivered, read from each provider's delivery report
as the provider sends it: the kind Odoo's SMS delivery errors name (a
rejected or unknown number bounces a marketing contact, an expiry does not)."""

import pytest

from sms_gateway.tools.providers import (
    PROVIDERS,
    UNDELIVERED_KINDS,
    parse_callback,
    undelivered_kind,
)


def kind_of(code, report):
    (event,) = parse_callback(code, report)
    assert event["status"] in ("undelivered", "expired")
    return undelivered_kind(code, event["raw_status"], event["error"])


@pytest.mark.parametrize(
    ("status", "kind"),
    [
        ("405", "not_delivered"),  # UNDELIVERED
        ("406", "not_delivered"),  # FAILED
        ("407", "rejected"),  # REJECTED
        ("412", "not_allowed"),  # STOP
        ("402", "expired"),  # EXPIRED
    ],
)
def test_smsapi_report_codes(status, kind):
    assert kind_of("smsapi", {"MsgId": "A1", "status": status}) == kind


def test_smsapi_status_names_read_alike():
    report = {"MsgId": "A1", "status": "407", "status_name": "REJECTED"}
    assert kind_of("smsapi", report) == "rejected"


@pytest.mark.parametrize(
    ("status", "code", "kind"),
    [
        ("undelivered", "30003", "not_delivered"),  # handset unreachable
        ("undelivered", "30005", "invalid_destination"),
        ("undelivered", "30006", "invalid_destination"),  # landline
        ("undelivered", "30007", "rejected"),  # filtered by the carrier
        ("failed", "21610", "not_allowed"),  # the recipient replied STOP
        ("failed", "30008", "not_delivered"),  # unknown error
        ("undelivered", None, "not_delivered"),
    ],
)
def test_twilio_error_codes(status, code, kind):
    report = {"MessageSid": "SM1", "MessageStatus": status}
    if code:
        report["ErrorCode"] = code
    assert kind_of("twilio", report) == kind


@pytest.mark.parametrize(
    ("status", "code", "kind"),
    [
        ("failed", "9", "invalid_destination"),  # illegal number
        ("failed", "6", "rejected"),  # anti-spam rejection
        ("failed", "4", "not_allowed"),  # call barred by user
        ("failed", "2", "not_delivered"),  # absent subscriber
        ("rejected", "0", "rejected"),
        ("expired", "0", "expired"),
    ],
)
def test_vonage_receipt_codes(status, code, kind):
    report = {"messageId": "0A1", "msisdn": "358401234567", "status": status}
    report["err-code"] = code
    assert kind_of("vonage", report) == kind


@pytest.mark.parametrize(
    ("status", "kind"),
    [("REJECTED", "rejected"), ("FAILED", "not_delivered"), ("EXPIRED", "expired")],
)
def test_quriiri_statuses(status, kind):
    report = {"billingref": "m-1", "destination": "+358401234567", "status": status}
    assert kind_of("quriiri", report) == kind


def test_every_provider_names_only_known_kinds():
    for provider in PROVIDERS.values():
        kinds = {
            *provider.undelivered_status_kinds.values(),
            *provider.undelivered_code_kinds.values(),
        }
        assert kinds <= set(UNDELIVERED_KINDS), provider.code
        assert provider.undelivered_kind("no such status") in UNDELIVERED_KINDS


def test_an_unknown_provider_is_just_not_delivered():
    assert undelivered_kind("gone", "REJECTED") == "not_delivered"
