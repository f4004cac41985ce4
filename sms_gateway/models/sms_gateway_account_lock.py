# Copyright 2026 sms_gateway authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The server-move lock of an SMS account.

When an account's credentials are saved, the place they were saved in is
recorded: database name, ``database.uuid`` and the PostgreSQL cluster's
system identifier. A database that later runs anywhere else (a copy, a
restore on another server, a rename) stops sending through the account:
its messages go through another eligible account or wait, the account says
why, administrators get an activity (once per move), and re-entering the
credentials or confirming the new place unlocks. The sandbox never locks.
"""

import json

from odoo import api, models

from .sms_gateway_account import LOCK_ACTIVITY_SUMMARY, credential_fields


class SmsGatewayAccount(models.Model):
    _inherit = "sms.gateway.account"  # pylint: disable=consider-merging-classes-inherited

    @api.model
    def _sms_current_location(self):
        """Where this database runs now: name, uuid and PostgreSQL cluster."""
        self.env.cr.execute("SELECT system_identifier::text FROM pg_control_system()")
        system_identifier = self.env.cr.fetchone()[0]
        uuid = self.env["ir.config_parameter"].sudo().get_param("database.uuid")
        return json.dumps(
            {"db": self.env.cr.dbname, "uuid": uuid, "cluster": system_identifier},
            sort_keys=True,
        )

    @api.model
    def _sms_location_change(self, recorded, current):
        """A sentence telling how ``current`` differs from ``recorded``."""
        if not recorded:
            return self.env._("The account's credentials were never saved here.")
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
            "SMS sending through this account is locked: %(changes)s since its "
            "credentials were entered. Queued messages wait. A system administrator "
            "must re-enter the credentials in SMS > Configuration > Accounts, or "
            "confirm this database may send.",
            changes="; ".join(changes),
        )

    def _sms_lock_reason_for(self, current):
        self.ensure_one()
        if not credential_fields(self.provider):
            return False  # the sandbox: nothing to spend
        return self._sms_location_change(self.sudo().location, current)

    def action_confirm_location(self):
        """An administrator confirms that this database may send with these
        credentials (for example after moving the production server)."""
        self._sms_check_admin()
        self.sudo().write(
            {"location": self._sms_current_location(), "lock_notified": False}
        )
        # What waited for the lock leaves now, not at its next look.
        self.env["sms.gateway.router"].sudo()._sms_wake_locked(self.company_id)
        return True

    @api.model
    def _cron_check_location(self):
        """Tell administrators, once per move, that an account is locked."""
        current = self._sms_current_location()
        for account in self.sudo().search([("provider", "!=", "sandbox")]):
            reason = account._sms_lock_reason_for(current)
            if reason and account.lock_notified != current:
                account._sms_notify(LOCK_ACTIVITY_SUMMARY, reason)
                account.lock_notified = current
