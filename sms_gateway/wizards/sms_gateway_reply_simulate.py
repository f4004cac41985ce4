# Copyright 2026 sms_gateway authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Simulate reply: a reply to an SMS sent through the sandbox, for trying
two-way SMS without a provider account. The reply takes the path of a real
one (stored as the inbound route stores it, then read as the cron reads it)."""

from odoo import api, fields, models
from odoo.exceptions import UserError

from ..tools import keywords
from ..tools.providers import inbound


class SmsGatewayReplySimulate(models.TransientModel):
    _name = "sms.gateway.reply.simulate"
    _description = "Simulate an SMS Reply"

    message_id = fields.Many2one(
        "sms.gateway.message", string="Answered SMS", required=True, readonly=True
    )
    number = fields.Char(related="message_id.number", string="From")
    text = fields.Char(
        string="Reply",
        required=True,
        default="STOP",
        help="What the recipient answers: a keyword (STOP, START, HELP and their "
        "translations) or any text.",
    )

    @api.model
    def _sms_check_message(self, message):
        message.check_access("read")
        message._sms_check_change_access()
        if (
            message.direction != "out"
            or message.account_id.provider != "sandbox"
            or message.state not in ("sent", "delivered", "undelivered")
        ):
            raise UserError(
                self.env._(
                    "A reply can be simulated only to an SMS the sandbox account sent."
                )
            )

    @api.model_create_multi
    def create(self, vals_list):
        wizards = super().create(vals_list)
        for wizard in wizards:
            self._sms_check_message(wizard.message_id)
        return wizards

    def action_simulate(self):
        self.ensure_one()
        message = self.message_id
        self._sms_check_message(message)
        Keyword = self.env["sms.gateway.keyword"]
        words = Keyword._sms_company_words(
            Keyword._sms_keyword_table(), message.company_id
        )
        if keywords.match(self.text, words) and not self.env.user.has_group(
            "sms_gateway.group_sms_gateway_manager"
        ):
            # A keyword changes consent and the opt-out list, as superuser:
            # only for who may change the partners it reaches.
            partners = (
                self.env["res.partner"]
                .sudo()
                ._sms_partners_with_numbers([message.number])
            )
            (partners | message.partner_id).with_env(self.env).check_access("write")
        payload = {
            "from": message.number,
            "to": message.account_id.sudo().sender or "",
            "text": self.text,
            "id": f"sim-{message.id}-{fields.Datetime.now().timestamp():.6f}",
        }
        try:
            received = inbound.parse_inbound("sandbox", payload)
        except inbound.InboundError as error:
            raise UserError(str(error)) from None
        Message = self.env["sms.gateway.message"].sudo()
        ids = Message._sms_store_inbound(message.account_id.sudo(), received)
        replies = Message.browse(ids)
        replies._sms_process_inbound()
        return {
            "type": "ir.actions.act_window",
            "res_model": "sms.gateway.message",
            "res_id": replies[:1].id,
            "view_mode": "form",
            "target": "current",
        }
