# Copyright 2026 sms_gateway authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The dispatcher: what the cron runs to send queued messages.

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

Read top-down: the cron entry, claiming, sending, recording results,
retries, crash recovery, and the e-mail fallbacks the same run hands to
Odoo's mail queue. Delivery reports are ``dispatch/delivery.py``.
"""

import logging
import math
import random
import threading
import time
from datetime import timedelta

import psycopg2
import psycopg2.errors
from markupsafe import Markup, escape

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL, config
from odoo.tools.rendering_tools import parse_inline_template

from ..models.ir_cron import pass_elapsed
from ..models.sms_gateway_account import ProviderLockedError
from ..tools import providers, text_template
from .delivery import UNSETTLED
from .routing import waiting_reason

_logger = logging.getLogger(__name__)

# Seconds to wait before attempt N+1 after a temporary failure (queue_job's
# idea); after the last entry the delay stays the same.
RETRY_PATTERN = {1: 60, 2: 120, 3: 300, 4: 600, 5: 1800, 6: 3600}
DEFAULT_MAX_ATTEMPTS = 8
DEFAULT_BATCH_SIZE = 2000
# classid of the advisory locks held by dispatch runs (pg_advisory_lock(int, int)).
ADVISORY_LOCK_CLASS = 0x5347  # "SG"
# classid of the shared advisory locks (key: the account id) each run holds
# while it sends through an account with a rate: the runs share the rate.
RATE_LOCK_CLASS = 0x5352  # "SR"
# Account-level errors: the account is put on hold, its messages go through
# the next eligible account or wait, never failed.
ACCOUNT_ERRORS = ("auth", "credit", "config", "sender")
# Seconds an account stays on hold after an account-level error, and after
# its provider did not answer (then its messages retry after the usual delay,
# through the next eligible account when there is one).
ACCOUNT_HOLD = 900
DOWN_HOLD = 300
# Dispatch batch for providers that take one message per request, per
# parallel connection of the account.
SINGLE_REQUEST_BATCH_SIZE = 50
# Through an account with a rate, a batch may hold this many seconds of its
# part of the rate (when that is more).
RATE_BATCH_SECONDS = 6
# How often a claim is tried again when a concurrent claim got in the way.
CLAIM_TRIES = 10
# Odoo's cron time limit when none is configured (limit_time_real's default),
# and the part of it one dispatch run spends claiming batches: the batch under
# way, the other cron jobs of the same cron call and the commits need the rest.
DEFAULT_TIME_LIMIT = 120
DISPATCH_TIME_FRACTION = 0.5
# The part of the limit a whole cron pass (every job due, one after the
# other, in one cron worker) may take before a job of ours stops: what is
# left covers the step under way and the jobs after it.
PASS_TIME_FRACTION = 0.75
# Lanes of the dispatch and prepare crons (see _sms_cron_lanes).
MAX_LANES = 4


def _held_pause(held):
    """Seconds until the first account this run left for a while (a
    provider's 'send more slowly') may be used again; 0 when none."""
    now = time.monotonic()
    ends = [until for until in held.values() if now < until < math.inf]
    return min(ends) - now if ends else 0


def in_test_mode():
    return getattr(threading.current_thread(), "testing", False)


class SmsGatewayDispatcher(models.AbstractModel):
    _name = "sms.gateway.dispatcher"
    _description = "SMS Dispatcher"

    # ------------------------------------------------------------------
    # The cron entry
    # ------------------------------------------------------------------

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
        if budget <= 0:
            # The cron pass has no time left: the whole run in a pass of its own.
            self._sms_trigger_dispatch()
            return 0
        started = time.monotonic()
        self.env.flush_all()
        cr = self.env.cr
        cr.execute("SELECT nextval('sms_gateway_dispatch_run_seq')")
        run = cr.fetchone()[0]
        cr.execute("SELECT pg_advisory_lock(%s, %s)", (ADVISORY_LOCK_CLASS, run))
        # Accounts with a rate whose shared lock the run holds until its end
        # (see ``_sms_rate_lock``).
        rate_locks = set()
        try:
            self._sms_recover_interrupted(max_attempts)
            self._sms_send_emails()
            self._commit()
            self._sms_sync_odoo_sms_left()
            # Accounts that failed in this run: id -> time.monotonic() until
            # which the run leaves them (inf: to its end, after a failure; a
            # provider's 'send more slowly' only for its Retry-After).
            held = {}
            done = batches = 0
            mailings = set()
            pace = None  # seconds per message of the last batch
            out_of_time = False
            due = None  # for the progress shown: counted once, when there is work
            while max_batches is None or batches < max_batches:
                seconds_left = budget - (time.monotonic() - started)
                if seconds_left <= 0:
                    out_of_time = True
                    break
                company_id, rows = self._sms_claim(
                    run,
                    batch_size,
                    seconds_left=seconds_left,
                    pace=pace,
                    held=held,
                    rate_locks=rate_locks,
                )
                if company_id is None:
                    break
                if not rows:
                    # Every claimed message waits for an account: wait with
                    # them for the first one this run may use again rather
                    # than claiming the next ones only to put them back.
                    pause = _held_pause(held)
                    if pause:
                        time.sleep(min(pause, max(seconds_left, 0)))
                    continue
                if due is None:
                    due = self._sms_count_due() + len(rows)
                batch_started = time.monotonic()
                batches += 1
                done += len(rows)
                mailings.update(r["mailing"] for r in rows if r["mailing"])
                company = self.env["res.company"].browse(company_id)
                self._sms_send_batch(company, rows, max_attempts, held, rate_locks)
                self._commit()
                # Reports that came before the references were stored.
                self._sms_apply_waiting_events(company, rows)
                self._commit()
                self._sms_sync_odoo_sms(rows)
                pace = (time.monotonic() - batch_started) / len(rows)
                self.env["ir.cron"]._notify_progress(
                    done=done, remaining=max(due - done, 0)
                )
            # After the results are committed: nothing here may undo them.
            self.env["sms.gateway.mailing"]._sms_update_mailings(mailings)
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
                self._sms_trigger_next()
            self.env["ir.cron"]._notify_progress(done=done, remaining=0)
        except Exception:
            # Leave the failed transaction before releasing the run's lock: the
            # lock belongs to the connection, the pool keeps the connection.
            if not in_test_mode():
                cr.rollback()
            raise
        finally:
            self._sms_rate_unlock(rate_locks)
            self._sms_unlock(run)
            # Rows changed in SQL: forget what the cache believes.
            self.env["sms.gateway.message"].invalidate_model()
            self.env["sms.gateway.mailing"].invalidate_model()
        return done

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
        return self._sms_job_budget(DISPATCH_TIME_FRACTION)

    @api.model
    def _sms_job_budget(self, fraction):
        """Seconds a job of ours may work: ``fraction`` of Odoo's cron time
        limit, less what the cron pass it runs in has already taken beyond
        its share (``ir_cron.pass_elapsed``); 0 when the pass has no time
        left (the job wakes itself again instead, in a pass of its own)."""
        limit = self._sms_time_limit()
        return max(
            min(limit * fraction, limit * PASS_TIME_FRACTION - pass_elapsed()), 0
        )

    @api.model
    def _sms_trigger_dispatch(self, at=None):
        """Wake every active lane of the dispatch cron."""
        for cron in self._sms_cron_lanes("dispatch"):
            cron._trigger(at)

    @api.model
    def _sms_cron_lanes(self, job):
        """The active lanes of a cron job of sms_gateway (``dispatch`` or
        ``prepare``): copies of one scheduled action, so that several cron
        workers (Odoo runs one job in one worker at a time) and several
        servers share the work, each taking its own rows (``SKIP
        LOCKED``). Settings > SMS > Background workers chooses how many."""
        crons = self.env["ir.cron"].sudo()
        for lane in range(1, MAX_LANES + 1):
            suffix = "" if lane == 1 else f"_{lane}"
            cron = self.env.ref(
                f"sms_gateway.ir_cron_sms_gateway_{job}{suffix}",
                raise_if_not_found=False,
            )
            if cron and cron.sudo().active:
                crons |= cron.sudo()
        return crons

    @api.model
    def _sms_trigger_next(self):
        """Wake the dispatch again when the next message becomes due."""
        self.env.cr.execute(
            SQL(
                """
                SELECT min(GREATEST(scheduled_at,
                                    COALESCE(next_attempt_at, scheduled_at)))
                  FROM sms_gateway_message
                 WHERE state = 'queued' AND channel = 'sms' AND %s
                """,
                self._sms_not_held_condition(),
            )
        )
        at = self.env.cr.fetchone()[0]
        if at:
            self._sms_trigger_dispatch(max(at, fields.Datetime.now()))

    @api.model
    def _sms_unlock(self, run):
        try:
            self.env.cr.execute(
                "SELECT pg_advisory_unlock(%s, %s)", (ADVISORY_LOCK_CLASS, run)
            )
        except psycopg2.Error:
            _logger.exception("Could not release the lock of SMS dispatch run %s", run)

    def _commit(self):
        if not in_test_mode():
            self.env.cr.commit()  # pylint: disable=invalid-commit

    # ------------------------------------------------------------------
    # Claiming
    # ------------------------------------------------------------------

    def _sms_due_condition(self):
        # The wall clock, as scheduled_at is written (not the transaction's start).
        now = fields.Datetime.now()
        return SQL(
            """state = 'queued' AND channel = 'sms'
               AND scheduled_at <= %s
               AND (next_attempt_at IS NULL OR next_attempt_at <= %s)
               AND %s""",
            now,
            now,
            self._sms_not_held_condition(),
        )

    def _sms_not_held_condition(self):
        """Not a message of a mailing still being prepared (a later chunk may
        refuse it; the end of the preparation wakes the dispatch), nor of a
        large mailing canceled while its queued messages are being canceled."""
        return SQL(
            """(mailing_id IS NULL OR mailing_id NOT IN (
                    SELECT g.id FROM sms_gateway_mailing g
                     WHERE g.state = 'preparing' OR g.prepare_step = 'cancel'))"""
        )

    @api.model
    def _sms_count_due(self):
        self.env.cr.execute(
            SQL(
                "SELECT count(*) FROM sms_gateway_message WHERE %s",
                self._sms_due_condition(),
            )
        )
        return self.env.cr.fetchone()[0]

    @api.model
    def _sms_claim(self, run, batch_size, **options):
        """``_sms_claim_once`` (``options``: its keyword arguments), again
        when another worker's claim got in the way."""
        # The claim runs in a transaction of its own (the loop commits before
        # it, and it commits itself): rolling back on a conflict loses nothing.
        for attempt in range(CLAIM_TRIES):
            try:
                return self._sms_claim_once(run, batch_size, **options)
            except psycopg2.errors.SerializationFailure:
                # Rows of our snapshot were claimed and committed meanwhile,
                # as Odoo's cron acquisition meets it: start a new snapshot,
                # after a pause that lets the other workers go ahead.
                if in_test_mode():
                    raise
                self.env.cr.rollback()
                time.sleep(random.uniform(0.01, 0.05) * (attempt + 1))
        # So many workers at once that this one never got rows: it stops, the
        # others go on (and the next run is woken when messages are due).
        _logger.info("SMS dispatch run %s: no claim after %s tries", run, CLAIM_TRIES)
        return None, []

    @api.model
    def _sms_claim_once(
        self,
        run,
        batch_size,
        seconds_left=None,
        pace=None,
        held=None,
        rate_locks=None,
    ):
        """Take up to ``batch_size`` due messages of one company for this run.

        The rows are locked with SKIP LOCKED, given the account (and
        provider) they go through (``dispatch/routing.py``), marked
        ``sending`` and committed: another worker cannot take them, and a
        crash after this point leaves them ``sending`` with this run's id and
        their account.
        Returns the company id (None when nothing is due) and the rows
        (dicts) to send; rows no account can take now are back in the queue.
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
                self._sms_due_condition(),
            ),
            # Another worker's claim committed meanwhile: ``_sms_claim``
            # tries again (as Odoo's cron acquisition does, no error logged).
            log_exceptions=False,
        )
        row = cr.fetchone()
        if not row:
            return None, []
        company_id = row[0]
        company = self.env["res.company"].browse(company_id)
        # Lock and read the batch, choose each message's account, then write
        # each row once (state, run, attempt, account, provider).
        cr.execute(
            SQL(
                """
                SELECT m.id, m.uid, m.number, m.body, m.attempt_count + 1, m.parts,
                       m.mailing_id,
                       (SELECT sender FROM sms_gateway_mailing g
                         WHERE g.id = m.mailing_id),
                       m.account_id, m.sms_uuid IS NOT NULL
                  FROM sms_gateway_message m
                 WHERE %(due)s AND m.company_id = %(company)s
                 ORDER BY m.scheduled_at, m.id
                 LIMIT %(limit)s
                   FOR UPDATE SKIP LOCKED
                """,
                due=self._sms_due_condition(),
                company=company_id,
                limit=self._sms_batch_size(
                    company, batch_size, seconds_left, pace, rate_locks
                ),
            ),
            log_exceptions=False,
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
            "account",
            "odoo_sms",
        )
        rows = sorted(
            (dict(zip(keys, values, strict=True)) for values in cr.fetchall()),
            key=lambda r: r["id"],
        )
        for row in rows:
            row["pinned"] = bool(row["account"])
        rows = self.env["sms.gateway.router"]._sms_route(company, rows, held or {})
        # The text of each mailing once (its template is made from it when
        # sending): personalised messages of one mailing go together.
        mailing_ids = tuple({row["mailing"] for row in rows if row["mailing"]})
        texts = {}
        if mailing_ids:
            cr.execute(
                SQL(
                    """
                    SELECT id, body, transliterate FROM sms_gateway_mailing
                     WHERE id IN %s
                    """,
                    mailing_ids,
                )
            )
            texts = {mailing_id: (body, how) for mailing_id, body, how in cr.fetchall()}
        for row in rows:
            row["mailing_body"], row["transliterate"] = texts.get(
                row["mailing"], (None, None)
            )
        by_route = {}
        for row in rows:
            by_route.setdefault((row["account"], row["provider"]), []).append(row["id"])
        for (account_id, code), ids in by_route.items():
            cr.execute(
                SQL(
                    """
                    UPDATE sms_gateway_message
                       SET state = 'sending', dispatch_run = %s,
                           attempt_count = attempt_count + 1,
                           account_id = %s, provider = %s
                     WHERE id IN %s
                    """,
                    run,
                    account_id,
                    code,
                    tuple(ids),
                )
            )
        self._commit()
        return company_id, rows

    @api.model
    def _sms_batch_size(
        self, company, batch_size, seconds_left=None, pace=None, rate_locks=()
    ):
        """How many messages of ``company`` one batch takes.

        One request per message (Twilio, Vonage): small batches, so that a
        crash leaves few messages whose fate is unknown:
        ``SINGLE_REQUEST_BATCH_SIZE`` per parallel connection of the account
        (each connection sends as many one after the other), or
        ``RATE_BATCH_SECONDS`` of the run's part of the account's rate when
        that is more (the time between two batches would cost a paced
        account a larger part of its rate otherwise). Within a time
        budget: as many as the pace of the last batch lets send in half the
        time left; before any batch, for one request per message, as many as
        can wait for the request timeout each on every connection, and never
        more than the account's requests per second let send in half the
        time left.
        """
        account = company.sudo()._sms_gateway_first_account()
        provider_class = providers.PROVIDERS.get(account.provider)
        single = not (provider_class and provider_class.supports_bulk)
        connections = max(account.connections or 1, 1)
        rate = None
        if single and account.requests_per_second:
            # Its part of the rate: the other runs sending through it share it.
            runs = self._sms_rate_runs(account)
            if account.id not in (rate_locks or ()):
                runs += 1  # this run, about to take the lock
            rate = account.requests_per_second / max(runs, 1)
        if single:
            largest = SINGLE_REQUEST_BATCH_SIZE * connections
            if rate:
                # Paced: a batch of a few seconds of its rate, so that the
                # pause between two batches costs little of the rate.
                largest = max(largest, int(rate * RATE_BATCH_SECONDS))
            batch_size = min(batch_size, largest)
        if seconds_left is not None:
            if pace:
                batch_size = min(batch_size, int(seconds_left / 2 / pace))
            elif single:
                timeout = max(account.timeout or 0, 1)
                batch_size = min(batch_size, int(seconds_left / timeout) * connections)
            if rate:
                batch_size = min(batch_size, int(seconds_left / 2 * rate))
        return max(batch_size, 1)

    # ------------------------------------------------------------------
    # Sending
    # ------------------------------------------------------------------

    @api.model
    def _sms_send_batch(self, company, rows, max_attempts, held, rate_locks):
        """``_sms_send_rows`` for the rows of each account; an unexpected
        error (a bug, an adapter raising something unforeseen) counts as an
        attempt of each message of that account's rows instead of stopping
        the dispatch, so that no message can stop it forever. The rate locks
        taken go into ``rate_locks`` (the run's, released at its end)."""
        by_account = {}
        for row in rows:
            by_account.setdefault(row["account"], []).append(row)
        Account = self.env["sms.gateway.account"].sudo()
        for account_id, account_rows in by_account.items():
            account = Account.browse(account_id)
            share = self._sms_rate_lock(account, rate_locks)
            try:
                with self.env.cr.savepoint():
                    self._sms_send_rows(
                        account.with_context(sms_gateway_rate_share=share),
                        account_rows,
                        max_attempts,
                        held,
                    )
            except Exception as error:
                _logger.exception(
                    "SMS dispatch for company %s, account %s: unexpected error "
                    "sending %s messages",
                    company.id,
                    account_id,
                    len(account_rows),
                )
                self._sms_unexpected_error(account_rows, error, max_attempts)

    @api.model
    def _sms_rate_lock(self, account, rate_locks):
        """How many dispatch runs (cron workers, servers) send through
        ``account`` now, this one included, each taking its part of the
        account's requests per second; 0 when the account has no rate.

        The run takes a shared advisory lock on the account (once: its id
        goes into ``rate_locks``) and holds it until ``_sms_rate_unlock``, at
        the end of the run, so that a run between two batches still counts:
        the share is counted again at every batch, the runs that came or went
        meanwhile included. A run that dies releases it with its
        connection."""
        if not account.requests_per_second:
            return 0
        if account.id not in rate_locks:
            self.env.cr.execute(
                "SELECT pg_advisory_lock_shared(%s, %s)",
                (RATE_LOCK_CLASS, account.id),
            )
            rate_locks.add(account.id)
        return max(self._sms_rate_runs(account), 1)

    @api.model
    def _sms_rate_runs(self, account):
        """How many runs hold the rate lock of ``account`` now."""
        self.env.cr.execute(
            """
            SELECT count(*) FROM pg_locks
             WHERE locktype = 'advisory' AND granted AND objsubid = 2
               AND classid = %s AND objid = %s
            """,
            (RATE_LOCK_CLASS, account.id),
        )
        return self.env.cr.fetchone()[0]

    @api.model
    def _sms_rate_unlock(self, rate_locks):
        """Release the rate locks of the accounts in ``rate_locks``."""
        for account_id in sorted(rate_locks):
            try:
                self.env.cr.execute(
                    "SELECT pg_advisory_unlock_shared(%s, %s)",
                    (RATE_LOCK_CLASS, account_id),
                )
            except psycopg2.Error:
                _logger.exception(
                    "Could not release the rate lock of SMS account %s", account_id
                )
        rate_locks.clear()

    @api.model
    def _sms_send_rows(self, account, rows, max_attempts, held):
        """Send these rows (one account) and record what became of each."""
        try:
            provider = account._sms_get_provider()
        except UserError as error:  # locked, or configuration incomplete
            kind = "lock" if isinstance(error, ProviderLockedError) else "config"
            self._sms_account_failed(account, rows, kind, error.args[0], held)
            return
        if any(r["provider"] != provider.code for r in rows):
            # The account changed provider since the claim: routed again.
            self._sms_requeue_rows(rows)
            return
        # The template of each mailing, once: its body's literal pieces,
        # finished as its texts are (providers with a personalisation API
        # send one template for many texts; the others ignore it).
        templates = {}
        Mailing = self.env["sms.gateway.mailing"]
        for r in rows:
            mailing_id = r.get("mailing")
            if not mailing_id or mailing_id in templates or not r.get("mailing_body"):
                continue
            finish = Mailing.new({"transliterate": r["transliterate"]})._sms_finish_text
            try:
                templates[mailing_id] = text_template.literals(
                    parse_inline_template(r["mailing_body"]), finish
                )
            except ValueError:
                templates[mailing_id] = None  # each text goes as it is
        messages = [
            {
                "uid": r["uid"],
                "number": r["number"],
                "body": r["body"],
                "sender": r["sender"] or None,
                "template": templates.get(r.get("mailing")),
            }
            for r in rows
        ]
        with provider:
            try:
                results = provider.send(messages)
            except providers.ProviderError as error:
                self._sms_record_rows(
                    account, provider, rows, error.partial_results, max_attempts
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
                    account, provider, error, rest, in_flight, max_attempts, held
                )
                return
        self._sms_record_rows(account, provider, rows, results, max_attempts)

    @api.model
    def _sms_provider_error(
        self, account, provider, error, rest, in_flight, max_attempts, held
    ):
        _logger.info(
            "SMS dispatch through account %s: %s error (%s): %s",
            account.id,
            provider.code,
            error.code,
            error,
        )
        if in_flight and not provider.supports_idempotency:
            self._sms_flag_ids([r["id"] for r in in_flight], str(error))
        else:
            # The provider may have them: they go through this account again
            # (its idempotency key makes that safe), never through another.
            rest = rest + [dict(r, pinned=True) for r in in_flight]
        if error.code in ACCOUNT_ERRORS or not error.temporary:
            self._sms_account_failed(account, rest, error.code, str(error), held)
            return
        waiting = waiting_reason(self.env, error.code)
        if error.code == "rate_limit":
            self._sms_slow_down(rest, error.retry_after, waiting)
        else:
            self._sms_retry_rows(
                rest,
                str(error),
                max_attempts,
                error.retry_after,
                unpin=True,
                waiting=waiting,
            )
        if error.code != "rate_limit":  # slowing down is no news for a sender
            self.env["sms.gateway.router"]._sms_tell_senders(
                [r["id"] for r in rest], waiting
            )
        if error.code == "rate_limit":
            pause = max(float(error.retry_after or 0), 1.0)
            account._sms_hold(max(int(pause), 1), str(error), error.code)
            held[account.id] = time.monotonic() + pause
        elif error.code == "unavailable":
            # Its messages retry after the usual delay, through the next
            # eligible account if this one is still on hold then.
            account._sms_hold(DOWN_HOLD, str(error), error.code)
            held[account.id] = math.inf

    @api.model
    def _sms_slow_down(self, rows, retry_after, waiting):
        """The provider asked to send more slowly (HTTP 429): the rows go
        again after its ``Retry-After`` (1 s when it says none), the attempt
        not counted (the provider refused nothing), instead of after the
        retry delays of a failure."""
        if not rows:
            return
        now = fields.Datetime.now()
        at = now + timedelta(seconds=max(float(retry_after or 0), 1.0))
        self.env.cr.execute(
            SQL(
                """
                UPDATE sms_gateway_message
                   SET state = 'queued', attempt_count = GREATEST(attempt_count - 1, 0),
                       next_attempt_at = %s, failure_reason = %s, write_date = %s
                 WHERE id IN %s AND state = 'sending'
                """,
                at,
                waiting,
                now,
                tuple(r["id"] for r in rows),
            )
        )
        self._sms_unpin(rows)
        self._sms_trigger_dispatch(at)

    @api.model
    def _sms_account_failed(self, account, rows, kind, reason, held):
        """The account cannot send now (refused credentials, no credit, a
        sender refused, locked, incomplete): nothing is failed. The account is
        put on hold (a lock is a hold of its own) and administrators are told;
        its messages go back to the queue uncounted, free to go through the
        next eligible account unless the provider may already have them."""
        held[account.id] = math.inf
        if kind != "lock":
            account._sms_hold(ACCOUNT_HOLD, reason, kind)
        account._sms_alert(kind, reason)
        self._sms_requeue_rows(rows, uncount=True)
        # Why they wait, until routing sends them through another account
        # (which clears it) or writes when they are tried again.
        if rows:
            self.env.cr.execute(
                SQL(
                    "UPDATE sms_gateway_message SET failure_reason = %s "
                    "WHERE id IN %s AND state = 'queued'",
                    waiting_reason(self.env, kind),
                    tuple(r["id"] for r in rows),
                )
            )

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

    # ------------------------------------------------------------------
    # Recording results
    # ------------------------------------------------------------------

    @api.model
    def _sms_record_rows(self, account, provider, rows, results, max_attempts):
        """Write the provider's per-message results in a few SQL statements."""
        if not results:
            return
        by_uid = {r["uid"]: r for r in rows}
        now = fields.Datetime.now()
        price = account.price_per_part
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
                      FROM unnest(%(ids)s::int[], %(refs)s::varchar[],
                                  %(parts)s::int[], %(costs)s::float[])
                           AS v(id, ref, parts, cost)
                     WHERE m.id = v.id AND m.state = 'sending'
                    """,
                    now=now,
                    code=provider.code,
                    currency=account.company_id.sms_gateway_currency_id.id or None,
                    # Columns as arrays: one parameter each, whatever the rows.
                    ids=[row[0] for row in accepted],
                    refs=[row[1] for row in accepted],
                    parts=[row[2] for row in accepted],
                    costs=[float(row[3]) for row in accepted],
                )
            )
            account._sms_release()
            if hasattr(provider, "delivery_status"):
                self.env["sms.gateway.delivery"]._sms_trigger_poll()
        if rejected:
            cr.execute(
                SQL(
                    """
                    UPDATE sms_gateway_message m
                       SET state = 'failed', provider = %(code)s,
                           failure_reason = v.reason, write_date = %(now)s
                      FROM unnest(%(ids)s::int[], %(reasons)s::varchar[])
                           AS v(id, reason)
                     WHERE m.id = v.id AND m.state = 'sending'
                    """,
                    now=now,
                    code=provider.code,
                    ids=[row[0] for row in rejected],
                    reasons=[row[1] for row in rejected],
                )
            )
            opted_out = [row[0] for row in rejected if provider.is_opt_out(row[1])]
            if opted_out:
                # The number replied STOP to the provider: our consent follows,
                # never at the cost of the results just recorded.
                try:
                    with cr.savepoint():
                        self.env["sms.gateway.message"].sudo().browse(
                            opted_out
                        )._sms_mirror_provider_opt_out()
                except Exception:  # the results above stay
                    _logger.exception(
                        "SMS dispatch: the provider's opt-out of %s messages could "
                        "not be applied to their partners' consent",
                        len(opted_out),
                    )
        if retry:
            self._sms_retry_rows(retry, retry_error, max_attempts)

    @api.model
    def _sms_sync_odoo_sms(self, rows):
        """Odoo's side of the batch's messages that send SMS of Odoo's apps
        (``sms.gateway.message._sms_sync_odoo_sms``), committed; never makes
        the dispatch fail (the results are committed already)."""
        ids = [row["id"] for row in rows if row.get("odoo_sms")]
        if not ids:
            return
        try:
            with self.env.cr.savepoint():
                self.env["sms.gateway.message"].sudo().browse(ids)._sms_sync_odoo_sms()
            self._commit()
        except Exception:
            _logger.exception(
                "SMS dispatch: the state of %s SMS of Odoo's apps not written back",
                len(ids),
            )

    @api.model
    def _sms_sync_odoo_sms_left(self, limit=2000):
        """Odoo SMS still "Processing" whose message is settled (a write-back
        that failed, or a worker killed between a batch's results and its
        write-back): written back now."""
        self.env.cr.execute(
            """
            SELECT m.id FROM sms_gateway_message m
              JOIN sms_sms s ON s.uuid = m.sms_uuid
             WHERE s.state = 'process' AND m.state NOT IN ('queued', 'sending')
               AND NOT EXISTS (
                   SELECT 1 FROM sms_gateway_message o
                    WHERE o.sms_uuid = m.sms_uuid AND o.id > m.id
               )
             LIMIT %s
            """,
            (limit,),
        )
        self._sms_sync_odoo_sms(
            [{"id": row[0], "odoo_sms": True} for row in self.env.cr.fetchall()]
        )

    @api.model
    def _sms_apply_waiting_events(self, company, rows):
        """Apply the delivery reports that arrived for these rows before their
        results were recorded (committed); never makes the dispatch fail."""
        Event = self.env["sms.gateway.delivery.event"].sudo()
        try:
            with self.env.cr.savepoint():
                # Most batches meet no waiting report: one probe, not a
                # lookup of every message of the batch.
                Event.flush_model()
                self.env.cr.execute(
                    """
                    SELECT 1 FROM sms_gateway_delivery_event
                     WHERE company_id = %s
                       AND (provider_ref IS NOT NULL OR message_uid IS NOT NULL)
                     LIMIT 1
                    """,
                    (company.id,),
                )
                if not self.env.cr.fetchone():
                    return
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

    # ------------------------------------------------------------------
    # Retries
    # ------------------------------------------------------------------

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
    def _sms_requeue_rows(self, rows, uncount=False):
        """``_sms_requeue_ids``; rows that are not pinned to their account
        (nothing of them reached a provider) are free to be routed again."""
        self._sms_requeue_ids([r["id"] for r in rows], uncount=uncount)
        self._sms_unpin(rows)

    @api.model
    def _sms_unpin(self, rows):
        free = tuple(r["id"] for r in rows if not r.get("pinned"))
        if free:
            self.env.cr.execute(
                SQL(
                    "UPDATE sms_gateway_message SET account_id = NULL "
                    "WHERE id IN %s AND state = 'queued'",
                    free,
                )
            )

    @api.model
    def _sms_retry_rows(
        self, rows, reason, max_attempts, retry_after=None, unpin=False, waiting=None
    ):
        """Temporary failure: wait longer each attempt, fail after the last.
        ``unpin``: the request did not reach the provider, so the rows that
        are not pinned may go through another account next time. The rows
        that wait say ``waiting`` ("waiting: <reason>" by default), the ones
        that fail ``reason`` and how many attempts were made."""
        if waiting is None:
            waiting = self.env._("waiting: %(reason)s", reason=reason)
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
                    waiting,
                    now,
                    tuple(ids),
                )
            )
        if unpin:
            self._sms_unpin(rows)

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

    # ------------------------------------------------------------------
    # Crash recovery
    # ------------------------------------------------------------------

    @api.model
    def _sms_recover_interrupted(self, max_attempts=None):
        """Messages left ``sending`` by a run that died: requeue or review.

        A run holds its advisory lock until it ends; when the lock of a run
        can be taken, that run is gone (its connection closed). What decides
        is the provider each message went through (stored with its account
        when it was claimed), not the one its account uses now; a requeued
        message stays pinned to that account. A message whose attempts
        are used up fails instead of being requeued: one that kills every run
        that takes it cannot keep the queue stuck.
        """
        if max_attempts is None:
            max_attempts = self._sms_dispatch_settings()[1]
        self.env["sms.gateway.message"].flush_model()
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
                    SELECT m.company_id, m.provider, m.id, m.attempt_count
                      FROM sms_gateway_message m
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
                self.env["sms.gateway.message"].invalidate_model()
                self._commit()
                # Those that failed (their attempts used up) say so in Odoo.
                self._sms_sync_odoo_sms(
                    [
                        {"id": r["id"], "odoo_sms": True}
                        for rows in groups.values()
                        for r in rows
                    ]
                )
            except Exception:
                if not in_test_mode():
                    cr.rollback()
                raise
            finally:
                self._sms_unlock(run)

    # ------------------------------------------------------------------
    # E-mail fallback
    # ------------------------------------------------------------------

    @api.model
    def _sms_send_emails(self):
        """Queue the due e-mail fallbacks in Odoo's mail queue."""
        Message = self.env["sms.gateway.message"]
        messages = Message.search(
            [
                ("channel", "=", "email"),
                ("state", "=", "queued"),
                ("scheduled_at", "<=", fields.Datetime.now()),
                (
                    "mailing_id",
                    "not any",
                    ["|", ("state", "=", "preparing"), ("prepare_step", "=", "cancel")],
                ),
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
