# Copyright 2026 sms_gateway authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""One reported line of an SMS group import (refused, merged or with a
warning), and one column of the file being imported."""

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
    has_warning = fields.Boolean(string="Warning")
    # Text: the list wraps it, where a Char column would cut the reason off
    message = fields.Text()


COLUMN_FIELDS = [
    ("name", "Name"),
    ("first_name", "First Name"),
    ("last_name", "Last Name"),
    ("mobile", "Phone"),
    ("email", "E-mail"),
    ("note", "Note"),
    ("consent", "Consent"),
    ("ignore", "Ignore"),
]


class SmsGatewayGroupImportColumn(models.TransientModel):
    """One column of the file being imported and the field it holds."""

    _name = "sms.gateway.group.import.column"
    _description = "SMS Group Import Column"
    _order = "sequence, id"

    wizard_id = fields.Many2one(
        "sms.gateway.group.import", required=True, ondelete="cascade", index=True
    )
    sequence = fields.Integer(readonly=True)
    header = fields.Char(string="Column in the File", readonly=True)
    sample = fields.Char(string="Sample Value", readonly=True)
    field = fields.Selection(
        COLUMN_FIELDS,
        string="Import As",
        required=True,
        default="ignore",
        help="What the column holds. Ignore: the column is not imported.",
    )
