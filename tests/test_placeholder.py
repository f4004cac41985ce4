# Copyright 2026 sms_gateway authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Template editors' placeholder expressions run without eval."""

import pytest

from sms_gateway.tools.placeholder import (
    PlaceholderError,
    compile_expression,
    evaluate,
    field_chains,
    is_field_path,
)

NAMES = {"object": "res.partner", "user": "res.users"}


class Record:
    """A stand-in record: only its listed fields are readable."""

    def __init__(self, **values):
        self.values = values
        self.secret = "TOKEN"

    def __getattr__(self, name):
        raise AssertionError(f"{name} read past get_attr")


def get_attr(value, name):
    if not isinstance(value, Record):
        return NotImplemented
    if name not in value.values:
        raise PlaceholderError(f"no field {name}")
    return value.values[name]


def run(text, **names):
    return evaluate(compile_expression(text, NAMES), names, get_attr)


def test_editor_expressions():
    partner = Record(name="Aino", function=False, parent_id=Record(name="Boss"))
    assert run("object.name.upper()", object=partner) == "AINO"
    assert run("object.function or 'friend'", object=partner) == "friend"
    assert run("object.parent_id.name + '!'", object=partner) == "Boss!"
    assert run("len(object.name) if object.name else 0", object=partner) == 4
    assert run("object.name[0:2]", object=partner) == "Ai"


@pytest.mark.parametrize(
    "text",
    [
        "object.sudo()",
        "object.env['res.company']",
        "'{0.secret}'.format(object)",
        "object.__class__",
        "object._fields",
        "getattr(object, 'secret')",
        "[x for x in object]",
        "lambda: 1",
        "env",
        "'%s' % object",
        "'a' * 10 ** 9",
        "object['secret']",
        "object.name.zfill(10 ** 9)",
    ],
)
def test_escapes_are_refused(text):
    partner = Record(name="Aino")
    with pytest.raises(PlaceholderError):
        run(text, object=partner)


def test_texts_cannot_grow_without_bound():
    partner = Record(name="x" * 1500)
    with pytest.raises(PlaceholderError, match="characters"):
        run("object.name + object.name", object=partner)
    with pytest.raises(PlaceholderError):
        compile_expression("object.name" + " + 'x'" * 200, NAMES)


def test_field_paths_and_chains():
    assert is_field_path("object.parent_id.name")
    assert not is_field_path("object.name.upper()")
    assert not is_field_path("user.name")
    tree = compile_expression(
        "(object.company_id.token or user.company_id.name)", NAMES
    )
    assert sorted(field_chains(tree)) == [
        ("object", ["company_id", "token"]),
        ("user", ["company_id", "name"]),
    ]
