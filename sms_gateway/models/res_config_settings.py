# Copyright 2026 sms_gateway authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Settings > SMS: the current company's provider, credentials and limits.

The values are written to the company in one ``write`` when the settings are
saved (not field by field, as related fields would), so that enabling a
provider and entering its credentials are checked together.

Credentials and provider addresses are never stored in ``res_config_settings``
(a transient row lives on for hours after a save, and in copies of the
database): they are computed from the company and written through to it
when the settings record is created. Only system administrators read them
or press the buttons.
"""

import uuid

from odoo import api, fields, models
from odoo.exceptions import UserError

from ..tools import phone as phone_tools
from ..tools import providers
from .res_company import PROVIDER_SELECTION

# Company fields mirrored by the settings, under the same names.
SMS_SETTINGS = (
    "sms_gateway_provider",
    "sms_gateway_sender",
    "sms_gateway_country_id",
    "sms_gateway_max_parts",
    "sms_gateway_timeout",
    "sms_gateway_price_per_part",
    "sms_gateway_currency_id",
    "sms_gateway_monthly_cap",
    "sms_gateway_user_cap",
    "sms_gateway_user_cap_days",
)
SMS_SECRET_SETTINGS = (
    "sms_gateway_smsapi_token",
    "sms_gateway_smsapi_base_url",
    "sms_gateway_twilio_account_sid",
    "sms_gateway_twilio_auth_token",
    "sms_gateway_twilio_base_url",
    "sms_gateway_quriiri_api_key",
    "sms_gateway_quriiri_base_url",
)


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    sms_gateway_provider = fields.Selection(
        PROVIDER_SELECTION,
        string="SMS Provider",
    )
    sms_gateway_sender = fields.Char(
        string="SMS Sender",
    )
    sms_gateway_country_id = fields.Many2one(
        "res.country",
        string="SMS Default Country",
    )
    sms_gateway_max_parts = fields.Integer(
        string="Maximum SMS Parts",
    )
    sms_gateway_timeout = fields.Integer(
        string="SMS Request Timeout (s)",
    )
    sms_gateway_price_per_part = fields.Float(
        string="Price per SMS Part",
        digits=(16, 4),
    )
    sms_gateway_currency_id = fields.Many2one(
        "res.currency",
        string="SMS Price Currency",
    )
    sms_gateway_monthly_cap = fields.Integer(string="Monthly SMS Cap")
    sms_gateway_user_cap = fields.Integer(string="SMS Cap per User")
    sms_gateway_user_cap_days = fields.Integer(string="SMS Cap Window (days)")
    # Not stored: see the module docstring.
    sms_gateway_smsapi_token = fields.Char(
        string="SMSAPI OAuth Token",
        groups="base.group_system",
        compute="_compute_sms_gateway_secret_settings",
        readonly=False,
    )
    sms_gateway_smsapi_base_url = fields.Char(
        string="SMSAPI Address",
        groups="base.group_system",
        compute="_compute_sms_gateway_secret_settings",
        readonly=False,
    )
    sms_gateway_twilio_account_sid = fields.Char(
        string="Twilio SMS Account SID",
        groups="base.group_system",
        compute="_compute_sms_gateway_secret_settings",
        readonly=False,
    )
    sms_gateway_twilio_auth_token = fields.Char(
        string="Twilio SMS Auth Token",
        groups="base.group_system",
        compute="_compute_sms_gateway_secret_settings",
        readonly=False,
    )
    sms_gateway_twilio_base_url = fields.Char(
        string="Twilio SMS Address",
        groups="base.group_system",
        compute="_compute_sms_gateway_secret_settings",
        readonly=False,
    )
    sms_gateway_quriiri_api_key = fields.Char(
        string="Quriiri API Key",
        groups="base.group_system",
        compute="_compute_sms_gateway_secret_settings",
        readonly=False,
    )
    sms_gateway_quriiri_base_url = fields.Char(
        string="Quriiri Address",
        groups="base.group_system",
        compute="_compute_sms_gateway_secret_settings",
        readonly=False,
    )
    sms_gateway_locked = fields.Boolean(related="company_id.sms_gateway_locked")
    sms_gateway_lock_reason = fields.Char(related="company_id.sms_gateway_lock_reason")
    sms_gateway_test_number = fields.Char(
        string="Test Number",
        help="A mobile number to send a test SMS to.",
    )

    @api.model
    def get_values(self):
        values = super().get_values()
        company = self.env.company
        for fname in SMS_SETTINGS:
            values[fname] = company._fields[fname].convert_to_write(
                company[fname], company
            )
        return values

    @api.depends("company_id")
    def _compute_sms_gateway_secret_settings(self):
        # Only reached by system administrators (groups on the fields).
        for settings in self:
            company = settings.company_id.sudo()
            for fname in SMS_SECRET_SETTINGS:
                settings[fname] = company[fname]

    @api.model_create_multi
    def create(self, vals_list):
        # Credentials go to the company at once instead of waiting in the row.
        vals_list = [dict(vals) for vals in vals_list]
        secret_list = [
            {fname: vals.pop(fname) for fname in SMS_SECRET_SETTINGS if fname in vals}
            for vals in vals_list
        ]
        records = super().create(vals_list)
        for settings, secret_values in zip(records, secret_list, strict=True):
            if secret_values:
                settings._sms_gateway_apply(secret_values)
        return records

    def write(self, vals):
        vals = dict(vals)
        secret_values = {
            fname: vals.pop(fname) for fname in SMS_SECRET_SETTINGS if fname in vals
        }
        result = super().write(vals)
        if secret_values:
            for settings in self:
                settings._sms_gateway_apply(secret_values)
        return result

    def set_values(self):
        result = super().set_values()
        self._sms_gateway_apply()
        return result

    def _sms_gateway_apply(self, secret_values=None):
        """Write the SMS settings that changed to the company, in one write,
        with the credentials and addresses ``secret_values`` just entered."""
        self.ensure_one()
        self.env["res.company"]._sms_gateway_check_admin()
        company = self.company_id.sudo()
        values = {
            fname: self._fields[fname].convert_to_write(self[fname], self)
            for fname in SMS_SETTINGS
        }
        values.update(secret_values or {})
        changed = {}
        for fname, new in values.items():
            old = company._fields[fname].convert_to_write(company[fname], company)
            if (new or False) != (old or False):
                changed[fname] = new
        if changed:
            company.write(changed)
        self.invalidate_recordset(SMS_SECRET_SETTINGS)

    # ------------------------------------------------------------------
    # Buttons: each saves the SMS settings, then answers in a notification
    # ------------------------------------------------------------------

    def _sms_gateway_notify(self, message, kind="success", title=None):
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": title or self.env._("SMS provider"),
                "message": message,
                "type": kind,
                "sticky": kind != "success",
            },
        }

    def _sms_gateway_provider(self):
        """Save, then return (provider, None) or (None, notification)."""
        self._sms_gateway_apply()
        company = self.company_id
        label = dict(PROVIDER_SELECTION)[company.sms_gateway_provider]
        try:
            return company._sms_gateway_get_provider(), label, None
        except UserError as error:  # disabled, locked, or incomplete configuration
            return None, label, self._sms_gateway_notify(error.args[0], "danger")

    def action_sms_gateway_test_connection(self):
        self.env["res.company"]._sms_gateway_check_admin()
        provider, label, failure = self._sms_gateway_provider()
        if failure:
            return failure
        with provider:
            try:
                provider.check()
            except providers.ProviderError as error:
                return self._sms_gateway_notify(
                    self.env._(
                        "%(provider)s cannot be used: %(error)s",
                        provider=label,
                        error=str(error),
                    ),
                    "danger",
                )
        return self._sms_gateway_notify(
            self.env._(
                "%(provider)s answers and accepts the credentials.", provider=label
            )
        )

    def action_sms_gateway_check_balance(self):
        self.env["res.company"]._sms_gateway_check_admin()
        provider, label, failure = self._sms_gateway_provider()
        if failure:
            return failure
        with provider:
            try:
                balance = provider.balance()
            except providers.ProviderError as error:
                return self._sms_gateway_notify(
                    self.env._(
                        "The balance could not be read from %(provider)s: %(error)s",
                        provider=label,
                        error=str(error),
                    ),
                    "danger",
                )
        if balance is None:
            return self._sms_gateway_notify(
                self.env._("%(provider)s does not tell the balance.", provider=label),
                "info",
            )
        amount = f"{balance:,.2f}"
        return self._sms_gateway_notify(
            self.env._(
                "Balance at %(provider)s: %(balance)s",
                provider=label,
                balance=amount,
            )
        )

    def action_sms_gateway_send_test(self):
        self.env["res.company"]._sms_gateway_check_admin()
        company = self.company_id
        region = (company.sms_gateway_country_id or company.country_id).code or None
        try:
            number = phone_tools.normalize(self.sms_gateway_test_number or "", region)
        except ValueError as error:
            return self._sms_gateway_notify(str(error), "warning")
        provider, label, failure = self._sms_gateway_provider()
        if failure:
            return failure
        message = {
            "uid": f"test-{uuid.uuid4().hex}",
            "number": number,
            "body": self.env._("Test SMS from %(company)s.", company=company.name),
            "sender": None,
        }
        with provider:
            try:
                (result,) = provider.send([message])
            except providers.ProviderError as error:
                return self._sms_gateway_notify(
                    self.env._(
                        "%(provider)s did not take the test SMS: %(error)s",
                        provider=label,
                        error=str(error),
                    ),
                    "danger",
                )
        if result["state"] == "accepted":
            return self._sms_gateway_notify(
                self.env._(
                    "%(provider)s accepted the test SMS to %(number)s.",
                    provider=label,
                    number=number,
                )
            )
        return self._sms_gateway_notify(
            self.env._(
                "%(provider)s refused the test SMS to %(number)s: %(error)s",
                provider=label,
                number=number,
                error=result["error"] or result["state"],
            ),
            "warning",
        )

    def action_sms_gateway_confirm_location(self):
        self.env["res.company"]._sms_gateway_check_admin()
        self.company_id.action_sms_gateway_confirm_location()
        return self._sms_gateway_notify(
            self.env._("SMS sending is unlocked for this database."),
        )

    def action_sms_gateway_renew_callback_secret(self):
        self.env["res.company"]._sms_gateway_check_admin()
        self.company_id.action_sms_gateway_renew_callback_secret()
        return self._sms_gateway_notify(
            self.env._(
                "The delivery report secret of %(company)s is renewed: reports to "
                "the old callback addresses are refused from now on. Messages sent "
                "from now on carry the new address (SMSAPI, Quriiri); update the "
                "address wherever you entered it by hand, such as the provider's "
                "portal. Messages already sent report to the old address, so "
                "their delivery reports are lost.",
                company=self.company_id.name,
            ),
            "warning",
        )
