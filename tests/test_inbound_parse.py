# Copyright 2026 sms_gateway authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Replies as each provider forwards them: what is read, what is refused,
and how the keywords of a reply are recognised."""

from datetime import datetime

import pytest

from sms_gateway.tools import keywords
from sms_gateway.tools.providers import PROVIDERS, inbound
from sms_gateway.tools.providers.base import normalize_number
from sms_gateway.tools.providers.inbound import (
    MAX_MESSAGES,
    InboundError,
    TooManyMessagesError,
    parse_inbound,
)


def test_smsapi_form_fields():
    [message] = parse_inbound(
        "smsapi",
        {
            "sms_from": "48500100200",
            "sms_to": "48500000000",
            "sms_text": "Dziękuję",
            "sms_date": "1764806400",
            "MsgId": "MO-77",
            "username": "owner",
        },
    )
    assert message["number"] == "+48500100200"
    assert message["to"] == "+48500000000"
    assert message["text"] == "Dziękuję"
    assert message["at"] == datetime(2025, 12, 4, 0, 0)
    assert message["provider_ref"] == message["key"] == "MO-77"


def test_smsapi_plain_names_are_read_too():
    [message] = parse_inbound(
        "smsapi", {"from": "+48500100200", "message": "Tak", "date": "1764806400"}
    )
    assert (message["number"], message["text"]) == ("+48500100200", "Tak")
    assert message["provider_ref"] is None
    assert len(message["key"]) == 40  # a digest: the same fields, the same key


def test_a_message_without_id_gets_the_same_key_when_delivered_again():
    payload = {
        "sender": "+358401234567",
        "destination": "+358400000001",
        "text": "Kiitos",
        "sendtime": "2026-12-04T10:31:25Z",
    }
    first = parse_inbound("quriiri", payload)[0]["key"]
    assert parse_inbound("quriiri", dict(payload))[0]["key"] == first
    other = dict(payload, text="Kiitos!")
    assert parse_inbound("quriiri", other)[0]["key"] != first


def test_quriiri_plus_turned_into_a_space_is_mended():
    [message] = parse_inbound(
        "quriiri",
        {
            "sender": " 358401234567",
            "text": "H€llo",
            "sendtime": "2015-09-14T10:31:25Z",
        },
    )
    assert message["number"] == "+358401234567"
    assert message["at"] == datetime(2015, 9, 14, 10, 31, 25)


def test_quriiri_delivery_report_is_no_reply():
    with pytest.raises(InboundError, match="no incoming message"):
        parse_inbound(
            "quriiri", {"sender": "+358401234567", "status": "DELIVERED", "smscount": 1}
        )


def test_twilio_fields_and_opt_out_type():
    [message] = parse_inbound(
        "twilio",
        {
            "MessageSid": "SM" + "a" * 32,
            "From": "+15005550006",
            "To": "+15005550001",
            "Body": "Unsubscribe",
            "OptOutType": "STOP",
        },
    )
    assert message["opt_out"] == "stop"
    assert message["at"] is None
    assert message["provider_ref"] == "SM" + "a" * 32


def test_twilio_unknown_opt_out_type_is_ignored():
    [message] = parse_inbound(
        "twilio",
        {"SmsSid": "SM1", "From": "+15005550006", "Body": "x", "OptOutType": "X"},
    )
    assert message["opt_out"] is None


def test_vonage_parts_carry_their_numbers_and_binary_is_no_text():
    [message] = parse_inbound(
        "vonage",
        {
            "msisdn": "447700900000",
            "to": "447700900001",
            "messageId": "0A1",
            "text": "part one",
            "type": "text",
            "message-timestamp": "2026-12-04 12:00:00",
            "concat": "true",
            "concat-ref": "9",
            "concat-total": "2",
            "concat-part": "1",
        },
    )
    assert message["concat"] == ("9", 2, 1)
    assert message["at"] == datetime(2026, 12, 4, 12, 0)
    with pytest.raises(InboundError):
        parse_inbound(
            "vonage", {"msisdn": "447700900000", "text": "", "type": "binary"}
        )


def test_vonage_part_numbers_out_of_range_are_refused():
    payload = {
        "msisdn": "447700900000",
        "text": "x",
        "concat": "true",
        "concat-ref": "9",
        "concat-total": "2",
        "concat-part": "3",
    }
    with pytest.raises(InboundError, match="part numbers"):
        parse_inbound("vonage", payload)


@pytest.mark.parametrize(
    "payload",
    [
        {"sms_from": "48500100200", "sms_text": "a\x00b"},
        {"sms_from": "48500100200", "sms_text": "bad \ufffd byte"},
        {"sms_from": {"x": 1}, "sms_text": "hi"},
        {"sms_from": "1" * 40, "sms_text": "hi"},
        {"sms_from": "48500100200", "sms_text": "x" * (inbound.MAX_TEXT_LENGTH + 1)},
        {"sms_from": "48500100200", "sms_text": "hi", "MsgId": "has space"},
        {"sms_to": "48500000000"},
        "just a text",
        [1, 2],
        {"bad key\n": "x", "sms_from": "48500100200", "sms_text": "hi"},
    ],
)
def test_malformed_payloads_are_refused_whole(payload):
    with pytest.raises(InboundError):
        parse_inbound("smsapi", payload)


def test_too_many_messages_in_one_call():
    item = {"from": "+48500100200", "text": "x"}
    with pytest.raises(TooManyMessagesError):
        parse_inbound("smsapi", [item] * (MAX_MESSAGES + 1))
    assert len(parse_inbound("smsapi", [item] * 3)) == 3


def test_an_unknown_provider_is_refused():
    with pytest.raises(ValueError):
        parse_inbound("nosuch", {"from": "+48500100200", "text": "x"})


def test_who_forwards_replies_and_how_they_are_answered():
    forwarding = {code for code, cls in PROVIDERS.items() if cls.supports_inbound}
    assert forwarding == {"sandbox", "smsapi", "twilio", "quriiri", "vonage"}
    assert {code for code in forwarding if PROVIDERS[code].inbound_signed} == {"twilio"}
    status, body, kind = PROVIDERS["twilio"].inbound_answer
    assert (status, kind) == (200, "text/xml") and "<Response></Response>" in body
    assert PROVIDERS["smsapi"].inbound_answer[:2] == (200, "OK")
    assert PROVIDERS["vonage"].inbound_answer[0] == 204


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("48500100200", "+48500100200"),
        ("0048 500 100 200", "+48500100200"),
        (" 358401234567", "+358401234567"),
        ("+1 (500) 555-0006", "+15005550006"),
        ("Vodafone", "Vodafone"),
        ("", None),
        (None, None),
    ],
)
def test_numbers_as_providers_send_them(given, expected):
    assert normalize_number(given) == expected


def test_twilio_opt_out_error_is_recognised():
    twilio = PROVIDERS["twilio"]
    assert twilio.is_opt_out("Twilio error 21610: Attempt to send to unsubscribed")
    assert not twilio.is_opt_out("Twilio error 21211: invalid 'To'")
    assert not PROVIDERS["smsapi"].is_opt_out("Twilio error 21610")


# -- keywords -------------------------------------------------------------------

TABLE = {keywords.fold(word): action for word, action, _l in keywords.DEFAULT_KEYWORDS}


@pytest.mark.parametrize(
    ("reply", "action"),
    [
        ("STOP", "stop"),
        ("  sToP \n", "stop"),
        ("Stop.", "stop"),
        ("stop!", "stop"),
        ("Lopeta", "stop"),
        ("SLUTA", "stop"),
        ("stopp", "stop"),
        ("стоп", "stop"),
        ("Отписка", "stop"),
        ("nie", "stop"),
        ("KONIEC", "stop"),
        ("start", "start"),
        ("Aloita", "start"),
        ("СТАРТ", "start"),
        ("hjalp", "help"),
        ("HJÄLP", "help"),
        ("stop sending", None),
        ("please stop", None),
        ("Nie wiem", None),
        ("", None),
        ("STOP " * 20, None),
    ],
)
def test_keywords_match_the_whole_reply_folded(reply, action):
    assert keywords.match(reply, TABLE) == action


def test_defaults_hold_the_words_each_language_expects():
    stops = {w for w, a, _l in keywords.DEFAULT_KEYWORDS if a == "stop"}
    starts = {w for w, a, _l in keywords.DEFAULT_KEYWORDS if a == "start"}
    assert {
        "STOP",
        "STOPP",
        "SLUTA",
        "LOPETA",
        "СТОП",
        "ОТПИСКА",
        "NIE",
        "KONIEC",
    } <= stops
    assert {"START", "ALOITA", "STARTA", "СТАРТ"} <= starts
