# Copyright 2026 sms_gateway authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Incoming SMS: the replies providers forward to an account's inbound address.

An incoming message is an ``sms.gateway.message`` of direction "in", state
"received". The inbound routes (``controllers/main.py``) only store it
(``_sms_store_inbound``: one INSERT that a repeated delivery of the same
message leaves alone) and wake the inbound cron, which reads each new one
once (``_sms_process_inbound``):

- it is linked to the last SMS sent to that number by the company (through
  the same account first): that message's partner, mailing and sender (the
  sender becomes its "Sent by", so that the reply is theirs to read under
  the usual rules); else to the partner whose SMS number it is; else it stays
  an unknown sender's, for the SMS managers;
- a keyword reply (``sms.gateway.keyword``; Twilio's own opt-out types)
  refuses or grants consent, or answers with the company's help text;
- the partner's chatter tells that a reply came (never its text: texts are
  for their sender and the SMS managers) and notifies the sender in Odoo's
  inbox, with a link to the reply, which has a Reply button.
"""

import hashlib
import logging
from datetime import timedelta

from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from ..tools import keywords, sms_text
from ..tools.providers.base import INBOUND_E164_RE
from .sms_gateway_message import message_key

_logger = logging.getLogger(__name__)

# Incoming messages read per cron step (each step commits).
INBOUND_BATCH = 200
INBOUND_TIME_BUDGET = 60
# Consent sources a START may undo (a refusal by a reply, or by the listing
# it made).
REPLY_SOURCES = ("reply", "opt_out")
# At most one automatic answer (help text, confirmation) per number in this
# time: a flood of HELPs costs one SMS.
ANSWER_EVERY = timedelta(hours=24)
# How long the parts of a long reply wait for a missing one.
PARTS_WAIT = timedelta(hours=6)
# How long joined parts are kept (a part delivered again is recognised).
PARTS_KEPT = timedelta(days=2)


class SmsGatewayMessage(models.Model):
    _inherit = "sms.gateway.message"  # pylint: disable=consider-merging-classes-inherited

    direction = fields.Selection(
        [("out", "Sent"), ("in", "Received")],
        default="out",
        required=True,
        readonly=True,
        help="Sent: an SMS that went (or goes) out. Received: a reply that came "
        "back through an SMS account.",
    )
    received_at = fields.Datetime(
        readonly=True, copy=False, help="When the provider received the reply."
    )
    reply_to_id = fields.Many2one(
        "sms.gateway.message",
        string="In Reply To",
        readonly=True,
        copy=False,
        index="btree_not_null",
        ondelete="set null",
        help="The last SMS sent to this number before the reply came.",
    )
    reply_ids = fields.One2many(
        "sms.gateway.message", "reply_to_id", string="Replies", readonly=True
    )
    reply_count = fields.Integer(compute="_compute_reply_count")
    reply_mailing_id = fields.Many2one(
        "sms.gateway.mailing",
        string="Reply to Mailing",
        readonly=True,
        copy=False,
        index="btree_not_null",
        ondelete="set null",
    )
    keyword = fields.Selection(
        [("stop", "STOP"), ("start", "START"), ("help", "HELP")],
        readonly=True,
        copy=False,
        help="The reply was this keyword (STOP refuses SMS consent, START grants "
        "it again where the company allows it, HELP is answered).",
    )
    inbound_done = fields.Boolean(readonly=True, copy=False)
    # A reply's sender number, read from a provider's request, and what
    # became of it: shown on the reply.
    inbound_note = fields.Char(string="What Was Done", readonly=True, copy=False)

    def init(self):
        result = super().init()
        cr = self.env.cr
        # The bulk writers (COPY, INSERT ... SELECT) name no direction.
        cr.execute(
            "ALTER TABLE sms_gateway_message ALTER COLUMN direction SET DEFAULT 'out'"
        )
        # A repeated delivery of the same reply is stored once: its key.
        cr.execute(
            """
            CREATE UNIQUE INDEX IF NOT EXISTS sms_gateway_message_inbound_key_idx
                ON sms_gateway_message (uid) WHERE direction = 'in'
            """
        )
        cr.execute(
            """
            CREATE INDEX IF NOT EXISTS sms_gateway_message_inbound_todo_idx
                ON sms_gateway_message (id) WHERE direction = 'in' AND NOT inbound_done
            """
        )
        # The parts of long replies a provider forwards one by one (Vonage),
        # until the last one comes: a work table, never read by the ORM.
        cr.execute(
            """
            CREATE TABLE IF NOT EXISTS sms_gateway_inbound_part (
                account_id integer NOT NULL,
                provider_ref varchar NOT NULL,
                number varchar NOT NULL,
                reference varchar NOT NULL,
                total integer NOT NULL,
                part integer NOT NULL,
                body text NOT NULL,
                received_at timestamp,
                done boolean NOT NULL DEFAULT FALSE,
                create_date timestamp NOT NULL DEFAULT (now() at time zone 'UTC'),
                PRIMARY KEY (account_id, provider_ref)
            )
            """
        )
        return result

    @api.depends("reply_ids")
    def _compute_reply_count(self):
        counts = dict(
            self.sudo()
            .with_context(active_test=False)
            ._read_group(
                [("reply_to_id", "in", self.ids)], ["reply_to_id"], ["__count"]
            )
        )
        for message in self:
            message.reply_count = counts.get(message, 0)

    # ------------------------------------------------------------------
    # Storing (the routes)
    # ------------------------------------------------------------------

    @api.model
    def _sms_inbound_uid(self, account, key):
        """The message key of an incoming message: unique per account."""
        return f"in:{account.id}:{key}"[:255]

    @api.model
    def _sms_store_inbound(self, account, messages):
        """Store ``messages`` (``providers.inbound.parse_inbound``) received
        through ``account`` and wake the inbound cron; a message stored
        before (same key) is left as it is. Returns the ids stored now."""
        parts = [message for message in messages if message["concat"]]
        if parts:
            self._sms_store_parts(account, parts)
            messages = [message for message in messages if not message["concat"]]
            messages += self._sms_assemble_parts(account)
        if not messages:
            return []
        now = fields.Datetime.now()
        rows = []
        for message in messages:
            text = message["text"]
            info = sms_text.analyze(text)
            rows.append(
                (
                    self._sms_inbound_uid(account, message["key"]),
                    message["number"],
                    text,
                    info.encoding,
                    info.chars,
                    info.parts,
                    message["provider_ref"],
                    message["opt_out"],
                    message["at"] or now,
                )
            )
        self.env.cr.execute(
            SQL(
                """
                INSERT INTO sms_gateway_message
                    (uid, number, body, encoding, chars, parts, provider_ref,
                     provider_status, received_at, direction, state, channel,
                     company_id, account_id, provider, attempt_count, cost,
                     inbound_done, create_date, write_date)
                SELECT v.uid, v.number, v.body, v.encoding, v.chars, v.parts, v.ref,
                       v.opt_out, v.at, 'in', 'received', 'sms', %(company)s,
                       %(account)s, %(provider)s, 0, 0, FALSE, %(now)s, %(now)s
                  FROM unnest(%(uids)s::varchar[], %(numbers)s::varchar[],
                              %(bodies)s::text[], %(encodings)s::varchar[],
                              %(chars)s::int[], %(parts)s::int[], %(refs)s::varchar[],
                              %(opt_outs)s::varchar[], %(ats)s::timestamp[])
                       AS v(uid, number, body, encoding, chars, parts, ref, opt_out, at)
                    ON CONFLICT (uid) WHERE direction = 'in' DO NOTHING
                RETURNING id
                """,
                company=account.company_id.id,
                account=account.id,
                provider=account.provider,
                now=now,
                uids=[row[0] for row in rows],
                numbers=[row[1] for row in rows],
                bodies=[row[2] for row in rows],
                encodings=[row[3] for row in rows],
                chars=[row[4] for row in rows],
                parts=[row[5] for row in rows],
                refs=[row[6] for row in rows],
                opt_outs=[row[7] for row in rows],
                ats=[row[8] for row in rows],
            )
        )
        stored = [row[0] for row in self.env.cr.fetchall()]
        if stored:
            self._sms_trigger_inbound()
        return stored

    @api.model
    def _sms_store_parts(self, account, parts):
        """Keep the parts of long replies; a part delivered again (its
        provider's id) is kept once, even after its reply was joined."""
        self.env.cr.execute(
            SQL(
                """
                INSERT INTO sms_gateway_inbound_part
                    (account_id, provider_ref, number, reference, total, part, body,
                     received_at)
                SELECT %(account)s, v.ref, v.number, v.reference, v.total, v.part,
                       v.body, v.at
                  FROM unnest(%(refs)s::varchar[], %(numbers)s::varchar[],
                              %(references)s::varchar[], %(totals)s::int[],
                              %(parts)s::int[], %(bodies)s::text[],
                              %(ats)s::timestamp[])
                       AS v(ref, number, reference, total, part, body, at)
                    ON CONFLICT DO NOTHING
                """,
                account=account.id,
                refs=[p["provider_ref"] or p["key"] for p in parts],
                numbers=[p["number"] for p in parts],
                references=[p["concat"][0] for p in parts],
                totals=[p["concat"][1] for p in parts],
                parts=[p["concat"][2] for p in parts],
                bodies=[p["text"] for p in parts],
                ats=[p["at"] for p in parts],
            )
        )

    @api.model
    def _sms_assemble_parts(self, account=None):
        """The long replies whose parts have all come, as messages of
        ``parse_inbound`` (their parts marked joined, kept two days so that a
        part delivered again is recognised); of every account when
        ``account`` is None (the cron's catch-up: two last parts that came at
        the same time each saw the other missing), and then also those still
        missing a part after ``PARTS_WAIT``, with the parts that came (a
        reply is never lost for a part the network lost)."""
        cr = self.env.cr
        cr.execute(
            SQL(
                """
                UPDATE sms_gateway_inbound_part p SET done = TRUE
                  FROM (SELECT account_id, number, reference
                          FROM sms_gateway_inbound_part
                         WHERE NOT done AND (%(any)s OR account_id = %(account)s)
                         GROUP BY account_id, number, reference
                        HAVING count(DISTINCT part) >= max(total)
                            OR %(any)s AND min(create_date) < %(stale)s) whole
                 WHERE NOT p.done AND p.account_id = whole.account_id
                   AND p.number = whole.number AND p.reference = whole.reference
             RETURNING p.account_id, p.number, p.reference, p.part, p.body,
                       p.received_at, p.provider_ref
                """,
                any=account is None,
                account=account.id if account else None,
                stale=fields.Datetime.now() - PARTS_WAIT,
            )
        )
        groups = {}
        for account_id, number, reference, part, body, at, ref in cr.fetchall():
            groups.setdefault((account_id, number, reference), []).append(
                (part, body, at, ref)
            )
        if account is None:
            cr.execute(
                SQL(
                    "DELETE FROM sms_gateway_inbound_part "
                    "WHERE done AND create_date < %s",
                    fields.Datetime.now() - PARTS_KEPT,
                )
            )
        messages = []
        for (account_id, number, _reference), pieces in groups.items():
            pieces.sort()
            refs = ",".join(sorted(ref for _p, _b, _a, ref in pieces))
            messages.append(
                {
                    "account_id": account_id,
                    # The parts' own ids: a later reply of the same reference
                    # (providers count references on a small range) is another.
                    "key": "concat:" + hashlib.sha256(refs.encode()).hexdigest()[:40],
                    "provider_ref": None,
                    "number": number,
                    "to": None,
                    "text": "".join(
                        body for _p, body, _a, _r in {p[0]: p for p in pieces}.values()
                    ),
                    "at": min((at for _p, _b, at, _r in pieces if at), default=None),
                    "opt_out": None,
                    "concat": None,
                }
            )
        return messages

    @api.model
    def _sms_trigger_inbound(self, again=False):
        """Wake the inbound cron, unless a wake-up is pending already (the
        cron removes it when it starts, and reads every reply there is):
        replies that come many at once cost one run of the cron, not one
        each, and one notification of the cron workers."""
        cron_id = self.env["ir.model.data"]._xmlid_to_res_id(
            "sms_gateway.ir_cron_sms_gateway_inbound", raise_if_not_found=False
        )
        if not cron_id:
            return
        if again:
            # The cron's own run, out of time: its wake-up is removed when it
            # ends, another one is needed.
            self.env["ir.cron"].sudo().browse(cron_id)._trigger()
            return
        self.env.cr.execute(
            """
            SELECT 1 FROM ir_cron_trigger
             WHERE cron_id = %s AND call_at <= (now() AT TIME ZONE 'UTC')
             LIMIT 1
            """,
            (cron_id,),
        )
        if not self.env.cr.fetchone():
            self.env["ir.cron"].sudo().browse(cron_id)._trigger()

    # ------------------------------------------------------------------
    # Reading them (the cron)
    # ------------------------------------------------------------------

    @api.model
    def _cron_inbound(self, time_budget=INBOUND_TIME_BUDGET):
        """Read the new incoming messages, a batch per transaction."""
        Dispatcher = self.env["sms.gateway.dispatcher"]
        started = fields.Datetime.now()
        done = 0
        # Long replies whose last parts came at the same time.
        Account = self.env["sms.gateway.account"].sudo().with_context(active_test=False)
        for message in self._sms_assemble_parts():
            account = Account.browse(message["account_id"]).exists()
            if account:  # the parts of a deleted account go with it
                self._sms_store_inbound(account, [message])
        Dispatcher._commit()
        while True:
            self.env.cr.execute(
                SQL(
                    """
                    SELECT id FROM sms_gateway_message
                     WHERE direction = 'in' AND NOT inbound_done
                     ORDER BY id
                     LIMIT %s
                       FOR UPDATE SKIP LOCKED
                    """,
                    INBOUND_BATCH,
                )
            )
            ids = [row[0] for row in self.env.cr.fetchall()]
            if not ids:
                break
            self.browse(ids).sudo()._sms_process_inbound()
            Dispatcher._commit()
            done += len(ids)
            if (fields.Datetime.now() - started).total_seconds() > time_budget:
                self._sms_trigger_inbound(again=True)
                break
        return done

    def _sms_process_inbound(self):
        """Link, classify and announce these new incoming messages (with
        superuser rights: the cron's)."""
        table = self.env["sms.gateway.keyword"]._sms_keyword_table()
        for message in self:
            if message.direction != "in" or message.inbound_done:
                continue
            try:
                with self.env.cr.savepoint():
                    message._sms_process_one_inbound(table)
            except Exception as error:  # one reply never blocks the others
                # Kept, marked read with why: never retried for ever.
                _logger.exception("SMS reply %s could not be read", message.id)
                self.env.cr.execute(
                    SQL(
                        """
                        UPDATE sms_gateway_message
                           SET inbound_done = TRUE, inbound_note = %s
                         WHERE id = %s
                        """,
                        self.env._(
                            "The reply could not be read to the end (%(error)s); "
                            "it is kept as it came.",
                            error=type(error).__name__,
                        ),
                        message.id,
                    )
                )
                message.invalidate_recordset()

    def _sms_process_one_inbound(self, table):
        self.ensure_one()
        company = self.company_id
        answered = self._sms_answered_message()
        partner = answered.partner_id
        if not partner or partner.sms_number != self.number:
            partner = self._sms_inbound_partner(company) or partner
        # Twilio's own opt-out types, else the company's keywords.
        action = self.provider_status
        if action not in keywords.ACTIONS:
            words = self.env["sms.gateway.keyword"]._sms_company_words(table, company)
            action = keywords.match(self.body, words)
        values = {
            "inbound_done": True,
            "reply_to_id": answered.id or False,
            "reply_mailing_id": answered.mailing_id.id or False,
            "user_id": answered.user_id.id or False,
            "partner_id": partner.id or False,
            "keyword": action or False,
        }
        self.write(values)
        note = False
        if action == "stop":
            note = self._sms_inbound_stop(partner)
        elif action == "start":
            note = self._sms_inbound_start(partner)
        elif action == "help":
            note = self._sms_inbound_help(partner)
        if note:
            self.inbound_note = note
        if partner:
            self._sms_inbound_chatter(partner, answered)

    def _sms_answered_message(self):
        """The last SMS the company sent to this number: through this
        account first, else through any of the company's."""
        self.ensure_one()
        for account_only in (True, False):
            self.env.cr.execute(
                SQL(
                    """
                    SELECT id FROM sms_gateway_message
                     WHERE number = %(number)s AND direction = 'out'
                       AND company_id = %(company)s AND channel = 'sms'
                       AND state IN ('sent', 'delivered', 'undelivered')
                       -- not an automatic answer to a reply
                       AND reply_to_id IS NULL
                       AND (NOT %(account_only)s OR account_id = %(account)s)
                       AND id < %(id)s
                     ORDER BY id DESC
                     LIMIT 1
                    """,
                    number=self.number,
                    company=self.company_id.id,
                    account=self.account_id.id,
                    account_only=account_only,
                    id=self.id,
                )
            )
            row = self.env.cr.fetchone()
            if row:
                return self.browse(row[0])
        return self.browse()

    def _sms_inbound_partner(self, company):
        """The partner whose SMS number (or phone) is the sender's, of the
        company or shared; the most recently changed when several."""
        partners = (
            self.env["res.partner"]
            ._sms_partners_with_numbers([self.number])
            .filtered(lambda p: not p.company_id or p.company_id == company)
        )
        return partners.sorted(lambda p: (p.active, p.write_date), reverse=True)[:1]

    # ------------------------------------------------------------------
    # Keywords
    # ------------------------------------------------------------------

    def _sms_inbound_stop(self, partner):
        """STOP: refuse consent (source: SMS reply, when it came), put the
        number on Odoo's opt-out list, cancel what is queued to it."""
        _partners, canceled = self._sms_opt_out_number(
            self.number,
            partner,
            self.received_at,
            self.env._("Opted out by replying %(text)s.", text="STOP"),
        )
        self._sms_inbound_confirm("stop", partner)
        return self.env._(
            "Opted out: SMS consent refused, number on the opt-out list, "
            "%(count)s queued SMS canceled.",
            count=canceled,
        )

    @api.model
    def _sms_opt_out_number(self, number, partner=None, when=None, note=None):
        """Refuse the SMS consent of ``number``'s partners (and ``partner``)
        as a reply would (source: SMS reply, at ``when``), list the number,
        cancel what is queued to it. Returns (partners, canceled count)."""
        when = when or fields.Datetime.now()
        partners = self.env["res.partner"]._sms_partners_with_numbers([number])
        partners |= partner or self.env["res.partner"]
        # The company's and shared partners refuse as a reply; the listing
        # below refuses the others (Odoo's opt-out list is everyone's).
        company = self.company_id or self.env.company
        to_refuse = partners.filtered(
            lambda p: (
                p.sms_consent != "refused"
                and (not p.company_id or p.company_id == company)
            )
        )
        if to_refuse:
            to_refuse.write(
                {
                    "sms_consent": "refused",
                    "sms_consent_source": "reply",
                    "sms_consent_date": when,
                }
            )
        Blacklist = self.env["phone.blacklist"].sudo()
        listable = bool(INBOUND_E164_RE.match(number or ""))  # not a sender name
        if listable and not Blacklist.search(
            [("number", "=", number), ("active", "=", True)]
        ):
            Blacklist._add([number], message=note)
        return partners, self._sms_cancel_queued_to(number)

    def _sms_mirror_provider_opt_out(self):
        """These messages were refused because their number opted out at the
        provider (Twilio: the person replied STOP to Twilio): our consent
        and opt-out list follow."""
        for message in self.filtered(lambda m: m.number):
            message._sms_opt_out_number(
                message.number,
                message.partner_id,
                note=self.env._(
                    "Opted out at the provider (%(provider)s): the number replied "
                    "STOP to it.",
                    provider=message.provider or "",
                ),
            )

    def _sms_cancel_queued_to(self, number):
        """Cancel the queued SMS to ``number``; how many."""
        queued = self.search(
            [
                ("number", "=", number),
                ("direction", "=", "out"),
                ("state", "=", "queued"),
                ("channel", "=", "sms"),
            ]
        )
        if not queued:
            return 0
        self.env.cr.execute(
            SQL(
                """
                UPDATE sms_gateway_message
                   SET state = 'canceled', skip_reason = 'opted_out',
                       failure_reason = %s, parts = 0, cost = 0, write_date = %s
                 WHERE id IN %s AND state = 'queued'
                """,
                self.env._("Canceled: the recipient replied STOP"),
                fields.Datetime.now(),
                tuple(queued.ids),
            )
        )
        queued.invalidate_recordset()
        queued.mailing_id._sms_update_state()
        queued._sms_sync_odoo_sms()
        return len(queued)

    def _sms_inbound_start(self, partner):
        """START after a STOP: consent again, when the company allows it."""
        company = self.company_id
        if not company.sms_gateway_reply_resubscribe:
            return self.env._(
                "START received: re-subscription by reply is off for the company "
                "(Settings > SMS); consent unchanged."
            )
        number = self.number
        # Every partner with the number: its listing is everyone's. A refusal
        # given another way (by hand, an import, a form) is not undone by a
        # reply; only one that a reply (or the listing it made) gave.
        partners = self.env["res.partner"]._sms_partners_with_numbers([number])
        partners |= partner
        refused = partners.filtered(lambda p: p.sms_consent == "refused")
        other_ways = refused.filtered(
            lambda p: p.sms_consent_source not in REPLY_SOURCES
        )
        if other_ways:
            return self.env._(
                "START received: SMS consent of %(partners)s was refused another "
                "way (%(how)s); unchanged.",
                partners=", ".join(other_ways.mapped("display_name")[:5]),
                how=", ".join(
                    sorted(set(other_ways.mapped("sms_consent_source")) - {False})
                )
                or "-",
            )
        Blacklist = self.env["phone.blacklist"].sudo()
        if Blacklist.search([("number", "=", number), ("active", "=", True)]):
            Blacklist._remove(
                [number],
                message=self.env._(
                    "Subscribed again by replying %(text)s.", text="START"
                ),
            )
        # Consent again only in the reply's company (and for shared partners).
        to_grant = refused.filtered(
            lambda p: not p.company_id or p.company_id == company
        )
        if to_grant:
            to_grant.write(
                {
                    "sms_consent": "granted",
                    "sms_consent_source": "reply",
                    "sms_consent_date": self.received_at or fields.Datetime.now(),
                }
            )
        self._sms_inbound_confirm("start", partner)
        return self.env._("Subscribed again: SMS consent granted, number off the list.")

    def _sms_inbound_help(self, partner):
        text = (self.company_id.sms_gateway_help_text or "").strip()
        if not text:
            return self.env._("HELP received: the company has no help text to send.")
        self._sms_inbound_reply(text, partner)
        return self.env._("HELP answered with the company's help text.")

    def _sms_inbound_confirm(self, action, partner):
        company = self.company_id
        if not company.sms_gateway_reply_confirm or self.provider_status:
            # Off, or the provider answered its own opt-out keyword already.
            return
        text = (
            company.sms_gateway_stop_reply_text
            if action == "stop"
            else company.sms_gateway_start_reply_text
        )
        if text and text.strip():
            self._sms_inbound_reply(text.strip(), partner)

    def _sms_inbound_reply(self, text, partner):
        """Queue an automatic answer to this reply's number, through its
        account's company (a message like any other: counted in usage). A
        STOP's confirmation goes even though the number is now opted out:
        it is the last SMS the number gets."""
        if self.search_count(
            [
                ("number", "=", self.number),
                ("direction", "=", "out"),
                ("reply_to_id", "!=", False),
                ("create_date", ">", fields.Datetime.now() - ANSWER_EVERY),
            ],
            limit=1,
        ):
            return  # answered within a day already
        info = sms_text.analyze(text)
        price = self.account_id.price_per_part or 0.0
        self.create(
            {
                "uid": message_key(),
                "number": self.number,
                "partner_id": partner.id or False,
                "body": text,
                "body_hash": False,
                "encoding": info.encoding,
                "chars": info.chars,
                "parts": info.parts,
                "cost": info.parts * price,
                "state": "queued",
                "reply_to_id": self.id,
                "user_id": self.env.ref("base.user_root").id,
                "company_id": self.company_id.id,
            }
        )
        self.env["sms.gateway.dispatcher"]._sms_trigger_dispatch()

    # ------------------------------------------------------------------
    # Chatter and inbox
    # ------------------------------------------------------------------

    def _sms_inbound_chatter(self, partner, answered):
        """A note in the partner's chatter, from the partner: a reply came
        (with a link to it, not its text), notifying the user who sent the
        message answered."""
        link = Markup('<a href="#" data-oe-model="%s" data-oe-id="%s">%s</a>') % (
            self._name,
            self.id,
            self.env._("Open the reply"),
        )
        if answered.mailing_id:
            text = Markup(
                self.env._("SMS reply from %(number)s to the mailing %(mailing)s.")
            ) % {
                "number": self.number,
                "mailing": Markup(
                    '<a href="#" data-oe-model="sms.gateway.mailing" data-oe-id="%s">'
                    "%s</a>"
                )
                % (answered.mailing_id.id, answered.mailing_id.name),
            }
        else:
            text = Markup(self.env._("SMS reply from %(number)s.")) % {
                "number": self.number
            }
        if self.keyword:
            text += Markup(" ") + self.env._(
                "It was the keyword %(keyword)s.", keyword=self.keyword.upper()
            )
        body = Markup("<p>%s %s</p>") % (text, link)
        recipient = answered.user_id.partner_id if answered.user_id.active else False
        # Superuser: the partner may have no e-mail to be an author with.
        message = (
            partner.sudo()
            .with_context(mail_create_nosubscribe=True, mail_notify_force_send=False)
            .message_post(
                body=body,
                author_id=partner.id,
                message_type="comment",
                subtype_xmlid="mail.mt_note",
                partner_ids=recipient.ids if recipient else [],
            )
        )
        self.mail_message_id = message

    # ------------------------------------------------------------------
    # Buttons
    # ------------------------------------------------------------------

    def action_reply(self):
        """Answer a reply: the send window for its partner (one SMS, under
        the usual rules)."""
        self.ensure_one()
        self.check_access("read")
        if self.direction != "in":
            raise UserError(self.env._("Only a received SMS can be answered."))
        if not self.partner_id:
            raise UserError(
                self.env._(
                    "This reply came from a number that is no partner's: link it "
                    "to a partner first (Link to Partner)."
                )
            )
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "sms_gateway.sms_gateway_send_wizard_action"
        )
        action["context"] = {"default_partner_ids": [self.partner_id.id]}
        return action

    def action_view_conversation(self):
        """Every SMS sent to this number and received from it (that the user
        may read), oldest first: the conversation with the number."""
        self.ensure_one()
        self.check_access("read")
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "sms_gateway.sms_gateway_message_action"
        )
        action["name"] = self.env._("Conversation with %(number)s", number=self.number)
        action["domain"] = [("number", "=", self.number), ("channel", "=", "sms")]
        action["context"] = {"search_default_group_direction": 0}
        action["views"] = [
            (
                self.env.ref(
                    "sms_gateway.sms_gateway_message_view_list_conversation"
                ).id,
                "list",
            ),
            (False, "form"),
        ]
        return action

    def action_view_replies(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "sms_gateway.sms_gateway_message_action"
        )
        action["domain"] = [("reply_to_id", "=", self.id)]
        action["context"] = {}
        return action
