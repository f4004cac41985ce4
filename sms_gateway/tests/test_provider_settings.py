# Copyright 2026 sms_gateway authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""SMS account provider settings: checks, secrets, buttons, multi-company."""

import socket

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.modules.neutralize import neutralize_database
from odoo.tests import new_test_user, tagged
from odoo.tools import mute_logger

from .common import SmsGatewayCase
from .doubles import (
    SMSAPI_TOKEN,
    TWILIO_ACCOUNT_SID,
    TWILIO_AUTH_TOKEN,
    SmsapiDouble,
    TwilioDouble,
)


def closed_port_url():
    """An address on this machine where nothing listens (provider down)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


class ProviderCase(SmsGatewayCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.admin = new_test_user(
            cls.env,
            login="sms_admin",
            name="Ada Admin",
            groups="base.group_system,sms_gateway.group_sms_gateway_manager",
        )
        cls.company = cls.env.company

    def settings(self, **values):
        """Settings as the administrator fills them in, saved."""
        settings = self.env["res.config.settings"].with_user(self.admin).create(values)
        settings.execute()
        return settings

    def account(self, provider="sandbox", **values):
        """A new account of the company, as the administrator enters it."""
        return (
            self.env["sms.gateway.account"]
            .with_user(self.admin)
            .create({"name": f"{provider} account", "provider": provider, **values})
        )

    def notification(self, action):
        self.assertEqual(action["tag"], "display_notification")
        return action["params"]["type"], action["params"]["message"]


@tagged("post_install", "-at_install")
class TestProviderSettings(ProviderCase):
    def test_new_database_uses_the_sandbox(self):
        account = self.company._sms_gateway_first_account()
        self.assertEqual(account.provider, "sandbox")
        self.assertFalse(account.locked)
        self.assertFalse(self.company._sms_gateway_sending_problem())
        self.assertEqual(account._sms_get_provider().code, "sandbox")

    def test_sender_rules_are_named(self):
        account = self.sms_account.with_user(self.admin)
        for sender, rule in (
            ("TooLongSenderName", "17 characters long"),
            ("Bad*Sender", r"characters a sender cannot have \('\*'\)"),
        ):
            with self.assertRaisesMessage(ValidationError, rule):
                account.sender = sender
            with self.assertRaisesMessage(ValidationError, rule):
                self.account(sender=sender)
        account.sender = "MyShop"
        self.assertEqual(self.sms_account.sender, "MyShop")

    def test_provider_needs_its_credentials(self):
        with self.assertRaisesMessage(ValidationError, "OAuth Token"):
            self.account("smsapi")
        with self.assertRaisesMessage(ValidationError, "Auth Token"):
            self.account("twilio", twilio_account_sid=TWILIO_ACCOUNT_SID)
        with self.assertRaisesMessage(ValidationError, "OAuth Token"):
            self.sms_account.with_user(self.admin).provider = "smsapi"
        self.assertEqual(self.sms_account.provider, "sandbox")
        # Choosing it and entering its token in one save works.
        self.sms_account.with_user(self.admin).write(
            {"provider": "smsapi", "smsapi_token": "tok"}
        )
        self.assertEqual(self.sms_account.provider, "smsapi")
        # An archived account may keep incomplete credentials.
        archived = self.account("quriiri", active=False)
        self.assertFalse(archived.active)
        with self.assertRaisesMessage(ValidationError, "API Key"):
            archived.active = True

    def test_limits_are_checked(self):
        with self.assertRaisesMessage(ValidationError, "between 1 and 10"):
            self.settings(sms_gateway_max_parts=0)
        with self.assertRaisesMessage(ValidationError, "between 1 and 120"):
            self.sms_account.with_user(self.admin).timeout = 0

    def test_sandbox_buttons(self):
        account = self.sms_account.with_user(self.admin)
        kind, message = self.notification(account.action_test_connection())
        self.assertEqual(kind, "success")
        kind, message = self.notification(account.action_check_balance())
        self.assertEqual(kind, "success")
        self.assertIn("1,000.00", message)
        account.test_number = "040 123 4567"
        kind, message = self.notification(account.action_send_test())
        self.assertEqual(kind, "success")
        self.assertIn("+358401234567", message)
        account.test_number = "abc"
        kind, message = self.notification(account.action_send_test())
        self.assertEqual(kind, "warning")
        self.assertIn("not a phone number", message)

    def test_smsapi_buttons_over_http(self):
        with SmsapiDouble() as double:
            account = self.account(
                "smsapi",
                smsapi_token=SMSAPI_TOKEN,
                smsapi_base_url=double.url,
                sender="MyShop",
            )
            kind, message = self.notification(account.action_test_connection())
            self.assertEqual(kind, "success", message)
            kind, message = self.notification(account.action_check_balance())
            self.assertEqual(kind, "success", message)
            account.test_number = "+358401234567"
            kind, message = self.notification(account.action_send_test())
            self.assertEqual(kind, "success", message)
            self.assertEqual(len(double.messages), 1)
            sent = double.requests[-1]
            self.assertEqual(sent["headers"]["Authorization"], f"Bearer {SMSAPI_TOKEN}")

            double.bad_token = True
            kind, message = self.notification(account.action_test_connection())
            self.assertEqual(kind, "danger")
            self.assertIn("cannot be used", message)
            self.assertNotIn(SMSAPI_TOKEN, message)

    @mute_logger("odoo.addons.sms_gateway.tools.providers.base")
    def test_provider_down_gives_a_readable_message(self):
        account = self.account(
            "smsapi",
            name="SMSAPI Poland",
            smsapi_token=SMSAPI_TOKEN,
            smsapi_base_url=closed_port_url(),
            timeout=2,
        )
        kind, message = self.notification(account.action_test_connection())
        self.assertEqual(kind, "danger")
        self.assertIn("SMSAPI Poland cannot be used", message)
        self.assertNotIn("Traceback", message)
        self.assertNotIn(SMSAPI_TOKEN, message)

    def test_neutralized_copy_disables_the_provider(self):
        account = self.set_sms_account(provider="smsapi", smsapi_token="tok")
        self.env.flush_all()
        neutralize_database(self.env.cr)
        self.env.invalidate_all()
        account = account.sudo()
        self.assertFalse(account.active)
        self.assertFalse(account.smsapi_token)
        self.assertIn(
            "no active SMS account", self.company._sms_gateway_sending_problem()
        )
        with self.assertRaises(UserError):
            account._sms_get_provider()


@tagged("post_install", "-at_install")
class TestProviderSecrets(ProviderCase):
    """A user without system rights never gets a token."""

    SECRET = "tok-Very-Secret-123"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.sms_account = cls.set_sms_account(
            provider="smsapi", smsapi_token=cls.SECRET
        )
        cls.secret_fields = [
            "smsapi_token",
            "twilio_auth_token",
            "quriiri_api_key",
            "callback_secret",
            "location",
        ]

    def test_no_route_gives_the_token(self):
        for user in (self.user_sms, self.user_manager, self.user_accountant):
            account = self.sms_account.with_user(user)
            for fname in self.secret_fields:
                with self.assertRaises(AccessError, msg=f"{user.login} read {fname}"):
                    account.read([fname])
                with self.assertRaises(AccessError):
                    account.search_read([("id", "=", account.id)], [fname])
                with self.assertRaises(UserError):  # AccessError is a UserError
                    account.export_data([fname])
                with self.assertRaises(AccessError):
                    account.search([(fname, "=", self.SECRET)])
                with self.assertRaises(AccessError):
                    account.web_read({fname: {}})
            self.assertNotIn("smsapi_token", account.fields_get())
            with self.assertRaises(AccessError):
                account.write({"smsapi_token": "mine"})
            with self.assertRaises(AccessError):
                self.env["res.config.settings"].with_user(user).create({})
            # What senders need stays readable.
            self.assertEqual(account.provider, "smsapi")
            self.assertEqual(self.company.with_user(user).sms_gateway_max_parts, 6)

    def test_export_rights_do_not_open_the_token(self):
        exporter = new_test_user(
            self.env,
            login="sms_exporter",
            groups="base.group_user,base.group_allow_export,"
            "sms_gateway.group_sms_gateway_manager",
        )
        account = self.sms_account.with_user(exporter)
        with self.assertRaises(AccessError):
            account.export_data(["name", "smsapi_token"])
        rows = account.export_data(["name", "provider"])["datas"]
        self.assertEqual(rows, [[self.sms_account.name, "SMSAPI"]])

    def test_errors_do_not_show_the_token(self):
        with self.assertRaises(ValidationError) as caught:
            self.sms_account.sudo().sender = "Bad*Sender"
        self.assertNotIn(self.SECRET, str(caught.exception))
        provider = self.sms_account._sms_get_provider()
        self.assertNotIn(self.SECRET, repr(provider))

    def test_administrator_reads_and_writes_it(self):
        account = self.sms_account.with_user(self.admin)
        self.assertEqual(account.smsapi_token, self.SECRET)
        account.smsapi_token = "new-token"
        self.assertEqual(account.sudo().smsapi_token, "new-token")


@tagged("post_install", "-at_install")
class TestMultiCompanyProviders(ProviderCase):
    def test_each_company_sends_through_its_own_provider(self):
        company_b = self.env["res.company"].create(
            {"name": "Company B", "country_id": self.country_se.id}
        )
        with SmsapiDouble() as smsapi, TwilioDouble() as twilio:
            account_a = self.set_sms_account(
                provider="smsapi",
                smsapi_token=SMSAPI_TOKEN,
                smsapi_base_url=smsapi.url,
            )
            account_b = self.set_sms_account(
                company_b,
                "twilio",
                twilio_account_sid=TWILIO_ACCOUNT_SID,
                twilio_auth_token=TWILIO_AUTH_TOKEN,
                twilio_base_url=twilio.url,
                sender="+15005550006",
            )
            self.assertEqual(self.company._sms_gateway_first_account(), account_a)
            self.assertEqual(company_b._sms_gateway_first_account(), account_b)
            message = {"number": "+358401234567", "body": "Hei", "sender": None}
            with account_a._sms_get_provider() as provider:
                (result,) = provider.send([dict(message, uid="a-1")])
            self.assertEqual(result["state"], "accepted")
            with account_b._sms_get_provider() as provider:
                (result,) = provider.send([dict(message, uid="b-1")])
            self.assertEqual(result["state"], "accepted")
            self.assertEqual([m["idx"] for m in smsapi.messages], ["a-1"])
            self.assertEqual(len(twilio.messages), 1)
