# Copyright 2026 sms_gateway authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Settings > SMS: the current company's SMS defaults and limits, and a link
to its SMS accounts (providers, credentials, senders), which are records of
their own (``sms.gateway.account``): credentials never pass through a
settings row.

The values are written to the company in one ``write`` when the settings are
saved (not field by field, as related fields would).
"""

from odoo import api, fields, models
from odoo.exceptions import AccessError, ValidationError

from ..tools import phone as phone_tools
from .res_company import ODOO_SMS_ROUTES

# Company fields mirrored by the settings, under the same names.
SMS_SETTINGS = (
    "sms_gateway_country_id",
    "sms_gateway_max_parts",
    "sms_gateway_currency_id",
    "sms_gateway_monthly_cap",
    "sms_gateway_user_cap",
    "sms_gateway_user_cap_days",
    "sms_gateway_odoo_sms",
    "sms_gateway_reply_resubscribe",
    "sms_gateway_reply_confirm",
    "sms_gateway_stop_reply_text",
    "sms_gateway_start_reply_text",
    "sms_gateway_help_text",
)


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    sms_gateway_test_number = fields.Char(
        string="Test number",
        help="A mobile number: the test SMS goes through the SMS account that "
        "would send an SMS to it, from that account's sender.",
    )
    sms_gateway_country_id = fields.Many2one(
        "res.country",
        string="SMS Default Country",
    )
    sms_gateway_max_parts = fields.Integer(
        string="Maximum SMS Parts",
    )
    sms_gateway_currency_id = fields.Many2one(
        "res.currency",
        string="SMS Price Currency",
        # Any currency, active or not (the company activates the one chosen),
        # as for the company's own currency.
        context={"active_test": False},
    )
    sms_gateway_monthly_cap = fields.Integer(string="Monthly SMS Cap")
    sms_gateway_user_cap = fields.Integer(string="SMS Cap per User")
    sms_gateway_user_cap_days = fields.Integer(string="SMS Cap Window (days)")
    sms_gateway_odoo_sms = fields.Selection(
        ODOO_SMS_ROUTES,
        string="Odoo's Own SMS",
    )
    sms_gateway_reply_resubscribe = fields.Boolean(
        string="Re-subscribe by Replying START"
    )
    sms_gateway_reply_confirm = fields.Boolean(string="Confirm STOP and START by SMS")
    sms_gateway_stop_reply_text = fields.Char(string="STOP Confirmation")
    sms_gateway_start_reply_text = fields.Char(string="START Confirmation")
    sms_gateway_help_text = fields.Char(string="HELP Answer")
    # Global, not per company: how the background work is shared.
    sms_gateway_cron_lanes = fields.Integer(
        string="SMS Background Workers",
        help="How many cron workers (and servers) may send SMS and prepare large "
        "mailings at the same time: each is a lane of the scheduled actions "
        "'SMS Gateway: send queued SMS' and 'SMS Gateway: prepare large "
        "mailings'. Odoo runs as many scheduled actions at once as it has cron "
        "workers (--max-cron-threads, 2 by default).",
    )
    sms_gateway_prepare_threshold = fields.Integer(
        string="Prepare in the Background Above",
        # Not config_parameter=: Odoo removes an integer parameter set to 0,
        # and 0 is a threshold here (every bulk send in the background).
        help="A send to more recipients than this returns at once and is "
        "prepared in the background, with its progress on the mailing.",
    )
    sms_gateway_account_count = fields.Integer(
        string="SMS Accounts", compute="_compute_sms_gateway_accounts"
    )
    sms_gateway_account_summary = fields.Char(
        string="SMS Accounts in Use", compute="_compute_sms_gateway_accounts"
    )
    sms_gateway_sending_problem = fields.Char(
        string="SMS Sending Problem", compute="_compute_sms_gateway_accounts"
    )

    @api.model
    def get_values(self):
        values = super().get_values()
        # At least one: with the scheduled action archived (or deleted) the
        # settings still save; saving leaves the lanes as they are.
        values["sms_gateway_cron_lanes"] = max(
            len(self.env["sms.gateway.dispatcher"]._sms_cron_lanes("dispatch")), 1
        )
        values["sms_gateway_prepare_threshold"] = self.env[
            "sms.gateway.mailing"
        ]._sms_prepare_threshold()
        company = self.env.company
        for fname in SMS_SETTINGS:
            values[fname] = company._fields[fname].convert_to_write(
                company[fname], company
            )
        return values

    @api.depends("company_id")
    def _compute_sms_gateway_accounts(self):
        Account = self.env["sms.gateway.account"].sudo()
        for settings in self:
            accounts = Account.search(
                [("company_id", "=", settings.company_id.id), ("active", "=", True)],
                order="sequence, id",
            )
            settings.sms_gateway_account_count = len(accounts)
            settings.sms_gateway_account_summary = ", ".join(accounts.mapped("name"))
            settings.sms_gateway_sending_problem = (
                settings.company_id._sms_gateway_sending_problem()
            )

    def set_values(self):
        result = super().set_values()
        self._sms_gateway_apply()
        self._sms_gateway_apply_lanes()
        self._sms_gateway_apply_threshold()
        return result

    @api.constrains("sms_gateway_cron_lanes", "sms_gateway_prepare_threshold")
    def _check_sms_gateway_background(self):
        from ..dispatch.dispatcher import MAX_LANES  # a cycle at load time

        for settings in self:
            if not 1 <= settings.sms_gateway_cron_lanes <= MAX_LANES:
                raise ValidationError(
                    self.env._(
                        "SMS background workers: from 1 to %(max)s.", max=MAX_LANES
                    )
                )
            if settings.sms_gateway_prepare_threshold < 0:
                raise ValidationError(
                    self.env._(
                        "Prepare in the background above: a number of recipients, "
                        "0 or more."
                    )
                )

    def _sms_gateway_apply_lanes(self):
        """Activate the first ``sms_gateway_cron_lanes`` lanes of the dispatch
        and prepare crons, archive the others."""
        self.ensure_one()
        lanes = self.sms_gateway_cron_lanes
        if not lanes or lanes == self.get_values()["sms_gateway_cron_lanes"]:
            return
        if not self.env.user.has_group("base.group_system"):
            raise AccessError(
                self.env._("Only a system administrator can change SMS settings.")
            )
        from ..dispatch.dispatcher import MAX_LANES  # a cycle at load time

        for job in ("dispatch", "prepare"):
            for lane in range(2, MAX_LANES + 1):
                cron = self.env.ref(
                    f"sms_gateway.ir_cron_sms_gateway_{job}_{lane}",
                    raise_if_not_found=False,
                )
                if cron and cron.sudo().active != (lane <= lanes):
                    cron.sudo().active = lane <= lanes

    def _sms_gateway_apply_threshold(self):
        """Write the threshold of background preparation when it changed."""
        self.ensure_one()
        threshold = self.sms_gateway_prepare_threshold
        if threshold == self.env["sms.gateway.mailing"]._sms_prepare_threshold():
            return
        if not self.env.user.has_group("base.group_system"):
            raise AccessError(
                self.env._("Only a system administrator can change SMS settings.")
            )
        self.env["ir.config_parameter"].sudo().set_param(
            "sms_gateway.prepare_threshold", str(threshold)
        )

    def _sms_gateway_apply(self):
        """Write the SMS settings that changed to the company, in one write."""
        self.ensure_one()
        company = self.company_id.sudo()
        changed = {}
        for fname in SMS_SETTINGS:
            new = self._fields[fname].convert_to_write(self[fname], self)
            old = company._fields[fname].convert_to_write(company[fname], company)
            if (new or False) != (old or False):
                changed[fname] = new
        if changed:
            if not self.env.user.has_group("base.group_system"):
                raise AccessError(
                    self.env._("Only a system administrator can change SMS settings.")
                )
            company.write(changed)

    def action_sms_gateway_send_test(self):
        """Settings' test SMS: through the account that would send an SMS to
        the typed number (the routing's choice), from its sender, noted in
        that account's chatter."""
        self.ensure_one()
        Account = self.env["sms.gateway.account"]
        Account._sms_check_admin()
        company = self.company_id
        text = (self.sms_gateway_test_number or "").strip()
        if not text:
            return Account._sms_notify_user(
                self.env._(
                    'Type the mobile number to send the test SMS to in "Test '
                    'number", then click "Send a test SMS".'
                ),
                "warning",
            )
        try:
            number = phone_tools.normalize(text, company._sms_gateway_region())
        except ValueError as error:
            return Account._sms_notify_user(
                self.env._(
                    "The test number cannot be used: %(error)s", error=str(error)
                ),
                "warning",
            )
        eligible = Account._sms_eligible(company, phone_tools.region_of(number))
        usable = eligible._sms_usable()
        now = fields.Datetime.now()
        account = (
            usable.filtered(lambda a: not (a.hold_until and a.hold_until > now))[:1]
            or usable[:1]
            or eligible[:1]
        )
        if not account:
            return Account._sms_notify_user(
                self.env._(
                    "No active SMS account of %(company)s sends to %(number)s: "
                    "add one, or widen an account's destination countries.",
                    company=company.name,
                    number=number,
                ),
                "warning",
            )
        return account._sms_send_test(number, reload=False)

    def action_sms_gateway_accounts(self):
        """The SMS accounts of the current company."""
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "sms_gateway.sms_gateway_account_action"
        )
        action["domain"] = [("company_id", "=", self.company_id.id)]
        action["context"] = {"default_company_id": self.company_id.id}
        return action
