# Copyright 2026 sms_gateway authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""SMSAPI personalisation (``param1``..``param4``) over real HTTP against the
loopback SMSAPI double: one request for many texts, each recipient its own
text, and every error path of a bulk request."""

import pytest
import requests
from smsapi_common import make

from sms_gateway.tests.doubles import SMSAPI_TOKEN
from sms_gateway.tests.doubles.smsapi import personal_texts
from sms_gateway.tools.providers import (
    AuthenticationError,
    NoCreditError,
    RateLimitError,
)
from sms_gateway.tools.providers.smsapi import personal_values
from sms_gateway.tools.text_template import join

TEMPLATE = ("Hei ", ", tervetuloa!")


def msg(uid, number, name, template=TEMPLATE, sender=None):
    body = join(template, [name] * (len(template) - 1))
    return {
        "uid": uid,
        "number": number,
        "body": body,
        "sender": sender,
        "template": template,
    }


def sends(double):
    return [r for r in double.requests if r["path"] == "/sms.do"]


def texts_at_double(double, state="accepted"):
    """{idx: text} of what each recipient got."""
    return {m["idx"]: m["body"] for m in double.messages if m["state"] == state}


def test_one_request_for_different_texts(double, provider):
    names = ["Aino", "Eino", "Zoë 😀", "O'Brien, Jr."]
    messages = [msg(f"p{i}", f"+4850010000{i}", name) for i, name in enumerate(names)]
    results = provider.send(messages)
    assert [r["state"] for r in results] == ["accepted"] * 4
    assert len(sends(double)) == 1
    form = sends(double)[0]["form"]
    assert form["message"] == "Hei [%1%], tervetuloa!"
    assert form["param1"] == "Aino|Eino|Zoë 😀|O'Brien, Jr."
    assert form["idx"] == "p0|p1|p2|p3" and form["check_idx"] == "1"
    assert "param2" not in form
    assert texts_at_double(double) == {m["uid"]: m["body"] for m in messages}
    assert all(r["provider_ref"] for r in results)


def test_four_gaps_in_one_request(double, provider):
    template = ("A ", " B ", " C ", " D ", " E")
    messages = [
        {
            "uid": f"q{i}",
            "number": f"+4850020000{i}",
            "body": join(template, [f"v{i}{n}" for n in range(4)]),
            "sender": None,
            "template": template,
        }
        for i in range(3)
    ]
    provider.send(messages)
    (request,) = sends(double)
    assert request["form"]["message"] == "A [%1%] B [%2%] C [%3%] D [%4%] E"
    assert request["form"]["param4"] == "v03|v13|v23"
    assert texts_at_double(double) == {m["uid"]: m["body"] for m in messages}


@pytest.mark.parametrize(
    "template, body",
    [
        (("1", "2", "3", "4", "5", "6"), "1a2b3c4d5e6"),  # five gaps
        (TEMPLATE, "Hei A|B, tervetuloa!"),  # the separator in a value
        (TEMPLATE, "Hei [%1%], tervetuloa!"),  # a mark in a value
        (("Hei [%1%] ", "!"), "Hei [%1%] Aino!"),  # a mark in a literal
        (TEMPLATE, "Hei x[%, tervetuloa!"),  # a mark across a boundary
        (TEMPLATE, "Hei , tervetuloa!"),  # an empty value
        (TEMPLATE, "Hei  Aino, tervetuloa!"),  # a space at an end of a value
        (TEMPLATE, "Hello Aino, welcome!"),  # not the template's text
        (None, "Hei Aino, tervetuloa!"),
    ],
)
def test_values_not_personalised(template, body):
    assert personal_values({"template": template, "body": body}) is None


def test_a_text_that_cannot_be_personalised_goes_as_it_is(double, provider):
    messages = [
        msg("r1", "+48500300001", "Aino"),
        msg("r2", "+48500300002", "Eino"),
        msg("r3", "+48500300003", "A|B"),
        msg("r4", "+48500300004", "[%1%]"),
        # Not of the template (edited body): same text as r5 goes together.
        dict(msg("r5", "+48500300005", "x"), body="Changed text"),
        dict(msg("r6", "+48500300006", "x"), body="Changed text"),
    ]
    results = provider.send(messages)
    assert [r["state"] for r in results] == ["accepted"] * 6
    forms = [r["form"] for r in sends(double)]
    assert len(forms) == 4
    personalised = [f for f in forms if "param1" in f]
    assert [f["idx"] for f in personalised] == ["r1|r2"]
    plain = {f["idx"]: f["message"] for f in forms if "param1" not in f}
    assert plain == {
        "r3": "Hei A|B, tervetuloa!",
        "r4": "Hei [%1%], tervetuloa!",
        "r5|r6": "Changed text",
    }
    assert texts_at_double(double) == {m["uid"]: m["body"] for m in messages}


def test_same_text_for_all_goes_without_parameters(double, provider):
    provider.send(
        [msg("s1", "+48500400001", "Aino"), msg("s2", "+48500400002", "Aino")]
    )
    (request,) = sends(double)
    assert request["form"]["message"] == "Hei Aino, tervetuloa!"
    assert "param1" not in request["form"]


def test_batch_size_bounds_a_personalised_request(double):
    messages = [msg(f"t{i}", f"+4850050000{i}", f"N{i}") for i in range(5)]
    with make(double, batch_size=2) as provider:
        provider.send(messages)
    forms = [r["form"] for r in sends(double)]
    assert [len(f["to"].split(",")) for f in forms] == [2, 2, 1]
    assert [len(f["param1"].split("|")) for f in forms[:2]] == [2, 2]
    assert forms[2]["message"] == "Hei N4, tervetuloa!"  # alone: as it is
    assert texts_at_double(double) == {m["uid"]: m["body"] for m in messages}


def test_templates_and_senders_do_not_mix(double, provider):
    other = ("Moi ", "!")
    provider.send(
        [
            msg("u1", "+48500600001", "Aino"),
            msg("u2", "+48500600002", "Eino", sender="Other"),
            msg("u3", "+48500600003", "Pekka", template=other),
            msg("u4", "+48500600004", "Liisa"),
            msg("u5", "+48500600005", "Olli", template=other),
        ]
    )
    idx = sorted(r["form"]["idx"] for r in sends(double))
    assert idx == ["u1|u4", "u2", "u3|u5"]


def test_invalid_number_resends_the_right_values(double, provider):
    """Error 13 for the whole request: the others go again with their own
    values, in their own order."""
    double.refuse_batch_on_invalid = True
    double.invalid_numbers = {"48500700002"}
    messages = [
        msg("v1", "+48500700001", "Aino"),
        msg("v2", "+48500700002", "Eino"),
        msg("v3", "+48500700003", "Zoë"),
    ]
    results = provider.send(messages)
    assert [r["state"] for r in results] == ["accepted", "rejected", "accepted"]
    first, again = sends(double)
    assert first["form"]["param1"] == "Aino|Eino|Zoë"
    assert again["form"]["to"] == "48500700001,48500700003"
    assert again["form"]["param1"] == "Aino|Zoë"
    assert again["form"]["idx"] == "v1|v3"
    assert texts_at_double(double) == {
        "v1": "Hei Aino, tervetuloa!",
        "v3": "Hei Zoë, tervetuloa!",
    }


def test_invalid_number_inside_a_personalised_request(double, provider):
    double.invalid_numbers = {"48500800002"}
    messages = [
        msg("w1", "+48500800001", "Aino"),
        msg("w2", "+48500800002", "Eino"),
        msg("w3", "+48500800003", "Zoë"),
    ]
    results = provider.send(messages)
    assert [r["state"] for r in results] == ["accepted", "rejected", "accepted"]
    assert len(sends(double)) == 1
    assert texts_at_double(double) == {
        "w1": "Hei Aino, tervetuloa!",
        "w3": "Hei Zoë, tervetuloa!",
    }


def test_duplicate_idx_sends_the_others_once_with_their_own_text(double, provider):
    """Replay after a crash: one of them was sent before (same idx). SMSAPI
    refuses the request (53); each goes alone, the one sent before is not
    sent twice."""
    messages = [
        msg("x1", "+48500900001", "Aino"),
        msg("x2", "+48500900002", "Eino"),
        msg("x3", "+48500900003", "Zoë"),
    ]
    provider.send([messages[1]])
    results = provider.send(messages)
    assert [r["state"] for r in results] == ["accepted"] * 3
    accepted = [m["idx"] for m in double.messages if m["state"] == "accepted"]
    assert sorted(accepted) == ["x1", "x2", "x3"]
    assert texts_at_double(double) == {m["uid"]: m["body"] for m in messages}


def test_too_many_parts_refuses_only_the_long_text(double):
    """Error 12 to a personalised request: its texts go one request per
    text, and only the text that is too long is refused."""
    messages = [
        msg("y1", "+48501000001", "Aino"),
        msg("y2", "+48501000002", "E" * 200),
        msg("y3", "+48501000003", "Zoë"),
    ]
    with make(double, max_parts=1) as provider:
        results = provider.send(messages)
    assert [r["state"] for r in results] == ["accepted", "rejected", "accepted"]
    assert "more parts" in results[1]["error"]
    assert texts_at_double(double) == {
        "y1": "Hei Aino, tervetuloa!",
        "y3": "Hei Zoë, tervetuloa!",
    }


def test_parameters_refused_fall_back_to_one_request_per_text(double, provider):
    """Should SMSAPI refuse the parameters (error 18), each text goes as it
    is: nothing is lost, nothing is sent twice."""
    original = double._refusal

    def refuse_params(params, numbers, idxs, texts, *rest):
        if "param1" in params:
            return {"error": 18, "message": "Invalid number of parameters"}
        return original(params, numbers, idxs, texts, *rest)

    double._refusal = refuse_params
    messages = [msg(f"z{i}", f"+4850110000{i}", f"N{i}") for i in range(3)]
    results = provider.send(messages)
    assert [r["state"] for r in results] == ["accepted"] * 3
    assert len(sends(double)) == 4
    assert texts_at_double(double) == {m["uid"]: m["body"] for m in messages}


def test_too_many_messages_in_one_request_splits_it(double, provider):
    original = double._refusal

    def at_most_two(params, numbers, idxs, texts, *rest):
        if len(numbers) > 2:
            return {"error": 19, "message": "Too many messages in one request"}
        return original(params, numbers, idxs, texts, *rest)

    double._refusal = at_most_two
    messages = [msg(f"k{i}", f"+4850120000{i}", f"N{i}") for i in range(5)]
    results = provider.send(messages)
    assert [r["state"] for r in results] == ["accepted"] * 5
    sizes = [len(r["form"]["to"].split(",")) for r in sends(double)]
    # 5 refused, then its halves: 2 sent, 3 refused, then 1 and 2 sent.
    assert sizes == [5, 2, 3, 1, 2]
    assert texts_at_double(double) == {m["uid"]: m["body"] for m in messages}


@pytest.mark.parametrize(
    "knob, error",
    [
        ("no_credit", NoCreditError),
        ("bad_token", AuthenticationError),
        ("rate_limit", RateLimitError),
    ],
)
def test_account_errors_of_a_personalised_request(double, provider, knob, error):
    setattr(double, knob, 1 if knob == "rate_limit" else True)
    messages = [msg(f"e{i}", f"+4850130000{i}", f"N{i}") for i in range(3)]
    with pytest.raises(error) as caught:
        provider.send(messages)
    assert caught.value.partial_results == []
    assert not texts_at_double(double)


def test_double_refuses_a_count_of_values_other_than_recipients(double):
    answer = requests.post(
        f"{double.url}/sms.do",
        data={
            "format": "json",
            "to": "48501400001,48501400002",
            "message": "Hei [%1%]",
            "param1": "Aino",
        },
        headers={"Authorization": f"Bearer {SMSAPI_TOKEN}"},
        timeout=5,
    )
    assert answer.json() == {"error": 18, "message": "Invalid number of parameters"}
    assert not double.messages


def test_double_replaces_each_mark_once():
    params = {"param1": "[%2%]|b", "param2": "x|y"}
    assert personal_texts("[%1%]-[%2%]-[%3%]", params, 2) == [
        "[%2%]-x-[%3%]",
        "b-y-[%3%]",
    ]


@pytest.mark.parametrize(
    "fields",
    [
        {"to": "358401234567,48500000001", "message": "Hei [%1%]!"},
        {"param1": "Åsa Öberg|Jürgen|Łukasz|Иван|😀 & co|a+b=c|100%", "x": ""},
        {"message": "line\nbreak\ttab ~_.-", "from": "Shop €", "empty": ""},
        {"list": ["a b", "c&d"], "n": 5, "flag": True, "none": None},
        {"raw": b"caf\xc3\xa9 & \xff", "tuple": ("x", None, "y")},
    ],
)
def test_the_form_body_is_what_requests_writes(fields):
    from requests.models import RequestEncodingMixin

    from sms_gateway.tools.providers.base import form_encode

    assert form_encode(fields) == RequestEncodingMixin._encode_params(fields)


def test_a_personalised_request_arrives_as_the_double_reads_it(double, provider):
    names = ["Åsa & Öberg", "100% Jürgen", "a+b=c", "Иван|x"]
    messages = [
        msg(f"uid{i}", f"+3584012345{i:02d}", name) for i, name in enumerate(names)
    ]
    results = provider.send(messages)
    assert [r["state"] for r in results] == ["accepted"] * len(names)
    assert sorted(m["body"] for m in double.accepted()) == sorted(
        join(TEMPLATE, [name]) for name in names
    )
