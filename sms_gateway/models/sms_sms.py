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

from odoo import fields, models

from ..tools import phone as phone_tools
from ..tools import sms_text
from .sms_gateway_message import body_hash

# A number as Odoo's phone fields store it once checked: +, then 8 to 15 digits.
E164_RE = re.compile(r"\+[1-9]\d{7,14}")
# Failure types (``sms.sms``) of an SMS the accounts cannot take at all.
NO_NUMBER = "sms_number_missing"
BAD_NUMBER = "sms_number_format"
OPTED_OUT = "sms_blacklist"
# What each SMS gives its SMS Gateway message (``_sms_gateway_message_values``).
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
        routed, companies = self._sms_gateway_routed()
        if routed:
            routed.sudo()._sms_gateway_queue(companies)
        rest = self - routed
        if rest:
            return super(SmsSms, rest)._send(
                unlink_failed=unlink_failed,
                unlink_sent=unlink_sent,
                raise_exception=raise_exception,
            )
        return None

    def _sms_gateway_company(self):
        """The company an SMS is sent for: its document's (the chatter
        message's company); for SMS marketing, its mailing's author's; else
        its author's (Odoo's queue runs as the superuser, whose company says
        nothing about the SMS), else the current one."""
        self.ensure_one()
        mailing = self.mailing_id if "mailing_id" in self._fields else None
        return (
            self.mail_message_id.record_company_id
            or (mailing and mailing.user_id.company_id)
            or self.create_uid.company_id
            or self.env.company
        )

    def _sms_gateway_routed(self):
        """The SMS of ``self`` that go through SMS Gateway accounts (none, and
        not a query, while no company's accounts take Odoo's SMS), and the
        company of each (by SMS id)."""
        takers = self.env["res.company"]._sms_gateway_odoo_sms_company_ids()
        if not takers:
            return self.browse(), {}
        companies = {sms.id: sms._sms_gateway_company() for sms in self}
        routed = self.filtered(lambda sms: companies[sms.id].id in takers)
        return routed, companies

    def _sms_gateway_queue(self, companies=None):
        """One queued SMS Gateway message per Odoo SMS (written together);
        the Odoo SMS is then "Processing" (out of Odoo's queue) until its
        message's result, its notification and trace waiting. An SMS
        without a number, with one that cannot be read as a phone number, or
        with one on the opt-out list fails at once, as IAP would fail it.
        Called as superuser (``_send``: Odoo sends its queue so)."""
        if companies is None:
            companies = {sms.id: sms._sms_gateway_company() for sms in self}
        regions = {}
        for company in companies.values():
            if company.id not in regions:
                regions[company.id] = company._sms_gateway_region()
        numbers = {
            sms.id: sms._sms_gateway_number(regions[companies[sms.id].id])
            for sms in self
        }
        wanted = tuple(number for number in numbers.values() if number)
        opted_out = set()
        if wanted:
            # The opt-out list holds E.164 numbers, as these are.
            self.env["phone.blacklist"].flush_model(["number", "active"])
            self.env.cr.execute(
                "SELECT number FROM phone_blacklist WHERE active AND number IN %s",
                (wanted,),
            )
            opted_out = {row[0] for row in self.env.cr.fetchall()}
        # The document of an SMS of SMS marketing is its trace's (one query).
        traces = {}
        if "mailing_trace_ids" in self._fields:
            for trace in (
                self.env["mailing.trace"]
                .sudo()
                .search_fetch(
                    [("sms_id_int", "in", self.ids)], ["sms_id_int", "model", "res_id"]
                )
            ):
                traces.setdefault(trace.sms_id_int, (trace.model, trace.res_id))
        # An Odoo SMS already queued or sent through the accounts (sent again
        # by a retry of a "Processing" one, say) is not queued twice.
        self.env["sms.gateway.message"].flush_model(["sms_uuid", "state"])
        self.env.cr.execute(
            """
            SELECT sms_uuid FROM sms_gateway_message
             WHERE sms_uuid IN %s AND state NOT IN ('failed', 'canceled')
            """,
            (tuple(self.mapped("uuid")) or (None,),),
        )
        live = {row[0] for row in self.env.cr.fetchall()}
        values, taken, refused, texts = [], self.browse(), {}, {}
        for sms in self:
            if sms.uuid in live:
                taken |= sms
                continue
            number = numbers[sms.id]
            failure = (
                NO_NUMBER
                if not sms.number
                else BAD_NUMBER
                if not number
                else OPTED_OUT
                if number in opted_out
                else None
            )
            if failure:
                refused[failure] = refused.get(failure, self.browse()) | sms
                continue
            values.append(
                sms._sms_gateway_message_values(
                    companies[sms.id], number, traces.get(sms.id), texts
                )
            )
            taken |= sms
        # The messages and the Odoo SMS's new state together, or neither
        # (Odoo's queue goes on after an error and commits).
        with self.env.cr.savepoint():
            if values:
                now = fields.Datetime.now()
                self.env["sms.gateway.message"]._sms_copy(
                    ODOO_SMS_COLUMNS,
                    [
                        tuple(value[name] for name in ODOO_SMS_COLUMNS)
                        for value in values
                    ],
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
                taken.write({"state": "process", "failure_type": False})
                self.env["sms.gateway.dispatcher"]._sms_trigger_dispatch()
            for failure_type, failed in refused.items():
                if failure_type == OPTED_OUT:
                    # As Odoo's composer marks a blacklisted number: canceled.
                    failed.write({"state": "canceled", "failure_type": OPTED_OUT})
                    failed.sms_tracker_id._action_update_from_sms_state("canceled")
                else:
                    failed._update_sms_state_and_trackers("error", failure_type)

    def _sms_gateway_number(self, region):
        """This SMS's number in E.164, read with ``region`` (the company's
        default country); None when it has none or it cannot be read as a
        number. A number already in E.164 is taken as it is: Odoo's phone
        fields give them so once they checked them (``phone_sanitized``), and
        the provider refuses one that reaches no phone (the SMS fails with
        its reason), as Odoo IAP does."""
        self.ensure_one()
        number = self.number
        if not number:
            return None
        if E164_RE.fullmatch(number):
            return number
        try:
            return phone_tools.normalize(number, region)
        except ValueError:
            return None

    def _sms_gateway_message_values(self, company, number, document=None, texts=None):
        """The values of the SMS Gateway message that sends this Odoo SMS;
        ``document``: (model, id) of its marketing trace, if any; ``texts``:
        what is known of each text already (a campaign's are all one)."""
        self.ensure_one()
        body = self.body or ""
        texts = {} if texts is None else texts
        if body not in texts:
            texts[body] = (sms_text.analyze(body), body_hash(body))
        info, digest = texts[body]
        record = self.mail_message_id
        res_model, res_id = (record.model, record.res_id) if record else (None, 0)
        if not res_model and document:
            res_model, res_id = document
        return {
            "sms_uuid": self.uuid,
            "res_model": res_model or False,
            "res_id": res_id or 0,
            "mail_message_id": record.id or False,
            "partner_id": self.partner_id.id or False,
            "number": number,
            "body": body,
            "body_hash": digest,
            "encoding": info.encoding,
            "chars": len(body),
            "parts": info.parts,
            "cost": info.parts * company.sms_gateway_price_per_part,
            "currency_id": company.sms_gateway_currency_id.id or False,
            "user_id": self.create_uid.id or self.env.uid,
            "company_id": company.id,
        }
