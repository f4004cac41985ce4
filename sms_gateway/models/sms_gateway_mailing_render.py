# Copyright 2026 sms_gateway authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The text of a mailing as each recipient gets it.

Placeholders (``{{ object.name }}``) are checked before anything is queued
and rendered with the sender's rights, never as superuser: every field they
read goes through ``field_refusal`` and the record rules (``_FieldGuard``).
The text is transliterated when asked and must fit the company's parts
limit.
"""

from odoo import models
from odoo.exceptions import UserError
from odoo.tools.rendering_tools import parse_inline_template

from ..tools import sms_text
from ..tools.placeholder import (
    PlaceholderError,
    compile_expression,
    evaluate,
    field_chains,
    is_field_path,
)
from .sms_gateway_group import field_refusal
from .sms_gateway_mailing import text_finisher

# What a placeholder may start from: the recipient, the sender, the company.
PLACEHOLDER_ROOTS = {
    "object": "res.partner",
    "user": "res.users",
    "company": "res.company",
}
TEMPLATE_EDITOR = "mail.group_mail_template_editor"


class _FieldGuard:
    """Every field a placeholder reads goes through here, in the sender's
    environment: the field must be one the sender may use (``field_refusal``:
    field groups, never credentials) and the records ones the sender may read
    (record rules, checked once per batch of prefetched records). Values in
    the cache, even read there as superuser, are never reached otherwise."""

    def __init__(self, env):
        self.env = env
        self.refusals = {}
        self.readable = {}

    def check_field(self, records, name):
        key = (records._name, name)
        if key not in self.refusals:
            field = records._fields.get(name)
            if field is None:
                self.refusals[key] = self.env._(
                    "%(model)s has no field %(name)s",
                    model=records._description,
                    name=name,
                )
            else:
                self.refusals[key] = field_refusal(self.env, field)
        if self.refusals[key]:
            raise PlaceholderError(self.refusals[key])

    def check_records(self, records):
        readable = self.readable.setdefault(records._name, set())
        missing = [rid for rid in records._ids if rid and rid not in readable]
        if not missing:
            return
        batch = records.browse(set(records._prefetch_ids) | set(missing))
        readable.update(batch._filtered_access("read")._ids)
        if any(rid not in readable for rid in missing):
            raise PlaceholderError(
                self.env._(
                    "you may not read the %(model)s it refers to",
                    model=records._description,
                )
            )

    def get_attr(self, value, name):
        if not isinstance(value, models.BaseModel):
            return NotImplemented
        self.check_field(value, name)
        if not value:
            return value[name]
        self.check_records(value)
        return value[name] if len(value) == 1 else value.mapped(name)

    def display(self, value):
        if isinstance(value, models.BaseModel):
            if not value:
                return ""
            self.check_records(value)
            return ", ".join(value.mapped("display_name"))
        if isinstance(value, list | tuple):
            return ", ".join(str(v) for v in value if v not in (None, False, ""))
        return value


class SmsGatewayMailing(models.Model):
    _inherit = "sms.gateway.mailing"  # pylint: disable=consider-merging-classes-inherited

    # ------------------------------------------------------------------
    # Text
    # ------------------------------------------------------------------

    def _sms_placeholder_env(self):
        """The sender's environment, never superuser: placeholders render
        with the sender's rights."""
        return self.env(user=(self.user_id or self.env.user).id, su=False)

    def _sms_compile_placeholder(self, expression, env, editor):
        """(tree, chains) of a placeholder, after checking it: a field path
        for everyone (tree None), other expressions for template editors;
        every plain field chain is checked against ``field_refusal``."""
        if is_field_path(expression):
            tree, chains = None, [("object", expression.split(".")[1:])]
        elif not editor:
            raise PlaceholderError(
                env._(
                    "only placeholders such as {{ object.name }} are allowed for you; "
                    "other expressions need the template editor right"
                )
            )
        else:
            tree = compile_expression(expression, PLACEHOLDER_ROOTS)
            chains = field_chains(tree)
        for root, names in chains:
            model = env[PLACEHOLDER_ROOTS[root]]
            for name in names:
                field = model._fields.get(name)
                if field is None:
                    if tree is not None:
                        break  # a text method (upper...): checked when run
                    raise PlaceholderError(
                        env._(
                            "%(model)s has no field %(name)s",
                            model=model._description,
                            name=name,
                        )
                    )
                reason = field_refusal(env, field)
                if reason:
                    raise PlaceholderError(reason)
                if not field.relational:
                    break
                model = env[field.comodel_name]
        return tree

    def _sms_check_placeholders(self):
        """Refuse, before anything is queued, a placeholder the sender may not
        use: other than a field path without the template editor right, a
        field they may not read, a credential field by any path."""
        self.ensure_one()
        self._sms_compiled_placeholders()

    def _sms_compiled_placeholders(self):
        """[(literal, expression, tree, default)] of the body; UserError for a
        refused placeholder."""
        env = self._sms_placeholder_env()
        editor = env.user.has_group(TEMPLATE_EDITOR)
        compiled = []
        for literal, expression, default in parse_inline_template(self.body or ""):
            tree = None
            if expression:
                try:
                    tree = self._sms_compile_placeholder(expression, env, editor)
                except PlaceholderError as error:
                    raise UserError(
                        self.env._(
                            "The placeholder {{ %(expression)s }} is not allowed: "
                            "%(reason)s. Nothing was queued.",
                            expression=expression,
                            reason=error.args[0],
                        )
                    ) from None
            compiled.append((literal, expression, tree, default))
        return compiled

    def _sms_renderer(self):
        """A function partner -> text, compiled once for the mailing's body,
        rendering with the sender's rights (see ``_FieldGuard``)."""
        self.ensure_one()
        compiled = self._sms_compiled_placeholders()
        if not any(expression for _l, expression, _t, _d in compiled):
            body = self.body or ""
            return None, lambda _partner: body
        env = self._sms_placeholder_env()
        guard = _FieldGuard(env)
        names = {"user": env.user, "company": self.company_id.with_env(env)}
        get_attr = guard.get_attr

        def evaluate_one(expression, tree, partner):
            if tree is None:
                value = partner
                for name in expression.split(".")[1:]:
                    value = get_attr(value, name)
                return value
            return evaluate(tree, dict(names, object=partner), get_attr)

        def render(partner):
            if partner.env is not env:
                partner = partner.with_env(env)
            out = []
            for literal, expression, tree, default in compiled:
                out.append(literal)
                if expression:
                    value = guard.display(evaluate_one(expression, tree, partner))
                    out.append(
                        str(value) if value not in (None, False, "") else default
                    )
            return "".join(out)

        return compiled, render

    def _sms_finish_text(self, text):
        """The text as it is sent: transliterated when asked."""
        return self._sms_text_finisher()(text)

    def _sms_text_finisher(self):
        """``_sms_finish_text`` as a function of the text alone (the
        mailing's setting read once, for a batch of texts)."""
        return text_finisher(self.transliterate)

    def _sms_render_for(self, partner):
        """The text ``partner`` gets (raises UserError when it cannot render),
        rendered with the sender's rights."""
        self.ensure_one()
        if not isinstance(partner, models.BaseModel):
            partner = self.env["res.partner"].browse(int(partner))
        _instructions, render = self._sms_renderer()
        return self._sms_render(render, partner)

    def _sms_render(self, render, partner):
        try:
            text = render(partner)
        except Exception as error:  # any error of the expression
            raise UserError(
                self.env._(
                    "The text cannot be written for %(partner)s: %(error)s. Nothing "
                    "was queued; correct the placeholder or the recipient.",
                    partner=partner.display_name,
                    error=error,
                )
            ) from error
        return self._sms_finish_text(text)

    def _sms_check_length(self, text, partner):
        """SmsInfo of ``text``; UserError when it exceeds the parts limit."""
        info = sms_text.analyze(text)
        limit = self.company_id.sms_gateway_max_parts
        if not text.strip():
            raise UserError(
                self.env._(
                    "The text is empty%(for)s: write a message.",
                    **{"for": self._sms_for(partner)},
                )
            )
        if info.parts > limit:
            raise UserError(
                self.env._(
                    "The text%(for)s needs %(parts)s SMS parts (%(units)s %(unit)s in "
                    "%(encoding)s) but at most %(limit)s are allowed. "
                    "Shorten it%(hint)s.",
                    **{"for": self._sms_for(partner)},
                    parts=info.parts,
                    units=info.units,
                    unit="septets" if info.encoding == sms_text.GSM7 else "characters",
                    encoding=info.encoding,
                    limit=limit,
                    hint=self.env._(" or transliterate it to GSM-7")
                    if info.encoding == sms_text.UCS2 and self.transliterate == "none"
                    else "",
                )
            )
        return info

    def _sms_for(self, partner):
        if not partner:
            return ""
        return self.env._(" for %(partner)s", partner=partner.display_name)
