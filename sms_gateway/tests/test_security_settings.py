# Copyright 2026 sms_gateway authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Attacks on the SMS settings and the SMS accounts' credentials, tried over
JSON-RPC as each kind of user.

Only system administrators read or change credentials, callback secrets and
provider addresses of SMS accounts, or press the account buttons (test
connection, balance, test SMS, unlock, renew the delivery report secret) or
save Settings > SMS. A neutralized copy of the database holds none of these
secrets anywhere.
"""

import json

from odoo.exceptions import AccessError
from odoo.modules.neutralize import neutralize_database
from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tools import SQL, mute_logger

from .common import SmsGatewaySecurityCase, account_secret_fields
from .test_security_callbacks import load_migration

SECRET_FIELDS = account_secret_fields()

TOKEN = "smsapi-token-Zq8-never-shown"
TWILIO_TOKEN = "twilio-token-Kp3-never-shown"
QURIIRI_KEY = "quriiri-key-Hw5-never-shown"
BASE_URL = "https://smsapi-proxy.example.internal/Uu7-private-path"
SETTINGS_BUTTONS = ("execute", "set_values")
ACCOUNT_BUTTONS = (
    "action_test_connection",
    "action_check_balance",
    "action_send_test",
    "action_confirm_location",
    "action_renew_callback_secret",
)
ACCESS_ERROR = "odoo.exceptions.AccessError"


class SettingsAttackCase(SmsGatewaySecurityCase, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.user_access_rights = new_test_user(
            cls.env,
            login="access_rights_admin",
            name="Aarne Access-Rights",
            groups="base.group_user,base.group_erp_manager,"
            "sms_gateway.group_sms_gateway_manager",
        )
        cls.company = cls.env.company
        cls.sms_account.active = False
        cls.sms_account = (
            cls.env["sms.gateway.account"]
            .with_user(cls.admin)
            .create(
                {
                    "name": "SMSAPI",
                    "provider": "smsapi",
                    "smsapi_token": TOKEN,
                    "smsapi_base_url": BASE_URL,
                    "sender": "MyShop",
                    "test_number": "+358401234567",
                }
            )
        )
        cls.settings_row = (
            cls.env["res.config.settings"].with_user(cls.admin).create({})
        )
        cls.settings_row.execute()
        cls.secret = cls.sms_account.sudo().callback_secret
        cls.attackers = {
            "User": cls.user_sms,
            "Accountant": cls.user_accountant,
            "User+Accountant": cls.user_sms_accountant,
            "SMS Manager": cls.user_manager,
            "Access Rights": cls.user_access_rights,
            "employee": cls.user_employee,
            "portal": cls.user_portal,
        }

    def company_state(self):
        self.env.flush_all()
        self.env.invalidate_all()
        account = self.sms_account.sudo()
        return {
            "account": {
                fname: account[fname]
                for fname in (*SECRET_FIELDS, "provider", "active", "sender")
            },
            "max_parts": self.company.sms_gateway_max_parts,
        }

    def rpc(self, model, method, args=(), kwargs=None):
        """The raw JSON-RPC answer (result or error) of one call_kw."""
        body = json.dumps(
            {
                "jsonrpc": "2.0",
                "method": "call",
                "id": 1,
                "params": {
                    "model": model,
                    "method": method,
                    "args": list(args),
                    "kwargs": kwargs or {},
                },
            }
        )
        response = self.url_open(
            f"/web/dataset/call_kw/{model}/{method}",
            data=body,
            headers={"Content-Type": "application/json"},
        )
        self.assertEqual(response.status_code, 200)
        for secret in (TOKEN, BASE_URL, self.secret):
            self.assertNotIn(secret, response.text, f"{model}.{method}")
        return response.json()

    def assertRpcRefused(self, answer, what, names=(ACCESS_ERROR,)):
        self.assertIn("error", answer, f"{what} was allowed: {answer.get('result')}")
        self.assertIn(answer["error"]["data"]["name"], names, what)


@tagged("post_install", "-at_install")
class TestSettingsOverRpc(SettingsAttackCase):
    @mute_logger("odoo.http")
    def test_non_administrators_get_no_secret_and_no_button(self):
        before = self.company_state()
        for label, user in self.attackers.items():
            self.authenticate(user.login, user.login)
            account_id = self.sms_account.id
            for fname in SECRET_FIELDS:
                answer = self.rpc(
                    "sms.gateway.account", "read", [[account_id], [fname]]
                )
                self.assertRpcRefused(answer, f"{label} read {fname}")
                answer = self.rpc(
                    "sms.gateway.account",
                    "search_read",
                    [[("id", "=", account_id)]],
                    {"fields": [fname]},
                )
                self.assertRpcRefused(answer, f"{label} search_read {fname}")
                answer = self.rpc(
                    "sms.gateway.account",
                    "write",
                    [[account_id], {fname: "https://attacker.example"}],
                )
                self.assertRpcRefused(answer, f"{label} wrote {fname}")
            for method in ACCOUNT_BUTTONS:
                answer = self.rpc("sms.gateway.account", method, [[account_id]])
                self.assertRpcRefused(answer, f"{label} sms.gateway.account.{method}")
            answer = self.rpc("res.config.settings", "create", [{}])
            self.assertRpcRefused(answer, f"{label} created settings")
            answer = self.rpc(
                "res.config.settings",
                "search_read",
                [[]],
                {"fields": ["sms_gateway_max_parts", "sms_gateway_account_summary"]},
            )
            self.assertRpcRefused(answer, f"{label} read saved settings")
            for method in SETTINGS_BUTTONS:
                answer = self.rpc(
                    "res.config.settings", method, [self.settings_row.ids]
                )
                self.assertRpcRefused(answer, f"{label} res.config.settings.{method}")
            answer = self.rpc("res.config.settings", "get_values", [])
            if "result" in answer:
                self.assertFalse(set(answer["result"]) & set(SECRET_FIELDS), label)
            answer = self.rpc(
                "sms.gateway.account", "fields_get", [], {"attributes": ["type"]}
            )
            if "result" in answer:
                self.assertFalse(set(answer["result"]) & set(SECRET_FIELDS), label)
        self.assertEqual(self.company_state(), before)

    @mute_logger("odoo.http")
    def test_anonymous_visitor_gets_nothing(self):
        before = self.company_state()
        for model, method, args in (
            (
                "sms.gateway.account",
                "read",
                [[self.sms_account.id], list(SECRET_FIELDS)],
            ),
            ("sms.gateway.account", "action_renew_callback_secret", [[1]]),
            ("sms.gateway.account", "action_confirm_location", [[1]]),
            ("sms.gateway.account", "action_send_test", [[1]]),
            ("res.config.settings", "search_read", [[]]),
        ):
            answer = self.rpc(model, method, args)
            self.assertRpcRefused(
                answer,
                f"anonymous {model}.{method}",
                names=("odoo.http.SessionExpiredException",),
            )
        self.assertEqual(self.company_state(), before)

    def test_buttons_refuse_non_administrators(self):
        before = self.company_state()
        for label, user in self.attackers.items():
            for method in SETTINGS_BUTTONS:
                with self.assertRaises(AccessError, msg=f"{label} {method}"):
                    getattr(self.settings_row.with_user(user), method)()
            for method in ACCOUNT_BUTTONS:
                with self.assertRaises(AccessError, msg=f"{label} {method}"):
                    getattr(self.sms_account.with_user(user), method)()
        self.assertEqual(self.company_state(), before)

    def test_administrator_renews_the_secret(self):
        self.authenticate(self.admin.login, self.admin.login)
        answer = self.rpc(
            "sms.gateway.account",
            "action_renew_callback_secret",
            [self.sms_account.ids],
        )
        action = answer["result"]
        self.assertEqual(action["tag"], "display_notification")
        self.assertIn("delivery report secret", action["params"]["message"])
        new = self.sms_account.sudo().callback_secret
        self.assertNotEqual(new, self.secret)
        self.assertGreaterEqual(len(new), 43)
        self.assertNotIn(new, json.dumps(action))
        # The button is on the account form, which only administrators open.
        arch = self.env.ref("sms_gateway.sms_gateway_account_view_form").arch
        self.assertIn("action_renew_callback_secret", arch)
        menu = self.env.ref("sms_gateway.sms_gateway_account_action")
        self.assertTrue(menu)


@tagged("post_install", "-at_install")
class TestNeutralization(SettingsAttackCase):
    def find_everywhere(self, value):
        """Every (table, column) of the database whose text holds ``value``."""
        self.env.flush_all()
        cr = self.env.cr
        cr.execute(
            """
            SELECT c.table_name, c.column_name
              FROM information_schema.columns c
              JOIN information_schema.tables t
                ON t.table_schema = c.table_schema AND t.table_name = c.table_name
             WHERE c.table_schema = current_schema()
               AND t.table_type = 'BASE TABLE'
               AND c.data_type IN ('text', 'character varying', 'jsonb')
            """
        )
        found = []
        for table, column in cr.fetchall():
            cr.execute(
                SQL(
                    "SELECT 1 FROM %s WHERE %s::text LIKE %s LIMIT 1",
                    SQL.identifier(table),
                    SQL.identifier(column),
                    f"%{value}%",
                )
            )
            if cr.rowcount:
                found.append((table, column))
        return found

    def test_settings_rows_do_not_keep_credentials(self):
        self.assertEqual(
            self.find_everywhere(TOKEN), [("sms_gateway_account", "smsapi_token")]
        )
        self.assertEqual(
            self.find_everywhere(BASE_URL),
            [("sms_gateway_account", "smsapi_base_url")],
        )
        # Settings have no credential field at all; the account has them.
        settings = self.env["res.config.settings"].with_user(self.admin).create({})
        self.assertFalse(
            [
                f
                for f in settings._fields
                if f.startswith("sms_gateway") and ("token" in f or "key" in f)
            ]
        )
        self.assertEqual(self.sms_account.with_user(self.admin).smsapi_token, TOKEN)

    def test_upgrade_drops_the_old_settings_columns(self):
        cr = self.env.cr
        cr.execute(
            "ALTER TABLE res_config_settings "
            "ADD COLUMN IF NOT EXISTS sms_gateway_smsapi_token varchar"
        )
        cr.execute(
            "UPDATE res_config_settings SET sms_gateway_smsapi_token = %s", [TOKEN]
        )
        self.assertIn(
            ("res_config_settings", "sms_gateway_smsapi_token"),
            self.find_everywhere(TOKEN),
        )
        load_migration("post-settings-secrets.py").migrate(cr, "18.0.1.0.0")
        self.assertEqual(
            self.find_everywhere(TOKEN), [("sms_gateway_account", "smsapi_token")]
        )

    def test_neutralized_copy_holds_no_secret(self):
        twilio = self.add_sms_account(
            provider="twilio",
            twilio_account_sid="AC" + "7" * 32,
            twilio_auth_token=TWILIO_TOKEN,
            sender="+15005550006",
        )
        quriiri = self.add_sms_account(
            provider="quriiri", quriiri_api_key=QURIIRI_KEY, active=False
        )
        secrets = {
            "smsapi token": TOKEN,
            "twilio token": TWILIO_TOKEN,
            "quriiri key (archived account)": QURIIRI_KEY,
            "base url": BASE_URL,
            "callback secret": self.secret,
            "twilio account's secret": twilio.sudo().callback_secret,
            "archived account's secret": quriiri.sudo().callback_secret,
            "secret of company B": self.sms_account_b.sudo().callback_secret,
        }
        for what, value in secrets.items():
            self.assertTrue(self.find_everywhere(value), f"{what} not saved")
        self.env.flush_all()
        neutralize_database(self.env.cr)
        self.env.invalidate_all()
        for what, value in secrets.items():
            self.assertEqual(self.find_everywhere(value), [], what)
        account = self.sms_account.sudo()
        self.assertFalse(account.active)
        self.assertFalse(twilio.active)
        self.assertFalse(twilio.sudo().twilio_account_sid)
        self.assertFalse(account.location)
        # The sandbox of company B still "sends" (nothing leaves).
        self.assertTrue(self.sms_account_b.active)
        # Delivery reports cannot authenticate until a new secret is made.
        for path in (
            f"/sms_gateway/delivery/smsapi/{account.id}/{self.secret}",
            f"/sms_gateway/delivery/smsapi/{account.id}/None",
            f"/sms_gateway/delivery/smsapi/{account.id}/False",
            f"/sms_gateway/status/smsapi/{self.company.id}/{self.secret}",
            f"/sms_gateway/status/smsapi/{self.company.id}/None",
        ):
            response = self.url_open(f"{path}?MsgId=X&status=404")
            self.assertEqual(response.status_code, 404, path)
        # Entering credentials again makes a fresh secret for the addresses.
        account.write({"smsapi_token": "new-token", "active": True})
        path = account._sms_callback_path()
        fresh = account.callback_secret
        self.assertTrue(fresh)
        self.assertNotEqual(fresh, self.secret)
        self.assertTrue(path.endswith(f"/{account.id}/{fresh}"))
