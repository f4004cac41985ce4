# Copyright 2026 sms_gateway authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Vonage in Odoo, over real HTTP to its loopback double: a mailing goes out,
errors keep messages waiting, delivery receipts reach the messages through
the account's report address, the balance is read."""

from odoo.tests import HttpCase, tagged
from odoo.tools import mute_logger

from .common import SmsGatewayCase


@tagged("post_install", "-at_install")
class TestVonage(SmsGatewayCase, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.partners = cls.Partner.create(
            [
                {
                    "name": name,
                    "mobile": mobile,
                    "country_id": cls.country_se.id,
                    "sms_consent": "granted",
                }
                for name, mobile in (
                    ("Astrid", "070 123 45 01"),
                    ("Nils", "070 123 45 02"),
                )
            ]
        )

    def setUp(self):
        super().setUp()
        self.vonage = self.enterContext(self.mock_sms_gateway("vonage"))
        self.account = self.vonage.account
        self.Dispatcher = self.env["sms.gateway.dispatcher"]

    def send(self, body="Hej {{ object.name }}"):
        wizard = (
            self.env["sms.gateway.send.wizard"]
            .with_user(self.user_sms)
            .with_context(active_model="res.partner", active_ids=self.partners.ids)
            .create({"body": body})
        )
        return self.env["sms.gateway.mailing"].browse(wizard.action_send()["res_id"])

    def test_send_then_delivery_receipt_through_the_account_address(self):
        mailing = self.send()
        self.Dispatcher._cron_dispatch()
        messages = self.assertSMS(self.partners, "sent", mailing, account=self.account)
        self.assertProviderGot(self.vonage, self.partners)
        self.assertTrue(all(messages.mapped("provider_ref")))
        self.assertEqual(set(messages.mapped("provider")), {"vonage"})
        # The cost Vonage answered, not the estimate.
        self.assertTrue(all(m.cost > 0 for m in messages))
        first = messages[0]
        path = self.account.sudo()._sms_callback_path()
        self.assertIn(f"/sms_gateway/delivery/vonage/{self.account.id}/", path)
        response = self.url_open(
            path,
            data={
                "messageId": first.provider_ref,
                "msisdn": first.number.lstrip("+"),
                "status": "delivered",
                "err-code": "0",
                "client-ref": first.uid,
            },
        )
        self.assertEqual(response.status_code, 200)
        self.env["sms.gateway.delivery.event"].sudo()._cron_apply()
        self.assertEqual(first.state, "delivered")
        self.assertEqual(messages[1].state, "sent")
        # Another account's secret is refused and changes nothing.
        other = self.add_sms_account(provider="sandbox")
        wrong = path.rsplit("/", 1)[0] + "/" + other.sudo().callback_secret
        response = self.url_open(
            wrong, data={"messageId": messages[1].provider_ref, "status": "failed"}
        )
        self.assertEqual(response.status_code, 404)
        self.env["sms.gateway.delivery.event"].sudo()._cron_apply()
        self.assertEqual(messages[1].state, "sent")

    def test_a_receipt_reaches_only_messages_of_its_account(self):
        mailing = self.send()
        self.Dispatcher._cron_dispatch()
        message = self.assertSMS(self.partners, "sent", mailing)[0]
        # A second Vonage account of the same company: its address is valid,
        # but the message did not go through it.
        second = self.enterContext(self.mock_sms_gateway("vonage", add=True)).account
        receipt = {
            "messageId": message.provider_ref,
            "status": "delivered",
            "client-ref": message.uid,
        }
        response = self.url_open(second.sudo()._sms_callback_path(), data=receipt)
        self.assertEqual(response.status_code, 200)
        self.env["sms.gateway.delivery.event"].sudo()._cron_apply()
        self.assertEqual(message.state, "sent")
        # Its own account's address: delivered.
        self.url_open(self.account.sudo()._sms_callback_path(), data=receipt)
        self.env["sms.gateway.delivery.event"].sudo()._cron_apply()
        self.assertEqual(message.state, "delivered")

    @mute_logger("odoo.addons.sms_gateway.dispatch.dispatcher")
    def test_provider_errors_keep_messages_waiting(self):
        self.vonage.fail_status, self.vonage.fail_count = 500, None
        mailing = self.send()
        self.Dispatcher._cron_dispatch()
        self.assertSMS(self.partners, "queued", mailing)
        self.assertFalse(self.vonage.messages)

    @mute_logger(
        "odoo.addons.sms_gateway.dispatch.dispatcher",
        "odoo.addons.sms_gateway.models.sms_gateway_account",
    )
    def test_refused_credentials_wait_and_alert(self):
        self.vonage.bad_token = True
        mailing = self.send()
        self.Dispatcher._cron_dispatch()
        self.assertSMS(self.partners, "queued", mailing)
        self.assertTrue(self.account.hold_until)
        self.assertIn(
            "refuses the credentials",
            " ".join(self.account.activity_ids.mapped("summary")),
        )

    def test_balance_button(self):
        self.vonage.balance = 12.5
        result = self.account.action_check_balance()
        self.assertEqual(result["params"]["type"], "success")
        self.assertIn("12.50", result["params"]["message"])
