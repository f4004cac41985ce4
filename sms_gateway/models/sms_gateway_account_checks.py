# Copyright 2026 sms_gateway authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""What a system administrator tries on an SMS account: the connection,
the balance and a test SMS, each answered in a notification (a test SMS is
also noted in the account's chatter)."""

import uuid

from odoo import models
from odoo.exceptions import UserError

from ..tools import phone as phone_tools
from ..tools import providers


class SmsGatewayAccount(models.Model):
    _inherit = "sms.gateway.account"  # pylint: disable=consider-merging-classes-inherited

    def _sms_notify_user(self, message, kind="success", reload=False):
        params = {
            "title": self.env._("SMS account"),
            "message": message,
            "type": kind,
            "sticky": kind != "success",
        }
        if reload:  # the form shows what was noted in the chatter
            params["next"] = {"type": "ir.actions.client", "tag": "soft_reload"}
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": params,
        }

    def _sms_button_provider(self):
        """(provider, None) or (None, notification) for the buttons."""
        self._sms_check_admin()
        self.ensure_one()
        try:
            return self._sms_get_provider(), None
        except UserError as error:  # locked or incomplete configuration
            return None, self._sms_notify_user(error.args[0], "danger")

    def action_test_connection(self):
        provider, failure = self._sms_button_provider()
        if failure:
            return failure
        with provider:
            try:
                provider.check()
            except providers.ProviderError as error:
                return self._sms_notify_user(
                    self.env._(
                        "%(account)s cannot be used: %(error)s",
                        account=self.name,
                        error=str(error),
                    ),
                    "danger",
                )
        return self._sms_notify_user(
            self.env._(
                "%(account)s answers and accepts the credentials.", account=self.name
            )
        )

    def action_check_balance(self):
        provider, failure = self._sms_button_provider()
        if failure:
            return failure
        with provider:
            try:
                balance = provider.balance()
            except providers.ProviderError as error:
                return self._sms_notify_user(
                    self.env._(
                        "The balance could not be read from %(account)s: %(error)s",
                        account=self.name,
                        error=str(error),
                    ),
                    "danger",
                )
        if balance is None:
            return self._sms_notify_user(
                self.env._("%(account)s does not tell the balance.", account=self.name),
                "info",
            )
        amount = str(balance)  # the amount and its unit: "42.50 points"
        return self._sms_notify_user(
            self.env._(
                "Balance at %(account)s: %(balance)s",
                account=self.name,
                balance=amount,
            )
        )

    def action_send_test(self):
        """Send one SMS to the test number through this account, and note it
        in the account's chatter."""
        return self._sms_send_test(self.test_number)

    def _sms_send_test(self, number_text, reload=True):
        """Send a test SMS to ``number_text`` through this account from its
        sender; the result is noted in the account's chatter (``reload``: the
        account's form shows the note)."""
        provider, failure = self._sms_button_provider()
        if failure:
            return failure
        company = self.company_id
        if not (number_text or "").strip():
            provider.close()
            return self._sms_notify_user(
                self.env._(
                    "Type the mobile number to send the test SMS to in "
                    '"Test Number", then click "Send Test SMS".'
                ),
                "warning",
            )
        try:
            number = phone_tools.normalize(number_text, company._sms_gateway_region())
        except ValueError as error:
            provider.close()
            return self._sms_notify_user(
                self.env._(
                    "The test number cannot be used: %(error)s", error=str(error)
                ),
                "warning",
            )
        message = {
            "uid": f"test-{uuid.uuid4().hex}",
            "number": number,
            "body": self.env._(
                "Test SMS from %(company)s through %(account)s.",
                company=company.name,
                account=self.name,
            ),
            # The account's own sender, as every SMS through it.
            "sender": self.sender or None,
        }
        with provider:
            try:
                (result,) = provider.send([message])
            except providers.ProviderError as error:
                result = {"state": "error", "error": str(error)}
        sender = self.sender or self.env._("the provider's default sender")
        if result["state"] == "accepted":
            text = self.env._(
                "%(account)s accepted the test SMS to %(number)s from %(sender)s "
                "(sent by %(user)s; provider reference %(ref)s).",
                account=self.name,
                number=number,
                sender=sender,
                user=self.env.user.name,
                ref=result.get("provider_ref") or "-",
            )
            kind = "success"
        else:
            text = self.env._(
                "%(account)s did not take the test SMS to %(number)s from "
                "%(sender)s (sent by %(user)s): %(error)s",
                account=self.name,
                number=number,
                sender=sender,
                user=self.env.user.name,
                error=result["error"] or result["state"],
            )
            kind = "danger"
        self.sudo().message_post(body=text, subtype_xmlid="mail.mt_note")
        return self._sms_notify_user(text, kind, reload=reload)
