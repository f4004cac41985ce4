# Copyright 2026 sms_gateway authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""One reported line of an SMS group import: refused, merged or with a warning."""

from odoo import fields, models

IMPORT_LINE_RESULTS = [
    ("created", "Contact created"),
    ("matched_mobile", "Existing contact (mobile)"),
    ("matched_email", "Existing contact (email)"),
    ("merged", "Duplicate, merged"),
    ("refused", "Refused"),
]


class SmsGatewayGroupImportLine(models.TransientModel):
    _name = "sms.gateway.group.import.line"
    _description = "SMS Group Import Line"
    _order = "line_number, id"

    wizard_id = fields.Many2one(
        "sms.gateway.group.import", required=True, ondelete="cascade", index=True
    )
    line_number = fields.Integer(string="Line")
    result = fields.Selection(IMPORT_LINE_RESULTS, required=True)
    name = fields.Char()
    mobile = fields.Char()
    email = fields.Char()
    partner_id = fields.Many2one("res.partner", string="Contact")
    message = fields.Char()
