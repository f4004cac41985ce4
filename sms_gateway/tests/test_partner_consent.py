# Copyright 2026 sms_gateway authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Partner SMS consent, SMS numbers and the opt-out list shared with Odoo."""

from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import SmsGatewayCase


@tagged("post_install", "-at_install")
class TestPartnerNumber(SmsGatewayCase):
    def test_mobile_normalized_with_partner_country(self):
        partner = self.Partner.create(
            {
                "name": "Sven",
                "country_id": self.country_se.id,
                "mobile": "070-123 45 67",
            }
        )
        self.assertEqual(partner.sms_number, "+46701234567")
        self.assertEqual(partner.sms_number_state, "mobile")
        self.assertFalse(partner.sms_number_error)

    def test_company_country_when_partner_has_none(self):
        partner = self.Partner.create({"name": "Matti", "mobile": "040 123 4567"})
        self.assertEqual(partner.sms_number, "+358401234567")
        self.assertEqual(partner.sms_number_state, "mobile")

    def test_polish_erp_form_without_plus(self):
        partner = self.Partner.create(
            {
                "name": "Łukasz",
                "country_id": self.country_pl.id,
                "mobile": "48501234567",
            }
        )
        self.assertEqual(partner.sms_number, "+48501234567")

    def test_landline_is_flagged(self):
        partner = self.Partner.create(
            {"name": "Aino", "country_id": self.country_fi.id, "mobile": "09 1234 5678"}
        )
        self.assertEqual(partner.sms_number_state, "landline")
        self.assertTrue(partner.sms_number.startswith("+3589"))
        self.assertIn("not a mobile", partner.sms_number_error)

    def test_bad_numbers_are_flagged_with_a_reason(self):
        for raw in ("+7 12", "abc", "+358 40 123 4567 8901 2345"):
            partner = self.Partner.create(
                {"name": raw, "country_id": self.country_ru.id, "mobile": raw}
            )
            self.assertEqual(partner.sms_number_state, "invalid", raw)
            self.assertFalse(partner.sms_number, raw)
            self.assertTrue(partner.sms_number_error, raw)

    def test_missing_number(self):
        partner = self.Partner.create({"name": "Nobody"})
        self.assertEqual(partner.sms_number_state, "missing")
        self.assertFalse(partner.sms_number)

    def test_phone_used_when_it_is_the_only_mobile(self):
        partner = self.Partner.create(
            {
                "name": "Åsa",
                "country_id": self.country_se.id,
                "mobile": "08-123 456 78",  # Stockholm landline
                "phone": "073 123 45 67",
            }
        )
        self.assertEqual(partner.sms_number, "+46731234567")
        self.assertEqual(partner.sms_number_state, "mobile")

    def test_number_follows_country_change(self):
        partner = self.Partner.create(
            {"name": "Moved", "country_id": self.country_fi.id, "mobile": "0701234567"}
        )
        self.assertNotEqual(partner.sms_number, "+46701234567")
        partner.country_id = self.country_se
        self.assertEqual(partner.sms_number, "+46701234567")
        self.assertEqual(partner.sms_number_state, "mobile")


@tagged("post_install", "-at_install")
class TestPartnerConsent(SmsGatewayCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.granted = cls.Partner.create(
            {
                "name": "Granted",
                "country_id": cls.country_fi.id,
                "mobile": "+358 40 111 2222",
                "sms_consent": "granted",
            }
        )
        # Same person, same number, entered twice (a typical duplicate).
        cls.twin = cls.Partner.create(
            {"name": "Twin", "country_id": cls.country_fi.id, "mobile": "0401112222"}
        )
        cls.other = cls.Partner.create(
            {
                "name": "Other",
                "country_id": cls.country_fi.id,
                "mobile": "+358 40 333 4444",
                "sms_consent": "granted",
            }
        )

    def test_new_partner_consent_is_unknown(self):
        self.assertEqual(self.twin.sms_consent, "unknown")
        self.assertFalse(self.twin.sms_consent_date)

    def test_consent_given_at_creation_is_stamped(self):
        self.assertEqual(self.granted.sms_consent_source, "manual")
        self.assertTrue(self.granted.sms_consent_date)

    def test_blacklisting_refuses_every_partner_with_the_number(self):
        self.Blacklist.sudo().add("+358401112222")
        for partner in self.granted | self.twin:
            self.assertEqual(partner.sms_consent, "refused", partner.name)
            self.assertEqual(partner.sms_consent_source, "opt_out")
            self.assertTrue(partner.sms_consent_date)
            self.assertTrue(partner.sms_is_blacklisted)
        self.assertEqual(self.other.sms_consent, "granted")
        self.assertFalse(self.other.sms_is_blacklisted)

    def test_unblacklisting_does_not_grant_consent(self):
        self.Blacklist.sudo().add("+358401112222")
        self.Blacklist.sudo().remove("+358401112222")
        self.assertFalse(self.granted.sms_is_blacklisted)
        self.assertEqual(self.granted.sms_consent, "refused")
        note = self.granted.message_ids[:1]
        self.assertIn("removed from the SMS opt-out list", note.body)
        # A person grants it again, explicitly.
        self.granted.action_sms_consent_grant()
        self.assertEqual(self.granted.sms_consent, "granted")

    def test_refusing_consent_blacklists_the_number(self):
        self.other.with_user(self.user_manager).action_sms_consent_refuse()
        entry = self.Blacklist.sudo().search([("number", "=", "+358403334444")])
        self.assertTrue(entry.active)
        # Odoo's own SMS marketing reads the same list.
        self.assertTrue(self.other.phone_sanitized_blacklisted)
        self.assertTrue(self.other.sms_is_blacklisted)

    def test_refusing_one_refuses_the_twin(self):
        self.twin.sms_consent = "refused"
        self.assertEqual(self.granted.sms_consent, "refused")
        self.assertEqual(self.granted.sms_consent_source, "opt_out")

    def test_cannot_grant_a_blacklisted_number(self):
        self.Blacklist.sudo().add("+358403334444")
        with self.assertRaisesMessage(UserError, "opt-out list"):
            self.other.sms_consent = "granted"
        self.assertEqual(self.other.sms_consent, "refused")

    def test_new_number_on_the_list_refuses_consent(self):
        self.Blacklist.sudo().add("+358409998888")
        self.other.mobile = "040 999 8888"
        self.assertEqual(self.other.sms_consent, "refused")

    def test_rewriting_the_same_consent_keeps_its_date(self):
        date = self.granted.sms_consent_date
        self.granted.write({"sms_consent": "granted", "city": "Turku"})
        self.assertEqual(self.granted.sms_consent_date, date)
        self.assertEqual(self.granted.city, "Turku")

    def _new_partner(self, mobile):
        """A partner whose creation is done, so that later changes are tracked."""
        partner = self.Partner.create(
            {"name": "Tracked", "country_id": self.country_fi.id, "mobile": mobile}
        )
        self.flush_tracking()
        return partner

    def test_changes_show_in_the_chatter_with_who_and_when(self):
        partner = self._new_partner("0405556666")
        partner.with_user(self.user_manager).write(
            {"sms_consent": "granted", "sms_consent_source": "web_form"}
        )
        self.flush_tracking()
        message = partner.message_ids.filtered("tracking_value_ids")
        self.assertEqual(len(message), 1)
        self.assertEqual(message.author_id, self.user_manager.partner_id)
        self.assertTrue(message.date)
        tracked = message.tracking_value_ids.mapped("field_id.name")
        self.assertIn("sms_consent", tracked)
        self.assertIn("sms_consent_source", tracked)
        self.assertIn("sms_consent_date", tracked)
        consent_value = message.tracking_value_ids.filtered(
            lambda v: v.field_id.name == "sms_consent"
        )
        self.assertEqual(consent_value.old_value_char, "Unknown")
        self.assertEqual(consent_value.new_value_char, "Granted")

    def test_opt_out_shows_in_the_chatter(self):
        partner = self._new_partner("0405557777")
        self.Blacklist.sudo().add("+358405557777")
        self.flush_tracking()
        values = partner.message_ids.tracking_value_ids.filtered(
            lambda v: v.field_id.name == "sms_consent"
        )
        self.assertEqual(len(values), 1)
        self.assertEqual(values.new_value_char, "Refused")
        source = partner.message_ids.tracking_value_ids.filtered(
            lambda v: v.field_id.name == "sms_consent_source"
        )
        self.assertEqual(source.new_value_char, "Opt-out list")


@tagged("post_install", "-at_install")
class TestSendRule(SmsGatewayCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        values = {"country_id": cls.country_fi.id}
        cls.ok = cls.Partner.create(
            dict(values, name="ok", mobile="0401000001", sms_consent="granted")
        )
        cls.unknown = cls.Partner.create(
            dict(values, name="unknown", mobile="0401000002")
        )
        cls.refused = cls.Partner.create(
            dict(values, name="refused", mobile="0401000003", sms_consent="refused")
        )
        cls.listed = cls.Partner.create(
            dict(values, name="listed", mobile="0401000004", sms_consent="granted")
        )
        cls.Blacklist.sudo().add("+358401000004")
        cls.landline = cls.Partner.create(
            dict(values, name="landline", mobile="09 1234 5678", sms_consent="granted")
        )
        cls.bad = cls.Partner.create(
            dict(values, name="bad", mobile="12", sms_consent="granted")
        )
        cls.all = (
            cls.ok | cls.unknown | cls.refused | cls.listed | cls.landline | cls.bad
        )

    def test_bulk_sends_only_to_granted_valid_unlisted_mobiles(self):
        domain = self.Partner._sms_recipient_search_domain(self.all.ids)
        self.assertEqual(self.Partner.search(domain), self.ok)

    def test_exclusion_reasons_bulk(self):
        reasons = self.Partner._sms_recipient_reasons(self.all, kind="bulk")
        self.assertEqual(
            reasons,
            {
                self.ok.id: False,
                self.unknown.id: "no_consent",
                self.refused.id: "opted_out",
                self.listed.id: "opted_out",
                self.landline.id: "landline",
                self.bad.id: "no_mobile",
            },
        )

    def test_single_send_may_reach_unknown_consent_never_refused(self):
        reasons = self.Partner._sms_recipient_reasons(self.all, kind="single")
        self.assertFalse(reasons[self.unknown.id])
        self.assertEqual(reasons[self.refused.id], "opted_out")
        self.assertEqual(reasons[self.listed.id], "opted_out")

    def test_search_filters_of_the_partner_list(self):
        arch = self.Partner.get_views([(False, "search")])["views"]["search"]["arch"]
        for name in ("sms_consent_granted", "sms_opted_out", "sms_no_valid_mobile"):
            self.assertIn(f'name="{name}"', arch)
        opted_out = self.Partner.search(
            [
                ("id", "in", self.all.ids),
                "|",
                ("sms_consent", "=", "refused"),
                ("sms_is_blacklisted", "=", True),
            ]
        )
        self.assertEqual(opted_out, self.refused | self.listed)
        not_listed = self.Partner.search(
            [("id", "in", self.all.ids), ("sms_is_blacklisted", "!=", True)]
        )
        self.assertEqual(not_listed, self.all - self.refused - self.listed)
        no_mobile = self.Partner.search(
            [("id", "in", self.all.ids), ("sms_number_state", "!=", "mobile")]
        )
        self.assertEqual(no_mobile, self.landline | self.bad)
