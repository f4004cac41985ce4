# Copyright 2026 sms_gateway authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The send window in a real browser (headless Chromium)."""

from odoo.tests import HttpCase, new_test_user, tagged


@tagged("post_install", "-at_install")
class TestSendTour(HttpCase):
    def test_send_from_the_partner_list(self):
        self.env.company.country_id = self.env.ref("base.pl")
        new_test_user(
            self.env,
            login="sms_tour",
            password="sms_tour_pw1",
            name="Tour Sender",
            groups="base.group_user,base.group_partner_manager,"
            "sms_gateway.group_sms_gateway_user",
        )
        partners = self.env["res.partner"].create(
            [
                {
                    "name": f"Tour Recipient {index}",
                    "country_id": self.env.ref("base.pl").id,
                    "mobile": f"+48 512 000 10{index}",
                    "sms_consent": "granted",
                }
                for index in (1, 2, 3)
            ]
        )
        self.start_tour(
            "/odoo/action-sms_gateway.res_partner_action_sms",
            "sms_gateway_send_tour",
            login="sms_tour",
        )
        messages = self.env["sms.gateway.message"].search(
            [("partner_id", "in", partners.ids), ("state", "=", "queued")]
        )
        self.assertEqual(len(messages), 3)
        self.assertEqual(set(messages.mapped("encoding")), {"GSM-7"})
        self.assertEqual(set(messages.mapped("parts")), {1})
        self.assertIn("Zazolc gesla jazn.", messages[0].body)
