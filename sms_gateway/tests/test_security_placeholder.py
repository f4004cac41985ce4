# Copyright 2026 sms_gateway authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Attacks through the placeholders of an SMS text: reaching the provider's
credentials or other fields and records the sender may not read."""

import json

from odoo.exceptions import UserError
from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tools import mute_logger

from .common import JsonRpcMixin, SmsGatewaySecurityCase

TOKEN = "SMSAPI-SECRET-TOKEN-0123456789"
TWILIO = "TWILIO-SECRET-AUTH-9876543210"
# Any User may write plain field paths
PATHS = (
    "object.company_id.sms_gateway_account_ids.smsapi_token",
    "object.user_ids.company_id.sms_gateway_account_ids.smsapi_token",
    "object.company_id.sms_gateway_account_ids.twilio_auth_token",
    "object.commercial_partner_id.company_id.sms_gateway_account_ids.callback_secret",
)
# Template editors may write more
EXPRESSIONS = (
    *PATHS,
    "object.sudo().company_id.sms_gateway_account_ids.smsapi_token",
    "object.env['sms.gateway.account'].sudo().search([]).smsapi_token",
    "object.company_id.sms_gateway_account_ids.read(['smsapi_token'])",
    "object.company_id.sms_gateway_account_ids['smsapi_token']",
    "object.company_id.mapped('sms_gateway_account_ids.smsapi_token')",
    "object.company_id.sudo().sms_gateway_account_ids.smsapi_token",
    "object.with_user(1).company_id.sms_gateway_account_ids.smsapi_token",
    "'{0.company_id.sms_gateway_account_ids.smsapi_token}'.format(object)",
    "user.company_id.sms_gateway_account_ids.smsapi_token",
    "company.sms_gateway_account_ids.smsapi_token",
    "(object.company_id or company).sms_gateway_account_ids.twilio_auth_token",
    "[a.smsapi_token for a in user.company_ids.sms_gateway_account_ids]",
    "getattr(company.sms_gateway_account_ids, 'smsapi_token')",
    "company.__class__",
    "object._fields",
    "user.signature and company.sms_gateway_account_ids.smsapi_token",
)


class PlaceholderAttackCase(SmsGatewaySecurityCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        smsapi = cls.set_sms_account(provider="smsapi", smsapi_token=TOKEN)
        twilio = cls.add_sms_account(
            provider="twilio",
            twilio_account_sid="AC" + "3" * 32,
            twilio_auth_token=TWILIO,
        )
        cls.secrets = (
            TOKEN,
            TWILIO,
            smsapi.sudo().callback_secret,
            twilio.sudo().callback_secret,
        )
        cls.editor = new_test_user(
            cls.env,
            login="sms_user_editor",
            name="Eeva Editor",
            groups="base.group_user,sms_gateway.group_sms_gateway_user,"
            "mail.group_mail_template_editor",
        )
        cls.plain = cls.user_sms
        cls.plain.groups_id -= cls.env.ref("mail.group_mail_template_editor")
        cls.boss = cls.Partner.create({"name": "Boss Oy", "is_company": True})
        cls.recipient = cls.Partner.create(
            {
                "name": "Riikka Recipient",
                "mobile": "0405550301",
                "country_id": cls.country_fi.id,
                "sms_consent": "granted",
                "company_id": cls.env.company.id,
                "parent_id": cls.boss.id,
            }
        )
        cls.recipient.user_ids = cls.user_sms_other

    def wizard(self, user, body, partners=None):
        return (
            self.env["sms.gateway.send.wizard"]
            .with_user(user)
            .create({"body": body, "partner_ids": (partners or self.recipient).ids})
        )

    def warm_cache(self):
        """What the send does first: the provider reads its credentials as
        superuser, which leaves them in the transaction's cache."""
        for account in self.env["sms.gateway.account"].sudo().search([]):
            account._sms_provider_config()
            account.read(["smsapi_token", "twilio_auth_token", "callback_secret"])

    def assertNoSecret(self, text):
        for secret in self.secrets:
            self.assertNotIn(secret, text or "")

    def assertNothingQueued(self):
        bodies = self.env["sms.gateway.message"].sudo().search([]).mapped("body")
        for body in bodies:
            self.assertNoSecret(body)


@tagged("post_install", "-at_install")
class TestPlaceholderAttacks(PlaceholderAttackCase):
    def test_token_paths_are_refused_for_a_user(self):
        for expression in PATHS:
            with self.subTest(expression=expression):
                self.warm_cache()
                wizard = self.wizard(self.plain, "Hi {{ %s }}" % expression)
                self.assertNoSecret(wizard.preview_body)
                self.assertIn("not allowed", wizard.preview_body)
                with self.assertRaisesMessage(UserError, "credentials"):
                    wizard.action_send()
        self.assertNothingQueued()

    def test_token_expressions_are_refused_for_a_template_editor(self):
        for expression in EXPRESSIONS:
            with self.subTest(expression=expression):
                self.warm_cache()
                wizard = self.wizard(self.editor, "Hi {{ %s }}" % expression)
                self.assertNoSecret(wizard.preview_body)
                with self.assertRaisesMessage(UserError, "not allowed|cannot be"):
                    wizard.action_send()
        self.assertNothingQueued()

    def test_an_administrator_cannot_put_a_token_in_a_text(self):
        admin = self.env.ref("base.user_admin")
        admin.groups_id |= self.env.ref("sms_gateway.group_sms_gateway_user")
        self.warm_cache()
        wizard = self.wizard(
            admin, "Hi {{ object.company_id.sms_gateway_account_ids.smsapi_token }}"
        )
        with self.assertRaisesMessage(UserError, "credentials"):
            wizard.action_send()
        self.assertNothingQueued()

    def test_render_is_the_senders_rights(self):
        mailing = (
            self.env["sms.gateway.mailing"]
            .with_user(self.editor)
            .new(
                {
                    "name": "x",
                    "body": (
                        "{{ object.company_id.sms_gateway_account_ids.smsapi_token }}"
                    ),
                    "company_id": self.env.company.id,
                }
            )
        )
        self.warm_cache()
        with self.assertRaisesMessage(UserError, "credentials"):
            mailing._sms_render_for(self.recipient.id)

    def test_fields_and_records_the_sender_may_not_read(self):
        # a partner of another company, reached through a relation
        hidden = self.Partner.create(
            {"name": "Hidden Holding Ab", "company_id": self.company_b.id}
        )
        self.recipient.parent_id = hidden
        hidden.read(["name"])  # in the cache, read as superuser
        for user in (self.plain, self.editor):
            with self.subTest(user=user.login):
                wizard = self.wizard(user, "Hi {{ object.parent_id.name }}")
                self.assertNotIn("Hi Hidden", wizard.preview_body)
                self.assertIn("may not read", wizard.preview_body)
                with self.assertRaisesMessage(UserError, "may not read"):
                    wizard.action_send()
        self.assertNothingQueued()

    def test_plain_paths_and_editor_expressions_still_work(self):
        self.boss.name = "Boss Oy"
        action = self.wizard(
            self.plain, "Hi {{ object.name }} of {{ object.parent_id.name }}"
        ).action_send()
        mailing = self.env["sms.gateway.mailing"].browse(action["res_id"])
        self.assertEqual(mailing.message_ids.body, "Hi Riikka Recipient of Boss Oy")
        action = self.wizard(
            self.editor,
            "{{ object.name.upper() }} / {{ object.function or 'friend' }} / "
            "{{ object.parent_id }} / {{ len(object.name) }} / "
            "{{ user.name }} / {{ company.name }}",
        ).action_send()
        mailing = self.env["sms.gateway.mailing"].browse(action["res_id"])
        self.assertEqual(
            mailing.message_ids.body,
            f"RIIKKA RECIPIENT / friend / Boss Oy / 16 / Eeva Editor / "
            f"{self.env.company.name}",
        )


@tagged("post_install", "-at_install")
class TestPlaceholderAttacksRpc(PlaceholderAttackCase, JsonRpcMixin, HttpCase):
    def _call(self, model, method, args, **kwargs):
        response = self.call_kw(model, method, args, **kwargs)
        return response.get("result"), json.dumps(response.get("error"))

    @mute_logger("odoo.http")
    def test_tokens_over_rpc(self):
        model = "sms.gateway.send.wizard"
        for user, expressions in ((self.plain, PATHS), (self.editor, EXPRESSIONS)):
            self.authenticate(user.login, user.login)
            for expression in expressions:
                with self.subTest(user=user.login, expression=expression):
                    values = {
                        "body": "Hi {{ %s }}" % expression,
                        "partner_ids": [(6, 0, self.recipient.ids)],
                    }
                    result, error = self._call(
                        model,
                        "onchange",
                        [[], values, ["body"], {"preview_body": {}, "body": {}}],
                    )
                    self.assertNoSecret(json.dumps(result))
                    self.assertNoSecret(error)
                    wizard_id, error = self._call(model, "create", [values])
                    self.assertTrue(wizard_id, error)
                    result, error = self._call(
                        model, "read", [[wizard_id], ["preview_body"]]
                    )
                    self.assertNoSecret(json.dumps(result))
                    result, error = self._call(model, "action_send", [[wizard_id]])
                    self.assertIsNone(result)
                    self.assertIn("UserError", error)
                    self.assertNoSecret(error)
        self.assertNothingQueued()
        self.assertFalse(self.env["sms.gateway.message"].sudo().search([]))
