# Copyright 2026 sms_gateway authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""One SMS (or e-mail fallback) to one recipient, and its dispatch.

A message is queued, sending, sent, delivered, undelivered, failed (with a
reason) or canceled (with a reason), and is never deleted: messages are the
usage record.

Dispatch (``_cron_dispatch``) takes due messages with ``FOR UPDATE SKIP
LOCKED`` (two workers never take the same one), marks them ``sending`` with
the id of the run and commits before calling the provider, then records the
results and commits after each batch. While it runs, the run holds a
PostgreSQL session advisory lock on its id: a message left ``sending`` whose
run's lock is free belongs to a run that died (SIGKILL, crash). Such messages
are re-queued when the provider has an idempotency key (SMSAPI ``idx``, the
sandbox: a repeated request never sends twice), and flagged for a person to
review otherwise (Twilio, Quriiri), never resent blindly; what decides is
the provider stored on the message when it was claimed. A run stops claiming
after a fraction of Odoo's cron time limit and wakes the cron again; an
unexpected error while sending a batch counts as an attempt of its messages.

Delivery reports are stored by the routes (``sms.gateway.delivery.event``)
and applied to a message once its result is recorded: by the dispatch right
after each batch, and by the cron the routes wake.
"""

import hashlib
import logging
import threading
import time
import uuid
from datetime import timedelta

import psycopg2
import psycopg2.errors
from markupsafe import Markup, escape

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import SQL, config

from ..tools import providers
from .res_company import ProviderLockedError
from .res_partner_recipient import EXCLUSION_REASONS

_logger = logging.getLogger(__name__)

STATES = [
    ("queued", "Queued"),
    ("sending", "Sending"),
    ("sent", "Sent"),
    ("delivered", "Delivered"),
    ("undelivered", "Undelivered"),
    ("failed", "Failed"),
    ("canceled", "Canceled"),
]
# A delivery report only moves a message forward along this order.
DELIVERY_RANK = {
    "queued": 0,
    "sending": 0,
    "sent": 1,
    "undelivered": 2,
    "delivered": 3,
}
# States whose message a delivery report waits for: its result is not recorded.
UNSETTLED = ("queued", "sending")
# Delivery status (tools.providers) -> message state.
DELIVERY_TO_STATE = {
    "sent": "sent",
    "delivered": "delivered",
    "undelivered": "undelivered",
    "expired": "undelivered",
}
SKIP_REASONS = [
    *EXCLUSION_REASONS,
    ("recent", "Same text to the same number within 24 hours"),
    ("email_fallback", "Sent by e-mail instead"),
]
# Seconds to wait before attempt N+1 after a temporary failure (queue_job's
# idea); after the last entry the delay stays the same.
RETRY_PATTERN = {1: 60, 2: 120, 3: 300, 4: 600, 5: 1800, 6: 3600}
DEFAULT_MAX_ATTEMPTS = 8
DEFAULT_BATCH_SIZE = 2000
# classid of the advisory locks held by dispatch runs (pg_advisory_lock(int, int)).
ADVISORY_LOCK_CLASS = 0x5347  # "SG"
# Account-level errors: stop the company's dispatch, keep messages queued.
ACCOUNT_ERRORS = ("auth", "credit", "config", "sender")
# Dispatch batch for providers that take one message per request.
SINGLE_REQUEST_BATCH_SIZE = 50
USER_GROUP = "sms_gateway.group_sms_gateway_user"
MANAGER_GROUP = "sms_gateway.group_sms_gateway_manager"
# How often a claim is tried again when a concurrent claim got in the way.
CLAIM_TRIES = 5
# Odoo's cron time limit when none is configured (limit_time_real's default),
# and the part of it one dispatch run spends claiming batches: the batch under
# way, the other cron jobs of the same cron call and the commits need the rest.
DEFAULT_TIME_LIMIT = 120
DISPATCH_TIME_FRACTION = 0.5


def body_hash(body):
    """Key of a text for the "same text within 24 hours" guard."""
    return hashlib.md5((body or "").encode(), usedforsecurity=False).hexdigest()


def in_test_mode():
    return getattr(threading.current_thread(), "testing", False)


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
        default=lambda self: uuid.uuid4().hex,
        help="Sent to the provider as the message's idempotency key.",
    )
    mailing_id = fields.Many2one(
        "sms.gateway.mailing",
        index=True,
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
    parts = fields.Integer(readonly=True)
    state = fields.Selection(
        STATES,
        default="queued",
        required=True,
        readonly=True,
        copy=False,
    )
    failure_reason = fields.Char(readonly=True, copy=False)
    skip_reason = fields.Selection(
        SKIP_REASONS,
        string="Not Sent Because",
        readonly=True,
        copy=False,
    )
    needs_review = fields.Boolean(
        string="To Review",
        readonly=True,
        copy=False,
        help="The provider may or may not have taken this message (its dispatch "
        "was interrupted) and it has no idempotency key: a person decides "
        "whether to resend it.",
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
    cost = fields.Float(readonly=True, digits=(16, 4), copy=False)
    currency_id = fields.Many2one("res.currency", readonly=True)
    user_id = fields.Many2one(
        "res.users",
        string="Sender",
        readonly=True,
        default=lambda self: self.env.user,
    )
    company_id = fields.Many2one(
        "res.company",
        required=True,
        readonly=True,
        default=lambda self: self.env.company,
    )
    dispatch_run = fields.Integer(readonly=True, copy=False)

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
        # Whether a mailing still has messages to send.
        self.env.cr.execute(
            """
            CREATE INDEX IF NOT EXISTS sms_gateway_message_open_mailing_idx
                ON sms_gateway_message (mailing_id)
             WHERE state IN ('queued', 'sending')
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
                "Only the sender of an SMS or an SMS manager can cancel, resend or "
                "mark it sent; %(count)s of these SMS are not yours.",
                count=len(self.sudo().filtered(lambda m: m.user_id != user)),
            )
        )

    def action_cancel(self):
        """Cancel queued messages (scheduled ones can be canceled until they go)."""
        self._sms_check_change_access()
        to_cancel = self.filtered(lambda m: m.state == "queued")
        if not to_cancel:
            raise UserError(self.env._("Only queued messages can be canceled."))
        self.flush_model()
        self.env.cr.execute(
            SQL(
                """
                UPDATE sms_gateway_message
                   SET state = 'canceled', failure_reason = %s,
                       write_uid = %s, write_date = %s
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
                       -- a new key: the provider must take it as a new message
                       uid = md5(random()::text || clock_timestamp()::text || id)
                 WHERE id IN %s
                """,
                fields.Datetime.now(),
                self.env.uid,
                fields.Datetime.now(),
                tuple(to_resend.ids),
            )
        )
        to_resend.invalidate_recordset()
        mailings = to_resend.mailing_id.sudo()
        mailings.filtered(lambda m: m.state == "done").write({"state": "sending"})
        self._sms_trigger_dispatch()
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
        """{message id: reason} of the messages a first send would not send now."""
        self.env["res.partner"]._sms_flush_recipients()
        self.env.cr.execute(
            SQL(
                """
                SELECT m.id, m.number, m.body_hash,
                       COALESCE(g.allow_duplicates, FALSE),
                       CASE
                           WHEN p.sms_consent = 'refused' OR bl.id IS NOT NULL
                                THEN 'opted_out'
                           WHEN p.id IS NULL
                                OR p.sms_consent <> 'granted'
                                   AND (SELECT count(*) FROM sms_gateway_message x
                                         WHERE x.mailing_id = m.mailing_id) > 1
                                THEN 'no_consent'
                           WHEN NOT COALESCE(g.allow_duplicates, FALSE) AND EXISTS (
                                SELECT 1 FROM sms_gateway_message o
                                 WHERE o.number = m.number
                                   AND o.body_hash = m.body_hash
                                   AND o.id <> m.id
                                   AND o.create_date > %(since)s
                                   AND o.state NOT IN ('canceled', 'failed'))
                                THEN 'recent'
                       END
                  FROM sms_gateway_message m
                  LEFT JOIN res_partner p ON p.id = m.partner_id
                  LEFT JOIN phone_blacklist bl ON bl.number = m.number AND bl.active
                  LEFT JOIN sms_gateway_mailing g ON g.id = m.mailing_id
                 WHERE m.id IN %(ids)s
                 ORDER BY m.id
                """,
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

    @api.model
    def _sms_trigger_dispatch(self, at=None):
        cron = self.env.ref(
            "sms_gateway.ir_cron_sms_gateway_dispatch", raise_if_not_found=False
        )
        if cron:
            cron._trigger(at)

    # ------------------------------------------------------------------
    # Dispatch
    # ------------------------------------------------------------------

    @api.model
    def _sms_dispatch_settings(self):
        params = self.env["ir.config_parameter"].sudo()
        return (
            int(
                params.get_param("sms_gateway.dispatch_batch_size", DEFAULT_BATCH_SIZE)
            ),
            int(params.get_param("sms_gateway.max_attempts", DEFAULT_MAX_ATTEMPTS)),
        )

    @api.model
    def _sms_time_limit(self):
        """Seconds a cron job may run before Odoo kills it (``limit_time_real_cron``,
        else ``limit_time_real``; 120 when neither is set)."""
        for key in ("limit_time_real_cron", "limit_time_real"):
            try:
                limit = float(config.get(key) or 0)
            except (TypeError, ValueError):
                limit = 0
            if limit > 0:
                return limit
        return DEFAULT_TIME_LIMIT

    @api.model
    def _sms_dispatch_budget(self):
        """Seconds one dispatch run spends claiming new batches."""
        return self._sms_time_limit() * DISPATCH_TIME_FRACTION

    def _commit(self):
        if not in_test_mode():
            self.env.cr.commit()  # pylint: disable=invalid-commit

    @api.model
    def _cron_dispatch(self, batch_size=None, max_batches=None, time_budget=None):
        """Send due queued messages, in batches, committing after each.

        A run stops claiming batches after ``time_budget`` seconds (a
        fraction of Odoo's cron time limit) and wakes the cron again for the
        rest, instead of running until Odoo kills it.
        """
        default_batch, max_attempts = self._sms_dispatch_settings()
        batch_size = batch_size or default_batch
        budget = self._sms_dispatch_budget() if time_budget is None else time_budget
        started = time.monotonic()
        self.env.flush_all()
        cr = self.env.cr
        cr.execute("SELECT nextval('sms_gateway_dispatch_run_seq')")
        run = cr.fetchone()[0]
        cr.execute("SELECT pg_advisory_lock(%s, %s)", (ADVISORY_LOCK_CLASS, run))
        try:
            self._sms_recover_interrupted(max_attempts)
            self._sms_send_emails()
            self._commit()
            blocked = set()
            done = batches = 0
            mailings = set()
            pace = None  # seconds per message of the last batch
            out_of_time = False
            due = self._sms_count_due(blocked)  # once: for the progress shown
            while max_batches is None or batches < max_batches:
                seconds_left = budget - (time.monotonic() - started)
                if seconds_left <= 0:
                    out_of_time = True
                    break
                company_id, rows = self._sms_claim(
                    run, batch_size, blocked, seconds_left=seconds_left, pace=pace
                )
                if not rows:
                    break
                batch_started = time.monotonic()
                batches += 1
                done += len(rows)
                mailings.update(r["mailing"] for r in rows if r["mailing"])
                company = self.env["res.company"].browse(company_id)
                self._sms_send_batch(company, rows, max_attempts, blocked)
                self._commit()
                # Reports that came before the references were stored.
                self._sms_apply_waiting_events(company, rows)
                self._commit()
                pace = (time.monotonic() - batch_started) / len(rows)
                self.env["ir.cron"]._notify_progress(
                    done=done, remaining=max(due - done, 0)
                )
            # After the results are committed: nothing here may undo them.
            self._sms_update_mailings(mailings)
            self._commit()
            if out_of_time:
                # Odoo would run a job that reports work remaining again at once,
                # in the same cron call, adding up to its time limit: report the
                # run as complete and wake the cron again instead.
                _logger.info(
                    "SMS dispatch run %s stops after %.0f s (%s messages): the "
                    "rest goes in the next run",
                    run,
                    time.monotonic() - started,
                    done,
                )
                self._sms_trigger_dispatch()
            else:
                self._sms_trigger_next(blocked)
            self.env["ir.cron"]._notify_progress(done=done, remaining=0)
        except Exception:
            # Leave the failed transaction before releasing the run's lock: the
            # lock belongs to the connection, the pool keeps the connection.
            if not in_test_mode():
                cr.rollback()
            raise
        finally:
            self._sms_unlock(run)
            # Rows changed in SQL: forget what the cache believes.
            self.invalidate_model()
            self.env["sms.gateway.mailing"].invalidate_model()
        return done

    @api.model
    def _sms_unlock(self, run):
        try:
            self.env.cr.execute(
                "SELECT pg_advisory_unlock(%s, %s)", (ADVISORY_LOCK_CLASS, run)
            )
        except psycopg2.Error:
            _logger.exception("Could not release the lock of SMS dispatch run %s", run)

    def _sms_due_condition(self, blocked):
        # The wall clock, as scheduled_at is written (not the transaction's start).
        now = fields.Datetime.now()
        condition = SQL(
            """state = 'queued' AND channel = 'sms'
               AND scheduled_at <= %s
               AND (next_attempt_at IS NULL OR next_attempt_at <= %s)""",
            now,
            now,
        )
        if blocked:
            condition = SQL("%s AND company_id NOT IN %s", condition, tuple(blocked))
        return condition

    @api.model
    def _sms_count_due(self, blocked):
        self.env.cr.execute(
            SQL(
                "SELECT count(*) FROM sms_gateway_message WHERE %s",
                self._sms_due_condition(blocked),
            )
        )
        return self.env.cr.fetchone()[0]

    @api.model
    def _sms_claim(self, run, batch_size, blocked, seconds_left=None, pace=None):
        """``_sms_claim_once``, again when another worker's claim got in the way."""
        # The claim runs in a transaction of its own (the loop commits before
        # it, and it commits itself): rolling back on a conflict loses nothing.
        for attempt in range(CLAIM_TRIES):
            try:
                return self._sms_claim_once(
                    run, batch_size, blocked, seconds_left=seconds_left, pace=pace
                )
            except psycopg2.errors.SerializationFailure:
                # Rows of our snapshot were claimed and committed meanwhile,
                # as Odoo's cron acquisition meets it: start a new snapshot.
                if in_test_mode() or attempt == CLAIM_TRIES - 1:
                    raise
                self.env.cr.rollback()
        return None, []

    @api.model
    def _sms_batch_size(self, company, batch_size, seconds_left=None, pace=None):
        """How many messages of ``company`` one batch takes.

        One request per message (Twilio): small batches, so that a crash
        leaves few messages whose fate is unknown. Within a time budget: as
        many as the pace of the last batch lets send in half the time left;
        before any batch, for one request per message, as many as can wait
        for the request timeout each.
        """
        company = company.sudo()
        provider_class = providers.PROVIDERS.get(company.sms_gateway_provider)
        single = not (provider_class and provider_class.supports_bulk)
        if single:
            batch_size = min(batch_size, SINGLE_REQUEST_BATCH_SIZE)
        if seconds_left is not None:
            if pace:
                batch_size = min(batch_size, int(seconds_left / 2 / pace))
            elif single:
                timeout = max(company.sms_gateway_timeout or 0, 1)
                batch_size = min(batch_size, int(seconds_left / timeout))
        return max(batch_size, 1)

    @api.model
    def _sms_claim_once(self, run, batch_size, blocked, seconds_left=None, pace=None):
        """Take up to ``batch_size`` due messages of one company for this run.

        The rows are locked with SKIP LOCKED, marked ``sending`` with the
        provider they go through and committed: another worker cannot take
        them, and a crash after this point leaves them ``sending`` with this
        run's id. Returns the company id and the rows (dicts) to send.
        """
        cr = self.env.cr
        cr.execute(
            SQL(
                """
                SELECT company_id FROM sms_gateway_message
                 WHERE %s
                 ORDER BY scheduled_at, id
                 LIMIT 1
                   FOR UPDATE SKIP LOCKED
                """,
                self._sms_due_condition(blocked),
            )
        )
        row = cr.fetchone()
        if not row:
            return None, []
        company_id = row[0]
        company = self.env["res.company"].browse(company_id)
        code = company.sms_gateway_provider
        cr.execute(
            SQL(
                """
                UPDATE sms_gateway_message m
                   SET state = 'sending', dispatch_run = %(run)s,
                       provider = %(code)s,
                       attempt_count = m.attempt_count + 1
                  FROM (SELECT id FROM sms_gateway_message
                         WHERE %(due)s AND company_id = %(company)s
                         ORDER BY scheduled_at, id
                         LIMIT %(limit)s
                           FOR UPDATE SKIP LOCKED) AS due
                 WHERE m.id = due.id
                RETURNING m.id, m.uid, m.number, m.body, m.attempt_count, m.parts,
                          m.mailing_id,
                          (SELECT sender FROM sms_gateway_mailing g
                            WHERE g.id = m.mailing_id),
                          m.provider
                """,
                run=run,
                code=code,
                due=self._sms_due_condition(blocked),
                company=company_id,
                limit=self._sms_batch_size(company, batch_size, seconds_left, pace),
            )
        )
        keys = (
            "id",
            "uid",
            "number",
            "body",
            "attempts",
            "parts",
            "mailing",
            "sender",
            "provider",
        )
        rows = sorted(
            (dict(zip(keys, values, strict=True)) for values in cr.fetchall()),
            key=lambda r: r["id"],
        )
        self._commit()
        return company_id, rows

    @api.model
    def _sms_send_batch(self, company, rows, max_attempts, blocked):
        """``_sms_send_rows``; an unexpected error (a bug, an adapter raising
        something unforeseen) counts as an attempt of each message of the
        batch instead of stopping the dispatch, so that no message can stop
        it forever."""
        try:
            with self.env.cr.savepoint():
                self._sms_send_rows(company, rows, max_attempts, blocked)
        except Exception as error:
            _logger.exception(
                "SMS dispatch for company %s: unexpected error sending %s messages",
                company.id,
                len(rows),
            )
            self._sms_unexpected_error(rows, error, max_attempts)

    @api.model
    def _sms_unexpected_error(self, rows, error, max_attempts):
        """What became of the batch is unknown: again later when the provider
        has an idempotency key (failed after the last attempt), to review
        otherwise (a request may have gone)."""
        reason = self.env._(
            "unexpected error (%(error)s), see the server log",
            error=type(error).__name__,
        )
        resendable, others = [], []
        for row in rows:
            provider_class = providers.PROVIDERS.get(row.get("provider"))
            if provider_class and provider_class.supports_idempotency:
                resendable.append(row)
            else:
                others.append(row)
        self._sms_retry_rows(resendable, reason, max_attempts)
        self._sms_flag_ids([r["id"] for r in others], reason)

    @api.model
    def _sms_apply_waiting_events(self, company, rows):
        """Apply the delivery reports that arrived for these rows before their
        results were recorded (committed); never makes the dispatch fail."""
        Event = self.env["sms.gateway.delivery.event"].sudo()
        try:
            with self.env.cr.savepoint():
                self.env.cr.execute(
                    """
                    SELECT uid, provider_ref FROM sms_gateway_message
                     WHERE id IN %s AND state NOT IN %s
                    """,
                    (tuple(r["id"] for r in rows), UNSETTLED),
                )
                recorded = self.env.cr.fetchall()
                refs = [ref for _uid, ref in recorded if ref]
                uids = [uid for uid, _ref in recorded]
                after = 0 if recorded else None
                while after is not None:
                    _applied, after = Event._sms_apply_pending(
                        after=after, company=company, refs=refs, uids=uids
                    )
        except Exception:
            _logger.exception(
                "SMS dispatch for company %s: delivery reports not applied",
                company.id,
            )
            Event._sms_trigger_apply()

    @api.model
    def _sms_send_rows(self, company, rows, max_attempts, blocked):
        """Send these rows (one company) and record what became of each."""
        try:
            provider = company._sms_gateway_get_provider()
        except UserError as error:  # locked, disabled, or configuration incomplete
            self._sms_requeue_ids([r["id"] for r in rows], uncount=True)
            blocked.add(company.id)
            kind = "lock" if isinstance(error, ProviderLockedError) else "config"
            company._sms_gateway_alert(kind, error.args[0])
            return
        if any(r.get("provider") not in (None, provider.code) for r in rows):
            # The company changed provider since the claim: claimed again.
            self._sms_requeue_ids([r["id"] for r in rows], uncount=True)
            return
        messages = [
            {
                "uid": r["uid"],
                "number": r["number"],
                "body": r["body"],
                "sender": r["sender"] or None,
            }
            for r in rows
        ]
        with provider:
            try:
                results = provider.send(messages)
            except providers.ProviderError as error:
                self._sms_record_rows(
                    company, provider, rows, error.partial_results, max_attempts
                )
                handled = {r["uid"] for r in error.partial_results}
                in_flight_uids = set(error.in_flight)
                in_flight = [r for r in rows if r["uid"] in in_flight_uids]
                rest = [
                    r
                    for r in rows
                    if r["uid"] not in handled and r["uid"] not in in_flight_uids
                ]
                self._sms_provider_error(
                    company, provider, error, rest, in_flight, max_attempts, blocked
                )
                return
        self._sms_record_rows(company, provider, rows, results, max_attempts)

    @api.model
    def _sms_provider_error(
        self, company, provider, error, rest, in_flight, max_attempts, blocked
    ):
        _logger.info(
            "SMS dispatch for company %s: %s error (%s): %s",
            company.id,
            provider.code,
            error.code,
            error,
        )
        if in_flight and not provider.supports_idempotency:
            self._sms_flag_ids([r["id"] for r in in_flight], str(error))
        else:
            rest = rest + in_flight
        if error.code in ACCOUNT_ERRORS or not error.temporary:
            # The account cannot send now: nothing is failed, all waits.
            self._sms_requeue_ids([r["id"] for r in rest], uncount=True)
            blocked.add(company.id)
            company._sms_gateway_alert(error.code, str(error))
        else:
            self._sms_retry_rows(rest, str(error), max_attempts, error.retry_after)
            if error.code == "rate_limit":
                blocked.add(company.id)

    @api.model
    def _sms_record_rows(self, company, provider, rows, results, max_attempts):
        """Write the provider's per-message results in a few SQL statements."""
        if not results:
            return
        by_uid = {r["uid"]: r for r in rows}
        now = fields.Datetime.now()
        price = company.sms_gateway_price_per_part
        accepted, rejected, retry = [], [], []
        retry_error = None
        for result in results:
            row = by_uid.get(result["uid"])
            if not row:
                continue
            if result["state"] == "accepted":
                parts = result.get("parts") or row["parts"] or 0
                cost = result.get("cost")
                if cost is None:
                    cost = parts * price
                accepted.append(
                    (row["id"], result.get("provider_ref") or None, parts, cost)
                )
            elif result["state"] == "rejected":
                rejected.append((row["id"], result.get("error") or "rejected"))
            else:
                retry.append(row)
                retry_error = result.get("error") or "temporary failure"
        cr = self.env.cr
        if accepted:
            cr.execute(
                SQL(
                    """
                    UPDATE sms_gateway_message m
                       SET state = 'sent', sent_at = %(now)s, provider = %(code)s,
                           provider_ref = v.ref, parts = v.parts, cost = v.cost,
                           currency_id = %(currency)s, failure_reason = NULL,
                           write_date = %(now)s
                      FROM (VALUES %(values)s) AS v(id, ref, parts, cost)
                     WHERE m.id = v.id AND m.state = 'sending'
                    """,
                    now=now,
                    code=provider.code,
                    currency=company.sms_gateway_currency_id.id or None,
                    values=SQL(", ").join(
                        SQL("(%s, %s, %s, %s::float)", *row) for row in accepted
                    ),
                )
            )
        if rejected:
            cr.execute(
                SQL(
                    """
                    UPDATE sms_gateway_message m
                       SET state = 'failed', provider = %(code)s,
                           failure_reason = v.reason, write_date = %(now)s
                      FROM (VALUES %(values)s) AS v(id, reason)
                     WHERE m.id = v.id AND m.state = 'sending'
                    """,
                    now=now,
                    code=provider.code,
                    values=SQL(", ").join(SQL("(%s, %s)", *row) for row in rejected),
                )
            )
        if retry:
            self._sms_retry_rows(retry, retry_error, max_attempts)

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

    @api.model
    def _sms_requeue_ids(self, ids, uncount=False):
        """Back to the queue as if not attempted (account-level problems)."""
        if not ids:
            return
        self.env.cr.execute(
            SQL(
                """
                UPDATE sms_gateway_message
                   SET state = 'queued',
                       attempt_count = GREATEST(attempt_count - %s, 0)
                 WHERE id IN %s AND state = 'sending'
                """,
                1 if uncount else 0,
                tuple(ids),
            )
        )

    @api.model
    def _sms_retry_rows(self, rows, reason, max_attempts, retry_after=None):
        """Temporary failure: wait longer each attempt, fail after the last."""
        if not rows:
            return
        now = fields.Datetime.now()
        cr = self.env.cr
        to_fail = [r["id"] for r in rows if r["attempts"] >= max_attempts]
        if to_fail:
            cr.execute(
                SQL(
                    """
                    UPDATE sms_gateway_message
                       SET state = 'failed', failure_reason = %s, write_date = %s
                     WHERE id IN %s AND state = 'sending'
                    """,
                    self.env._(
                        "%(reason)s (gave up after %(count)s attempts)",
                        reason=reason,
                        count=max_attempts,
                    ),
                    now,
                    tuple(to_fail),
                )
            )
        by_attempts = {}
        for row in rows:
            if row["attempts"] < max_attempts:
                by_attempts.setdefault(row["attempts"], []).append(row["id"])
        for attempts, ids in by_attempts.items():
            delay = RETRY_PATTERN.get(attempts, max(RETRY_PATTERN.values()))
            delay = max(delay, int(retry_after or 0))
            cr.execute(
                SQL(
                    """
                    UPDATE sms_gateway_message
                       SET state = 'queued', next_attempt_at = %s,
                           failure_reason = %s, write_date = %s
                     WHERE id IN %s AND state = 'sending'
                    """,
                    now + timedelta(seconds=delay),
                    reason,
                    now,
                    tuple(ids),
                )
            )

    @api.model
    def _sms_flag_ids(self, ids, reason):
        if not ids:
            return
        self.env.cr.execute(
            SQL(
                """
                UPDATE sms_gateway_message
                   SET needs_review = TRUE, failure_reason = %s
                 WHERE id IN %s AND state = 'sending'
                """,
                self.env._(
                    "The provider may have taken this SMS (%(reason)s); it has no "
                    "idempotency key, so it is not resent automatically: check with "
                    "the provider, then mark it sent or resend it.",
                    reason=reason,
                ),
                tuple(ids),
            )
        )

    @api.model
    def _sms_recover_interrupted(self, max_attempts=None):
        """Messages left ``sending`` by a run that died: requeue or review.

        A run holds its advisory lock until it ends; when the lock of a run
        can be taken, that run is gone (its connection closed). What decides
        is the provider each message went through (stored when it was
        claimed), not the one its company uses now. A message whose attempts
        are used up fails instead of being requeued: one that kills every run
        that takes it cannot keep the queue stuck.
        """
        if max_attempts is None:
            max_attempts = self._sms_dispatch_settings()[1]
        self.flush_model()
        cr = self.env.cr
        cr.execute(
            """
            SELECT DISTINCT dispatch_run FROM sms_gateway_message
             WHERE state = 'sending' AND needs_review IS NOT TRUE
            """
        )
        for (run,) in cr.fetchall():
            cr.execute(
                "SELECT pg_try_advisory_lock(%s, %s)", (ADVISORY_LOCK_CLASS, run)
            )
            if not cr.fetchone()[0]:
                continue  # that run is still sending
            try:
                cr.execute(
                    """
                    SELECT m.company_id,
                           COALESCE(m.provider, c.sms_gateway_provider),
                           m.id, m.attempt_count
                      FROM sms_gateway_message m
                      JOIN res_company c ON c.id = m.company_id
                     WHERE m.state = 'sending' AND m.dispatch_run = %s
                       AND m.needs_review IS NOT TRUE
                    """,
                    (run,),
                )
                groups = {}
                for company_id, code, message_id, attempts in cr.fetchall():
                    groups.setdefault((company_id, code), []).append(
                        {"id": message_id, "attempts": attempts}
                    )
                for (company_id, code), rows in sorted(groups.items()):
                    provider_class = providers.PROVIDERS.get(code)
                    idempotent = bool(
                        provider_class and provider_class.supports_idempotency
                    )
                    _logger.warning(
                        "SMS dispatch run %s was interrupted: %s messages of company "
                        "%s sent through %s %s",
                        run,
                        len(rows),
                        company_id,
                        code,
                        "requeued" if idempotent else "flagged for review",
                    )
                    reason = self.env._("its dispatch was interrupted")
                    if idempotent:
                        spent = [r for r in rows if r["attempts"] >= max_attempts]
                        self._sms_retry_rows(spent, reason, max_attempts)
                        self._sms_requeue_ids(
                            [r["id"] for r in rows if r["attempts"] < max_attempts]
                        )
                    else:
                        self._sms_flag_ids([r["id"] for r in rows], reason)
                self.invalidate_model()
                self._commit()
            except Exception:
                if not in_test_mode():
                    cr.rollback()
                raise
            finally:
                self._sms_unlock(run)

    @api.model
    def _sms_trigger_next(self, blocked):
        """Wake the dispatch again when the next message becomes due."""
        self.env.cr.execute(
            SQL(
                """
                SELECT min(GREATEST(scheduled_at,
                                    COALESCE(next_attempt_at, scheduled_at)))
                  FROM sms_gateway_message
                 WHERE state = 'queued' AND channel = 'sms' %s
                """,
                SQL("AND company_id NOT IN %s", tuple(blocked)) if blocked else SQL(""),
            )
        )
        at = self.env.cr.fetchone()[0]
        if at:
            self._sms_trigger_dispatch(max(at, fields.Datetime.now()))

    # ------------------------------------------------------------------
    # E-mail fallback and chatter
    # ------------------------------------------------------------------

    @api.model
    def _sms_send_emails(self):
        """Queue the due e-mail fallbacks in Odoo's mail queue."""
        messages = self.search(
            [
                ("channel", "=", "email"),
                ("state", "=", "queued"),
                ("scheduled_at", "<=", fields.Datetime.now()),
            ],
            limit=5000,
        ).sudo()
        if not messages:
            return
        mails = (
            self.env["mail.mail"]
            .sudo()
            .create(
                [
                    {
                        # The address the send's rules checked, and only it:
                        # with the partner as a recipient too, mail.mail sends
                        # one e-mail to ``email_to`` and one to the partner.
                        "email_to": message.email,
                        "subject": message.mailing_id.name
                        or self.env._(
                            "Message from %(company)s", company=message.company_id.name
                        ),
                        "body_html": self._sms_email_body(message.body),
                        "author_id": message.user_id.partner_id.id,
                        "email_from": message.user_id.email_formatted
                        or message.company_id.email_formatted,
                        "auto_delete": True,
                    }
                    for message in messages
                ]
            )
        )
        messages.write({"state": "sent", "sent_at": fields.Datetime.now()})
        messages.mailing_id._sms_update_state()
        _logger.info("Queued %s e-mail fallbacks", len(mails))

    @api.model
    def _sms_email_body(self, body):
        return Markup("<p>%s</p>") % Markup("<br/>").join(
            escape(line) for line in (body or "").split("\n")
        )

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
    # Delivery reports
    # ------------------------------------------------------------------

    @api.model
    def _sms_apply_delivery_events(self, company, events, provider=None):
        """Apply delivery events of ``provider`` to the messages ``company``
        sent through it; see res.company.

        An event whose message is still being sent (or is being written by
        another transaction) is kept in ``sms.gateway.delivery.event`` and
        applied once the message's result is recorded: it is never lost.
        """
        if provider:
            events = [dict(event, provider=provider) for event in events]
        try:
            with self.env.cr.savepoint():
                outcome = self._sms_apply_delivery_events_to(company, events)
        except psycopg2.errors.SerializationFailure:
            outcome = {"applied": 0, "waiting": list(events), "unknown": []}
        if outcome["waiting"]:
            self.env["sms.gateway.delivery.event"].sudo()._sms_store(
                company,
                provider or company.sudo().sms_gateway_provider,
                outcome["waiting"],
            )
        return {"applied": outcome["applied"], "unknown": outcome["unknown"]}

    @api.model
    def _sms_apply_delivery_events_to(self, company, events):
        """Apply the events whose message is there, recorded and free.

        An event reaches only a message of ``company`` sent through the
        event's provider (``event["provider"]``, when it names one) that the
        provider accepted, with the event's reference if it has one
        (``_sms_may_take_delivery_event``); any other is unknown.

        Returns ``{"applied": number of messages changed, "consumed": ids of
        the stored events applied (or that can never apply), "waiting": events
        whose message is queued, sending or locked, "unknown": references of
        no message of the company}``. Raises SerializationFailure when a
        message changed since the transaction began (the caller keeps the
        events).
        """
        result = {"applied": 0, "consumed": [], "waiting": [], "unknown": []}
        refs = {e["provider_ref"] for e in events if e.get("provider_ref")}
        uids = {e["uid"] for e in events if e.get("uid")}
        if not refs and not uids:
            return result
        self.flush_model()
        cr = self.env.cr
        cr.execute(
            """
            SELECT id, uid, provider_ref, state, provider FROM sms_gateway_message
             WHERE company_id = %s AND (provider_ref IN %s OR uid IN %s)
            """,
            (company.id, tuple(refs) or (None,), tuple(uids) or (None,)),
        )
        found = cr.fetchall()
        by_ref = {row[2]: row for row in found if row[2]}
        by_uid = {row[1]: row for row in found}
        recorded = [row[0] for row in found if row[3] not in UNSETTLED]
        free = set()
        if recorded:
            # Never wait for a row another transaction writes (the dispatch
            # recording it): its events wait instead.
            cr.execute(
                """
                SELECT id FROM sms_gateway_message
                 WHERE id IN %s AND state NOT IN %s
                   FOR UPDATE SKIP LOCKED
                """,
                (tuple(recorded), UNSETTLED),
                log_exceptions=False,  # a SerializationFailure is expected
            )
            free = {row[0] for row in cr.fetchall()}
        messages = self.sudo().browse(free)
        messages.invalidate_recordset()  # what the locks hold, not the cache
        for event in events:
            row = by_ref.get(event.get("provider_ref")) or by_uid.get(event.get("uid"))
            if row and event.get("provider") and row[4] != event["provider"]:
                row = None  # another provider's message: not this report's
            if not row:
                result["unknown"].append(event.get("provider_ref") or event.get("uid"))
                continue
            if row[0] not in free:
                result["waiting"].append(event)
                continue
            message = messages.browse(row[0])
            if not message._sms_may_take_delivery_event(event):
                result["unknown"].append(event.get("provider_ref") or event.get("uid"))
            elif message._sms_apply_delivery_event(event):
                result["applied"] += 1
            if event.get("id"):
                result["consumed"].append(event["id"])
        self.flush_model()
        return result

    def _sms_may_take_delivery_event(self, event):
        """A report only concerns a message the provider accepted (sent), and
        never one whose reference is not the report's."""
        self.ensure_one()
        ref = event.get("provider_ref")
        return self.state in ("sent", "delivered", "undelivered") and not (
            ref and self.provider_ref and ref != self.provider_ref
        )

    def _sms_apply_delivery_event(self, event):
        """Move this message forward on a delivery event; False when it changes
        nothing (a repeated or older report). Parts, cost and the sending time
        stay what the dispatch recorded; the delivery time is kept between the
        sending and now."""
        self.ensure_one()
        state = DELIVERY_TO_STATE.get(event.get("status"))
        values = {"provider_status": event.get("raw_status") or event.get("status")}
        if state and DELIVERY_RANK.get(state, 0) > DELIVERY_RANK.get(self.state, 99):
            values["state"] = state
            now = fields.Datetime.now()
            at = event.get("at")
            if not at or at > now or (self.sent_at and at < self.sent_at):
                at = now
            if state == "delivered":
                values["delivered_at"] = at
                values["failure_reason"] = False
            elif state == "undelivered":
                values["failure_reason"] = event.get("error") or (
                    self.env._("Expired before delivery")
                    if event.get("status") == "expired"
                    else self.env._("Not delivered")
                )
            elif state == "sent" and not self.sent_at:
                values["sent_at"] = at
            self.write(values)
            return True
        # News older than the message's state (a late "sent" on a delivered
        # message) does not overwrite the provider's status either.
        rank = DELIVERY_RANK.get(state, DELIVERY_RANK["sent"])
        if values["provider_status"] != self.provider_status and rank >= (
            DELIVERY_RANK.get(self.state, 99)
        ):
            self.write(values)
        return False

    @api.model
    def _cron_poll_delivery(self, limit=5000):
        """Ask providers without delivery callbacks (the sandbox) for news."""
        pollable = [
            code
            for code, provider_class in providers.PROVIDERS.items()
            if hasattr(provider_class, "delivery_status")
        ]
        messages = self.sudo().search(
            [
                ("state", "=", "sent"),
                ("provider", "in", pollable),
                ("sent_at", "<=", fields.Datetime.now() - timedelta(seconds=5)),
            ],
            limit=limit,
            order="sent_at",
        )
        for (company, code), batch in messages.grouped(
            lambda m: (m.company_id, m.provider)
        ).items():
            provider = providers.build(code, {})
            events = [
                {
                    "provider_ref": message.provider_ref,
                    "uid": message.uid,
                    "status": provider.delivery_status(
                        message.provider_ref, number=message.number
                    ),
                    "raw_status": None,
                    "at": fields.Datetime.now(),
                }
                for message in batch
            ]
            self._sms_apply_delivery_events(company, events, provider=code)
        return len(messages)
