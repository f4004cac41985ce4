# Copyright 2026 sms_gateway authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Words that do not mislead: who sent ("Sent by") and the name the phone
shows ("Sender Name"), counts that add up, canceled SMS without parts,
excluded apart from canceled, refusals about this contact and saying who can
undo them, costs with their currency, and SMS > Messages on all messages for
Managers."""

import importlib.util
import io
from ast import literal_eval
from datetime import timedelta
from pathlib import Path

import openpyxl
from lxml import etree

from odoo import fields
from odoo.exceptions import UserError
from odoo.tests import HttpCase, new_test_user, tagged

from .common import SmsGatewayCase
from .test_send_wizard import SendCase


def search_filter_domain(model, name):
    """The domain of the search view's filter ``name``, as the user gets it."""
    arch = model.get_views([(False, "search")])["views"]["search"]["arch"]
    node = etree.fromstring(arch).find(f".//filter[@name='{name}']")
    return literal_eval(node.get("domain")), node.get("string")


@tagged("post_install", "-at_install")
class TestWords(SendCase):
    def send(self, partners, later=False, user=None, **values):
        if later:
            values |= {
                "send_mode": "later",
                "scheduled_at": fields.Datetime.now() + timedelta(days=1),
            }
        action = self.wizard(partners, user=user, **values).action_send()
        return self.env["sms.gateway.mailing"].browse(action["res_id"])

    def test_labels_sent_by_and_sender_name(self):
        Message = self.env["sms.gateway.message"].with_user(self.user_sms)
        Mailing = self.env["sms.gateway.mailing"].with_user(self.user_sms)
        self.assertEqual(
            Message.fields_get(["user_id"])["user_id"]["string"], "Sent by"
        )
        strings = Mailing.fields_get(["user_id", "sender"], ["string"])
        self.assertEqual(strings["user_id"]["string"], "Sent by")
        self.assertEqual(strings["sender"]["string"], "Sender Name")
        for model in (Message, Mailing):
            views = model.get_views([(False, "search"), (False, "list")])["views"]
            search = etree.fromstring(views["search"]["arch"])
            group_by = {
                node.get("string")
                for node in search.iter("filter")
                if "group_by" in (node.get("context") or "")
            }
            self.assertIn("Sent by", group_by)
            self.assertNotIn("Sender", group_by)
            self.assertNotIn("Author", group_by)
            # Costs are monetary, with the currency of their record.
            cost = etree.fromstring(views["list"]["arch"]).find(
                ".//field[@name='cost']"
                if model is Message
                else ".//field[@name='cost_total']"
            )
            self.assertEqual(cost.get("widget"), "monetary")
        self.assertIn(
            "Sender Name",
            Mailing.get_views([(False, "search")])["views"]["search"]["arch"],
        )

    def test_mailing_counts_add_up(self):
        mailing = self.send(self.everyone)
        messages = mailing.message_ids.sudo()
        sms = messages.filtered(lambda m: m.state == "queued")
        self.assertEqual(len(sms), 2)
        sms[0].write({"state": "delivered", "sent_at": fields.Datetime.now()})
        sms[1].write({"state": "sent", "sent_at": fields.Datetime.now()})
        later = self.send(self.ok1 | self.ok2, later=True, body="Another text")
        later.message_ids[0].with_user(self.user_sms).action_cancel()
        mailing.invalidate_recordset()
        later.invalidate_recordset()
        rows = (
            self.env["sms.gateway.mailing"]
            .with_user(self.user_sms)
            .web_search_read(
                [("id", "in", (mailing | later).ids)],
                {
                    name: {}
                    for name in (
                        "count_total",
                        "count_queued",
                        "count_sending",
                        "count_sent",
                        "count_delivered",
                        "count_undelivered",
                        "count_failed",
                        "count_excluded",
                        "count_canceled",
                        "parts_total",
                    )
                },
            )["records"]
        )
        by_id = {row["id"]: row for row in rows}
        first, second = by_id[mailing.id], by_id[later.id]
        # Delivered messages were sent: "Sent 2, Delivered 1", never "Sent 1".
        self.assertEqual(first["count_sent"], 2)
        self.assertEqual(first["count_delivered"], 1)
        self.assertEqual(first["count_excluded"], 6)
        self.assertEqual(first["count_canceled"], 0)
        self.assertEqual((second["count_canceled"], second["count_queued"]), (1, 1))
        for row in (first, second):
            self.assertEqual(
                row["count_total"],
                sum(
                    row[name]
                    for name in (
                        "count_queued",
                        "count_sending",
                        "count_sent",
                        "count_failed",
                        "count_excluded",
                        "count_canceled",
                    )
                ),
            )
            self.assertLessEqual(
                row["count_delivered"] + row["count_undelivered"], row["count_sent"]
            )

    def test_canceled_and_excluded_count_no_parts(self):
        mailing = self.send(self.everyone, later=True)
        queued = mailing.message_ids.filtered(lambda m: m.state == "queued")
        self.assertTrue(all(queued.mapped("parts")))
        queued[0].with_user(self.user_sms).action_cancel()
        Message = self.env["sms.gateway.message"].with_user(self.user_sms)
        # The list's footer sums (and its groups) count only what can still go.
        [(parts,)] = Message._read_group(
            [("mailing_id", "=", mailing.id)], [], ["parts:sum"]
        )
        self.assertEqual(parts, queued[1].parts)
        self.assertEqual(queued[0].parts, 0)
        self.assertEqual(queued[0].cost, 0)
        self.assertEqual(mailing.parts_total, queued[1].parts)
        # "Excluded" (by the recipient rule, with its reason) and "Canceled"
        # (by a user) are two filters.
        domain, label = search_filter_domain(Message, "excluded")
        self.assertEqual(label, "Excluded")
        excluded = Message.search(domain + [("mailing_id", "=", mailing.id)])
        self.assertEqual(len(excluded), 6)
        self.assertTrue(all(excluded.mapped("skip_reason")))
        domain, label = search_filter_domain(Message, "canceled")
        self.assertEqual(label, "Canceled")
        canceled = Message.search(domain + [("mailing_id", "=", mailing.id)])
        self.assertEqual(canceled, queued[0])
        self.assertIn("Canceled by", canceled.failure_reason)

    def test_migration_zeroes_the_parts_of_canceled_messages(self):
        mailing = self.send(self.ok1 | self.ok2, later=True)
        canceled, queued = mailing.message_ids.sudo().sorted("id")
        # As a cancel left it before 18.0.1.3.0: the parts of its text.
        canceled.write({"state": "canceled", "parts": 2, "cost": 0.1})
        self.env.flush_all()
        path = Path(__file__).parent.parent / "migrations/18.0.1.3.0"
        spec = importlib.util.spec_from_file_location(
            "post_canceled_parts", path / "post-canceled-parts.py"
        )
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        parts = queued.parts
        module.migrate(self.env.cr, "18.0.1.2.0")
        self.env.invalidate_all()
        self.assertEqual((canceled.parts, canceled.cost), (0, 0))
        self.assertEqual(queued.parts, parts)
        self.assertTrue(parts)

    def test_single_refusal_speaks_of_this_contact(self):
        cases = {
            self.listed: ("opted out of SMS", "ask an SMS Gateway Manager"),
            self.refused: ("opted out of SMS", "ask an SMS Gateway Manager"),
            self.landline: ("not a mobile number", "Enter their mobile number"),
            self.no_mobile: ("has no valid mobile number", "Enter it"),
        }
        for partner, phrases in cases.items():
            with self.subTest(partner=partner.name):
                wizard = self.wizard(partner)
                self.assertTrue(wizard.is_single)
                with self.assertRaises(UserError) as caught:
                    wizard.action_send()
                message = str(caught.exception)
                self.assertIn("This SMS cannot be sent", message)
                self.assertIn(partner.name, message)
                for phrase in phrases:
                    self.assertIn(phrase, message)
                self.assertNotIn("Bulk", message)
                self.assertNotIn("recipients", message)
        self.assertEqual(self.queued_count(), 0)
        # A bulk send still speaks of bulk sends.
        with self.assertRaisesMessage(UserError, "Bulk sends go only"):
            self.wizard(self.listed | self.refused).action_send()

    def test_cap_refusal_says_who_can_raise_it(self):
        self.env.company.sms_gateway_monthly_cap = 1
        with self.assertRaisesMessage(
            UserError, r"monthly cap of 1 leaves 1\. .*ask a system administrator"
        ):
            self.send(self.ok1 | self.ok2)
        self.env.company.sms_gateway_monthly_cap = 0
        self.env.company.sms_gateway_user_cap = 1
        with self.assertRaisesMessage(
            UserError, r"your cap of 1 SMS .*ask a system administrator"
        ):
            self.send(self.ok1 | self.ok2)


@tagged("post_install", "-at_install")
class TestSmsCurrency(SmsGatewayCase):
    def test_inactive_currency_can_be_chosen_for_prices(self):
        chf = self.env.ref("base.CHF")
        chf.active = False
        admin = new_test_user(
            self.env,
            login="sms_words_admin",
            groups="base.group_user,base.group_system",
        )
        Settings = self.env["res.config.settings"].with_user(admin)
        field = Settings.fields_get(["sms_gateway_currency_id"])[
            "sms_gateway_currency_id"
        ]
        # The settings' field offers every currency, active or not.
        self.assertEqual(field["context"], {"active_test": False})
        Currency = self.env["res.currency"].with_user(admin)
        found = Currency.with_context(**field["context"]).name_search("CHF")
        self.assertIn(chf.id, [currency_id for currency_id, _name in found])
        self.assertFalse(Currency.name_search("CHF"))
        settings = Settings.create({"sms_gateway_currency_id": chf.id})
        settings.execute()
        self.assertEqual(self.env.company.sms_gateway_currency_id, chf)
        self.assertTrue(chf.active)


@tagged("post_install", "-at_install")
class TestMessagesMenu(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.user = new_test_user(
            cls.env,
            login="sms_words_user",
            groups="base.group_user,sms_gateway.group_sms_gateway_user",
        )
        cls.manager = new_test_user(
            cls.env,
            login="sms_words_manager",
            groups="base.group_user,sms_gateway.group_sms_gateway_manager",
        )
        cls.messages = cls.env["sms.gateway.message"].create(
            [
                {"number": "+358401110001", "user_id": cls.user.id, "state": "sent"},
                {"number": "+358401110002", "user_id": cls.manager.id},
            ]
        )

    def open_messages(self, user):
        """SMS > Messages as ``user``: the action the web client opens."""
        menu = self.env.ref("sms_gateway.sms_gateway_message_menu")
        self.assertEqual(
            self.env.ref("sms_gateway.sms_gateway_message_menu_all").action,
            menu.action,
        )
        self.authenticate(user.login, user.login)
        action = self.make_jsonrpc_request(
            "/web/action/load", {"action_id": menu.action.id}
        )
        if action["type"] == "ir.actions.server":
            action = self.make_jsonrpc_request(
                "/web/action/run", {"action_id": action["id"]}
            )
        self.assertEqual(action["res_model"], "sms.gateway.message")
        return action

    def test_managers_open_on_all_messages(self):
        action = self.open_messages(self.manager)
        self.assertNotIn("search_default_my", action["context"])
        found = (
            self.env["sms.gateway.message"]
            .with_user(self.manager)
            .search(action.get("domain") or [])
        )
        self.assertLessEqual(self.messages, found)

    def test_users_open_on_their_own(self):
        action = self.open_messages(self.user)
        self.assertEqual(action["context"].get("search_default_my"), 1)


@tagged("post_install", "-at_install")
class TestAccountantScreensOverRpc(HttpCase):
    """The usage screens as an Accountant's browser loads them."""

    def call(self, model, method, *args, **kwargs):
        return self.make_jsonrpc_request(
            f"/web/dataset/call_kw/{model}/{method}",
            {"model": model, "method": method, "args": list(args), "kwargs": kwargs},
        )

    def test_usage_and_export_open_for_the_accountant(self):
        sender = new_test_user(
            self.env,
            login="sms_words_sender",
            groups="base.group_user,sms_gateway.group_sms_gateway_user",
        )
        mailing = self.env["sms.gateway.mailing"].create(
            {"name": "Words", "body": "A secret text", "user_id": sender.id}
        )
        mailing.sudo().sender = "Asio"
        self.env["sms.gateway.message"].create(
            {
                "number": "+358401110003",
                "user_id": sender.id,
                "mailing_id": mailing.id,
                "state": "delivered",
                "parts": 2,
                "cost": 0.145,
                "sent_at": fields.Datetime.now(),
                "body": "A secret text",
            }
        )
        accountant = new_test_user(
            self.env,
            login="sms_words_accountant",
            groups="base.group_user,sms_gateway.group_sms_gateway_accountant",
        )
        self.authenticate(accountant.login, accountant.login)
        action = self.make_jsonrpc_request(
            "/web/action/load",
            {
                "action_id": self.env.ref(
                    "sms_gateway.sms_gateway_usage_report_action"
                ).id
            },
        )
        views = self.call(
            "sms.gateway.usage.report",
            "get_views",
            [[False, "pivot"], [False, "list"], [False, "search"]],
        )["views"]
        self.assertIn("sender_name", views["search"]["arch"])
        groups = self.call(
            "sms.gateway.usage.report",
            "web_read_group",
            [],
            ["cost:sum", "parts:sum"],
            ["sender_name"],
            context=literal_eval(action["context"]),
        )["groups"]
        by_name = {group["sender_name"]: group for group in groups}
        self.assertEqual(by_name["Asio"]["parts"], 2)
        self.assertAlmostEqual(by_name["Asio"]["cost"], 0.145)
        records = self.call(
            "sms.gateway.usage.report",
            "web_search_read",
            [],
            {"cost": {}, "currency_id": {"fields": {"display_name": {}}}},
        )["records"]
        self.assertEqual(
            records[0]["currency_id"]["id"],
            self.env.company.sms_gateway_currency_id.id,
        )
        # The billing export's form, on "This Month".
        form = self.call("sms.gateway.usage.export", "get_views", [[False, "form"]])[
            "views"
        ]["form"]["arch"]
        self.assertIn('name="period"', form)
        values = self.call(
            "sms.gateway.usage.export",
            "onchange",
            [],
            {},
            [],
            {"period": {}, "date_from": {}, "date_to": {}, "grouping": {}},
        )["value"]
        self.assertEqual(values["grouping"], "user")
        export = self.call(
            "sms.gateway.usage.export",
            "web_save",
            [],
            {"period": "this_month", "grouping": "sender"},
            specification={"date_from": {}, "date_to": {}},
        )[0]
        today = fields.Date.context_today(self.env["res.users"].with_user(accountant))
        self.assertEqual(export["date_from"], str(today.replace(day=1)))
        self.assertEqual(export["date_to"], str(today))
        self.call("sms.gateway.usage.export", "action_export", [export["id"]])
        wizard = self.env["sms.gateway.usage.export"].browse(export["id"])
        book = openpyxl.load_workbook(io.BytesIO(wizard.attachment_id.raw))
        detail = list(book["Detail"].iter_rows(values_only=True))
        self.assertEqual(len(detail), 2)
        row = dict(zip(detail[0], detail[1], strict=True))
        self.assertEqual(
            (row["Sender name"], row["Number"], row["Status"], row["Parts"]),
            ("Asio", "+358401110003", "Delivered", 2),
        )
        self.assertAlmostEqual(row["Cost"], 0.145)
        for sheet in book:
            for values in sheet.iter_rows(values_only=True):
                self.assertFalse(
                    any("secret" in str(value) for value in values), values
                )
