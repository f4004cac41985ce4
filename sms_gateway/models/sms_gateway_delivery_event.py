# Copyright 2026 sms_gateway authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Delivery reports as received, until they reach their message.

The report routes only store what a provider reported (one row per event:
the company, the provider's reference and/or the message key, the status;
never a text or a number) with a plain INSERT, and answer at once: a report
never waits for, nor conflicts with, the dispatch that may be writing the
same message. ``_cron_apply`` (woken by each report) and the dispatch (for
the messages it has just recorded) apply the events to the messages whose
reference is known and which are no longer ``queued`` or ``sending``; an
event whose message is not there yet (Twilio can report within milliseconds,
before the dispatch has stored the reference) waits, for ``KEEP_DAYS`` at
most, then is dropped with a log line.
"""

import logging
import time
from datetime import datetime, timedelta

import psycopg2.errors

from odoo import api, fields, models
from odoo.tools import SQL

_logger = logging.getLogger(__name__)

# Unmatched events are kept this long, then dropped.
KEEP_DAYS = 2
# Events read (and locked) at a time by the apply cron.
APPLY_BATCH_SIZE = 1000
# Part of Odoo's cron time limit one run of the apply cron spends at most;
# it wakes itself again when events are left.
APPLY_TIME_FRACTION = 0.25
# Events stored from one report at most (SMSAPI sends a few hundred per call).
MAX_EVENTS_PER_REPORT = 10000
# Longest text stored per column: a report is bounded whatever it holds.
FIELD_SIZES = {
    "provider_ref": 128,
    "message_uid": 64,
    "status": 16,
    "raw_status": 64,
    "error": 256,
}


def clip(value, size):
    """``value`` as text of at most ``size`` characters, None when empty."""
    if value is None or value is False:
        return None
    text = str(value).strip()
    return text[:size] or None


class SmsGatewayDeliveryEvent(models.Model):
    _name = "sms.gateway.delivery.event"
    _description = "SMS Delivery Report (pending)"
    _order = "id"
    _log_access = False

    company_id = fields.Many2one(
        "res.company", required=True, readonly=True, ondelete="cascade"
    )
    provider = fields.Char(readonly=True)
    account_id = fields.Many2one(
        "sms.gateway.account",
        readonly=True,
        ondelete="cascade",
        help="The account whose report address took the report: it reaches only "
        "messages sent through that account.",
    )
    provider_ref = fields.Char(string="Provider Reference", readonly=True)
    message_uid = fields.Char(string="Message Key", readonly=True)
    status = fields.Char(readonly=True)
    raw_status = fields.Char(string="Provider Status", readonly=True)
    error = fields.Char(readonly=True)
    parts = fields.Integer(readonly=True)
    reported_at = fields.Datetime(readonly=True, help="When the provider says.")
    received_at = fields.Datetime(readonly=True, required=True)

    def init(self):
        # Lookups of the dispatch for the messages it has just recorded.
        self.env.cr.execute(
            """
            CREATE INDEX IF NOT EXISTS sms_gateway_delivery_event_ref_idx
                ON sms_gateway_delivery_event (company_id, provider_ref)
             WHERE provider_ref IS NOT NULL
            """
        )
        self.env.cr.execute(
            """
            CREATE INDEX IF NOT EXISTS sms_gateway_delivery_event_uid_idx
                ON sms_gateway_delivery_event (company_id, message_uid)
             WHERE message_uid IS NOT NULL
            """
        )

    # ------------------------------------------------------------------
    # Storing (the report routes)
    # ------------------------------------------------------------------

    @api.model
    def _sms_store(self, company, code, events, account=None):
        """Keep delivery ``events`` (``providers.parse_callback``) of provider
        ``code`` for ``company`` (reported to ``account``'s address, or to
        each event's ``account``), and wake the cron that applies them.

        One INSERT into this table only: it never waits for a message row.
        Returns ``{"applied": 0, "unknown": [], "stored": count}`` (the events
        are applied later; none is ever unknown: it waits for its message).
        """
        now = fields.Datetime.now()
        rows = []
        for event in events or ():
            if not isinstance(event, dict):
                continue
            ref = clip(event.get("provider_ref"), FIELD_SIZES["provider_ref"])
            uid = clip(event.get("uid"), FIELD_SIZES["message_uid"])
            if not ref and not uid:
                continue
            parts = event.get("parts")
            at = event.get("at")
            rows.append(
                SQL(
                    "(%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
                    company.id,
                    event.get("account") or (account.id if account else None),
                    clip(code, 16),
                    ref,
                    uid,
                    clip(event.get("status"), FIELD_SIZES["status"]),
                    clip(event.get("raw_status"), FIELD_SIZES["raw_status"]),
                    clip(event.get("error"), FIELD_SIZES["error"]),
                    parts if isinstance(parts, int) and 0 < parts < 1000 else None,
                    at if isinstance(at, datetime) else None,
                    now,
                )
            )
        if len(rows) > MAX_EVENTS_PER_REPORT:
            _logger.warning(
                "SMS delivery report of %s for company %s holds %s events: the "
                "first %s are kept",
                code,
                company.id,
                len(rows),
                MAX_EVENTS_PER_REPORT,
            )
            rows = rows[:MAX_EVENTS_PER_REPORT]
        if rows:
            self.env.cr.execute(
                SQL(
                    """
                    INSERT INTO sms_gateway_delivery_event
                        (company_id, account_id, provider, provider_ref, message_uid,
                         status, raw_status, error, parts, reported_at, received_at)
                    VALUES %s
                    """,
                    SQL(", ").join(rows),
                )
            )
            self._sms_trigger_apply()
        return {"applied": 0, "unknown": [], "stored": len(rows)}

    @api.model
    def _sms_trigger_apply(self, at=None):
        cron = self.env.ref(
            "sms_gateway.ir_cron_sms_gateway_delivery_events",
            raise_if_not_found=False,
        )
        if cron:
            cron.sudo()._trigger(at)

    # ------------------------------------------------------------------
    # Applying (the cron, and the dispatch after each batch)
    # ------------------------------------------------------------------

    @api.model
    def _cron_apply(self, time_budget=None):
        """Apply the pending events whose message is there; drop old ones."""
        Dispatcher = self.env["sms.gateway.dispatcher"]
        budget = (
            Dispatcher._sms_job_budget(APPLY_TIME_FRACTION)
            if time_budget is None
            else time_budget
        )
        started = time.monotonic()
        self._sms_drop_expired()
        Dispatcher._commit()
        after = 0
        done = 0
        while True:
            applied, last = self._sms_apply_pending(after=after)
            Dispatcher._commit()
            done += applied
            if last is None:
                break
            after = last
            if time.monotonic() - started > budget:
                # Not rerun at once by Odoo in the same cron call (that would
                # add up to its time limit): woken again instead.
                self._sms_trigger_apply()
                break
        return done

    @api.model
    def _sms_apply_pending(self, after=0, company=None, refs=(), uids=()):
        """Apply one batch of pending events (ids above ``after``, or those of
        ``company`` for ``refs`` / ``uids``); events whose message is not
        there yet, or busy, are kept.

        Returns (number of messages changed, the last event id read or None
        when there were none).
        """
        self.flush_model()
        cr = self.env.cr
        match = SQL("id > %s", after)
        if company is not None:
            if not refs and not uids:
                return 0, None
            match = SQL(
                "%s AND company_id = %s AND (provider_ref IN %s OR message_uid IN %s)",
                match,
                company.id,
                tuple(refs) or (None,),
                tuple(uids) or (None,),
            )
        try:
            with cr.savepoint():
                cr.execute(
                    SQL(
                        """
                        SELECT id, company_id, account_id, provider, provider_ref,
                               message_uid,
                               status, raw_status, error, parts,
                               COALESCE(reported_at, received_at)
                          FROM sms_gateway_delivery_event
                         WHERE %s
                         ORDER BY id
                         LIMIT %s
                           FOR UPDATE SKIP LOCKED
                        """,
                        match,
                        APPLY_BATCH_SIZE,
                    ),
                    log_exceptions=False,  # a SerializationFailure is expected
                )
                keys = (
                    "id",
                    "company",
                    "account",
                    "provider",
                    "provider_ref",
                    "uid",
                    "status",
                    "raw_status",
                    "error",
                    "parts",
                    "at",
                )
                events = [dict(zip(keys, row, strict=True)) for row in cr.fetchall()]
                if not events:
                    return 0, None
                by_company = {}
                for event in events:
                    by_company.setdefault(event["company"], []).append(event)
                applied, consumed = 0, []
                Delivery = self.env["sms.gateway.delivery"].sudo()
                Company = self.env["res.company"].sudo()
                for company_id, company_events in by_company.items():
                    outcome = Delivery._sms_apply_delivery_events_to(
                        Company.browse(company_id), company_events
                    )
                    applied += outcome["applied"]
                    consumed += outcome["consumed"]
                if consumed:
                    cr.execute(
                        "DELETE FROM sms_gateway_delivery_event WHERE id IN %s",
                        (tuple(consumed),),
                    )
                    self.invalidate_model()
        except psycopg2.errors.SerializationFailure:
            # A message changed since this transaction began: the events stay
            # and are applied by the next run.
            _logger.info("SMS delivery events: messages busy, applied later")
            self._sms_trigger_apply()
            return 0, None
        return applied, events[-1]["id"]

    @api.model
    def _sms_drop_expired(self):
        """Forget events older than ``KEEP_DAYS`` that never met their message."""
        limit = fields.Datetime.now() - timedelta(days=KEEP_DAYS)
        self.flush_model()
        self.env.cr.execute(
            """
            DELETE FROM sms_gateway_delivery_event
             WHERE received_at < %s
            RETURNING company_id, provider
            """,
            (limit,),
        )
        dropped = {}
        rows = self.env.cr.fetchall()
        if rows:
            self.invalidate_model()
        for company_id, provider in rows:
            key = (company_id, provider)
            dropped[key] = dropped.get(key, 0) + 1
        for (company_id, provider), count in sorted(dropped.items()):
            _logger.warning(
                "Dropped %s delivery reports of %s for company %s: no message of "
                "theirs was found within %s days",
                count,
                provider,
                company_id,
                KEEP_DAYS,
            )
        return sum(dropped.values())
