# Copyright 2026 sms_gateway authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Odoo's phone blacklist is the SMS opt-out list: keep partners' consent in step."""

from odoo import api, models

from .res_partner import sms_is_no_sync


class PhoneBlacklist(models.Model):
    _inherit = "phone.blacklist"

    @api.model_create_multi
    def create(self, vals_list):
        records = super().create(vals_list)
        records._sms_refuse_partners()
        return records

    def write(self, vals):
        was_active = {r.id: r.active for r in self} if "active" in vals else {}
        result = super().write(vals)
        if "active" in vals or "number" in vals:
            self._sms_refuse_partners()
        if was_active and not vals["active"]:
            self.filtered(lambda r: was_active.get(r.id))._sms_notify_removed()
        return result

    def unlink(self):
        self.filtered("active")._sms_notify_removed()
        result = super().unlink()
        self.env["res.partner"].invalidate_model(["sms_is_blacklisted"])
        return result

    def _sms_refuse_partners(self):
        """Refuse SMS consent of every partner with an active blacklisted number."""
        self.env["res.partner"].invalidate_model(["sms_is_blacklisted"])
        if sms_is_no_sync(self.env):
            return
        numbers = self.filtered("active").mapped("number")
        partners = self.env["res.partner"].sudo()._sms_partners_with_numbers(numbers)
        to_refuse = partners.filtered(lambda p: p.sms_consent != "refused")
        to_refuse._sms_refuse_from_opt_out()

    def _sms_notify_removed(self):
        """Tell each partner that the number left the list; consent stays refused."""
        partners = (
            self.env["res.partner"]
            .sudo()
            ._sms_partners_with_numbers(self.mapped("number"))
        )
        for partner in partners.filtered(lambda p: p.sms_consent == "refused"):
            partner.message_post(
                body=self.env._(
                    "The number %(number)s was removed from the SMS opt-out list. "
                    "SMS consent stays refused until someone grants it again.",
                    number=partner.sms_number or partner.phone_sanitized,
                ),
                subtype_xmlid="mail.mt_note",
            )
