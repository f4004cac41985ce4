# Copyright 2026 sms_gateway authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Attacks on the SMS accounts, as every kind of user but a system
administrator: reading a credential or a delivery report secret by any way
(directly, by a related path through the messages or the usage report, by
grouping, exporting, searching, in the chatter), changing or copying an
account, pressing its buttons over JSON-RPC, seeing another company's
accounts; and on the per-account delivery report routes."""

import inspect

from odoo.exceptions import AccessError, UserError
from odoo.tests import HttpCase, tagged
from odoo.tools import mute_logger

from ..tools.providers import twilio
from .common import JsonRpcMixin, SmsGatewaySecurityCase, account_secret_fields

SECRET_FIELDS = account_secret_fields()

TOKEN = "smsapi-token-Rr4-never-shown"
TWILIO_TOKEN = "twilio-token-Mm2-never-shown"
ACCESS_ERROR = "odoo.exceptions.AccessError"


class AccountAttackCase(SmsGatewaySecurityCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env.company
        Account = cls.env["sms.gateway.account"].with_user(cls.admin)
        cls.smsapi = Account.create(
            {"name": "SMSAPI", "provider": "smsapi", "smsapi_token": TOKEN}
        )
        cls.twilio = Account.create(
            {
                "name": "Twilio",
                "provider": "twilio",
                "twilio_account_sid": "AC" + "4" * 32,
                "twilio_auth_token": TWILIO_TOKEN,
                "sequence": 60,
            }
        )
        # The administrator changes the credentials: nothing of it is tracked.
        cls.smsapi.write({"smsapi_token": TOKEN, "sender": "MyShop"})
        cls.smsapi.action_renew_callback_secret()
        cls.secrets = (
            TOKEN,
            TWILIO_TOKEN,
            cls.smsapi.sudo().callback_secret,
            cls.twilio.sudo().callback_secret,
            cls.sms_account_b.sudo().callback_secret,
        )
        cls.message = (
            cls.env["sms.gateway.message"]
            .sudo()
            .create(
                {
                    "company_id": cls.company.id,
                    "user_id": cls.user_sms.id,
                    "number": "+48500100200",
                    "body": "Hei",
                    "state": "sent",
                    "provider": "smsapi",
                    "account_id": cls.smsapi.id,
                    "provider_ref": "REF-1",
                    "uid": "acc-uid-1",
                    "parts": 1,
                    "sent_at": "2026-11-01 10:00:00",
                }
            )
        )
        cls.attackers = {
            "User": cls.user_sms,
            "Accountant": cls.user_accountant,
            "User+Accountant": cls.user_sms_accountant,
            "SMS Manager": cls.user_manager,
            "employee": cls.user_employee,
            "portal": cls.user_portal,
            "company B user": cls.user_sms_b,
        }

    def state(self):
        self.env.flush_all()
        self.env.invalidate_all()
        Account = self.env["sms.gateway.account"].sudo().with_context(active_test=False)
        return {
            account.id: {
                fname: account[fname]
                for fname in (
                    *SECRET_FIELDS,
                    "name",
                    "active",
                    "provider",
                    "sender",
                )
            }
            for account in Account.search([])
        }


@tagged("post_install", "-at_install")
class TestAccountSecrets(AccountAttackCase):
    def assertRefused(self, what, method, *args):
        """``method(*args)`` raises AccessError, or ValueError for what cannot
        be searched or grouped at all."""
        try:
            with self.env.cr.savepoint():
                method(*args)
        except (AccessError, ValueError):
            return
        self.fail(f"allowed: {what}")

    def test_no_way_to_read_a_credential(self):
        paths = [f"account_id.{fname}" for fname in SECRET_FIELDS]
        for label, user in self.attackers.items():
            Account = self.env["sms.gateway.account"].with_user(user)
            account = self.smsapi.with_user(user)
            for fname in SECRET_FIELDS:
                what = f"{label}: {fname}"
                with self.assertRaises(AccessError, msg=what):
                    account.read([fname])
                with self.assertRaises(AccessError, msg=what):
                    Account.search_read([], [fname])
                if Account._fields[fname].store:  # (not searchable otherwise)
                    self.assertRefused(what, Account.search, [(fname, "!=", False)])
                with self.assertRaises(UserError, msg=what):
                    account.export_data(["name", fname])
                with self.assertRaises(AccessError, msg=what):
                    account.web_read({fname: {}})
                self.assertRefused(what, Account.read_group, [], [], [fname])
                self.assertRefused(what, Account.web_read_group, [], ["name"], [fname])
            self.assertFalse(set(Account.fields_get()) & set(SECRET_FIELDS), label)
            # Through the messages and the usage report, by a related path.
            for model in ("sms.gateway.message", "sms.gateway.usage.report"):
                Model = self.env[model].with_user(user)
                if not Model.has_access("read"):
                    continue
                for fname, path in zip(SECRET_FIELDS, paths, strict=True):
                    what = f"{label}: {model} {path}"
                    try:
                        with self.env.cr.savepoint():
                            rows = Model.web_search_read(
                                [], {"account_id": {"fields": {fname: {}}}}
                            )["records"]
                    except AccessError:
                        rows = []
                    # (no error only when none of the rows is theirs to read)
                    self.assertFalse(rows, what)
                    if Account._fields[fname].store:
                        self.assertRefused(what, Model.search, [(path, "!=", False)])
                    with self.assertRaises(UserError, msg=what):
                        Model.search([]).export_data([path.replace(".", "/")])
                    self.assertRefused(what, Model.read_group, [], ["id:count"], [path])

    def test_the_chatter_holds_no_credential(self):
        self.flush_tracking()
        self.env["sms.gateway.account"].with_user(self.admin).browse(
            self.smsapi.id
        ).message_post(body="note")
        tracked = self.env["mail.tracking.value"].sudo().search([])
        for value in tracked:
            for secret in self.secrets:
                self.assertNotIn(secret, value.old_value_char or "")
                self.assertNotIn(secret, value.new_value_char or "")
        bodies = self.env["mail.message"].sudo().search([]).mapped("body")
        for body in bodies:
            for secret in self.secrets:
                self.assertNotIn(secret, body or "")
        # What a User may read of the account's chatter holds no secret either.
        messages = (
            self.env["mail.message"]
            .with_user(self.user_sms)
            .search([("model", "=", "sms.gateway.account")])
        )
        self.assertTrue(messages)
        for values in messages.read(["body", "subject", "preview"]):
            for secret in self.secrets:
                self.assertNotIn(secret, str(values))
        # Tracking values are for administrators only.
        with self.assertRaises(AccessError):
            messages.read(["tracking_value_ids"])

    def test_nobody_else_changes_copies_or_posts(self):
        before = self.state()
        for label, user in self.attackers.items():
            Account = self.env["sms.gateway.account"].with_user(user)
            account = self.smsapi.with_user(user)
            with self.assertRaises(AccessError, msg=label):
                Account.create({"name": "Mine", "provider": "sandbox"})
            with self.assertRaises(AccessError, msg=label):
                account.write({"sender": "Mine"})
            with self.assertRaises(AccessError, msg=label):
                account.write({"smsapi_base_url": "https://attacker.example"})
            with self.assertRaises(AccessError, msg=label):
                account.copy()
            with self.assertRaises(AccessError, msg=label):
                account.unlink()
            with self.assertRaises(AccessError, msg=label):
                account.action_archive()
            with self.assertRaises(AccessError, msg=label):
                account.message_post(body="x")
        self.assertEqual(self.state(), before)

    def test_another_companys_accounts_are_not_seen(self):
        Account = self.env["sms.gateway.account"].with_context(active_test=False)
        own_b = Account.with_user(self.user_sms_b).search([])
        self.assertEqual(own_b, self.sms_account_b)
        for user in (self.user_sms, self.user_accountant, self.user_manager):
            seen = Account.with_user(user).search([])
            self.assertTrue(seen)
            self.assertEqual(seen.company_id, self.company)
            with self.assertRaises(AccessError):
                self.sms_account_b.with_user(user).read(["name"])
        with self.assertRaises(AccessError):
            self.smsapi.with_user(self.user_sms_b).read(["name", "provider"])
        # Not even by the messages' account.
        self.assertFalse(
            self.env["sms.gateway.message"]
            .with_user(self.user_sms_b)
            .search([("account_id", "=", self.smsapi.id)])
        )


@tagged("post_install", "-at_install")
class TestAccountRpc(AccountAttackCase, JsonRpcMixin, HttpCase):
    def public_actions(self):
        Account = type(self.env["sms.gateway.account"])
        return sorted(
            name
            for name, _member in inspect.getmembers(Account, callable)
            if name.startswith("action_")
        )

    @mute_logger("odoo.http")
    def test_no_button_over_json_rpc(self):
        actions = self.public_actions()
        self.assertIn("action_send_test", actions)
        self.assertIn("action_renew_callback_secret", actions)
        before = self.state()
        for label, user in self.attackers.items():
            self.authenticate(user.login, user.login)
            for method in actions:
                for account in (self.smsapi, self.sms_account_b):
                    answer = self.call_kw("sms.gateway.account", method, [account.ids])
                    what = f"{label} {method} on {account.name}"
                    self.assertIn("error", answer, f"{what}: {answer.get('result')}")
                    self.assertEqual(
                        answer["error"]["data"]["name"], ACCESS_ERROR, what
                    )
            for method, args in (
                ("read", [self.smsapi.ids, list(SECRET_FIELDS)]),
                ("copy", [self.smsapi.ids]),
                ("unlink", [self.smsapi.ids]),
                ("write", [self.smsapi.ids, {"smsapi_token": "mine"}]),
                ("create", [{"name": "Mine", "provider": "sandbox"}]),
            ):
                answer = self.call_kw("sms.gateway.account", method, args)
                self.assertIn("error", answer, f"{label} {method}")
            answer = self.call_kw(
                "sms.gateway.message",
                "web_search_read",
                [[]],
                specification={"account_id": {"fields": {"smsapi_token": {}}}},
            )
            if "error" not in answer:  # none of the messages is theirs to read
                self.assertFalse(answer["result"]["records"], label)
            text = str(answer)
            for secret in self.secrets:
                self.assertNotIn(secret, text, label)
        self.assertEqual(self.state(), before)


@tagged("post_install", "-at_install")
class TestAccountRoutes(AccountAttackCase, HttpCase):
    def events(self):
        self.env.flush_all()
        return self.env["sms.gateway.delivery.event"].sudo().search_count([])

    def path(self, account, secret=None, code=None):
        account = account.sudo()
        secret = account.callback_secret if secret is None else secret
        return f"/sms_gateway/delivery/{code or account.provider}/{account.id}/{secret}"

    @mute_logger("odoo.addons.sms_gateway.controllers.main", "odoo.http")
    def test_reports_that_do_not_authenticate(self):
        before = self.events()
        quriiri = self.add_sms_account(provider="quriiri", quriiri_api_key="k")
        secret = self.smsapi.sudo().callback_secret
        report = "?MsgId=REF-1&status=404"
        for path in (
            self.path(self.smsapi, "wrong-secret"),
            self.path(self.smsapi, quriiri.sudo().callback_secret),
            self.path(self.smsapi, self.sms_account_b.sudo().callback_secret),
            self.path(quriiri, secret),
            self.path(self.smsapi, code="quriiri"),
            self.path(self.smsapi, code="sandbox"),
            self.path(self.smsapi, code="nope"),
            f"/sms_gateway/delivery/smsapi/{self.smsapi.id + 100000}/{secret}",
            f"/sms_gateway/delivery/twilio/{self.twilio.id}/{secret}",
            f"/sms_gateway/status/smsapi/{self.company_b.id}/{secret}",
            f"/sms_gateway/status/quriiri/{self.company.id}/{secret}",
        ):
            with self.subTest(path=path):
                response = self.url_open(path + report)
                self.assertEqual(response.status_code, 404, path)
                for value in self.secrets:
                    self.assertNotIn(value, response.text)
        self.assertEqual(self.events(), before)

    @mute_logger("odoo.addons.sms_gateway.controllers.main", "odoo.http")
    def test_twilio_signed_with_another_accounts_token(self):
        other = self.add_sms_account(
            self.company_b,
            "twilio",
            twilio_account_sid="AC" + "5" * 32,
            twilio_auth_token="token-of-b",
        )
        before = self.events()
        params = {"MessageSid": "SM1", "MessageStatus": "delivered"}
        for account, token in ((self.twilio, "token-of-b"), (other, TWILIO_TOKEN)):
            path = f"/sms_gateway/delivery/twilio/{account.id}"
            signature = twilio.compute_signature(token, self.base_url() + path, params)
            response = self.url_open(
                path, data=params, headers={"X-Twilio-Signature": signature}
            )
            self.assertEqual(response.status_code, 403, account.name)
        self.assertEqual(self.events(), before)
        # Its own token passes.
        path = f"/sms_gateway/delivery/twilio/{self.twilio.id}"
        signature = twilio.compute_signature(
            TWILIO_TOKEN, self.base_url() + path, params
        )
        response = self.url_open(
            path, data=params, headers={"X-Twilio-Signature": signature}
        )
        self.assertEqual(response.status_code, 200)
        self.assertEqual(self.events(), before + 1)

    def test_previous_company_address_takes_a_report_sent_before(self):
        # Sent before the upgrade: the company's address, the secret that the
        # migration gave the account.
        secret = self.smsapi.sudo().callback_secret
        response = self.url_open(
            f"/sms_gateway/status/smsapi/{self.company.id}/{secret}"
            "?MsgId=REF-1&idx=acc-uid-1&status=404"
        )
        self.assertEqual(response.status_code, 200)
        self.env["sms.gateway.delivery.event"].sudo()._cron_apply()
        self.message.invalidate_recordset()
        self.assertEqual(self.message.state, "delivered")
