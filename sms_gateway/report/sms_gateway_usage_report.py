# Copyright 2026 sms_gateway authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""SMS usage for accountants: a read-only SQL view over the messages.

One row per message (SMS or e-mail fallback) that was not canceled, so the
pivot can cut by any dimension, the partner form can filter on its recipient
and the record rules work as on the messages themselves. The text (``body``)
is not in the view.

What counts (billing counts what the provider accepted):

- ``message_count``, ``sms_count``, ``email_count``, ``parts`` and ``cost``
  count messages that went out: state sent, delivered or undelivered
  (``BILLABLE_STATES``). Failed messages (refused by the provider), queued or
  sending ones are rows of the view with these measures at 0; use the
  "Recipients (any status)" measure and the Status dimension to see them.
- ``delivered_parts``: the parts of delivered SMS.
- Canceled messages (excluded, duplicate, the same text within 24 hours,
  canceled by a person) never went out and are not in the view.
- ``date`` is when the message went out (``sent_at``), else when it was due.
- ``user_id`` ("Sent by") is the Odoo user who sent it; ``sender_name``
  ("Sender Name") is the name the phone shows: the mailing's sender, else the
  sender of the SMS account it went through.
- Replies (``direction`` "in", state received) are counted apart
  (``received_count``), never as messages, parts or cost.
- ``currency_id`` is the currency of the cost: the message's, else its
  company's SMS price currency (e-mails and unsent SMS have no cost of their
  own, and the lists still show a currency).
"""

from odoo import api, fields, models, tools
from odoo.tools import SQL

from ..models.sms_gateway_message import STATES

# States of messages the provider took (or, for e-mails, Odoo's mail queue).
BILLABLE_STATES = ("sent", "delivered", "undelivered")
# The view's date; the same expression is indexed on the messages.
DATE_SQL = "COALESCE(m.sent_at, m.scheduled_at, m.create_date)"


class SmsGatewayUsageReport(models.Model):
    _name = "sms.gateway.usage.report"
    _description = "SMS Usage"
    _auto = False
    _order = "date desc, id desc"
    _rec_name = "date"

    date = fields.Datetime(readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    user_id = fields.Many2one(
        "res.users",
        string="Sent by",
        readonly=True,
        help="The Odoo user who sent the message.",
    )
    sender_name = fields.Char(
        readonly=True,
        help="The sender name (or number) shown on the phone: the mailing's "
        "sender, else its SMS account's.",
    )
    group_id = fields.Many2one("sms.gateway.group", readonly=True)
    mailing_id = fields.Many2one("sms.gateway.mailing", readonly=True)
    partner_id = fields.Many2one("res.partner", string="Recipient", readonly=True)
    account_id = fields.Many2one(
        "sms.gateway.account", string="SMS Account", readonly=True
    )
    provider = fields.Char(readonly=True)
    source = fields.Selection(
        [("gateway", "SMS Gateway"), ("odoo", "Odoo apps")],
        readonly=True,
        help="SMS Gateway: sent from its send window, groups and mailings; Odoo "
        "apps: an SMS of Odoo's own (Send SMS on a document, SMS templates, "
        "SMS marketing) sent through the company's SMS accounts.",
    )
    res_model = fields.Char(string="Document Model", readonly=True)
    state = fields.Selection(STATES, string="Status", readonly=True)
    channel = fields.Selection(
        [("sms", "SMS"), ("email", "E-mail")], string="Type", readonly=True
    )
    currency_id = fields.Many2one("res.currency", readonly=True)
    direction = fields.Selection([("out", "Sent"), ("in", "Received")], readonly=True)
    chars = fields.Integer(string="Characters", readonly=True, aggregator=None)
    recipient_count = fields.Integer(
        string="Recipients (any status)",
        readonly=True,
        help="Every message sent of the view, whatever became of it.",
    )
    received_count = fields.Integer(
        string="Received SMS",
        readonly=True,
        help="Replies that came back through the SMS accounts (not billed as "
        "messages sent).",
    )
    message_count = fields.Integer(
        string="Messages",
        readonly=True,
        help="SMS and e-mails that went out (sent, delivered or undelivered).",
    )
    sms_count = fields.Integer(string="SMS", readonly=True)
    email_count = fields.Integer(string="E-mails", readonly=True)
    parts = fields.Integer(
        readonly=True, help="Parts of the SMS that went out: what is billed."
    )
    delivered_parts = fields.Integer(
        readonly=True, help="Parts of the SMS the provider reported delivered."
    )
    cost = fields.Float(
        readonly=True,
        digits=(16, 4),
        help="What the provider charges for the SMS that went out, in the "
        "currency shown next to it.",
    )

    def init(self):
        cr = self.env.cr
        # The pivot filters and groups on the view's date: index the expression.
        cr.execute(
            SQL(
                "CREATE INDEX IF NOT EXISTS sms_gateway_message_usage_date_idx "
                "ON sms_gateway_message ((%s))",
                SQL(DATE_SQL.replace("m.", "")),
            )
        )
        tools.drop_view_if_exists(cr, self._table)
        cr.execute(
            SQL(
                "CREATE OR REPLACE VIEW %s AS (%s)",
                SQL.identifier(self._table),
                self._sms_view_query(),
            )
        )

    @api.model
    def _search(self, domain, offset=0, limit=None, order=None):
        # The view reads the messages' table: write their pending changes first.
        self.env["sms.gateway.message"].flush_model()
        return super()._search(domain, offset=offset, limit=limit, order=order)

    def _sms_view_query(self):
        billable = SQL("m.state IN %s", BILLABLE_STATES)
        return SQL(
            """
            SELECT m.id AS id,
                   %(date)s AS date,
                   m.company_id, m.user_id, m.group_id, m.mailing_id, m.partner_id,
                   COALESCE(NULLIF(g.sender, ''), NULLIF(a.sender, '')) AS sender_name,
                   m.account_id, m.provider, m.state, m.channel, m.direction,
                   CASE WHEN m.sms_uuid IS NULL THEN 'gateway' ELSE 'odoo' END
                       AS source,
                   m.res_model,
                   COALESCE(m.currency_id, c.sms_gateway_currency_id, c.currency_id)
                       AS currency_id,
                   m.chars,
                   (m.direction = 'out')::int AS recipient_count,
                   (m.direction = 'in')::int AS received_count,
                   (%(billable)s)::int AS message_count,
                   (%(billable)s AND m.channel = 'sms')::int AS sms_count,
                   (%(billable)s AND m.channel = 'email')::int AS email_count,
                   CASE WHEN %(billable)s AND m.channel = 'sms'
                        THEN COALESCE(m.parts, 0) ELSE 0 END AS parts,
                   CASE WHEN m.state = 'delivered' AND m.channel = 'sms'
                        THEN COALESCE(m.parts, 0) ELSE 0 END AS delivered_parts,
                   CASE WHEN %(billable)s
                        THEN COALESCE(m.cost, 0) ELSE 0 END AS cost
              FROM sms_gateway_message m
              JOIN res_company c ON c.id = m.company_id
              LEFT JOIN sms_gateway_mailing g ON g.id = m.mailing_id
              LEFT JOIN sms_gateway_account a ON a.id = m.account_id
             WHERE m.state <> 'canceled'
            """,
            date=SQL(DATE_SQL),
            billable=billable,
        )
