# Copyright 2026 sms_gateway authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Import contacts into an SMS group from a CSV or XLSX file.

Columns (first line, any case and order): ``name`` and ``mobile`` (required),
``email``, ``note`` (at most 255 characters) and ``consent`` (granted, unknown
or refused). Each line is matched to an existing contact by its normalized
mobile number, then by email; otherwise a contact is created (consent source
"import", consent from the column or the wizard's default). Lines with the
same number (or, without a number, the same email) are merged.

The work is done in batches: numbers are normalized in Python, existing
contacts are found with one query on the numbers and one on the emails, new
contacts are created with ``create()`` of a list, and memberships go in with
one INSERT. A file that cannot be read (empty, header only, unknown column,
binary, too big, or too costly to read: see ``tools.table_file.Limits``)
raises a UserError and changes nothing; with "all or nothing" one refused line
imports nothing.

The report is an XLSX file whose cells are all written as text (or numbers):
a value such as ``=HYPERLINK(...)`` taken from the imported file is shown as
it is and never runs as a formula in a spreadsheet.
"""

import base64
import binascii
import io
import re

import xlsxwriter

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import email_normalize

from ..models.sms_gateway_group_member import NOTE_MAX_LENGTH
from ..tools import phone as phone_tools
from ..tools.table_file import Limits, TableFileError, read_table

REQUIRED_COLUMNS = ("name", "mobile")
OPTIONAL_COLUMNS = ("email", "note", "consent")
CONSENT_WORDS = {
    "granted": "granted",
    "yes": "granted",
    "y": "granted",
    "true": "granted",
    "1": "granted",
    "refused": "refused",
    "opted out": "refused",
    "opt-out": "refused",
    "unknown": "unknown",
}
DEFAULT_MAX_SIZE_MB = 10
DEFAULT_MAX_LINES = 200_000
# Reading the file (not the import itself) stops after this many seconds.
DEFAULT_MAX_READ_SECONDS = 8
# Characters XML (and so XLSX) cannot hold.
REPORT_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")
CREATE_BATCH = 1000
# Context for creating thousands of partners: no chatter message, no follower.
CREATE_CONTEXT = {
    "mail_create_nolog": True,
    "mail_create_nosubscribe": True,
    "mail_notrack": True,
}


class _Line:
    """One data line of the file and what the import does with it."""

    __slots__ = (
        "consent",
        "e164",
        "email",
        "email_key",
        "messages",
        "mobile",
        "name",
        "note",
        "number",
        "partner_id",
        "result",
    )

    def __init__(self, number, cells):
        self.number = number
        self.name = cells.get("name", "")
        self.mobile = cells.get("mobile", "")
        self.email = cells.get("email", "")
        self.note = cells.get("note", "")
        self.consent = cells.get("consent", "")
        self.e164 = False
        self.email_key = False
        self.result = False
        self.partner_id = False
        self.messages = []

    def refuse(self, message):
        self.result = "refused"
        self.messages.append(message)


class SmsGatewayGroupImport(models.TransientModel):
    _name = "sms.gateway.group.import"
    _description = "Import Contacts into an SMS Group"

    group_id = fields.Many2one("sms.gateway.group", required=True)
    file = fields.Binary(attachment=False)
    filename = fields.Char()
    country_id = fields.Many2one(
        "res.country",
        string="Country of Numbers",
        default=lambda self: self.env.company.country_id,
        help="Numbers written without a country code (040 123 4567) are read as "
        "numbers of this country.",
    )
    default_consent = fields.Selection(
        [("unknown", "Unknown"), ("granted", "Granted"), ("refused", "Refused")],
        string="Consent of New Contacts",
        default="unknown",
        required=True,
        help="SMS consent of the contacts the import creates, for lines without a "
        "consent column value. Existing contacts keep their consent.",
    )
    all_or_nothing = fields.Boolean(
        string="All or Nothing",
        help="Import nothing when a line is refused.",
    )
    state = fields.Selection(
        [("draft", "Draft"), ("done", "Done")], default="draft", required=True
    )
    summary = fields.Text(readonly=True)
    line_count = fields.Integer(string="Lines", readonly=True)
    created_count = fields.Integer(string="Contacts Created", readonly=True)
    matched_count = fields.Integer(string="Existing Contacts", readonly=True)
    merged_count = fields.Integer(string="Duplicates Merged", readonly=True)
    refused_count = fields.Integer(string="Lines Refused", readonly=True)
    added_count = fields.Integer(string="Members Added", readonly=True)
    already_count = fields.Integer(string="Already Members", readonly=True)
    is_imported = fields.Boolean(readonly=True)
    line_ids = fields.One2many(
        "sms.gateway.group.import.line",
        "wizard_id",
        string="Reported Lines",
        readonly=True,
        help="Refused lines, merged duplicates and lines with a warning. The "
        "report file lists every line.",
    )
    report_file = fields.Binary(string="Report", attachment=False, readonly=True)
    report_filename = fields.Char(readonly=True)

    @api.constrains("group_id")
    def _check_group_id(self):
        """A forged group id: an import never names a group the user cannot see."""
        for wizard in self:
            wizard.group_id._sms_check_exist()
            wizard.group_id.check_access("read")

    # ------------------------------------------------------------------
    # Limits
    # ------------------------------------------------------------------

    @api.model
    def _get_limit(self, key, default):
        value = self.env["ir.config_parameter"].sudo().get_param(key)
        try:
            return int(value) if value else default
        except ValueError:
            return default

    @api.model
    def _max_size_mb(self):
        return self._get_limit(
            "sms_gateway.group_import_max_size_mb", DEFAULT_MAX_SIZE_MB
        )

    @api.model
    def _max_lines(self):
        return self._get_limit("sms_gateway.group_import_max_lines", DEFAULT_MAX_LINES)

    @api.model
    def _read_limits(self):
        """What reading one file may cost (cells, unpacked size, time...)."""
        return Limits(
            max_rows=self._max_lines(),
            max_seconds=self._get_limit(
                "sms_gateway.group_import_max_seconds", DEFAULT_MAX_READ_SECONDS
            ),
        )

    # ------------------------------------------------------------------
    # Reading the file
    # ------------------------------------------------------------------

    def _read_file(self):
        """Table of the uploaded file; UserError for anything unreadable."""
        self.ensure_one()
        if not self.file:
            if self.filename:  # the browser uploaded an empty file
                raise UserError(self.env._("The file is empty: nothing was imported."))
            raise UserError(self.env._("Choose a CSV or XLSX file to import."))
        max_mb = self._max_size_mb()
        # base64 takes 4 bytes for 3: refuse before decoding a huge upload
        if len(self.file) * 3 // 4 > max_mb * 1024 * 1024 + 3:
            size_mb = len(self.file) * 3 / 4 / 1024 / 1024
            raise UserError(
                self.env._(
                    "The file is %(size).1f MB; at most %(max)s MB can be imported "
                    "at once. Split it into smaller files. Nothing was imported.",
                    size=size_mb,
                    max=max_mb,
                )
            )
        try:
            data = base64.b64decode(self.file, validate=True)
        except (binascii.Error, ValueError) as error:
            raise UserError(self.env._("The file cannot be read.")) from error
        try:
            return read_table(data, self.filename or "", limits=self._read_limits())
        except TableFileError as error:
            raise UserError(self._table_error_message(error)) from error

    def _table_error_message(self, error):
        params = error.params
        messages = {
            "empty": self.env._("The file is empty: nothing was imported."),
            "binary": self.env._(
                "This file cannot be read as CSV or XLSX (%(detail)s). Export the "
                "list as CSV or XLSX with the columns %(columns)s. Nothing was "
                "imported.",
                detail=str(error),
                columns=self._allowed_columns_text(),
            ),
            "xls": self.env._(
                "Old Excel files (.xls) cannot be read: save the file as .xlsx or "
                ".csv. Nothing was imported."
            ),
            "xlsx": self.env._(
                "The file is not a valid XLSX workbook: save it again as .xlsx, "
                "or as .csv. Nothing was imported."
            ),
            "encoding": self.env._(
                "The characters of the file cannot be read: save it as CSV UTF-8. "
                "Nothing was imported."
            ),
            "too_many_rows": self.env._(
                "The file has more than %(max)s lines: split it into smaller "
                "files. Nothing was imported.",
                max=params.get("max_rows"),
            ),
            "too_many_sheet_rows": self.env._(
                "The file has more than %(max)s rows, counting the empty ones: "
                "delete the empty rows below your contacts (or copy the contacts "
                "into a new sheet), or split the file. Nothing was imported.",
                max=params.get("max_rows"),
            ),
            "too_many_columns": self.env._(
                "Line %(line)s has values beyond column %(max)s: keep only the "
                "columns %(columns)s. Nothing was imported.",
                line=params.get("line"),
                max=params.get("max_columns"),
                columns=self._allowed_columns_text(),
            ),
            "too_many_cells": self.env._(
                "The file has more than %(max)s cells: keep only the columns "
                "%(columns)s, or split the file. Nothing was imported.",
                max=params.get("max_cells"),
                columns=self._allowed_columns_text(),
            ),
            "too_large": self.env._(
                "The workbook unpacks to more than %(max)s MB (or has too many "
                "parts): keep only the contacts sheet, or save it as CSV. Nothing "
                "was imported.",
                max=params.get("max_mb"),
            ),
            "too_many_strings": self.env._(
                "The workbook holds more than %(count)s texts or %(chars)s "
                "characters of text: keep only the contacts sheet, or save it as "
                "CSV. Nothing was imported.",
                count=params.get("max_strings"),
                chars=params.get("max_chars"),
            ),
            "cell_too_long": self.env._(
                "A cell (line %(line)s) has more than %(max)s characters. Nothing "
                "was imported.",
                line=params.get("line") or "?",
                max=params.get("max_chars"),
            ),
            "line_too_long": self.env._(
                "Line %(line)s is longer than %(max)s characters: is this a list "
                "of contacts with the columns %(columns)s? Nothing was imported.",
                line=params.get("line"),
                max=params.get("max_chars"),
                columns=self._allowed_columns_text(),
            ),
            "timeout": self.env._(
                "Reading the file took more than %(seconds)s seconds: split it into "
                "smaller files, or save it as CSV. Nothing was imported.",
                seconds=params.get("seconds"),
            ),
        }
        return messages.get(error.code, str(error))

    @api.model
    def _allowed_columns_text(self):
        return ", ".join(REQUIRED_COLUMNS + OPTIONAL_COLUMNS)

    def _check_header(self, header):
        """Column names in file order; UserError for unknown/missing ones."""
        columns = [cell.strip().lower() for cell in header]
        allowed = set(REQUIRED_COLUMNS + OPTIONAL_COLUMNS)
        unknown = [header[i] for i, col in enumerate(columns) if col not in allowed]
        if unknown:
            raise UserError(
                self.env._(
                    "Unknown column(s) in the first line: %(unknown)s. The allowed "
                    "columns are: %(allowed)s (name and mobile are required). "
                    "Nothing was imported.",
                    unknown=", ".join(f'"{name}"' for name in unknown),
                    allowed=self._allowed_columns_text(),
                )
            )
        doubled = sorted({col for col in columns if columns.count(col) > 1})
        if doubled:
            raise UserError(
                self.env._(
                    "The column(s) %(columns)s appear more than once. Nothing was "
                    "imported.",
                    columns=", ".join(doubled),
                )
            )
        missing = [col for col in REQUIRED_COLUMNS if col not in columns]
        if missing:
            raise UserError(
                self.env._(
                    "The required column(s) %(missing)s are missing from the first "
                    "line; the allowed columns are: %(allowed)s. Nothing was "
                    "imported.",
                    missing=", ".join(missing),
                    allowed=self._allowed_columns_text(),
                )
            )
        return columns

    # ------------------------------------------------------------------
    # Checking the lines (no database)
    # ------------------------------------------------------------------

    def _parse_lines(self, table, columns):
        """``_Line`` objects, each checked and normalized."""
        region = self.country_id.code or None
        lines = []
        for number, cells in table.rows:
            line = _Line(number, dict(zip(columns, cells, strict=False)))
            if len(cells) > len(columns):
                line.refuse(
                    self.env._(
                        "The line has %(cells)s cells but the first line has "
                        "%(columns)s columns (a separator inside a value?).",
                        cells=len(cells),
                        columns=len(columns),
                    )
                )
            else:
                self._check_line(line, region)
            lines.append(line)
        return lines

    def _check_line(self, line, region):
        if len(line.note) > NOTE_MAX_LENGTH:
            line.refuse(
                self.env._(
                    "Note too long: %(length)s characters, at most %(max)s.",
                    length=len(line.note),
                    max=NOTE_MAX_LENGTH,
                )
            )
        if line.consent:
            consent = CONSENT_WORDS.get(line.consent.strip().lower())
            if consent:
                line.consent = consent
            else:
                line.refuse(
                    self.env._(
                        'Unknown consent "%(value)s": use granted, unknown or refused.',
                        value=line.consent,
                    )
                )
        if line.email:
            line.email_key = email_normalize(line.email)
            if not line.email_key:
                line.refuse(
                    self.env._("Invalid email address: %(email)s.", email=line.email)
                )
        if line.mobile:
            try:
                line.e164 = phone_tools.normalize(line.mobile, region)
            except ValueError as error:
                line.refuse(self.env._("Invalid number: %(error)s.", error=error))
        elif not line.email:
            line.refuse(self.env._("No mobile number and no email."))

    @api.model
    def _merge_duplicates(self, lines):
        """Merge lines with the same number (or email, without a number) into
        the first one; return the first lines of each contact."""
        firsts = {}
        kept = []
        for line in lines:
            if line.result == "refused":
                continue
            key = ("mobile", line.e164) if line.e164 else ("email", line.email_key)
            first = firsts.get(key)
            if first is None:
                firsts[key] = line
                kept.append(line)
                continue
            line.result = "merged"
            line.messages.append(
                self.env._("Same contact as line %(line)s: merged.", line=first.number)
            )
            for attr in ("name", "email", "email_key", "note", "consent"):
                if not getattr(first, attr) and getattr(line, attr):
                    setattr(first, attr, getattr(line, attr))
        return kept

    # ------------------------------------------------------------------
    # Matching and creating contacts (batched)
    # ------------------------------------------------------------------

    def _match_partners(self, lines):
        """Set ``partner_id`` and ``result`` of lines matching a contact."""
        Partner = self.env["res.partner"]
        numbers = list({line.e164 for line in lines if line.e164})
        by_number = {}
        if numbers:
            for partner in Partner.search_fetch(
                [("sms_number", "in", numbers)],
                ["sms_number", "sms_consent"],
                order="id",
            ):
                by_number.setdefault(partner.sms_number, partner)
        emails = list(
            {line.email_key for line in lines if line.email_key}
            - {line.email_key for line in lines if line.e164 in by_number}
        )
        by_email = {}
        if emails:
            for partner in Partner.search_fetch(
                [("email_normalized", "in", emails)],
                ["email_normalized", "sms_consent"],
                order="id",
            ):
                by_email.setdefault(partner.email_normalized, partner)
        for line in lines:
            partner = by_number.get(line.e164)
            line.result = "matched_mobile"
            if not partner:
                partner = by_email.get(line.email_key)
                line.result = "matched_email"
            if not partner:
                line.result = False
                continue
            line.partner_id = partner.id
            if line.consent and line.consent != partner.sms_consent:
                line.messages.append(
                    self.env._(
                        "The contact's consent (%(consent)s) is kept: an import does "
                        "not change the consent of existing contacts.",
                        consent=partner.sms_consent,
                    )
                )

    def _check_new_partner_lines(self, lines):
        may_create = self.env["res.partner"].has_access("create")
        for line in lines:
            if line.partner_id:
                continue
            if not may_create:
                line.refuse(
                    self.env._(
                        "No existing contact has this number or email, and you may "
                        "not create contacts (ask for the Contact Creation right)."
                    )
                )
            elif not line.name:
                line.refuse(self.env._("Missing name: a new contact needs a name."))
            elif not line.e164:
                line.refuse(
                    self.env._(
                        "No mobile number, and no contact has this email: a new "
                        "contact needs a mobile number."
                    )
                )

    def _prepare_partner_values(self, line):
        consent = line.consent or self.default_consent
        values = {
            "name": line.name,
            "mobile": line.e164,
            "sms_consent": consent,
            "sms_consent_source": "import",
        }
        if line.email:
            values["email"] = line.email
        if consent != "unknown":
            values["sms_consent_date"] = fields.Datetime.now()
        return values

    def _create_partners(self, lines):
        to_create = [line for line in lines if not line.partner_id]
        Partner = self.env["res.partner"].with_context(**CREATE_CONTEXT)
        for start in range(0, len(to_create), CREATE_BATCH):
            batch = to_create[start : start + CREATE_BATCH]
            partners = Partner.create(
                [self._prepare_partner_values(li) for li in batch]
            )
            for line, partner in zip(batch, partners, strict=True):
                line.partner_id = partner.id
                line.result = "created"
            # keep memory flat over tens of thousands of partners
            self.env.invalidate_all()
        return len(to_create)

    def _add_warnings(self, lines):
        """Warn about numbers that will get no SMS (landline, opted out)."""
        numbers = [line.e164 for line in lines if line.e164]
        listed = set()
        if numbers:
            listed = set(
                self.env["phone.blacklist"]
                .sudo()
                .search_fetch(
                    [("number", "in", numbers), ("active", "=", True)], ["number"]
                )
                .mapped("number")
            )
        for line in lines:
            if not line.e164:
                continue
            if line.e164 in listed:
                line.messages.append(
                    self.env._(
                        "%(number)s is on the opt-out list: no SMS is sent to it.",
                        number=line.e164,
                    )
                )
            elif not phone_tools.is_mobile(line.e164):
                line.messages.append(
                    self.env._(
                        "%(number)s is not a mobile number: no SMS is sent to it.",
                        number=line.e164,
                    )
                )

    # ------------------------------------------------------------------
    # The import
    # ------------------------------------------------------------------

    def action_import(self):
        self.ensure_one()
        self.group_id._sms_check_can_edit()
        table = self._read_file()
        columns = self._check_header(table.header)
        if not table.rows:
            raise UserError(
                self.env._(
                    "The file has a first line (%(header)s) but no contact lines: "
                    "nothing was imported.",
                    header=", ".join(table.header),
                )
            )
        lines = self._parse_lines(table, columns)
        kept = self._merge_duplicates(lines)
        self._match_partners(kept)
        self._check_new_partner_lines(kept)
        refused = [line for line in lines if line.result == "refused"]
        kept = [line for line in kept if line.result != "refused"]
        self._add_warnings(kept)
        results = {"created": 0, "added": 0, "already": 0}
        do_import = not (refused and self.all_or_nothing)
        if do_import:
            results["created"] = self._create_partners(kept)
            results["added"], results["already"] = self._add_members(kept)
        self._write_results(lines, refused, do_import, results)
        return {
            "type": "ir.actions.act_window",
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "target": "new",
            "name": self.env._("Import into %s", self.group_id.display_name),
        }

    def _add_members(self, lines):
        notes = {}
        for line in lines:
            if line.partner_id not in notes or (
                line.note and not notes[line.partner_id]
            ):
                notes[line.partner_id] = line.note
        return self.env["sms.gateway.group.member"]._insert_sql(
            self.group_id.id, values=list(notes.items())
        )

    def _write_results(self, lines, refused, do_import, results):
        merged = sum(1 for line in lines if line.result == "merged")
        matched = sum(
            1 for line in lines if line.result in ("matched_mobile", "matched_email")
        )
        if do_import:
            summary = self.env._(
                "%(lines)s lines read: %(added)s contacts added to the group "
                "(%(created)s created, %(matched)s existing, %(already)s already "
                "members), %(merged)s duplicates merged, %(refused)s lines refused.",
                lines=len(lines),
                added=results["added"],
                created=results["created"],
                matched=matched,
                already=results["already"],
                merged=merged,
                refused=len(refused),
            )
        else:
            summary = self.env._(
                "Nothing was imported: %(refused)s of %(lines)s lines are refused and "
                "you asked for all or nothing. Correct them and import again.",
                refused=len(refused),
                lines=len(lines),
            )
        reported = [
            line
            for line in lines
            if line.result in ("refused", "merged") or line.messages
        ]
        self.line_ids.unlink()
        self.env["sms.gateway.group.import.line"].create(
            [
                {
                    "wizard_id": self.id,
                    "line_number": line.number,
                    "result": line.result or "refused",
                    "name": line.name[:200],
                    "mobile": line.mobile[:64],
                    "email": line.email[:200],
                    "partner_id": line.partner_id if do_import else False,
                    "message": " ".join(line.messages),
                }
                for line in reported
            ]
        )
        self.write(
            {
                "state": "done",
                "is_imported": do_import,
                "summary": summary,
                "line_count": len(lines),
                "created_count": results["created"],
                "matched_count": matched,
                "merged_count": merged,
                "refused_count": len(refused),
                "added_count": results["added"],
                "already_count": results["already"],
                "report_file": base64.b64encode(self._report_xlsx(lines, do_import)),
                "report_filename": f"{(self.filename or 'import').rsplit('.', 1)[0]}"
                "-report.xlsx",
                "file": False,
            }
        )

    def _report_xlsx(self, lines, do_import):
        """Every line of the file with what the import did, as XLSX bytes.

        Values from the file are written as text cells (``write_string``),
        never as formulas, whatever they start with (= + - @).
        """
        labels = dict(
            self.env["sms.gateway.group.import.line"]
            ._fields["result"]
            ._description_selection(self.env)
        )
        output = io.BytesIO()
        workbook = xlsxwriter.Workbook(
            output,
            {
                "constant_memory": True,
                "strings_to_formulas": False,
                "strings_to_numbers": False,
                "strings_to_urls": False,
            },
        )
        sheet = workbook.add_worksheet(self.env._("Report")[:31])
        headers = [
            self.env._("Line"),
            self.env._("Name"),
            self.env._("Mobile"),
            self.env._("Email"),
            self.env._("Result"),
            self.env._("Contact ID"),
            self.env._("Message"),
        ]
        for column, (header, width) in enumerate(
            zip(headers, (8, 30, 18, 30, 24, 12, 60), strict=True)
        ):
            sheet.set_column(column, column, width)
            sheet.write_string(0, column, header)
        sheet.freeze_panes(1, 0)
        for row, line in enumerate(lines, start=1):
            result = line.result or "refused"
            result_text = (
                labels.get(result, result)
                if do_import or result == "refused"
                else self.env._("Not imported")
            )
            sheet.write_number(row, 0, line.number)
            for column, text in (
                (1, line.name),
                (2, line.mobile),
                (3, line.email),
                (4, result_text),
                (6, " ".join(line.messages)),
            ):
                sheet.write_string(row, column, _report_text(text))
            if do_import and line.partner_id:
                sheet.write_number(row, 5, line.partner_id)
        workbook.close()
        return output.getvalue()

    def action_back(self):
        """Import another file into the same group."""
        self.ensure_one()
        self.line_ids.unlink()
        self.write({"state": "draft", "summary": False, "report_file": False})
        return {
            "type": "ir.actions.act_window",
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "target": "new",
        }


def _report_text(value):
    """``value`` as the text of an XLSX cell: no character XML cannot hold,
    at most the 32,767 characters a cell holds."""
    return REPORT_CONTROL_CHARS.sub("", str(value or ""))[:32767]
