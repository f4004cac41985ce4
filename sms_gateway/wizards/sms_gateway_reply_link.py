# Copyright 2026 sms_gateway authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Link a reply from an unknown number to a partner (an existing one, or a
new one when the user may create contacts); the partner's chatter then shows
the reply as any other."""

from odoo import fields, models
from odoo.exceptions import AccessError, UserError

MANAGER_GROUP = "sms_gateway.group_sms_gateway_manager"


class SmsGatewayReplyLink(models.TransientModel):
    _name = "sms.gateway.reply.link"
    _description = "Link an SMS Reply to a Partner"

    message_id = fields.Many2one(
        "sms.gateway.message", string="Reply", required=True, readonly=True
    )
    number = fields.Char(related="message_id.number", string="From")
    mode = fields.Selection(
        [("existing", "An existing partner"), ("new", "A new partner")],
        default="existing",
        required=True,
    )
    partner_id = fields.Many2one("res.partner")
    name = fields.Char(string="New Partner's Name")
    set_number = fields.Boolean(
        string="Save the number on the partner",
        default=True,
        help="Write the number as the partner's mobile number (an existing "
        "partner's only when it has none).",
    )

    def _sms_check(self):
        self.ensure_one()
        user = self.env.user
        if not user.has_group(MANAGER_GROUP):
            raise AccessError(
                self.env._("Only an SMS Gateway Manager links replies to partners.")
            )
        message = self.message_id
        message.check_access("read")
        if message.direction != "in" or message.partner_id:
            raise UserError(
                self.env._("Only a reply from an unknown number can be linked.")
            )

    def action_link(self):
        self._sms_check()
        message = self.message_id
        if self.mode == "new":
            if not self.name:
                raise UserError(self.env._("Give the new partner a name."))
            # The user's own right to create contacts (Contact Creation).
            partner = self.env["res.partner"].create(
                {
                    "name": self.name,
                    "mobile": message.number if self.set_number else False,
                }
            )
        else:
            partner = self.partner_id
            if not partner:
                raise UserError(self.env._("Choose the partner the reply is from."))
            partner.check_access("write")
            if self.set_number and not partner.mobile:
                partner.mobile = message.number
        message.sudo().partner_id = partner
        message.sudo()._sms_inbound_chatter(partner, message.sudo().reply_to_id)
        return {
            "type": "ir.actions.act_window",
            "res_model": "sms.gateway.message",
            "res_id": message.id,
            "view_mode": "form",
            "target": "current",
        }
