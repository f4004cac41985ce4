# Copyright 2026 sms_gateway authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Delivery report routes: authentication, company isolation, status mapping."""

import json
from unittest.mock import patch

from odoo.tests import HttpCase, tagged

from ..tools.providers import twilio


@tagged("post_install", "-at_install")
class TestDeliveryCallbacks(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_a = cls.env.company
        cls.company_b = cls.env["res.company"].create({"name": "Company B"})
        cls.company_a.sudo().write(
            {
                "sms_gateway_provider": "twilio",
                "sms_gateway_twilio_account_sid": "AC" + "1" * 32,
                "sms_gateway_twilio_auth_token": "token-a",
            }
        )
        cls.company_b.sudo().write(
            {
                "sms_gateway_provider": "twilio",
                "sms_gateway_twilio_account_sid": "AC" + "2" * 32,
                "sms_gateway_twilio_auth_token": "token-b",
            }
        )
        cls.secret_a = cls.company_a.sudo().sms_gateway_callback_secret
        cls.secret_b = cls.company_b.sudo().sms_gateway_callback_secret

    def setUp(self):
        super().setUp()
        self.calls = []
        calls = self.calls

        def record(_events_model, company, code, events):
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

    def test_secrets_are_distinct_per_company(self):
        self.assertTrue(self.secret_a)
        self.assertNotEqual(self.secret_a, self.secret_b)

    def test_smsapi_report_with_the_right_secret(self):
        url = f"/sms_gateway/status/smsapi/{self.company_a.id}/{self.secret_a}"
        response = self.url_open(
            f"{url}?MsgId=ref-1&status=404&status_name=DELIVERED&idx=uid-1&donedate=1700000000"
        )
        self.assertEqual(response.status_code, 200)
        ((company_id, code, events),) = self.calls
        self.assertEqual((company_id, code), (self.company_a.id, "smsapi"))
        self.assertEqual(events[0]["provider_ref"], "ref-1")
        self.assertEqual(events[0]["status"], "delivered")

    def test_smsapi_statuses_are_mapped(self):
        url = f"/sms_gateway/status/smsapi/{self.company_a.id}/{self.secret_a}"
        for status, expected in (
            ("405", "undelivered"),
            ("402", "expired"),
            ("403", "sent"),
            ("408", "unknown"),
        ):
            self.url_open(f"{url}?MsgId=r&status={status}")
            self.assertEqual(self.calls[-1][2][0]["status"], expected, status)

    def test_wrong_secret_or_other_company_is_refused(self):
        for path in (
            f"/sms_gateway/status/smsapi/{self.company_a.id}/wrong-secret",
            f"/sms_gateway/status/smsapi/{self.company_b.id}/{self.secret_a}",
            f"/sms_gateway/status/smsapi/999999/{self.secret_a}",
            f"/sms_gateway/status/unknown/{self.company_a.id}/{self.secret_a}",
        ):
            response = self.url_open(f"{path}?MsgId=ref-1&status=404")
            self.assertEqual(response.status_code, 404, path)
        self.assertEqual(self.calls, [])

    def _post_twilio(self, company, token, params):
        path = f"/sms_gateway/status/twilio/{company.id}"
        signature = twilio.compute_signature(token, self.base_url() + path, params)
        return self.url_open(
            path, data=params, headers={"X-Twilio-Signature": signature}
        )

    def test_twilio_signed_report(self):
        params = {"MessageSid": "SM1", "MessageStatus": "delivered", "To": "+358401"}
        response = self._post_twilio(self.company_a, "token-a", params)
        self.assertEqual(response.status_code, 200)
        ((company_id, code, events),) = self.calls
        self.assertEqual((company_id, code), (self.company_a.id, "twilio"))
        self.assertEqual(events[0]["provider_ref"], "SM1")
        self.assertEqual(events[0]["status"], "delivered")

    def test_twilio_bad_signature_is_refused(self):
        params = {"MessageSid": "SM1", "MessageStatus": "delivered"}
        # Signed with another company's token, or tampered with, or unsigned.
        self.assertEqual(
            self._post_twilio(self.company_a, "token-b", params).status_code, 403
        )
        path = f"/sms_gateway/status/twilio/{self.company_a.id}"
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
        self.company_a.sudo().write(
            {"sms_gateway_provider": "quriiri", "sms_gateway_quriiri_api_key": "k"}
        )
        path = f"/sms_gateway/status/quriiri/{self.company_a.id}/{self.secret_a}"
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
