# Copyright 2026 sms_gateway authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""One SMS (or e-mail fallback) to one recipient.

A message is queued, sending, sent, delivered, undelivered, failed (with a
reason) or canceled (with a reason), and is never deleted: messages are the
usage record. This file holds the record and its buttons (cancel, resend,
mark sent); the dispatcher (``dispatch/dispatcher.py``) sends queued
messages, and delivery reports move them forward (``dispatch/delivery.py``).
"""

import hashlib
import io
import secrets
import time
from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import SQL

from ..tools.providers import undelivered_kind
from .res_partner_recipient import BULK, EXCLUSION_REASONS, SINGLE

STATES = [
    ("queued", "Queued"),
    ("sending", "Sending"),
    ("sent", "Sent"),
    ("delivered", "Delivered"),
    ("undelivered", "Undelivered"),
    ("failed", "Failed"),
    ("canceled", "Canceled"),
    # A reply that came back (direction "in", ``sms_gateway_message_inbound.py``).
    ("received", "Received"),
]
SKIP_REASONS = [
    *EXCLUSION_REASONS,
    ("recent", "Same text to the same number within 24 hours"),
    ("email_fallback", "Sent by e-mail instead"),
]
# Message state -> the state of the Odoo SMS it sends (``sms.sms``: "process"
# is Processing, "pending" Sent, "sent" Delivered), and the states Odoo shows
# as a delivery error (``sms.tracker._action_update_from_provider_error``: the
# SMS stays sent, as with Odoo's IAP reports).
ODOO_SMS_STATE = {
    "queued": "process",
    "sending": "process",
    "sent": "pending",
    "delivered": "sent",
    "undelivered": "pending",
    "failed": "error",
    "canceled": "canceled",
}
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
# A queued message is out of Odoo's queue ("Processing") but has not left:
# its chatter notification and marketing trace say it waits.
ODOO_SMS_TRACKER_STATE = {"queued": "outgoing"}
USER_GROUP = "sms_gateway.group_sms_gateway_user"
MANAGER_GROUP = "sms_gateway.group_sms_gateway_manager"


def copy_text(value):
    """A value in PostgreSQL's COPY text format."""
    if value is None or value is False:
        return "\\N"
    text = value if isinstance(value, str) else str(value)
    if "\\" in text or "\t" in text or "\n" in text or "\r" in text:
        return text.translate(_COPY_ESCAPES)
    return text


def message_key():
    """A new message key (the idempotency key sent to the provider): the
    time in microseconds, then 76 random bits, 32 hex digits. Keys made one
    after the other sort together, so the index on them grows at its end
    (a mailing's million rows, and the rows a dispatch batch updates, touch
    a few of its pages instead of one page each)."""
    return f"{time.time_ns() // 1000:013x}{secrets.token_hex(10)[:19]}"


def message_key_sql(salt):
    """SQL making a key as ``message_key`` does, one per row (``salt``: SQL
    of a value of the row)."""
    return SQL(
        "lpad(to_hex((extract(epoch FROM clock_timestamp()) * 1000000)::bigint), "
        "13, '0') || substr(md5(random()::text || %s), 1, 19)",
        salt,
    )


def body_hash(body):
    """Key of a text for the "same text within 24 hours" guard."""
    return hashlib.md5((body or "").encode(), usedforsecurity=False).hexdigest()


class SmsGatewayMessage(models.Model):
    _name = "sms.gateway.message"
    _description = "SMS Message"
    _order = "id desc"
    _rec_name = "number"
    _check_company_auto = True

    uid = fields.Char(
        string="Message Key",
        required=True,
        readonly=True,
        copy=False,
        index=True,
        default=lambda self: message_key(),
        help="Sent to the provider as the message's idempotency key.",
    )
    # Indexed with the state (``init``).
    mailing_id = fields.Many2one(
        "sms.gateway.mailing",
        ondelete="restrict",
        readonly=True,
        check_company=True,
    )
    group_id = fields.Many2one(
        "sms.gateway.group",
        ondelete="set null",
        readonly=True,
        help="The recipient group this recipient came from.",
    )
    partner_id = fields.Many2one(
        "res.partner",
        string="Recipient",
        index="btree_not_null",
        ondelete="set null",
        readonly=True,
    )
    number = fields.Char(readonly=True)
    email = fields.Char(readonly=True)
    channel = fields.Selection(
        [("sms", "SMS"), ("email", "E-mail")],
        default="sms",
        required=True,
        readonly=True,
    )
    body = fields.Text(readonly=True, groups="sms_gateway.group_sms_gateway_user")
    body_hash = fields.Char(readonly=True, groups="base.group_system")
    encoding = fields.Selection(
        [("GSM-7", "GSM-7"), ("UCS-2", "Unicode (UCS-2)")], readonly=True
    )
    chars = fields.Integer(string="Characters", readonly=True)
    parts = fields.Integer(
        readonly=True,
        help="SMS parts the text takes, as billed; 0 for a message that was not "
        "sent (excluded or canceled).",
    )
    state = fields.Selection(
        STATES,
        default="queued",
        required=True,
        readonly=True,
        copy=False,
    )
    failure_reason = fields.Char(
        string="Reason",
        readonly=True,
        copy=False,
        help="Why the SMS failed, was canceled (and by whom) or must be reviewed.",
    )
    skip_reason = fields.Selection(
        SKIP_REASONS,
        string="Excluded Because",
        readonly=True,
        copy=False,
        help="Why the send left this recipient out (the recipient rule, the "
        "24-hour guard, the e-mail fallback). Empty for a message a user "
        "canceled.",
    )
    needs_review = fields.Boolean(
        string="To Review",
        readonly=True,
        copy=False,
        help="The provider may or may not have taken this message (its dispatch "
        "was interrupted) and it has no idempotency key: a person decides "
        "whether to resend it.",
    )
    account_id = fields.Many2one(
        "sms.gateway.account",
        string="SMS Account",
        readonly=True,
        copy=False,
        index="btree_not_null",
        ondelete="restrict",
        help="The account the message went through (or must go through again: "
        "the provider may already have it).",
    )
    provider = fields.Char(readonly=True, copy=False)
    provider_ref = fields.Char(
        string="Provider Reference", readonly=True, copy=False, index="btree_not_null"
    )
    provider_status = fields.Char(readonly=True, copy=False)
    attempt_count = fields.Integer(string="Attempts", readonly=True, copy=False)
    next_attempt_at = fields.Datetime(string="Next Attempt", readonly=True, copy=False)
    scheduled_at = fields.Datetime(
        readonly=True,
        default=fields.Datetime.now,
    )
    sent_at = fields.Datetime(readonly=True, copy=False)
    delivered_at = fields.Datetime(readonly=True, copy=False)
    cost = fields.Float(
        readonly=True,
        digits=(16, 4),
        copy=False,
        help="What the provider charged (or, when it does not tell, the SMS "
        "account's price per part times the parts); 0 for SMS that did not go.",
    )
    currency_id = fields.Many2one("res.currency", readonly=True)
    user_id = fields.Many2one(
        "res.users",
        string="Sent by",
        readonly=True,
        default=lambda self: self.env.user,
        help="The Odoo user who sent the SMS (the sender name the phone shows "
        "is the mailing's).",
    )
    company_id = fields.Many2one(
        "res.company",
        required=True,
        readonly=True,
        default=lambda self: self.env.company,
    )
    dispatch_run = fields.Integer(readonly=True, copy=False)
    # A message that sends an SMS of Odoo's apps (``models/sms_sms.py``).
    sms_uuid = fields.Char(
        string="Odoo SMS",
        readonly=True,
        copy=False,
        index="btree_not_null",
        help="The Odoo SMS (its uuid) this message sends for one of Odoo's apps; "
        "its state, the chatter notification and the marketing statistics "
        "follow this message.",
    )
    res_model = fields.Char(string="Document Model", readonly=True, copy=False)
    res_id = fields.Many2oneReference(
        string="Document", model_field="res_model", readonly=True, copy=False
    )
    mail_message_id = fields.Many2one(
        "mail.message",
        string="Chatter Message",
        readonly=True,
        copy=False,
        index="btree_not_null",
        ondelete="set null",
        groups="sms_gateway.group_sms_gateway_user",
    )

    def init(self):
        # Ids of dispatch runs (the keys of their advisory locks).
        self.env.cr.execute(
            "CREATE SEQUENCE IF NOT EXISTS sms_gateway_dispatch_run_seq"
        )
        # What dispatch reads: due queued SMS.
        self.env.cr.execute(
            """
            CREATE INDEX IF NOT EXISTS sms_gateway_message_due_idx
                ON sms_gateway_message (scheduled_at, id)
             WHERE state = 'queued'
            """
        )
        self.env.cr.execute(
            """
            CREATE INDEX IF NOT EXISTS sms_gateway_message_sending_idx
                ON sms_gateway_message (dispatch_run)
             WHERE state = 'sending'
            """
        )
        # The message list's "failed or undelivered" and "to review" filters.
        # (Each index is rewritten on every state change: only small partial
        # ones besides what lookups need.)
        self.env.cr.execute(
            """
            CREATE INDEX IF NOT EXISTS sms_gateway_message_problem_idx
                ON sms_gateway_message (id)
             WHERE state IN ('failed', 'undelivered') OR needs_review
            """
        )
        # A mailing's messages, and whether it still has some to send: one
        # index for both (every index costs each of a million rows written).
        self.env.cr.execute(
            """
            CREATE INDEX IF NOT EXISTS sms_gateway_message_mailing_state_idx
                ON sms_gateway_message (mailing_id, state)
            """
        )
        # The "same text to the same number within 24 hours" guard.
        self.env.cr.execute(
            """
            CREATE INDEX IF NOT EXISTS sms_gateway_message_recent_idx
                ON sms_gateway_message (number, body_hash, create_date)
            """
        )

    # ------------------------------------------------------------------
    # Buttons
    # ------------------------------------------------------------------

    def _sms_check_change_access(self):
        """AccessError unless the user may change these messages.

        Messages have no write access (they are the usage record and change
        only through their buttons); the buttons allow what a write right
        would: a User changes their own messages, a Manager those of their
        companies. Accountants, other employees and portal users change none.
        """
        if self.env.su:
            return
        self.check_access("read")  # the record rules: own, companies
        user = self.env.user
        if user.has_group(MANAGER_GROUP):
            return
        if user.has_group(USER_GROUP) and not self.sudo().filtered(
            lambda m: m.user_id != user
        ):
            return
        raise AccessError(
            self.env._(
                "Only the user who sent an SMS (Sent by) or an SMS Gateway Manager "
                "can cancel, resend or mark it sent; %(count)s of these SMS were "
                "sent by someone else. Ask an SMS Gateway Manager to do it.",
                count=len(self.sudo().filtered(lambda m: m.user_id != user)),
            )
        )

    def action_cancel(self):
        """Cancel queued messages (scheduled ones can be canceled until they go).

        A canceled message costs nothing: its parts are 0 (its characters
        still tell how long the text was)."""
        self._sms_check_change_access()
        to_cancel = self.filtered(lambda m: m.state == "queued")
        if not to_cancel:
            raise UserError(self.env._("Only queued messages can be canceled."))
        self.flush_model()
        self.env.cr.execute(
            SQL(
                """
                UPDATE sms_gateway_message
                   SET state = 'canceled', failure_reason = %s, parts = 0,
                       cost = 0, write_uid = %s, write_date = %s
                 WHERE id IN %s AND state = 'queued'
                """,
                self.env._("Canceled by %(user)s", user=self.env.user.name),
                self.env.uid,
                fields.Datetime.now(),
                tuple(to_cancel.ids),
            )
        )
        self.invalidate_recordset()
        to_cancel.mailing_id.sudo()._sms_update_state()
        to_cancel._sms_sync_odoo_sms()

    def action_resend(self):
        """Queue failed (or to-review) messages again, now.

        A resend is a new send: the rules of a first send apply again (SMS
        consent, the opt-out list, the same text within 24 hours, the caps).
        Messages they refuse stay as they are, and the user is told why.
        """
        self._sms_check_change_access()
        to_resend = self.filtered(
            lambda m: (
                m.channel == "sms"
                and (m.state in ("failed", "undelivered") or m.needs_review)
            )
        )
        if not to_resend:
            raise UserError(
                self.env._("Only failed, undelivered or to-review SMS can be resent.")
            )
        self.flush_model()
        refused = to_resend._sms_resend_refusals()
        to_resend = to_resend.filtered(lambda m: m.id not in refused)
        if not to_resend:
            raise UserError(
                self.env._(
                    "None of these SMS can be sent again: %(reasons)s.",
                    reasons=self._sms_reasons_text(refused),
                )
            )
        Mailing = self.env["sms.gateway.mailing"]
        for (company, user), batch in (
            to_resend.sudo().grouped(lambda m: (m.company_id, m.user_id)).items()
        ):
            Mailing._sms_check_caps(company, user, len(batch))
        self.env.cr.execute(
            SQL(
                """
                UPDATE sms_gateway_message
                   SET state = 'queued', needs_review = FALSE, failure_reason = NULL,
                       attempt_count = 0, next_attempt_at = NULL, scheduled_at = %s,
                       provider_ref = NULL, write_uid = %s, write_date = %s,
                       -- a new key: the provider must take it as a new message,
                       -- so it may go through any account (routed again)
                       uid = %s,
                       account_id = NULL
                 WHERE id IN %s
                """,
                fields.Datetime.now(),
                self.env.uid,
                fields.Datetime.now(),
                message_key_sql(SQL("id")),
                tuple(to_resend.ids),
            )
        )
        to_resend.invalidate_recordset()
        to_resend._sms_sync_odoo_sms()
        mailings = to_resend.mailing_id.sudo()
        mailings.filtered(lambda m: m.state == "done").write({"state": "sending"})
        self.env["sms.gateway.dispatcher"]._sms_trigger_dispatch()
        if not refused:
            return True
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "warning",
                "sticky": True,
                "title": self.env._("Some SMS were not sent again"),
                "message": self.env._(
                    "%(queued)s SMS queued again; not sent again: %(reasons)s.",
                    queued=len(to_resend),
                    reasons=self._sms_reasons_text(refused),
                ),
                "next": {"type": "ir.actions.act_window_close"},
            },
        }

    def _sms_resend_refusals(self):
        """{message id: reason} of the messages a first send would not send now.

        Consent comes from the recipient rule (``res_partner_recipient.py``:
        bulk for a mailing of several messages, single otherwise); the
        number checked against the opt-out list is the message's own (the one
        it goes to); then the 24-hour guard.
        """
        Partner = self.env["res.partner"]
        Partner._sms_flush_recipients()
        partners = self.partner_id.ids
        self.env.cr.execute(
            SQL(
                """
                WITH bulk AS (%(bulk)s), single AS (%(single)s)
                SELECT id, number, body_hash, duplicates_ok,
                       CASE
                           WHEN listed THEN 'opted_out'
                           WHEN partner_id IS NULL THEN 'no_consent'
                           WHEN consent IN ('opted_out', 'no_consent') THEN consent
                           WHEN recent THEN 'recent'
                       END
                  FROM (
                    SELECT m.id, m.number, m.body_hash, m.partner_id,
                           COALESCE(g.allow_duplicates, FALSE) AS duplicates_ok,
                           bl.id IS NOT NULL AS listed,
                           CASE WHEN (SELECT count(*) FROM sms_gateway_message x
                                       WHERE x.mailing_id = m.mailing_id) > 1
                                THEN b.reason ELSE s.reason END AS consent,
                           NOT COALESCE(g.allow_duplicates, FALSE) AND EXISTS (
                                SELECT 1 FROM sms_gateway_message o
                                 WHERE o.number = m.number
                                   AND o.body_hash = m.body_hash
                                   AND o.id <> m.id
                                   AND o.create_date > %(since)s
                                   AND o.state NOT IN ('canceled', 'failed')) AS recent
                      FROM sms_gateway_message m
                      LEFT JOIN bulk b ON b.partner_id = m.partner_id
                      LEFT JOIN single s ON s.partner_id = m.partner_id
                      LEFT JOIN phone_blacklist bl ON bl.number = m.number AND bl.active
                      LEFT JOIN sms_gateway_mailing g ON g.id = m.mailing_id
                     WHERE m.id IN %(ids)s
                  ) t
                 ORDER BY id
                """,
                bulk=Partner._sms_recipient_sql(partners, BULK),
                single=Partner._sms_recipient_sql(partners, SINGLE),
                since=fields.Datetime.now() - timedelta(hours=24),
                ids=tuple(self.ids),
            )
        )
        refused, seen = {}, set()
        for message_id, number, digest, duplicates_ok, reason in self.env.cr.fetchall():
            if reason:
                refused[message_id] = reason
            elif not duplicates_ok and (number, digest) in seen:
                # Two of these messages: the same text to the same number.
                refused[message_id] = "recent"
            seen.add((number, digest))
        return refused

    def _sms_reasons_text(self, refused):
        labels = dict(self._fields["skip_reason"]._description_selection(self.env))
        counts = {}
        for reason in refused.values():
            counts[reason] = counts.get(reason, 0) + 1
        return ", ".join(
            f"{labels.get(reason, reason)}: {count}"
            for reason, count in sorted(counts.items())
        )

    def action_mark_sent(self):
        """A person checked with the provider: the message did go out."""
        self._sms_check_change_access()
        to_mark = self.filtered("needs_review")
        to_mark.sudo().write(
            {"state": "sent", "needs_review": False, "sent_at": fields.Datetime.now()}
        )
        to_mark.mailing_id.sudo()._sms_update_state()
        to_mark._sms_sync_odoo_sms()

    # ------------------------------------------------------------------
    # Writing many messages
    # ------------------------------------------------------------------

    @api.model
    def _sms_copy(self, columns, rows, shared):
        """The bulk writer of messages: COPY ``rows`` (tuples of the values of
        ``columns``) into the table, each with a new key (``uid``) and the
        ``shared`` values (column -> value) of all. The ORM is bypassed: the
        caller gives every value a ``create`` would (state, channel, company,
        create and write date; the create and write user when it wants them)
        and has checked them."""
        if not rows:
            return
        names = ("uid", *columns, *shared)
        suffix = "".join("\t" + copy_text(value) for value in shared.values()) + "\n"
        buffer = io.StringIO()
        write = buffer.write
        for row in rows:
            write(message_key())
            write("\t")
            write("\t".join([copy_text(value) for value in row]))
            write(suffix)
        buffer.seek(0)
        self.env.cr._obj.copy_expert(
            SQL(
                "COPY sms_gateway_message (%s) FROM STDIN",
                SQL(", ").join(SQL.identifier(name) for name in names),
            ).code,
            buffer,
        )

    # ------------------------------------------------------------------
    # Odoo's own SMS
    # ------------------------------------------------------------------

    def _sms_sync_odoo_sms(self):
        """Write the state of these messages back to the Odoo SMS they send
        (``sms_uuid``): the ``sms.sms`` and its tracker, which moves the chatter
        notification and the marketing trace as Odoo's IAP reports do.
        Repeating it changes nothing (the trackers never go back)."""
        if not self:
            return
        self.env["sms.gateway.message"].flush_model()
        self.env.cr.execute(
            """
            SELECT sms_uuid, state, failure_reason, provider, provider_status
              FROM sms_gateway_message
             WHERE id IN %s AND sms_uuid IS NOT NULL
            """,
            (tuple(self.ids),),
        )
        rows = self.env.cr.fetchall()
        if not rows:
            return
        Sms = self.env["sms.sms"].sudo().with_context(sms_skip_msg_notification=True)
        Tracker = Sms.env["sms.tracker"]
        by_state = {}
        for uuid, state, reason, provider, provider_status in rows:
            if state == "undelivered":
                # Why, in the words of Odoo's delivery errors (a rejected or
                # unknown number bounces, as Odoo's IAP reports it).
                reason = undelivered_kind(provider, provider_status, reason)
            by_state.setdefault(state, {})[uuid] = reason
        chatter = Sms.env["mail.message"]
        for state, reasons in by_state.items():
            uuids = list(reasons)
            odoo_state = ODOO_SMS_STATE[state]
            trackers = Tracker.search([("sms_uuid", "in", uuids)])
            values = {"state": odoo_state, "failure_type": False}
            if state == "undelivered":
                # As Odoo's IAP delivery reports: the trackers say why, the SMS
                # itself stays sent (Odoo has no such failure type for it).
                trackers._action_update_from_sms_state("pending")
                for kind, group in trackers.grouped(
                    lambda t, reasons=reasons: reasons.get(t.sms_uuid)
                ).items():
                    group._action_update_from_provider_error(kind)
            elif odoo_state == "error":
                values["failure_type"] = "unknown"
                for reason, group in trackers.grouped(
                    lambda t, reasons=reasons: reasons.get(t.sms_uuid) or False
                ).items():
                    group._action_update_from_sms_state(
                        "error", failure_type="unknown", failure_reason=reason
                    )
            elif odoo_state == "canceled":
                # Odoo never cancels what it handed to its provider ("process"):
                # this message never left, its notification says so.
                trackers._sms_gateway_cancel()
            else:
                trackers._action_update_from_sms_state(
                    ODOO_SMS_TRACKER_STATE.get(state, odoo_state)
                )
            # Sent: Odoo's cleaning removes the SMS (its trackers stay); a failed
            # or canceled one stays, for Odoo's Retry and Resend.
            values["to_delete"] = odoo_state in ("pending", "sent")
            # The Odoo SMS themselves in one statement (a campaign's are many;
            # nothing of Odoo's is computed from these columns).
            Sms.flush_model(["state", "failure_type", "to_delete"])
            self.env.cr.execute(
                SQL(
                    """
                    UPDATE sms_sms
                       SET state = %s, failure_type = %s, to_delete = %s,
                           write_uid = %s, write_date = %s
                     WHERE uuid IN %s
                 RETURNING mail_message_id
                    """,
                    values["state"],
                    values["failure_type"] or None,
                    values["to_delete"],
                    self.env.uid,
                    fields.Datetime.now(),
                    tuple(uuids),
                )
            )
            chatter |= Sms.env["mail.message"].browse(
                {row[0] for row in self.env.cr.fetchall() if row[0]}
            )
            chatter |= trackers.mail_notification_id.mail_message_id
        Sms.invalidate_model(["state", "failure_type", "to_delete", "write_date"])
        chatter._notify_message_notification_update()

    # ------------------------------------------------------------------
    # Menu
    # ------------------------------------------------------------------

    @api.model
    def _sms_action_open_messages(self):
        """SMS > Messages: all messages for Managers (and for Accountants,
        who send none), the user's own messages by default for Users."""
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "sms_gateway.sms_gateway_message_action"
        )
        user = self.env.user
        if user.has_group(USER_GROUP) and not user.has_group(MANAGER_GROUP):
            action["context"] = {"search_default_my": 1}
        else:
            action["context"] = {}
        return action
