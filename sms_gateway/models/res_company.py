# Copyright 2026 sms_gateway authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The SMS provider of each company, its credentials and the server-move lock.

Credentials are readable and writable by system administrators only
(``groups="base.group_system"``). When they are saved, the place they were
saved in is recorded: database name, ``database.uuid`` and the PostgreSQL
cluster's system identifier. A database that later runs anywhere else (a copy,
a restore on another server, a rename) stops sending: messages stay queued,
the settings say why, administrators get an activity, and re-entering the
credentials (or confirming the new place) unlocks.

Each company has its own delivery report secret (``secrets.token_urlsafe``,
43 characters, unique in the database), part of the report addresses the
module gives the provider with every message. System administrators renew
it from Settings; the old one stops working at once. Neutralization removes
it; a new one is made when an address is needed again.
"""

import json
import logging
import secrets

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools import SQL

from ..tools import providers
from ..tools import sender as sender_rules

_logger = logging.getLogger(__name__)

PROVIDER_SELECTION = [
    ("none", "Disabled"),
    ("sandbox", "Sandbox (no account, nothing sent)"),
    ("smsapi", "SMSAPI"),
    ("twilio", "Twilio"),
    ("quriiri", "Quriiri"),
]

# Credential fields of each provider: saving any of them records the location.
CREDENTIAL_FIELDS = {
    "smsapi": ("sms_gateway_smsapi_token",),
    "twilio": ("sms_gateway_twilio_account_sid", "sms_gateway_twilio_auth_token"),
    "quriiri": ("sms_gateway_quriiri_api_key",),
}
ALL_CREDENTIAL_FIELDS = tuple(f for fs in CREDENTIAL_FIELDS.values() for f in fs)
# Bytes of randomness of a delivery report secret (43 URL-safe characters).
CALLBACK_SECRET_BYTES = 32


def new_callback_secret():
    return secrets.token_urlsafe(CALLBACK_SECRET_BYTES)


# Summary of the activity that asks administrators to re-enter credentials.
LOCK_ACTIVITY_SUMMARY = "Re-enter the SMS provider credentials"
# Summaries of the activities telling administrators that sending stopped.
ALERT_SUMMARIES = {
    "auth": "SMS provider refuses the credentials",
    "credit": "SMS provider account has no credit",
    "sender": "SMS provider refuses the sender",
    "config": "SMS sending is not configured",
}


class ProviderLockedError(UserError):
    """Sending is stopped: the database runs somewhere its credentials were not
    entered. Nothing is failed; messages wait until an administrator unlocks."""


class ResCompany(models.Model):
    # mail.thread (as account does) and activities: administrators get an
    # activity on the company when sending locks, and provider changes are
    # logged (never the credentials themselves).
    _name = "res.company"
    _inherit = ["res.company", "mail.thread", "mail.activity.mixin"]

    sms_gateway_provider = fields.Selection(
        PROVIDER_SELECTION,
        string="SMS Provider",
        default="sandbox",
        required=True,
        tracking=True,
        help="Who sends this company's SMS. The sandbox needs no account: it "
        "sends nothing and reports delivery, to try the module.",
    )
    sms_gateway_sender = fields.Char(
        string="SMS Sender",
        help="Sender name (at most 11 letters, digits and the characters the "
        "provider allows) or number, as registered with the provider.",
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
    sms_gateway_timeout = fields.Integer(
        string="SMS Request Timeout (s)",
        default=10,
    )
    sms_gateway_price_per_part = fields.Float(
        string="Price per SMS Part",
        digits=(16, 4),
        help="Used for cost estimates when the provider does not tell the cost.",
    )
    sms_gateway_currency_id = fields.Many2one(
        "res.currency",
        string="SMS Price Currency",
        default=lambda self: self.env.company.currency_id,
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
    sms_gateway_smsapi_token = fields.Char(
        string="SMSAPI OAuth Token", groups="base.group_system", copy=False
    )
    sms_gateway_smsapi_base_url = fields.Char(
        string="SMSAPI Address",
        default=providers.smsapi.DEFAULT_BASE_URL,
        groups="base.group_system",
    )
    sms_gateway_twilio_account_sid = fields.Char(
        string="Twilio SMS Account SID", groups="base.group_system", copy=False
    )
    sms_gateway_twilio_auth_token = fields.Char(
        string="Twilio SMS Auth Token", groups="base.group_system", copy=False
    )
    sms_gateway_twilio_base_url = fields.Char(
        string="Twilio SMS Address",
        default=providers.twilio.DEFAULT_BASE_URL,
        groups="base.group_system",
    )
    sms_gateway_quriiri_api_key = fields.Char(
        string="Quriiri API Key", groups="base.group_system", copy=False
    )
    sms_gateway_quriiri_base_url = fields.Char(
        string="Quriiri Address",
        default=providers.quriiri.DEFAULT_BASE_URL,
        groups="base.group_system",
    )
    sms_gateway_callback_secret = fields.Char(
        string="Delivery Report Secret",
        groups="base.group_system",
        copy=False,
        default=lambda self: new_callback_secret(),
        help="Part of the delivery report addresses given to the provider.",
    )
    sms_gateway_location = fields.Char(
        string="Credentials Entered On",
        groups="base.group_system",
        copy=False,
        help="Database and PostgreSQL server where the credentials were saved.",
    )
    sms_gateway_lock_notified = fields.Char(groups="base.group_system", copy=False)
    sms_gateway_locked = fields.Boolean(
        string="SMS Sending Locked",
        compute="_compute_sms_gateway_locked",
    )
    sms_gateway_lock_reason = fields.Char(
        string="SMS Lock Reason",
        compute="_compute_sms_gateway_locked",
    )

    _sql_constraints = [
        (
            "sms_gateway_callback_secret_unique",
            "UNIQUE(sms_gateway_callback_secret)",
            "Each company needs its own delivery report secret.",
        ),
    ]

    def _init_column(self, column_name):
        # Odoo fills a new column of existing rows with one default value:
        # the companies of the install would share one secret.
        if column_name != "sms_gateway_callback_secret":
            super()._init_column(column_name)
            return
        self.env.cr.execute(
            "SELECT id FROM res_company WHERE sms_gateway_callback_secret IS NULL"
        )
        for (company_id,) in self.env.cr.fetchall():
            self.env.cr.execute(
                SQL(
                    "UPDATE res_company SET sms_gateway_callback_secret = %s "
                    "WHERE id = %s",
                    new_callback_secret(),
                    company_id,
                )
            )

    # ------------------------------------------------------------------
    # Server-move lock
    # ------------------------------------------------------------------

    @api.model
    def _sms_gateway_current_location(self):
        """Where this database runs now: name, uuid and PostgreSQL cluster."""
        self.env.cr.execute("SELECT system_identifier::text FROM pg_control_system()")
        system_identifier = self.env.cr.fetchone()[0]
        uuid = self.env["ir.config_parameter"].sudo().get_param("database.uuid")
        return json.dumps(
            {"db": self.env.cr.dbname, "uuid": uuid, "cluster": system_identifier},
            sort_keys=True,
        )

    @api.model
    def _sms_gateway_location_change(self, recorded, current):
        """A sentence telling how ``current`` differs from ``recorded``."""
        if not recorded:
            return self.env._("The provider credentials were never saved here.")
        try:
            old, new = json.loads(recorded), json.loads(current)
        except ValueError:
            return self.env._(
                "The record of where the credentials were saved is unreadable."
            )
        changes = []
        if old.get("cluster") != new.get("cluster"):
            changes.append(self.env._("the database runs on another PostgreSQL server"))
        if old.get("db") != new.get("db"):
            changes.append(
                self.env._(
                    "the database is now called %(new)s (it was %(old)s)",
                    new=new.get("db"),
                    old=old.get("db"),
                )
            )
        if old.get("uuid") != new.get("uuid"):
            changes.append(self.env._("the database has a new identifier (uuid)"))
        if not changes:
            return False
        return self.env._(
            "SMS sending is locked: %(changes)s since the provider credentials were "
            "entered. Queued messages wait. A system administrator must re-enter the "
            "credentials in Settings > SMS, or confirm this database may send.",
            changes="; ".join(changes),
        )

    @api.depends("sms_gateway_provider", "sms_gateway_location")
    def _compute_sms_gateway_locked(self):
        current = self._sms_gateway_current_location()
        for company in self:
            reason = company._sms_gateway_lock_reason_for(current)
            company.sms_gateway_locked = bool(reason)
            company.sms_gateway_lock_reason = reason

    def _sms_gateway_lock_reason_for(self, current):
        self.ensure_one()
        if self.sms_gateway_provider not in CREDENTIAL_FIELDS:
            return False  # disabled or sandbox: nothing to spend
        recorded = self.sudo().sms_gateway_location
        return self._sms_gateway_location_change(recorded, current)

    def action_sms_gateway_confirm_location(self):
        """An administrator confirms that this database may send with these
        credentials (for example after moving the production server)."""
        self._sms_gateway_check_admin()
        self.sudo().write(
            {
                "sms_gateway_location": self._sms_gateway_current_location(),
                "sms_gateway_lock_notified": False,
            }
        )
        self._sms_gateway_close_lock_activities()

    @api.model
    def _sms_gateway_check_admin(self):
        """Refuse a caller who is not a system administrator (sudo passes, as
        Odoo's own access checks let it)."""
        if not self.env.su and not self.env.user.has_group("base.group_system"):
            raise AccessError(
                self.env._(
                    "Only a system administrator can change SMS provider settings."
                )
            )

    def action_sms_gateway_renew_callback_secret(self):
        """A system administrator replaces the delivery report secret: reports
        sent to the old addresses are refused from now on."""
        self._sms_gateway_check_admin()
        for company in self.sudo():
            company.sms_gateway_callback_secret = new_callback_secret()
            _logger.info("Delivery report secret of company %s renewed", company.id)
        return True

    @api.model
    def _cron_sms_gateway_check_location(self):
        """Tell administrators, once per move, that sending is locked."""
        current = self._sms_gateway_current_location()
        companies = self.sudo().search(
            [("sms_gateway_provider", "in", list(CREDENTIAL_FIELDS))]
        )
        for company in companies:
            reason = company._sms_gateway_lock_reason_for(current)
            if reason and company.sms_gateway_lock_notified != current:
                company._sms_gateway_notify_lock(reason)
                company.sms_gateway_lock_notified = current

    def _sms_gateway_notify_lock(self, reason):
        self.ensure_one()
        admins = (
            self.env.ref("base.group_system")
            .sudo()
            .users.filtered(
                lambda u: u.active and not u.share and self in u.company_ids
            )
        )
        _logger.info("SMS sending locked for company %s: %s", self.id, reason)
        company = self.sudo()
        company.message_post(body=reason, subtype_xmlid="mail.mt_note")
        for admin in admins:
            company.activity_schedule(
                "mail.mail_activity_data_todo",
                user_id=admin.id,
                summary=LOCK_ACTIVITY_SUMMARY,
                note=reason,
            )

    def _sms_gateway_close_lock_activities(self):
        activities = self.sudo().activity_ids.filtered(
            lambda a: a.summary == LOCK_ACTIVITY_SUMMARY
        )
        if activities:
            activities.action_feedback(feedback=self.env._("SMS sending unlocked."))

    # ------------------------------------------------------------------
    # Checks and writes
    # ------------------------------------------------------------------

    @api.constrains("sms_gateway_sender", "sms_gateway_provider")
    def _check_sms_gateway_sender(self):
        for company in self:
            if not company.sms_gateway_sender:
                continue
            try:
                sender_rules.check_sender(
                    company.sms_gateway_provider, company.sms_gateway_sender
                )
            except ValueError as error:
                raise ValidationError(str(error)) from error

    @api.constrains("sms_gateway_max_parts", "sms_gateway_timeout")
    def _check_sms_gateway_limits(self):
        for company in self:
            if not 1 <= company.sms_gateway_max_parts <= 10:
                raise ValidationError(
                    self.env._(
                        "The maximum number of SMS parts must be between 1 and 10."
                    )
                )
            if not 1 <= company.sms_gateway_timeout <= 120:
                raise ValidationError(
                    self.env._(
                        "The SMS request timeout must be between 1 and 120 seconds."
                    )
                )

    @api.constrains("sms_gateway_provider", *ALL_CREDENTIAL_FIELDS)
    def _check_sms_gateway_credentials(self):
        for company in self.sudo():
            missing = [
                company._fields[fname].string
                for fname in CREDENTIAL_FIELDS.get(company.sms_gateway_provider, ())
                if not company[fname]
            ]
            if missing:
                raise ValidationError(
                    self.env._(
                        "%(provider)s cannot be enabled without its credentials: "
                        "fill in %(fields)s.",
                        provider=dict(PROVIDER_SELECTION)[company.sms_gateway_provider],
                        fields=", ".join(missing),
                    )
                )

    def write(self, vals):
        credentials_changed = bool(set(vals) & set(ALL_CREDENTIAL_FIELDS))
        if credentials_changed:
            # Re-entering credentials records where they were entered: unlock.
            vals = dict(
                vals,
                sms_gateway_location=self._sms_gateway_current_location(),
                sms_gateway_lock_notified=False,
            )
        result = super().write(vals)
        if credentials_changed:
            self._sms_gateway_close_lock_activities()
        return result

    # ------------------------------------------------------------------
    # The provider
    # ------------------------------------------------------------------

    def _sms_gateway_provider_config(self):
        """Configuration dict of the company's provider, for ``providers.build``."""
        self.ensure_one()
        company = self.sudo()
        code = company.sms_gateway_provider
        batch_size = int(
            self.env["ir.config_parameter"]
            .sudo()
            .get_param("sms_gateway.dispatch_batch_size", 2000)
        )
        common = {
            "sender": company.sms_gateway_sender or None,
            "timeout": company.sms_gateway_timeout,
            # As many recipients of one text per request as dispatch takes.
            "batch_size": batch_size,
        }
        base_url = company.get_base_url()
        if code == "smsapi":
            return dict(
                common,
                token=company.sms_gateway_smsapi_token,
                base_url=company.sms_gateway_smsapi_base_url,
                max_parts=company.sms_gateway_max_parts,
                callback_url=f"{base_url}{company._sms_gateway_callback_path('smsapi')}",
            )
        if code == "twilio":
            return dict(
                common,
                account_sid=company.sms_gateway_twilio_account_sid,
                auth_token=company.sms_gateway_twilio_auth_token,
                base_url=company.sms_gateway_twilio_base_url,
                callback_url=f"{base_url}{company._sms_gateway_callback_path('twilio')}",
            )
        if code == "quriiri":
            return dict(
                common,
                api_key=company.sms_gateway_quriiri_api_key,
                base_url=company.sms_gateway_quriiri_base_url,
                callback_url=f"{base_url}{company._sms_gateway_callback_path('quriiri')}",
            )
        return common

    def _sms_gateway_callback_path(self, code):
        """Path of the delivery report route of ``code`` for this company."""
        self.ensure_one()
        if code == "twilio":  # authenticated by Twilio's signature
            return f"/sms_gateway/status/twilio/{self.id}"
        secret = self._sms_gateway_ensure_callback_secret()
        return f"/sms_gateway/status/{code}/{self.id}/{secret}"

    def _sms_gateway_ensure_callback_secret(self):
        """The company's delivery report secret, made when it has none (a
        neutralized database)."""
        self.ensure_one()
        company = self.sudo()
        if not company.sms_gateway_callback_secret:
            company.sms_gateway_callback_secret = new_callback_secret()
        return company.sms_gateway_callback_secret

    def _sms_gateway_get_provider(self):
        """The provider that sends this company's SMS.

        Raises UserError when sending is disabled and ProviderLockedError when
        the database moved since the credentials were entered.
        """
        self.ensure_one()
        if self.sms_gateway_provider == "none":
            raise UserError(
                self.env._(
                    "SMS sending is disabled for %(company)s: choose a provider in "
                    "Settings > SMS.",
                    company=self.name,
                )
            )
        reason = self._sms_gateway_lock_reason_for(self._sms_gateway_current_location())
        if reason:
            raise ProviderLockedError(reason)
        try:
            return providers.build(
                self.sms_gateway_provider, self._sms_gateway_provider_config()
            )
        except providers.ProviderError as error:
            raise UserError(str(error)) from error

    # ------------------------------------------------------------------
    # Delivery reports (from the routes of controllers/main.py)
    # ------------------------------------------------------------------

    def _sms_gateway_apply_delivery_reports(self, code, events):
        """Apply delivery ``events`` of provider ``code`` to this company's SMS.

        ``events`` come from ``providers.parse_callback``. Returns
        ``{"applied": number of events that changed a message, "unknown":
        references that match no message of this company}``.
        """
        self.ensure_one()
        return self.env["sms.gateway.message"]._sms_apply_delivery_events(
            self, events, provider=code
        )

    # ------------------------------------------------------------------
    # Alerts
    # ------------------------------------------------------------------

    def _sms_gateway_alert(self, kind, reason):
        """Tell administrators once that sending stopped (``kind``: lock,
        auth, credit, config, sender): an activity each, until it is done."""
        self.ensure_one()
        if kind == "lock":
            current = self._sms_gateway_current_location()
            if self.sudo().sms_gateway_lock_notified != current:
                self._sms_gateway_notify_lock(reason)
                self.sudo().sms_gateway_lock_notified = current
            return
        summary = ALERT_SUMMARIES.get(kind, ALERT_SUMMARIES["config"])
        company = self.sudo()
        if company.activity_ids.filtered(lambda a: a.summary == summary):
            return
        _logger.warning("SMS sending stopped for company %s: %s", self.id, reason)
        company.message_post(body=reason, subtype_xmlid="mail.mt_note")
        for admin in self._sms_gateway_admins():
            company.activity_schedule(
                "mail.mail_activity_data_todo",
                user_id=admin.id,
                summary=summary,
                note=reason,
            )

    def _sms_gateway_admins(self):
        return (
            self.env.ref("base.group_system")
            .sudo()
            .users.filtered(
                lambda u: u.active and not u.share and self in u.company_ids
            )
        )
