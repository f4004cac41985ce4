# Copyright 2026 sms_gateway authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Odoo's SMS composer (``sms.composer``) where the company's SMS accounts
send Odoo's SMS: the counter under the text and the parts come from the SMS
engine (GSM 03.38: € [ ] { } ~ ^ | \\ take two septets and keep GSM-7, a
newline is one character; Odoo's own counter takes them for Unicode and
counts a newline twice), and the text may be transliterated as in the send
window."""

from odoo import api, fields, models

from ..models.sms_gateway_mailing import (
    TRANSLITERATE,
    TRANSLITERATE_HELP,
    text_finisher,
)
from ..tools import sms_text


class SmsComposer(models.TransientModel):
    _inherit = "sms.composer"

    sms_gateway_used = fields.Boolean(
        string="Through the SMS Accounts",
        compute="_compute_sms_gateway_used",
        help="The company's SMS accounts send this SMS (Settings > SMS > Odoo's "
        "own SMS), not Odoo IAP.",
    )
    sms_gateway_transliterate = fields.Selection(
        TRANSLITERATE,
        string="Transliterate",
        default="none",
        required=True,
        help=TRANSLITERATE_HELP,
    )
    sms_gateway_chars = fields.Integer(
        string="Characters", compute="_compute_sms_gateway_counter"
    )
    sms_gateway_encoding = fields.Char(
        string="Encoding", compute="_compute_sms_gateway_counter"
    )
    sms_gateway_parts = fields.Integer(
        string="Parts", compute="_compute_sms_gateway_counter"
    )
    sms_gateway_chars_left = fields.Integer(
        string="Left in This Part", compute="_compute_sms_gateway_counter"
    )
    sms_gateway_non_gsm = fields.Char(
        string="Unicode Because of", compute="_compute_sms_gateway_counter"
    )

    @api.depends("res_model", "res_id", "composition_mode")
    def _compute_sms_gateway_used(self):
        for composer in self:
            composer.sms_gateway_used = (
                composer._sms_gateway_company().sudo()._sms_gateway_takes_odoo_sms()
            )

    @api.depends("body", "sms_gateway_transliterate")
    def _compute_sms_gateway_counter(self):
        for composer in self:
            text = composer._sms_gateway_finish(composer.body or "")
            info = sms_text.analyze(text)
            composer.sms_gateway_chars = info.chars
            composer.sms_gateway_encoding = info.encoding if text else False
            composer.sms_gateway_parts = info.parts
            composer.sms_gateway_chars_left = info.remaining
            composer.sms_gateway_non_gsm = " ".join(info.non_gsm)

    def _sms_gateway_company(self):
        """The company whose accounts would send: the document's (one
        document), else the current company, as ``sms.sms`` decides it."""
        self.ensure_one()
        if self.res_model and self.res_id and self.res_model in self.env:
            record = self.env[self.res_model].browse(self.res_id)
            if "company_id" in record._fields:
                return record.sudo().company_id or self.env.company
        return self.env.company

    def _sms_gateway_finish(self, text):
        """The text as it goes: transliterated when asked."""
        return text_finisher(self.sms_gateway_transliterate)(text)

    def _prepare_body_values(self, records):
        bodies = super()._prepare_body_values(records)
        if self.sms_gateway_transliterate not in ("gsm", "ascii"):
            return bodies
        return {key: self._sms_gateway_finish(body) for key, body in bodies.items()}

    def _action_send_sms_numbers(self):
        if self.sms_gateway_transliterate in ("gsm", "ascii"):
            self.body = self._sms_gateway_finish(self.body or "")
        return super()._action_send_sms_numbers()
