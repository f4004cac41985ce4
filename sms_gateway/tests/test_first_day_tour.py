# Copyright 2026 sms_gateway authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""A first day in a real browser (headless Chromium): the administrator's
test SMS from Settings, and the send window's limits before Send."""

from odoo.tests import HttpCase, new_test_user, tagged

from .common import SmsAccountMixin


@tagged("post_install", "-at_install")
class TestFirstDayTour(SmsAccountMixin, HttpCase):
    def test_administrator_sends_a_test_sms_from_settings(self):
        self.env.company.country_id = self.env.ref("base.fi")
        account = self.set_sms_account(
            self.env.company, "sandbox", name="Tour Sandbox", sender="Yhdistys"
        )
        self.start_tour(
            "/odoo/action-sms_gateway.res_config_settings_action_sms_gateway",
            "sms_gateway_test_sms_tour",
            login="admin",
        )
        account.invalidate_recordset(["test_number", "message_ids"])
        self.assertEqual(account.test_number, "+358 40 123 4567")
        notes = account.message_ids.filtered(
            lambda m: "accepted the test SMS" in (m.body or "")
        )
        self.assertEqual(len(notes), 4)

    def _limits_tour_setup(self):
        company = self.env.company
        company.country_id = self.env.ref("base.fi")
        self.set_sms_account(company, "sandbox")
        user = new_test_user(
            self.env,
            login="sms_limits_tour",
            password="sms_limits_tour_pw1",
            name="Limits Tour Sender",
            groups="base.group_user,base.group_partner_manager,"
            "sms_gateway.group_sms_gateway_user",
        )
        first, second = self.env["res.partner"].create(
            [
                {
                    "name": f"Limit Tour {letter}",
                    "country_id": self.env.ref("base.fi").id,
                    "mobile": f"+358 40 777 00{index}",
                    "sms_consent": "granted",
                }
                for index, letter in ((1, "A"), (2, "B"))
            ]
        )
        return company, user, first, second

    def test_placeholder_picker_in_the_send_window(self):
        self._limits_tour_setup()
        self.start_tour(
            "/odoo/action-sms_gateway.res_partner_action_sms",
            "sms_gateway_placeholder_picker_tour",
            login="sms_limits_tour",
        )

    def test_send_window_counts_the_guard_and_the_cap_before_send(self):
        company, user, first, second = self._limits_tour_setup()
        text = "Welcome to the spring meeting on Friday!"
        self.env["sms.gateway.send.wizard"].with_user(user).with_context(
            active_model="res.partner", active_ids=first.ids, active_id=first.id
        ).create({"body": text}).action_send()
        company.sms_gateway_monthly_cap = 2
        self.start_tour(
            "/odoo/action-sms_gateway.res_partner_action_sms",
            "sms_gateway_preview_limits_tour",
            login="sms_limits_tour",
        )
        messages = self.env["sms.gateway.message"].search(
            [("partner_id", "in", (first | second).ids)]
        )
        self.assertEqual(
            sorted((m.partner_id.name, m.state) for m in messages),
            [
                ("Limit Tour A", "canceled"),
                ("Limit Tour A", "queued"),
                ("Limit Tour B", "queued"),
            ],
        )
