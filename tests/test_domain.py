# Copyright 2026 sms_gateway authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Domains a user writes are read as data, never run."""

import datetime
import json
import time

import pytest

from sms_gateway.tools.domain import (
    MAX_CHARS,
    DomainError,
    DomainLimits,
    DomainValues,
    check_domain,
    parse_domain,
)

VALUES = DomainValues(
    uid=7,
    company_id=3,
    company_ids=(3, 4),
    today=datetime.date(2026, 3, 31),
    tz="Europe/Helsinki",
)


def parse(text, **kwargs):
    return parse_domain(text, VALUES, **kwargs)


def test_literal_domains_are_read_as_written():
    assert parse("[('name', 'ilike', 'Smith')]") == [("name", "ilike", "Smith")]
    assert parse(
        "['|', ('sms_consent', '=', 'granted'), '!', ('id', 'in', [1, -2, 3.5])]"
    ) == [
        "|",
        ("sms_consent", "=", "granted"),
        "!",
        ("id", "in", [1, -2, 3.5]),
    ]
    assert parse("[('active', '=', True), ('email', '!=', False)]") == [
        ("active", "=", True),
        ("email", "!=", False),
    ]
    assert parse("[('parent_id', '=', None)]") == [("parent_id", "=", None)]
    assert parse("[(1, '=', 1)]") == [(1, "=", 1)]
    assert parse("") == []
    assert parse("  []  ") == []
    assert parse(None) == []


def test_nested_any_domains():
    assert parse("[('child_ids', 'any', [('name', '=', 'A')])]") == [
        ("child_ids", "any", [("name", "=", "A")])
    ]


def test_user_and_company_placeholders():
    assert parse("[('user_id', '=', uid)]") == [("user_id", "=", 7)]
    assert parse("[('user_id', '=', user.id)]") == [("user_id", "=", 7)]
    assert parse("[('company_id', '=', company_id)]") == [("company_id", "=", 3)]
    assert parse("[('company_id', 'in', company_ids)]") == [
        ("company_id", "in", [3, 4])
    ]


def test_dates_as_the_domain_editor_writes_them():
    # "is within the last 3 days" on a date field, as Odoo 18's editor writes it
    text = (
        "['&', ('date', '>=', (context_today() + relativedelta(days=-3))"
        ".strftime('%Y-%m-%d')), "
        "('date', '<=', context_today().strftime(\"%Y-%m-%d\"))]"
    )
    assert parse(text) == [
        "&",
        ("date", ">=", "2026-03-28"),
        ("date", "<=", "2026-03-31"),
    ]
    assert parse("[('d', '<', context_today() - relativedelta(months=1))]") == [
        ("d", "<", datetime.date(2026, 2, 28))
    ]
    assert parse("[('d', '=', context_today())]") == [
        ("d", "=", datetime.date(2026, 3, 31))
    ]
    assert parse("[('d', '=', time.strftime('%Y-%m-%d'))]") == [
        ("d", "=", "2026-03-31")
    ]


def test_datetimes_are_the_users_midnight_in_utc():
    text = (
        "[('create_date', '>=', datetime.datetime.combine(context_today() + "
        "relativedelta(weeks=-1), datetime.time(0, 0, 0)).to_utc()"
        '.strftime("%Y-%m-%d %H:%M:%S"))]'
    )
    # Helsinki is UTC+2 in March (before the last Sunday's change)
    assert parse(text) == [("create_date", ">=", "2026-03-23 22:00:00")]
    text = "[('d', '>=', datetime.datetime.combine(context_today(), datetime.time(8)))]"
    assert parse(text) == [("d", ">=", datetime.datetime(2026, 3, 31, 8, 0))]


@pytest.mark.parametrize(
    ("text", "what"),
    [
        # the payload: code in a group filter
        (
            "[('id', '=', user.sudo().write({'groups_id': [(4, 2)]}) and 0)]",
            "expressions",
        ),
        ("[('id', '=', user.sudo())]", "calls"),
        ("[('id', '=', user.company_id.sms_gateway_smsapi_token)]", "attributes"),
        ("[('id', '=', env)]", "names"),
        ("[('id', '=', __import__('os').system('id'))]", "calls"),
        ("[('id', 'in', [x for x in range(10**9)])]", "expressions"),
        ("[('id', '=', 10**10**10)]", "expressions"),
        ("[('id', '=', 'a' * 1000000000)]", "expressions"),
        ("[('id', '=', {1: 2})]", "sets and dictionaries"),
        ("[('id', '=', lambda: 1)]", "expressions"),
        ("[('d', '=', context_today(1))]", "calls"),
        ("[('d', '=', relativedelta(days=1))]", "calls"),
        ("[('d', '=', context_today() + relativedelta(days=uid))]", "relativedelta"),
        ("[('d', '=', context_today() + relativedelta(seconds=1))]", "relativedelta"),
        (
            "[('d', '=', context_today() + relativedelta(days=99999999))]",
            "relativedelta",
        ),
        ("[('d', '=', context_today().replace(year=1))]", "calls"),
        ("[('d', '=', context_today().strftime(uid))]", "formats"),
        ("[('d', '=', context_today().strftime('%Y' * 1000))]", "formats"),
        ("[('d', '=', uid.to_utc())]", "calls"),
        ("[('d', '=', b'bytes')]", "values of this kind"),
    ],
)
def test_code_is_refused_with_a_clear_message(text, what):
    with pytest.raises(DomainError) as caught:
        parse(text)
    assert what in str(caught.value)


def test_chained_placeholders_cannot_recurse():
    text = "[('d', '=', datetime.datetime.combine(context_today(), datetime.time(0))"
    text += ".to_utc()" * 5000 + ")]"
    with pytest.raises(DomainError):
        parse(text)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[('name', 'ilike')]", "not a condition"),
        ("[('name', 'bogus', 1)]", "not a condition operator"),
        ("['^', ('a', '=', 1)]", "not a domain operator"),
        ("[(3, '=', 1)]", "not a field name"),
        ("('name', '=', 1)", "must be a list of conditions"),
        ("{'a': 1}", "sets and dictionaries"),
        ("[('id', 'in', [[1, 2]])]", "plain values"),
        ("[('name', '=', 'x'", "not a valid domain"),
        ("[1]", "not a condition"),
    ],
)
def test_malformed_domains(text, message):
    with pytest.raises(DomainError, match=message):
        parse(text)


def test_huge_domains_are_refused_fast():
    started = time.perf_counter()
    with pytest.raises(DomainError, match="characters"):
        parse("[" + "('name', '=', 'x'), " * 1_000_000 + "]")
    with pytest.raises(DomainError, match="conditions"):
        parse("[" + "('id', '=', 1), " * 600 + "]")
    with pytest.raises(DomainError, match="values"):
        parse(
            "[('id', 'in', [" + "1," * 40_000 + "])]", limits=DomainLimits(values=1000)
        )
    with pytest.raises(DomainError, match="nested"):
        parse("[" * 50_000)
    with pytest.raises(DomainError, match="nested"):
        parse("[" * 50 + "]" * 50)
    with pytest.raises(DomainError, match="nested"):
        parse("[('id', 'in', " + "(1, " * 3000 + ")" * 3000 + ")]")
    with pytest.raises(DomainError):
        parse("[('id', '=', " + "-" * 90_000 + "1)]")
    with pytest.raises(DomainError):
        parse("[('id', '=', " + "1+" * 40_000 + "1)]")
    assert time.perf_counter() - started < 5


def test_a_domain_of_many_ids_within_the_limits_is_read():
    ids = list(range(1, 10_001))
    text = repr([("id", "in", ids)])
    assert len(text) < MAX_CHARS
    assert parse(text) == [("id", "in", ids)]


def test_check_domain_of_python_data():
    # the web client's active_domain, or a domain stored as JSON
    domain = json.loads(
        '[["name", "ilike", "a"], "|", ["id", "in", [1, 2]], [1, "=", 1]]'
    )
    assert check_domain(domain) == [
        ("name", "ilike", "a"),
        "|",
        ("id", "in", [1, 2]),
        (1, "=", 1),
    ]
    with pytest.raises(DomainError, match="not a value"):
        check_domain([("id", "=", object())])
    with pytest.raises(DomainError, match="nested"):
        nested = [("name", "=", "x")]
        for _ in range(10):
            nested = [("child_ids", "any", nested)]
        check_domain(nested)
    with pytest.raises(DomainError, match="conditions"):
        check_domain([("id", "=", 1)] * 501)
    with pytest.raises(DomainError, match="characters"):
        check_domain([("name", "=", "x" * (MAX_CHARS + 1))])
