# Copyright 2026 sms_gateway authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Company SMS provider settings: checks, secrets, buttons, multi-company."""

import socket

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.modules.neutralize import neutralize_database
from odoo.tests import new_test_user, tagged

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

    def notification(self, action):
        self.assertEqual(action["tag"], "display_notification")
        return action["params"]["type"], action["params"]["message"]


@tagged("post_install", "-at_install")
class TestProviderSettings(ProviderCase):
    def test_new_database_uses_the_sandbox(self):
        self.assertEqual(self.company.sms_gateway_provider, "sandbox")
        self.assertFalse(self.company.sms_gateway_locked)
        provider = self.company._sms_gateway_get_provider()
        self.assertEqual(provider.code, "sandbox")

    def test_sender_rules_are_named(self):
        for sender, rule in (
            ("TooLongSenderName", "17 characters long"),
            ("Bad*Sender", r"characters a sender cannot have \('\*'\)"),
        ):
            with self.assertRaisesMessage(ValidationError, rule):
                self.settings(sms_gateway_sender=sender)
            with self.assertRaisesMessage(ValidationError, "at most 11 characters"):
                self.company.sms_gateway_sender = sender
        self.settings(sms_gateway_sender="MyShop")
        self.assertEqual(self.company.sms_gateway_sender, "MyShop")

    def test_provider_needs_its_credentials(self):
        with self.assertRaisesMessage(ValidationError, "SMSAPI OAuth Token"):
            self.settings(sms_gateway_provider="smsapi")
        with self.assertRaisesMessage(ValidationError, "Twilio SMS Auth Token"):
            self.settings(
                sms_gateway_provider="twilio",
                sms_gateway_twilio_account_sid=TWILIO_ACCOUNT_SID,
            )
        self.assertEqual(self.company.sms_gateway_provider, "sandbox")
        # Enabling it and entering its token in one save works.
        self.settings(sms_gateway_provider="smsapi", sms_gateway_smsapi_token="tok")
        self.assertEqual(self.company.sms_gateway_provider, "smsapi")

    def test_limits_are_checked(self):
        with self.assertRaisesMessage(ValidationError, "between 1 and 10"):
            self.settings(sms_gateway_max_parts=0)
        with self.assertRaisesMessage(ValidationError, "between 1 and 120"):
            self.settings(sms_gateway_timeout=0)

    def test_sandbox_buttons(self):
        settings = self.settings()
        kind, message = self.notification(settings.action_sms_gateway_test_connection())
        self.assertEqual(kind, "success")
        kind, message = self.notification(settings.action_sms_gateway_check_balance())
        self.assertEqual(kind, "success")
        self.assertIn("1,000.00", message)
        settings.sms_gateway_test_number = "040 123 4567"
        kind, message = self.notification(settings.action_sms_gateway_send_test())
        self.assertEqual(kind, "success")
        self.assertIn("+358401234567", message)
        settings.sms_gateway_test_number = "abc"
        kind, message = self.notification(settings.action_sms_gateway_send_test())
        self.assertEqual(kind, "warning")
        self.assertIn("not a phone number", message)

    def test_smsapi_buttons_over_http(self):
        with SmsapiDouble() as double:
            settings = self.settings(
                sms_gateway_provider="smsapi",
                sms_gateway_smsapi_token=SMSAPI_TOKEN,
                sms_gateway_smsapi_base_url=double.url,
                sms_gateway_sender="MyShop",
            )
            kind, message = self.notification(
                settings.action_sms_gateway_test_connection()
            )
            self.assertEqual(kind, "success", message)
            kind, message = self.notification(
                settings.action_sms_gateway_check_balance()
            )
            self.assertEqual(kind, "success", message)
            settings.sms_gateway_test_number = "+358401234567"
            kind, message = self.notification(settings.action_sms_gateway_send_test())
            self.assertEqual(kind, "success", message)
            self.assertEqual(len(double.messages), 1)
            sent = double.requests[-1]
            self.assertEqual(sent["headers"]["Authorization"], f"Bearer {SMSAPI_TOKEN}")

            double.bad_token = True
            kind, message = self.notification(
                settings.action_sms_gateway_test_connection()
            )
            self.assertEqual(kind, "danger")
            self.assertIn("cannot be used", message)
            self.assertNotIn(SMSAPI_TOKEN, message)

    def test_provider_down_gives_a_readable_message(self):
        settings = self.settings(
            sms_gateway_provider="smsapi",
            sms_gateway_smsapi_token=SMSAPI_TOKEN,
            sms_gateway_smsapi_base_url=closed_port_url(),
            sms_gateway_timeout=2,
        )
        kind, message = self.notification(settings.action_sms_gateway_test_connection())
        self.assertEqual(kind, "danger")
        self.assertIn("SMSAPI cannot be used", message)
        self.assertNotIn("Traceback", message)
        self.assertNotIn(SMSAPI_TOKEN, message)

    def test_neutralized_copy_disables_the_provider(self):
        self.settings(sms_gateway_provider="smsapi", sms_gateway_smsapi_token="tok")
        self.env.flush_all()
        neutralize_database(self.env.cr)
        self.env.invalidate_all()
        company = self.company.sudo()
        self.assertEqual(company.sms_gateway_provider, "none")
        self.assertFalse(company.sms_gateway_smsapi_token)
        with self.assertRaisesMessage(UserError, "SMS sending is disabled"):
            company._sms_gateway_get_provider()


@tagged("post_install", "-at_install")
class TestProviderSecrets(ProviderCase):
    """A user without system rights never gets a token."""

    SECRET = "tok-Very-Secret-123"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.sudo().write(
            {"sms_gateway_provider": "smsapi", "sms_gateway_smsapi_token": cls.SECRET}
        )
        cls.secret_fields = [
            "sms_gateway_smsapi_token",
            "sms_gateway_twilio_auth_token",
            "sms_gateway_quriiri_api_key",
            "sms_gateway_callback_secret",
            "sms_gateway_location",
        ]

    def test_no_route_gives_the_token(self):
        for user in (self.user_sms, self.user_manager, self.user_accountant):
            company = self.company.with_user(user)
            for fname in self.secret_fields:
                with self.assertRaises(AccessError, msg=f"{user.login} read {fname}"):
                    company.read([fname])
                with self.assertRaises(AccessError):
                    company.search_read([("id", "=", company.id)], [fname])
                with self.assertRaises(UserError):  # AccessError is a UserError
                    company.export_data([fname])
                with self.assertRaises(AccessError):
                    company.search([(fname, "=", self.SECRET)])
                with self.assertRaises(AccessError):
                    company.web_read({fname: {}})
            self.assertNotIn("sms_gateway_smsapi_token", company.fields_get())
            with self.assertRaises(AccessError):
                company.write({"sms_gateway_smsapi_token": "mine"})
            with self.assertRaises(AccessError):
                self.env["res.config.settings"].with_user(user).create({})
            # What senders need stays readable.
            self.assertEqual(company.sms_gateway_provider, "smsapi")
            self.assertEqual(company.sms_gateway_max_parts, 6)

    def test_export_rights_do_not_open_the_token(self):
        exporter = new_test_user(
            self.env,
            login="sms_exporter",
            groups="base.group_user,base.group_allow_export,"
            "sms_gateway.group_sms_gateway_manager",
        )
        company = self.company.with_user(exporter)
        with self.assertRaises(AccessError):
            company.export_data(["name", "sms_gateway_smsapi_token"])
        rows = company.export_data(["name", "sms_gateway_provider"])["datas"]
        self.assertEqual(rows, [[self.company.name, "SMSAPI"]])

    def test_errors_do_not_show_the_token(self):
        with self.assertRaises(ValidationError) as caught:
            self.company.sudo().sms_gateway_sender = "Bad*Sender"
        self.assertNotIn(self.SECRET, str(caught.exception))
        provider = self.company._sms_gateway_get_provider()
        self.assertNotIn(self.SECRET, repr(provider))

    def test_administrator_reads_and_writes_it(self):
        company = self.company.with_user(self.admin)
        self.assertEqual(company.sms_gateway_smsapi_token, self.SECRET)
        company.sms_gateway_smsapi_token = "new-token"
        self.assertEqual(company.sudo().sms_gateway_smsapi_token, "new-token")


@tagged("post_install", "-at_install")
class TestMultiCompanyProviders(ProviderCase):
    def test_each_company_sends_through_its_own_provider(self):
        company_b = self.env["res.company"].create(
            {"name": "Company B", "country_id": self.country_se.id}
        )
        with SmsapiDouble() as smsapi, TwilioDouble() as twilio:
            self.company.sudo().write(
                {
                    "sms_gateway_provider": "smsapi",
                    "sms_gateway_smsapi_token": SMSAPI_TOKEN,
                    "sms_gateway_smsapi_base_url": smsapi.url,
                }
            )
            company_b.sudo().write(
                {
                    "sms_gateway_provider": "twilio",
                    "sms_gateway_twilio_account_sid": TWILIO_ACCOUNT_SID,
                    "sms_gateway_twilio_auth_token": TWILIO_AUTH_TOKEN,
                    "sms_gateway_twilio_base_url": twilio.url,
                    "sms_gateway_sender": "+15005550006",
                }
            )
            message = {"number": "+358401234567", "body": "Hei", "sender": None}
            with self.company._sms_gateway_get_provider() as provider:
                (result,) = provider.send([dict(message, uid="a-1")])
            self.assertEqual(result["state"], "accepted")
            with company_b._sms_gateway_get_provider() as provider:
                (result,) = provider.send([dict(message, uid="b-1")])
            self.assertEqual(result["state"], "accepted")
            self.assertEqual([m["idx"] for m in smsapi.messages], ["a-1"])
            self.assertEqual(len(twilio.messages), 1)
