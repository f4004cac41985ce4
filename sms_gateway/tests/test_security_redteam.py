# Copyright 2026 sms_gateway authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Attacks on the merged security model, tried over JSON-RPC as each kind of
person: what the other attack suites did not cover."""

from odoo.exceptions import AccessError
from odoo.tests import HttpCase, JsonRpcException, tagged
from odoo.tools import mute_logger

from .common import SmsGatewaySecurityCase

MAILING = "sms.gateway.mailing"
WIZARD = "sms.gateway.send.wizard"


@tagged("post_install", "-at_install", "sms_gateway_security")
class TestSmsGatewayRedTeamRpc(SmsGatewaySecurityCase, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.hidden = cls.env["res.partner"].create(
            {
                "name": "Hidden Hilda of B",
                "email": "hilda@b.example.com",
                "mobile": "+46701234567",
                "company_id": cls.company_b.id,
            }
        )
        cls.visible = cls.env["res.partner"].create(
            {
                "name": "Visible Ville",
                "mobile": "+358401234567",
                "sms_consent": "granted",
            }
        )
        cls.mailing = (
            cls.env[MAILING]
            .with_user(cls.user_sms)
            .create({"name": "Own draft", "body": "Hi {{ object.name }}"})
        )

    def _call(self, model, method, args, **kwargs):
        return self.make_jsonrpc_request(
            "/web/dataset/call_kw",
            {"model": model, "method": method, "args": args, "kwargs": kwargs},
        )

    @mute_logger("odoo.http")
    def test_renderer_is_not_an_rpc_method(self):
        """The mailing's renderer takes any partner id: it is not for
        JSON-RPC, even on one's own mailing for a readable partner."""
        self.authenticate("sms_user", "sms_user")
        with self.assertRaises(JsonRpcException) as caught:
            self._call(MAILING, "render_for", [self.mailing.ids, self.visible.id])
        self.assertNotIn("Visible Ville", str(caught.exception))

    @mute_logger("odoo.http")
    def test_send_preview_never_names_an_unreadable_partner(self):
        """A forged preview contact or recipient of another company: the
        preview neither renders for it nor names it, and a draft cannot keep
        it (a saved many-to-one would show its name)."""
        self.authenticate("sms_user", "sms_user")
        result = self._call(
            WIZARD,
            "onchange",
            [
                [],
                {"body": "Hi {{ object.name }}", "preview_partner_id": self.hidden.id},
                ["preview_partner_id"],
                {"body": {}, "preview_body": {}},
            ],
        )
        self.assertNotIn("Hilda", repr(result))
        for values in (
            {"body": "Hi {{ object.name }}", "preview_partner_id": self.hidden.id},
            {"body": "Hi", "partner_ids": [(6, 0, [self.hidden.id])]},
            {"body": "Hi", "partner_ids": [(4, self.hidden.id)]},
        ):
            with self.assertRaises(JsonRpcException) as caught:
                self._call(WIZARD, "create", [values])
            self.assertIn("AccessError", str(caught.exception))
        # the same ids as defaults of the context
        for key, value in (
            ("default_preview_partner_id", self.hidden.id),
            ("default_partner_ids", [self.hidden.id]),
        ):
            with self.assertRaises(JsonRpcException, msg=key) as caught:
                self._call(WIZARD, "create", [{"body": "Hi"}], context={key: value})
            self.assertIn("AccessError", str(caught.exception))
        wizard = self._call(
            WIZARD,
            "create",
            [
                {
                    "body": "Hi {{ object.name }}",
                    "partner_ids": [(6, 0, self.visible.ids)],
                }
            ],
        )
        with self.assertRaises(JsonRpcException):
            self._call(
                WIZARD, "write", [[wizard], {"preview_partner_id": self.hidden.id}]
            )
        rows = self._call(WIZARD, "read", [[wizard], ["preview_body"]])
        self.assertEqual(rows[0]["preview_body"], "Hi Visible Ville")

    def test_preview_of_a_readable_partner_still_renders(self):
        wizard = (
            self.env[WIZARD]
            .with_user(self.user_sms)
            .create(
                {
                    "body": "Hi {{ object.name }}",
                    "partner_ids": [(6, 0, self.visible.ids)],
                    "preview_partner_id": self.visible.id,
                }
            )
        )
        self.assertEqual(wizard.preview_body, "Hi Visible Ville")
        with self.assertRaises(AccessError):
            wizard.write({"partner_ids": [(4, self.hidden.id)]})

    @mute_logger("odoo.http")
    def test_group_windows_never_name_an_unseen_group(self):
        """The add-contacts and import windows keep a group: a forged id of
        another user's private group is refused (a saved many-to-one would
        show its name)."""
        private = (
            self.env["sms.gateway.group"]
            .with_user(self.user_sms_other)
            .create({"name": "Olli's debtors"})
        )
        self.authenticate("sms_user", "sms_user")
        for model, values in (
            ("sms.gateway.group.add", {"group_id": private.id}),
            ("sms.gateway.group.import", {"group_id": private.id}),
        ):
            with self.assertRaises(JsonRpcException, msg=model) as caught:
                self._call(model, "create", [values])
            self.assertIn("AccessError", str(caught.exception))
            self.assertNotIn("debtors", str(caught.exception))
        own = self._call("sms.gateway.group", "create", [{"name": "Mine"}])
        wizard = self._call("sms.gateway.group.add", "create", [{"group_id": own}])
        with self.assertRaises(JsonRpcException):
            self._call(
                "sms.gateway.group.add", "write", [[wizard], {"group_id": private.id}]
            )
        rows = self._call("sms.gateway.group.add", "read", [[wizard], ["group_id"]])
        self.assertEqual(rows[0]["group_id"], [own, "Mine"])

    @mute_logger("odoo.http")
    def test_send_window_of_another_company(self):
        """A User of the first company forges the send window's company: they
        neither keep such a draft nor read the other company's SMS settings
        through it."""
        self.company_b.sms_gateway_max_parts = 3
        self.sms_account_b.price_per_part = 0.4321
        self.authenticate("sms_user", "sms_user")
        with self.assertRaises(JsonRpcException) as caught:
            self._call(
                WIZARD, "create", [{"body": "Hi", "company_id": self.company_b.id}]
            )
        self.assertIn("AccessError", str(caught.exception))
        with self.assertRaises(JsonRpcException):
            self._call(
                WIZARD,
                "onchange",
                [
                    [],
                    {"body": "Hi", "company_id": self.company_b.id},
                    ["company_id"],
                    {
                        "body": {},
                        "company_id": {},
                        "max_parts": {},
                        "cost_estimate": {},
                    },
                ],
            )
        own = self._call(WIZARD, "create", [{"body": "Hi"}])
        rows = self._call(WIZARD, "read", [[own], ["max_parts"]])
        self.assertEqual(rows[0]["max_parts"], self.env.company.sms_gateway_max_parts)
