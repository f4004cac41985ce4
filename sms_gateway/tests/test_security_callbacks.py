# Copyright 2026 sms_gateway authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Attacks on the delivery report routes, tried over HTTP as an outsider.

A report authenticates with its SMS account's secret (SMSAPI, Quriiri,
sandbox) or with Twilio's signature made with the account's auth token, on the
account's address or on the previous per-company address. Whatever it says,
it only reaches messages of that company sent through that provider,
only moves a sent message forward, and never changes what billing counts.
A malformed report gets a 4xx and changes nothing.
"""

import importlib.util
import json
import os
from datetime import timedelta
from unittest.mock import patch

import psycopg2

from odoo import fields
from odoo.tests import HttpCase, tagged
from odoo.tools import mute_logger

from ..controllers import main as controller_main
from ..tools.providers import twilio
from .common import SmsGatewaySecurityCase


def load_migration(name, version="18.0.1.1.0"):
    """The migration script ``name`` of ``version``, as a module."""
    path = os.path.join(
        os.path.dirname(os.path.dirname(__file__)), "migrations", version, name
    )
    spec = importlib.util.spec_from_file_location(f"sms_gateway_migration_{name}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


CONTROLLER_LOGGER = "odoo.addons.sms_gateway.controllers.main"
WATCHED = (
    "state",
    "parts",
    "cost",
    "provider",
    "provider_ref",
    "provider_status",
    "sent_at",
    "delivered_at",
    "failure_reason",
)


class CallbackAttackCase(SmsGatewaySecurityCase, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_a = cls.env.company
        cls.twilio_token_a = "twilio-token-of-company-a"
        # Company A sends through Twilio and has an account of every other
        # provider; company B has a sandbox and an SMSAPI account.
        cls.accounts = {
            (cls.company_a, "twilio"): cls.set_sms_account(
                cls.company_a,
                "twilio",
                twilio_account_sid="AC" + "a" * 32,
                twilio_auth_token=cls.twilio_token_a,
                sender="+15005550006",
            ),
            (cls.company_a, "smsapi"): cls.add_sms_account(
                cls.company_a, "smsapi", smsapi_token="smsapi-token-a"
            ),
            (cls.company_a, "quriiri"): cls.add_sms_account(
                cls.company_a, "quriiri", quriiri_api_key="quriiri-key-a"
            ),
            (cls.company_a, "sandbox"): cls.add_sms_account(cls.company_a),
            (cls.company_b, "sandbox"): cls.sms_account_b,
            (cls.company_b, "smsapi"): cls.add_sms_account(
                cls.company_b, "smsapi", smsapi_token="smsapi-token-b"
            ),
        }
        cls.secret_a = cls.accounts[cls.company_a, "smsapi"].sudo().callback_secret
        cls.secret_b = cls.accounts[cls.company_b, "smsapi"].sudo().callback_secret
        sent_at = fields.Datetime.now() - timedelta(hours=1)
        Message = cls.env["sms.gateway.message"].sudo()

        def message(company, provider, ref, uid, state="sent", **values):
            return Message.create(
                dict(
                    {
                        "company_id": company.id,
                        "number": "+358401234567",
                        "body": "Hei",
                        "state": state,
                        "provider": provider,
                        "account_id": provider and cls.accounts[company, provider].id,
                        "provider_ref": ref,
                        "uid": uid,
                        "parts": 2,
                        "cost": 0.32,
                        "sent_at": sent_at if provider else False,
                    },
                    **values,
                )
            )

        cls.a_smsapi = message(cls.company_a, "smsapi", "A-SMSAPI-1", "a-uid-1")
        cls.a_twilio = message(cls.company_a, "twilio", "SMA0001", "a-uid-2")
        cls.a_quriiri = message(
            cls.company_a, "quriiri", "a-uid-3:+358401234567", "a-uid-3"
        )
        cls.a_sandbox = message(cls.company_a, "sandbox", "sandbox-a-uid-4", "a-uid-4")
        cls.a_queued = message(
            cls.company_a, False, False, "a-uid-queued", state="queued"
        )
        cls.a_failed = message(
            cls.company_a, "smsapi", False, "a-uid-failed", state="failed"
        )
        cls.a_delivered = message(
            cls.company_a,
            "smsapi",
            "A-SMSAPI-D",
            "a-uid-delivered",
            state="delivered",
            delivered_at=sent_at,
        )
        cls.b_smsapi = message(cls.company_b, "smsapi", "B-SMSAPI-1", "b-uid-1")
        cls.all_messages = (
            cls.a_smsapi
            | cls.a_twilio
            | cls.a_quriiri
            | cls.a_sandbox
            | cls.a_queued
            | cls.a_failed
            | cls.a_delivered
            | cls.b_smsapi
        )

    # -- helpers --------------------------------------------------------------

    def snapshot(self, names=WATCHED):
        self.env.flush_all()
        self.env.invalidate_all()
        return {
            message.provider_ref or message.uid: {
                fname: message[fname] for fname in names
            }
            for message in self.all_messages.sudo()
        }

    def assertNothingChanged(self, before, what=""):
        self.assertEqual(self.snapshot(), before, f"a message changed: {what}")

    def secret_path(self, code, company=None, secret=None):
        """The address of the account of ``code`` of ``company``, with
        ``secret`` (the account's own by default)."""
        account = self.accounts[company or self.company_a, code]
        if secret is None:
            secret = account.sudo().callback_secret
        return f"/sms_gateway/delivery/{code}/{account.id}/{secret}"

    def legacy_path(self, code, company=None, secret=None):
        """The previous per-company address (messages sent before 18.0.1.2.0)."""
        company = company or self.company_a
        if secret is None:
            secret = self.accounts[company, code].sudo().callback_secret
        return f"/sms_gateway/status/{code}/{company.id}/{secret}"

    def url_open(self, *args, **kwargs):
        """The route stores what it is given; the delivery report cron, which
        the route wakes, applies it right after: run it, as it would run."""
        response = super().url_open(*args, **kwargs)
        self.env["sms.gateway.delivery.event"].sudo()._cron_apply()
        return response

    def post_json(self, path, payload, raw=None):
        body = raw if raw is not None else json.dumps(payload).encode()
        return self.url_open(
            path, data=body, headers={"Content-Type": "application/json"}
        )

    def post_twilio(self, params, company=None, token=None, raw=None, path=None):
        company = company or self.company_a
        account = self.accounts.get((company, "twilio"))
        path = path or f"/sms_gateway/delivery/twilio/{account.id}"
        signature = twilio.compute_signature(
            self.twilio_token_a if token is None else token,
            self.base_url() + path,
            params,
        )
        headers = {"X-Twilio-Signature": signature}
        if raw is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            return self.url_open(path, data=raw, headers=headers)
        return self.url_open(path, data=params, headers=headers)


@tagged("post_install", "-at_install")
class TestCallbackSecrets(CallbackAttackCase):
    def test_secrets_are_long_random_and_distinct(self):
        admin = self.env.ref("base.user_admin")
        new = (
            self.env["sms.gateway.account"]
            .with_user(admin)
            .create({"name": "Third", "provider": "smsapi", "smsapi_token": "t"})
        )
        copied = new.with_user(admin).copy()
        self.assertFalse(copied.active, "a copy without the token is archived")
        accounts = (
            self.env["sms.gateway.account"]
            .sudo()
            .with_context(active_test=False)
            .search([])
        )
        secrets = accounts.mapped("callback_secret")
        self.assertTrue(all(secrets))
        self.assertEqual(len(set(secrets)), len(secrets))
        self.assertGreaterEqual(len(new.sudo().callback_secret), 43)
        self.assertNotEqual(copied.sudo().callback_secret, new.sudo().callback_secret)
        self.assertTrue(all(len(secret) >= 32 for secret in secrets), secrets)

    def test_duplicate_secret_is_refused_by_the_database(self):
        with mute_logger("odoo.sql_db"), self.assertRaises(psycopg2.IntegrityError):
            self.accounts[
                self.company_b, "smsapi"
            ].sudo().callback_secret = self.secret_a
            self.env.flush_all()

    def test_upgrade_gives_shared_or_missing_secrets_fresh_ones(self):
        # The 18.0.1.1.0 step runs on the company columns of that version
        # (18.0.1.2.0 moves them to the accounts, then drops them).
        third = self.env["res.company"].create({"name": "Third Company Oy"})
        fourth = self.env["res.company"].create({"name": "Fourth Company Oy"})
        cr = self.env.cr
        cr.execute(
            "ALTER TABLE res_company ADD COLUMN sms_gateway_callback_secret varchar"
        )
        # As left by 18.0.1.0.0: one secret for the companies of the install.
        cr.execute(
            "UPDATE res_company SET sms_gateway_callback_secret = 'shared' "
            "WHERE id IN %s",
            [(self.company_a.id, self.company_b.id)],
        )
        cr.execute(
            "UPDATE res_company SET sms_gateway_callback_secret = 'kept-' || id "
            "WHERE id = %s",
            [fourth.id],
        )
        migration = load_migration("post-callback-secrets.py")
        migration.migrate(cr, "18.0.1.0.0")
        cr.execute(
            "SELECT id, sms_gateway_callback_secret FROM res_company WHERE id IN %s",
            [(self.company_a.id, self.company_b.id, third.id, fourth.id)],
        )
        secrets = dict(cr.fetchall())
        self.assertEqual(len(set(secrets.values())), 4, secrets)
        self.assertNotIn("shared", secrets.values())
        self.assertEqual(secrets.pop(fourth.id), f"kept-{fourth.id}")
        self.assertTrue(all(len(secret) >= 43 for secret in secrets.values()))

    def test_another_companys_secret_is_refused(self):
        before = self.snapshot()
        report = "?MsgId=A-SMSAPI-1&status=404"
        for path in (
            self.secret_path("smsapi", self.company_a, self.secret_b),
            self.secret_path("smsapi", self.company_b, self.secret_a),
            self.secret_path("smsapi", self.company_a, ""),
            self.secret_path("smsapi", self.company_a, self.secret_a[:-1]),
            # Another account of the same company: its own secret only.
            self.secret_path("quriiri", self.company_a, self.secret_a),
            self.legacy_path("smsapi", self.company_a, self.secret_b),
            self.legacy_path("smsapi", self.company_b, self.secret_a),
            self.legacy_path("smsapi", self.company_a, self.secret_a[:-1]),
        ):
            response = self.url_open(path + report)
            # Without a secret the address is the signed one: GET not allowed.
            self.assertIn(response.status_code, (404, 405), path)
            self.assertNotIn(self.secret_a, response.text)
            self.assertNotIn(self.secret_b, response.text)
        self.assertNothingChanged(before)

    def test_old_secret_is_refused_after_rotation(self):
        old_path = self.secret_path("smsapi")
        old_legacy_path = self.legacy_path("smsapi")
        admin = self.env.ref("base.user_admin")
        account = self.accounts[self.company_a, "smsapi"]
        account.with_user(admin).action_renew_callback_secret()
        new_secret = account.sudo().callback_secret
        self.assertNotEqual(new_secret, self.secret_a)
        self.assertGreaterEqual(len(new_secret), 43)
        before = self.snapshot()
        for path in (old_path, old_legacy_path):
            response = self.url_open(f"{path}?MsgId=A-SMSAPI-1&status=404")
            self.assertEqual(response.status_code, 404, path)
        self.assertNothingChanged(before)
        response = self.url_open(
            self.secret_path("smsapi") + "?MsgId=A-SMSAPI-1&status=404"
        )
        self.assertEqual(response.status_code, 200)
        self.a_smsapi.invalidate_recordset()
        self.assertEqual(self.a_smsapi.state, "delivered")
        # Messages sent from now on carry the new address.
        config = account.sudo()._sms_provider_config()
        self.assertIn(new_secret, account._sms_callback_path())
        self.assertIn(new_secret, config["callback_url"])
        self.assertNotIn(self.secret_a, str(config))

    def test_report_for_company_b_through_company_a_is_ignored(self):
        before = self.snapshot()
        response = self.url_open(
            self.secret_path("smsapi") + "?MsgId=B-SMSAPI-1&idx=b-uid-1&status=405"
        )
        self.assertLess(response.status_code, 500)
        self.assertNothingChanged(before)
        response = self.post_json(
            self.secret_path("quriiri"),
            {
                "billingref": "b-uid-1",
                "destination": "+358401234567",
                "status": "FAILED",
            },
        )
        self.assertLess(response.status_code, 500)
        self.assertNothingChanged(before)

    def test_report_reaches_only_messages_of_its_provider(self):
        before = self.snapshot()
        # The Twilio message's reference, reported on the SMSAPI address.
        response = self.url_open(
            self.secret_path("smsapi") + "?MsgId=SMA0001&idx=a-uid-2&status=405"
        )
        self.assertLess(response.status_code, 500)
        self.assertNothingChanged(before, "smsapi report on a twilio message")
        response = self.post_json(
            self.secret_path("sandbox"),
            {"provider_ref": "A-SMSAPI-1", "uid": "a-uid-1", "status": "undelivered"},
        )
        self.assertLess(response.status_code, 500)
        self.assertNothingChanged(before, "sandbox report on an smsapi message")

    def test_report_cannot_change_what_billing_counts(self):
        before = self.snapshot()
        attacks = [
            # A message never sent cannot become sent or delivered.
            "?MsgId=X-NEW&idx=a-uid-queued&status=404",
            "?MsgId=X-NEW&idx=a-uid-queued&status=403",
            # Nor a failed one (it has no reference).
            "?MsgId=X-NEW2&idx=a-uid-failed&status=404",
            # A delivered message does not move back.
            "?MsgId=A-SMSAPI-D&status=403",
            "?MsgId=A-SMSAPI-D&status=405",
            # The key of one message with another reference.
            "?MsgId=A-OTHER&idx=a-uid-1&status=405",
        ]
        for query in attacks:
            response = self.url_open(self.secret_path("smsapi") + query)
            self.assertLess(response.status_code, 500, query)
            self.assertNothingChanged(before, query)
        # Parts and cost stay what the dispatch recorded, whatever a report
        # says (Quriiri smscount, Twilio NumSegments).
        billing = ("state", "parts", "cost", "sent_at", "delivered_at")
        before = self.snapshot(billing)
        self.post_json(
            self.secret_path("quriiri"),
            {
                "billingref": "a-uid-3",
                "destination": "+358401234567",
                "status": "PENDING",
                "smscount": 9,
            },
        )
        self.post_twilio(
            {"MessageSid": "SMA0001", "MessageStatus": "sent", "NumSegments": "99"}
        )
        self.assertEqual(self.snapshot(billing), before)
        self.post_twilio(
            {"MessageSid": "SMA0001", "MessageStatus": "delivered", "NumSegments": "99"}
        )
        self.a_twilio.invalidate_recordset()
        self.assertEqual(self.a_twilio.state, "delivered")
        self.assertEqual((self.a_twilio.parts, self.a_twilio.cost), (2, 0.32))

    def test_delivery_time_stays_between_sending_and_now(self):
        self.a_delivered.sudo().write({"state": "sent", "delivered_at": False})
        for message, donedate in (
            (self.a_smsapi, "1"),
            (self.a_delivered, "4102444800"),
        ):
            # 1970 and 2100
            self.url_open(
                self.secret_path("smsapi")
                + f"?MsgId={message.provider_ref}&status=404&donedate={donedate}"
            )
            message.invalidate_recordset()
            self.assertEqual(message.state, "delivered")
            self.assertGreaterEqual(message.delivered_at, message.sent_at)
            self.assertLessEqual(
                message.delivered_at, fields.Datetime.now() + timedelta(seconds=5)
            )

    def test_genuine_reports_still_apply(self):
        response = self.url_open(
            self.secret_path("smsapi") + "?MsgId=A-SMSAPI-1&idx=a-uid-1&status=405"
        )
        self.assertEqual(response.status_code, 200)
        response = self.post_json(
            self.secret_path("quriiri"),
            {
                "billingref": "a-uid-3",
                "destination": "+358401234567",
                "status": "DELIVERED",
                "statustime": "2026-01-02T05:04:05+02:00",
            },
        )
        self.assertEqual(response.status_code, 200)
        response = self.post_twilio({"MessageSid": "SMA0001", "MessageStatus": "read"})
        self.assertEqual(response.status_code, 200)
        response = self.post_json(
            self.secret_path("sandbox"),
            {"provider_ref": "sandbox-a-uid-4", "status": "delivered"},
        )
        self.assertEqual(response.status_code, 200)
        self.env.invalidate_all()
        self.assertEqual(self.a_smsapi.state, "undelivered")
        self.assertEqual(self.a_quriiri.state, "delivered")
        self.assertEqual(self.a_twilio.state, "delivered")
        self.assertEqual(self.a_sandbox.state, "delivered")
        self.assertEqual(self.b_smsapi.state, "sent")

    def test_twilio_without_auth_token_refuses_everything(self):
        # Company B has no Twilio account: its previous address has no token.
        # An archived Twilio account whose token is gone signs nothing either.
        archived = self.add_sms_account(
            self.company_b,
            "twilio",
            twilio_account_sid="AC" + "b" * 32,
            twilio_auth_token="gone",
            active=False,
        )
        archived.twilio_auth_token = False
        before = self.snapshot()
        params = {"MessageSid": "SMA0001", "MessageStatus": "undelivered"}
        for token in ("", "False", "None"):
            for path in (
                f"/sms_gateway/status/twilio/{self.company_b.id}",
                f"/sms_gateway/delivery/twilio/{archived.id}",
            ):
                response = self.post_twilio(params, token=token, path=path)
                self.assertEqual(response.status_code, 403, (token, path))
        self.assertNothingChanged(before)

    def test_twilio_signed_with_another_companys_token_is_refused(self):
        self.accounts[self.company_b, "twilio"] = self.add_sms_account(
            self.company_b,
            "twilio",
            twilio_account_sid="AC" + "b" * 32,
            twilio_auth_token="twilio-token-of-company-b",
        )
        before = self.snapshot()
        params = {"MessageSid": "SMA0001", "MessageStatus": "undelivered"}
        response = self.post_twilio(params, token="twilio-token-of-company-b")
        self.assertEqual(response.status_code, 403)
        response = self.post_twilio(
            params,
            token="twilio-token-of-company-b",
            path=f"/sms_gateway/status/twilio/{self.company_a.id}",
        )
        self.assertEqual(response.status_code, 403)
        # B's own address with B's signature does not reach A's message.
        response = self.post_twilio(
            params, company=self.company_b, token="twilio-token-of-company-b"
        )
        self.assertLess(response.status_code, 500)
        self.assertNothingChanged(before)

    def test_previous_company_addresses_still_apply(self):
        # Messages sent before the upgrade carry the company's address.
        response = self.url_open(
            self.legacy_path("smsapi") + "?MsgId=A-SMSAPI-1&idx=a-uid-1&status=405"
        )
        self.assertEqual(response.status_code, 200)
        params = {"MessageSid": "SMA0001", "MessageStatus": "delivered"}
        response = self.post_twilio(
            params, path=f"/sms_gateway/status/twilio/{self.company_a.id}"
        )
        self.assertEqual(response.status_code, 200)
        self.env.invalidate_all()
        self.assertEqual(self.a_smsapi.state, "undelivered")
        self.assertEqual(self.a_twilio.state, "delivered")
        self.assertEqual(self.b_smsapi.state, "sent")


@tagged("post_install", "-at_install")
class TestMalformedReports(CallbackAttackCase):
    """Every malformed report: a 4xx, nothing changed, never a 500."""

    def assertRefused(self, response, what, statuses=range(400, 500)):
        self.assertIn(response.status_code, statuses, f"{what}: {response.text[:200]}")
        self.assertNotIn(self.secret_a, response.text, what)
        self.assertNotIn("Traceback", response.text, what)

    def json_bodies(self):
        nested = b'{"billingref": ' * 5000 + b'"a-uid-3"' + b"}" * 5000
        return {
            "deeply nested object": nested,
            "deeply nested lists": b"[" * 200000 + b"]" * 200000,
            "a string": b'"DELIVERED"',
            "a number": b"404",
            "null": b"null",
            "true": b"true",
            "list of numbers": b"[1, 2, 3]",
            "list of lists": b"[[{}]]",
            "empty object": b"{}",
            "empty list": b"[]",
            "numbers for texts": json.dumps(
                {
                    "billingref": 123,
                    "destination": 358401234567,
                    "status": 1,
                    "provider_ref": 5,
                    "MsgId": 7,
                }
            ).encode(),
            "object for a text": json.dumps(
                {
                    "billingref": {"a": 1},
                    "destination": ["+358401234567"],
                    "status": {"x": "DELIVERED"},
                    "provider_ref": {"id": "sandbox-a-uid-4"},
                    "uid": {"id": 1},
                    "MsgId": {"x": "A-SMSAPI-1"},
                    "id": ["A-SMSAPI-1", {"a": 1}],
                }
            ).encode(),
            "null texts": json.dumps(
                {"billingref": None, "destination": None, "provider_ref": None}
            ).encode(),
            "not JSON": b"MsgId=A-SMSAPI-1&status=404",
            "truncated JSON": b'{"billingref": "a-uid-3", ',
            "not UTF-8": b'{"billingref": "a-uid-3\xff\xfe", "status": "DELIVERED"}',
            "latin-1": '{"uid": "a-uid-4", "status": "délivré"}'.encode("latin-1"),
            "NUL in a text": json.dumps(
                {
                    "billingref": "a-uid-3\x00",
                    "destination": "+358401234567\x00",
                    "status": "DELIVERED\x00",
                    "provider_ref": "sandbox-a-uid-4\x00",
                    "MsgId": "A-SMSAPI-1\x00",
                }
            ).encode(),
            "year 9999 with an offset": json.dumps(
                {
                    "billingref": "a-uid-3",
                    "destination": "+358401234567",
                    "status": "DELIVERED",
                    "statustime": "9999-12-31T23:59:59-05:00",
                    "smscount": "1e400",
                }
            ).encode(),
            "huge number": json.dumps(
                {
                    "billingref": "a-uid-3",
                    "destination": "+358401234567",
                    "status": "DELIVERED",
                    "smscount": 10**400,
                }
            ).encode(),
            "very long reference": json.dumps(
                {
                    "billingref": "x" * 100000,
                    "destination": "+358401234567",
                    "status": "DELIVERED",
                    "provider_ref": "x" * 100000,
                    "MsgId": "x" * 100000,
                }
            ).encode(),
            "too many events": json.dumps(
                [
                    {
                        "billingref": f"u{i}",
                        "destination": "+358401234567",
                        "status": "DELIVERED",
                        "provider_ref": f"sandbox-u{i}",
                    }
                    for i in range(8000)
                ]
            ).encode(),
        }

    @mute_logger(CONTROLLER_LOGGER, "odoo.http")
    def test_malformed_json_reports(self):
        before = self.snapshot()
        for code in ("smsapi", "quriiri", "sandbox"):
            path = self.secret_path(code)
            for what, body in self.json_bodies().items():
                with self.subTest(code=code, what=what):
                    response = self.post_json(path, None, raw=body)
                    self.assertRefused(response, f"{code}: {what}")
            self.assertNothingChanged(before, code)

    @mute_logger(CONTROLLER_LOGGER, "odoo.http")
    def test_huge_body_is_refused_unread(self):
        before = self.snapshot()
        body = b'{"billingref": "' + b"x" * (2 * 1024 * 1024) + b'"}'
        for code in ("smsapi", "quriiri", "sandbox"):
            response = self.post_json(self.secret_path(code), None, raw=body)
            self.assertRefused(response, code, statuses=(413,))
        form = b"MsgId=A-SMSAPI-1&status=404&x=" + b"y" * (2 * 1024 * 1024)
        response = self.url_open(
            self.secret_path("smsapi"),
            data=form,
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        self.assertRefused(response, "smsapi form", statuses=(413,))
        response = self.post_twilio({}, raw=form)
        self.assertRefused(response, "twilio form", statuses=(413,))
        self.assertNothingChanged(before)

    @mute_logger(CONTROLLER_LOGGER, "odoo.http")
    def test_malformed_form_reports(self):
        before = self.snapshot()
        many = ",".join(f"R{i}" for i in range(20000))
        queries = {
            "many events": "?MsgId=" + ",".join(f"R{i}" for i in range(9000)),
            "NUL": "?MsgId=A-SMSAPI-1%00&status=404",
            "not UTF-8": "?MsgId=A-SMSAPI-1%FF%FE&status=404",
            "long status": "?MsgId=A-SMSAPI-1&status=" + "4" * 5000,
            "long reference": "?MsgId=" + "R" * 5000 + "&status=404",
        }
        for what, query in queries.items():
            with self.subTest(what=what):
                response = self.url_open(self.secret_path("smsapi") + query)
                self.assertRefused(response, what)
        for what, body in (
            ("form NUL", b"MsgId=A-SMSAPI-1%00&status=404"),
            ("form not UTF-8", b"MsgId=A-SMSAPI-1\xff&status=404"),
            ("form million events", f"MsgId={many}&status=404".encode()),
        ):
            with self.subTest(what=what):
                response = self.url_open(
                    self.secret_path("smsapi"),
                    data=body,
                    headers={"Content-Type": "application/x-www-form-urlencoded"},
                )
                self.assertRefused(response, what)
        self.assertNothingChanged(before)

    @mute_logger(CONTROLLER_LOGGER, "odoo.http")
    def test_malformed_twilio_reports(self):
        before = self.snapshot()
        attacks = {
            "huge segment count": {
                "MessageSid": "SMA0001",
                "MessageStatus": "delivered",
                "NumSegments": "1e400",
            },
            "NUL in the sid": {"MessageSid": "SMA0001\x00", "MessageStatus": "sent"},
            "NUL in the status": {
                "MessageSid": "SMA0001",
                "MessageStatus": "delivered\x00",
            },
            "long sid": {"MessageSid": "S" * 5000, "MessageStatus": "delivered"},
            "long error": {
                "MessageSid": "SMA0001",
                "MessageStatus": "undelivered",
                "ErrorMessage": "e" * 100000,
            },
        }
        for what, params in attacks.items():
            with self.subTest(what=what):
                self.assertRefused(self.post_twilio(params), what)
        # Bytes that are not UTF-8, signed as they will be decoded.
        raw = b"MessageSid=SMA0001&MessageStatus=delivered\xff"
        params = {"MessageSid": "SMA0001", "MessageStatus": "delivered\ufffd"}
        self.assertRefused(self.post_twilio(params, raw=raw), "not UTF-8")
        # JSON is not what Twilio sends.
        path = (
            f"/sms_gateway/delivery/twilio/{self.accounts[self.company_a, 'twilio'].id}"
        )
        response = self.url_open(
            path,
            data=b'[{"MessageSid": "SMA0001"}]',
            headers={"Content-Type": "application/json"},
        )
        self.assertRefused(response, "twilio json")
        self.assertNothingChanged(before)

    @mute_logger(CONTROLLER_LOGGER, "odoo.http")
    def test_addresses_that_do_not_exist(self):
        before = self.snapshot()
        for path in (
            f"/sms_gateway/status/smsapi/99999999999999999999/{self.secret_a}",
            f"/sms_gateway/status/smsapi/2147483648/{self.secret_a}",
            f"/sms_gateway/status/smsapi/0/{self.secret_a}",
            f"/sms_gateway/status/twilio/{self.company_a.id}/{self.secret_a}",
            "/sms_gateway/status/twilio/99999999999999999999",
            "/sms_gateway/status/twilio/0",
            f"/sms_gateway/delivery/smsapi/99999999999999999999/{self.secret_a}",
            f"/sms_gateway/delivery/smsapi/2147483648/{self.secret_a}",
            f"/sms_gateway/delivery/smsapi/0/{self.secret_a}",
            f"/sms_gateway/delivery/smsapi/-1/{self.secret_a}",
            f"/sms_gateway/delivery/twilio/{self.company_a.id}/{self.secret_a}",
            "/sms_gateway/delivery/twilio/99999999999999999999",
            "/sms_gateway/delivery/twilio/0",
        ):
            with self.subTest(path=path):
                response = self.url_open(path, data={"MessageSid": "SMA0001"})
                self.assertRefused(response, path)
        self.assertNothingChanged(before)

    def test_the_secret_is_not_logged(self):
        with patch.object(controller_main, "_logger") as logger:
            self.post_json(self.secret_path("quriiri"), None, raw=b"[[[")
            self.post_json(self.secret_path("quriiri"), None, raw=b"\xff")
            self.url_open(self.secret_path("smsapi") + "?MsgId=A%00")
            self.url_open(self.secret_path("smsapi", secret=self.secret_b))
        self.assertGreaterEqual(len(logger.info.call_args_list), 4)
        for call in logger.method_calls:
            self.assertNotIn(self.secret_a, str(call))
            self.assertNotIn(self.secret_b, str(call))
