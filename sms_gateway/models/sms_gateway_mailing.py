# Copyright 2026 sms_gateway authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""One send: its text, options and recipients, and how it went.

Queueing works on any number of recipients without loading them: the
recipients are a SQL query of partners; who is excluded and why is decided
in SQL; texts without placeholders are inserted with one INSERT ... SELECT,
texts with placeholders are rendered in batches and inserted in bulk.
Everything happens in the caller's transaction: a send that is refused
(a text too long for one recipient, a placeholder that fails) queues nothing.
"""

import logging
from datetime import datetime, time, timedelta

import psycopg2.errors
import pytz
from markupsafe import escape
from psycopg2.extras import execute_values

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL
from odoo.tools.rendering_tools import parse_inline_template

from ..tools import sms_text
from ..tools.placeholder import (
    PlaceholderError,
    compile_expression,
    evaluate,
    field_chains,
    is_field_path,
)
from .res_partner_recipient import BULK, SINGLE
from .sms_gateway_group import field_refusal
from .sms_gateway_message import body_hash

_logger = logging.getLogger(__name__)

MAILING_STATES = [
    ("draft", "Draft"),
    ("scheduled", "Scheduled"),
    ("sending", "Sending"),
    ("done", "Done"),
    ("canceled", "Canceled"),
]
TRANSLITERATE = [
    ("none", "No"),
    ("gsm", "Keep GSM-7 characters"),
    ("ascii", "Plain ASCII"),
]
# What a mailing is made of: its messages were written from these when it was
# queued, so they cannot change afterwards (only its name can).
LOCKED_WHEN_QUEUED = (
    "body",
    "sender",
    "transliterate",
    "group_ids",
    "company_id",
    "user_id",
    "scheduled_at",
    "allow_duplicates",
    "email_fallback",
    "message_ids",
)
RENDER_BATCH = 2000
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
    _name = "sms.gateway.mailing"
    _description = "SMS Mailing"
    _order = "id desc"
    _check_company_auto = True

    name = fields.Char(required=True)
    user_id = fields.Many2one(
        "res.users",
        string="Author",
        required=True,
        index=True,
        default=lambda self: self.env.user,
        readonly=True,
    )
    company_id = fields.Many2one(
        "res.company",
        required=True,
        index=True,
        default=lambda self: self.env.company,
        readonly=True,
    )
    body = fields.Text(
        required=True, readonly=True, groups="sms_gateway.group_sms_gateway_user"
    )
    transliterate = fields.Selection(TRANSLITERATE, default="none", readonly=True)
    sender = fields.Char(readonly=True)
    scheduled_at = fields.Datetime(readonly=True, index=True)
    state = fields.Selection(
        MAILING_STATES,
        default="draft",
        required=True,
        readonly=True,
        copy=False,
        index=True,
    )
    group_ids = fields.Many2many(
        "sms.gateway.group", string="Groups", readonly=True, check_company=True
    )
    message_ids = fields.One2many(
        "sms.gateway.message", "mailing_id", string="Messages", readonly=True
    )
    allow_duplicates = fields.Boolean(
        string="Allow the same text twice within 24 hours", readonly=True
    )
    email_fallback = fields.Boolean(readonly=True)
    send_summary = fields.Char(
        readonly=True, help="What happened to the recipients when it was queued."
    )
    # Counts, read with one grouped query.
    count_total = fields.Integer(string="Recipients", compute="_compute_counts")
    count_queued = fields.Integer(string="Queued", compute="_compute_counts")
    count_sending = fields.Integer(string="Sending", compute="_compute_counts")
    count_sent = fields.Integer(string="Sent", compute="_compute_counts")
    count_delivered = fields.Integer(string="Delivered", compute="_compute_counts")
    count_undelivered = fields.Integer(string="Undelivered", compute="_compute_counts")
    count_failed = fields.Integer(string="Failed", compute="_compute_counts")
    count_canceled = fields.Integer(string="Not Sent", compute="_compute_counts")
    count_email = fields.Integer(string="By E-mail", compute="_compute_counts")
    count_review = fields.Integer(string="To Review", compute="_compute_counts")
    parts_total = fields.Integer(string="Parts", compute="_compute_counts")
    cost_total = fields.Float(string="Cost", compute="_compute_counts", digits=(16, 2))
    currency_id = fields.Many2one(related="company_id.sms_gateway_currency_id")

    @api.depends("message_ids.state")
    def _compute_counts(self):
        counts = {mailing.id: {} for mailing in self}
        if self.ids:
            self.env["sms.gateway.message"].flush_model()
            self.env.cr.execute(
                SQL(
                    """
                    SELECT mailing_id, state, channel, needs_review,
                           count(*), COALESCE(sum(parts), 0), COALESCE(sum(cost), 0)
                      FROM sms_gateway_message
                     WHERE mailing_id IN %s
                     GROUP BY mailing_id, state, channel, needs_review
                    """,
                    tuple(self.ids),
                )
            )
            for (
                mailing_id,
                state,
                channel,
                review,
                count,
                parts,
                cost,
            ) in self.env.cr.fetchall():
                values = counts[mailing_id]
                values["count_total"] = values.get("count_total", 0) + count
                key = f"count_{state}"
                values[key] = values.get(key, 0) + count
                if channel == "email" and state != "canceled":
                    values["count_email"] = values.get("count_email", 0) + count
                if review:
                    values["count_review"] = values.get("count_review", 0) + count
                if state not in ("canceled", "failed") and channel == "sms":
                    values["parts_total"] = values.get("parts_total", 0) + parts
                    values["cost_total"] = values.get("cost_total", 0) + cost
        for mailing in self:
            values = counts.get(mailing.id, {})
            for fname in (
                "count_total",
                "count_queued",
                "count_sending",
                "count_sent",
                "count_delivered",
                "count_undelivered",
                "count_failed",
                "count_canceled",
                "count_email",
                "count_review",
                "parts_total",
                "cost_total",
            ):
                mailing[fname] = values.get(fname, 0)

    # ------------------------------------------------------------------
    # State
    # ------------------------------------------------------------------

    def _sms_update_state(self):
        """Mailings whose time came are sending; those with nothing left, done."""
        if not self.ids:
            return
        Message = self.env["sms.gateway.message"]
        Message.flush_model()
        self.flush_recordset(["state"])
        self._sms_update_mailings(set(self.ids))
        self.invalidate_recordset(["state"])

    @api.model
    def _sms_update_mailings(self, mailing_ids):
        """Scheduled mailings whose time came are sending; mailings none of
        whose messages waits any more are done.

        A mailing row is written only when its state changes, so that two
        workers sending the same mailing do not fight over it; when another
        worker just wrote it, this one leaves it (the next run catches up).
        """
        if not mailing_ids:
            return
        waiting = SQL(
            """EXISTS (SELECT 1 FROM sms_gateway_message m
                        WHERE m.mailing_id = g.id
                          AND m.state IN ('queued', 'sending')
                          AND m.needs_review IS NOT TRUE)"""
        )
        now = fields.Datetime.now()
        try:
            with self.env.cr.savepoint(flush=False):
                self.env.cr.execute(
                    SQL(
                        """
                        UPDATE sms_gateway_mailing g
                           SET state = CASE WHEN %(waiting)s THEN 'sending'
                                            ELSE 'done' END,
                               write_date = %(now)s
                         WHERE g.id IN %(ids)s
                           AND (g.state = 'sending' AND NOT %(waiting)s
                                OR g.state = 'scheduled' AND g.scheduled_at <= %(now)s)
                        """,
                        waiting=waiting,
                        now=now,
                        ids=tuple(mailing_ids),
                    )
                )
        except psycopg2.errors.SerializationFailure:
            _logger.info(
                "SMS mailings %s are being updated by another worker", mailing_ids
            )

    @api.constrains("sender", "company_id")
    def _check_sender(self):
        """The rules for a sender of the providers of the company's active SMS
        accounts, wherever a mailing gets one."""
        for mailing in self:
            if mailing.sender:
                mailing.company_id._sms_gateway_check_sender(mailing.sender)

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            self.env["sms.gateway.group"]._sms_check_send_commands(
                vals.get("group_ids")
            )
        return super().create(vals_list)

    def write(self, vals):
        if not self.env.su:
            # Who may not write at all learns nothing about the mailing.
            self.check_access("write")
            self.env["sms.gateway.group"]._sms_check_send_commands(
                vals.get("group_ids")
            )
            if "state" in vals:
                raise UserError(
                    self.env._(
                        "The status of a mailing follows its SMS: use Cancel "
                        "Sending or Resend Failed."
                    )
                )
            locked = [name for name in LOCKED_WHEN_QUEUED if name in vals]
            queued = self.filtered(lambda m: m.state != "draft")
            if locked and queued:
                raise UserError(
                    self.env._(
                        "The mailing %(name)s is already queued: its %(fields)s "
                        "can no longer change. Cancel it and send a new one.",
                        name=queued[0].name,
                        fields=", ".join(
                            self._fields[name]._description_string(self.env)
                            for name in locked
                        ),
                    )
                )
        return super().write(vals)

    def action_cancel(self):
        """Cancel what has not gone yet."""
        self.check_access("write")
        for mailing in self:
            if mailing.state not in ("draft", "scheduled", "sending"):
                raise UserError(
                    self.env._(
                        "The mailing %(name)s is %(state)s: nothing left to cancel.",
                        name=mailing.name,
                        state=dict(MAILING_STATES)[mailing.state].lower(),
                    )
                )
        queued = self.env["sms.gateway.message"].search(
            [("mailing_id", "in", self.ids), ("state", "=", "queued")]
        )
        if queued:
            queued.action_cancel()
        self.sudo().write({"state": "canceled"})

    def action_view_messages(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "sms_gateway.sms_gateway_message_action"
        )
        action["domain"] = [("mailing_id", "=", self.id)]
        action["context"] = {"search_default_group_state": 1}
        return action

    def action_resend_failed(self):
        self.check_access("write")
        failed = self.env["sms.gateway.message"].search(
            [
                ("mailing_id", "in", self.ids),
                "|",
                ("state", "=", "failed"),
                ("needs_review", "=", True),
            ]
        )
        if not failed:
            raise UserError(self.env._("No failed SMS to resend."))
        return failed.action_resend()

    # ------------------------------------------------------------------
    # Chatter
    # ------------------------------------------------------------------

    @api.model
    def _sms_log_notes(self, mailing_id):
        """One note per partner in the partners' chatter for this mailing.

        Written when the mailing is queued, with one INSERT ... SELECT (what
        ``_message_log_batch`` writes, without building 100,000 records). The
        note tells that an SMS (or e-mail) was queued, by whom and in which
        mailing (a link to it); never the text: whoever reads the partner
        reads the note, and texts are for the sender and the SMS managers
        only (the mailing's record rules decide who follows the link).
        """

        def escape_sql(expression):
            return SQL(
                "replace(replace(replace(%s, '&', '&amp;'), '<', '&lt;'), '>', '&gt;')",
                expression,
            )

        def template(text):
            # The translated sentence, escaped, with its two placeholders
            # filled in SQL.
            return SQL(
                "replace(replace(%s, %s, %s), %s, %s)",
                "<p>" + str(escape(text)) + "</p>",
                "%(user)s",
                escape_sql(SQL("COALESCE(up.name, '')")),
                "%(mailing)s",
                SQL(
                    '\'<a href="#" data-oe-model="sms.gateway.mailing" '
                    "data-oe-id=\"' || g.id || '\">' || %s || '</a>'",
                    escape_sql(SQL("g.name")),
                ),
            )

        now = fields.Datetime.now()
        self.env.cr.execute(
            SQL(
                """
                INSERT INTO mail_message
                    (model, res_id, body, message_type, subtype_id, author_id,
                     date, message_id, is_internal,
                     create_uid, create_date, write_uid, write_date)
                SELECT 'res.partner', m.partner_id,
                       CASE WHEN m.channel = 'email' THEN %(email)s ELSE %(sms)s END,
                       'notification', %(subtype)s, u.partner_id,
                       %(now)s, '<sms-gateway.' || m.id || '@' || %(db)s || '>', TRUE,
                       %(uid)s, %(now)s, %(uid)s, %(now)s
                  FROM sms_gateway_message m
                  JOIN sms_gateway_mailing g ON g.id = m.mailing_id
                  LEFT JOIN res_users u ON u.id = m.user_id
                  LEFT JOIN res_partner up ON up.id = u.partner_id
                 WHERE m.mailing_id = %(mailing_id)s AND m.state = 'queued'
                   AND m.partner_id IS NOT NULL
                """,
                email=template(
                    self.env._("E-mail queued by %(user)s in the mailing %(mailing)s.")
                ),
                sms=template(
                    self.env._("SMS queued by %(user)s in the mailing %(mailing)s.")
                ),
                subtype=self.env["ir.model.data"]._xmlid_to_res_id("mail.mt_note"),
                now=now,
                db=self.env.cr.dbname,
                uid=self.env.uid,
                mailing_id=mailing_id,
            )
        )
        self.env["res.partner"].invalidate_model(["message_ids"])

    # ------------------------------------------------------------------
    # Caps
    # ------------------------------------------------------------------

    @api.model
    def _sms_month_bounds(self, company, at):
        """[start, end) in UTC of the calendar month of ``at`` (UTC), in the
        company's time zone (its contact's; UTC when it has none).

        The monthly cap is the company's: one clock decides for all its
        senders, whatever their own time zones, as the provider's invoice
        does for the company.
        """
        tz = pytz.timezone(company.sudo().partner_id.tz or "UTC")
        local = pytz.utc.localize(at).astimezone(tz)
        first = local.date().replace(day=1)
        following = (first + timedelta(days=32)).replace(day=1)

        def utc(day):
            start = tz.localize(datetime.combine(day, time.min))
            return start.astimezone(pytz.utc).replace(tzinfo=None)

        return utc(first), utc(following)

    @api.model
    def _sms_check_caps(self, company, user, count, exclude_mailing=None, at=None):
        """UserError when ``count`` more SMS of ``user``, due at ``at`` (now by
        default), would go over the company's monthly cap or the user's cap.

        SMS count in the month (or the user's window) they are due in; the
        canceled and failed ones do not count, a resent one counts again.
        """
        Message = self.env["sms.gateway.message"].sudo()
        at = at or fields.Datetime.now()
        counted = [("channel", "=", "sms"), ("state", "not in", ("canceled", "failed"))]
        if exclude_mailing:
            counted.append(("mailing_id", "!=", exclude_mailing.id))
        if company.sms_gateway_monthly_cap:
            start, end = self._sms_month_bounds(company, at)
            used = Message.search_count(
                [
                    *counted,
                    ("company_id", "=", company.id),
                    ("scheduled_at", ">=", start),
                    ("scheduled_at", "<", end),
                ]
            )
            left = company.sms_gateway_monthly_cap - used
            if count > left:
                raise UserError(
                    self.env._(
                        "This send has %(count)s SMS but %(company)s's monthly cap "
                        "of %(cap)s leaves %(left)s.",
                        count=count,
                        left=max(left, 0),
                        company=company.name,
                        cap=company.sms_gateway_monthly_cap,
                    )
                )
        if company.sms_gateway_user_cap:
            days = company.sms_gateway_user_cap_days or 30
            used = Message.search_count(
                [
                    *counted,
                    ("user_id", "=", user.id),
                    ("scheduled_at", ">", at - timedelta(days=days)),
                ]
            )
            left = company.sms_gateway_user_cap - used
            if count > left:
                values = {
                    "count": count,
                    "left": max(left, 0),
                    "cap": company.sms_gateway_user_cap,
                    "days": days,
                    "user": user.name,
                }
                if user == self.env.user:
                    message = self.env._(
                        "This send has %(count)s SMS but you have %(left)s left of "
                        "your cap of %(cap)s SMS per %(days)s days.",
                        **values,
                    )
                else:
                    message = self.env._(
                        "This send has %(count)s SMS but %(user)s has %(left)s left "
                        "of their cap of %(cap)s SMS per %(days)s days.",
                        **values,
                    )
                raise UserError(message)

    # ------------------------------------------------------------------
    # Queueing
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
        if self.transliterate == "gsm":
            return sms_text.transliterate(text, keep_gsm=True)
        if self.transliterate == "ascii":
            return sms_text.transliterate(text, keep_gsm=False)
        return text

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

    def _sms_queue(self, partner_query, bulk=True, group_ids=None):
        """Create the mailing's messages for the partners of ``partner_query``.

        Returns {reason or 'queued' / 'email': count}. Raises UserError, with
        nothing queued, when a text needs more parts than allowed or cannot be
        rendered for a recipient.
        """
        self.ensure_one()
        self._sms_check_placeholders()
        self.env.flush_all()
        self.env["res.partner"]._sms_flush_recipients()
        cr = self.env.cr
        cr.execute(
            "DROP TABLE IF EXISTS sms_gateway_recipients; "
            "CREATE TEMP TABLE sms_gateway_recipients "
            "(partner_id int, number varchar, email varchar, channel varchar, "
            "reason varchar) ON COMMIT DROP"
        )
        cr.execute(
            SQL(
                "INSERT INTO sms_gateway_recipients %s",
                self.env["res.partner"]._sms_recipient_sql(
                    partner_query,
                    kind=BULK if bulk else SINGLE,
                    email_fallback=self.email_fallback,
                ),
            )
        )
        cr.execute("CREATE INDEX ON sms_gateway_recipients (partner_id)")
        cr.execute("ANALYZE sms_gateway_recipients")
        group_sql = self._sms_group_sql(group_ids)
        instructions, render = self._sms_renderer()
        if instructions is None:
            self._sms_insert_constant(group_sql)
        else:
            self._sms_insert_rendered(render, group_sql)
        self._sms_insert_skipped(group_sql)
        if not self.allow_duplicates:
            self._sms_skip_recent()
        self._sms_log_notes(self.id)
        # The rows were written in SQL: forget what the cache believes.
        self.env["sms.gateway.message"].invalidate_model()
        self.invalidate_recordset(["message_ids"])
        cr.execute(
            SQL(
                """
                SELECT CASE WHEN state = 'canceled' THEN skip_reason
                            WHEN channel = 'email' THEN 'email' ELSE 'queued' END,
                       count(*)
                  FROM sms_gateway_message WHERE mailing_id = %s GROUP BY 1
                """,
                self.id,
            )
        )
        return dict(cr.fetchall())

    def _sms_group_sql(self, group_ids):
        """SQL giving the group a recipient came from (the first static one)."""
        if not group_ids:
            return SQL("NULL::int")
        return SQL(
            """COALESCE((SELECT min(gm.group_id) FROM sms_gateway_group_member gm
                          WHERE gm.partner_id = r.partner_id AND gm.group_id IN %s),
                        %s)""",
            tuple(group_ids),
            min(group_ids),
        )

    def _sms_message_columns(self):
        """Values shared by every message of the mailing, as SQL."""
        now = fields.Datetime.now()
        return {
            "mailing": self.id,
            "user": self.user_id.id,
            "company": self.company_id.id,
            "currency": self.company_id.sms_gateway_currency_id.id or None,
            "scheduled": self.scheduled_at or now,
            "now": now,
            "uid": self.env.uid,
        }

    def _sms_insert_constant(self, group_sql):
        """The same text for everyone: one INSERT ... SELECT."""
        text = self._sms_finish_text(self.body or "")
        info = self._sms_check_length(text, None)
        self.env.cr.execute(
            SQL(
                """
                INSERT INTO sms_gateway_message
                    (uid, mailing_id, group_id, partner_id, number, email, channel,
                     body, body_hash, encoding, chars, parts, state, scheduled_at,
                     attempt_count, user_id, company_id, currency_id, cost,
                     create_uid, create_date, write_uid, write_date)
                SELECT md5(random()::text || clock_timestamp()::text || r.partner_id),
                       %(mailing)s, %(group)s, r.partner_id,
                       CASE WHEN r.channel = 'sms' THEN r.number END, r.email,
                       r.channel, %(body)s, %(hash)s, %(encoding)s, %(chars)s,
                       CASE WHEN r.channel = 'sms' THEN %(parts)s ELSE 0 END,
                       'queued', %(scheduled)s, 0, %(user)s, %(company)s,
                       %(currency)s,
                       CASE WHEN r.channel = 'sms' THEN %(cost)s ELSE 0 END,
                       %(uid)s, %(now)s, %(uid)s, %(now)s
                  FROM sms_gateway_recipients r
                 WHERE r.reason IS NULL
                """,
                group=group_sql,
                body=text,
                hash=body_hash(text),
                encoding=info.encoding,
                chars=info.chars,
                parts=info.parts,
                cost=info.parts * self.company_id.sms_gateway_price_per_part,
                **self._sms_message_columns(),
            )
        )

    def _sms_insert_rendered(self, render, group_sql):
        """Placeholders: render in batches, insert in bulk."""
        cr = self.env.cr
        Partner = self.env["res.partner"]
        price = self.company_id.sms_gateway_price_per_part
        columns = self._sms_message_columns()
        last = 0
        while True:
            cr.execute(
                SQL(
                    """
                    SELECT r.partner_id, r.number, r.email, r.channel, %s
                      FROM sms_gateway_recipients r
                     WHERE r.reason IS NULL AND r.partner_id > %s
                     ORDER BY r.partner_id
                     LIMIT %s
                    """,
                    group_sql,
                    last,
                    RENDER_BATCH,
                )
            )
            chunk = cr.fetchall()
            if not chunk:
                break
            last = chunk[-1][0]
            partners = Partner.browse([row[0] for row in chunk])
            values = []
            for (partner_id, number, email, channel, group_id), partner in zip(
                chunk, partners, strict=True
            ):
                text = self._sms_render(render, partner)
                sms = channel == "sms"
                info = self._sms_check_length(text, partner) if sms else None
                values.append(
                    (
                        columns["mailing"],
                        group_id,
                        partner_id,
                        number if sms else None,
                        email,
                        "sms" if sms else "email",
                        text,
                        body_hash(text),
                        info.encoding if sms else None,
                        len(text),
                        info.parts if sms else 0,
                        columns["scheduled"],
                        columns["user"],
                        columns["company"],
                        columns["currency"],
                        info.parts * price if sms else 0,
                        columns["uid"],
                        columns["now"],
                    )
                )
            execute_values(
                cr._obj,
                """
                INSERT INTO sms_gateway_message
                    (uid, mailing_id, group_id, partner_id, number, email, channel,
                     body, body_hash, encoding, chars, parts, state, scheduled_at,
                     attempt_count, user_id, company_id, currency_id, cost,
                     create_uid, create_date, write_uid, write_date)
                SELECT md5(random()::text || clock_timestamp()::text || v.p),
                       v.m, v.g, v.p, v.n, v.e, v.c, v.b, v.h, v.enc, v.ch, v.pa,
                       'queued', v.s, 0, v.u, v.co, v.cu, v.cost,
                       v.cr, v.t, v.cr, v.t
                  FROM (VALUES %s) AS v(m, g, p, n, e, c, b, h, enc, ch, pa, s, u,
                                       co, cu, cost, cr, t)
                """,
                values,
                template="(%s, %s::int, %s, %s, %s, %s, %s, %s, %s, %s, %s, "
                "%s, %s, %s, %s::int, %s::float, %s, %s)",
                page_size=1000,
            )
            partners.invalidate_recordset()

    def _sms_insert_skipped(self, group_sql):
        """Record every excluded recipient with the reason (state canceled)."""
        self.env.cr.execute(
            SQL(
                """
                INSERT INTO sms_gateway_message
                    (uid, mailing_id, group_id, partner_id, number, email, channel,
                     state, skip_reason, failure_reason, parts, cost, scheduled_at,
                     attempt_count, user_id, company_id, create_uid, create_date,
                     write_uid, write_date)
                SELECT md5(random()::text || clock_timestamp()::text || r.partner_id),
                       %(mailing)s, %(group)s, r.partner_id, r.number, r.email, 'sms',
                       'canceled', r.reason, %(label)s, 0, 0, %(scheduled)s, 0,
                       %(user)s, %(company)s, %(uid)s, %(now)s, %(uid)s, %(now)s
                  FROM sms_gateway_recipients r
                 WHERE r.reason IS NOT NULL
                """,
                group=group_sql,
                label=self.env._("Not sent: excluded"),
                **{
                    k: v
                    for k, v in self._sms_message_columns().items()
                    if k != "currency"
                },
            )
        )

    def _sms_sent_recently_sql(self, number, digest):
        """SQL: the text of hash ``digest`` went to ``number`` (SQL) within
        24 hours, by another mailing (the 24-hour guard)."""
        return SQL(
            """
            EXISTS (SELECT 1 FROM sms_gateway_message o
                     WHERE o.number = %(number)s AND o.body_hash = %(digest)s
                       AND o.create_date > %(since)s
                       AND o.mailing_id IS DISTINCT FROM %(mailing)s
                       AND o.state NOT IN ('canceled', 'failed'))
            """,
            number=number,
            digest=digest,
            since=fields.Datetime.now() - timedelta(hours=24),
            mailing=self.id or None,
        )

    def _sms_skip_recent(self):
        """Skip the same text to the same number within 24 hours."""
        self.env.cr.execute(
            SQL(
                """
                UPDATE sms_gateway_message m
                   SET state = 'canceled', skip_reason = 'recent', failure_reason = %s
                 WHERE m.mailing_id = %s AND m.state = 'queued' AND m.channel = 'sms'
                   AND %s
                """,
                self.env._("The same text went to this number within 24 hours"),
                self.id,
                self._sms_sent_recently_sql(SQL("m.number"), SQL("m.body_hash")),
            )
        )

    def _sms_check_limits(self, partner_query, bulk, counts):
        """UserError, before anything is queued, when the send breaks a limit:
        the parts limit (a text without placeholders; with placeholders, each
        text is checked as it is written), the 24-hour guard leaving nothing
        to send, the company's monthly cap or the user's cap.

        ``counts``: the preview's counts of the recipient rule ({'sms':,
        'email':, reason: count}); SMS the 24-hour guard will skip do not
        count against the caps (known before queueing for one text only).
        """
        self.ensure_one()
        sms, email = counts.get("sms", 0), counts.get("email", 0)
        compiled = self._sms_compiled_placeholders()
        if not any(expression for _l, expression, _t, _d in compiled):
            text = self._sms_finish_text(self.body or "")
            self._sms_check_length(text, None)
            if sms and not self.allow_duplicates:
                sms -= self._sms_count_recent(partner_query, bulk, body_hash(text))
                if not sms and not email:
                    raise UserError(self._sms_nothing_to_send_message())
        self._sms_check_caps(
            self.company_id,
            self.user_id,
            sms,
            exclude_mailing=self,
            at=self.scheduled_at,
        )

    def _sms_count_recent(self, partner_query, bulk, digest):
        """How many SMS recipients got the text of hash ``digest`` within 24 h."""
        Partner = self.env["res.partner"]
        Partner._sms_flush_recipients()
        return self.env.execute_query(
            SQL(
                """
                SELECT count(*) FROM (%s) r
                 WHERE r.reason IS NULL AND r.channel = 'sms' AND %s
                """,
                Partner._sms_recipient_sql(
                    partner_query, kind=BULK if bulk else SINGLE
                ),
                self._sms_sent_recently_sql(SQL("r.number"), digest),
            )
        )[0][0]

    def _sms_nothing_to_send_message(self):
        return self.env._(
            "Nothing to send: every recipient got the same text within the "
            'last 24 hours. Tick "Send again within 24 hours" to send anyway.'
        )

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
