# Copyright 2026 sms_gateway authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Attacks on the usage report and the billing export.

Figures are for the sender (own), accountants and managers (all of their
companies); texts only for the sender and managers, never through the report
or an accountant's export; an export file is its author's only; names that
look like spreadsheet formulas stay text.
"""

import io
import zipfile
from datetime import date, datetime

import openpyxl

from odoo.exceptions import AccessError
from odoo.tests import HttpCase, JsonRpcException, tagged
from odoo.tools import mute_logger

from .common import SmsGatewaySecurityCase

PERIOD = (date(2026, 3, 1), date(2026, 3, 31))
FORMULAS = [
    '=HYPERLINK("http://evil.example","x")',
    "+1+1",
    "-2+3",
    "@SUM(1,2)",
    "=cmd|' /C calc'!A0",
]


class UsageSecurityCase(SmsGatewaySecurityCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_a = cls.env.company
        for user in (
            cls.user_sms,
            cls.user_sms_other,
            cls.user_sms_accountant,
            cls.user_accountant,
            cls.user_manager,
            cls.user_sms_b,
        ):
            user.tz = "Europe/Helsinki"
        cls.partner = cls.env["res.partner"].create({"name": "Recipient"})
        cls.group = cls.env["sms.gateway.group"].create(
            {"name": FORMULAS[3], "user_id": cls.user_sms_other.id}
        )
        values = {
            "partner_id": cls.partner.id,
            "number": "+358401234567",
            "channel": "sms",
            "chars": 20,
            "parts": 1,
            "state": "delivered",
            "sent_at": datetime(2026, 3, 10, 10, 0),
            "company_id": cls.company_a.id,
        }
        Message = cls.env["sms.gateway.message"]
        cls.own_message = Message.create(
            dict(values, user_id=cls.user_sms_accountant.id, body="Ulla's own text")
        )
        cls.other_messages = Message.create(
            [
                dict(values, user_id=cls.user_sms.id, body="Sanna's private text"),
                dict(
                    values,
                    user_id=cls.user_sms_other.id,
                    group_id=cls.group.id,
                    body=FORMULAS[0],
                ),
            ]
        )
        cls.message_b = Message.create(
            dict(
                values,
                user_id=cls.user_sms_b.id,
                company_id=cls.company_b.id,
                body="B company text",
            )
        )
        cls.env.flush_all()

    def export(self, user, grouping="user", companies=None):
        Export = self.env["sms.gateway.usage.export"].with_user(user)
        companies = companies or user.company_id
        wizard = Export.with_context(allowed_company_ids=companies.ids).create(
            {
                "period": "custom",
                "date_from": PERIOD[0],
                "date_to": PERIOD[1],
                "grouping": grouping,
                "company_ids": [(6, 0, companies.ids)],
            }
        )
        wizard.action_export()
        return wizard

    @staticmethod
    def book(wizard):
        return openpyxl.load_workbook(io.BytesIO(wizard.sudo().attachment_id.raw))

    @staticmethod
    def detail(book):
        sheet = book["Detail"]
        header = [cell.value for cell in sheet[1]]
        return header, [
            dict(zip(header, values, strict=True))
            for values in sheet.iter_rows(min_row=2, values_only=True)
        ]

    @staticmethod
    def visible(Attachment, domain):
        """The attachments ``domain`` finds (none where searching is refused)."""
        try:
            return Attachment.search_read(domain, ["name"])
        except AccessError:
            return []

    @staticmethod
    def strings(book):
        return [
            cell.value
            for sheet in book
            for row in sheet.iter_rows()
            for cell in row
            if isinstance(cell.value, str)
        ]


@tagged("post_install", "-at_install", "sms_gateway_security")
class TestUsageSecurity(UsageSecurityCase):
    def test_user_accountant_export_has_own_texts_only(self):
        """A User who is also an Accountant counts everybody's usage, but the
        export shows only the texts of the SMS they sent themselves."""
        book = self.book(self.export(self.user_sms_accountant))
        header, rows = self.detail(book)
        self.assertIn("Text", header)
        by_id = {row["Id"]: row for row in rows}
        expected = self.own_message | self.other_messages
        self.assertEqual(set(by_id), set(expected.ids))
        self.assertEqual(by_id[self.own_message.id]["Text"], "Ulla's own text")
        for message in self.other_messages:
            self.assertIsNone(by_id[message.id]["Text"], message.body)
        for value in self.strings(book):
            for message in self.other_messages | self.message_b:
                self.assertNotIn(message.body[:10], value)

    def test_managers_and_senders_get_their_texts(self):
        _header, rows = self.detail(self.book(self.export(self.user_manager)))
        texts = {row["Id"]: row["Text"] for row in rows}
        for message in self.own_message | self.other_messages:
            self.assertEqual(texts[message.id], message.body[:25])
        _header, rows = self.detail(self.book(self.export(self.user_sms)))
        self.assertEqual(
            [(row["Id"], row["Text"]) for row in rows],
            [(self.other_messages[0].id, "Sanna's private text")],
        )
        header, rows = self.detail(self.book(self.export(self.user_accountant)))
        self.assertNotIn("Text", header)
        self.assertEqual(len(rows), 3)

    def test_formulas_stay_text(self):
        """Names of senders, groups and companies and texts that start with
        = + - @ are written as text cells, never as formulas."""
        self.user_sms_other.name = FORMULAS[1]
        self.user_sms.name = FORMULAS[2]
        self.company_a.name = FORMULAS[4]
        self.env.flush_all()
        for grouping in ("user", "group"):
            wizard = self.export(self.user_manager, grouping=grouping)
            raw = wizard.sudo().attachment_id.raw
            with zipfile.ZipFile(io.BytesIO(raw)) as archive:
                for name in archive.namelist():
                    if name.startswith("xl/worksheets/"):
                        self.assertNotIn(b"<f>", archive.read(name), name)
            book = openpyxl.load_workbook(io.BytesIO(raw))
            seen = set()
            for sheet in book:
                for row in sheet.iter_rows():
                    for cell in row:
                        if isinstance(cell.value, str) and cell.value[:1] in "=+-@":
                            self.assertEqual(cell.data_type, "s", cell.value)
                            seen.add(cell.value)
            if grouping == "user":
                self.assertLessEqual(
                    {FORMULAS[0][:25], FORMULAS[1], FORMULAS[2], FORMULAS[4]}, seen
                )
            else:
                self.assertIn(FORMULAS[3], seen)

    def test_export_is_its_authors(self):
        """Another user, accountant, employee or portal user can neither read,
        run, change nor delete an export, nor find or read its file."""
        wizard = self.export(self.user_sms_accountant)
        attachment = wizard.sudo().attachment_id
        self.assertTrue(attachment.raw)
        for user in (
            self.user_sms,
            self.user_accountant,
            self.user_manager,
            self.user_employee,
            self.user_portal,
            self.user_sms_b,
        ):
            theirs = wizard.with_user(user)
            for attempt in (
                lambda w=theirs: w.read(["date_from"]),
                lambda w=theirs: w.action_export(),
                lambda w=theirs: w.write({"grouping": "group"}),
                lambda w=theirs: w.unlink(),
            ):
                with self.assertRaises(AccessError, msg=user.login):
                    attempt()
            file = attachment.with_user(user)
            with self.assertRaises(AccessError, msg=user.login):
                file.read(["raw"])
            with self.assertRaises(AccessError, msg=user.login):
                file.read(["datas"])
            Attachment = self.env["ir.attachment"].with_user(user)
            for domain in (
                [("res_model", "=", "sms.gateway.usage.export")],
                [("id", "=", attachment.id)],
            ):
                self.assertEqual(
                    self.visible(Attachment, domain), [], (user.login, domain)
                )
        self.assertEqual(wizard.grouping, "user")

    def test_file_of_another_export_is_not_replaced_nor_deleted(self):
        """Pointing one's export at another file does not delete that file."""
        theirs = self.export(self.user_sms)
        file = theirs.sudo().attachment_id
        mine = self.export(self.user_sms_other)
        mine.write({"attachment_id": file.id})
        mine.action_export()
        self.assertTrue(file.exists())
        self.assertEqual(theirs.sudo().attachment_id, file)
        self.assertEqual(mine.attachment_id.res_id, mine.id)

    def test_company_isolation(self):
        book = self.book(self.export(self.user_sms_b))
        _header, rows = self.detail(book)
        self.assertEqual([row["Id"] for row in rows], self.message_b.ids)
        with self.assertRaises(AccessError):
            self.export(self.user_sms_accountant, companies=self.company_b)
        Export = self.env["sms.gateway.usage.export"].with_user(self.user_sms_b)
        with self.assertRaises(AccessError):
            Export.create(
                {"period": "last_month", "company_ids": [(6, 0, self.company_a.ids)]}
            ).action_export()
        book = self.book(self.export(self.user_sms_accountant))
        for value in self.strings(book):
            self.assertNotIn(self.company_b.name, value)
            self.assertNotIn(self.user_sms_b.name, value)

    def test_an_unknown_time_zone_falls_back(self):
        """A time zone the client made up neither breaks the export nor
        reaches the SQL: the user's own is used."""
        Export = self.env["sms.gateway.usage.export"].with_user(self.user_sms)
        wizard = Export.with_context(tz="Mars/Olympus'); --").create(
            {"period": "custom", "date_from": PERIOD[0], "date_to": PERIOD[1]}
        )
        wizard.action_export()
        summary = self.book(wizard)["Summary"]
        self.assertEqual(summary["B5"].value, "Europe/Helsinki")

    def test_report_rules_for_two_groups(self):
        """User + Accountant: everybody's figures of the own companies; the
        plain User: own; no text anywhere in the report."""
        Report = self.env["sms.gateway.usage.report"]
        rows = Report.with_user(self.user_sms_accountant).search([])
        self.assertEqual(
            set(rows.ids), set((self.own_message | self.other_messages).ids)
        )
        rows = Report.with_user(self.user_sms).search([])
        self.assertEqual(rows.ids, self.other_messages[:1].ids)
        for user in (self.user_sms_accountant, self.user_sms, self.user_accountant):
            report = Report.with_user(user)
            self.assertFalse(
                {"body", "text", "number", "email"} & set(report.fields_get())
            )
            for attempt in (
                lambda r=report: r.search([("body", "ilike", "private")]),
                lambda r=report: r.read_group([], ["parts:sum"], ["body"]),
                lambda r=report: r.search_read([], ["body"]),
                lambda r=report: r.search([], order="body"),
            ):
                with self.assertRaises(ValueError, msg=user.login):
                    attempt()
        # A plain accountant may not reach texts through the report's links.
        with self.assertRaises(AccessError):
            Report.with_user(self.user_accountant).search(
                [("mailing_id.body", "ilike", "private")]
            )

    def test_report_is_refused_to_others(self):
        for user in (self.user_employee, self.user_portal):
            report = self.env["sms.gateway.usage.report"].with_user(user)
            for attempt in (
                lambda r=report: r.search([]),
                lambda r=report: r.read_group([], ["parts:sum"], ["user_id"]),
                lambda r=report: r.browse(self.own_message.id).read(["parts"]),
                lambda u=user: (
                    self.env["sms.gateway.usage.export"]
                    .with_user(u)
                    .create({"period": "last_month"})
                ),
            ):
                with self.assertRaises(AccessError, msg=user.login):
                    attempt()


@tagged("post_install", "-at_install", "sms_gateway_security")
class TestUsageSecurityHttp(UsageSecurityCase, HttpCase):
    """The export file over HTTP and JSON-RPC, as a browser fetches it."""

    def _call(self, model, method, args, **kwargs):
        return self.make_jsonrpc_request(
            f"/web/dataset/call_kw/{model}/{method}",
            {"model": model, "method": method, "args": args, "kwargs": kwargs},
        )

    @mute_logger("odoo.http", "odoo.addons.base.models.ir_attachment")
    def test_file_downloads_for_its_author_only(self):
        wizard = self.export(self.user_sms_accountant)
        attachment = wizard.sudo().attachment_id
        urls = [
            f"/web/content/{attachment.id}?download=true",
            f"/web/content?model=ir.attachment&id={attachment.id}&field=raw",
            f"/web/content?model=ir.attachment&id={attachment.id}&field=datas",
            f"/web/content/ir.attachment/{attachment.id}/datas",
            (
                f"/web/content?model=sms.gateway.usage.export&id={wizard.id}"
                "&field=attachment_id"
            ),
        ]
        self.authenticate("sms_user_accountant", "sms_user_accountant")
        response = self.url_open(urls[0])
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.content, attachment.raw)
        for login in (
            "sms_user",
            "sms_accountant",
            "sms_manager",
            "plain_employee",
            "portal_user",
            "sms_user_b",
            None,
        ):
            self.authenticate(login, login)
            for url in urls:
                response = self.url_open(url, allow_redirects=False)
                self.assertNotEqual(response.status_code, 200, (login, url))
                self.assertNotIn(b"PK", response.content[:2], (login, url))
            if login is None:
                continue
            for method, args, kwargs in (
                ("search_read", [[("id", "=", attachment.id)]], {"fields": ["raw"]}),
                ("read", [[attachment.id], ["datas"]], {}),
            ):
                try:
                    result = self._call("ir.attachment", method, args, **kwargs)
                except JsonRpcException:
                    continue
                self.assertEqual(result, [], (login, method))
            with self.assertRaises(JsonRpcException, msg=login):
                self._call("sms.gateway.usage.export", "action_export", [[wizard.id]])

    @mute_logger("odoo.http")
    def test_user_accountant_texts_over_rpc(self):
        self.authenticate("sms_user_accountant", "sms_user_accountant")
        result = self._call(
            "sms.gateway.usage.export",
            "create",
            [
                {
                    "period": "custom",
                    "date_from": str(PERIOD[0]),
                    "date_to": str(PERIOD[1]),
                }
            ],
        )
        action = self._call("sms.gateway.usage.export", "action_export", [result])
        response = self.url_open(action["url"])
        self.assertEqual(response.status_code, 200)
        book = openpyxl.load_workbook(io.BytesIO(response.content))
        for value in self.strings(book):
            for message in self.other_messages:
                self.assertNotIn(message.body[:10], value)
        # The report over RPC has no texts either.
        with self.assertRaises(JsonRpcException):
            self._call(
                "sms.gateway.usage.report",
                "search_read",
                [[]],
                fields=["body"],
            )
