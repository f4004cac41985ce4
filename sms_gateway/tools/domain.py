# Copyright 2026 sms_gateway authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Domains a user writes (a group's dynamic filter, a "select all" of a list),
read as data: never evaluated as Python.

``parse_domain(text, values)`` reads the text the way ``ast.literal_eval``
does (lists, tuples, strings, numbers, True/False/None) and refuses anything
else: names, calls, attributes, operators. The only exceptions are the
*placeholders* below, matched by their exact shape and replaced by the values
the caller gives in ``values`` (a ``DomainValues``); nothing of the text is
ever run.

Placeholders (what Odoo's domain editor and Odoo's own domains write):

* ``uid`` or ``user.id``: the id of the user reading the domain;
* ``company_id``: the id of their current company;
* ``company_ids``: the ids of the companies they work in;
* ``context_today()``: today's date in their time zone, optionally moved by
  ``+`` or ``-`` ``relativedelta(years=, months=, weeks=, days=)`` with whole
  numbers, and optionally formatted with ``.strftime("...")``;
* ``datetime.datetime.combine(<date as above>, datetime.time(H, M, S))``,
  optionally followed by ``.to_utc()`` (the user's local time as UTC, as the
  web client's "is within" filter writes it) and ``.strftime("...")``;
* ``time.strftime("...")``: today's date formatted (older Odoo domains).

The size is bounded before anything is parsed (characters), and while it is
read (nesting depth, number of conditions, number of values), so that a
domain cannot be used to make a worker spend its CPU or memory.

``check_domain(domain)`` applies the same bounds and shape rules to a domain
that is already a Python list (from JSON, or from the web client's context).
"""

import ast
import datetime
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dateutil.relativedelta import relativedelta

MAX_CHARS = 100_000
MAX_DEPTH = 12
MAX_LEAVES = 500
MAX_VALUES = 50_000
MAX_FORMAT = 100
MAX_DELTA = 10_000

DOMAIN_OPERATORS = ("&", "|", "!")
TERM_OPERATORS = (
    "=",
    "!=",
    "<=",
    "<",
    ">",
    ">=",
    "=?",
    "=like",
    "=ilike",
    "like",
    "not like",
    "ilike",
    "not ilike",
    "in",
    "not in",
    "child_of",
    "parent_of",
    "any",
    "not any",
)
DOMAIN_VALUE_OPERATORS = ("any", "not any")
DELTA_UNITS = ("years", "months", "weeks", "days")
SCALARS = (str, int, float, bool, type(None), datetime.date)


class DomainError(ValueError):
    """The domain is refused; the message says what is not allowed."""


@dataclass(frozen=True)
class DomainValues:
    """The values placeholders stand for, supplied by the caller."""

    uid: int
    company_id: int
    company_ids: tuple = ()
    today: datetime.date = field(default_factory=datetime.date.today)
    tz: str = "UTC"


@dataclass(frozen=True)
class DomainLimits:
    chars: int = MAX_CHARS
    depth: int = MAX_DEPTH
    leaves: int = MAX_LEAVES
    values: int = MAX_VALUES


DEFAULT_LIMITS = DomainLimits()


def parse_domain(text, values, limits=DEFAULT_LIMITS):
    """The domain written in ``text`` as a list, placeholders replaced.

    Raises DomainError naming what is not allowed.
    """
    if text is None or (isinstance(text, str) and not text.strip()):
        return []
    if not isinstance(text, str):
        raise DomainError("a domain must be written as text")
    if len(text) > limits.chars:
        raise DomainError(
            f"the domain has {len(text):,} characters, more than the "
            f"{limits.chars:,} allowed"
        )
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as error:
        if "too many nested" in str(error):
            raise DomainError(_too_deep(limits)) from None
        raise DomainError(f"it is not a valid domain ({error.msg})") from None
    except (MemoryError, RecursionError):
        raise DomainError(_too_deep(limits)) from None
    reader = _Reader(text, values, limits)
    domain = reader.value(tree.body, 0)
    return check_domain(domain, limits)


def check_domain(domain, limits=DEFAULT_LIMITS):
    """``domain`` (a list) if it is a well-formed, bounded domain of plain
    values; leaves are returned as tuples. Raises DomainError otherwise."""
    counter = _Counter(limits)
    return counter.domain(domain, 1)


def _too_deep(limits):
    return f"the domain is nested more than {limits.depth} levels deep"


class _Counter:
    """Shape and size of a domain that is already Python data."""

    def __init__(self, limits):
        self.limits = limits
        self.leaves = 0
        self.values = 0
        self.chars = 0

    def count_value(self, value):
        self.values += 1
        if self.values > self.limits.values:
            raise DomainError(f"the domain has more than {self.limits.values:,} values")
        if isinstance(value, str):
            self.chars += len(value)
            if self.chars > self.limits.chars:
                raise DomainError(
                    f"the domain's texts have more than {self.limits.chars:,} "
                    "characters"
                )

    def domain(self, domain, depth):
        if depth > self.limits.depth:
            raise DomainError(_too_deep(self.limits))
        if not isinstance(domain, list) and not (
            depth > 1 and isinstance(domain, tuple)
        ):
            raise DomainError(
                "a domain must be a list of conditions, such as "
                "[('name', 'ilike', 'Smith')]"
            )
        result = []
        for item in domain:
            if isinstance(item, str):
                if item not in DOMAIN_OPERATORS:
                    raise DomainError(
                        f"{item!r} is not a domain operator (use '&', '|' or '!')"
                    )
                self.count_value(item)
                result.append(item)
            elif isinstance(item, list | tuple):
                result.append(self.leaf(item, depth + 1))
            else:
                raise DomainError(
                    f"{item!r} is not a condition: write (field, operator, value)"
                )
        return result

    def leaf(self, leaf, depth):
        if depth > self.limits.depth:
            raise DomainError(_too_deep(self.limits))
        self.leaves += 1
        if self.leaves > self.limits.leaves:
            raise DomainError(
                f"the domain has more than {self.limits.leaves} conditions"
            )
        if len(leaf) != 3:
            raise DomainError(
                f"{_short(leaf)} is not a condition: write (field, operator, value)"
            )
        path, operator, value = leaf
        if path in (0, 1) and operator == "=" and value == 1:
            return (path, operator, value)  # Odoo's TRUE_LEAF / FALSE_LEAF
        if not isinstance(path, str) or not path:
            raise DomainError(f"{_short(path)} is not a field name")
        if not isinstance(operator, str) or operator.lower() not in TERM_OPERATORS:
            raise DomainError(f"{_short(operator)} is not a condition operator")
        self.count_value(path)
        operator = operator.lower()
        if operator in DOMAIN_VALUE_OPERATORS and isinstance(value, list | tuple):
            return (path, operator, self.domain(value, depth + 1))
        if isinstance(value, list | tuple):
            if depth + 1 > self.limits.depth:
                raise DomainError(_too_deep(self.limits))
            items = []
            for item in value:
                if not isinstance(item, SCALARS):
                    raise DomainError(
                        f"the values of {path!r} must be plain values, not "
                        f"{_short(item)}"
                    )
                self.count_value(item)
                items.append(item)
            return (path, operator, items)
        if not isinstance(value, SCALARS):
            raise DomainError(f"{_short(value)} is not a value")
        self.count_value(value)
        return (path, operator, value)


def _short(value, size=60):
    text = repr(value)
    return text if len(text) <= size else text[: size - 3] + "..."


class _Reader:
    """Turns the parsed text into Python data, placeholders replaced."""

    def __init__(self, text, values, limits):
        self.text = text
        self.values = values
        self.limits = limits
        self.count = 0

    def refuse(self, node, what):
        source = ast.get_source_segment(self.text, node) or ast.dump(node)[:60]
        if len(source) > 60:
            source = source[:57] + "..."
        raise DomainError(
            f"{what} are not allowed in a domain: {source} (only fields, "
            "operators, plain values and the placeholders uid, company_id, "
            "company_ids and context_today() may be used)"
        )

    def value(self, node, depth):
        if depth > self.limits.depth:
            raise DomainError(_too_deep(self.limits))
        self.count += 1
        if self.count > self.limits.values + self.limits.leaves * 4:
            raise DomainError(f"the domain has more than {self.limits.values:,} values")
        if isinstance(node, ast.Constant):
            if isinstance(node.value, SCALARS):
                return node.value
            return self.refuse(node, "values of this kind")
        if isinstance(node, ast.List | ast.Tuple):
            items = [self.value(item, depth + 1) for item in node.elts]
            return items if isinstance(node, ast.List) else tuple(items)
        if (
            isinstance(node, ast.UnaryOp)
            and isinstance(node.op, ast.USub | ast.UAdd)
            and isinstance(node.operand, ast.Constant)
            and type(node.operand.value) in (int, float)
        ):
            value = node.operand.value
            return -value if isinstance(node.op, ast.USub) else value
        placeholder = self.placeholder(node)
        if placeholder is not _NO_MATCH:
            return placeholder
        if isinstance(node, ast.Name):
            return self.refuse(node, "names")
        if isinstance(node, ast.Call):
            return self.refuse(node, "calls")
        if isinstance(node, ast.Attribute):
            return self.refuse(node, "attributes")
        if isinstance(node, ast.Set | ast.Dict):
            return self.refuse(node, "sets and dictionaries")
        return self.refuse(node, "expressions")

    # -- placeholders ---------------------------------------------------

    def placeholder(self, node):
        values = self.values
        dotted = _dotted(node)
        if dotted in ("uid", "user.id"):
            return values.uid
        if dotted == "company_id":
            return values.company_id
        if dotted == "company_ids":
            return list(values.company_ids)
        date = self.date(node)
        if date is not None:
            return date
        if not isinstance(node, ast.Call):
            return _NO_MATCH
        if _dotted(node.func) == "time.strftime":
            return self.strftime(node, self.values.today)
        if isinstance(node.func, ast.Attribute) and node.func.attr == "strftime":
            value = self.moment(node.func.value)
            if value is None:
                return _NO_MATCH
            return self.strftime(node, value)
        value = self.moment(node)
        return _NO_MATCH if value is None else value

    def moment(self, node):
        """A date or datetime placeholder that .strftime() may format:
        a date, ``datetime.datetime.combine(...)`` or its ``.to_utc()``."""
        date = self.date(node)
        if date is not None:
            return date
        if not isinstance(node, ast.Call):
            return None
        if _dotted(node.func) == "datetime.datetime.combine":
            return self.combine(node)
        if (
            isinstance(node.func, ast.Attribute)
            and node.func.attr == "to_utc"
            and not node.args
            and not node.keywords
            and isinstance(node.func.value, ast.Call)
            and _dotted(node.func.value.func) == "datetime.datetime.combine"
        ):
            return self.to_utc(self.combine(node.func.value))
        return None

    def strftime(self, node, value):
        date_format = self.format_arg(node)
        try:
            return value.strftime(date_format)
        except ValueError:
            return self.refuse(node, "these date formats")

    def format_arg(self, node):
        if (
            len(node.args) != 1
            or node.keywords
            or not isinstance(node.args[0], ast.Constant)
            or not isinstance(node.args[0].value, str)
            or len(node.args[0].value) > MAX_FORMAT
        ):
            self.refuse(node, "formats other than one short text")
        return node.args[0].value

    def date(self, node):
        """``context_today()`` [± relativedelta(...)] as a date, or None."""
        if _is_call(node, "context_today"):
            return self.values.today
        if (
            isinstance(node, ast.BinOp)
            and isinstance(node.op, ast.Add | ast.Sub)
            and _is_call(node.left, "context_today")
            and _is_call(node.right, "relativedelta", with_args=True)
        ):
            delta = self.delta(node.right)
            try:
                if isinstance(node.op, ast.Add):
                    return self.values.today + delta
                return self.values.today - delta
            except (OverflowError, ValueError):
                self.refuse(node, "dates this far away")
        return None

    def delta(self, node):
        if node.args or not node.keywords:
            self.refuse(node, "relativedelta() without named whole numbers")
        kwargs = {}
        for keyword in node.keywords:
            value = keyword.value
            sign = 1
            if isinstance(value, ast.UnaryOp) and isinstance(
                value.op, ast.USub | ast.UAdd
            ):
                sign = -1 if isinstance(value.op, ast.USub) else 1
                value = value.operand
            if (
                keyword.arg not in DELTA_UNITS
                or not isinstance(value, ast.Constant)
                or type(value.value) is not int
                or abs(value.value) > MAX_DELTA
            ):
                self.refuse(
                    node,
                    "relativedelta() arguments other than years, months, weeks "
                    f"or days up to {MAX_DELTA}",
                )
            kwargs[keyword.arg] = sign * value.value
        return relativedelta(**kwargs)

    def combine(self, node):
        if len(node.args) != 2 or node.keywords:
            self.refuse(node, "this use of datetime.datetime.combine()")
        date = self.date(node.args[0])
        moment = node.args[1]
        if (
            date is None
            or not _is_call(moment, "datetime.time", with_args=True)
            or moment.keywords
            or len(moment.args) > 3
            or not all(
                isinstance(a, ast.Constant) and type(a.value) is int
                for a in moment.args
            )
        ):
            self.refuse(node, "this use of datetime.datetime.combine()")
        try:
            return datetime.datetime.combine(
                date, datetime.time(*(a.value for a in moment.args))
            )
        except ValueError:
            return self.refuse(node, "times out of range")

    def to_utc(self, value):
        try:
            zone = ZoneInfo(self.values.tz or "UTC")
        except (ZoneInfoNotFoundError, ValueError):
            zone = datetime.UTC
        local = value.replace(tzinfo=zone)
        return local.astimezone(datetime.UTC).replace(tzinfo=None)


_NO_MATCH = object()


def _dotted(node):
    """'a.b.c' for a chain of names and attributes, else None."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    parts.append(node.id)
    return ".".join(reversed(parts))


def _is_call(node, name, with_args=False):
    return (
        isinstance(node, ast.Call)
        and _dotted(node.func) == name
        and (with_args or (not node.args and not node.keywords))
    )
