# Copyright 2026 sms_gateway authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Placeholder expressions of an SMS text (``{{ ... }}``), evaluated without
Python's ``eval``.

``compile_expression(text)`` parses an expression and refuses, before
anything is evaluated, every construct but these: names given by the caller
(``object``, ``user``...), attribute access (not to names starting with
``_``), constants, ``and``/``or``/``not``, ``x if c else y``, comparisons,
``+ - * / // %`` on numbers and ``+`` on texts, indexing and slicing, a few
functions (``len str int float round abs min max bool``), a few text methods
(``upper lower title capitalize strip lstrip rstrip replace split
startswith endswith``) and ``strftime`` on dates.

``evaluate(tree, names, get_attr)`` runs it; every attribute access goes
through ``get_attr(value, name)``, which the caller uses to decide which
fields of which records may be read (it returns NotImplemented for values
that are not records). No text grows beyond ``MAX_TEXT`` characters.

``is_field_path(text)`` tells the plain placeholders any user may write:
``object.name``, ``object.parent_id.name``.
"""

import ast
import datetime
import re

MAX_EXPRESSION = 500
MAX_TEXT = 2_000
FIELD_PATH = re.compile(r"^object(\.[a-z_][a-z0-9_]*)+$")
FUNCTIONS = {
    "len": len,
    "str": str,
    "int": int,
    "float": float,
    "round": round,
    "abs": abs,
    "min": min,
    "max": max,
    "bool": bool,
}
TEXT_METHODS = frozenset(
    {
        "upper",
        "lower",
        "title",
        "capitalize",
        "strip",
        "lstrip",
        "rstrip",
        "replace",
        "split",
        "startswith",
        "endswith",
    }
)
DATE_ATTRIBUTES = frozenset({"year", "month", "day", "hour", "minute", "weekday"})
NODES = (
    ast.Expression,
    ast.Constant,
    ast.Name,
    ast.Load,
    ast.Attribute,
    ast.Call,
    ast.BoolOp,
    ast.And,
    ast.Or,
    ast.UnaryOp,
    ast.Not,
    ast.USub,
    ast.UAdd,
    ast.IfExp,
    ast.Compare,
    ast.Eq,
    ast.NotEq,
    ast.Lt,
    ast.LtE,
    ast.Gt,
    ast.GtE,
    ast.In,
    ast.NotIn,
    ast.Is,
    ast.IsNot,
    ast.BinOp,
    ast.Add,
    ast.Sub,
    ast.Mult,
    ast.Div,
    ast.FloorDiv,
    ast.Mod,
    ast.Subscript,
    ast.Slice,
    ast.Tuple,
    ast.List,
)


class PlaceholderError(ValueError):
    """The expression is refused or failed; the message says why."""


def is_field_path(text):
    return bool(FIELD_PATH.match(text))


def compile_expression(text, names):
    """The checked tree of ``text``; ``names`` are the names it may use."""
    if len(text) > MAX_EXPRESSION:
        raise PlaceholderError(
            f"the expression has more than {MAX_EXPRESSION} characters"
        )
    try:
        tree = ast.parse(text, mode="eval")
    except (SyntaxError, MemoryError, RecursionError) as error:
        raise PlaceholderError(f"{text} is not a valid expression") from error
    for node in ast.walk(tree):
        if not isinstance(node, NODES):
            raise PlaceholderError(f"{type(node).__name__} cannot be used in {text}")
        if (
            isinstance(node, ast.Name)
            and node.id not in names
            and node.id not in FUNCTIONS
        ):
            raise PlaceholderError(f"{node.id} is not known in {text}")
        if isinstance(node, ast.Attribute) and node.attr.startswith("_"):
            raise PlaceholderError(f"{node.attr} cannot be read in {text}")
        if isinstance(node, ast.Call):
            if node.keywords or any(isinstance(a, ast.Starred) for a in node.args):
                raise PlaceholderError(f"named arguments cannot be used in {text}")
            if isinstance(node.func, ast.Name):
                if node.func.id not in FUNCTIONS:
                    raise PlaceholderError(f"{node.func.id}() cannot be used in {text}")
            elif not (
                isinstance(node.func, ast.Attribute)
                and (node.func.attr in TEXT_METHODS or node.func.attr == "strftime")
            ):
                raise PlaceholderError(
                    f"{ast.unparse(node.func)}() cannot be used in {text}"
                )
        if isinstance(node, ast.Constant) and not isinstance(
            node.value, str | int | float | bool | type(None)
        ):
            raise PlaceholderError(f"{node.value!r} cannot be used in {text}")
    return tree


def field_chains(tree):
    """[(name, [attr, ...])] of the plain ``name.attr.attr`` chains in
    ``tree`` (the longest ones), to check before anything is evaluated."""
    chains = []
    inner = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and id(node) not in inner:
            attrs = []
            current = node
            while isinstance(current, ast.Attribute):
                attrs.append(current.attr)
                inner.add(id(current.value))
                current = current.value
            if isinstance(current, ast.Name):
                chains.append((current.id, list(reversed(attrs))))
    return chains


def _check_text(value):
    if isinstance(value, str) and len(value) > MAX_TEXT:
        raise PlaceholderError(f"a text of more than {MAX_TEXT} characters")
    return value


def _position(value):
    if not isinstance(value, int) or isinstance(value, bool):
        raise PlaceholderError("items are taken by position (a whole number) only")
    return value


class _Evaluator:
    def __init__(self, names, get_attr):
        self.names = names
        self.get_attr = get_attr

    def run(self, node):  # noqa: C901 (one branch per kind of node)
        if isinstance(node, ast.Expression):
            return self.run(node.body)
        if isinstance(node, ast.Constant):
            return node.value
        if isinstance(node, ast.Name):
            if node.id not in self.names:
                raise PlaceholderError(f"{node.id} is a function: call it")
            return self.names[node.id]
        if isinstance(node, ast.Attribute):
            return self.attribute(self.run(node.value), node.attr)
        if isinstance(node, ast.Call):
            return self.call(node)
        if isinstance(node, ast.BoolOp):
            value = None
            for operand in node.values:
                value = self.run(operand)
                if isinstance(node.op, ast.And) and not value:
                    return value
                if isinstance(node.op, ast.Or) and value:
                    return value
            return value
        if isinstance(node, ast.UnaryOp):
            value = self.run(node.operand)
            if isinstance(node.op, ast.Not):
                return not value
            return -value if isinstance(node.op, ast.USub) else +value
        if isinstance(node, ast.IfExp):
            return self.run(node.body if self.run(node.test) else node.orelse)
        if isinstance(node, ast.Compare):
            return self.compare(node)
        if isinstance(node, ast.BinOp):
            return self.binop(node)
        if isinstance(node, ast.Subscript):
            # by position only: value["field"] would read past get_attr
            value = self.run(node.value)
            if isinstance(node.slice, ast.Slice):
                parts = [
                    _position(self.run(p)) if p is not None else None
                    for p in (node.slice.lower, node.slice.upper, node.slice.step)
                ]
                return value[slice(*parts)]
            return value[_position(self.run(node.slice))]
        if isinstance(node, ast.Tuple | ast.List):
            return tuple(self.run(item) for item in node.elts)
        raise PlaceholderError(f"{type(node).__name__} cannot be used")

    def attribute(self, value, name):
        result = self.get_attr(value, name)
        if result is not NotImplemented:
            return result
        if isinstance(value, datetime.date) and name in DATE_ATTRIBUTES:
            result = getattr(value, name, None)
            if result is not None and name != "weekday":
                return result
        raise PlaceholderError(f"{name} cannot be read on {type(value).__name__}")

    def call(self, node):
        args = [self.run(arg) for arg in node.args]
        if isinstance(node.func, ast.Name):
            return _check_text(FUNCTIONS[node.func.id](*args))
        target = self.run(node.func.value)
        method = node.func.attr
        if isinstance(target, str) and method in TEXT_METHODS:
            return _check_text(getattr(target, method)(*args))
        if isinstance(target, datetime.date) and method == "strftime":
            if len(args) != 1 or not isinstance(args[0], str) or len(args[0]) > 100:
                raise PlaceholderError("strftime() takes one short format")
            return target.strftime(args[0])
        raise PlaceholderError(f"{method}() cannot be used on {type(target).__name__}")

    def compare(self, node):
        left = self.run(node.left)
        for op, comparator in zip(node.ops, node.comparators, strict=True):
            right = self.run(comparator)
            ok = {
                ast.Eq: lambda a, b: a == b,
                ast.NotEq: lambda a, b: a != b,
                ast.Lt: lambda a, b: a < b,
                ast.LtE: lambda a, b: a <= b,
                ast.Gt: lambda a, b: a > b,
                ast.GtE: lambda a, b: a >= b,
                ast.In: lambda a, b: a in b,
                ast.NotIn: lambda a, b: a not in b,
                ast.Is: lambda a, b: a is b,
                ast.IsNot: lambda a, b: a is not b,
            }[type(op)](left, right)
            if not ok:
                return False
            left = right
        return True

    def binop(self, node):
        left = self.run(node.left)
        right = self.run(node.right)
        if isinstance(node.op, ast.Add) and isinstance(left, str):
            if not isinstance(right, str):
                raise PlaceholderError("texts can only be joined to texts")
            return _check_text(left + right)
        if not all(
            isinstance(v, int | float) and not isinstance(v, bool)
            for v in (left, right)
        ):
            raise PlaceholderError("arithmetic works on numbers only")
        if isinstance(node.op, ast.Add):
            return left + right
        if isinstance(node.op, ast.Sub):
            return left - right
        if isinstance(node.op, ast.Mult):
            return left * right
        if isinstance(node.op, ast.Div):
            return left / right
        if isinstance(node.op, ast.FloorDiv):
            return left // right
        return left % right


def evaluate(tree, names, get_attr):
    """The value of a tree of ``compile_expression``."""
    return _Evaluator(names, get_attr).run(tree)
