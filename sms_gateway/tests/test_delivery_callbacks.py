# Copyright 2026 sms_gateway authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Delivery report routes: authentication per SMS account, company isolation,
status mapping; the previous per-company addresses still answer."""

import json
from unittest.mock import patch

from odoo.tests import HttpCase, tagged

from ..tools.providers import twilio
from .common import SmsGatewayCase


@tagged("post_install", "-at_install")
class TestDeliveryCallbacks(SmsGatewayCase, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_a = cls.env.company
        cls.company_b = cls.env["res.company"].create({"name": "Company B"})
        cls.twilio_a = cls.set_sms_account(
            cls.company_a,
            "twilio",
            twilio_account_sid="AC" + "1" * 32,
            twilio_auth_token="token-a",
        )
        cls.twilio_b = cls.set_sms_account(
            cls.company_b,
            "twilio",
            twilio_account_sid="AC" + "2" * 32,
            twilio_auth_token="token-b",
        )
        cls.smsapi_a = cls.add_sms_account(cls.company_a, "smsapi", smsapi_token="t")
        cls.smsapi_b = cls.add_sms_account(cls.company_b, "smsapi", smsapi_token="t")
        cls.secret_a = cls.smsapi_a.sudo().callback_secret
        cls.secret_b = cls.smsapi_b.sudo().callback_secret

    def smsapi_path(self, account=None, secret=None):
        account = account or self.smsapi_a
        secret = account.sudo().callback_secret if secret is None else secret
        return f"/sms_gateway/delivery/smsapi/{account.id}/{secret}"

    def setUp(self):
        super().setUp()
        self.calls = []
        calls = self.calls

        def record(_events_model, company, code, events, account=None):
            calls.append((company.id, code, events))
            return {"applied": 0, "unknown": [], "stored": len(events)}

        # What the routes hand over to be stored (see test_dispatch_reliability
        # for what becomes of it).
        patcher = patch.object(
            self.registry["sms.gateway.delivery.event"],
            "_sms_store",
            autospec=True,
            side_effect=record,
        )
        patcher.start()
        self.addCleanup(patcher.stop)

    def test_secrets_are_distinct_per_account(self):
        secrets = (self.twilio_a | self.twilio_b | self.smsapi_a | self.smsapi_b).sudo()
        self.assertTrue(all(secrets.mapped("callback_secret")))
        self.assertEqual(len(set(secrets.mapped("callback_secret"))), 4)

    def test_smsapi_report_with_the_right_secret(self):
        url = self.smsapi_path()
        response = self.url_open(
            f"{url}?MsgId=ref-1&status=404&status_name=DELIVERED&idx=uid-1&donedate=1700000000"
        )
        self.assertEqual(response.status_code, 200)
        ((company_id, code, events),) = self.calls
        self.assertEqual((company_id, code), (self.company_a.id, "smsapi"))
        self.assertEqual(events[0]["provider_ref"], "ref-1")
        self.assertEqual(events[0]["status"], "delivered")

    def test_smsapi_statuses_are_mapped(self):
        url = self.smsapi_path()
        for status, expected in (
            ("405", "undelivered"),
            ("402", "expired"),
            ("403", "sent"),
            ("408", "unknown"),
        ):
            self.url_open(f"{url}?MsgId=r&status={status}")
            self.assertEqual(self.calls[-1][2][0]["status"], expected, status)

    def test_wrong_secret_or_other_account_is_refused(self):
        for path in (
            self.smsapi_path(secret="wrong-secret"),
            self.smsapi_path(self.smsapi_b, self.secret_a),
            self.smsapi_path(self.smsapi_a, self.secret_b),
            # Another account of the same company, or another provider's code.
            f"/sms_gateway/delivery/smsapi/{self.twilio_a.id}/{self.secret_a}",
            f"/sms_gateway/delivery/quriiri/{self.smsapi_a.id}/{self.secret_a}",
            f"/sms_gateway/delivery/smsapi/999999/{self.secret_a}",
            f"/sms_gateway/delivery/unknown/{self.smsapi_a.id}/{self.secret_a}",
            # The previous per-company addresses.
            f"/sms_gateway/status/smsapi/{self.company_a.id}/wrong-secret",
            f"/sms_gateway/status/smsapi/{self.company_b.id}/{self.secret_a}",
            f"/sms_gateway/status/smsapi/999999/{self.secret_a}",
            f"/sms_gateway/status/unknown/{self.company_a.id}/{self.secret_a}",
        ):
            response = self.url_open(f"{path}?MsgId=ref-1&status=404")
            self.assertEqual(response.status_code, 404, path)
        self.assertEqual(self.calls, [])

    def test_previous_company_address_still_takes_reports(self):
        # Messages sent before the upgrade carry the company's address with the
        # secret that became the account's.
        url = f"/sms_gateway/status/smsapi/{self.company_a.id}/{self.secret_a}"
        response = self.url_open(f"{url}?MsgId=ref-old&status=404")
        self.assertEqual(response.status_code, 200)
        ((company_id, code, events),) = self.calls
        self.assertEqual((company_id, code), (self.company_a.id, "smsapi"))
        self.assertEqual(events[0]["provider_ref"], "ref-old")
        params = {"MessageSid": "SM-old", "MessageStatus": "delivered"}
        path = f"/sms_gateway/status/twilio/{self.company_a.id}"
        signature = twilio.compute_signature("token-a", self.base_url() + path, params)
        response = self.url_open(
            path, data=params, headers={"X-Twilio-Signature": signature}
        )
        self.assertEqual(response.status_code, 200)
        self.assertEqual(self.calls[-1][:2], (self.company_a.id, "twilio"))
        # Company B's token does not sign for company A's previous address.
        signature = twilio.compute_signature("token-b", self.base_url() + path, params)
        response = self.url_open(
            path, data=params, headers={"X-Twilio-Signature": signature}
        )
        self.assertEqual(response.status_code, 403)
        self.assertEqual(len(self.calls), 2)

    def _post_twilio(self, account, token, params):
        path = f"/sms_gateway/delivery/twilio/{account.id}"
        signature = twilio.compute_signature(token, self.base_url() + path, params)
        return self.url_open(
            path, data=params, headers={"X-Twilio-Signature": signature}
        )

    def test_twilio_signed_report(self):
        params = {"MessageSid": "SM1", "MessageStatus": "delivered", "To": "+358401"}
        response = self._post_twilio(self.twilio_a, "token-a", params)
        self.assertEqual(response.status_code, 200)
        ((company_id, code, events),) = self.calls
        self.assertEqual((company_id, code), (self.company_a.id, "twilio"))
        self.assertEqual(events[0]["provider_ref"], "SM1")
        self.assertEqual(events[0]["status"], "delivered")

    def test_twilio_bad_signature_is_refused(self):
        params = {"MessageSid": "SM1", "MessageStatus": "delivered"}
        # Signed with another account's token, or tampered with, or unsigned.
        self.assertEqual(
            self._post_twilio(self.twilio_a, "token-b", params).status_code, 403
        )
        path = f"/sms_gateway/delivery/twilio/{self.twilio_a.id}"
        signature = twilio.compute_signature("token-a", self.base_url() + path, params)
        tampered = dict(params, MessageStatus="failed")
        response = self.url_open(
            path, data=tampered, headers={"X-Twilio-Signature": signature}
        )
        self.assertEqual(response.status_code, 403)
        self.assertEqual(self.url_open(path, data=params).status_code, 403)
        self.assertEqual(self.calls, [])

    def test_quriiri_report_of_a_message_not_recorded_yet_is_kept(self):
        # Quriiri may report before the dispatch has recorded the message: the
        # route answers 200 and hands the report over to be kept until its
        # message is there (test_dispatch_reliability shows it applied then).
        account = self.set_sms_account(self.company_a, "quriiri", quriiri_api_key="k")
        secret = account.sudo().callback_secret
        path = f"/sms_gateway/delivery/quriiri/{account.id}/{secret}"
        report = {
            "sender": "Shop",
            "destination": "+358401234567",
            "status": "DELIVERED",
            "billingref": "uid-9",
            "statustime": "2026-11-21T10:00:00Z",
        }
        response = self.url_open(
            path, data=json.dumps(report), headers={"Content-Type": "application/json"}
        )
        self.assertEqual(response.status_code, 200)
        company_id, code, events = self.calls[-1]
        self.assertEqual((company_id, code), (self.company_a.id, "quriiri"))
        self.assertEqual(events[0]["uid"], "uid-9")
        self.assertEqual(events[0]["status"], "delivered")
