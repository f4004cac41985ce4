# Copyright 2026 sms_gateway authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Odoo's own SMS (``sms.sms``: Send SMS on a document, SMS templates and
automated actions, SMS marketing, the chatter) through the company's SMS
accounts instead of Odoo IAP.

Odoo 18 sends its queue with ``sms.sms._send`` straight to IAP (it has no
provider hook). For the SMS of a company whose accounts take Odoo's SMS
(``res.company._sms_gateway_takes_odoo_sms``), ``_send`` writes one queued
``sms.gateway.message`` each instead (its source: the document, the chatter
message, the Odoo SMS's uuid) and leaves the Odoo SMS "Processing"; the
dispatcher sends them as it sends every message (routing, failover, rate,
server-move lock, exactly once through the message's own key), and each
change of the message is written back to Odoo's side
(``sms.gateway.message._sms_sync_odoo_sms``): the Odoo SMS's state and its
tracker, which moves the chatter notification and the marketing trace as
Odoo's IAP reports would. The company of an SMS is its chatter message's
document's company, else the current company (as Odoo 19 decides it).
"""

import re
from datetime import timedelta

from odoo import api, fields, models
from odoo.tools import SQL

from ..tools import phone as phone_tools
from ..tools import sms_text
from .sms_gateway_message import body_hash

# A number as Odoo's phone fields store it once checked: +, then 8 to 15 digits.
E164_RE = re.compile(r"\+[1-9]\d{7,14}")
# What ``_sms_gateway_read`` gives of each SMS.
SMS_READ_KEYS = (
    "uuid",
    "number",
    "body",
    "partner_id",
    "create_uid",
    "mail_message_id",
    "model",
    "res_id",
    "trace_model",
    "trace_res_id",
    "company",
)
# Failure types (``sms.sms``) of an SMS the accounts cannot take at all.
NO_NUMBER = "sms_number_missing"
BAD_NUMBER = "sms_number_format"
OPTED_OUT = "sms_blacklist"
# Over the company's monthly cap: Odoo's "unknown" with the reason (its
# "Insufficient Credit" would offer to buy IAP credit).
NO_CREDIT = "unknown"
NO_CONSENT = "sms_optout"
RECENT = "sms_duplicate"
# What each SMS gives its SMS Gateway message (``_sms_gateway_message_row``).
ODOO_SMS_COLUMNS = (
    "sms_uuid",
    "res_model",
    "res_id",
    "mail_message_id",
    "partner_id",
    "number",
    "body",
    "body_hash",
    "encoding",
    "chars",
    "parts",
    "cost",
    "currency_id",
    "user_id",
    "company_id",
)


class SmsSms(models.Model):
    _inherit = "sms.sms"

    def _send(self, unlink_failed=False, unlink_sent=True, raise_exception=False):
        """Odoo's SMS of companies whose accounts take them go to the SMS
        Gateway queue; the others to IAP, as before."""
        routed, rows = self._sms_gateway_routed()
        if routed:
            routed.sudo()._sms_gateway_queue(rows)
        rest = self - routed
        if rest:
            return super(SmsSms, rest)._send(
                unlink_failed=unlink_failed,
                unlink_sent=unlink_sent,
                raise_exception=raise_exception,
            )
        return None

    def _sms_gateway_read(self):
        """What the queue needs of these SMS, read in one query: by SMS id,
        its uuid, number, text, partner, author, chatter message and the
        message's document, the document of its marketing trace, and its
        company. The company an SMS is sent for is its document's (the
        chatter message's company); for SMS marketing, its mailing's
        author's; else its author's (Odoo's queue runs as the superuser, whose
        company says nothing about the SMS), else the current one."""
        self.flush_recordset()
        mailing_company = SQL("NULL::int")
        if "mailing_id" in self._fields:
            mailing_company = SQL(
                "(SELECT u.company_id FROM mailing_mailing m"
                " JOIN res_users u ON u.id = m.user_id WHERE m.id = s.mailing_id)"
            )
        trace_model, trace_id = SQL("NULL::varchar"), SQL("NULL::int")
        if "mailing_trace_ids" in self._fields:
            trace_model = SQL(
                "(SELECT t.model FROM mailing_trace t WHERE t.sms_id_int = s.id"
                " ORDER BY t.id LIMIT 1)"
            )
            trace_id = SQL(
                "(SELECT t.res_id FROM mailing_trace t WHERE t.sms_id_int = s.id"
                " ORDER BY t.id LIMIT 1)"
            )
        self.env.cr.execute(
            SQL(
                """
                SELECT s.id, s.uuid, s.number, s.body, s.partner_id, s.create_uid,
                       s.mail_message_id, mm.model, mm.res_id, %(trace_model)s,
                       %(trace_id)s,
                       COALESCE(mm.record_company_id, %(mailing_company)s,
                                cu.company_id, %(company)s)
                  FROM sms_sms s
                  LEFT JOIN mail_message mm ON mm.id = s.mail_message_id
                  LEFT JOIN res_users cu ON cu.id = s.create_uid
                 WHERE s.id IN %(ids)s
                """,
                trace_model=trace_model,
                trace_id=trace_id,
                mailing_company=mailing_company,
                company=self.env.company.id,
                ids=tuple(self.ids),
            )
        )
        keys = SMS_READ_KEYS
        return {
            row[0]: dict(zip(keys, row[1:], strict=True))
            for row in self.env.cr.fetchall()
        }

    def _sms_gateway_routed(self):
        """The SMS of ``self`` that go through SMS Gateway accounts (none, and
        not a query, while no company's accounts take Odoo's SMS), and what
        the queue needs of each (``_sms_gateway_read``)."""
        takers = self.env["res.company"]._sms_gateway_odoo_sms_company_ids()
        if not takers or not self.ids:
            return self.browse(), {}
        rows = self._sms_gateway_read()
        routed = [sms_id for sms_id, row in rows.items() if row["company"] in takers]
        return self.browse(routed), rows

    def _sms_gateway_queue(self, rows=None):
        """One queued SMS Gateway message per Odoo SMS (written together);
        the Odoo SMS is then "Processing" (out of Odoo's queue) until its
        message's result, its notification and trace waiting. An SMS
        without a number, with one that cannot be read as a phone number,
        with one on the opt-out list, or over the company's monthly cap fails
        at once, as IAP would fail it (a marketing one without consent or
        caught by the 24-hour guard is canceled).
        Called as superuser (``_send``: Odoo sends its queue so)."""
        if not self.ids:
            return
        # Two sends of the same Odoo SMS at once (Odoo's queue and a user's
        # Retry) take turns: the second waits, then fails on the first's
        # change and is retried (Odoo's transactions are REPEATABLE READ), so
        # neither queues what the other did.
        self.env.cr.execute(
            "SELECT id FROM sms_sms WHERE id IN %s FOR UPDATE", (tuple(self.ids),)
        )
        rows = rows if rows is not None else self._sms_gateway_read()
        rows = [rows[sms_id] | {"id": sms_id} for sms_id in self.ids]
        companies = {
            company.id: company
            for company in self.env["res.company"].browse({r["company"] for r in rows})
        }
        regions = {
            cid: company._sms_gateway_region() for cid, company in companies.items()
        }
        for row in rows:
            row["e164"] = self._sms_gateway_number(
                row["number"], regions[row["company"]]
            )
        barred = self._sms_gateway_barred(rows)
        # An Odoo SMS already queued or sent through the accounts (sent again
        # by a retry of a "Processing" one, say) is not queued twice.
        self.env["sms.gateway.message"].flush_model(["sms_uuid", "state"])
        self.env.cr.execute(
            """
            SELECT sms_uuid FROM sms_gateway_message
             WHERE sms_uuid IN %s AND state NOT IN ('failed', 'canceled')
            """,
            (tuple(row["uuid"] for row in rows),),
        )
        live = {uuid for (uuid,) in self.env.cr.fetchall()}
        # The company's monthly cap is its budget for every SMS: one over it
        # fails as Odoo IAP fails an SMS without credit.
        Mailing = self.env["sms.gateway.mailing"]
        cap_left = {
            cid: Mailing._sms_monthly_cap_left(company)
            for cid, company in companies.items()
            if company.sms_gateway_monthly_cap
        }
        messages, taken, refused, texts = [], [], {}, {}
        for row in rows:
            if row["uuid"] in live:
                taken.append(row["id"])
                continue
            failure = barred.get(row["id"]) or (
                NO_CREDIT if cap_left.get(row["company"], 1) <= 0 else None
            )
            if failure:
                refused.setdefault(failure, []).append(row["id"])
                continue
            if row["company"] in cap_left:
                cap_left[row["company"]] -= 1
            messages.append(
                self._sms_gateway_message_row(row, companies[row["company"]], texts)
            )
            taken.append(row["id"])
        # The messages and the Odoo SMS's new state together, or neither
        # (Odoo's queue goes on after an error and commits).
        with self.env.cr.savepoint():
            if messages:
                now = fields.Datetime.now()
                self.env["sms.gateway.message"]._sms_copy(
                    ODOO_SMS_COLUMNS,
                    messages,
                    {
                        "channel": "sms",
                        "state": "queued",
                        "scheduled_at": now,
                        "attempt_count": 0,
                        "create_uid": self.env.uid,
                        "create_date": now,
                        "write_uid": self.env.uid,
                        "write_date": now,
                    },
                )
            if taken:
                # Out of Odoo's queue; its chatter notification and marketing
                # trace stay "ready" / "outgoing" (waiting: a send window, a
                # locked account) until the message leaves.
                self.browse(taken).write({"state": "process", "failure_type": False})
                self.env["sms.gateway.dispatcher"]._sms_trigger_dispatch()
            for failure_type, ids in refused.items():
                failed = self.browse(ids)
                if failure_type in (OPTED_OUT, NO_CONSENT, RECENT):
                    # As Odoo's composer marks a blacklisted number: canceled,
                    # the marketing trace saying why (the chatter notification
                    # has no such failure type).
                    failed.write({"state": "canceled", "failure_type": failure_type})
                    trackers = failed.sms_tracker_id
                    trackers._action_update_from_sms_state("canceled")
                    if "mailing_trace_id" in trackers._fields:
                        trackers.mailing_trace_id.write({"failure_type": failure_type})
                elif failure_type == NO_CREDIT:
                    failed.write({"state": "error", "failure_type": NO_CREDIT})
                    failed.sms_tracker_id._action_update_from_sms_state(
                        "error",
                        failure_type=NO_CREDIT,
                        failure_reason=self.env._(
                            "The company's monthly SMS cap is reached (Settings > SMS)."
                        ),
                    )
                else:
                    failed._update_sms_state_and_trackers("error", failure_type)

    @api.model
    def _sms_gateway_barred(self, rows):
        """Why Odoo's SMS of ``rows`` may not go, by SMS id (Odoo's failure
        type), read for the whole batch: no number, one that is no number, a
        number on the opt-out list (any SMS); for SMS marketing (an SMS with
        a marketing trace) also a partner whose SMS consent is not granted,
        and the same text to the same number within 24 hours (the 24-hour
        guard of the send window). Transactional SMS of documents need no
        marketing consent."""
        cr = self.env.cr
        barred = {}
        for row in rows:
            if not row["number"]:
                barred[row["id"]] = NO_NUMBER
            elif not row["e164"]:
                barred[row["id"]] = BAD_NUMBER
        numbers = tuple({row["e164"] for row in rows if row["id"] not in barred})
        if not numbers:
            return barred
        # The opt-out list holds E.164 numbers, as these are.
        self.env["phone.blacklist"].flush_model(["number", "active"])
        cr.execute(
            "SELECT number FROM phone_blacklist WHERE active AND number IN %s",
            (numbers,),
        )
        opted_out = {number for (number,) in cr.fetchall()}
        marketing = [
            row for row in rows if row["trace_model"] and row["id"] not in barred
        ]
        consent, recent = {}, set()
        if marketing:
            partners = tuple(
                {row["partner_id"] for row in marketing if row["partner_id"]}
            )
            if partners:
                self.env["res.partner"].flush_model(["sms_consent"])
                cr.execute(
                    "SELECT id, sms_consent FROM res_partner WHERE id IN %s",
                    (partners,),
                )
                consent = dict(cr.fetchall())
            self.env["sms.gateway.message"].flush_model()
            cr.execute(
                """
                SELECT number, body_hash FROM sms_gateway_message
                 WHERE number IN %s AND create_date > %s AND channel = 'sms'
                   AND state NOT IN ('canceled', 'failed')
                """,
                (
                    tuple({row["e164"] for row in marketing}),
                    fields.Datetime.now() - timedelta(hours=24),
                ),
            )
            recent = set(cr.fetchall())
        for row in rows:
            if row["id"] in barred:
                continue
            if row["e164"] in opted_out:
                barred[row["id"]] = OPTED_OUT
            elif row["trace_model"]:
                sent = (row["e164"], body_hash(row["body"] or ""))
                if row["partner_id"] and consent.get(row["partner_id"]) != "granted":
                    barred[row["id"]] = NO_CONSENT
                elif sent in recent:
                    barred[row["id"]] = RECENT
                else:
                    recent.add(sent)  # twice in this batch: once
        return barred

    @api.model
    def _sms_gateway_number(self, number, region):
        """An SMS's ``number`` in E.164, read with ``region`` (the company's
        default country); None when it has none or it cannot be read as a
        number. A number already in E.164 is taken as it is: Odoo's phone
        fields give them so once they checked them (``phone_sanitized``), and
        the provider refuses one that reaches no phone (the SMS fails with
        its reason), as Odoo IAP does."""
        if not number:
            return None
        if E164_RE.fullmatch(number):
            return number
        try:
            return phone_tools.normalize(number, region)
        except ValueError:
            return None

    @api.model
    def _sms_gateway_message_row(self, row, company, texts):
        """The values (``ODOO_SMS_COLUMNS``) of the SMS Gateway message that
        sends the Odoo SMS of ``row`` (``_sms_gateway_read``); ``texts``:
        what is known of each text already (a campaign's are all one)."""
        body = row["body"] or ""
        if body not in texts:
            texts[body] = (sms_text.analyze(body), body_hash(body))
        info, digest = texts[body]
        res_model, res_id = row["model"], row["res_id"]
        if not res_model:
            res_model, res_id = row["trace_model"], row["trace_res_id"]
        return (
            row["uuid"],
            res_model or None,
            res_id or 0,
            row["mail_message_id"],
            row["partner_id"],
            row["e164"],
            body,
            digest,
            info.encoding,
            len(body),
            info.parts,
            info.parts * company.sms_gateway_price_per_part,
            company.sms_gateway_currency_id.id or None,
            row["create_uid"] or self.env.uid,
            company.id,
        )
