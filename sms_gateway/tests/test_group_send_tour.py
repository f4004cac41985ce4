# Copyright 2026 sms_gateway authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The README's first SMS to a group, in a real browser, as a User and as a
Manager (no developer mode, no error message on the way)."""

from odoo.tests import HttpCase, new_test_user, tagged

from .common import SmsAccountMixin


@tagged("post_install", "-at_install")
class TestGroupSendTour(SmsAccountMixin, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env.company.country_id = cls.env.ref("base.fi")
        cls.set_sms_account(cls.env.company, "sandbox")
        cls.volunteers = cls.env["res.partner"].create(
            [
                {
                    "name": f"Spring Volunteer {index}",
                    "country_id": cls.env.ref("base.fi").id,
                    "mobile": f"+358 40 888 00{index}",
                    "sms_consent": "granted",
                }
                for index in (1, 2)
            ]
        )

    def first_group_send(self, level):
        login = f"first_day_{level}"
        new_test_user(
            self.env,
            login=login,
            password=f"{login}_pw1",
            name=f"First Day {level}",
            groups=f"base.group_user,sms_gateway.group_sms_gateway_{level}",
        )
        self.start_tour(
            "/odoo/action-sms_gateway.res_partner_action_sms",
            "sms_gateway_group_send_tour",
            login=login,
        )
        group = self.env["sms.gateway.group"].search(
            [("name", "=", "Spring Volunteers"), ("user_id.login", "=", login)]
        )
        self.assertEqual(len(group), 1)
        messages = self.env["sms.gateway.message"].search(
            [("group_id", "=", group.id), ("state", "=", "queued")]
        )
        self.assertEqual(messages.partner_id, self.volunteers)

    def test_user_sends_a_first_sms_to_a_group(self):
        self.first_group_send("user")

    def test_manager_sends_a_first_sms_to_a_group(self):
        self.first_group_send("manager")
