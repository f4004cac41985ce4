# Copyright 2026 sms_gateway authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import io
from datetime import date, datetime, time
from unittest.mock import patch

import openpyxl
import pytz
from freezegun import freeze_time

from odoo.exceptions import AccessError, ValidationError
from odoo.tests import Form, HttpCase, new_test_user, tagged

from ..wizards import sms_gateway_usage_export
from ..wizards.sms_gateway_usage_export import period_bounds
from .usage_common import BILLABLE, TZ, SmsGatewayUsageCase

SUMMARY_HEADER_ROW = 7  # 1-based, as openpyxl counts


def utc_bounds(date_from, date_to):
    tz = pytz.timezone(TZ)

    def utc(day):
        local = tz.localize(datetime.combine(day, time.min))
        return local.astimezone(pytz.utc).replace(tzinfo=None)

    return utc(date_from), utc(date.fromordinal(date_to.toordinal() + 1))


def seconds(value):
    return (
        value.hour * 3600 + value.minute * 60 + value.second + value.microsecond / 1e6
    )


@tagged("post_install", "-at_install", "sms_gateway_usage")
class TestUsageExport(SmsGatewayUsageCase):
    # ------------------------------------------------------------------
    # Sheets
    # ------------------------------------------------------------------

    def summary_rows(self, sheet):
        """{name: (sms, parts, delivered, emails, all)} and the totals row."""
        rows, totals = {}, None
        for values in sheet.iter_rows(min_row=SUMMARY_HEADER_ROW + 1, values_only=True):
            if values[0] == "Total":
                totals = tuple(values[1:6])
                break
            rows[values[0]] = tuple(values[1:6])
        return rows, totals

    def detail_rows(self, sheet):
        header = [cell.value for cell in sheet[1]]
        return header, [
            dict(zip(header, values, strict=True))
            for values in sheet.iter_rows(min_row=2, values_only=True)
        ]

    def names(self, counts, key):
        Model = self.env["res.users" if key == "user_id" else "sms.gateway.group"]
        none = "(No user)" if key == "user_id" else "(No group)"
        return {
            Model.browse(record_id).display_name if record_id else none: values
            for record_id, values in counts.items()
        }

    # ------------------------------------------------------------------
    # Tests
    # ------------------------------------------------------------------

    def test_period_presets(self):
        cases = {
            date(2026, 5, 15): {
                "last_month": (date(2026, 4, 1), date(2026, 4, 30)),
                "last_quarter": (date(2026, 1, 1), date(2026, 3, 31)),
                "last_half_year": (date(2025, 7, 1), date(2025, 12, 31)),
            },
            date(2026, 1, 1): {
                "last_month": (date(2025, 12, 1), date(2025, 12, 31)),
                "last_quarter": (date(2025, 10, 1), date(2025, 12, 31)),
                "last_half_year": (date(2025, 7, 1), date(2025, 12, 31)),
            },
            date(2026, 7, 31): {
                "last_month": (date(2026, 6, 1), date(2026, 6, 30)),
                "last_quarter": (date(2026, 4, 1), date(2026, 6, 30)),
                "last_half_year": (date(2026, 1, 1), date(2026, 6, 30)),
            },
            date(2024, 3, 31): {
                "last_month": (date(2024, 2, 1), date(2024, 2, 29)),
            },
        }
        for today, periods in cases.items():
            for period, bounds in periods.items():
                with self.subTest(today=today, period=period):
                    self.assertEqual(period_bounds(period, today), bounds)
        self.assertIsNone(period_bounds("custom", date(2026, 5, 15)))
        with freeze_time("2026-05-15 12:00:00"):
            wizard = (
                self.env["sms.gateway.usage.export"]
                .with_user(self.user_accountant)
                .create({"period": "last_quarter"})
            )
            self.assertEqual(
                (wizard.date_from, wizard.date_to),
                (date(2026, 1, 1), date(2026, 3, 31)),
            )
            self.assertEqual(wizard.company_ids, self.company_a)
            wizard.period = "last_month"
            self.assertEqual(
                (wizard.date_from, wizard.date_to),
                (date(2026, 4, 1), date(2026, 4, 30)),
            )
            # In the form: a preset fills the dates, a date typed by hand makes
            # the period custom and stays.
            Export = self.env["sms.gateway.usage.export"].with_user(
                self.user_accountant
            )
            with Form(Export) as form:
                self.assertEqual(form.period, "last_month")
                form.period = "last_half_year"
                self.assertEqual(form.date_from, date(2025, 7, 1))
                self.assertEqual(form.date_to, date(2025, 12, 31))
                form.date_from = date(2025, 9, 15)
                self.assertEqual(form.period, "custom")
                self.assertEqual(form.date_from, date(2025, 9, 15))
                self.assertEqual(form.date_to, date(2025, 12, 31))
            self.assertEqual(form.record.date_from, date(2025, 9, 15))

    def test_from_after_to_is_refused(self):
        Export = self.env["sms.gateway.usage.export"].with_user(self.user_accountant)
        with self.assertRaisesMessage(
            ValidationError, "The period starts after it ends"
        ):
            Export.create(
                {
                    "period": "custom",
                    "date_from": date(2026, 3, 1),
                    "date_to": date(2026, 2, 1),
                }
            )
        wizard = Export.create({"period": "last_month"})
        with self.assertRaisesMessage(
            ValidationError, "The period starts after it ends"
        ):
            wizard.write({"date_from": date(2026, 3, 1), "date_to": date(2026, 2, 1)})

    def test_totals_agree(self):
        """XLSX totals = pivot (read_group) totals = direct counts."""
        both = self.company_a | self.company_b
        cases = [
            (date(2026, 1, 1), date(2026, 1, 31), self.company_a, "user_id"),
            (date(2026, 2, 1), date(2026, 2, 28), self.company_a, "user_id"),
            (date(2026, 1, 1), date(2026, 3, 31), both, "user_id"),
            (date(2026, 1, 1), date(2026, 6, 30), both, "group_id"),
            (date(2026, 4, 1), date(2026, 6, 30), self.company_b, "group_id"),
            (date(2025, 12, 1), date(2026, 7, 31), both, "user_id"),
        ]
        Report = self.env["sms.gateway.usage.report"].with_context(
            tz=TZ, allowed_company_ids=both.ids
        )
        for date_from, date_to, companies, key in cases:
            with self.subTest(start=date_from, companies=companies.ids, key=key):
                grouping = "user" if key == "user_id" else "group"
                wizard, book = self.export(
                    self.user_manager, date_from, date_to, companies, grouping
                )
                start, end = utc_bounds(date_from, date_to)
                self.assertEqual(wizard._sms_utc_bounds(), (start, end))
                direct = self.direct_counts(start, end, companies, key)
                self.assertTrue(direct)
                pivot = {
                    record.id or None: tuple(values)
                    for record, *values in Report._read_group(
                        wizard._sms_usage_domain(),
                        [key],
                        [
                            "sms_count:sum",
                            "parts:sum",
                            "delivered_parts:sum",
                            "email_count:sum",
                            "message_count:sum",
                        ],
                    )
                }
                self.assertEqual(pivot, direct)
                rows, totals = self.summary_rows(book["Summary"])
                self.assertEqual(rows, self.names(direct, key))
                self.assertEqual(totals, self.totals(direct))
                # Detail: one row per message, the same totals.
                _header, detail = self.detail_rows(book["Detail"])
                self.assertEqual(len(detail), totals[4])
                self.assertEqual(sum(r["Parts"] for r in detail), totals[1])
                self.assertEqual(sum(r["Delivered parts"] for r in detail), totals[2])
                self.assertEqual(sum(r["Type"] == "E-mail" for r in detail), totals[3])
                # Accounts: parts and cost per account, provider and currency.
                costs = self.direct_costs(start, end, companies)
                providers = {}
                for values in book["Accounts"].iter_rows(min_row=2, values_only=True):
                    providers[values[0], values[1], values[2]] = values[3:]
                Account = self.env["sms.gateway.account"].with_context(
                    active_test=False
                )
                self.assertEqual(
                    {k: v[:3] for k, v in providers.items()},
                    {
                        (
                            Account.browse(account).name,
                            sms_gateway_usage_export.providers.PROVIDERS[code].label,
                            self.env["res.currency"].browse(currency).name,
                        ): values[:3]
                        for (account, code, currency), values in costs.items()
                    },
                )
                # Every SMS counted went through an account.
                self.assertTrue(all(key[0] for key in costs))
                self.assertEqual(sum(v[1] for v in providers.values()), totals[1])
                self.assertAlmostEqual(
                    sum(v[3] for v in providers.values()),
                    float(sum(v[3] for v in costs.values())),
                    places=6,
                )

    def test_cell_types_and_layout(self):
        wizard, book = self.export(
            self.user_manager, date(2026, 2, 1), date(2026, 2, 28)
        )
        summary, detail, providers = book["Summary"], book["Detail"], book["Accounts"]
        self.assertEqual(book.sheetnames, ["Summary", "Detail", "Accounts"])
        self.assertEqual(summary.freeze_panes, f"B{SUMMARY_HEADER_ROW + 1}")
        self.assertEqual(detail.freeze_panes, "A2")
        self.assertEqual(providers.freeze_panes, "A2")
        self.assertEqual(summary["B2"].value, datetime(2026, 2, 1))
        self.assertTrue(summary["B2"].is_date)
        header, rows = self.detail_rows(detail)
        self.assertEqual(
            header,
            [
                "Sent by",
                "Id",
                "Number",
                "Text",
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
        self.assertEqual(detail.auto_filter.ref, f"A1:N{len(rows) + 1}")
        # Company A's SMS prices are in euros: one cost column.
        self.assertTrue(summary.auto_filter.ref.startswith(f"A{SUMMARY_HEADER_ROW}:H"))
        self.assertTrue(providers.auto_filter.ref.startswith("A1:G"))
        self.assertEqual(
            [cell.value for cell in providers[1]],
            [
                "SMS account",
                "Provider",
                "Currency",
                "SMS messages",
                "Parts",
                "Delivered parts",
                "Cost",
            ],
        )
        self.assertGreater(detail.column_dimensions["A"].width, 20)
        tz = pytz.timezone(TZ)
        messages = {m.id: m for m in self.messages}
        for row, cells in zip(rows, detail.iter_rows(min_row=2), strict=True):
            message = messages[row["Id"]]
            local = pytz.utc.localize(message.sent_at).astimezone(tz)
            self.assertIsInstance(row["Id"], int)
            self.assertIsInstance(row["Parts"], int)
            self.assertIsInstance(row["Date"], datetime)
            self.assertTrue(cells[10].is_date)
            self.assertEqual(row["Date"], datetime.combine(local.date(), time.min))
            self.assertIsInstance(row["Time"], time)
            self.assertAlmostEqual(
                seconds(row["Time"]), seconds(local.time()), delta=0.01
            )
            self.assertEqual(row["Text"], message.body[:25])
            self.assertEqual(row["Characters"], message.chars)
            self.assertEqual(row["Sent by"], message.user_id.name)
            expected_recipients = (
                len(
                    message.mailing_id.message_ids.filtered(
                        lambda m: m.state in BILLABLE
                    )
                )
                if message.mailing_id
                else 1
            )
            self.assertEqual(row["Recipients of its mailing"], expected_recipients)
        # 2026-01-31 22:30 UTC is 1 February 00:30 in Helsinki.
        edge = next(row for row in rows if row["Id"] == self.messages[0].id)
        self.assertEqual(edge["Date"], datetime(2026, 2, 1))
        self.assertAlmostEqual(seconds(edge["Time"]), 30 * 60, delta=0.01)
        # Summary numbers are numbers.
        for cells in summary.iter_rows(min_row=SUMMARY_HEADER_ROW + 1):
            for cell in cells[1:7]:
                self.assertIsInstance(cell.value, int)
        self.assertEqual(wizard.attachment_id.res_model, "sms.gateway.usage.export")
        self.assertEqual(wizard.attachment_id.res_id, wizard.id)
        self.assertEqual(
            wizard.attachment_id.name, "sms_usage_2026-02-01_2026-02-28.xlsx"
        )

    def test_accountant_gets_no_texts(self):
        _wizard, book = self.export(
            self.user_accountant, date(2025, 12, 1), date(2026, 7, 31)
        )
        header, rows = self.detail_rows(book["Detail"])
        self.assertNotIn("Text", header)
        self.assertEqual(len(header), 13)
        self.assertTrue(rows)
        texts = {m.body[:10] for m in self.messages}
        for sheet in book:
            for values in sheet.iter_rows(values_only=True):
                for value in values:
                    if isinstance(value, str):
                        self.assertFalse(
                            any(text in value for text in texts), f"text in {value!r}"
                        )
        # Everybody's usage of company A, nothing of B.
        ids = {row["Id"] for row in rows}
        expected = self.messages.filtered(
            lambda m: m.company_id == self.company_a and m.state in BILLABLE
        )
        self.assertEqual(ids, set(expected.ids))

    def test_user_exports_own_usage(self):
        _wizard, book = self.export(self.user_sms, date(2025, 12, 1), date(2026, 7, 31))
        _header, rows = self.detail_rows(book["Detail"])
        own = self.messages.filtered(
            lambda m: m.user_id == self.user_sms and m.state in BILLABLE
        )
        self.assertEqual({row["Id"] for row in rows}, set(own.ids))
        self.assertEqual({row["Sent by"] for row in rows}, {self.user_sms.name})
        summary, _totals = self.summary_rows(book["Summary"])
        self.assertEqual(list(summary), [self.user_sms.name])

    def test_company_isolation(self):
        _wizard, book = self.export(self.user_b, date(2025, 12, 1), date(2026, 7, 31))
        _header, rows = self.detail_rows(book["Detail"])
        self.assertTrue(rows)
        b_ids = set(
            self.messages.filtered(lambda m: m.company_id == self.company_b).ids
        )
        self.assertLessEqual({row["Id"] for row in rows}, b_ids)
        # Company A cannot even be chosen by a user of company B.
        Export = self.env["sms.gateway.usage.export"].with_user(self.user_b)
        with self.assertRaises(AccessError):
            Export.create(
                {"period": "last_month", "company_ids": [(6, 0, self.company_a.ids)]}
            ).action_export()
        # Exports (and their files) are their author's only.
        mine, _book = self.export(self.user_sms, date(2026, 1, 1), date(2026, 1, 31))
        with self.assertRaisesMessage(AccessError, "sms.gateway.usage.export"):
            mine.with_user(self.user_sms2).read(["date_from"])
        with self.assertRaises(AccessError):
            mine.attachment_id.with_user(self.user_sms2).read(["raw"])

    def test_empty_period(self):
        wizard, book = self.export(
            self.user_manager,
            date(2020, 1, 1),
            date(2020, 1, 31),
            self.company_a | self.company_b,
        )
        self.assertEqual(book.sheetnames, ["Summary", "Detail", "Accounts"])
        rows, totals = self.summary_rows(book["Summary"])
        self.assertEqual(rows, {})
        self.assertEqual(totals, (0, 0, 0, 0, 0))
        header, detail = self.detail_rows(book["Detail"])
        self.assertEqual(len(header), 14)
        self.assertEqual(detail, [])
        self.assertEqual(book["Detail"].freeze_panes, "A2")
        self.assertEqual(book["Accounts"].max_row, 1)
        # A new export replaces the file.
        first = wizard.attachment_id
        wizard.action_export()
        self.assertFalse(first.exists())
        self.assertTrue(wizard.attachment_id)

    def test_group_grouping(self):
        _wizard, book = self.export(
            self.user_manager, date(2026, 1, 1), date(2026, 6, 30), grouping="group"
        )
        rows, _totals = self.summary_rows(book["Summary"])
        self.assertIn("(No group)", rows)
        self.assertIn("Asiakkaat", rows)
        header, detail = self.detail_rows(book["Detail"])
        self.assertEqual(header[0], "Group")
        self.assertEqual({row["Group"] for row in detail}, set(rows))

    def test_detail_goes_on_in_a_second_sheet(self):
        """Beyond Excel's 1,048,575 rows the detail continues in another sheet."""
        with patch.object(sms_gateway_usage_export, "XLSX_MAX_ROW", 20):
            _wizard, book = self.export(
                self.user_manager, date(2025, 12, 1), date(2026, 7, 31)
            )
        details = [name for name in book.sheetnames if name.startswith("Detail")]
        self.assertGreater(len(details), 2)
        rows = []
        for name in details:
            header, sheet_rows = self.detail_rows(book[name])
            self.assertEqual(header[1], "Id")
            self.assertLessEqual(len(sheet_rows), 20)
            rows += sheet_rows
        _rows, totals = self.summary_rows(book["Summary"])
        self.assertEqual(len(rows), totals[4])
        self.assertEqual(len({row["Id"] for row in rows}), totals[4])


@tagged("post_install", "-at_install", "sms_gateway_usage")
class TestUsageExportDownload(HttpCase):
    def test_download(self):
        """The file downloads through /web/content, for its author only."""
        accountant = new_test_user(
            self.env,
            login="sms_accountant_dl",
            groups="base.group_user,sms_gateway.group_sms_gateway_accountant",
        )
        other = new_test_user(
            self.env,
            login="sms_accountant_other",
            groups="base.group_user,sms_gateway.group_sms_gateway_accountant",
        )
        wizard = (
            self.env["sms.gateway.usage.export"]
            .with_user(accountant)
            .create({"period": "last_quarter"})
        )
        action = wizard.action_export()
        self.assertEqual(action["type"], "ir.actions.act_url")
        self.authenticate(accountant.login, "sms_accountant_dl")
        response = self.url_open(action["url"])
        self.assertEqual(response.status_code, 200)
        self.assertIn("attachment", response.headers["Content-Disposition"])
        self.assertIn(".xlsx", response.headers["Content-Disposition"])
        self.assertEqual(response.content, wizard.attachment_id.raw)
        book = openpyxl.load_workbook(io.BytesIO(response.content))
        self.assertEqual(book.sheetnames, ["Summary", "Detail", "Accounts"])
        self.authenticate(other.login, "sms_accountant_other")
        response = self.url_open(action["url"])
        self.assertNotEqual(response.status_code, 200)
