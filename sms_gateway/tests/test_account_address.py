# Copyright 2026 sms_gateway authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""SMSAPI's two services: the account form offers SMSAPI.com or SMSAPI.pl
instead of a bare address, and any other address (a proxy, a test server)
still works and is kept as it was stored."""

from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from .common import SmsGatewayCase
from .doubles import SMSAPI_TOKEN


@tagged("post_install", "-at_install")
class TestSmsapiAddress(SmsGatewayCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.sysadmin = new_test_user(
            cls.env,
            login="sms_address_admin",
            name="Sylvi Sysadmin",
            groups="base.group_system,sms_gateway.group_sms_gateway_manager",
        )
        cls.account = cls.set_sms_account(
            provider="smsapi", name="SMSAPI", smsapi_token=SMSAPI_TOKEN
        )

    def test_the_form_offers_com_and_pl(self):
        Account = self.env["sms.gateway.account"].with_user(self.sysadmin)
        views = Account.get_views([(False, "form")])
        arch = views["views"]["form"]["arch"]
        self.assertIn('name="smsapi_base_url_choice"', arch)
        field = views["models"]["sms.gateway.account"]["fields"][
            "smsapi_base_url_choice"
        ]
        self.assertEqual(
            [value for value, _label in field["selection"]],
            ["https://api.smsapi.com", "https://api.smsapi.pl", "other"],
        )
        self.assertIn("SMSAPI.pl", field["help"])
        self.assertIn("https://api.smsapi.pl", field["help"])
        account = self.account.with_user(self.sysadmin)
        # A new account is at SMSAPI.com, the default.
        self.assertEqual(account.smsapi_base_url_choice, "https://api.smsapi.com")
        # A Polish account: one choice, and the address follows.
        account.smsapi_base_url_choice = "https://api.smsapi.pl"
        self.assertEqual(account.smsapi_base_url, "https://api.smsapi.pl")
        (values,) = account.web_read({"smsapi_base_url_choice": {}})
        self.assertEqual(values["smsapi_base_url_choice"], "https://api.smsapi.pl")

    def test_any_other_stored_address_is_kept(self):
        account = self.account.with_user(self.sysadmin)
        account.smsapi_base_url = "http://proxy.example:8080/smsapi/"
        self.assertEqual(account.smsapi_base_url_choice, "other")
        account.smsapi_base_url_choice = "other"
        self.assertEqual(account.smsapi_base_url, "http://proxy.example:8080/smsapi/")
        account.smsapi_base_url = "https://api.smsapi.pl/"
        self.assertEqual(account.smsapi_base_url_choice, "https://api.smsapi.pl")

    def test_only_administrators_choose_the_address(self):
        for user in (self.user_manager, self.user_sms, self.user_accountant):
            account = self.account.with_user(user)
            with self.assertRaises(AccessError, msg=user.login):
                account.write({"smsapi_base_url_choice": "https://attacker.example"})
            with self.assertRaises(AccessError, msg=user.login):
                account.write({"smsapi_base_url_choice": "https://api.smsapi.pl"})
            with self.assertRaises(AccessError, msg=user.login):
                account.read(["smsapi_base_url_choice"])
        self.assertEqual(self.account.smsapi_base_url, "https://api.smsapi.com")
