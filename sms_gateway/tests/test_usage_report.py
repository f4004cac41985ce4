# Copyright 2026 sms_gateway authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import datetime

import pytz

from odoo.exceptions import AccessError
from odoo.tests import tagged
from odoo.tools import SQL

from .usage_common import BILLABLE, TZ, SmsGatewayUsageCase

MEASURES = [
    "sms_count:sum",
    "parts:sum",
    "delivered_parts:sum",
    "email_count:sum",
    "message_count:sum",
]


def utc(year, month, day=1):
    local = pytz.timezone(TZ).localize(datetime(year, month, day))
    return local.astimezone(pytz.utc).replace(tzinfo=None)


@tagged("post_install", "-at_install", "sms_gateway_usage")
class TestUsageReport(SmsGatewayUsageCase):
    def report(self, user=None, companies=None):
        Report = self.env["sms.gateway.usage.report"]
        if user:
            Report = Report.with_user(user)
        if companies:
            Report = Report.with_context(allowed_company_ids=companies.ids)
        return Report.with_context(tz=TZ)

    def grouped(self, report, domain, key="user_id"):
        return {
            record.id or None: tuple(values)
            for record, *values in report._read_group(domain, [key], MEASURES)
            if any(values)
        }

    def test_view_has_no_text(self):
        Report = self.env["sms.gateway.usage.report"]
        self.assertNotIn("body", Report._fields)
        self.env.cr.execute(
            "SELECT column_name FROM information_schema.columns "
            "WHERE table_name = 'sms_gateway_usage_report'"
        )
        columns = {row[0] for row in self.env.cr.fetchall()}
        self.assertIn("partner_id", columns)
        self.assertFalse(columns & {"body", "body_hash", "number", "email"})

    def test_what_counts(self):
        """Canceled messages are not rows; failed, queued and sending rows count
        nothing; billable ones count once, their parts and cost."""
        Report = self.env["sms.gateway.usage.report"]
        by_id = {row.id: row for row in Report.search([])}
        for message in self.messages:
            row = by_id.get(message.id)
            if message.state == "canceled":
                self.assertFalse(row)
                continue
            billable = message.state in BILLABLE
            sms = message.channel == "sms"
            self.assertEqual(row.recipient_count, 1)
            self.assertEqual(row.message_count, int(billable))
            self.assertEqual(row.sms_count, int(billable and sms))
            self.assertEqual(row.email_count, int(billable and not sms))
            self.assertEqual(row.parts, message.parts if billable and sms else 0)
            self.assertEqual(
                row.delivered_parts,
                message.parts if message.state == "delivered" and sms else 0,
            )
            self.assertAlmostEqual(row.cost, message.cost if billable else 0)
            self.assertEqual(row.date, message.sent_at or message.scheduled_at)

    def test_totals_agree_with_direct_counts(self):
        """read_group (the pivot) and direct SQL agree for several periods,
        companies and groupings."""
        both = self.company_a | self.company_b
        cases = [
            (utc(2026, 1), utc(2026, 2), self.company_a, "user_id"),
            (utc(2026, 2), utc(2026, 3), both, "user_id"),
            (utc(2026, 1), utc(2026, 4), both, "group_id"),
            (utc(2026, 4), utc(2026, 7), self.company_b, "group_id"),
            (utc(2025, 1), utc(2027, 1), both, "user_id"),
            (utc(2020, 1), utc(2020, 2), both, "user_id"),
            (utc(2026, 1), utc(2026, 4), both, "account_id"),
            (utc(2025, 1), utc(2027, 1), self.company_b, "account_id"),
        ]
        for start, end, companies, key in cases:
            with self.subTest(start=start, companies=companies.ids, key=key):
                domain = [
                    ("date", ">=", start),
                    ("date", "<", end),
                    ("company_id", "in", companies.ids),
                    ("state", "in", BILLABLE),
                ]
                report = self.report(self.user_manager, both)
                expected = self.direct_counts(start, end, companies, key)
                self.assertEqual(self.grouped(report, domain, key), expected)
                # The measures count only what went out: no state filter needed.
                self.assertEqual(self.grouped(report, domain[:-1], key), expected)

    def test_accounts_of_each_company(self):
        """By account: each company's SMS under its own accounts only, and
        what no account sent (e-mails, never sent) under none."""
        report = self.report(self.user_manager, self.company_a | self.company_b)
        for company in (self.company_a, self.company_b):
            groups = self.grouped(
                report, [("company_id", "=", company.id)], "account_id"
            )
            accounts = self.env["sms.gateway.account"].browse(
                [key for key in groups if key]
            )
            self.assertTrue(accounts)
            self.assertEqual(accounts.company_id, company)
            self.assertEqual(groups.get(None, (0,))[0], 0, "SMS without an account")
        # An accountant of company A sees A's accounts' names, not B's rows.
        report = self.report(self.user_accountant)
        groups = report._read_group([], ["account_id"], ["sms_count:sum"])
        self.assertEqual(
            {account.company_id for account, _count in groups if account},
            {self.company_a},
        )

    def test_pivot_by_month_and_sender(self):
        """The pivot's query (months in the user's time zone)."""
        report = self.report(self.user_manager, self.company_a)
        groups = report._read_group(
            [], ["date:month", "user_id"], ["message_count:sum", "delivered_parts:sum"]
        )
        self.env.cr.execute(
            SQL(
                """
                SELECT to_char(date_trunc('month', timezone(%s, timezone('UTC',
                           sent_at))), 'YYYY-MM'), user_id, count(*),
                       sum(parts) FILTER (WHERE state = 'delivered'
                                          AND channel = 'sms')
                  FROM sms_gateway_message
                 WHERE state IN %s AND company_id = %s
                 GROUP BY 1, 2
                """,
                TZ,
                BILLABLE,
                self.company_a.id,
            )
        )
        expected = {(m, u): (c, d or 0) for m, u, c, d in self.env.cr.fetchall()}
        got = {
            (month.strftime("%Y-%m"), user.id): (count, delivered)
            for month, user, count, delivered in groups
            if count
        }
        self.assertEqual(got, expected)
        # 2026-01-31 22:30 UTC is February in Helsinki.
        edge = self.messages[0]
        feb = report._read_group([("id", "=", edge.id)], ["date:month"], ["parts:sum"])
        self.assertEqual(feb[0][0].month, 2)

    def test_user_sees_own_usage(self):
        rows = self.report(self.user_sms).search([])
        self.assertTrue(rows)
        self.assertEqual(rows.user_id, self.user_sms)
        own = self.messages.filtered(
            lambda m: m.user_id == self.user_sms and m.state != "canceled"
        )
        self.assertEqual(set(rows.ids), set(own.ids))

    def test_accountant_sees_figures_not_texts(self):
        report = self.report(self.user_accountant)
        rows = report.search([])
        company_a_rows = self.messages.filtered(
            lambda m: m.company_id == self.company_a and m.state != "canceled"
        )
        self.assertEqual(set(rows.ids), set(company_a_rows.ids))
        # The pivot and list as the web client asks for them (groups are read
        # through display names, which accountants may see).
        groups = report.read_group(
            [], ["parts:sum"], ["user_id", "group_id", "mailing_id"], lazy=False
        )
        self.assertTrue(groups)
        report.web_search_read(
            [],
            {
                "date": {},
                "user_id": {"fields": {"display_name": {}}},
                "group_id": {"fields": {"display_name": {}}},
                "mailing_id": {"fields": {"display_name": {}}},
                "partner_id": {"fields": {"display_name": {}}},
                "parts": {},
            },
        )
        self.assertNotIn("body", report.fields_get())
        # Message metadata yes, texts no: not through the report, nor RPC.
        Message = self.env["sms.gateway.message"].with_user(self.user_accountant)
        message = Message.browse(self.messages[0].id)
        self.assertEqual(message.read(["parts", "chars"])[0]["parts"], 2)
        with self.assertRaisesMessage(AccessError, "body"):
            message.read(["body"])
        with self.assertRaisesMessage(AccessError, "body"):
            Message.search_read([], ["body"], limit=1)
        with self.assertRaisesMessage(AccessError, "body"):
            Message.web_search_read([], {"body": {}}, limit=1)
        self.assertNotIn("body", Message.fields_get())
        with self.assertRaisesMessage(AccessError, "body"):
            Message.search([("body", "ilike", "Hyvää")])

    def test_company_isolation(self):
        rows_b = self.report(self.user_b).search([])
        self.assertTrue(rows_b)
        self.assertEqual(rows_b.company_id, self.company_b)
        b_messages = self.messages.filtered(
            lambda m: m.company_id == self.company_b and m.state != "canceled"
        )
        self.assertEqual(set(rows_b.ids), set(b_messages.ids))
        rows_b = self.report(self.accountant_b).search([])
        self.assertEqual(set(rows_b.ids), set(b_messages.ids))
        for user in (self.user_sms, self.user_accountant):
            with self.subTest(user=user.login):
                report = self.report(user)
                self.assertFalse(
                    report.search([("company_id", "=", self.company_b.id)])
                )
                self.assertFalse(
                    report.read_group(
                        [("company_id", "=", self.company_b.id)],
                        ["parts:sum"],
                        ["user_id"],
                    )
                )
                with self.assertRaisesMessage(AccessError, "companies"):
                    report.with_context(allowed_company_ids=self.company_b.ids).search(
                        []
                    )
        # A manager of both companies sees B only when B is allowed.
        manager = self.report(self.user_manager, self.company_a)
        self.assertFalse(manager.search([("company_id", "=", self.company_b.id)]))
        manager = self.report(self.user_manager, self.company_a | self.company_b)
        self.assertTrue(manager.search([("company_id", "=", self.company_b.id)]))

    def test_no_write(self):
        row = self.report(self.user_manager).search([], limit=1)
        with self.assertRaisesMessage(AccessError, "not allowed to modify"):
            row.write({"parts": 99})

    def test_reads_pending_message_changes(self):
        message = self.messages.filtered(lambda m: m.state == "sent")[:1]
        message.write({"state": "delivered"})  # not flushed yet
        row = self.env["sms.gateway.usage.report"].search([("id", "=", message.id)])
        self.assertEqual(row.delivered_parts, message.parts)

    def test_partner_usage_button(self):
        partner = self.partners[0]
        messages = self.messages.filtered(
            lambda m: (
                m.partner_id == partner
                and m.channel == "sms"
                and m.state in BILLABLE
                and m.company_id == self.company_a
            )
        )
        partner_env = partner.with_user(self.user_accountant)
        self.assertEqual(
            partner_env.sms_gateway_usage_parts, sum(messages.mapped("parts"))
        )
        action = partner_env.action_view_sms_gateway_usage()
        self.assertEqual(action["res_model"], "sms.gateway.usage.report")
        self.assertEqual(action["domain"], [("partner_id", "=", partner.id)])
        self.assertNotIn("search_default_date", action["context"])
        rows = self.report(self.user_accountant).search(action["domain"])
        self.assertEqual(rows.partner_id, partner)
        # A sender sees the parts of their own SMS to the partner.
        own = messages.filtered(lambda m: m.user_id == self.user_sms)
        self.assertEqual(
            partner.with_user(self.user_sms).sms_gateway_usage_parts,
            sum(own.mapped("parts")),
        )
        # The button sits next to "Sent SMS" on the partner form.
        arch = self.env["res.partner"].get_view(view_type="form")["arch"]
        self.assertIn('name="action_view_sms_gateway_usage"', arch)

    def test_menus(self):
        Menu = self.env["ir.ui.menu"]
        usage = self.env.ref("sms_gateway.sms_gateway_usage_report_menu")
        export = self.env.ref("sms_gateway.sms_gateway_usage_export_menu")
        for user in (self.user_sms, self.user_accountant, self.user_manager):
            with self.subTest(user=user.login):
                visible = Menu.with_user(user)._visible_menu_ids()
                self.assertIn(usage.id, visible)
                self.assertIn(export.id, visible)
        action = self.env.ref("sms_gateway.sms_gateway_usage_report_action")
        self.assertTrue(action.view_mode.startswith("pivot"))
