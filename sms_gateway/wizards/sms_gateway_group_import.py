# Copyright 2026 sms_gateway authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Import contacts into an SMS group from a CSV or XLSX file.

The file is read first (``action_read_file``): its encoding is found out
(UTF-8 with or without BOM, UTF-16 with BOM, else the Windows encoding whose
reading is plausible) or taken from the user's choice, and a file that mixes
encodings is refused with the line where it changes, never read as mojibake.
Each column is then listed with a sample value and the field it holds
(name, first and last name, phone, email, note, consent, or ignored),
guessed from its header in English, Finnish, Swedish, Polish or Russian
(``tools.import_columns``); the user corrects the mapping and imports
(``action_import``). Called on a draft, ``action_import`` reads the file and
imports at once when every column was recognised, or stops at the mapping.

Numbers without a country code are read with the country the wizard shows,
by default the SMS default country of the company (Settings). Each line is
matched to an existing contact by its normalized mobile number, then by
email; otherwise a contact is created (consent source "import", consent from
the column or the wizard's default; a consent word that is not known leaves
it unknown, with a warning). Lines with the same number (or, without a
number, the same email) are merged.

The work is done in batches: numbers are normalized in Python, existing
contacts are found with one query on the numbers and one on the emails, new
contacts are created with ``create()`` of a list, and memberships go in with
one INSERT. A file that cannot be read (empty, header only, binary, mixed
encodings, too big, or too costly to read: see ``tools.table_file.Limits``)
raises a UserError and changes nothing; with "all or nothing" one refused line
imports nothing. The result is green only when every line went in as it was
written; with a refused line or a warning it is orange and says how many.

The report is an XLSX file whose cells are all written as text (or numbers):
a value such as ``=HYPERLINK(...)`` taken from the imported file is shown as
it is and never runs as a formula in a spreadsheet.
"""

import base64
import binascii
import codecs
import io
import re

import xlsxwriter

from odoo import Command, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import email_normalize

from ..models.sms_gateway_group_member import NOTE_MAX_LENGTH
from ..tools import import_columns
from ..tools import phone as phone_tools
from ..tools.table_file import Limits, TableFileError, read_table

REQUIRED_COLUMNS = ("name", "mobile")
OPTIONAL_COLUMNS = ("email", "note", "consent")
# Encodings the user may choose for a CSV file ("auto": found out).
ENCODINGS = [
    ("auto", "Detect (UTF-8, else Windows)"),
    ("utf-8", "UTF-8"),
    ("utf-16", 'UTF-16 (Excel "Unicode text")'),
    ("cp1252", "Windows-1252 (Western: Finnish, Swedish, English...)"),
    ("cp1250", "Windows-1250 (Central European: Polish, Czech...)"),
    ("cp1251", "Windows-1251 (Cyrillic: Russian...)"),
    ("iso-8859-1", "ISO-8859-1 (Latin-1)"),
    ("iso-8859-2", "ISO-8859-2 (Latin-2)"),
    ("koi8-r", "KOI8-R (Russian)"),
]
# Lines read for the sample value of each column of the mapping step.
SAMPLE_LINES = 50
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
        "consent_word",
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
        "warned",
    )

    def __init__(self, number, cells):
        self.number = number
        names = (cells.get("first_name", ""), cells.get("last_name", ""))
        self.name = cells.get("name", "") or " ".join(part for part in names if part)
        self.mobile = cells.get("mobile", "")
        self.email = cells.get("email", "")
        self.note = cells.get("note", "")
        self.consent = cells.get("consent", "")
        self.e164 = False
        self.email_key = False
        self.result = False
        self.partner_id = False
        self.messages = []
        self.warned = False
        self.consent_word = ""  # a consent word not known: consent unknown

    def refuse(self, message):
        self.result = "refused"
        self.messages.append(message)

    def warn(self, message):
        self.warned = True
        self.messages.append(message)


class SmsGatewayGroupImport(models.TransientModel):
    _name = "sms.gateway.group.import"
    _description = "Import Contacts into an SMS Group"

    group_id = fields.Many2one("sms.gateway.group", required=True)
    file = fields.Binary(attachment=False)
    filename = fields.Char()
    country_id = fields.Many2one(
        "res.country",
        string="Country of Local Numbers",
        default=lambda self: self._default_country_id(),
        help="Numbers written without a country code (040 123 4567) are read as "
        "numbers of this country. By default the SMS default country of Settings; "
        "change it for a file of another country's numbers.",
    )
    country_hint = fields.Char(compute="_compute_country_hint")
    encoding = fields.Selection(
        ENCODINGS,
        default="auto",
        required=True,
        help="Encoding of a CSV file. Detect reads UTF-8, else the Windows "
        "encoding whose letters make sense, and refuses a file that mixes "
        "encodings. Choose the encoding when the names look wrong.",
    )
    read_encoding = fields.Char(readonly=True)  # the choice the columns were read with
    file_encoding = fields.Char(string="File Read As", readonly=True)
    column_ids = fields.One2many(
        "sms.gateway.group.import.column",
        "wizard_id",
        string="Columns",
        help="Each column of the file and what it holds; set the columns you do "
        "not want to Ignore.",
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
        [("draft", "Draft"), ("map", "Columns"), ("done", "Done")],
        default="draft",
        required=True,
    )
    summary = fields.Text(readonly=True)
    line_count = fields.Integer(string="Lines", readonly=True)
    created_count = fields.Integer(string="Contacts Created", readonly=True)
    matched_count = fields.Integer(string="Existing Contacts", readonly=True)
    merged_count = fields.Integer(string="Duplicates Merged", readonly=True)
    refused_count = fields.Integer(string="Lines Refused", readonly=True)
    warned_count = fields.Integer(string="Lines with a Warning", readonly=True)
    result_level = fields.Selection(
        [("success", "Success"), ("warning", "Warning"), ("danger", "Nothing")],
        readonly=True,
    )
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

    @api.model
    def _default_country_id(self):
        """The SMS default country of the company (else its country)."""
        region = self.env.company._sms_gateway_region()
        if not region:
            return False
        return self.env["res.country"].search([("code", "=", region)], limit=1)

    @api.depends("country_id")
    def _compute_country_hint(self):
        for wizard in self:
            country = wizard.country_id
            if country:
                wizard.country_hint = self.env._(
                    "Numbers without a country code (040 123 4567) are read as "
                    "numbers of %(country)s (+%(code)s).",
                    country=country.name,
                    code=country.phone_code,
                )
            else:
                wizard.country_hint = self.env._(
                    "No country chosen: every number must start with its country "
                    "code (+358..., +46..., +48..., +7...)."
                )

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
        encoding = None if self.encoding == "auto" else self.encoding
        try:
            return read_table(
                data,
                self.filename or "",
                limits=self._read_limits(),
                encoding=encoding,
            )
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
                "Line %(line)s cannot be read as %(encoding)s: choose the encoding "
                'of the file in Encoding, or save it again as "CSV UTF-8". '
                "Nothing was imported.",
                line=params.get("line"),
                encoding=params.get("encoding"),
            )
            if params.get("encoding")
            else self.env._(
                "Line %(line)s is not UTF-8, and the encoding of the file cannot be "
                "told from its letters: choose the encoding of the file in "
                'Encoding, or save it again as "CSV UTF-8". Nothing was '
                "imported.",
                line=params.get("line"),
            ),
            "mixed_encoding": self.env._(
                "The file mixes encodings: line %(line)s is not UTF-8 while line "
                "%(utf8_line)s is (a line copied from another file?). Retype the "
                'letters of line %(line)s, or save the whole file again as "CSV '
                'UTF-8". Nothing was imported, and nothing was read with the '
                "wrong letters.",
                line=params.get("line"),
                utf8_line=params.get("utf8_line"),
            ),
            "utf8_line": self.env._(
                "Line %(line)s is UTF-8: read as %(encoding)s its letters would "
                "be garbled. Choose Detect or UTF-8 in Encoding; if a line is in "
                "another encoding, retype its letters or save the whole file "
                'again as "CSV UTF-8". Nothing was imported.',
                line=params.get("line"),
                encoding=self._encoding_name(params.get("encoding")),
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

    # ------------------------------------------------------------------
    # The columns: guessed from the header, corrected by the user
    # ------------------------------------------------------------------

    def _load_columns(self, table):
        """List the columns of ``table`` with a sample and the guessed field."""
        self.ensure_one()
        if not table.rows:
            raise UserError(
                self.env._(
                    "The file has a first line (%(header)s) but no contact lines: "
                    "nothing was imported.",
                    header=", ".join(table.header),
                )
            )
        header = table.header
        width = len(header)
        guesses = import_columns.guess_columns(header)
        samples = []
        for index in range(width):
            sample = next(
                (
                    cells[index]
                    for _number, cells in table.rows[:SAMPLE_LINES]
                    if index < len(cells) and cells[index]
                ),
                "",
            )
            samples.append(sample)
        self.column_ids.unlink()
        self.write(
            {
                "state": "map",
                "read_encoding": self.encoding,
                "file_encoding": self._encoding_label(table),
                "column_ids": [
                    Command.create(
                        {
                            "sequence": index,
                            "header": (header[index] or "")[:200],
                            "sample": samples[index][:200],
                            "field": guesses[index] or "ignore",
                        }
                    )
                    for index in range(width)
                ],
            }
        )
        return guesses

    def _encoding_label(self, table):
        if table.kind == "xlsx":
            return self.env._("XLSX workbook")
        return self._encoding_name(table.encoding)

    @api.model
    def _encoding_name(self, encoding):
        """The name the Encoding field gives a codec (``cp1252``:
        "Windows-1252 (Western...)"), else the codec's own name."""
        labels = {
            codecs.lookup(key).name: label
            for key, label in self._fields["encoding"]._description_selection(self.env)
            if key != "auto"
        }
        return labels.get(encoding, encoding)

    def _mapped_columns(self):
        """The field of each column of the file (None: ignored); UserError
        for a mapping that cannot be imported."""
        self.ensure_one()
        columns = [
            (column.field if column.field != "ignore" else None)
            for column in self.column_ids.sorted("sequence")
        ]
        labels = dict(
            self.env["sms.gateway.group.import.column"]
            ._fields["field"]
            ._description_selection(self.env)
        )
        doubled = sorted({col for col in columns if col and columns.count(col) > 1})
        if doubled:
            raise UserError(
                self.env._(
                    "More than one column is set to %(fields)s: keep one and set the "
                    "others to Ignore. Nothing was imported.",
                    fields=", ".join(labels[col] for col in doubled),
                )
            )
        if "mobile" not in columns:
            raise UserError(
                self.env._(
                    "Choose the column that holds the phone numbers (set it to "
                    "%(phone)s). Nothing was imported.",
                    phone=labels["mobile"],
                )
            )
        if not {"name", "first_name", "last_name"} & set(columns):
            raise UserError(
                self.env._(
                    "Choose the column that holds the names (%(name)s, or %(first)s "
                    "and %(last)s). Nothing was imported.",
                    name=labels["name"],
                    first=labels["first_name"],
                    last=labels["last_name"],
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
            line = _Line(
                number,
                {
                    column: cell
                    for column, cell in zip(columns, cells, strict=False)
                    if column
                },
            )
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
            consent = import_columns.parse_consent(line.consent)
            if consent is None:
                line.consent_word = line.consent
                line.consent = ""
                line.warn(
                    self.env._(
                        'Consent "%(value)s" is not a word the import knows: the '
                        "consent is left unknown. Write yes or no (kyllä/ei, ja/nej, "
                        "tak/nie, да/нет, 1/0, x) in the consent column.",
                        value=line.consent_word[:100],
                    )
                )
            else:
                line.consent = consent
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
                line.warn(
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
        if line.consent_word and not line.consent:
            consent = "unknown"  # the file said something the import cannot read
        else:
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
                line.warn(
                    self.env._(
                        "%(number)s is on the opt-out list: no SMS is sent to it.",
                        number=line.e164,
                    )
                )
            elif not phone_tools.is_mobile(line.e164):
                line.warn(
                    self.env._(
                        "%(number)s is not a mobile number: no SMS is sent to it.",
                        number=line.e164,
                    )
                )

    # ------------------------------------------------------------------
    # The import
    # ------------------------------------------------------------------

    def _reopen(self):
        return {
            "type": "ir.actions.act_window",
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "target": "new",
            "name": self.env._("Import into %s", self.group_id.display_name),
        }

    def action_read_file(self):
        """Read the file and list its columns for the user to map."""
        self.ensure_one()
        self.group_id._sms_check_can_edit()
        self._load_columns(self._read_file())
        return self._reopen()

    def action_import(self):
        self.ensure_one()
        self.group_id._sms_check_can_edit()
        table = self._read_file()
        reread = self.state == "map" and self.read_encoding != self.encoding
        if self.state == "draft" or reread:
            # read for the first time, or with another encoding: the user sees
            # the columns unless every one of them was recognised
            guesses = self._load_columns(table)
            if reread or not self._guess_is_complete(guesses):
                return self._reopen()
        columns = self._mapped_columns()
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
        return self._reopen()

    @api.model
    def _guess_is_complete(self, guesses):
        """Every column recognised, with a phone and a name column."""
        return (
            all(guesses)
            and "mobile" in guesses
            and bool({"name", "first_name", "last_name"} & set(guesses))
        )

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
        warned = sum(1 for line in lines if line.warned and line.result != "refused")
        imported = len(lines) - len(refused)
        if not do_import or not imported:
            level = "danger"
        elif refused or warned:
            level = "warning"
        else:
            level = "success"
        if do_import:
            counts = self.env._(
                "Added to the group: %(added)s (%(created)s new contacts, "
                "%(matched)s existing contacts); already members: %(already)s; "
                "duplicate lines merged: %(merged)s.",
                added=results["added"],
                created=results["created"],
                matched=matched,
                already=results["already"],
                merged=merged,
            )
            if level == "success":
                summary = self.env._(
                    "%(lines)s lines read, all imported: %(counts)s",
                    lines=len(lines),
                    counts=counts,
                )
            else:
                summary = self.env._(
                    "%(lines)s lines read: %(imported)s imported, %(refused)s "
                    "refused, %(warned)s imported with a warning. The lines below "
                    "say why. %(counts)s",
                    lines=len(lines),
                    imported=imported,
                    refused=len(refused),
                    warned=warned,
                    counts=counts,
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
                    "has_warning": line.warned and line.result != "refused",
                    "message": " ".join(line.messages)[:2000],
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
                "warned_count": warned,
                "result_level": level,
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
        self.column_ids.unlink()
        self.write(
            {
                "state": "draft",
                "summary": False,
                "report_file": False,
                "read_encoding": False,
                "file_encoding": False,
                "result_level": False,
            }
        )
        return self._reopen()


def _report_text(value):
    """``value`` as the text of an XLSX cell: no character XML cannot hold,
    at most the 32,767 characters a cell holds."""
    return REPORT_CONTROL_CHARS.sub("", str(value or ""))[:32767]
