# Copyright 2026 sms_gateway authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""One send: its text, options and recipients, and how it went.

The record: its fields and counts, its state, the buttons, and the notes it
leaves in the partners' chatter. Two files extend it: the text each
recipient gets (``sms_gateway_mailing_render.py``) and the queue with the
limits checked before it (``sms_gateway_mailing_queue.py``).
"""

import logging

import psycopg2.errors
from markupsafe import escape

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import SQL, format_datetime

from ..tools import sms_text

_logger = logging.getLogger(__name__)

MAILING_STATES = [
    ("draft", "Draft"),
    ("scheduled", "Scheduled"),
    ("preparing", "Preparing"),
    ("sending", "Sending"),
    ("done", "Done"),
    ("canceled", "Canceled"),
]
TRANSLITERATE = [
    ("none", "No"),
    ("gsm", "Keep GSM-7 characters"),
    ("ascii", "Plain ASCII"),
]
TRANSLITERATE_HELP = (
    "Replace the characters that force Unicode (Polish letters, typographic "
    "quotes, Cyrillic...) by GSM-7 ones, which fit more text in each part. "
    "'Keep GSM-7 characters' keeps ä ö å é €; 'Plain ASCII' removes every "
    "national character."
)


def transliterates(how):
    """Whether ``how`` (a ``TRANSLITERATE`` key) changes the text."""
    return how in ("gsm", "ascii")


def text_finisher(how):
    """The text as it is sent, as a function of the text: transliterated
    when ``how`` (a ``TRANSLITERATE`` key) asks."""
    if transliterates(how):
        keep_gsm = how == "gsm"
        return lambda text: sms_text.transliterate(text, keep_gsm=keep_gsm)
    return lambda text: text


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
    "prepare_domain",
    "prepare_partner_ids",
    "prepare_total",
)
# Written by the background preparation only (as superuser), never by a
# user: who may create a mailing may not start or steer its preparation.
PREPARATION_FIELDS = (
    "prepare_step",
    "prepare_error",
)


class SmsGatewayMailing(models.Model):
    _name = "sms.gateway.mailing"
    _description = "SMS Mailing"
    _order = "id desc"
    _check_company_auto = True

    name = fields.Char(required=True)
    user_id = fields.Many2one(
        "res.users",
        string="Sent by",
        help="The Odoo user who sent the mailing.",
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
    sender = fields.Char(
        string="Sender Name",
        readonly=True,
        help="The sender name (or number) the phone shows; empty: the SMS "
        "account's sender.",
    )
    scheduled_at = fields.Datetime(readonly=True, index=True)
    state = fields.Selection(
        MAILING_STATES,
        default="draft",
        required=True,
        readonly=True,
        copy=False,
        index=True,
    )
    # The groups themselves are for SMS Users (under the group rules);
    # Accountants read their names only, as the usage report shows them.
    group_ids = fields.Many2many(
        "sms.gateway.group",
        string="Groups",
        readonly=True,
        check_company=True,
        groups="sms_gateway.group_sms_gateway_user",
    )
    group_names = fields.Char(
        string="Sent to Groups", compute="_compute_group_names", compute_sudo=True
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
    # Counts, read with one grouped query. As in Odoo's mass mailing
    # statistics, delivered (and undelivered) messages were sent: Sent counts
    # them, so Recipients = Queued + Sending + Sent + Failed + Excluded +
    # Canceled, and Delivered + Undelivered <= Sent.
    reply_ids = fields.One2many(
        "sms.gateway.message", "reply_mailing_id", string="Replies", readonly=True
    )
    reply_count = fields.Integer(
        string="Number of Replies", compute="_compute_reply_count"
    )
    count_total = fields.Integer(string="Recipients", compute="_compute_counts")
    count_queued = fields.Integer(string="Queued", compute="_compute_counts")
    count_sending = fields.Integer(string="Sending", compute="_compute_counts")
    count_sent = fields.Integer(
        string="Sent",
        compute="_compute_counts",
        help="Went out to the provider: the delivered and undelivered ones included.",
    )
    count_delivered = fields.Integer(
        string="Delivered",
        compute="_compute_counts",
        help="Sent, and the provider reported them delivered.",
    )
    count_undelivered = fields.Integer(
        string="Undelivered",
        compute="_compute_counts",
        help="Sent, and the provider reported them not delivered.",
    )
    count_failed = fields.Integer(
        string="Failed",
        compute="_compute_counts",
        help="The provider refused them: not sent.",
    )
    count_excluded = fields.Integer(
        string="Excluded",
        compute="_compute_counts",
        help="Left out when the mailing was queued (no consent, opted out, no "
        "mobile number, duplicate, the same text within 24 hours): not sent.",
    )
    count_canceled = fields.Integer(
        string="Canceled",
        compute="_compute_counts",
        help="Canceled by a user before they went: not sent.",
    )
    count_email = fields.Integer(string="By E-mail", compute="_compute_counts")
    count_review = fields.Integer(string="To Review", compute="_compute_counts")
    parts_total = fields.Integer(
        string="Parts",
        compute="_compute_counts",
        help="Parts of the SMS sent or still to send; excluded, canceled and "
        "failed SMS count none.",
    )
    cost_total = fields.Float(string="Cost", compute="_compute_counts", digits=(16, 2))
    currency_id = fields.Many2one(related="company_id.sms_gateway_currency_id")
    waiting_summary = fields.Text(
        string="Waiting",
        compute="_compute_waiting_summary",
        help="Queued messages that wait, why and when they are tried next: they "
        "go out by themselves once the cause is solved.",
    )

    @api.depends("message_ids.state")
    def _compute_counts(self):
        counts = {mailing.id: {} for mailing in self}
        if self.ids:
            self.env["sms.gateway.message"].flush_model()
            self.env.cr.execute(
                SQL(
                    """
                    SELECT mailing_id, state, channel, needs_review,
                           skip_reason IS NOT NULL,
                           count(*), COALESCE(sum(parts), 0), COALESCE(sum(cost), 0)
                      FROM sms_gateway_message
                     WHERE mailing_id IN %s
                     GROUP BY mailing_id, state, channel, needs_review,
                              skip_reason IS NOT NULL
                    """,
                    tuple(self.ids),
                )
            )
            for (
                mailing_id,
                state,
                channel,
                review,
                skipped,
                count,
                parts,
                cost,
            ) in self.env.cr.fetchall():
                values = counts[mailing_id]
                values["count_total"] = values.get("count_total", 0) + count
                key = f"count_{state}"
                if state == "canceled" and skipped:
                    key = "count_excluded"
                values[key] = values.get(key, 0) + count
                if state in ("delivered", "undelivered"):
                    values["count_sent"] = values.get("count_sent", 0) + count
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
                "count_excluded",
                "count_canceled",
                "count_email",
                "count_review",
                "parts_total",
                "cost_total",
            ):
                mailing[fname] = values.get(fname, 0)

    @api.depends("group_ids")
    def _compute_group_names(self):
        for mailing in self:
            mailing.group_names = ", ".join(mailing.group_ids.mapped("name"))

    @api.depends("message_ids.state", "message_ids.failure_reason")
    def _compute_waiting_summary(self):
        """One line per reason: "12 messages waiting: the SMS account has no
        credit (next try 14:05)", the time in the reader's time zone."""
        lines = {mailing.id: [] for mailing in self}
        if self.ids:
            self.env["sms.gateway.message"].flush_model(
                ["mailing_id", "state", "channel", "failure_reason", "next_attempt_at"]
            )
            self.env.cr.execute(
                SQL(
                    """
                    SELECT mailing_id, failure_reason, count(*), min(next_attempt_at)
                      FROM sms_gateway_message
                     WHERE mailing_id IN %s AND state = 'queued' AND channel = 'sms'
                       AND failure_reason IS NOT NULL AND failure_reason != ''
                     GROUP BY mailing_id, failure_reason
                     ORDER BY count(*) DESC, failure_reason
                    """,
                    tuple(self.ids),
                )
            )
            prefix = self.env._("waiting: %(reason)s", reason="")
            now = fields.Datetime.now()
            for mailing_id, reason, count, next_at in self.env.cr.fetchall():
                cause = reason.removeprefix(prefix)
                if next_at and next_at > now:
                    when = self.env._(
                        "next try %(at)s",
                        at=format_datetime(self.env, next_at, dt_format="short"),
                    )
                else:
                    when = self.env._("tried again at the next run")
                lines[mailing_id].append(
                    self.env._(
                        "%(count)s messages waiting: %(reason)s (%(when)s)",
                        count=count,
                        reason=cause,
                        when=when,
                    )
                    if count > 1
                    else self.env._(
                        "1 message waiting: %(reason)s (%(when)s)",
                        reason=cause,
                        when=when,
                    )
                )
        for mailing in self:
            mailing.waiting_summary = "\n".join(lines[mailing.id]) or False

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
        # ``default_<field>`` keys of the context are values too.
        defaults = {
            key.removeprefix("default_"): value
            for key, value in self.env.context.items()
            if key.startswith("default_")
        }
        self.env["sms.gateway.group"]._sms_check_send_commands(
            defaults.get("group_ids")
        )
        if not self.env.su:
            self._sms_check_preparation_fields(defaults)
            self._sms_check_sent_by(defaults)
        for vals in vals_list:
            self.env["sms.gateway.group"]._sms_check_send_commands(
                vals.get("group_ids")
            )
            if not self.env.su:
                self._sms_check_preparation_fields(vals)
                self._sms_check_sent_by(vals)
        return super().create(vals_list)

    def _sms_check_sent_by(self, vals):
        """A mailing is sent by whoever creates it: its texts render, and a
        large one is prepared, with the rights of its sender, so nobody
        names another sender (the superuser, a colleague with more rights)."""
        if vals.get("user_id") and vals["user_id"] != self.env.uid:
            raise AccessError(
                self.env._(
                    "A mailing is sent in your own name: you cannot send it as "
                    "another user."
                )
            )

    def _sms_check_preparation_fields(self, vals):
        written = [name for name in PREPARATION_FIELDS if name in vals]
        if written:
            raise UserError(
                self.env._(
                    "%(fields)s of a mailing follow its preparation: send it "
                    "with the Send SMS window.",
                    fields=", ".join(
                        self._fields[name]._description_string(self.env)
                        for name in written
                    ),
                )
            )

    def write(self, vals):
        if not self.env.su:
            # Who may not write at all learns nothing about the mailing.
            self.check_access("write")
            self.env["sms.gateway.group"]._sms_check_send_commands(
                vals.get("group_ids")
            )
            self._sms_check_preparation_fields(vals)
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
        """Cancel what has not gone yet.

        Nothing more goes out from the moment the mailing is canceled: the
        dispatcher leaves the messages of a canceled large mailing, whose
        queued messages the prepare cron then cancels in chunks, so that
        this click never waits for a million rows, nor for many mailings
        selected together."""
        self.check_access("write")
        for mailing in self:
            if mailing.state not in ("draft", "scheduled", "preparing", "sending"):
                raise UserError(
                    self.env._(
                        "The mailing %(name)s is %(state)s: nothing left to cancel.",
                        name=mailing.name,
                        state=dict(MAILING_STATES)[mailing.state].lower(),
                    )
                )
        Message = self.env["sms.gateway.message"]
        threshold = self._sms_prepare_threshold()
        # The click cancels at most ``threshold`` messages itself, whatever
        # the number of mailings selected; the prepare cron does the rest.
        later = self.browse()
        budget = threshold
        for mailing in self:
            if mailing.prepare_step in ("stage", "write"):
                later |= mailing
                continue
            count = Message.search_count(
                [("mailing_id", "=", mailing.id), ("state", "=", "queued")],
                limit=budget + 1,
            )
            if count > budget:
                later |= mailing
            else:
                budget -= count
        queued = Message.search(
            [("mailing_id", "in", (self - later).ids), ("state", "=", "queued")]
        )
        if queued:
            queued.action_cancel()
        self.sudo().write({"state": "canceled"})
        if later:
            later.sudo().write({"prepare_step": "cancel"})
            self._sms_trigger_prepare()

    @api.depends("reply_ids")
    def _compute_reply_count(self):
        counts = dict(
            self.env["sms.gateway.message"]
            .sudo()
            ._read_group(
                [("reply_mailing_id", "in", self.ids)],
                ["reply_mailing_id"],
                ["__count"],
            )
        )
        for mailing in self:
            mailing.reply_count = counts.get(mailing, 0)

    def action_view_replies(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "sms_gateway.sms_gateway_message_action"
        )
        action["domain"] = [("reply_mailing_id", "=", self.id)]
        action["context"] = {}
        return action

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
    def _sms_log_notes(self, mailing_id, after=0):
        """One note per partner in the partners' chatter for this mailing (its
        messages written after id ``after``).

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
                 WHERE m.mailing_id = %(mailing_id)s AND m.id > %(after)s
                   AND m.state = 'queued' AND m.partner_id IS NOT NULL
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
                after=after,
            )
        )
        self.env["res.partner"].invalidate_model(["message_ids"])
