# Copyright 2026 sms_gateway authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Attacks on message texts and on the state of mailings and messages.

Each test runs as the attacker: an Accountant, a User who is also an
Accountant, a plain employee, a portal user, another User, another company's
User; with ``with_user`` and over JSON-RPC.
"""

import importlib.util
import io
import json
from datetime import datetime, timedelta
from pathlib import Path

import openpyxl
from freezegun import freeze_time

from odoo import fields
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import HttpCase, tagged
from odoo.tests.common import JsonRpcException
from odoo.tools import mute_logger

from odoo.addons.mail.tests.common import MockEmail

from .common import SmsGatewaySecurityCase

SECRET = "Salasana kissa123"
OTHER_SECRET = "Toinen salaisuus 456"
MANAGER = "sms_gateway.group_sms_gateway_manager"


class MessagesCase(SmsGatewaySecurityCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Message = cls.env["sms.gateway.message"]
        cls.Dispatcher = cls.env["sms.gateway.dispatcher"]
        cls.Mailing = cls.env["sms.gateway.mailing"]

        def partner(name, mobile, **values):
            return cls.Partner.create(
                {
                    "name": name,
                    "mobile": mobile,
                    "country_id": cls.country_fi.id,
                    "sms_consent": "granted",
                    **values,
                }
            )

        cls.aino = partner("Aino", "0405550201")
        cls.eino = partner("Eino", "0405550202")
        cls.cara = partner("Cara", "0405550203")
        cls.no_mobile = partner("Noora", False, email="noora@example.com")

    @classmethod
    def send(cls, user, partners, body, **values):
        wizard = (
            cls.env["sms.gateway.send.wizard"]
            .with_user(user)
            .with_context(active_model="res.partner", active_ids=partners.ids)
            .create(dict({"body": body}, **values))
        )
        action = wizard.action_send()
        return cls.env["sms.gateway.mailing"].browse(action["res_id"])

    def sms(self, mailing):
        return mailing.message_ids.filtered(lambda m: m.channel == "sms")

    def set_state(self, messages, state, **values):
        messages.sudo().write(dict({"state": state}, **values))
        self.env.flush_all()


@tagged("post_install", "-at_install")
class TestChatterHasNoTexts(MessagesCase):
    def texts_in_chatter(self, *texts):
        """mail.message bodies and tracking values holding one of ``texts``."""
        self.env.flush_all()
        found = self.env["mail.message"]
        values = self.env["mail.tracking.value"]
        for text in texts:
            found |= self.env["mail.message"].sudo().search([("body", "ilike", text)])
            values |= (
                self.env["mail.tracking.value"]
                .sudo()
                .search(
                    [
                        "|",
                        "|",
                        ("old_value_char", "ilike", text),
                        ("new_value_char", "ilike", text),
                        "|",
                        ("old_value_text", "ilike", text),
                        ("new_value_text", "ilike", text),
                    ]
                )
            )
        return found, values

    def test_partner_note_says_who_and_which_mailing_not_what(self):
        mailing = self.send(self.user_sms, self.aino | self.eino, SECRET)
        notes = self.aino.message_ids.filtered(
            lambda m: f'data-oe-id="{mailing.id}"' in (m.body or "")
        )
        self.assertEqual(len(notes), 1)
        self.assertIn(self.user_sms.name, notes.body)
        self.assertIn(mailing.name, notes.body)
        self.assertIn('data-oe-model="sms.gateway.mailing"', notes.body)
        self.assertEqual(notes.author_id, self.user_sms.partner_id)
        self.assertNotIn("kissa", notes.body)
        messages, values = self.texts_in_chatter(SECRET[:12], "kissa123")
        self.assertFalse(messages, messages.mapped("body"))
        self.assertFalse(values)

    def test_nobody_reads_texts_through_partners(self):
        self.send(self.user_sms, self.aino, SECRET)
        self.send(
            self.user_sms,
            self.no_mobile | self.eino,
            OTHER_SECRET,
            email_fallback=True,
        )
        self.Dispatcher._cron_dispatch()
        for user in (
            self.user_accountant,
            self.user_sms_accountant,
            self.user_employee,
            self.user_sms_other,
        ):
            with self.subTest(user=user.login):
                MailMessage = self.env["mail.message"].with_user(user)
                for text in ("kissa123", "salaisuus"):
                    self.assertFalse(MailMessage.search([("body", "ilike", text)]))
                for partner in self.aino | self.eino | self.no_mobile:
                    for body in partner.with_user(user).message_ids.mapped("body"):
                        self.assertNotIn("kissa", body)
                        self.assertNotIn("salaisuus", body)
        # The e-mail fallback is not posted on the partner either.
        messages, values = self.texts_in_chatter("kissa123", "salaisuus")
        self.assertFalse(messages.filtered(lambda m: m.model == "res.partner"))
        self.assertFalse(values)


@tagged("post_install", "-at_install")
class TestTextsFollowTheRecordRules(MessagesCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.theirs = cls.send(cls.user_sms, cls.aino | cls.eino, SECRET)
        cls.own = cls.send(cls.user_sms_accountant, cls.cara, "Oma viesti")

    def test_accountant_reads_metadata_not_texts(self):
        Message = self.Message.with_user(self.user_accountant)
        messages = Message.search([("mailing_id", "=", self.theirs.id)])
        self.assertEqual(len(messages), 2)
        self.assertTrue(all(messages.mapped("parts")))
        with self.assertRaises(AccessError):
            messages.read(["body"])
        with self.assertRaises(AccessError):
            self.theirs.with_user(self.user_accountant).read(["body"])
        self.assertEqual(self.theirs.with_user(self.user_accountant).count_total, 2)

    def test_user_accountant_reads_no_other_senders_texts(self):
        user = self.user_sms_accountant
        user.groups_id += self.env.ref("base.group_allow_export")
        Message = self.Message.with_user(user)
        Mailing = self.Mailing.with_user(user)
        theirs = self.theirs.message_ids.with_user(user)
        # Own texts: yes.
        self.assertEqual(self.own.with_user(user).body, "Oma viesti")
        self.assertEqual(
            Message.search([("mailing_id", "=", self.own.id)]).body, "Oma viesti"
        )
        # Another sender's: by no route.
        with self.assertRaises(AccessError):
            theirs.read(["body"])
        with self.assertRaises(AccessError):
            theirs.web_read({"body": {}})
        with self.assertRaises(AccessError):
            theirs.export_data(["body"])
        with self.assertRaises(AccessError):
            self.theirs.with_user(user).read(["body"])
        with self.assertRaises(AccessError):
            self.theirs.with_user(user)._sms_render_for(self.aino)
        rows = Message.search_read([], ["body"])
        self.assertNotIn(SECRET, {row["body"] for row in rows})
        rows = Message.web_search_read([], {"body": {}})["records"]
        self.assertNotIn(SECRET, {row["body"] for row in rows})
        self.assertNotIn(SECRET, {row["body"] for row in Mailing.search_read([])})
        self.assertFalse(Message.search([("body", "ilike", "kissa")]))
        self.assertFalse(Mailing.search([("body", "ilike", "kissa")]))
        groups = Message.read_group([], ["body:array_agg"], [])
        self.assertNotIn(SECRET, groups[0]["body"] or [])
        groups = Message.read_group([], ["__count"], ["body"])
        self.assertNotIn(SECRET, {group["body"] for group in groups})
        exported = Message.search([]).export_data(["body", "number"])["datas"]
        self.assertNotIn(SECRET, {row[0] for row in exported})

    def test_user_accountant_keeps_the_usage_figures_of_everybody(self):
        report = self.env["sms.gateway.usage.report"].with_user(
            self.user_sms_accountant
        )
        mailings = report.search([]).mapped("mailing_id")
        self.assertIn(self.theirs, mailings)
        self.assertIn(self.own, mailings)

    def test_user_accountant_billing_export_has_only_own_texts(self):
        self.Dispatcher._cron_dispatch()
        day = fields.Date.context_today(self.env.user)
        wizard = (
            self.env["sms.gateway.usage.export"]
            .with_user(self.user_sms_accountant)
            .create(
                {
                    "period": "custom",
                    "date_from": day - timedelta(days=1),
                    "date_to": day + timedelta(days=1),
                    "grouping": "user",
                    "company_ids": [(6, 0, self.env.company.ids)],
                }
            )
        )
        wizard.action_export()
        content = wizard.sudo().attachment_id.raw
        self.assertTrue(content)
        book = openpyxl.load_workbook(io.BytesIO(content))
        values = {
            value
            for sheet in book
            for row in sheet.iter_rows(values_only=True)
            for value in row
            if isinstance(value, str)
        }
        self.assertTrue(any("Oma viesti" in value for value in values))
        self.assertFalse(any("kissa" in value for value in values))


@tagged("post_install", "-at_install")
class TestStateChangesNeedTheRight(MessagesCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.mailing = cls.send(cls.user_sms, cls.aino | cls.eino | cls.cara, SECRET)
        cls.queued, cls.failed, cls.review = cls.mailing.message_ids.sorted("id")
        cls.failed.sudo().write({"state": "failed", "failure_reason": "Rejected"})
        cls.review.sudo().write({"state": "sending", "needs_review": True})

    def attackers(self):
        return (
            self.user_accountant,
            self.user_sms_accountant,
            self.user_employee,
            self.user_portal,
            self.user_sms_other,
            self.user_sms_b,
        )

    def states(self):
        self.env.invalidate_all()
        return (
            self.mailing.state,
            [(m.state, m.needs_review) for m in self.mailing.message_ids.sorted("id")],
        )

    def test_attackers_cannot_change_states(self):
        before = self.states()
        calls = [
            (self.queued, "action_cancel"),
            (self.failed, "action_resend"),
            (self.review, "action_resend"),
            (self.review, "action_mark_sent"),
            (self.mailing, "action_cancel"),
            (self.mailing, "action_resend_failed"),
        ]
        for user in self.attackers():
            for records, method in calls:
                with self.subTest(user=user.login, method=method):
                    with self.assertRaises(AccessError):
                        getattr(records.with_user(user), method)()
                    self.assertEqual(self.states(), before)

    def test_sender_and_manager_can(self):
        self.queued.with_user(self.user_sms).action_cancel()
        self.assertEqual(self.queued.state, "canceled")
        self.review.with_user(self.user_manager).action_mark_sent()
        self.assertEqual((self.review.state, self.review.needs_review), ("sent", False))
        self.failed.with_user(self.user_sms).action_resend()
        self.assertEqual(self.failed.state, "queued")

    def test_buttons_carry_groups(self):
        for user in (self.user_accountant, self.user_employee):
            for model in ("sms.gateway.message", "sms.gateway.mailing"):
                if not self.env[model].with_user(user).has_access("read"):
                    continue
                views = (
                    self.env[model]
                    .with_user(user)
                    .get_views([(False, "list"), (False, "form")])
                )
                for view in views["views"].values():
                    for method in (
                        "action_cancel",
                        "action_resend",
                        "action_mark_sent",
                        "action_resend_failed",
                    ):
                        with self.subTest(user=user.login, model=model, m=method):
                            self.assertNotIn(f'name="{method}"', view["arch"])

    def test_mailing_fields_are_locked_after_queueing(self):
        Mailing = self.mailing.with_user(self.user_sms)
        sender = self.mailing.sender
        group = self.env["sms.gateway.group"].create(
            {"name": "Mine", "user_id": self.user_sms.id}
        )
        for values in (
            {"body": "Changed"},
            {"sender": "Other"},
            {"group_ids": [(6, 0, group.ids)]},
            {"company_id": self.company_b.id},
            {"user_id": self.user_sms_other.id},
            {"transliterate": "ascii"},
            {"state": "draft"},
            {"state": "done"},
            {"scheduled_at": fields.Datetime.now() + timedelta(days=1)},
        ):
            with (
                self.subTest(values=values),
                self.assertRaises(UserError),
            ):
                Mailing.write(values)
        self.env.invalidate_all()
        self.assertEqual(self.mailing.body, SECRET)
        self.assertEqual(self.mailing.sender, sender)
        self.assertEqual(self.mailing.state, "sending")
        self.assertEqual(self.mailing.user_id, self.user_sms)
        # The name is the sender's own label: it may change.
        Mailing.write({"name": "Renamed"})
        self.assertEqual(self.mailing.name, "Renamed")

    def test_message_fields_cannot_be_written(self):
        for user in (self.user_sms, self.user_sms_accountant, self.user_accountant):
            for values in (
                {"body": "Changed"},
                {"number": "+358401234567"},
                {"user_id": user.id},
                {"state": "sent"},
            ):
                with (
                    self.subTest(user=user.login, values=values),
                    self.assertRaises(AccessError),
                ):
                    self.queued.with_user(user).write(values)
        self.env.invalidate_all()
        self.assertEqual(self.queued.body, SECRET)

    def test_mailing_groups_are_groups_the_user_may_send_to(self):
        theirs = self.env["sms.gateway.group"].create(
            {"name": "Not yours", "user_id": self.user_sms_other.id}
        )
        Mailing = self.Mailing.with_user(self.user_sms)
        values = {"name": "Direct", "body": "Hi"}
        with self.assertRaises(AccessError):
            Mailing.create(dict(values, group_ids=[(6, 0, theirs.ids)]))
        draft = Mailing.create(values)
        with self.assertRaises(AccessError):
            draft.write({"group_ids": [(4, theirs.id)]})
        self.assertFalse(draft.group_ids)

    def test_sender_is_checked_wherever_it_is_set(self):
        Mailing = self.Mailing.with_user(self.user_sms)
        values = {"name": "Direct", "body": "Hi"}
        for sender in ("Far too long a sender", "Bad<sender>", "+1234567890123456789"):
            with (
                self.subTest(sender=sender),
                self.assertRaisesMessage(ValidationError, "sender"),
            ):
                Mailing.create(dict(values, sender=sender))
        draft = Mailing.create(dict(values, sender="Kauppa"))
        self.assertEqual(draft.sender, "Kauppa")
        with self.assertRaisesMessage(ValidationError, "sender"):
            draft.write({"sender": "Way too long sender"})
        draft.write({"sender": "Kauppa Oy"})
        self.assertEqual(draft.sender, "Kauppa Oy")


@tagged("post_install", "-at_install")
class TestStateChangesOverRpc(MessagesCase, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.mailing = cls.send(cls.user_sms, cls.aino | cls.eino, SECRET)
        cls.queued, cls.failed = cls.mailing.message_ids.sorted("id")
        cls.failed.sudo().write({"state": "failed", "failure_reason": "Rejected"})

    def call(self, login, model, method, args, kwargs=None):
        self.authenticate(login, login)
        return self.make_jsonrpc_request(
            f"/web/dataset/call_kw/{model}/{method}",
            {"model": model, "method": method, "args": args, "kwargs": kwargs or {}},
        )

    @mute_logger("odoo.http")
    def test_rpc_attacks_are_refused(self):
        attacks = [
            ("sms.gateway.message", "action_cancel", [self.queued.ids]),
            ("sms.gateway.message", "action_resend", [self.failed.ids]),
            ("sms.gateway.message", "action_mark_sent", [self.failed.ids]),
            ("sms.gateway.mailing", "action_cancel", [self.mailing.ids]),
            ("sms.gateway.mailing", "action_resend_failed", [self.mailing.ids]),
            ("sms.gateway.mailing", "write", [self.mailing.ids, {"body": "X"}]),
            ("sms.gateway.message", "write", [self.queued.ids, {"body": "X"}]),
        ]
        for login in (
            "sms_accountant",
            "sms_user_accountant",
            "plain_employee",
            "portal_user",
            "sms_user_other",
            "sms_user_b",
        ):
            for model, method, args in attacks:
                with self.subTest(login=login, method=method):
                    with self.assertRaises(JsonRpcException) as caught:
                        self.call(login, model, method, args)
                    self.assertIn("AccessError", str(caught.exception))
        self.env.invalidate_all()
        self.assertEqual(self.mailing.state, "sending")
        self.assertEqual(self.mailing.body, SECRET)
        self.assertEqual((self.queued.state, self.failed.state), ("queued", "failed"))

    @mute_logger("odoo.http")
    def test_rpc_owner_cannot_rewrite_a_queued_mailing(self):
        for values in ({"body": "X"}, {"sender": "Other"}, {"state": "draft"}):
            with self.subTest(values=values):
                with self.assertRaises(JsonRpcException) as caught:
                    self.call(
                        "sms_user",
                        "sms.gateway.mailing",
                        "write",
                        [self.mailing.ids, values],
                    )
                self.assertIn("UserError", str(caught.exception))
        self.env.invalidate_all()
        self.assertEqual(self.mailing.body, SECRET)

    @mute_logger("odoo.http")
    def test_rpc_user_accountant_reads_no_other_texts(self):
        rows = self.call(
            "sms_user_accountant",
            "sms.gateway.message",
            "search_read",
            [[]],
            {"fields": ["body", "number"]},
        )
        self.assertNotIn(SECRET, json.dumps(rows))
        with self.assertRaises(JsonRpcException) as caught:
            self.call(
                "sms_user_accountant",
                "sms.gateway.message",
                "read",
                [self.queued.ids, ["body"]],
            )
        self.assertIn("AccessError", str(caught.exception))
        with self.assertRaises(JsonRpcException):
            self.call(
                "sms_accountant",
                "sms.gateway.mailing",
                "read",
                [self.mailing.ids, ["body"]],
            )


@tagged("post_install", "-at_install")
class TestResendAppliesTheRulesOfASend(MessagesCase):
    def failed_mailing(self, partners, body=SECRET):
        mailing = self.send(self.user_sms, partners, body)
        self.set_state(self.sms(mailing), "failed", failure_reason="Rejected")
        return mailing

    def test_opted_out_and_no_consent_are_not_requeued(self):
        mailing = self.failed_mailing(self.aino | self.eino | self.cara)
        by_partner = {m.partner_id: m for m in self.sms(mailing)}
        self.aino.sms_consent = "refused"
        self.Blacklist.sudo().add(by_partner[self.eino].number)
        result = mailing.with_user(self.user_sms).action_resend_failed()
        self.env.invalidate_all()
        self.assertEqual(by_partner[self.cara].state, "queued")
        self.assertEqual(by_partner[self.aino].state, "failed")
        self.assertEqual(by_partner[self.eino].state, "failed")
        self.assertEqual(result["tag"], "display_notification")
        self.assertIn("1 SMS queued again", result["params"]["message"])
        self.assertIn("Opted out: 2", result["params"]["message"])
        # No consent any more (bulk send): not requeued either.
        self.set_state(by_partner[self.cara], "failed")
        self.cara.sms_consent = "unknown"
        with self.assertRaisesMessage(UserError, "No SMS consent: 1"):
            by_partner[self.cara].with_user(self.user_sms).action_resend()
        self.assertEqual(by_partner[self.cara].state, "failed")

    def test_same_text_within_24_hours_is_not_resent(self):
        mailing = self.failed_mailing(self.aino | self.eino)
        # The same text reached Aino since, through another mailing.
        self.send(self.user_sms, self.aino | self.cara, SECRET)
        with self.assertRaisesMessage(UserError, "Same text"):
            self.sms(mailing).filtered(lambda m: m.partner_id == self.aino).with_user(
                self.user_sms
            ).action_resend()
        mailing.with_user(self.user_sms).action_resend_failed()
        states = {m.partner_id: m.state for m in self.sms(mailing)}
        self.assertEqual(states, {self.aino: "failed", self.eino: "queued"})

    def test_allowed_duplicates_stay_allowed(self):
        mailing = self.send(
            self.user_sms, self.aino | self.eino, SECRET, allow_duplicates=True
        )
        self.set_state(self.sms(mailing), "failed")
        self.send(self.user_sms, self.aino | self.cara, SECRET)
        mailing.with_user(self.user_sms).action_resend_failed()
        self.assertEqual(set(self.sms(mailing).mapped("state")), {"queued"})

    def test_caps_hold_for_resends(self):
        mailing = self.failed_mailing(self.aino | self.eino)
        self.env.company.sms_gateway_monthly_cap = 1
        with self.assertRaisesMessage(UserError, "monthly cap of 1 leaves 1"):
            mailing.with_user(self.user_sms).action_resend_failed()
        self.assertEqual(set(self.sms(mailing).mapped("state")), {"failed"})
        self.env.company.write(
            {"sms_gateway_monthly_cap": 0, "sms_gateway_user_cap": 1}
        )
        with self.assertRaisesMessage(UserError, "cap of 1 SMS per 30 days"):
            mailing.with_user(self.user_manager).action_resend_failed()
        self.assertEqual(set(self.sms(mailing).mapped("state")), {"failed"})
        self.env.company.sms_gateway_user_cap = 2
        mailing.with_user(self.user_sms).action_resend_failed()
        self.assertEqual(set(self.sms(mailing).mapped("state")), {"queued"})


@tagged("post_install", "-at_install")
class TestEmailFallbackSendsOnce(MockEmail, MessagesCase):
    def test_one_mail_with_one_recipient(self):
        other = self.Partner.create(
            {"name": "Olga", "email": "olga@example.com", "sms_consent": "granted"}
        )
        self.send(
            self.user_sms,
            self.no_mobile | other | self.aino,
            "Tervehdys {{ object.name }}",
            email_fallback=True,
        )
        with self.mock_mail_gateway():
            self.Dispatcher._cron_dispatch()
            self.assertEqual(len(self._new_mails), 2)
            for mail in self._new_mails:
                self.assertEqual(len(mail._prepare_outgoing_list()), 1)
            self._new_mails.send()
        self.assertEqual(len(self._mails), 2)
        sent_to = [address for mail in self._mails for address in mail["email_to"]]
        self.assertEqual(len(sent_to), 2)
        self.assertEqual(
            {"noora@example.com", "olga@example.com"},
            {address.split("<")[-1].strip(">") for address in sent_to},
        )
        bodies = {mail["email_to"][0]: mail["body"] for mail in self._mails}
        self.assertIn(
            "Tervehdys Noora", next(b for a, b in bodies.items() if "noora" in a)
        )


@tagged("post_install", "-at_install")
class TestMonthlyCapInTheCompanyTimeZone(MessagesCase):
    """The month of the cap is the company's: Helsinki is UTC+2 in winter."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env.company.partner_id.tz = "Europe/Helsinki"
        cls.env.company.sms_gateway_monthly_cap = 1

    def earlier_sms(self, at):
        """An SMS that went out at ``at`` (UTC)."""
        message = self.Message.sudo().create(
            {
                "partner_id": self.cara.id,
                "number": "+358405550299",
                "body": "Earlier",
                "state": "sent",
                "parts": 1,
                "scheduled_at": at,
                "sent_at": at,
                "user_id": self.user_sms_other.id,
            }
        )
        self.env.cr.execute(
            "UPDATE sms_gateway_message SET create_date = %s WHERE id = %s",
            (at, message.id),
        )
        return message

    def test_after_midnight_of_the_first_the_month_is_new(self):
        # 23:30 on 31 January in Helsinki: January's SMS.
        self.earlier_sms(datetime(2026, 1, 31, 21, 30))
        # 00:30 on 1 February in Helsinki.
        with freeze_time("2026-01-31 22:30:00"):
            mailing = self.send(self.user_sms, self.aino, "Helmikuu")
        self.assertEqual(mailing.count_queued, 1)

    def test_before_midnight_of_the_first_the_month_goes_on(self):
        # 00:30 on 1 January in Helsinki (still December in UTC): January's.
        self.earlier_sms(datetime(2025, 12, 31, 22, 30))
        # 23:30 on 31 January in Helsinki.
        with (
            freeze_time("2026-01-31 21:30:00"),
            self.assertRaisesMessage(UserError, "monthly cap of 1 leaves 0"),
        ):
            self.send(self.user_sms, self.aino, "Tammikuu")


@tagged("post_install", "-at_install")
class TestMigrationScrubsOldNotes(MessagesCase):
    def test_old_notes_lose_their_texts(self):
        path = Path(__file__).parent.parent / "migrations/18.0.1.1.0"
        spec = importlib.util.spec_from_file_location(
            "post_message_texts", path / "post-message-texts.py"
        )
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        mailing = self.send(self.user_sms, self.aino | self.eino, SECRET)
        message = self.sms(mailing).filtered(lambda m: m.partner_id == self.aino)
        db = self.env.cr.dbname
        # Notes as they were written before: the text, the message key.
        old = self.env["mail.message"].create(
            [
                {
                    "model": "res.partner",
                    "res_id": self.aino.id,
                    "body": f"<p>SMS queued for x (mailing y): {SECRET}</p>",
                    "message_id": f"<{message.uid}.sms-gateway@{db}>",
                },
                {
                    "model": "res.partner",
                    "res_id": self.eino.id,
                    "body": f"<p>SMS queued for x (mailing y): {SECRET}</p>",
                    "message_id": f"<{'0' * 32}.sms-gateway@{db}>",
                },
            ]
        )
        self.env.flush_all()
        module.migrate(self.env.cr, "18.0.1.0.0")
        old.invalidate_recordset()
        for note in old:
            self.assertNotIn("kissa", note.body)
            self.assertNotIn(message.uid, note.message_id)
        self.assertIn(f'data-oe-id="{mailing.id}"', old[0].body)
        self.assertIn(self.user_sms.name, old[0].body)
