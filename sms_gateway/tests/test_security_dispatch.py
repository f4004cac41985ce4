# Copyright 2026 sms_gateway authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Attacks on the dispatcher and delivery services over JSON-RPC.

``sms.gateway.dispatcher``, ``sms.gateway.router`` and ``sms.gateway.delivery``
are abstract models
the crons run: no user may run them, nor read or write through them, from
the outside; nothing queued moves.
"""

from odoo.tests import HttpCase, tagged
from odoo.tools import mute_logger

from .common import JsonRpcMixin, SmsGatewaySecurityCase

DISPATCHER = "sms.gateway.dispatcher"
DELIVERY = "sms.gateway.delivery"
ROUTER = "sms.gateway.router"


@tagged("post_install", "-at_install")
class TestDispatchServicesOverRpc(SmsGatewaySecurityCase, JsonRpcMixin, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.queued = cls.env["sms.gateway.message"].create(
            {"number": "+358405550111", "body": "Queued", "user_id": cls.user_sms.id}
        )
        cls.sent = cls.env["sms.gateway.message"].create(
            {
                "number": "+358405550112",
                "body": "Sent",
                "state": "sent",
                "provider": "sandbox",
                "provider_ref": "sandbox-attack",
                "user_id": cls.user_sms.id,
            }
        )

    def error_of(self, model, method, args, **kwargs):
        response = self.call_kw(model, method, args, **kwargs)
        self.assertIn("error", response, f"{model}.{method} answered")
        return response["error"]["data"]["name"]

    @mute_logger("odoo.http")
    def test_nobody_runs_or_reads_the_services(self):
        event = {"provider_ref": "sandbox-attack", "status": "undelivered"}
        attacks = [
            (DISPATCHER, "_cron_dispatch", []),
            (DISPATCHER, "_sms_trigger_dispatch", []),
            (DISPATCHER, "_sms_recover_interrupted", []),
            (DISPATCHER, "_sms_send_emails", []),
            (DISPATCHER, "_sms_requeue_ids", [self.sent.ids]),
            (DISPATCHER, "_sms_flag_ids", [self.queued.ids, "x"]),
            (DISPATCHER, "search_read", [[]]),
            (DISPATCHER, "create", [{}]),
            (DELIVERY, "_cron_poll_delivery", []),
            (DELIVERY, "_sms_apply_delivery_events", [self.env.company.id, [event]]),
            (DELIVERY, "_sms_apply_delivery_event", [self.sent.id, event]),
            (DELIVERY, "search_read", [[]]),
            (ROUTER, "_sms_route", [self.env.company.id, [], []]),
            (ROUTER, "_sms_write_waiting", [{}]),
            (ROUTER, "search_read", [[]]),
        ]
        for user in (
            self.user_manager,
            self.user_sms,
            self.user_sms_accountant,
            self.user_employee,
            self.user_portal,
        ):
            self.authenticate(user.login, user.login)
            for model, method, args in attacks:
                with self.subTest(login=user.login, model=model, method=method):
                    self.assertIn(
                        "AccessError",
                        self.error_of(model, method, args),
                    )
        self.env.invalidate_all()
        self.assertEqual(self.queued.state, "queued")
        self.assertFalse(self.queued.needs_review)
        self.assertEqual(self.sent.state, "sent")
