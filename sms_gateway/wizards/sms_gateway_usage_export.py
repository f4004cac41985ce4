# Copyright 2026 sms_gateway authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Billing export of SMS usage: one .xlsx for a period and companies.

Sheets:

- *Summary*: the period, then one row per user who sent (*Sent by*), per
  sender name (the name the phone shows) or per group, with SMS messages,
  parts, delivered parts, e-mails, all messages and the cost (one column per
  currency, its code in the header), and a totals row. The figures come from
  ``sms.gateway.usage.report`` with the same domain as the pivot, so both
  agree.
- *Detail*: one row per message that went out: the user (sender name or
  group), id, the number (the address of an e-mail), the first 25
  characters of the text (only for users who may read texts: the sender's
  own texts, every text for managers; an accountant who is also a User
  counts everybody's messages but reads only their own texts; the column is
  left out for who reads none, so an Accountant's file has no text),
  characters, parts, delivered parts, status, cost and its currency, date
  and time (in the exporting user's time zone), type and the number of
  recipients its mailing went to.
- *Accounts*: SMS, parts, delivered parts and cost per SMS account, provider and
  currency.

The detail is streamed: a server-side cursor (``DECLARE ... FETCH``) feeds
xlsxwriter in ``constant_memory`` mode, which writes each row to a temporary
file, so memory does not grow with the number of messages. Dates and times
are Excel serial numbers with date and time formats (what xlsxwriter's
``write_datetime`` writes), computed by PostgreSQL.

The file is kept as an attachment of the export record and downloaded
through ``/web/content``. Export records (and so their files) are their
author's only (record rule) and are vacuumed like any wizard.
"""

import hashlib
import os
import shutil
import tempfile
from datetime import datetime, time, timedelta

import pytz
import xlsxwriter
from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import AccessError, ValidationError
from odoo.tools import SQL

from ..report.sms_gateway_usage_report import BILLABLE_STATES
from ..tools import providers

XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Rows fetched from the server-side cursor at a time.
FETCH_SIZE = 5000
# Characters of the text shown in the detail.
TEXT_PREVIEW = 25
# Excel's last row (1,048,576 rows, the first is the header).
XLSX_MAX_ROW = 1_048_575
PERIODS = [
    ("this_month", "This Month"),
    ("last_month", "Last Month"),
    ("last_quarter", "Last Quarter"),
    ("last_half_year", "Last Half-Year"),
    ("this_year", "This Year"),
    ("custom", "Custom"),
]
GROUPINGS = [
    ("user", "By User (Sent by)"),
    ("sender", "By Sender Name"),
    ("group", "By Group"),
]
# The report's field each grouping cuts by.
GROUPING_FIELDS = {"user": "user_id", "sender": "sender_name", "group": "group_id"}
SUMMARY_MEASURES = [
    "sms_count:sum",
    "parts:sum",
    "delivered_parts:sum",
    "email_count:sum",
    "message_count:sum",
    "received_count:sum",
    "cost:sum",
]
PROVIDER_MEASURES = ["sms_count:sum", "parts:sum", "delivered_parts:sum", "cost:sum"]


def period_bounds(period, today):
    """(first day, last day) of ``period`` seen from ``today``.

    ``this_month`` and ``this_year``: from the first day of ``today``'s month
    (year) to ``today``; ``last_month``: the previous month;
    ``last_quarter``: the previous calendar quarter; ``last_half_year``: the
    previous half (January-June or July-December). None for any other period.
    """
    first_of_month = today.replace(day=1)
    if period == "this_month":
        return first_of_month, today
    if period == "this_year":
        return first_of_month.replace(month=1), today
    if period == "last_month":
        start = first_of_month
    elif period == "last_quarter":
        start = first_of_month.replace(month=3 * ((today.month - 1) // 3) + 1)
    elif period == "last_half_year":
        start = first_of_month.replace(month=1 if today.month <= 6 else 7)
    else:
        return None
    months = {"last_month": 1, "last_quarter": 3, "last_half_year": 6}[period]
    return start - relativedelta(months=months), start - timedelta(days=1)


class SmsGatewayUsageExport(models.TransientModel):
    _name = "sms.gateway.usage.export"
    _description = "SMS Usage Billing Export"

    period = fields.Selection(PERIODS, default="last_month", required=True)
    date_from = fields.Date(
        string="From",
        compute="_compute_dates",
        store=True,
        readonly=False,
        required=True,
        precompute=True,
    )
    date_to = fields.Date(
        string="To",
        compute="_compute_dates",
        store=True,
        readonly=False,
        required=True,
        precompute=True,
        help="Included: the export covers whole days, in your time zone.",
    )
    company_ids = fields.Many2many(
        "res.company",
        string="Companies",
        required=True,
        default=lambda self: self.env.companies,
        domain=lambda self: [("id", "in", self.env.user.company_ids.ids)],
    )
    grouping = fields.Selection(
        GROUPINGS,
        default="user",
        required=True,
        help="Sent by: the Odoo user who sent; Sender Name: the name the phone "
        "shows; Group: the recipient group.",
    )
    attachment_id = fields.Many2one("ir.attachment", string="File", readonly=True)

    @api.depends("period")
    def _compute_dates(self):
        today = fields.Date.context_today(self)
        for export in self:
            bounds = period_bounds(export.period, today)
            if bounds:
                export.date_from, export.date_to = bounds
            else:
                export.date_from = export.date_from or today.replace(day=1)
                export.date_to = export.date_to or today

    @api.onchange("date_from", "date_to")
    def _onchange_dates(self):
        for export in self:
            if (export.date_from, export.date_to) != period_bounds(
                export.period, fields.Date.context_today(self)
            ):
                export.period = "custom"

    @api.constrains("date_from", "date_to")
    def _check_period(self):
        for export in self:
            if (
                export.date_from
                and export.date_to
                and export.date_from > export.date_to
            ):
                raise ValidationError(
                    self.env._(
                        "The period starts after it ends (from %(start)s to %(end)s): "
                        "choose a start date on or before the end date.",
                        start=export.date_from,
                        end=export.date_to,
                    )
                )

    # ------------------------------------------------------------------
    # Export
    # ------------------------------------------------------------------

    def action_export(self):
        """Write the workbook, keep it as an attachment and download it."""
        self.ensure_one()
        self._check_period()
        fd, path = tempfile.mkstemp(suffix=".xlsx", prefix="sms_gateway_usage_")
        os.close(fd)
        try:
            self._sms_write_workbook(path)
            # The files of this export, whatever ``attachment_id`` was set to.
            self.env["ir.attachment"].sudo().search(
                [("res_model", "=", self._name), ("res_id", "=", self.id)]
            ).unlink()
            self.attachment_id = self._sms_store_file(path)
        finally:
            if os.path.exists(path):
                os.unlink(path)
        return {
            "type": "ir.actions.act_url",
            "url": f"/web/content/{self.attachment_id.id}?download=true",
            "target": "download",
        }

    def _sms_store_file(self, path):
        """The workbook at ``path`` as an attachment of the export.

        With attachments in the filestore (Odoo's default), the file is moved
        there under its checksum, as ``ir.attachment`` names it, without ever
        being read into memory (a million rows make a 50 MB file).
        """
        Attachment = self.env["ir.attachment"].sudo()
        values = {
            "name": self._sms_file_name(),
            "mimetype": XLSX_MIMETYPE,
            "res_model": self._name,
            "res_id": self.id,
        }
        if Attachment._storage() != "file":
            with open(path, "rb") as file:
                return Attachment.create(dict(values, raw=file.read()))
        sha1, size = hashlib.sha1(), 0
        with open(path, "rb") as file:
            for block in iter(lambda: file.read(1 << 20), b""):
                sha1.update(block)
                size += len(block)
        checksum = sha1.hexdigest()
        fname = f"{checksum[:2]}/{checksum}"
        full_path = Attachment._full_path(fname)
        os.makedirs(os.path.dirname(full_path), exist_ok=True)
        if not os.path.exists(full_path):
            shutil.move(path, full_path)
            # Removed by the filestore's garbage collection if we roll back.
            Attachment._mark_for_gc(fname)
        attachment = Attachment.create(values)
        # ir.attachment takes these three only from content it reads itself.
        self.env.cr.execute(
            SQL(
                "UPDATE ir_attachment SET store_fname = %s, file_size = %s, "
                "checksum = %s WHERE id = %s",
                fname,
                size,
                checksum,
                attachment.id,
            )
        )
        attachment.invalidate_recordset()
        return attachment

    def _sms_file_name(self):
        start, end = self.date_from.isoformat(), self.date_to.isoformat()
        return f"sms_usage_{start}_{end}.xlsx"

    def _sms_tz(self):
        """The exporting user's time zone: the client's, if it is a real one."""
        for tz in (self.env.context.get("tz"), self.env.user.tz):
            if tz and tz in pytz.all_timezones_set:
                return tz
        return "UTC"

    def _sms_utc_bounds(self):
        """The period as UTC datetimes [start, end): whole days in the user's tz."""
        tz = pytz.timezone(self._sms_tz())

        def utc(day):
            local = tz.localize(datetime.combine(day, time.min))
            return local.astimezone(pytz.utc).replace(tzinfo=None)

        return utc(self.date_from), utc(self.date_to + timedelta(days=1))

    def _sms_usage_domain(self):
        """Domain of the report rows this export counts (the pivot's too)."""
        start, end = self._sms_utc_bounds()
        return [
            ("date", ">=", start),
            ("date", "<", end),
            ("company_id", "in", self.company_ids.ids),
            # What went out, and the replies (counted apart).
            ("state", "in", (*BILLABLE_STATES, "received")),
        ]

    def _sms_report(self):
        """The report, restricted to the chosen companies (record rules on)."""
        foreign = self.company_ids - self.env.user.company_ids
        if foreign and not self.env.su:
            raise AccessError(
                self.env._(
                    "You cannot export the SMS usage of %(companies)s: you do not "
                    "have access to these companies.",
                    companies=", ".join(foreign.mapped("name")),
                )
            )
        return self.env["sms.gateway.usage.report"].with_context(
            allowed_company_ids=self.company_ids.ids
        )

    def _sms_can_read_texts(self):
        """Whether the detail has a text column: for who may read texts."""
        Message = self.env["sms.gateway.message"]
        return Message._fields["body"].is_accessible(self.env)

    def _sms_key_field(self):
        return GROUPING_FIELDS[self.grouping]

    def _sms_key_label(self):
        return {
            "user": self.env._("Sent by"),
            "sender": self.env._("Sender name"),
            "group": self.env._("Group"),
        }[self.grouping]

    def _sms_no_key_label(self):
        return {
            "user": self.env._("(No user)"),
            "sender": self.env._("(No sender name)"),
            "group": self.env._("(No group)"),
        }[self.grouping]

    def _sms_key_name(self, value):
        """The summary's name of a group key (a record or a sender name)."""
        if isinstance(value, models.BaseModel):
            return value.sudo().display_name if value else self._sms_no_key_label()
        return value or self._sms_no_key_label()

    def _sms_styles(self, workbook):
        return {
            "title": workbook.add_format({"bold": True, "font_size": 14}),
            "bold": workbook.add_format({"bold": True}),
            "header": workbook.add_format(
                {"bold": True, "bg_color": "#E9ECEF", "bottom": 1, "text_wrap": True}
            ),
            "date": workbook.add_format({"num_format": "yyyy-mm-dd"}),
            "time": workbook.add_format({"num_format": "hh:mm:ss"}),
            "int": workbook.add_format({"num_format": "#,##0"}),
            "total_int": workbook.add_format(
                {"num_format": "#,##0", "bold": True, "top": 1}
            ),
            "total": workbook.add_format({"bold": True, "top": 1}),
            "cost": workbook.add_format({"num_format": "#,##0.00##"}),
            "total_cost": workbook.add_format(
                {"num_format": "#,##0.00##", "bold": True, "top": 1}
            ),
        }

    def _sms_write_workbook(self, path):
        self.env["sms.gateway.message"].flush_model()
        report = self._sms_report()
        domain = self._sms_usage_domain()
        workbook = xlsxwriter.Workbook(
            path,
            {
                "constant_memory": True,
                "tmpdir": os.path.dirname(path),
                "default_date_format": "yyyy-mm-dd",
            },
        )
        workbook.set_properties(
            {
                "title": self.env._("SMS usage"),
                "subject": self._sms_period_label(),
                "author": self.env.user.name,
                "company": ", ".join(self.company_ids.mapped("name")),
            }
        )
        styles = self._sms_styles(workbook)
        summary = workbook.add_worksheet(self.env._("Summary"))
        detail = workbook.add_worksheet(self.env._("Detail"))
        provider_sheet = workbook.add_worksheet(self.env._("Accounts"))
        self._sms_write_summary(summary, styles, report, domain)
        self._sms_write_providers(provider_sheet, styles, report, domain)
        self._sms_write_detail(workbook, detail, styles, report, domain)
        workbook.close()

    def _sms_period_label(self):
        return self.env._(
            "%(start)s to %(end)s",
            start=fields.Date.to_string(self.date_from),
            end=fields.Date.to_string(self.date_to),
        )

    @staticmethod
    def _sms_write_header(sheet, row, labels, widths, style):
        for col, (label, width) in enumerate(zip(labels, widths, strict=True)):
            sheet.set_column(col, col, width)
            sheet.write_string(row, col, label, style)

    def _sms_summary_rows(self, report, domain):
        """(currency codes, rows): one row per key, (name, sms, parts,
        delivered parts, e-mails, all messages, received SMS, cost in each
        currency)."""
        key = self._sms_key_field()
        by_key = {}
        # The companies' SMS price currencies, even for a period without cost.
        currencies = {
            (company.sms_gateway_currency_id or company.currency_id).name
            for company in self.company_ids.sudo()
        }
        for value, currency, *measures in report._read_group(
            domain, [key, "currency_id"], SUMMARY_MEASURES
        ):
            name = self._sms_key_name(value)
            counts, costs = by_key.setdefault(name, ([0] * 6, {}))
            for index, measure in enumerate(measures[:6]):
                counts[index] += measure or 0
            code = currency.sudo().name or ""
            currencies.add(code)
            costs[code] = costs.get(code, 0.0) + float(measures[6] or 0)
        codes = sorted(currencies)
        rows = sorted(
            (
                (name, *counts, *(costs.get(code, 0.0) for code in codes))
                for name, (counts, costs) in by_key.items()
            ),
            key=lambda row: (row[0].casefold(), row[1:]),
        )
        return codes, rows

    def _sms_write_summary(self, sheet, styles, report, domain):
        """Period, then one row per key (user, sender name or group) and the
        totals; the cost in one column per currency."""
        codes, rows = self._sms_summary_rows(report, domain)
        sheet.write_string(0, 0, self.env._("SMS usage"), styles["title"])
        sheet.write_string(1, 0, self.env._("From"), styles["bold"])
        sheet.write_datetime(
            1, 1, datetime.combine(self.date_from, time.min), styles["date"]
        )
        sheet.write_string(2, 0, self.env._("To"), styles["bold"])
        sheet.write_datetime(
            2, 1, datetime.combine(self.date_to, time.min), styles["date"]
        )
        sheet.write_string(3, 0, self.env._("Companies"), styles["bold"])
        sheet.write_string(3, 1, ", ".join(self.company_ids.mapped("name")))
        sheet.write_string(4, 0, self.env._("Time zone"), styles["bold"])
        sheet.write_string(4, 1, self._sms_tz())
        header_row = 6
        self._sms_write_header(
            sheet,
            header_row,
            [
                self._sms_key_label(),
                self.env._("SMS messages"),
                self.env._("Parts"),
                self.env._("Delivered parts"),
                self.env._("E-mails"),
                self.env._("All messages"),
                self.env._("Received SMS"),
                *(
                    self.env._("Cost (%(currency)s)", currency=code)
                    if code
                    else self.env._("Cost")
                    for code in codes
                ),
            ],
            [32, 14, 12, 16, 12, 14, 14, *([14] * len(codes))],
            styles["header"],
        )
        last_col = 6 + len(codes)
        totals = [0] * last_col
        row = header_row
        for row_values in rows:
            row += 1
            sheet.write_string(row, 0, row_values[0])
            for col, value in enumerate(row_values[1:], start=1):
                style = styles["int"] if col <= 6 else styles["cost"]
                sheet.write_number(row, col, value or 0, style)
                totals[col - 1] += value or 0
        sheet.autofilter(header_row, 0, row, last_col)
        sheet.freeze_panes(header_row + 1, 1)
        row += 1
        sheet.write_string(row, 0, self.env._("Total"), styles["total"])
        for col, value in enumerate(totals, start=1):
            style = styles["total_int"] if col <= 6 else styles["total_cost"]
            sheet.write_number(row, col, value, style)

    def _sms_write_providers(self, sheet, styles, report, domain):
        """SMS, parts, delivered parts and cost per account, provider and
        currency."""
        groups = report._read_group(
            domain + [("channel", "=", "sms")],
            ["account_id", "provider", "currency_id"],
            PROVIDER_MEASURES,
        )
        self._sms_write_header(
            sheet,
            0,
            [
                self.env._("SMS account"),
                self.env._("Provider"),
                self.env._("Currency"),
                self.env._("SMS messages"),
                self.env._("Parts"),
                self.env._("Delivered parts"),
                self.env._("Cost"),
            ],
            [28, 20, 10, 14, 12, 16, 14],
            styles["header"],
        )
        rows = sorted(
            (
                (
                    account.sudo().name or self.env._("(None)"),
                    self._sms_provider_label(code),
                    currency.sudo().name or "",
                    *values,
                )
                for account, code, currency, *values in groups
            ),
            key=lambda row: (row[0].casefold(), row[1].casefold(), row[2]),
        )
        row = 0
        for row_values in rows:
            row += 1
            for col in (0, 1, 2):
                sheet.write_string(row, col, row_values[col])
            for col in (3, 4, 5):
                sheet.write_number(row, col, row_values[col] or 0, styles["int"])
            sheet.write_number(row, 6, float(row_values[6] or 0), styles["cost"])
        sheet.autofilter(0, 0, row, 6)
        sheet.freeze_panes(1, 0)

    def _sms_provider_label(self, code):
        if not code:
            return self.env._("(None)")
        provider_class = providers.PROVIDERS.get(code)
        return provider_class.label if provider_class else code

    def _sms_detail_query(self, report, domain, with_text):
        """SQL of the detail rows, with the report's record rules.

        Columns: key (user, sender name or group), id, number (an e-mail's
        address), text (only ``with_text``; NULL for the texts the user may
        not read: other senders' texts but for managers), characters,
        parts, delivered parts, status label, cost, currency code, date and
        time (Excel serial numbers in the user's time zone), type label,
        recipients of the mailing.
        """
        query = report._search(domain)
        alias = query.table

        def column(name):
            return SQL.identifier(alias, name)

        if self.grouping == "user":
            users = query.left_join(alias, "user_id", "res_users", "id", "user_id")
            partner = query.left_join(
                users, "partner_id", "res_partner", "id", "partner"
            )
            key = SQL.identifier(partner, "name")
        elif self.grouping == "sender":
            key = column("sender_name")
        else:
            group = query.left_join(
                alias, "group_id", "sms_gateway_group", "id", "group_id"
            )
            key = SQL.identifier(group, "name")
        message = query.left_join(alias, "id", "sms_gateway_message", "id", "message")
        currency = query.left_join(
            alias, "currency_id", "res_currency", "id", "currency_id"
        )
        if with_text:
            # Only the texts of messages the user reads under the message
            # rules (a User who is also an Accountant reads everybody's
            # usage, and only their own texts).
            readable = report.env["sms.gateway.message"]._search([])
            text = SQL(
                "CASE WHEN %s IN %s THEN left(%s, %s) END",
                SQL.identifier(message, "id"),
                readable.subselect(),
                SQL.identifier(message, "body"),
                TEXT_PREVIEW,
            )
        else:
            text = None
        query.add_join(
            "LEFT JOIN",
            "mailing_recipients",
            SQL(
                """(SELECT mailing_id, count(*) AS recipients
                      FROM sms_gateway_message
                     WHERE mailing_id IS NOT NULL AND state IN %s
                     GROUP BY mailing_id)""",
                BILLABLE_STATES,
            ),
            SQL("mailing_recipients.mailing_id = %s", column("mailing_id")),
        )
        local = SQL("timezone(%s, timezone('UTC', %s))", self._sms_tz(), column("date"))
        types = dict(report._fields["channel"]._description_selection(self.env))
        states = report._fields["state"]._description_selection(self.env)
        status = SQL(
            "CASE %s %s END",
            column("state"),
            SQL(" ").join(
                SQL("WHEN %s THEN %s", code, label) for code, label in states
            ),
        )
        query.order = SQL("%s, %s, %s", key, column("date"), column("id"))
        selected = [
            SQL("COALESCE(%s, %s)", key, self._sms_no_key_label()),
            column("id"),
            SQL(
                "COALESCE(%s, %s, '')",
                SQL.identifier(message, "number"),
                SQL.identifier(message, "email"),
            ),
            *([text] if text is not None else []),
            SQL("COALESCE(%s, 0)", column("chars")),
            column("parts"),
            column("delivered_parts"),
            status,
            SQL("COALESCE(%s, 0)::float8", column("cost")),
            SQL("COALESCE(%s, '')", SQL.identifier(currency, "name")),
            SQL("(%s::date - DATE '1899-12-30')", local),
            SQL("(EXTRACT(EPOCH FROM %s::time) / 86400.0)::float8", local),
            SQL(
                "CASE WHEN %s = 'sms' THEN %s ELSE %s END",
                column("channel"),
                types["sms"],
                types["email"],
            ),
            SQL("COALESCE(mailing_recipients.recipients, 1)"),
        ]
        return query.select(*selected)

    def _sms_write_detail(self, workbook, sheet, styles, report, domain):
        """One row per message, streamed from a server-side cursor.

        This loop writes millions of cells: it keeps to plain ``write_number``
        and ``write_string`` calls, without formats on integers.
        """
        with_text = self._sms_can_read_texts()
        # (label, width, kind) in the order of the query's columns.
        columns = [
            (self._sms_key_label(), 28, "string"),
            (self.env._("Id"), 10, "number"),
            (self.env._("Number"), 16, "string"),
            (self.env._("Text"), 28, "string"),
            (self.env._("Characters"), 11, "number"),
            (self.env._("Parts"), 8, "number"),
            (self.env._("Delivered parts"), 10, "number"),
            (self.env._("Status"), 12, "string"),
            (self.env._("Cost"), 10, "cost"),
            (self.env._("Currency"), 9, "string"),
            (self.env._("Date"), 11, "date"),
            (self.env._("Time"), 9, "time"),
            (self.env._("Type"), 8, "string"),
            (self.env._("Recipients of its mailing"), 12, "number"),
        ]
        text_col = 3
        if not with_text:
            del columns[text_col]
        labels = [label for label, _width, _kind in columns]
        widths = [width for _label, width, _kind in columns]
        kinds = [kind for _label, _width, kind in columns]
        last_col = len(columns) - 1
        formats = {
            "date": styles["date"],
            "time": styles["time"],
            "cost": styles["cost"],
        }

        def start(sheet):
            self._sms_write_header(sheet, 0, labels, widths, styles["header"])
            sheet.freeze_panes(1, 0)

        def writers(sheet):
            """Per column: (write, format) of its kind."""
            return [
                (
                    sheet.write_string if kind == "string" else sheet.write_number,
                    formats.get(kind),
                )
                for kind in kinds
            ]

        start(sheet)
        cr = self.env.cr
        cursor = SQL.identifier("sms_gateway_usage_detail")
        cr.execute(
            SQL(
                "DECLARE %s NO SCROLL CURSOR FOR %s",
                cursor,
                self._sms_detail_query(report, domain, with_text),
            )
        )
        row = sheets = 0
        sheet_writers = writers(sheet)
        try:
            while True:
                cr.execute(SQL("FETCH FORWARD %s FROM %s", FETCH_SIZE, cursor))
                rows = cr.fetchall()
                if not rows:
                    break
                for values in rows:
                    if row == XLSX_MAX_ROW:
                        # Excel's limit: go on in another sheet.
                        sheet.autofilter(0, 0, row, last_col)
                        sheets += 1
                        sheet = workbook.add_worksheet(
                            self.env._("Detail %(number)s", number=sheets + 1)
                        )
                        start(sheet)
                        sheet_writers = writers(sheet)
                        row = 0
                    row += 1
                    for col, value in enumerate(values):
                        if value is None or value == "":
                            continue
                        write, style = sheet_writers[col]
                        if style is None:
                            write(row, col, value)
                        else:
                            write(row, col, value, style)
        finally:
            cr.execute(SQL("CLOSE %s", cursor))
        sheet.autofilter(0, 0, row, last_col)
