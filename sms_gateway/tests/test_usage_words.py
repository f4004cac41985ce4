# Copyright 2026 sms_gateway authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""What the usage report and the billing export say, in the user's words:
"Sent by" is the Odoo user, "Sender name" the name the phone shows; the
Summary has the cost with its currency, the Detail the number, the status and
the cost of each message (never a text for an Accountant); "This month"."""

import io
from datetime import date, datetime

import openpyxl
from freezegun import freeze_time

from odoo.tests import tagged

from ..wizards.sms_gateway_usage_export import period_bounds
from .test_usage_export import SUMMARY_HEADER_ROW, utc_bounds
from .usage_common import BILLABLE, TZ, SmsGatewayUsageCase

STATUS = {
    "sent": "Sent",
    "delivered": "Delivered",
    "undelivered": "Undelivered",
}


@tagged("post_install", "-at_install", "sms_gateway_usage")
class TestUsageWords(SmsGatewayUsageCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # Sender names: a mailing's own, else the account's.
        cls.mailings[cls.company_a][0].sudo().sender = "Asio"
        cls.mailings[cls.company_a][1].sudo().sender = "Yhdistys"
        cls.usage_accounts[cls.company_a, "sandbox"].sudo().sender = "Kerho"
        cls.usage_accounts[cls.company_b, "smsapi"].sudo().sender = "Messa"
        cls.env.flush_all()

    def billed(self, date_from, date_to, companies):
        start, end = utc_bounds(date_from, date_to)
        return self.messages.filtered(
            lambda m: (
                m.state in BILLABLE
                and m.company_id in companies
                and start <= m.sent_at < end
            )
        )

    @staticmethod
    def sender_name(message):
        return message.mailing_id.sender or message.account_id.sender or False

    def summary(self, sheet):
        """(header, {name: row values}, totals row)."""
        header = [cell.value for cell in sheet[SUMMARY_HEADER_ROW]]
        rows, totals = {}, None
        for values in sheet.iter_rows(min_row=SUMMARY_HEADER_ROW + 1, values_only=True):
            if values[0] == "Total":
                totals = values
                break
            rows[values[0]] = values
        return header, rows, totals

    def test_summary_has_the_cost_in_each_currency(self):
        both = self.company_a | self.company_b
        period = (date(2025, 12, 1), date(2026, 7, 31))
        _wizard, book = self.export(self.user_manager, *period, both)
        header, rows, totals = self.summary(book["Summary"])
        self.assertEqual(header[0], "Sent by")
        self.assertEqual(header[6:], ["Received SMS", "Cost (EUR)", "Cost (SEK)"])
        expected = {}
        for message in self.billed(*period, both):
            costs = expected.setdefault(message.user_id.name, {"EUR": 0, "SEK": 0})
            costs[message.currency_id.name] += message.cost
        self.assertEqual(set(rows), set(expected))
        for name, costs in expected.items():
            self.assertEqual(rows[name][6], 0)  # no reply in these figures
            self.assertAlmostEqual(rows[name][7], costs["EUR"], places=6)
            self.assertAlmostEqual(rows[name][8], costs["SEK"], places=6)
        self.assertAlmostEqual(
            totals[7], sum(c["EUR"] for c in expected.values()), places=6
        )
        self.assertAlmostEqual(
            totals[8], sum(c["SEK"] for c in expected.values()), places=6
        )
        # Euros are only company A's, kronor only company B's.
        self.assertTrue(totals[7] and totals[8])

    def test_accountant_detail_has_number_status_and_cost_never_text(self):
        period = (date(2025, 12, 1), date(2026, 7, 31))
        _wizard, book = self.export(self.user_accountant, *period)
        sheet = book["Detail"]
        header = [cell.value for cell in sheet[1]]
        self.assertEqual(
            header,
            [
                "Sent by",
                "Id",
                "Number",
                "Characters",
                "Parts",
                "Delivered parts",
                "Status",
                "Cost",
                "Currency",
                "Date",
                "Time",
                "Type",
                "Recipients of its mailing",
            ],
        )
        rows = [
            dict(zip(header, values, strict=True))
            for values in sheet.iter_rows(min_row=2, values_only=True)
        ]
        expected = self.billed(*period, self.company_a)
        self.assertEqual({row["Id"] for row in rows}, set(expected.ids))
        messages = {m.id: m for m in expected}
        for row in rows:
            message = messages[row["Id"]]
            self.assertEqual(row["Number"], message.number)
            self.assertEqual(row["Status"], STATUS[message.state])
            self.assertAlmostEqual(row["Cost"] or 0, message.cost, places=6)
            self.assertEqual(row["Currency"], "EUR")
        # The Summary has the cost too, and no sheet has a text.
        _header, _rows, totals = self.summary(book["Summary"])
        self.assertAlmostEqual(totals[7], sum(expected.mapped("cost")), places=6)
        texts = {m.body[:10] for m in self.messages}
        for each in book:
            for values in each.iter_rows(values_only=True):
                for value in values:
                    if isinstance(value, str):
                        self.assertFalse(
                            any(text in value for text in texts), f"text in {value!r}"
                        )

    def test_export_by_sender_name(self):
        both = self.company_a | self.company_b
        period = (date(2025, 12, 1), date(2026, 7, 31))
        _wizard, book = self.export(self.user_manager, *period, both, "sender")
        header, rows, totals = self.summary(book["Summary"])
        self.assertEqual(header[0], "Sender name")
        expected = {}
        for message in self.billed(*period, both):
            name = self.sender_name(message) or "(No sender name)"
            counts = expected.setdefault(name, [0, 0])
            counts[0] += message.channel == "sms"
            counts[1] += message.parts if message.channel == "sms" else 0
        self.assertEqual(
            {name: list(values[1:3]) for name, values in rows.items()}, expected
        )
        self.assertTrue({"Asio", "Yhdistys", "Kerho", "Messa"} <= set(rows))
        detail = book["Detail"]
        names = {values[0] for values in detail.iter_rows(min_row=2, values_only=True)}
        self.assertEqual(names, set(expected))
        self.assertEqual(totals[5], len(self.billed(*period, both)))

    def test_report_groups_by_sender_name_for_the_accountant(self):
        Report = (
            self.env["sms.gateway.usage.report"]
            .with_user(self.user_accountant)
            .with_context(allowed_company_ids=self.company_a.ids)
        )
        groups = dict(
            Report._read_group(
                [("state", "in", BILLABLE)], ["sender_name"], ["message_count:sum"]
            )
        )
        expected = {}
        for message in self.messages.filtered(
            lambda m: m.company_id == self.company_a and m.state in BILLABLE
        ):
            name = self.sender_name(message)
            expected[name] = expected.get(name, 0) + 1
        self.assertEqual(groups, expected)
        # The report's words: the user is "Sent by", the phone's name
        # "Sender Name"; both are offered to group by.
        fields = Report.fields_get(["user_id", "sender_name", "cost"], ["string"])
        self.assertEqual(fields["user_id"]["string"], "Sent by")
        self.assertEqual(fields["sender_name"]["string"], "Sender Name")
        views = Report.get_views([(False, "search"), (False, "list")])["views"]
        search = views["search"]["arch"]
        self.assertIn('string="Sent by"', search)
        self.assertIn("'group_by': 'sender_name'", search)
        self.assertNotIn('string="Sender"', search)
        self.assertIn('widget="monetary"', views["list"]["arch"])
        # Every row of the list has a currency for its cost.
        rows = Report.web_search_read([], {"cost": {}, "currency_id": {}})["records"]
        self.assertTrue(rows)
        self.assertTrue(all(row["currency_id"] for row in rows))

    def test_this_month_and_this_year(self):
        self.assertEqual(
            period_bounds("this_month", date(2026, 5, 15)),
            (date(2026, 5, 1), date(2026, 5, 15)),
        )
        self.assertEqual(
            period_bounds("this_year", date(2026, 5, 15)),
            (date(2026, 1, 1), date(2026, 5, 15)),
        )
        Export = self.env["sms.gateway.usage.export"].with_user(self.user_accountant)
        periods = dict(Export.fields_get(["period"])["period"]["selection"])
        self.assertEqual(periods["this_month"], "This Month")
        self.assertIn("last_month", periods)
        with freeze_time(datetime(2026, 3, 20, 12, 0)):
            wizard = Export.with_context(tz=TZ).create({"period": "this_month"})
            self.assertEqual(
                (wizard.date_from, wizard.date_to),
                (date(2026, 3, 1), date(2026, 3, 20)),
            )
            wizard.action_export()
        book = openpyxl.load_workbook(io.BytesIO(wizard.attachment_id.raw))
        detail = book["Detail"]
        ids = {values[1] for values in detail.iter_rows(min_row=2, values_only=True)}
        expected = self.billed(date(2026, 3, 1), date(2026, 3, 20), self.company_a)
        self.assertTrue(expected)
        self.assertEqual(ids, set(expected.ids))
