# Copyright 2026 sms_gateway authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Preparing a large mailing in the background.

Send returns at once when a send has more recipients than the threshold
(``sms_gateway.prepare_threshold``, 5,000): the mailing is "preparing" (or
"scheduled", prepared a few minutes before its time) and the prepare cron
(``_cron_prepare``) does the work in steps, each in a transaction of its own:

1. Stage: the recipients (the partners of the send as its sender may read
   them, under the recipient rule) are written once, numbered, into
   ``sms_gateway_mailing_recipient``; the limits are checked on them (the
   parts limit, the 24-hour guard, the caps) before anything is queued. A
   refusal cancels the mailing with the reason: nothing queued.
2. Chunks: the numbered recipients are cut into chunks (rows of
   ``sms_gateway_mailing_chunk``); a worker takes one (``FOR UPDATE SKIP
   LOCKED``), writes its messages through the one writer of messages
   (``_sms_write_messages``) and deletes the chunk row in the same
   transaction: after a kill or a crash both are rolled back, so no
   recipient is written twice and none is lost. Several cron workers (the
   prepare cron's lanes, see ``_sms_trigger_prepare``) and several Odoo
   servers write the chunks of one mailing side by side.
3. Done: when no chunk is left, the mailing is "sending" (or "scheduled"
   until its time) and the dispatch is woken.

The messages of a preparing mailing are not dispatched (see the
dispatcher's due condition): a text that turns out too long in a chunk
marks the mailing refused; once no chunk is being written any more, what
was written is removed and the mailing is canceled with the reason,
nothing having gone. Whole-mailing steps (stage, finish, refusal, cancel)
lock the mailing row (``FOR UPDATE SKIP LOCKED``); chunk writers hold a
``FOR KEY SHARE`` lock on it, so those steps wait until no chunk is being
written. A large mailing canceled by a user stops at once (the dispatcher
leaves its messages) and its queued messages are canceled here, in chunks.
"""

import logging
import tempfile
import time
from datetime import timedelta

import psycopg2.errors
from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.osv import expression
from odoo.tools import SQL

_logger = logging.getLogger(__name__)

# Sends with more recipients than this are prepared in the background.
DEFAULT_PREPARE_THRESHOLD = 5000
# Recipients written per step: one INSERT ... SELECT for a text without
# placeholders, rendered ones in Python (a few seconds per step).
CONSTANT_CHUNK = 100000
RENDERED_CHUNK = 20000
# Messages of a canceled large mailing canceled per statement.
CANCEL_CHUNK = 50000
# A scheduled large mailing is prepared this long before its time.
PREPARE_AHEAD = timedelta(minutes=10)
PREPARE_STEPS = [
    ("stage", "Recipients to read"),
    ("write", "Messages to write"),
    ("refuse", "Refused, to undo"),
    ("cancel", "Queued messages to cancel"),
    ("done", "Done"),
]
# The part of Odoo's cron time limit one run of the prepare cron works (a
# step takes seconds, the rest of the limit covers the last one): a million
# recipients are prepared in one run, not two with a restart between.
PREPARE_TIME_FRACTION = 0.75
# How often a step is tried again when another worker's commit got in the way
# (Odoo's transactions are REPEATABLE READ).
STEP_TRIES = 3


class SmsGatewayMailing(models.Model):
    _inherit = "sms.gateway.mailing"  # pylint: disable=consider-merging-classes-inherited

    prepare_step = fields.Selection(
        PREPARE_STEPS,
        readonly=True,
        copy=False,
        index=True,
        help="Where the background preparation of a large mailing is.",
    )
    prepare_domain = fields.Char(
        readonly=True,
        copy=False,
        groups="sms_gateway.group_sms_gateway_user",
        help="The partner filter of the send (a literal domain).",
    )
    prepare_partner_ids = fields.Many2many(
        "res.partner",
        "sms_gateway_mailing_prepare_partner_rel",
        "mailing_id",
        "partner_id",
        string="Selected Partners",
        readonly=True,
        copy=False,
        groups="sms_gateway.group_sms_gateway_user",
    )
    prepare_total = fields.Integer(
        string="Recipients to Prepare", readonly=True, copy=False
    )
    prepare_done = fields.Integer(
        string="Prepared", compute="_compute_prepare_done", compute_sudo=True
    )
    # The reason may quote the text (a placeholder, a value it rendered with
    # the sender's rights): for SMS users, as the text is.
    prepare_error = fields.Text(
        string="Not Sent",
        readonly=True,
        copy=False,
        groups="sms_gateway.group_sms_gateway_user",
        help="Why the mailing was refused while it was prepared.",
    )
    progress_value = fields.Integer(string="Done", compute="_compute_progress")
    progress_total = fields.Integer(string="Of", compute="_compute_progress")
    progress_label = fields.Char(string="Progress", compute="_compute_progress")

    @api.depends("prepare_step", "prepare_total")
    def _compute_prepare_done(self):
        """Recipients written: all of them less the chunks still to write."""
        left = {}
        ids = [m.id for m in self if m.id and m.prepare_step == "write"]
        if ids:
            left = dict(
                self.env.execute_query(
                    SQL(
                        """
                        SELECT mailing_id, sum(stop - start)
                          FROM sms_gateway_mailing_chunk
                         WHERE mailing_id IN %s GROUP BY mailing_id
                        """,
                        tuple(ids),
                    )
                )
            )
        for mailing in self:
            if mailing.prepare_step == "stage":
                mailing.prepare_done = 0
            elif mailing.prepare_step == "write":
                mailing.prepare_done = mailing.prepare_total - left.get(mailing.id, 0)
            else:
                mailing.prepare_done = mailing.prepare_total

    @api.depends("state", "prepare_done", "prepare_total", "message_ids.state")
    def _compute_progress(self):
        """Prepared / recipients while preparing, then sent / to send."""
        for mailing in self:
            if mailing.state == "preparing" or mailing.prepare_step in (
                "stage",
                "write",
            ):
                mailing.progress_value = mailing.prepare_done
                mailing.progress_total = mailing.prepare_total
                mailing.progress_label = (
                    self.env._("Reading the recipients")
                    if mailing.prepare_step == "stage"
                    else self.env._("Preparing")
                )
                continue
            to_send = (
                mailing.count_total - mailing.count_excluded - mailing.count_canceled
            )
            mailing.progress_value = (
                mailing.count_sent + mailing.count_failed + mailing.count_email
            )
            mailing.progress_total = to_send
            mailing.progress_label = self.env._("Sent")

    def init(self):
        result = super().init()
        # The recipients of a mailing being prepared, numbered, and the chunks
        # of them still to write: work tables of the prepare cron, never read
        # through the ORM. No foreign key (a million checks, one per row):
        # the cron removes the rows of mailings no longer prepared.
        self.env.cr.execute(
            """
            CREATE TABLE IF NOT EXISTS sms_gateway_mailing_recipient (
                mailing_id integer NOT NULL,
                seq integer NOT NULL,
                partner_id integer,
                number varchar,
                email varchar,
                channel varchar,
                reason varchar,
                group_id integer,
                PRIMARY KEY (mailing_id, seq)
            );
            CREATE TABLE IF NOT EXISTS sms_gateway_mailing_chunk (
                mailing_id integer NOT NULL,
                start integer NOT NULL,
                stop integer NOT NULL,
                PRIMARY KEY (mailing_id, start)
            )
            """
        )
        return result

    # ------------------------------------------------------------------
    # Send: at once or in the background
    # ------------------------------------------------------------------

    @api.model
    def _sms_prepare_threshold(self):
        value = (
            self.env["ir.config_parameter"]
            .sudo()
            .get_param("sms_gateway.prepare_threshold")
        )
        try:
            return max(int(value), 0) if value else DEFAULT_PREPARE_THRESHOLD
        except ValueError:
            return DEFAULT_PREPARE_THRESHOLD

    @api.model
    def _sms_partner_query(self, partner_ids=(), domain=None, groups=None):
        """Query of the recipients (partners the current user may read):
        the selected partners, the partners of a literal domain, the members
        of SMS groups; None when there is none of them."""
        Partner = self.env["res.partner"]
        domains = []
        if partner_ids:
            domains.append([("id", "in", list(partner_ids))])
        if domain:
            domains.append(self.env["sms.gateway.group"]._sms_user_domain(domain))
        if groups:
            domains.append([("id", "in", groups._sms_recipient_partners_query())])
        if not domains:
            return None
        return Partner._search(expression.OR(domains))

    def _sms_prepare_later(self):
        """Hand the mailing to the prepare cron (its recipients were given
        as ``prepare_partner_ids``, ``prepare_domain`` and ``group_ids``)."""
        self.ensure_one()
        if not self._sms_prepare_cron_exists():
            # Nothing would ever prepare it: refuse now rather than wait.
            raise UserError(
                self.env._(
                    'Large sends are prepared by the scheduled action "SMS '
                    'Gateway: prepare large mailings", which was deleted: ask a '
                    "system administrator to update the SMS Gateway module."
                )
            )
        self.sudo().write({"prepare_step": "stage"})
        self._sms_trigger_prepare(
            self.scheduled_at - PREPARE_AHEAD if self.state == "scheduled" else None
        )

    @api.model
    def _sms_prepare_cron_exists(self):
        """Whether a lane of the prepare cron exists, active or archived (an
        archived one pauses the preparation until it is active again)."""
        from ..dispatch.dispatcher import MAX_LANES  # a cycle at load time

        return any(
            self.env.ref(
                f"sms_gateway.ir_cron_sms_gateway_prepare{suffix}",
                raise_if_not_found=False,
            )
            for suffix in ["", *(f"_{lane}" for lane in range(2, MAX_LANES + 1))]
        )

    @api.model
    def _sms_trigger_prepare(self, at=None):
        """Wake every active lane of the prepare cron (see
        ``sms.gateway.dispatcher._sms_cron_lanes``)."""
        lanes = self.env["sms.gateway.dispatcher"]._sms_cron_lanes("prepare")
        for cron in lanes:
            cron._trigger(at)

    # ------------------------------------------------------------------
    # The cron
    # ------------------------------------------------------------------

    @api.model
    def _cron_prepare(self, time_budget=None):
        """Prepare large mailings step by step, committing after each step,
        within a part of Odoo's cron time limit; wake the cron again when
        work is left."""
        Dispatcher = self.env["sms.gateway.dispatcher"]
        budget = (
            Dispatcher._sms_job_budget(PREPARE_TIME_FRACTION)
            if time_budget is None
            else time_budget
        )
        started = time.monotonic()
        steps = 0
        while time.monotonic() - started < budget:
            if not self._sms_prepare_one():
                self._sms_prepare_clean()
                Dispatcher._commit()
                break
            Dispatcher._commit()
            steps += 1
            self.env["ir.cron"]._notify_progress(done=steps, remaining=1)
        else:
            self._sms_trigger_prepare()
        self.env["ir.cron"]._notify_progress(done=steps, remaining=0)
        return steps

    @api.model
    def _sms_prepare_one(self):
        """Do one step (in the current transaction, which the caller
        commits); False when there is nothing this worker can do now."""
        from ..dispatch.dispatcher import in_test_mode  # a cycle at load time

        for attempt in range(STEP_TRIES):
            try:
                with self.env.cr.savepoint(flush=False):
                    return self._sms_prepare_chunk() or self._sms_prepare_mailing()
            except psycopg2.errors.SerializationFailure:
                # Another worker committed a row this snapshot read: start a
                # new snapshot (nothing of the step is kept).
                if in_test_mode() or attempt == STEP_TRIES - 1:
                    raise
                self.env.cr.rollback()
                self.env.invalidate_all()
        return False

    @api.model
    def _sms_prepare_chunk(self):
        """Write the messages of one chunk of a mailing being written."""
        self.env.flush_all()
        rows = self.env.execute_query(
            SQL(
                """
                SELECT c.mailing_id, c.start, c.stop
                  FROM sms_gateway_mailing_chunk c
                  JOIN sms_gateway_mailing g ON g.id = c.mailing_id
                 WHERE g.prepare_step = 'write'
                 ORDER BY c.mailing_id, c.start
                 LIMIT 1
                   FOR UPDATE OF c SKIP LOCKED
                """
            )
        )
        if not rows:
            return False
        mailing_id, start, stop = rows[0]
        # Whole-mailing steps (refusal, cancel, finish) wait for this one.
        step = self.env.execute_query(
            SQL(
                "SELECT prepare_step FROM sms_gateway_mailing WHERE id = %s "
                "FOR KEY SHARE",
                mailing_id,
            )
        )
        if not step or step[0][0] != "write":
            return True  # canceled or refused meanwhile: its own step follows
        mailing = self.browse(mailing_id).sudo()
        # A chunk's statements run once: compiling them (JIT) costs more.
        self.env.cr.execute("SET LOCAL jit = off")
        try:
            with self.env.cr.savepoint():
                mailing._sms_writer_self()._sms_write_messages(
                    SQL(
                        """
                        SELECT seq, partner_id, number, email, channel, reason,
                               group_id
                          FROM sms_gateway_mailing_recipient
                         WHERE mailing_id = %s AND seq > %s AND seq <= %s
                        """,
                        mailing_id,
                        start,
                        stop,
                    ),
                    notes=False,
                )
        except UserError as error:
            # Undone once no chunk is being written (the refuse step).
            self.env.cr.execute(
                SQL(
                    """
                    UPDATE sms_gateway_mailing
                       SET prepare_step = 'refuse', prepare_error = %s
                     WHERE id = %s AND prepare_step = 'write'
                    """,
                    error.args[0],
                    mailing_id,
                )
            )
            self.invalidate_model(["prepare_step", "prepare_error"])
            self._sms_trigger_prepare()
            return True
        self.env.cr.execute(
            SQL(
                "DELETE FROM sms_gateway_mailing_chunk "
                "WHERE mailing_id = %s AND start = %s",
                mailing_id,
                start,
            )
        )
        return True

    @api.model
    def _sms_prepare_mailing(self):
        """A whole-mailing step: read the recipients, finish, undo a
        refusal, cancel."""
        self.env.flush_all()
        rows = self.env.execute_query(
            SQL(
                """
                SELECT id FROM sms_gateway_mailing g
                 WHERE (g.prepare_step IN ('stage', 'refuse', 'cancel')
                        OR g.prepare_step = 'write' AND NOT EXISTS (
                            SELECT 1 FROM sms_gateway_mailing_chunk c
                             WHERE c.mailing_id = g.id))
                   AND (g.state != 'scheduled' OR g.scheduled_at <= %s)
                 ORDER BY id
                 LIMIT 1
                   FOR UPDATE SKIP LOCKED
                """,
                fields.Datetime.now() + PREPARE_AHEAD,
            )
        )
        if not rows:
            return False
        mailing = self.browse(rows[0][0]).sudo()
        mailing.invalidate_recordset()
        if mailing.prepare_step == "cancel" or mailing.state == "canceled":
            mailing._sms_prepare_cancel_step()
        elif mailing.prepare_step == "refuse":
            mailing._sms_prepare_refuse(mailing.prepare_error)
        elif mailing.prepare_step == "write":
            mailing.write(mailing._sms_prepare_finish())
            mailing._sms_prepare_tell(mailing.send_summary)
        else:
            try:
                with self.env.cr.savepoint():
                    mailing._sms_prepare_stage()
            except UserError as error:
                mailing.invalidate_recordset()
                mailing._sms_prepare_refuse(error.args[0])
        return True

    @api.model
    def _sms_prepare_clean(self):
        """Remove numbered recipients and chunks of mailings no longer
        prepared (one whose preparation ended in a crash, a mailing gone)."""
        self.env.cr.execute(
            """
            DELETE FROM sms_gateway_mailing_recipient
             WHERE mailing_id NOT IN (SELECT id FROM sms_gateway_mailing
                                       WHERE prepare_step IN ('stage', 'write'));
            DELETE FROM sms_gateway_mailing_chunk
             WHERE mailing_id NOT IN (SELECT id FROM sms_gateway_mailing
                                       WHERE prepare_step = 'write')
            """
        )

    def _sms_prepare_drop_work(self, chunks=True):
        """Remove the mailing's numbered recipients and, unless ``chunks`` is
        false, its chunks still to write."""
        self.env.cr.execute(
            SQL(
                "DELETE FROM sms_gateway_mailing_recipient WHERE mailing_id = %s",
                self.id,
            )
        )
        if chunks:
            self.env.cr.execute(
                SQL(
                    "DELETE FROM sms_gateway_mailing_chunk WHERE mailing_id = %s",
                    self.id,
                )
            )

    def _sms_prepare_stage(self):
        """Step 1: number the recipients, check the limits on them, cut them
        into chunks."""
        sender = self._sms_sender_self()
        query = sender._sms_partner_query(
            self.prepare_partner_ids.ids,
            self.prepare_domain,
            self.group_ids.with_env(sender.env),
        )
        if query is None:
            raise UserError(
                self.env._("No recipient: the partners or groups of the send are gone.")
            )
        self._sms_check_placeholders()
        cr = self.env.cr
        self._sms_prepare_drop_work()
        # Sorts of a million rows in memory, not on disk; no JIT compilation
        # (seconds for one statement).
        cr.execute("SET LOCAL work_mem = '64MB'; SET LOCAL jit = off")
        self._sms_prepare_copy_recipients(
            SQL(
                "SELECT %s, row_number() OVER (ORDER BY s.partner_id), s.* FROM (%s) s",
                self.id,
                sender._sms_stage_sql(query.subselect(), True, self.group_ids.ids),
            )
        )
        # The planner must know the rows just written (it would take the
        # million for none, and join each chunk's recipients the slow way).
        cr.execute("ANALYZE sms_gateway_mailing_recipient")
        cr.execute(
            SQL(
                """
                SELECT COALESCE(reason, channel), count(*)
                  FROM sms_gateway_mailing_recipient
                 WHERE mailing_id = %s GROUP BY 1
                """,
                self.id,
            )
        )
        counts = dict(cr.fetchall())
        total = sum(counts.values())
        if not counts.get("sms") and not counts.get("email"):
            raise UserError(
                self.env._(
                    "None of the %(count)s recipients can receive an SMS now "
                    "(consent, opt-out list, mobile numbers changed since the send).",
                    count=total,
                )
            )
        self._sms_check_limits(
            None,
            True,
            counts,
            recipients=SQL(
                "SELECT * FROM sms_gateway_mailing_recipient WHERE mailing_id = %s",
                self.id,
            ),
        )
        constant = not any(
            expression for _l, expression, _t, _d in self._sms_compiled_placeholders()
        )
        size = CONSTANT_CHUNK if constant else RENDERED_CHUNK
        cr.execute(
            SQL(
                """
                INSERT INTO sms_gateway_mailing_chunk (mailing_id, start, stop)
                SELECT %(mailing)s, n, LEAST(n + %(size)s, %(total)s)
                  FROM generate_series(0, %(total)s - 1, %(size)s) AS n
                """,
                mailing=self.id,
                size=size,
                total=total,
            )
        )
        self.write(
            {"prepare_step": "write", "prepare_total": total, "state": "preparing"}
        )
        self._sms_trigger_prepare()

    def _sms_prepare_copy_recipients(self, query):
        """Write the rows of ``query`` (SQL) into the numbered recipients.

        Through COPY out and in rather than INSERT ... SELECT: PostgreSQL reads
        the recipients of a query it copies out with its parallel workers (an
        INSERT's query is read by one process), a third of the time of a
        million. The rows pass through a temporary file beyond 16 MB."""
        cr = self.env.cr
        with tempfile.SpooledTemporaryFile(max_size=16 << 20, mode="w+b") as rows:
            cr._obj.copy_expert(
                "COPY (%s) TO STDOUT" % cr.mogrify(query).decode(),
                rows,
            )
            rows.seek(0)
            cr._obj.copy_expert(
                "COPY sms_gateway_mailing_recipient (mailing_id, seq, partner_id, "
                "number, email, channel, reason, group_id) FROM STDIN",
                rows,
            )

    def _sms_sender_self(self):
        """This mailing in its sender's environment (the record rules of the
        person who sent it decide who the recipients are)."""
        return self.with_user(self.user_id).with_context(
            allowed_company_ids=[self.company_id.id]
        )

    def _sms_writer_self(self):
        """This mailing as its sender, superuser: the messages and notes
        written in the background say who sent them, as a send at once does
        (placeholders still render with the sender's rights)."""
        return self._sms_sender_self().sudo()

    def _sms_prepare_finish(self):
        """Step 3: every recipient written; the mailing goes (or waits for
        its time). Returns the values to write on the mailing."""
        self._sms_prepare_drop_work(chunks=False)

        result = self._sms_queue_result()
        if not result.get("queued") and not result.get("email"):
            state = "done"
        elif self.scheduled_at and self.scheduled_at > fields.Datetime.now():
            state = "scheduled"
        else:
            state = "sending"
        Wizard = self.env["sms.gateway.send.wizard"]
        self.env["sms.gateway.dispatcher"]._sms_trigger_dispatch(
            self.scheduled_at if state == "scheduled" else None
        )
        return {
            "prepare_step": "done",
            "state": state,
            "send_summary": Wizard._sms_summary_text(result),
        }

    def _sms_prepare_refuse(self, reason):
        """A limit or a text refused the send while it was prepared: remove
        what was written (nothing of it was dispatched), cancel the mailing
        with the reason, tell its author."""
        cr = self.env.cr
        self.env["sms.gateway.message"].flush_model()
        cr.execute(
            SQL(
                """
                DELETE FROM mail_message mm
                 USING sms_gateway_message m
                 WHERE m.mailing_id = %(mailing)s AND mm.model = 'res.partner'
                   AND mm.res_id = m.partner_id
                   AND mm.message_id = '<sms-gateway.' || m.id || '@' || %(db)s || '>'
                """,
                mailing=self.id,
                db=cr.dbname,
            )
        )
        cr.execute(
            SQL("DELETE FROM sms_gateway_message WHERE mailing_id = %s", self.id)
        )
        self._sms_prepare_drop_work()
        self.env["sms.gateway.message"].invalidate_model()
        self.env["res.partner"].invalidate_model(["message_ids"])
        self.write(
            {
                "state": "canceled",
                "prepare_step": "done",
                "prepare_error": reason,
            }
        )
        _logger.info("SMS mailing %s refused while prepared: %s", self.id, reason)
        self._sms_prepare_tell(reason, refused=True)

    def _sms_prepare_cancel_step(self):
        """A canceled large mailing: drop its staged recipients, cancel its
        queued messages a chunk at a time."""
        cr = self.env.cr
        self._sms_prepare_drop_work()
        self.env["sms.gateway.message"].flush_model()
        cr.execute(
            SQL(
                """
                UPDATE sms_gateway_message
                   SET state = 'canceled', failure_reason = %(reason)s, parts = 0,
                       cost = 0, write_date = %(now)s
                 WHERE id IN (SELECT id FROM sms_gateway_message
                               WHERE mailing_id = %(mailing)s AND state = 'queued'
                               LIMIT %(limit)s)
                """,
                reason=self.env._(
                    "Canceled by %(user)s",
                    user=self.write_uid.name or self.user_id.name,
                ),
                now=fields.Datetime.now(),
                mailing=self.id,
                limit=CANCEL_CHUNK,
            )
        )
        if cr.rowcount < CANCEL_CHUNK:
            self.write({"prepare_step": "done"})
        self.env["sms.gateway.message"].invalidate_model()

    def _sms_prepare_tell(self, text, refused=False):
        """Tell the author the mailing is ready, or why it was refused."""
        user = self.user_id
        if not user.active or user.share:
            return
        mailing = self.with_context(lang=user.lang)
        if refused:
            subject = mailing.env._("SMS mailing %(name)s not sent", name=self.name)
            body = Markup("<p>%s</p><p>%s</p>") % (
                mailing.env._(
                    "Your SMS mailing %(name)s was not sent: %(reason)s",
                    name=self.name,
                    reason=text,
                ),
                mailing.env._("Nothing was queued. Correct it and send it again."),
            )
        else:
            subject = mailing.env._("SMS mailing %(name)s prepared", name=self.name)
            body = Markup("<p>%s</p>") % mailing.env._(
                "Your SMS mailing %(name)s is prepared: %(summary)s.",
                name=self.name,
                summary=text or "",
            )
        self.env["mail.thread"].sudo().message_notify(
            model="sms.gateway.mailing",
            res_id=self.id,
            partner_ids=user.partner_id.ids,
            author_id=self.env.ref("base.partner_root").id,
            subject=subject,
            body=body,
            record_name=self.name,
        )
