# Copyright 2026 sms_gateway authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Attacks on the wizards: each one is its creator's alone, with the files it
holds (issue 9, item 6)."""

import base64
import io

import openpyxl

from odoo.exceptions import AccessError
from odoo.tests import HttpCase, JsonRpcException, tagged
from odoo.tools import mute_logger

from .common import SmsGatewaySecurityCase

SECRET_NAME = "Salainen Sakari"
SECRET_TEXT = "Meeting moved: the password is hunter2"


class SmsGatewayWizardSecurityCase(SmsGatewaySecurityCase):
    """One wizard of each transient model of the module, made by its user."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.partner = cls.env["res.partner"].create(
            {
                "name": "Wizard Wilma",
                "mobile": "+358401239999",
                "sms_consent": "granted",
            }
        )
        cls.group = (
            cls.env["sms.gateway.group"]
            .with_user(cls.user_sms)
            .create({"name": "Wizard group"})
        )
        csv = f"name,mobile\n{SECRET_NAME},+358401239998\n=HYPERLINK(1),+358401239997\n"
        cls.csv_data = csv.encode()
        env_user = cls.env(user=cls.user_sms)
        cls.wizards = {
            "sms.gateway.group.add": env_user["sms.gateway.group.add"].create(
                {"group_id": cls.group.id, "partner_ids": [(6, 0, cls.partner.ids)]}
            ),
            "sms.gateway.group.import": env_user["sms.gateway.group.import"].create(
                {
                    "group_id": cls.group.id,
                    "file": base64.b64encode(cls.csv_data),
                    "filename": "people.csv",
                }
            ),
            "sms.gateway.send.wizard": env_user["sms.gateway.send.wizard"]
            .with_context(active_model="res.partner", active_ids=cls.partner.ids)
            .create({"body": SECRET_TEXT}),
        }
        # an import that was run: its report and reported lines
        done = env_user["sms.gateway.group.import"].create(
            {
                "group_id": cls.group.id,
                "file": base64.b64encode(cls.csv_data + b"Bad Line,12\n"),
                "filename": "done.csv",
            }
        )
        done.action_import()
        cls.done_import = done.with_env(cls.env)
        cls.import_lines = cls.done_import.line_ids
        assert cls.import_lines, "the import reports its refused line"
        export = cls.env(user=cls.user_accountant)["sms.gateway.usage.export"].create(
            {"period": "last_month"}
        )
        export.action_export()
        cls.export = export.with_env(cls.env)
        cls.wizards["sms.gateway.usage.export"] = cls.export
        cls.wizards = {model: w.with_env(cls.env) for model, w in cls.wizards.items()}
        cls.attackers = (
            cls.user_sms_other,
            cls.user_sms_accountant,
            cls.user_manager,
            cls.user_sms_b,
        )

    def all_transient_models(self):
        """Every transient model of the module: none may be left without a rule."""
        module_models = (
            self.env["ir.model.data"]
            .sudo()
            .search([("module", "=", "sms_gateway"), ("model", "=", "ir.model")])
        )
        models = self.env["ir.model"].sudo().browse(module_models.mapped("res_id"))
        return sorted(
            m.model
            for m in models
            if m.model.startswith("sms.gateway") and self.env[m.model]._transient
        )


@tagged("post_install", "-at_install", "sms_gateway_security")
class TestSmsGatewayWizardSecurity(SmsGatewayWizardSecurityCase):
    def test_every_transient_model_has_a_creator_rule(self):
        models = self.all_transient_models()
        self.assertIn("sms.gateway.group.import.line", models)
        for model in models:
            with self.subTest(model=model):
                rules = (
                    self.env["ir.rule"]
                    .sudo()
                    .search([("model_id.model", "=", model), ("global", "=", True)])
                )
                self.assertTrue(rules, f"{model} has no global rule")
                for perm in ("perm_read", "perm_write", "perm_create", "perm_unlink"):
                    self.assertTrue(all(rules.mapped(perm)), (model, perm))

    def test_other_users_cannot_reach_a_wizard(self):
        for model, wizard in self.wizards.items():
            for user in self.attackers:
                Model = self.env[model].with_user(user)
                if not Model.has_access("read"):
                    continue  # no access right at all: even better
                with self.subTest(model=model, user=user.login):
                    self.assertFalse(Model.search([("id", "=", wizard.id)]))
                    self.assertEqual(Model.search_count([]), 0)
                    with self.assertRaises(AccessError):
                        wizard.with_user(user).read(["create_uid"])
                    with self.assertRaises(AccessError):
                        wizard.with_user(user).write({})
                    with self.assertRaises(AccessError):
                        wizard.with_user(user).unlink()
        for model, wizard in self.wizards.items():
            with self.subTest(model=model, user="creator"):
                self.assertTrue(wizard.with_user(wizard.create_uid).read(["id"]))

    def test_import_file_report_and_lines_stay_with_their_creator(self):
        wizard = self.wizards["sms.gateway.group.import"]
        for user in (self.user_sms_other, self.user_manager, self.user_sms_b):
            with self.subTest(user=user.login):
                with self.assertRaises(AccessError):
                    wizard.with_user(user).read(["file", "filename"])
                with self.assertRaises(AccessError):
                    self.done_import.with_user(user).read(["report_file", "summary"])
                Line = self.env["sms.gateway.group.import.line"].with_user(user)
                self.assertFalse(Line.search([]))
                with self.assertRaises(AccessError):
                    self.import_lines.with_user(user).read(["name", "mobile"])
                with self.assertRaises(AccessError):
                    Line.create(
                        {
                            "wizard_id": self.done_import.id,
                            "result": "refused",
                            "message": "planted",
                        }
                    )
                # nor by running someone else's import
                with self.assertRaises(AccessError):
                    wizard.with_user(user).action_import()
        self.assertEqual(self.done_import.line_ids, self.import_lines)
        # the creator reads their own lines
        self.assertTrue(
            self.import_lines.with_user(self.user_sms).read(["name", "mobile"])
        )

    def test_send_draft_text_stays_with_its_creator(self):
        wizard = self.wizards["sms.gateway.send.wizard"]
        for user in (self.user_sms_other, self.user_sms_accountant, self.user_manager):
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                wizard.with_user(user).read(["body", "preview_body"])
        self.assertEqual(
            wizard.with_user(self.user_sms).read(["body"])[0]["body"], SECRET_TEXT
        )

    def test_export_attachment_stays_with_its_creator(self):
        attachment = self.export.attachment_id
        self.assertTrue(attachment)
        for user in (self.user_sms_accountant, self.user_manager, self.user_sms_other):
            Attachment = self.env["ir.attachment"].with_user(user)
            with self.subTest(user=user.login):
                self.assertFalse(
                    Attachment.search(
                        [
                            ("res_model", "=", "sms.gateway.usage.export"),
                            ("res_id", "=", self.export.id),
                        ]
                    )
                )
                with self.assertRaises(AccessError):
                    attachment.with_user(user).read(["raw", "name"])
        self.assertTrue(attachment.with_user(self.user_accountant).read(["name"]))


@tagged("post_install", "-at_install", "sms_gateway_security")
class TestSmsGatewayWizardSecurityRpc(SmsGatewayWizardSecurityCase, HttpCase):
    """Another user's wizards over JSON-RPC and HTTP downloads."""

    def _call(self, model, method, args, **kwargs):
        return self.make_jsonrpc_request(
            "/web/dataset/call_kw",
            {"model": model, "method": method, "args": args, "kwargs": kwargs},
        )

    @mute_logger("odoo.http", "odoo.addons.base.models.ir_rule")
    def test_wizards_over_rpc(self):
        for login in ("sms_user_other", "sms_user_accountant", "sms_manager"):
            self.authenticate(login, login)
            for model, wizard in self.wizards.items():
                with self.subTest(login=login, model=model):
                    try:
                        rows = self._call(model, "search_read", [[]], fields=["id"])
                    except JsonRpcException as error:
                        self.assertIn("AccessError", str(error))
                    else:
                        self.assertNotIn(wizard.id, [row["id"] for row in rows])
                    with self.assertRaises(JsonRpcException) as caught:
                        self._call(
                            model,
                            "web_read",
                            [wizard.ids],
                            specification={"create_uid": {}},
                        )
                    self.assertIn("AccessError", str(caught.exception))
            rows = self._call(
                "ir.attachment",
                "search_read",
                [[("res_model", "like", "sms.gateway.%")]],
                fields=["name", "res_model", "res_id"],
            )
            self.assertEqual(rows, [], login)
            with self.assertRaises(JsonRpcException):
                self._call(
                    "sms.gateway.group.import.line",
                    "read",
                    [self.import_lines.ids, ["name", "mobile"]],
                )
        self.assertEqual(self.done_import.line_ids, self.import_lines)

    @mute_logger("odoo.http")
    def test_files_over_http(self):
        attachment = self.export.attachment_id
        imported = self.wizards["sms.gateway.group.import"]
        urls = [
            f"/web/content/{attachment.id}?download=true",
            f"/web/content/ir.attachment/{attachment.id}/datas",
            f"/web/content/sms.gateway.group.import/{imported.id}/file",
            f"/web/content/sms.gateway.group.import/{self.done_import.id}/report_file",
        ]
        self.authenticate("sms_user_accountant", "sms_user_accountant")
        for url in urls:
            with self.subTest(url=url):
                response = self.url_open(url)
                self.assertNotEqual(response.status_code, 200)
                self.assertNotIn(SECRET_NAME.encode(), response.content)
        # their creators download them
        self.authenticate("sms_accountant", "sms_accountant")
        response = self.url_open(urls[0])
        self.assertEqual(response.status_code, 200)
        openpyxl.load_workbook(io.BytesIO(response.content))
        self.authenticate("sms_user", "sms_user")
        response = self.url_open(urls[2])
        self.assertEqual(response.status_code, 200)
        self.assertIn(SECRET_NAME.encode(), response.content)
