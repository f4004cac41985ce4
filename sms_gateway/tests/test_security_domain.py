# Copyright 2026 sms_gateway authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Attacks through a domain a user writes: a dynamic group's filter, the send
wizard's "select all" domain, the add-contacts wizard's domain."""

import importlib.util
import json
import time
from pathlib import Path

from odoo.exceptions import UserError, ValidationError
from odoo.tests import HttpCase, JsonRpcException, tagged
from odoo.tools import SQL, mute_logger

from .common import JsonRpcMixin, SmsGatewaySecurityCase

PAYLOAD = "[('id', '=', user.sudo().write({'groups_id': [(4, %d)]}) and 0)]"
TOKEN_FILTER = "[('company_id.sms_gateway_account_ids.smsapi_token', '!=', False)]"
TOKEN_FILTER_LIST = [["company_id.sms_gateway_account_ids.smsapi_token", "!=", False]]
TOKEN = "SMSAPI-SECRET-TOKEN-0123456789"
# Observable when run by a superuser (as an upgrade would)
RENAME = (
    "[('id', '=', user.env['res.partner'].sudo().browse(%d)"
    ".write({'name': 'Pwned'}) and 0)]"
)


class DomainAttackCase(SmsGatewaySecurityCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.group_system = cls.env.ref("base.group_system")
        cls.payload = PAYLOAD % cls.group_system.id
        cls.set_sms_account(provider="smsapi", smsapi_token=TOKEN)
        fi = {"country_id": cls.country_fi.id, "sms_consent": "granted"}
        cls.p_visible = cls.Partner.create(
            dict(fi, name="Visible Vilma", mobile="0405550201")
        )
        cls.p_visible.company_id = cls.env.company
        cls.p_hidden = cls.Partner.create(
            dict(
                fi,
                name="Visible-looking Hidden Hanna",
                mobile="0405550202",
                company_id=cls.company_b.id,
            )
        )
        cls.Group = cls.env["sms.gateway.group"]

    def assertNotAdmin(self, *users):
        for user in users:
            user.invalidate_recordset()
            self.assertNotIn(self.group_system, user.groups_id, user.login)
            self.assertFalse(user.has_group("base.group_system"), user.login)

    def plant(self, group, domain):
        """Store a filter without the ORM (as an older version let it in)."""
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                "UPDATE sms_gateway_group SET partner_domain = %s, is_dynamic = TRUE"
                " WHERE id = %s",
                domain,
                group.id,
            )
        )
        group.invalidate_recordset()


@tagged("post_install", "-at_install")
class TestDomainAttacks(DomainAttackCase):
    def test_group_filter_cannot_run_code(self):
        Group = self.Group.with_user(self.user_sms)
        with self.assertRaisesMessage(ValidationError, "not allowed"):
            Group.create(
                {"name": "Escalate", "is_dynamic": True, "partner_domain": self.payload}
            )
        group = Group.create({"name": "Later"})
        with self.assertRaisesMessage(ValidationError, "not allowed"):
            group.write({"is_dynamic": True, "partner_domain": self.payload})
        self.assertNotAdmin(self.user_sms)

    def test_shared_editor_cannot_plant_code_for_the_owner(self):
        group = self.Group.with_user(self.user_manager).create(
            {
                "name": "Managers' list",
                "shared_user_ids": [(6, 0, self.user_sms.ids)],
                "shared_can_edit": True,
            }
        )
        with self.assertRaisesMessage(ValidationError, "not allowed"):
            group.with_user(self.user_sms).write(
                {"is_dynamic": True, "partner_domain": self.payload}
            )
        # planted anyway (an old database): listing and sending never run it
        self.plant(group, self.payload)
        as_manager = group.with_user(self.user_manager)
        self.assertEqual(as_manager.member_count, 0)
        self.assertFalse(
            self.Partner.with_user(self.user_manager).search(
                [("sms_gateway_group_ids", "in", group.ids)]
            )
        )
        self.p_visible.with_user(self.user_manager).sms_gateway_group_ids  # noqa: B018
        with self.assertRaisesMessage(UserError, "not allowed"):
            as_manager._sms_recipient_partners_query()
        wizard = (
            self.env["sms.gateway.send.wizard"]
            .with_user(self.user_manager)
            .create({"group_ids": [(6, 0, group.ids)], "body": "Hello"})
        )
        with self.assertRaisesMessage(UserError, "not allowed"):
            wizard.action_send()
        self.assertNotAdmin(self.user_manager, self.user_sms)

    def test_send_wizard_domain_cannot_run_code(self):
        Wizard = self.env["sms.gateway.send.wizard"].with_user(self.user_sms)
        with self.assertRaisesMessage(UserError, "not allowed"):
            Wizard.create({"partner_domain": self.payload, "body": "Hi"})
        wizard = Wizard.create({"body": "Hi", "partner_ids": self.p_visible.ids})
        with self.assertRaisesMessage(UserError, "not allowed"):
            wizard.partner_domain = self.payload
        # stored anyway (no constraint ran): evaluating it refuses it
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                "UPDATE sms_gateway_send_wizard SET partner_domain = %s WHERE id = %s",
                self.payload,
                wizard.id,
            )
        )
        wizard.invalidate_recordset()
        with self.assertRaisesMessage(UserError, "not allowed"):
            wizard.action_send()
        self.assertNotAdmin(self.user_sms)

    def test_filter_on_credentials_is_refused(self):
        """A filter would tell, partner by partner, what the token starts with."""
        Group = self.Group.with_user(self.user_sms)
        for domain in (
            TOKEN_FILTER,
            "[('company_id.sms_gateway_account_ids.smsapi_token', '=like', 'SMSAPI%')]",
            (
                "[('user_ids.company_id.sms_gateway_account_ids.twilio_auth_token', "
                "'!=', False)]"
            ),
            (
                "[('company_id', 'any', "
                "[('sms_gateway_account_ids.callback_secret', '!=', False)])]"
            ),
            (
                "[('user_ids', 'any', "
                "[('company_id.sms_gateway_account_ids.quriiri_api_key', "
                "'!=', False)])]"
            ),
            "[('company_id.sms_gateway_account_ids.location', '!=', False)]",
        ):
            with (
                self.subTest(domain=domain),
                self.assertRaisesMessage(ValidationError, "may not be used"),
            ):
                Group.create(
                    {"name": "Oracle", "is_dynamic": True, "partner_domain": domain}
                )
        # an administrator's filter on a credential is refused too: it would
        # run for the colleagues the group is shared with
        admin = self.env.ref("base.user_admin")
        with self.assertRaisesMessage(ValidationError, "may not be used"):
            self.Group.with_user(admin).create(
                {"name": "Oracle", "is_dynamic": True, "partner_domain": TOKEN_FILTER}
            )
        Wizard = self.env["sms.gateway.send.wizard"].with_user(self.user_sms)
        with self.assertRaisesMessage(UserError, "may not be used"):
            Wizard.create({"partner_domain": TOKEN_FILTER, "body": "Hi"})
        # the web client's "select all" domain (a list in the context)
        with self.assertRaisesMessage(UserError, "may not be used"):
            Wizard.with_context(
                active_model="res.partner",
                active_ids=self.p_visible.ids * 2,
                active_domain=[
                    ("company_id.sms_gateway_account_ids.smsapi_token", "=like", "S%")
                ],
            ).default_get(["partner_domain", "partner_ids"])
        Add = self.env["sms.gateway.group.add"].with_user(self.user_sms)
        group = Group.create({"name": "Mine"})
        with self.assertRaisesMessage(UserError, "may not be used"):
            Add.create(
                {"group_id": group.id, "partner_domain": json.dumps(TOKEN_FILTER_LIST)}
            ).action_add()
        self.assertFalse(group.member_ids)

    def test_field_groups_follow_the_reader(self):
        """A field the reader may not read cannot be filtered on by them."""
        domain = "[('sms_gateway_group_ids', '!=', False)]"
        Group = self.env["sms.gateway.group"]
        self.assertEqual(
            Group.with_user(self.user_sms)._sms_user_domain(domain),
            [("sms_gateway_group_ids", "!=", False)],
        )
        with self.assertRaisesMessage(UserError, "may not be used: you may not read"):
            Group.with_user(self.user_employee)._sms_user_domain(domain)
        with self.assertRaisesMessage(ValidationError, "no field"):
            self.Group.with_user(self.user_sms).create(
                {
                    "name": "Typo",
                    "is_dynamic": True,
                    "partner_domain": "[('company_id.nope', '=', 1)]",
                }
            )

    def test_filter_runs_with_the_readers_rules(self):
        group = self.Group.with_user(self.user_sms).create(
            {
                "name": "Visible ones",
                "is_dynamic": True,
                "partner_domain": "[('name', 'ilike', 'Visible')]",
            }
        )
        partners = set(group._sms_recipient_partners_query())
        self.assertIn(self.p_visible.id, partners)
        self.assertNotIn(self.p_hidden.id, partners)
        self.assertEqual(group.member_count, 1)
        wizard = (
            self.env["sms.gateway.send.wizard"]
            .with_user(self.user_sms)
            .create({"partner_domain": "[('name', 'ilike', 'Visible')]", "body": "Hi"})
        )
        self.assertEqual(wizard.count_sendable, 1)
        # "select all" (ids forged to include a hidden partner): the domain
        # is evaluated with the reader's rules, never as superuser
        wizard = (
            self.env["sms.gateway.send.wizard"]
            .with_user(self.user_sms)
            .with_context(
                active_model="res.partner",
                active_ids=[self.p_visible.id, self.p_hidden.id],
                active_domain=[("name", "ilike", "Visible")],
            )
            .create({"body": "Hi"})
        )
        self.assertEqual(wizard.count_sendable, 1)
        wizard.action_send()
        sent = (
            self.env["sms.gateway.message"]
            .sudo()
            .search([("mailing_id.user_id", "=", self.user_sms.id)])
        )
        self.assertEqual(sent.partner_id, self.p_visible)

    def test_placeholders_of_the_filter(self):
        group = self.Group.with_user(self.user_sms).create(
            {
                "name": "Mine",
                "is_dynamic": True,
                "partner_domain": "['&', ('user_ids', 'in', [uid]), "
                "('company_id', 'in', company_ids)]",
            }
        )
        self.user_sms.partner_id.company_id = self.env.company
        self.assertEqual(
            set(group._sms_recipient_partners_query()), {self.user_sms.partner_id.id}
        )
        # read by a colleague it is shared with, uid is the colleague
        group.shared_user_ids = self.user_sms_other
        self.user_sms_other.partner_id.company_id = self.env.company
        self.assertEqual(
            set(group.with_user(self.user_sms_other)._sms_recipient_partners_query()),
            {self.user_sms_other.partner_id.id},
        )

    def test_huge_and_deep_filters_are_refused_fast(self):
        Group = self.Group.with_user(self.user_sms)
        started = time.perf_counter()
        for domain, message in (
            ("[" + "('name', '=', 'x'), " * 100_000 + "]", "characters"),
            ("[" + "('id', '=', 1), " * 2_000 + "]", "conditions"),
            ("[" * 5_000 + "]" * 5_000, "nested"),
            ("[('id', 'in', " + "(1, " * 3000 + ")" * 3000 + ")]", "nested"),
            ("[('name', '=', 'x' * 10 ** 9)]", "not allowed"),
        ):
            with (
                self.subTest(message=message),
                self.assertRaisesMessage(ValidationError, message),
            ):
                Group.create(
                    {"name": "Big", "is_dynamic": True, "partner_domain": domain}
                )
        self.assertLess(time.perf_counter() - started, 5)

    @mute_logger("post_group_domains")
    def test_migration_turns_off_refused_filters(self):
        good = self.Group.create(
            {
                "name": "Good",
                "is_dynamic": True,
                "partner_domain": "[('name', 'ilike', 'Visible')]",
            }
        )
        bad = self.Group.create({"name": "Bad", "note": "Our volunteers"})
        self.plant(bad, self.payload)
        oracle = self.Group.create({"name": "Oracle"})
        self.plant(oracle, TOKEN_FILTER)
        rename = self.Group.create({"name": "Rename"})
        self.plant(rename, RENAME % self.p_visible.id)
        path = (
            Path(__file__).parent.parent / "migrations/18.0.1.1.0/post-group-domains.py"
        )
        spec = importlib.util.spec_from_file_location("post_group_domains", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        module.migrate(self.env.cr, "18.0.1.0.0")
        self.env.invalidate_all()
        self.assertEqual(self.p_visible.name, "Visible Vilma")
        self.assertFalse(rename.is_dynamic)
        self.assertTrue(good.is_dynamic)
        self.assertFalse(bad.is_dynamic)
        self.assertFalse(oracle.is_dynamic)
        self.assertIn("Our volunteers", bad.note)
        self.assertIn("turned off", bad.note)
        self.assertIn("not allowed", bad.note)
        self.assertIn("turned off", oracle.note)
        self.assertEqual(bad.partner_domain, self.payload)  # kept, to rewrite
        self.assertNotAdmin(self.user_sms)


@tagged("post_install", "-at_install")
class TestDomainAttacksRpc(DomainAttackCase, JsonRpcMixin, HttpCase):
    def _call(self, model, method, args, **kwargs):
        """The result, or raise JsonRpcException with the error's message."""
        response = self.call_kw(model, method, args, **kwargs)
        if "error" in response:
            data = response["error"]["data"]
            raise JsonRpcException(data["name"], f"{data['name']}: {data['message']}")
        return response["result"]

    @mute_logger("odoo.http")
    def test_payloads_over_rpc(self):
        self.authenticate(self.user_sms.login, self.user_sms.login)
        model = "sms.gateway.send.wizard"
        # the payload in the send wizard's domain
        with self.assertRaises(JsonRpcException) as caught:
            self._call(model, "create", [{"partner_domain": self.payload, "body": "x"}])
        self.assertIn("not allowed", str(caught.exception))
        wizard_id = self._call(
            model, "create", [{"partner_ids": self.p_visible.ids, "body": "x"}]
        )
        for method, args in (
            ("write", [[wizard_id], {"partner_domain": self.payload}]),
            ("web_save", [[wizard_id], {"partner_domain": self.payload}]),
            (
                "onchange",
                [
                    [],
                    {"partner_domain": self.payload, "body": "x"},
                    ["partner_domain"],
                    {"count_sendable": {}, "partner_domain": {}, "body": {}},
                ],
            ),
        ):
            with self.subTest(method=method):
                kwargs = {"specification": {"count_sendable": {}}}
                with self.assertRaises(JsonRpcException) as caught:
                    self._call(
                        model, method, args, **(kwargs if method == "web_save" else {})
                    )
                self.assertIn("not allowed", str(caught.exception))
        # in a dynamic group
        with self.assertRaises(JsonRpcException) as caught:
            self._call(
                "sms.gateway.group",
                "create",
                [{"name": "x", "is_dynamic": True, "partner_domain": self.payload}],
            )
        self.assertIn("not allowed", str(caught.exception))
        # the credential oracle through "select all"
        with self.assertRaises(JsonRpcException) as caught:
            self._call(
                model,
                "default_get",
                [["partner_domain", "partner_ids"]],
                context={
                    "active_model": "res.partner",
                    "active_ids": [self.p_visible.id] * 2,
                    "active_domain": TOKEN_FILTER_LIST,
                },
            )
        self.assertIn("may not be used", str(caught.exception))
        self.assertNotAdmin(self.user_sms)
