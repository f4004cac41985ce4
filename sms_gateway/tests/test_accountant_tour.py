# Copyright 2026 sms_gateway authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""An Accountant's first day in a real browser: the mailings (one went to a
group), the messages, the usage report and the billing export open without
an error and without message texts."""

from odoo.tests import HttpCase, new_test_user, tagged

from .common import SmsAccountMixin


@tagged("post_install", "-at_install")
class TestAccountantTour(SmsAccountMixin, HttpCase):
    def test_accountant_opens_every_sms_screen(self):
        self.env.company.country_id = self.env.ref("base.fi")
        self.set_sms_account(self.env.company, "sandbox")
        sender = new_test_user(
            self.env,
            login="first_day_sender",
            name="First Day Sender",
            groups="base.group_user,sms_gateway.group_sms_gateway_user",
        )
        new_test_user(
            self.env,
            login="first_day_accountant",
            password="first_day_accountant_pw1",
            name="First Day Accountant",
            groups="base.group_user,sms_gateway.group_sms_gateway_accountant",
        )
        partners = self.env["res.partner"].create(
            [
                {
                    "name": f"Spring Volunteer {index}",
                    "country_id": self.env.ref("base.fi").id,
                    "mobile": f"+358 40 888 00{index}",
                    "sms_consent": "granted",
                }
                for index in (1, 2)
            ]
        )
        group = (
            self.env["sms.gateway.group"]
            .with_user(sender)
            .create({"name": "Spring Volunteers"})
        )
        group._add_partners([("id", "in", partners.ids)])
        self.env["sms.gateway.send.wizard"].with_user(sender).with_context(
            active_model="sms.gateway.group", active_ids=group.ids
        ).create(
            {"name": "Spring news", "body": "Spring cleaning on Saturday at 10."}
        ).action_send()
        self.env["sms.gateway.dispatcher"]._cron_dispatch()
        self.start_tour(
            "/odoo/action-sms_gateway.sms_gateway_mailing_action",
            "sms_gateway_accountant_tour",
            login="first_day_accountant",
        )
