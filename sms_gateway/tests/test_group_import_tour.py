# Copyright 2026 sms_gateway authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The group import in a real browser, from the group's form: a Polish ERP
user's Windows-1250 file, a Finnish secretary's UTF-8 file with one line in
another encoding, and a file whose phone column the user maps."""

from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tools import mute_logger


@tagged("post_install", "-at_install")
class TestGroupImportTour(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.user = new_test_user(
            cls.env,
            login="import_tour_user",
            password="import_tour_user_pw1",
            name="Import Tour User",
            groups="base.group_user,base.group_partner_manager,"
            "sms_gateway.group_sms_gateway_user",
        )
        cls.group = (
            cls.env["sms.gateway.group"]
            .with_user(cls.user)
            .create({"name": "Import Tour Group"})
            .with_env(cls.env)
        )

    # The refusals the tours provoke are logged by Odoo's web server.
    @mute_logger("odoo.http")
    def run_import_tour(self, tour):
        self.start_tour(
            f"/odoo/action-sms_gateway.sms_gateway_group_action/{self.group.id}",
            tour,
            login=self.user.login,
        )
        return {
            member.partner_id.name: member.partner_id
            for member in self.env["sms.gateway.group.member"].search(
                [("group_id", "=", self.group.id)]
            )
        }

    def test_polish_erp_file(self):
        """Windows-1250, Polish headers, local numbers read as Polish ones
        (the SMS default country, not the company's country), one unknown
        consent word left unknown with a warning (orange banner)."""
        company = self.env.company
        company.country_id = self.env.ref("base.fi")
        company.sms_gateway_country_id = self.env.ref("base.pl")
        partners = self.run_import_tour("sms_gateway_group_import_polish_tour")
        self.assertEqual(
            {
                name: (partner.sms_number, partner.sms_consent)
                for name, partner in partners.items()
            },
            {
                "Łukasz Żółkiewski": ("+48501719301", "granted"),
                "Małgorzata Wiśniewska": ("+48602719302", "refused"),
                "Grzegorz Brzęczyszczykiewicz": ("+48791719303", "unknown"),
            },
        )
        for partner in partners.values():
            self.assertEqual(partner.sms_consent_source, "import")

    def test_finnish_register_with_one_windows_line(self):
        """A UTF-8 file with one Windows-1252 line is refused naming the line,
        read as Windows-1252 it is refused too (its UTF-8 lines would be
        garbled); the corrected file goes in whole, green."""
        self.env.company.country_id = self.env.ref("base.fi")
        partners = self.run_import_tour("sms_gateway_group_import_finnish_tour")
        self.assertEqual(
            {
                name: (partner.sms_number, partner.sms_consent, partner.email or "")
                for name, partner in partners.items()
            },
            {
                "Päivi Äänekoski": ("+358407190101", "granted", "paivi@example.com"),
                "Jörgen Öhman": ("+358507190102", "refused", ""),
                "Kaisa Sääski": ("+358447190103", "granted", ""),
            },
        )
        # the refused attempts created no contact, garbled or not
        garbled = self.env["res.partner"].search(
            ["|", ("name", "like", "Ã"), ("name", "like", "\ufffd")]
        )
        self.assertFalse(garbled)
        self.assertEqual(
            self.env["res.partner"].search_count([("name", "ilike", "Sääski")]), 1
        )

    def test_phone_column_mapped_by_the_user(self):
        """No column is recognised as the phone: Import asks for it, the user
        sets the column to Phone in the list and imports."""
        self.env.company.country_id = self.env.ref("base.fi")
        partners = self.run_import_tour("sms_gateway_group_import_mapping_tour")
        self.assertEqual(
            {name: partner.sms_number for name, partner in partners.items()},
            {"Matti Virtanen": "+358407190201", "Liisa Korhonen": "+358507190202"},
        )
