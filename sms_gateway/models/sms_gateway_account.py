# Copyright 2026 sms_gateway authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""An SMS account: one provider, its credentials, sender and countries.

A company may have several accounts. A message goes through the first active
account of its company, by sequence, that serves its destination country;
when that account cannot send (refused credentials, no credit, provider down,
locked after a server move) it is put on hold and the next eligible account
takes the message (see ``dispatch/dispatcher.py``).

What a provider needs (its credentials) is declared by the provider's module
in ``tools/providers/``; ``sms_gateway_account_provider.py`` turns each
declaration into the ``provider`` selection and ``<code>_<key>`` fields.
Credentials are readable and writable by system administrators only
(``groups="base.group_system"``).

The server-move lock is ``sms_gateway_account_lock.py``; the administrator's
checks (connection, balance, test SMS) are ``sms_gateway_account_checks.py``.

Each account has its own delivery report secret (``secrets.token_urlsafe``,
43 characters, unique), part of the report addresses given to the provider.

How fast an account sends: ``requests_per_second`` (the provider's documented
limit by default, 0: none) and ``connections`` (requests under way at once
for the providers that take one message per request, 1 to 16, 4 by
default) go to the adapter with the rest of its configuration; like every
account field, only system administrators change them.
"""

import logging
import secrets

import psycopg2.errors

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools import SQL

from ..tools import providers
from ..tools import sender as sender_rules
from ..tools.providers.base import MAX_CONNECTIONS

_logger = logging.getLogger(__name__)

# Bytes of randomness of a delivery report secret (43 URL-safe characters).
CALLBACK_SECRET_BYTES = 32
# Summary of the activity that asks administrators to re-enter credentials.
LOCK_ACTIVITY_SUMMARY = "Re-enter the SMS account credentials"
# Summaries of the activities telling administrators that an account stopped.
ALERT_SUMMARIES = {
    "auth": "SMS account: the provider refuses the credentials",
    "credit": "SMS account has no credit",
    "sender": "SMS account: the provider refuses the sender",
    "config": "SMS account is not configured",
    "down": "SMS account: the provider does not answer",
}


# Parallel connections of a new account, and the most requests per second
# an account may be set to.
DEFAULT_CONNECTIONS = 4
MAX_REQUESTS_PER_SECOND = 10000


def new_callback_secret():
    return secrets.token_urlsafe(CALLBACK_SECRET_BYTES)


def credential_fields(code):
    """Account field names of the credentials of provider ``code``."""
    provider_class = providers.PROVIDERS.get(code)
    return tuple(
        f"{code}_{credential.key}"
        for credential in (provider_class.credentials if provider_class else ())
    )


def all_credential_fields():
    return tuple(f for code in providers.PROVIDERS for f in credential_fields(code))


class ProviderLockedError(UserError):
    """Sending is stopped: the database runs somewhere the account's
    credentials were not entered. Nothing is failed; messages wait."""


class SmsGatewayAccount(models.Model):
    _name = "sms.gateway.account"
    _description = "SMS Account"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "company_id, sequence, id"
    _check_company_auto = True

    name = fields.Char(required=True, tracking=True)
    active = fields.Boolean(default=True, tracking=True)
    sequence = fields.Integer(
        default=10,
        tracking=True,
        help="Accounts are tried in this order; the first one that serves the "
        "destination country and can send takes the message.",
    )
    # Each provider adds its code (sms_gateway_account_provider.py).
    provider = fields.Selection(
        [("sandbox", providers.PROVIDERS["sandbox"].label)],
        required=True,
        default="sandbox",
        tracking=True,
        help="Who sends through this account. The sandbox needs no credentials: "
        "it sends nothing and reports delivery, to try the module.",
    )
    company_id = fields.Many2one(
        "res.company",
        required=True,
        index=True,
        default=lambda self: self.env.company,
        tracking=True,
    )
    sender = fields.Char(
        tracking=True,
        help="Sender name (at most 11 letters, digits and the characters the "
        "provider allows) or number, as registered with the provider.",
    )
    country_ids = fields.Many2many(
        "res.country",
        string="Destination Countries",
        help="Countries whose numbers this account sends to; empty: all countries.",
    )
    timeout = fields.Integer(string="Request Timeout (s)", default=10)
    requests_per_second = fields.Integer(
        string="Requests per Second",
        compute="_compute_requests_per_second",
        store=True,
        readonly=False,
        tracking=True,
        help="The most requests sent through this account in a second, all "
        "parallel connections together; 0: no limit of ours. It starts at "
        "the limit the provider documents (Vonage: 30 per API key; Twilio "
        "documents none and queues what a sender number cannot send at once). "
        "Raise it only when the provider agreed to more; lower it to the "
        "rate of your sender number. A provider asking to send more slowly "
        "is always obeyed.",
    )
    connections = fields.Integer(
        string="Parallel Connections",
        default=DEFAULT_CONNECTIONS,
        tracking=True,
        help="Requests under way at once for providers that take one message "
        "per request (Twilio, Vonage, and Quriiri with personalised texts), "
        f"1 to {MAX_CONNECTIONS}. More connections send "
        "faster while the provider answers slowly, never faster than the "
        "requests per second allow.",
    )
    price_per_part = fields.Float(
        digits=(16, 4),
        help="Used for cost estimates when the provider does not tell the cost, "
        "in the company's SMS currency (Settings > SMS).",
    )
    # Prices and costs are in the company's SMS currency (Settings > SMS).
    currency_id = fields.Many2one(
        related="company_id.sms_gateway_currency_id", string="Price Currency"
    )
    callback_secret = fields.Char(
        string="Delivery Report Secret",
        groups="base.group_system",
        copy=False,
        default=lambda self: new_callback_secret(),
        help="Part of the delivery report addresses given to the provider.",
    )
    callback_url = fields.Char(
        string="Delivery Report Address",
        compute="_compute_callback_url",
        groups="base.group_system",
        help="Where the provider reports delivery; sent with every message, "
        "paste it in the provider's portal where it asks for one.",
    )
    inbound_url = fields.Char(
        string="Reply Address",
        compute="_compute_callback_url",
        groups="base.group_system",
        help="Where the provider forwards the SMS people send back (replies); "
        "paste it in the provider's portal.",
    )
    location = fields.Char(
        string="Credentials Entered On",
        groups="base.group_system",
        copy=False,
        help="Database and PostgreSQL server where the credentials were saved.",
    )
    lock_notified = fields.Char(groups="base.group_system", copy=False)
    locked = fields.Boolean(compute="_compute_locked")
    lock_reason = fields.Char(compute="_compute_locked")
    hold_until = fields.Datetime(
        string="On Hold Until",
        readonly=True,
        copy=False,
        help="The account could not send (see the reason): the next eligible "
        "account takes its messages until then.",
    )
    hold_reason = fields.Char(readonly=True, copy=False)
    # What kind of failure put the account on hold (a provider error's code:
    # credit, auth, sender, config, unavailable, timeout, rate_limit, ...):
    # the messages that wait for it say it in words (dispatch/routing.py).
    hold_kind = fields.Char(readonly=True, copy=False)
    test_number = fields.Char(help="A mobile number to send a test SMS to.")
    message_count = fields.Integer(compute="_compute_message_count")

    _sql_constraints = [
        (
            "callback_secret_unique",
            "UNIQUE(callback_secret)",
            "Each SMS account needs its own delivery report secret.",
        ),
    ]

    # ------------------------------------------------------------------
    # Computes
    # ------------------------------------------------------------------

    def _compute_callback_url(self):
        for account in self:
            provider_class = providers.PROVIDERS[account.provider]
            base = account.company_id.get_base_url()
            account.callback_url = (
                f"{base}{account._sms_callback_path()}"
                if account.id and provider_class.supports_callbacks
                else False
            )
            account.inbound_url = (
                f"{base}{account._sms_inbound_path()}"
                if account.id and provider_class.supports_inbound
                else False
            )

    @api.depends("provider")
    def _compute_requests_per_second(self):
        """The provider's documented limit (0 when it documents none)."""
        for account in self:
            provider_class = providers.PROVIDERS.get(account.provider)
            rate = provider_class.max_requests_per_second if provider_class else None
            account.requests_per_second = int(rate or 0)

    @api.depends("provider", "location")
    def _compute_locked(self):
        current = self._sms_current_location()
        for account in self:
            reason = account._sms_lock_reason_for(current)
            account.locked = bool(reason)
            account.lock_reason = reason

    def _compute_message_count(self):
        counts = dict(
            self.env["sms.gateway.message"]._read_group(
                [("account_id", "in", self.ids)], ["account_id"], ["__count"]
            )
        )
        for account in self:
            account.message_count = counts.get(account, 0)

    # ------------------------------------------------------------------
    # Checks and writes
    # ------------------------------------------------------------------

    @api.constrains("sender", "provider")
    def _check_sender(self):
        for account in self:
            if account.sender:
                try:
                    sender_rules.check_sender(account.provider, account.sender)
                except ValueError as error:
                    raise ValidationError(str(error)) from error

    @api.constrains("timeout")
    def _check_timeout(self):
        for account in self:
            if not 1 <= account.timeout <= 120:
                raise ValidationError(
                    self.env._(
                        "The SMS request timeout must be between 1 and 120 seconds."
                    )
                )

    @api.constrains("connections")
    def _check_connections(self):
        for account in self:
            if not 1 <= account.connections <= MAX_CONNECTIONS:
                raise ValidationError(
                    self.env._(
                        "The parallel connections of the SMS account %(account)s "
                        "must be between 1 and %(top)s (now %(value)s): more "
                        "connections are not faster once the provider's requests "
                        "per second are reached.",
                        account=account.name,
                        top=MAX_CONNECTIONS,
                        value=account.connections,
                    )
                )

    @api.constrains("requests_per_second")
    def _check_requests_per_second(self):
        for account in self:
            if not 0 <= account.requests_per_second <= MAX_REQUESTS_PER_SECOND:
                raise ValidationError(
                    self.env._(
                        "The requests per second of the SMS account %(account)s "
                        "must be between 0 (no limit) and %(top)s (now "
                        "%(value)s).",
                        account=account.name,
                        top=MAX_REQUESTS_PER_SECOND,
                        value=account.requests_per_second,
                    )
                )

    @api.constrains(lambda self: ("provider", "active", *all_credential_fields()))
    def _check_credentials(self):
        for account in self.sudo().filtered("active"):
            provider_class = providers.PROVIDERS[account.provider]
            missing = [
                credential.label
                for credential in provider_class.credentials
                if credential.required
                and not account[f"{account.provider}_{credential.key}"]
            ]
            if missing:
                raise ValidationError(
                    self.env._(
                        "The SMS account %(account)s (%(provider)s) cannot be active "
                        "without its credentials: fill in %(fields)s.",
                        account=account.name,
                        provider=provider_class.label,
                        fields=", ".join(missing),
                    )
                )

    @api.model
    def _sms_check_admin(self):
        """Refuse a caller who is not a system administrator (sudo passes)."""
        if not self.env.su and not self.env.user.has_group("base.group_system"):
            raise AccessError(
                self.env._("Only a system administrator can change SMS accounts.")
            )

    @api.model_create_multi
    def create(self, vals_list):
        self._sms_check_admin()
        location = self._sms_current_location()
        vals_list = [
            dict(vals, location=location)
            if set(vals) & set(all_credential_fields()) and "location" not in vals
            else vals
            for vals in vals_list
        ]
        accounts = super().create(vals_list)
        self.env.registry.clear_cache()  # which companies take Odoo's SMS
        return accounts

    def write(self, vals):
        self._sms_check_admin()
        credentials_changed = bool(set(vals) & set(all_credential_fields())) or (
            "provider" in vals
        )
        if credentials_changed and "location" not in vals:
            # Re-entering credentials records where they were entered: unlock.
            vals = dict(
                vals,
                location=self._sms_current_location(),
                lock_notified=False,
                hold_until=False,
                hold_reason=False,
                hold_kind=False,
            )
        result = super().write(vals)
        if credentials_changed:
            self._sms_close_activities(LOCK_ACTIVITY_SUMMARY, *ALERT_SUMMARIES.values())
        if {"active", "provider", "company_id"} & set(vals):
            self.env.registry.clear_cache()  # which companies take Odoo's SMS
        return result

    def unlink(self):
        self._sms_check_admin()
        result = super().unlink()
        self.env.registry.clear_cache()  # which companies take Odoo's SMS
        return result

    def action_archive(self):
        self._sms_check_admin()
        return super().action_archive()

    def action_unarchive(self):
        self._sms_check_admin()
        return super().action_unarchive()

    def copy_data(self, default=None):
        """A copy is named so; secret credentials are not copied, so the copy
        of an account that needs one is archived until they are entered."""
        vals_list = super().copy_data(default=default)
        result = []
        for account, vals in zip(self, vals_list, strict=True):
            vals = dict(vals, name=self.env._("%s (copy)", account.name))
            needs_secret = any(
                credential.secret and credential.required
                for credential in providers.PROVIDERS[account.provider].credentials
            )
            if needs_secret and "active" not in (default or {}):
                vals["active"] = False
            result.append(vals)
        return result

    # ------------------------------------------------------------------
    # Delivery report secret
    # ------------------------------------------------------------------

    def _sms_callback_path(self):
        """Path of the delivery report route of this account."""
        self.ensure_one()
        if providers.PROVIDERS[self.provider].callback_signed:
            return f"/sms_gateway/delivery/{self.provider}/{self.id}"
        secret = self._sms_ensure_callback_secret()
        return f"/sms_gateway/delivery/{self.provider}/{self.id}/{secret}"

    def _sms_inbound_path(self):
        """Path of the route the provider forwards replies to."""
        self.ensure_one()
        if providers.PROVIDERS[self.provider].inbound_signed:
            return f"/sms_gateway/inbound/{self.provider}/{self.id}"
        secret = self._sms_ensure_callback_secret()
        return f"/sms_gateway/inbound/{self.provider}/{self.id}/{secret}"

    def _sms_ensure_callback_secret(self):
        """The account's report secret, made when it has none (neutralized)."""
        self.ensure_one()
        account = self.sudo()
        if not account.callback_secret:
            account.with_context(
                tracking_disable=True
            ).callback_secret = new_callback_secret()
        return account.callback_secret

    def action_renew_callback_secret(self):
        """A system administrator replaces the delivery report secret: reports
        sent to the old address are refused from now on."""
        self._sms_check_admin()
        for account in self.sudo():
            account.callback_secret = new_callback_secret()
            _logger.info("Delivery report secret of SMS account %s renewed", account.id)
        return self._sms_notify_user(
            self.env._(
                "The delivery report secret is renewed: reports to the old address "
                "are refused from now on. Messages sent from now on carry the new "
                "address; update it wherever you entered it by hand, such as the "
                "provider's portal. Reports of messages already sent are lost."
            ),
            "warning",
        )

    # ------------------------------------------------------------------
    # The provider
    # ------------------------------------------------------------------

    def _sms_provider_config(self):
        """Configuration dict of this account, for ``providers.build``."""
        self.ensure_one()
        account = self.sudo()
        batch_size = int(
            self.env["ir.config_parameter"]
            .sudo()
            .get_param("sms_gateway.dispatch_batch_size", 2000)
        )
        config = {
            "sender": account.sender or None,
            "timeout": account.timeout,
            # As many recipients of one text per request as dispatch takes.
            "batch_size": batch_size,
            "max_parts": account.company_id.sms_gateway_max_parts,
            "connections": account.connections or 1,
            # The dispatch runs sending through the account at once share
            # its rate (``sms_gateway_rate_share``, see the dispatcher).
            "requests_per_second": account.requests_per_second
            / max(self.env.context.get("sms_gateway_rate_share") or 1, 1),
            # One pacing clock per account and database connection (one run
            # at a time), across the adapters a run builds batch after batch.
            "rate_key": (
                f"{self.env.cr.dbname}:{account.id}:"
                f"{self.env.cr.connection.get_backend_pid()}"
            ),
        }
        for credential in providers.PROVIDERS[account.provider].credentials:
            value = account[f"{account.provider}_{credential.key}"]
            if value:
                config[credential.key] = value
        if providers.PROVIDERS[account.provider].supports_callbacks and account.id:
            config["callback_url"] = account.callback_url
        return config

    def _sms_get_provider(self):
        """The provider adapter of this account.

        Raises ProviderLockedError when the database moved since the
        credentials were entered, UserError when the account is incomplete.
        """
        self.ensure_one()
        reason = self._sms_lock_reason_for(self._sms_current_location())
        if reason:
            raise ProviderLockedError(reason)
        try:
            return providers.build(self.provider, self._sms_provider_config())
        except providers.ProviderError as error:
            raise UserError(str(error)) from error

    @api.model
    def _sms_eligible(self, company, region):
        """Active accounts of ``company`` that serve numbers of ``region``
        (ISO country code, None when unknown), in the order they are tried."""
        accounts = self.sudo().search(
            [("company_id", "=", company.id), ("active", "=", True)],
            order="sequence, id",
        )
        return accounts.filtered(
            lambda a: not a.country_ids or region in a.country_ids.mapped("code")
        )

    def _sms_usable(self):
        """These accounts without the ones locked after a server move."""
        current = self._sms_current_location()
        return self.filtered(lambda a: not a._sms_lock_reason_for(current))

    def _sms_hold(self, seconds, reason, kind=None):
        """Put these accounts on hold: the next eligible account sends.
        ``kind``: the code of the error (see ``hold_kind``)."""
        until = fields.Datetime.add(fields.Datetime.now(), seconds=seconds)
        self._sms_write_hold(
            SQL(
                "UPDATE sms_gateway_account SET hold_until = %s, hold_reason = %s, "
                "hold_kind = %s WHERE id IN %s",
                until,
                reason[:500],
                kind,
                tuple(self.ids),
            )
        )

    def _sms_release(self):
        """The account sent again: its hold is over."""
        held = self.filtered("hold_until")
        if held:
            held._sms_write_hold(
                SQL(
                    "UPDATE sms_gateway_account SET hold_until = NULL, "
                    "hold_reason = NULL, hold_kind = NULL WHERE id IN %s",
                    tuple(held.ids),
                )
            )

    def _sms_write_hold(self, update):
        """Write a hold (or its end): when another worker sending through the
        same account changed it at the same moment (Odoo's transactions are
        REPEATABLE READ), that worker's word stands; the results of the
        batch around it are never lost for it."""
        try:
            with self.env.cr.savepoint(flush=False):
                self.env.cr.execute(update)
        except (
            psycopg2.errors.SerializationFailure,
            psycopg2.errors.LockNotAvailable,
        ):
            _logger.info(
                "SMS accounts %s: hold changed by another worker at the same time",
                self.ids,
            )
        self.invalidate_recordset(["hold_until", "hold_reason", "hold_kind"])

    # ------------------------------------------------------------------
    # Alerts
    # ------------------------------------------------------------------

    def _sms_alert(self, kind, reason):
        """Tell administrators once that this account stopped (``kind``:
        lock, auth, credit, config, sender, down): an activity each."""
        self.ensure_one()
        account = self.sudo()
        if kind == "lock":
            current = self._sms_current_location()
            if account.lock_notified != current:
                account._sms_notify(LOCK_ACTIVITY_SUMMARY, reason)
                account.lock_notified = current
            return
        summary = ALERT_SUMMARIES.get(kind, ALERT_SUMMARIES["config"])
        if account.activity_ids.filtered(lambda a: a.summary == summary):
            return
        _logger.warning("SMS account %s stopped sending: %s", self.id, reason)
        account._sms_notify(summary, reason)

    def _sms_notify(self, summary, reason):
        self.ensure_one()
        account = self.sudo()
        account.message_post(body=reason, subtype_xmlid="mail.mt_note")
        admins = (
            self.env.ref("base.group_system")
            .sudo()
            .users.filtered(
                lambda u: (
                    u.active and not u.share and account.company_id in u.company_ids
                )
            )
        )
        for admin in admins:
            account.activity_schedule(
                "mail.mail_activity_data_todo",
                user_id=admin.id,
                summary=summary,
                note=reason,
            )

    def _sms_close_activities(self, *summaries):
        activities = self.sudo().activity_ids.filtered(lambda a: a.summary in summaries)
        if activities:
            activities.action_feedback(feedback=self.env._("SMS account changed."))

    # ------------------------------------------------------------------
    # Smart button
    # ------------------------------------------------------------------

    def action_view_messages(self):
        self._sms_check_admin()
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "sms_gateway.sms_gateway_message_action"
        )
        action["domain"] = [("account_id", "=", self.id)]
        action["context"] = {}
        return action
