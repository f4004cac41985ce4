# Copyright 2026 sms_gateway authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Company-wide SMS settings: default country, parts and caps, the SMS
currency, and the company's SMS accounts (``sms.gateway.account``), which hold
the providers, credentials and senders.
"""

from odoo import api, fields, models, tools
from odoo.exceptions import AccessError, ValidationError

from ..tools import phone as phone_tools

# Where the SMS of Odoo's own apps go (``sms_gateway_odoo_sms``).
ODOO_SMS_ROUTES = [("iap", "Odoo IAP"), ("gateway", "The company's SMS accounts")]


# The company's reply settings (Settings > SMS > Replies): system administrators'.
REPLY_SETTINGS = (
    "sms_gateway_reply_resubscribe",
    "sms_gateway_reply_confirm",
    "sms_gateway_stop_reply_text",
    "sms_gateway_start_reply_text",
    "sms_gateway_help_text",
)


class ResCompany(models.Model):
    _inherit = "res.company"

    sms_gateway_account_ids = fields.One2many(
        "sms.gateway.account", "company_id", string="SMS Accounts"
    )
    sms_gateway_country_id = fields.Many2one(
        "res.country",
        string="SMS Default Country",
        help="Country of numbers written without a country code; the company's "
        "country when empty.",
    )
    sms_gateway_max_parts = fields.Integer(
        string="Maximum SMS Parts",
        default=6,
        help="A message needing more parts is refused before it is sent.",
    )
    sms_gateway_price_per_part = fields.Float(
        string="Estimated Price per SMS Part",
        digits=(16, 4),
        compute="_compute_sms_gateway_price_per_part",
        help="The price per part of the company's first active SMS account, for "
        "estimates before sending.",
    )
    sms_gateway_currency_id = fields.Many2one(
        "res.currency",
        string="SMS Price Currency",
        default=lambda self: self.env.company.currency_id,
        help="Currency of the SMS accounts' prices and of the costs reported.",
    )
    sms_gateway_monthly_cap = fields.Integer(
        string="Monthly SMS Cap",
        help="At most this many SMS per calendar month for the company (0: no cap).",
    )
    sms_gateway_user_cap = fields.Integer(
        string="SMS Cap per User",
        help="At most this many SMS per user over the window below (0: no cap).",
    )
    sms_gateway_user_cap_days = fields.Integer(
        string="SMS Cap Window (days)",
        default=30,
    )
    # A database that had the module before this setting keeps Odoo IAP (its
    # migration writes "iap"); a new company uses its SMS accounts as soon as
    # it has a real provider's active account.
    sms_gateway_odoo_sms = fields.Selection(
        ODOO_SMS_ROUTES,
        string="Odoo's Own SMS",
        required=True,
        default="gateway",
        help="Where the SMS that Odoo's apps send (Send SMS on a document, SMS "
        "templates, automated actions, SMS marketing) go: Odoo's paid IAP "
        "service, or this company's SMS accounts (once one of a real provider is "
        "active; the sandbox never takes them).",
    )

    # Replies (two-way SMS).
    sms_gateway_reply_resubscribe = fields.Boolean(
        string="Re-subscribe by Replying START",
        help="A person who replied STOP may reply START to receive SMS again "
        "(consent granted, number off the opt-out list). Off: START changes "
        "nothing, consent must be given again another way.",
    )
    sms_gateway_reply_confirm = fields.Boolean(
        string="Confirm STOP and START by SMS",
        help="Answer a STOP or START reply with the confirmation text below (an "
        "SMS like any other, counted in usage).",
    )
    sms_gateway_stop_reply_text = fields.Char(
        string="STOP Confirmation",
        translate=True,
        default=lambda self: self.env._(
            "You will not receive SMS from us any more. Reply START to "
            "receive them again."
        ),
    )
    sms_gateway_start_reply_text = fields.Char(
        string="START Confirmation",
        translate=True,
        default=lambda self: self.env._("You will receive our SMS again."),
    )
    sms_gateway_help_text = fields.Char(
        string="HELP Answer",
        translate=True,
        help="Sent to whoever replies HELP; empty: HELP is not answered.",
    )

    @api.model_create_multi
    def create(self, vals_list):
        self._sms_gateway_activate_currencies(vals_list)
        return super().create(vals_list)

    def write(self, vals):
        if not self.env.su and not self.env.user.has_group("base.group_system"):
            # Where Odoo's SMS go (and who pays for them), and what a reply may
            # do to consent and the SMS answers it costs, are a system
            # administrator's choices, not every company editor's.
            if "sms_gateway_odoo_sms" in vals:
                raise AccessError(
                    self.env._(
                        "Only a system administrator can choose where Odoo's own "
                        "SMS go (Settings > SMS)."
                    )
                )
            if set(vals) & set(REPLY_SETTINGS):
                raise AccessError(
                    self.env._(
                        "Only a system administrator can change what replies do "
                        "(Settings > SMS > Replies)."
                    )
                )
        self._sms_gateway_activate_currencies([vals])
        result = super().write(vals)
        if "sms_gateway_odoo_sms" in vals:
            self.env.registry.clear_cache()  # _sms_gateway_odoo_sms_company_ids
        return result

    @api.model
    def _sms_gateway_activate_currencies(self, vals_list):
        """A currency chosen for SMS prices is activated, as Odoo does for a
        company's currency: prices and costs can be in a currency the company
        did not use yet."""
        ids = {
            vals["sms_gateway_currency_id"]
            for vals in vals_list
            if vals.get("sms_gateway_currency_id")
        }
        currencies = (
            self.env["res.currency"].browse(ids).with_context(active_test=False)
        )
        currencies.filtered(lambda c: not c.active).write({"active": True})

    def _compute_sms_gateway_price_per_part(self):
        for company in self:
            company.sms_gateway_price_per_part = (
                company._sms_gateway_first_account().price_per_part
            )

    @api.constrains("sms_gateway_max_parts")
    def _check_sms_gateway_max_parts(self):
        for company in self:
            if not 1 <= company.sms_gateway_max_parts <= 10:
                raise ValidationError(
                    self.env._(
                        "The maximum number of SMS parts must be between 1 and 10."
                    )
                )

    def _sms_gateway_region(self):
        """ISO code of the country of numbers written without a prefix."""
        self.ensure_one()
        return (self.sms_gateway_country_id or self.country_id).code or None

    def _sms_gateway_first_account(self):
        """The company's first active SMS account (estimates, sender rules)."""
        self.ensure_one()
        return (
            self.env["sms.gateway.account"]
            .sudo()
            .search(
                [("company_id", "=", self.id), ("active", "=", True)],
                order="sequence, id",
                limit=1,
            )
        )

    def _sms_gateway_takes_odoo_sms(self):
        """Whether the SMS of Odoo's apps for this company go through its SMS
        accounts: chosen so, and an account of a real provider (not the
        sandbox, which delivers nothing) is active."""
        self.ensure_one()
        return self.id in self._sms_gateway_odoo_sms_company_ids()

    @api.model
    @tools.ormcache()
    def _sms_gateway_odoo_sms_company_ids(self):
        """Ids of the companies whose accounts take Odoo's SMS. Asked at each
        send of Odoo's SMS queue, so cached (no query per send); an account
        created, deleted or changed in its company, provider or archiving, and
        the setting, clear it."""
        self.flush_model(["sms_gateway_odoo_sms"])
        accounts = self.env["sms.gateway.account"]
        accounts.flush_model(["active", "provider", "company_id"])
        self.env.cr.execute(
            """
            SELECT c.id FROM res_company c
             WHERE c.sms_gateway_odoo_sms = 'gateway'
               AND EXISTS (
                   SELECT 1 FROM sms_gateway_account a
                    WHERE a.company_id = c.id AND a.active AND a.provider <> 'sandbox'
               )
            """
        )
        return frozenset(row[0] for row in self.env.cr.fetchall())

    def _sms_gateway_sending_problem(self):
        """Why this company cannot send at all, or False: no active account,
        or every active account locked after a server move."""
        self.ensure_one()
        accounts = (
            self.env["sms.gateway.account"]
            .sudo()
            .search([("company_id", "=", self.id), ("active", "=", True)])
        )
        if not accounts:
            return self.env._(
                "%(company)s has no active SMS account: a system administrator adds "
                "one in SMS > Configuration > Accounts.",
                company=self.name,
            )
        if all(accounts.mapped("locked")):
            return accounts[0].lock_reason
        return False

    def _sms_gateway_check_sender(self, sender):
        """Refuse ``sender`` when a provider of the company's active accounts
        does not accept it."""
        self.ensure_one()
        accounts = (
            self.env["sms.gateway.account"]
            .sudo()
            .search([("company_id", "=", self.id), ("active", "=", True)])
        )
        for code in set(accounts.mapped("provider")):
            self.env["sms.gateway.account"].new(
                {"provider": code, "sender": sender}
            )._check_sender()

    def _sms_gateway_normalize(self, number):
        """``phone.normalize`` with the company's default country."""
        self.ensure_one()
        return phone_tools.normalize(number, self._sms_gateway_region())
