# Copyright 2026 sms_gateway authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The send wizard: recipients, exact length and cost, refusals, queueing."""

import re
from datetime import timedelta

from odoo import fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged

from .common import SmsGatewayCase

POLISH = "Zażółć gęślą jaźń. "


class SendCase(SmsGatewayCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Message = cls.env["sms.gateway.message"]
        cls.Dispatcher = cls.env["sms.gateway.dispatcher"]
        fi = {"country_id": cls.country_fi.id}

        def partner(name, mobile, consent="granted", **values):
            return cls.Partner.create(
                dict(fi, name=name, mobile=mobile, sms_consent=consent, **values)
            )

        cls.ok1 = partner("Aino", "0405550101")
        cls.ok2 = partner("Eino", "0405550102")
        cls.unknown = partner("Unknown", "0405550103", consent="unknown")
        cls.refused = partner("Refused", "0405550104", consent="refused")
        cls.listed = partner("Listed", "0405550105")
        cls.Blacklist.sudo().add("+358405550105")
        cls.landline = partner("Landline", "09 1234 5678")
        cls.no_mobile = partner("No Mobile", False, email="nomobile@example.com")
        cls.twin = partner("Twin of Aino", "+358 40 555 0101")
        cls.everyone = (
            cls.ok1
            | cls.ok2
            | cls.unknown
            | cls.refused
            | cls.listed
            | cls.landline
            | cls.no_mobile
            | cls.twin
        )

    def wizard(self, partners=None, user=None, **values):
        partners = self.everyone if partners is None else partners
        context = {"active_model": "res.partner", "active_ids": partners.ids}
        if len(partners) == 1:
            context["active_id"] = partners.id
        wizard_model = self.env["sms.gateway.send.wizard"].with_user(
            user or self.user_sms
        )
        return wizard_model.with_context(**context).create(
            dict({"body": "Hello {{ object.name }}"}, **values)
        )

    def queued_count(self):
        return self.Message.sudo().search_count([])


@tagged("post_install", "-at_install")
class TestSendWizard(SendCase):
    def test_recipients_summary_by_reason(self):
        wizard = self.wizard()
        self.assertEqual(wizard.count_sendable, 2)
        self.assertEqual(wizard.count_no_consent, 1)
        self.assertEqual(wizard.count_opted_out, 2)
        self.assertEqual(wizard.count_landline, 1)
        self.assertEqual(wizard.count_no_mobile, 1)
        self.assertEqual(wizard.count_duplicate, 1)

    def test_select_all_uses_the_domain(self):
        domain = [("id", "in", self.everyone.ids)]
        wizard = (
            self.env["sms.gateway.send.wizard"]
            .with_user(self.user_sms)
            .with_context(
                active_model="res.partner",
                active_ids=self.everyone.ids,
                active_domain=domain,
            )
            .create({"body": "Hi"})
        )
        self.assertEqual(wizard.partner_domain, repr(domain))
        self.assertFalse(wizard.partner_ids)
        self.assertEqual(wizard.count_sendable, 2)
        # A part of the list: the ids, not the domain.
        wizard = (
            self.env["sms.gateway.send.wizard"]
            .with_user(self.user_sms)
            .with_context(
                active_model="res.partner",
                active_ids=self.ok1.ids + self.ok2.ids,
                active_domain=domain,
            )
            .create({"body": "Hi"})
        )
        self.assertFalse(wizard.partner_domain)
        self.assertEqual(wizard.partner_ids, self.ok1 | self.ok2)

    def test_length_encoding_and_cost(self):
        self.sms_account.price_per_part = 0.05
        wizard = self.wizard(body="Hyvää päivää [x] €")
        self.assertEqual(wizard.encoding, "GSM-7")
        self.assertEqual(wizard.chars, 18)
        self.assertEqual(wizard.units, 21)  # [ ] € count two septets
        self.assertEqual(wizard.parts, 1)
        self.assertFalse(wizard.non_gsm)
        self.assertAlmostEqual(wizard.cost_estimate, 2 * 1 * 0.05)
        wizard.body = POLISH * 4
        self.assertEqual(wizard.encoding, "UCS-2")
        self.assertEqual(wizard.parts, 2)
        self.assertEqual(wizard.non_gsm, "ż ó ł ć ę ś ą ź ń")

    def test_transliteration_drops_the_parts(self):
        wizard = self.wizard(body=POLISH * 8)  # 152 characters of Polish
        self.assertEqual((wizard.encoding, wizard.parts), ("UCS-2", 3))
        wizard.transliterate = "gsm"
        self.assertEqual((wizard.encoding, wizard.parts), ("GSM-7", 1))
        self.assertIn("Zazolc gesla jazn.", wizard.preview_body)

    def test_placeholders_and_preview(self):
        wizard = self.wizard(body="Hei {{ object.name }}!")
        wizard.preview_partner_id = self.ok2
        self.assertEqual(wizard.preview_body, "Hei Eino!")
        action = wizard.action_send()
        mailing = self.env["sms.gateway.mailing"].browse(action["res_id"])
        bodies = {
            m.partner_id: m.body for m in mailing.message_ids if m.state == "queued"
        }
        self.assertEqual(bodies, {self.ok1: "Hei Aino!", self.ok2: "Hei Eino!"})

    def test_bulk_reaches_only_granted_mobiles(self):
        action = self.wizard().action_send()
        mailing = self.env["sms.gateway.mailing"].browse(action["res_id"])
        queued = mailing.message_ids.filtered(lambda m: m.state == "queued")
        self.assertEqual(queued.partner_id, self.ok1 | self.ok2)
        skipped = {m.partner_id: m.skip_reason for m in mailing.message_ids - queued}
        self.assertEqual(
            skipped,
            {
                self.unknown: "no_consent",
                self.refused: "opted_out",
                self.listed: "opted_out",
                self.landline: "landline",
                self.no_mobile: "no_mobile",
                self.twin: "duplicate",
            },
        )
        self.assertIn("2 queued", action["context"]["sms_gateway_summary"])
        self.assertEqual(mailing.state, "sending")

    def test_single_send_to_unknown_consent_asks_first(self):
        wizard = self.wizard(self.unknown)
        self.assertTrue(wizard.is_single)
        self.assertTrue(wizard.needs_consent_confirmation)
        self.assertEqual(wizard.count_sendable, 1)
        with self.assertRaisesMessage(UserError, "has not given SMS consent"):
            wizard.action_send()
        self.assertEqual(self.queued_count(), 0)
        wizard.confirm_unknown_consent = True
        action = wizard.action_send()
        mailing = self.env["sms.gateway.mailing"].browse(action["res_id"])
        self.assertEqual(mailing.message_ids.state, "queued")

    def test_single_send_never_reaches_refused(self):
        for partner in (self.refused, self.listed):
            wizard = self.wizard(partner)
            self.assertEqual(wizard.count_sendable, 0)
            self.assertEqual(wizard.count_opted_out, 1)
            with self.assertRaisesMessage(UserError, "opted out of SMS"):
                wizard.action_send()
        self.assertEqual(self.queued_count(), 0)

    def test_too_many_parts_queues_nothing(self):
        self.env.company.sms_gateway_max_parts = 6
        wizard = self.wizard(body=(POLISH * 106)[:2000])
        self.assertTrue(wizard.too_long)
        with self.assertRaisesMessage(UserError, r"needs 30 SMS parts .* at most 6"):
            wizard.action_send()
        self.assertEqual(self.queued_count(), 0)
        self.assertFalse(self.env["sms.gateway.mailing"].sudo().search([]))

    def test_too_long_for_one_recipient_after_placeholders(self):
        self.env.company.sms_gateway_max_parts = 1
        self.ok2.name = "E" * 160
        wizard = self.wizard(body="Hello {{ object.name }}")
        with self.assertRaisesMessage(UserError, "for E{160} needs 2 SMS parts"):
            wizard.action_send()
        self.assertEqual(self.queued_count(), 0)

    def editor(self):
        return new_test_user(
            self.env,
            login="sms_editor",
            groups="base.group_user,sms_gateway.group_sms_gateway_user,"
            "mail.group_mail_template_editor",
        )

    def test_placeholder_failing_for_one_recipient_queues_nothing(self):
        self.ok2.function = "CEO"
        wizard = self.wizard(
            user=self.editor(), body="Hello {{ object.function.upper() }}"
        )
        with self.assertRaisesMessage(UserError, "cannot be written for Aino"):
            wizard.action_send()
        self.assertEqual(self.queued_count(), 0)

    def test_expressions_need_the_template_editor_right(self):
        self.assertFalse(self.user_sms.has_group("mail.group_mail_template_editor"))
        with self.assertRaisesMessage(UserError, "template editor"):
            self.wizard(body="Hi {{ object.name.upper() }}").action_send()
        self.assertEqual(self.queued_count(), 0)
        self.wizard(body="Hi {{ object.name }}").action_send()
        action = self.wizard(
            self.ok2, user=self.editor(), body="Hi {{ object.name.upper() }}"
        ).action_send()
        mailing = self.env["sms.gateway.mailing"].browse(action["res_id"])
        self.assertEqual(mailing.message_ids.body, "Hi EINO")

    def test_refusals_with_clear_messages(self):
        with self.assertRaisesMessage(UserError, "message is empty"):
            self.wizard(body="  ").action_send()
        empty = (
            self.env["sms.gateway.send.wizard"]
            .with_user(self.user_sms)
            .create({"body": "Hi"})
        )
        with self.assertRaisesMessage(UserError, "No recipient"):
            empty.action_send()
        past = fields.Datetime.now() - timedelta(hours=2)
        with self.assertRaisesMessage(UserError, "is in the past"):
            self.wizard(send_mode="later", scheduled_at=past).action_send()
        self.sms_account.active = False
        with self.assertRaisesMessage(UserError, "no active SMS account"):
            self.wizard().action_send()
        self.assertEqual(self.queued_count(), 0)

    def test_same_text_within_24_hours_is_skipped(self):
        self.wizard(self.ok1 | self.ok2, body="Same").action_send()
        with self.assertRaisesMessage(UserError, "within the last 24 hours"):
            self.wizard(self.ok1 | self.ok2, body="Same").action_send()
        action = self.wizard(self.ok1, body="Same", allow_duplicates=True).action_send()
        mailing = self.env["sms.gateway.mailing"].browse(action["res_id"])
        self.assertEqual(mailing.message_ids.state, "queued")

    def test_send_later_is_scheduled_and_cancelable(self):
        at = fields.Datetime.now() + timedelta(days=1)
        action = self.wizard(send_mode="later", scheduled_at=at).action_send()
        mailing = self.env["sms.gateway.mailing"].browse(action["res_id"])
        self.assertEqual(mailing.state, "scheduled")
        queued = mailing.message_ids.filtered(lambda m: m.state == "queued")
        self.assertEqual(set(queued.mapped("scheduled_at")), {at})
        self.assertEqual(self.Dispatcher._cron_dispatch(), 0)  # not due yet
        mailing.with_user(self.user_sms).action_cancel()
        self.assertEqual(mailing.state, "canceled")
        self.assertEqual(set(queued.mapped("state")), {"canceled"})

    def test_a_time_to_send_alone_schedules_the_send(self):
        """Given only a future time (send mode left at its default), the
        SMS go at that time, not at once; a past one is refused, not sent."""
        at = fields.Datetime.now() + timedelta(hours=3)
        action = self.wizard(self.ok1, scheduled_at=at).action_send()
        mailing = self.env["sms.gateway.mailing"].browse(action["res_id"])
        self.assertEqual((mailing.state, mailing.scheduled_at), ("scheduled", at))
        self.assertEqual(set(mailing.message_ids.mapped("scheduled_at")), {at})
        self.assertEqual(self.Dispatcher._cron_dispatch(), 0)
        wizard = self.wizard(self.ok2)
        wizard.scheduled_at = at
        self.assertEqual(wizard.send_mode, "later")
        past = self.wizard(self.ok2, scheduled_at=at - timedelta(hours=6))
        with self.assertRaisesMessage(UserError, "is in the past"):
            past.action_send()
        # The window's own choice stays: "Send now" with a time left over.
        now = self.wizard(self.ok2, send_mode="now", scheduled_at=at)
        action = now.action_send()
        mailing = self.env["sms.gateway.mailing"].browse(action["res_id"])
        self.assertEqual(mailing.state, "sending")

    def test_email_fallback(self):
        action = self.wizard(email_fallback=True).action_send()
        mailing = self.env["sms.gateway.mailing"].browse(action["res_id"])
        email = mailing.message_ids.filtered(lambda m: m.channel == "email")
        self.assertEqual(email.partner_id, self.no_mobile)
        self.assertEqual(email.email, "nomobile@example.com")
        self.Dispatcher._cron_dispatch()
        self.assertEqual(email.state, "sent")
        mail = self.env["mail.mail"].sudo().search([("email_to", "=", email.email)])
        self.assertIn("Hello No Mobile", mail.body_html)

    def test_monthly_and_user_caps(self):
        self.env.company.sms_gateway_user_cap = 1
        with self.assertRaisesMessage(UserError, "you have 1 left of your cap of 1"):
            self.wizard().action_send()
        self.env.company.write(
            {"sms_gateway_user_cap": 0, "sms_gateway_monthly_cap": 2}
        )
        self.wizard(self.ok1).action_send()
        with self.assertRaisesMessage(UserError, "monthly cap of 2 leaves 1"):
            self.wizard(self.ok2 | self.ok1, body="Other").action_send()
        self.assertEqual(self.queued_count(), 1)

    def test_one_send_sms_entry_on_partners(self):
        bindings = (
            self.env["ir.actions.actions"]
            .with_user(self.user_sms)
            .get_bindings("res.partner")
        )
        ours = self.env.ref("sms_gateway.sms_gateway_send_wizard_action_partner_list")
        self.assertEqual(
            [a["id"] for a in bindings["action"] if a["name"] == "Send SMS"],
            ours.ids,
        )


@tagged("post_install", "-at_install")
class TestSendAccess(SendCase):
    def test_users_see_their_own_mailings_and_messages(self):
        other = self.user_sms.copy({"login": "sms_user_2", "name": "Other Sender"})
        action = self.wizard().action_send()
        mailing = self.env["sms.gateway.mailing"].browse(action["res_id"])
        Mailing = self.env["sms.gateway.mailing"]
        self.assertEqual(Mailing.with_user(self.user_sms).search([]), mailing)
        self.assertFalse(Mailing.with_user(other).search([]))
        self.assertFalse(self.Message.with_user(other).search([]))
        with self.assertRaises(AccessError):
            mailing.with_user(other).read(["name"])
        with self.assertRaises(AccessError):
            mailing.message_ids[:1].with_user(other).action_cancel()
        self.assertEqual(Mailing.with_user(self.user_manager).search([]), mailing)

    def test_accountant_reads_metadata_not_texts(self):
        self.wizard().action_send()
        messages = self.Message.with_user(self.user_accountant).search(
            [("state", "=", "queued")]
        )
        self.assertEqual(len(messages), 2)
        self.assertTrue(all(messages.mapped("parts")))
        with self.assertRaises(AccessError):
            messages.read(["body"])
        with self.assertRaises(AccessError):
            self.wizard(user=self.user_accountant)

    def test_company_b_sees_nothing_of_company_a(self):
        self.wizard().action_send()
        company_b = self.env["res.company"].create({"name": "Company B"})
        user_b = self.user_manager.copy(
            {
                "login": "sms_manager_b",
                "company_id": company_b.id,
                "company_ids": [fields.Command.set(company_b.ids)],
            }
        )
        self.assertFalse(self.env["sms.gateway.mailing"].with_user(user_b).search([]))
        self.assertFalse(self.Message.with_user(user_b).search([]))


@tagged("post_install", "-at_install")
class TestSendToGroups(SendCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.group = cls.env["sms.gateway.group"].create(
            {"name": "Customers", "user_id": cls.user_sms.id}
        )
        cls.group._add_partners([("id", "in", (cls.ok1 | cls.unknown).ids)])
        cls.stranger = cls.user_sms.copy({"login": "sms_stranger", "name": "Stranger"})

    def group_wizard(self, user, group_ids):
        return (
            self.env["sms.gateway.send.wizard"]
            .with_user(user)
            .with_context(active_model="sms.gateway.group", active_ids=group_ids)
            .create({"body": "Group news"})
        )

    def test_send_to_a_group(self):
        wizard = self.group_wizard(self.user_sms, self.group.ids)
        self.assertEqual(wizard.group_ids, self.group)
        self.assertEqual((wizard.count_sendable, wizard.count_no_consent), (1, 1))
        action = wizard.action_send()
        mailing = self.env["sms.gateway.mailing"].browse(action["res_id"])
        queued = mailing.message_ids.filtered(lambda m: m.state == "queued")
        self.assertEqual(queued.partner_id, self.ok1)
        self.assertEqual(queued.group_id, self.group)

    def test_send_sms_button_on_the_group_form(self):
        """The group form's Send SMS opens the send window on this group, for
        whoever may send to it, and for nobody else."""
        action = self.group.with_user(self.user_sms).action_send_sms()
        wizard = (
            self.env["sms.gateway.send.wizard"]
            .with_user(self.user_sms)
            .with_context(**action["context"])
            .create({"body": "Group news"})
        )
        self.assertEqual(wizard.group_ids, self.group)
        self.assertEqual(wizard.count_sendable, 1)
        with self.assertRaises(AccessError):
            self.group.with_user(self.stranger).action_send_sms()
        form = (
            self.env["sms.gateway.group"]
            .with_user(self.user_sms)
            .get_views([(False, "form")])
        )
        self.assertIn('name="action_send_sms"', form["views"]["form"]["arch"])

    def test_forged_group_id_in_the_send_wizard(self):
        wizard = (
            self.env["sms.gateway.send.wizard"]
            .with_user(self.stranger)
            .create({"body": "Hi", "partner_ids": self.ok2.ids})
        )
        for group_id in (self.group.id, self.group.id + 100_000):
            with self.assertRaises(AccessError):
                self.group_wizard(self.stranger, [group_id])
            with self.assertRaises(AccessError):
                wizard.write({"group_ids": [fields.Command.set([group_id])]})
        self.assertEqual(self.queued_count(), 0)

    def test_shared_group_can_be_used(self):
        self.group.shared_user_ids = self.stranger
        action = self.group_wizard(self.stranger, self.group.ids).action_send()
        mailing = self.env["sms.gateway.mailing"].browse(action["res_id"])
        self.assertEqual(mailing.user_id, self.stranger)
        self.assertEqual(mailing.count_queued, 1)


@tagged("post_install", "-at_install")
class TestSendPreviewLimits(SendCase):
    """The send window counts, before Send, what the 24-hour guard and the
    caps do to the send, and names the refusal in the words Send uses."""

    def test_preview_counts_the_24_hour_guard(self):
        self.wizard(self.ok1, body="Same").action_send()
        wizard = self.wizard(self.ok1 | self.ok2, body="Same")
        self.assertEqual((wizard.count_sendable, wizard.count_recent), (1, 1))
        self.assertFalse(wizard.limit_refusal)
        self.assertAlmostEqual(
            wizard.cost_estimate, self.env.company.sms_gateway_price_per_part
        )
        wizard.allow_duplicates = True
        self.assertEqual((wizard.count_sendable, wizard.count_recent), (2, 0))
        # Only the contact who got it: Send is refused, and the window says so.
        again = self.wizard(self.ok1, body="Same")
        self.assertEqual(again.count_sendable, 0)
        self.assertIn("within the last 24 hours", again.limit_refusal)
        with self.assertRaisesMessage(UserError, re.escape(again.limit_refusal)):
            again.action_send()
        # What the window promised is what Send does.
        action = self.wizard(self.ok1 | self.ok2, body="Same").action_send()
        mailing = self.env["sms.gateway.mailing"].browse(action["res_id"])
        states = {m.partner_id: m.state for m in mailing.message_ids}
        self.assertEqual(states, {self.ok1: "canceled", self.ok2: "queued"})

    def test_preview_counts_the_guard_for_texts_with_placeholders(self):
        body = "Hi {{ object.name }}, your order is ready."
        self.wizard(self.ok1 | self.ok2, body=body).action_send()
        wizard = self.wizard(self.ok1 | self.ok2, body=body)
        self.assertEqual((wizard.count_sendable, wizard.count_recent), (0, 2))
        self.assertIn("within the last 24 hours", wizard.limit_refusal)
        with self.assertRaisesMessage(UserError, "within the last 24 hours"):
            wizard.action_send()
        wizard.body = "Hi {{ object.name }}, your order was shipped."
        self.assertEqual((wizard.count_sendable, wizard.count_recent), (2, 0))
        self.assertFalse(wizard.limit_refusal)

    def test_preview_names_the_cap_that_refuses(self):
        self.env.company.sms_gateway_monthly_cap = 2
        self.wizard(self.ok1, body="First").action_send()
        wizard = self.wizard(self.ok1 | self.ok2, body="Other")
        self.assertEqual(wizard.count_sendable, 2)
        self.assertIn("monthly cap of 2 leaves 1", wizard.limit_refusal)
        with self.assertRaisesMessage(UserError, re.escape(wizard.limit_refusal)):
            wizard.action_send()
        # Next month's cap is free: scheduled there, the send may go.
        wizard.write(
            {
                "send_mode": "later",
                "scheduled_at": fields.Datetime.now() + timedelta(days=40),
            }
        )
        self.assertFalse(wizard.limit_refusal)
        self.env.company.write(
            {"sms_gateway_monthly_cap": 0, "sms_gateway_user_cap": 1}
        )
        wizard = self.wizard(self.ok2, body="Third")
        self.assertIn("you have 0 left of your cap of 1", wizard.limit_refusal)
        with self.assertRaisesMessage(UserError, re.escape(wizard.limit_refusal)):
            wizard.action_send()
        self.assertEqual(self.queued_count(), 1)

    def test_preview_shows_what_is_left_in_the_part(self):
        wizard = self.wizard(self.ok1, body="a" * 150)
        self.assertEqual((wizard.parts, wizard.chars_left), (1, 10))
        wizard.body = "a" * 161
        self.assertEqual((wizard.parts, wizard.chars_left), (2, 145))
        wizard.body = "ż" * 60
        self.assertEqual((wizard.parts, wizard.chars_left), (1, 10))
