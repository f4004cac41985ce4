# Copyright 2026 sms_gateway authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Dispatch reliability: early or concurrent delivery reports, the run's time
budget, unexpected errors, and recovery by the provider a message went through."""

import json
from datetime import timedelta
from types import SimpleNamespace
from unittest.mock import patch

from odoo import SUPERUSER_ID, api, fields
from odoo.tests import HttpCase, tagged
from odoo.tools import config, mute_logger

from odoo.addons.base.models import ir_cron as odoo_ir_cron

from ..models import ir_cron
from ..tools.providers import SandboxProvider, TwilioProvider, twilio
from .common import SmsAccountMixin
from .doubles import (
    TWILIO_ACCOUNT_SID,
    TWILIO_AUTH_TOKEN,
    TwilioDouble,
)
from .test_dispatch import DispatchCase

DISPATCHER_MODULE = "odoo.addons.sms_gateway.dispatch.dispatcher"
DISPATCHER_LOGGER = DISPATCHER_MODULE
EVENT_LOGGER = "odoo.addons.sms_gateway.models.sms_gateway_delivery_event"
COUNT_EVENTS = "SELECT count(*) FROM sms_gateway_delivery_event WHERE provider_ref = %s"


IR_CRON_MODULE = "odoo.addons.sms_gateway.models.ir_cron"


class Killed(BaseException):
    """The process dies: nothing catches it."""


def twilio_account_values(base_url):
    return {
        "twilio_account_sid": TWILIO_ACCOUNT_SID,
        "twilio_auth_token": TWILIO_AUTH_TOKEN,
        "twilio_base_url": base_url,
        "sender": "Shop",
    }


@tagged("post_install", "-at_install")
class TestEarlyDeliveryReport(SmsAccountMixin, HttpCase):
    """Twilio reports over HTTP while the dispatch is still sending."""

    def setUp(self):
        super().setUp()
        self.company = self.env.company
        self.Message = self.env["sms.gateway.message"]
        self.Dispatcher = self.env["sms.gateway.dispatcher"]
        self.Event = self.env["sms.gateway.delivery.event"].sudo()

    def post_twilio(self, params):
        path = f"/sms_gateway/status/twilio/{self.company.id}"
        signature = twilio.compute_signature(
            TWILIO_AUTH_TOKEN, self.base_url() + path, params
        )
        return self.url_open(
            path, data=params, headers={"X-Twilio-Signature": signature}
        )

    def test_report_before_the_reference_is_stored_ends_delivered(self):
        with TwilioDouble() as double:
            self.set_sms_account(
                self.company, "twilio", **twilio_account_values(double.url)
            )
            message = self.Message.sudo().create(
                {"number": "+358405550101", "body": "Hello", "parts": 1}
            )
            answers = []
            send = TwilioProvider.send

            def send_then_report(provider, messages):
                results = send(provider, messages)
                # Twilio reports at once: before the dispatch records the sid.
                for result in results:
                    answers.append(
                        self.post_twilio(
                            {
                                "MessageSid": result["provider_ref"],
                                "MessageStatus": "delivered",
                                "NumSegments": "1",
                            }
                        )
                    )
                return results

            with patch.object(
                TwilioProvider, "send", autospec=True, side_effect=send_then_report
            ):
                self.assertEqual(self.Dispatcher._cron_dispatch(), 1)
        self.assertEqual([a.status_code for a in answers], [200])
        message.invalidate_recordset()
        self.assertEqual(message.state, "delivered")
        self.assertEqual(message.provider_ref, double.messages[0]["provider_ref"])
        self.assertTrue(message.delivered_at)
        self.assertEqual(message.provider_status, "delivered")
        self.assertFalse(self.Event.search([]))

    def test_report_for_a_message_being_sent_waits_for_it(self):
        self.set_sms_account(
            self.company, "twilio", **twilio_account_values("http://127.0.0.1:9")
        )
        message = self.Message.sudo().create(
            {
                "number": "+358405550101",
                "body": "Hello",
                "state": "sending",
                "provider": "twilio",
                "provider_ref": "SMwaiting",
            }
        )
        response = self.post_twilio(
            {"MessageSid": "SMwaiting", "MessageStatus": "undelivered"}
        )
        self.assertEqual(response.status_code, 200)
        self.Event._cron_apply()
        self.assertEqual(message.state, "sending")
        stored = self.Event.search([("provider_ref", "=", "SMwaiting")])
        self.assertEqual(stored.status, "undelivered")
        self.assertEqual(stored.company_id, self.company)
        # The result is recorded: the report applies.
        message.sudo().write({"state": "sent"})
        self.Event._cron_apply()
        self.assertEqual(message.state, "undelivered")
        self.assertFalse(stored.exists())

    def test_quriiri_report_before_the_message_is_recorded_is_kept(self):
        account = self.set_sms_account(self.company, "quriiri", quriiri_api_key="k")
        secret = account.callback_secret
        message = self.Message.sudo().create(
            {
                "number": "+358401234567",
                "body": "Hello",
                "state": "sending",
                "provider": "quriiri",  # as the claim records it
            }
        )
        report = {
            "destination": "+358401234567",
            "status": "DELIVERED",
            "billingref": message.uid,
            "statustime": "2026-11-21T10:00:00Z",
        }
        response = self.url_open(
            f"/sms_gateway/status/quriiri/{self.company.id}/{secret}",
            data=json.dumps(report),
            headers={"Content-Type": "application/json"},
        )
        self.assertEqual(response.status_code, 200)
        stored = self.Event.search([("message_uid", "=", message.uid)])
        self.assertEqual(len(stored), 1)
        self.assertEqual(
            stored.reported_at, fields.Datetime.to_datetime("2026-11-21 10:00:00")
        )
        # the reference the Quriiri adapter records: "<billingref>:<number>"
        message.sudo().write(
            {"state": "sent", "provider_ref": f"{message.uid}:+358401234567"}
        )
        self.Dispatcher._sms_apply_waiting_events(self.company, [{"id": message.id}])
        self.assertEqual(message.state, "delivered")
        self.assertEqual(
            message.delivered_at, fields.Datetime.to_datetime("2026-11-21 10:00:00")
        )
        self.assertFalse(stored.exists())


@tagged("post_install", "-at_install")
class TestDeliveryEvents(DispatchCase):
    def setUp(self):
        super().setUp()
        self.Event = self.env["sms.gateway.delivery.event"].sudo()

    def test_direct_report_for_a_sending_message_is_kept_not_lost(self):
        mailing = self.send(self.ok1)
        message = self.sms(mailing)
        message.sudo().write({"state": "sending", "provider": "sandbox"})
        event = {"provider_ref": None, "uid": message.uid, "status": "delivered"}
        result = self.env["sms.gateway.delivery"]._sms_apply_delivery_events(
            self.env.company, [event], "sandbox"
        )
        self.assertEqual(result, {"applied": 0, "unknown": []})
        self.assertEqual(message.state, "sending")
        self.assertEqual(len(self.Event.search([("message_uid", "=", message.uid)])), 1)
        message.sudo().write({"state": "sent", "provider_ref": "sandbox-x"})
        self.Event._cron_apply()
        self.assertEqual(message.state, "delivered")

    def test_unmatched_reports_are_dropped_after_two_days(self):
        stored = self.Event._sms_store(
            self.env.company,
            "twilio",
            [
                {"provider_ref": "SMold", "status": "delivered"},
                {"provider_ref": "SMnew", "status": "delivered"},
                {"provider_ref": None, "uid": None, "status": "delivered"},
            ],
        )
        self.assertEqual(stored["stored"], 2)
        old = self.Event.search([("provider_ref", "=", "SMold")])
        old.write({"received_at": fields.Datetime.now() - timedelta(days=3)})
        with self.assertLogs(EVENT_LOGGER, "WARNING") as logs:
            self.Event._cron_apply()
        self.assertIn("Dropped 1 delivery reports of twilio", logs.output[0])
        self.assertFalse(old.exists())
        self.assertTrue(self.Event.search([("provider_ref", "=", "SMnew")]))

    def test_stored_report_is_bounded_and_holds_no_text(self):
        self.Event._sms_store(
            self.env.company,
            "smsapi",
            [
                {
                    "provider_ref": "r" * 5000,
                    "uid": "u" * 5000,
                    "status": "undelivered",
                    "raw_status": "x" * 5000,
                    "error": "e" * 100000,
                    "parts": 10**9,
                }
            ],
        )
        stored = self.Event.search([])
        self.assertEqual(len(stored), 1)
        self.assertLessEqual(len(stored.provider_ref), 128)
        self.assertLessEqual(len(stored.error), 256)
        self.assertFalse(stored.parts)
        self.assertFalse(
            {"body", "number", "email"} & set(self.Event._fields),
            "a stored report never holds a text or a number",
        )

    def test_reports_are_readable_by_the_system_only(self):
        self.Event._sms_store(
            self.env.company, "twilio", [{"provider_ref": "SM1", "status": "sent"}]
        )
        for user in (self.user_sms, self.user_manager, self.user_accountant):
            self.assertFalse(
                self.env["sms.gateway.delivery.event"]
                .with_user(user)
                .has_access("read"),
                user.login,
            )

    def test_report_is_stored_while_the_message_row_is_locked(self):
        """Committed rows, three connections: the dispatch holds the message
        row; the route and the apply cron neither wait nor fail."""
        registry = self.registry
        with registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            message = env["sms.gateway.message"].create(
                {
                    "number": "+358405550199",
                    "body": "Locked",
                    "state": "sent",
                    "provider": "twilio",
                    "provider_ref": "SMlocked-reliability",
                }
            )
            message_id, company_id = message.id, message.company_id.id
            cr.execute("SELECT COALESCE(max(id), 0) FROM ir_cron_trigger")
            last_trigger = cr.fetchone()[0]

        def cleanup():
            with registry.cursor() as cr:
                cr.execute(
                    "DELETE FROM sms_gateway_delivery_event WHERE provider_ref = %s",
                    ["SMlocked-reliability"],
                )
                cr.execute(
                    "DELETE FROM sms_gateway_message WHERE id = %s", [message_id]
                )
                cr.execute("DELETE FROM ir_cron_trigger WHERE id > %s", [last_trigger])

        self.addCleanup(cleanup)
        event = {
            "provider_ref": "SMlocked-reliability",
            "uid": None,
            "status": "delivered",
        }
        with (
            registry.cursor() as dispatch_cr,
            registry.cursor() as route_cr,
            registry.cursor() as cron_cr,
        ):
            for cr in (dispatch_cr, route_cr, cron_cr):
                cr.execute("SET lock_timeout = '3s'")
            # The dispatch writes the row and has not committed yet.
            dispatch_cr.execute(
                "UPDATE sms_gateway_message SET cost = 0.07 WHERE id = %s", [message_id]
            )
            route_env = api.Environment(route_cr, SUPERUSER_ID, {})
            result = route_env["sms.gateway.delivery.event"]._sms_store(
                route_env["res.company"].browse(company_id), "twilio", [event]
            )
            route_cr.commit()
            self.assertEqual(result["stored"], 1)
            # The apply cron skips the busy row: the report waits.
            cron_env = api.Environment(cron_cr, SUPERUSER_ID, {})
            cron_env["sms.gateway.delivery.event"]._cron_apply()
            cron_cr.commit()
            cron_cr.execute(
                COUNT_EVENTS,
                ["SMlocked-reliability"],
            )
            self.assertEqual(cron_cr.fetchone()[0], 1)
            cron_cr.commit()
            dispatch_cr.commit()
            # The cron again, after the dispatch committed (a new snapshot of the
            # message, changed meanwhile): applied.
            cron_env["sms.gateway.delivery.event"]._cron_apply()
            cron_cr.commit()
            cron_cr.execute(
                "SELECT state, cost FROM sms_gateway_message WHERE id = %s",
                [message_id],
            )
            self.assertEqual(cron_cr.fetchone(), ("delivered", 0.07))
            cron_cr.execute(
                COUNT_EVENTS,
                ["SMlocked-reliability"],
            )
            self.assertEqual(cron_cr.fetchone()[0], 0)

    def test_dispatch_meeting_a_changed_message_does_not_fail(self):
        """The dispatch applies waiting reports after its commit; a message that
        another transaction changed since its snapshot leaves the report
        waiting, and the dispatch goes on."""
        registry = self.registry
        with registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            message = env["sms.gateway.message"].create(
                {
                    "number": "+358405550198",
                    "body": "Changed",
                    "state": "sent",
                    "provider": "twilio",
                    "provider_ref": "SMchanged-reliability",
                }
            )
            message_id, company_id = message.id, message.company_id.id
            cr.execute("SELECT COALESCE(max(id), 0) FROM ir_cron_trigger")
            last_trigger = cr.fetchone()[0]
            env["sms.gateway.delivery.event"]._sms_store(
                message.company_id,
                "twilio",
                [{"provider_ref": "SMchanged-reliability", "status": "delivered"}],
            )

        def cleanup():
            with registry.cursor() as cr:
                cr.execute(
                    "DELETE FROM sms_gateway_delivery_event WHERE provider_ref = %s",
                    ["SMchanged-reliability"],
                )
                cr.execute(
                    "DELETE FROM sms_gateway_message WHERE id = %s", [message_id]
                )
                cr.execute("DELETE FROM ir_cron_trigger WHERE id > %s", [last_trigger])

        self.addCleanup(cleanup)
        with registry.cursor() as dispatch_cr, registry.cursor() as other_cr:
            dispatch_cr.execute("SET lock_timeout = '3s'")
            dispatch_cr.execute(
                "SELECT 1 FROM sms_gateway_message WHERE id = %s", [message_id]
            )
            other_cr.execute(
                "UPDATE sms_gateway_message SET cost = 0.05 WHERE id = %s", [message_id]
            )
            other_cr.commit()
            env = api.Environment(dispatch_cr, SUPERUSER_ID, {})
            env["sms.gateway.dispatcher"]._sms_apply_waiting_events(
                env["res.company"].browse(company_id), [{"id": message_id}]
            )
            dispatch_cr.commit()
            dispatch_cr.execute(
                COUNT_EVENTS,
                ["SMchanged-reliability"],
            )
            self.assertEqual(dispatch_cr.fetchone()[0], 1, "the report waits")
            env["sms.gateway.delivery.event"]._cron_apply()
            dispatch_cr.commit()
            dispatch_cr.execute(
                "SELECT state FROM sms_gateway_message WHERE id = %s", [message_id]
            )
            self.assertEqual(dispatch_cr.fetchone()[0], "delivered")


@tagged("post_install", "-at_install")
class TestDispatchBudgetAndErrors(DispatchCase):
    def dispatch_cron(self):
        return self.env.ref("sms_gateway.ir_cron_sms_gateway_dispatch")

    def test_time_limit_follows_odoo_cron_limits(self):
        Dispatcher = self.Dispatcher
        with patch.dict(
            config.options,
            {"limit_time_real_cron": -1, "limit_time_real": 0},
        ):
            self.assertEqual(Dispatcher._sms_time_limit(), 120)
        with patch.dict(
            config.options,
            {"limit_time_real_cron": 600, "limit_time_real": 60},
        ):
            self.assertEqual(Dispatcher._sms_time_limit(), 600)
            self.assertLess(Dispatcher._sms_dispatch_budget(), 600)
        with patch.dict(
            config.options,
            {"limit_time_real_cron": -1, "limit_time_real": 60},
        ):
            self.assertEqual(Dispatcher._sms_time_limit(), 60)

    def test_a_job_late_in_a_cron_pass_keeps_the_pass_within_the_limit(self):
        # A cron worker's watchdog (limit_time_real, 120 s) counts from before
        # its wait for work (up to 70 s) over every job of the pass: a
        # dispatch run takes what is left of 90 s of it, and none when
        # nothing is left.
        partners = self.Partner.create(
            [
                {
                    "name": f"Late {i}",
                    "mobile": f"+35840556{i:04d}",
                    "sms_consent": "granted",
                    "country_id": self.country_fi.id,
                }
                for i in range(3)
            ]
        )
        mailing = self.send(partners, body="Late in the pass")
        cron = self.dispatch_cron()
        Trigger = self.env["ir.cron.trigger"].sudo()
        Trigger.search([("cron_id", "=", cron.id)]).unlink()
        clock = [1000.0]
        base_cron = odoo_ir_cron.ir_cron
        seen = []

        def job(_cls, _db, _cron_cr, other_job):
            clock[0] += other_job.get("seconds", 0)  # a job of another module
            seen.append(self.Dispatcher._sms_dispatch_budget())
            if other_job.get("dispatch"):
                seen.append(self.Dispatcher._cron_dispatch())

        monotonic = SimpleNamespace(monotonic=lambda: clock[0])
        for name in ("cursor", "started", "last_end", "in_job"):
            ir_cron._PASS.__dict__.pop(name, None)  # a new worker
        first_pass, second_pass = object(), object()
        born = [clock[0] - 1]  # when the worker process began
        with (
            patch(f"{IR_CRON_MODULE}.time", monotonic),
            patch(f"{IR_CRON_MODULE}._process_started", lambda: born[0]),
            patch.dict(
                config.options, {"limit_time_real_cron": -1, "limit_time_real": 120}
            ),
            patch.object(base_cron, "_process_job", classmethod(job)),
        ):
            process_job = self.registry["ir.cron"]._process_job
            # A worker begun a second ago: the whole share.
            process_job(None, object(), {})
            self.assertEqual(seen, [60])
            # The first pass of a worker begun long ago may follow a full wait.
            for name in ("cursor", "started", "last_end"):
                ir_cron._PASS.__dict__.pop(name, None)
            born[0] = clock[0] - 3600
            process_job(None, first_pass, {})
            self.assertEqual(seen[1:], [20])  # 0.75 x 120 - 70
            # The next pass at once (a trigger woke the worker): the whole
            # share; after 80 s of other jobs in it, 10 s.
            process_job(None, second_pass, {})
            process_job(None, second_pass, {"seconds": 80})
            self.assertEqual(seen[2:], [60, 10])
            # 160 s into it: no time left, nothing sent, woken again.
            process_job(None, second_pass, {"seconds": 80, "dispatch": True})
            self.assertEqual(seen[4:], [0, 0])
            self.assertEqual(len(self.sms(mailing, "queued")), 3)
            self.assertTrue(Trigger.search([("cron_id", "=", cron.id)]))
        # Outside a cron job, a run takes its whole share.
        with patch.dict(
            config.options, {"limit_time_real_cron": -1, "limit_time_real": 120}
        ):
            self.assertEqual(self.Dispatcher._sms_dispatch_budget(), 60)
            self.assertEqual(self.Dispatcher._cron_dispatch(), 3)

    def test_dispatch_stops_after_its_budget_and_wakes_itself(self):
        many = self.Partner.create(
            [
                {
                    "name": f"Budget {i}",
                    "mobile": f"+35840555{i:04d}",
                    "sms_consent": "granted",
                    "country_id": self.country_fi.id,
                }
                for i in range(300, 306)
            ]
        )
        mailing = self.send(many, body="Same text")
        queued = self.sms(mailing, "queued")
        self.assertEqual(len(queued), 6)
        send = SandboxProvider.send
        clock = [1000.0]

        def slow(provider, messages):
            clock[0] += 10  # each batch takes 10 s
            return send(provider, messages)

        progress = []
        cron = self.dispatch_cron()
        triggers_before = self.env["ir.cron.trigger"].search(
            [("cron_id", "=", cron.id)]
        )
        with (
            patch(
                f"{DISPATCHER_MODULE}.time", SimpleNamespace(monotonic=lambda: clock[0])
            ),
            patch.object(SandboxProvider, "send", autospec=True, side_effect=slow),
            patch.object(
                self.registry["ir.cron"],
                "_notify_progress",
                autospec=True,
                side_effect=lambda _self, **kw: progress.append(kw),
            ),
        ):
            done = self.Dispatcher._cron_dispatch(batch_size=1, time_budget=25)
        # Batches begun at 0, 10 and 20 s; none after the 25 s.
        self.assertEqual(done, 3)
        self.assertEqual(len(self.sms(mailing, "sent")), done)
        self.assertEqual(len(self.sms(mailing, "queued")), 6 - done)
        new_triggers = (
            self.env["ir.cron.trigger"].search([("cron_id", "=", cron.id)])
            - triggers_before
        )
        self.assertTrue(
            new_triggers.filtered(lambda t: t.call_at <= fields.Datetime.now()),
            "the dispatch wakes itself for the rest",
        )
        # Odoo must not run it again in the same cron call.
        self.assertEqual(progress[-1]["remaining"], 0)
        # The next run sends the rest.
        self.assertEqual(self.Dispatcher._cron_dispatch(), 6 - done)
        self.assertEqual(set(queued.mapped("state")), {"sent"})

    def test_batch_size_fits_the_time_left(self):
        Dispatcher = self.Dispatcher
        company = self.env.company
        self.set_sms_account(
            company,
            "twilio",
            timeout=10,
            connections=1,  # test_dispatch_pool: the batch grows with them
            **twilio_account_values("http://127.0.0.1:9"),
        )
        self.assertEqual(Dispatcher._sms_batch_size(company, 2000), 50)
        self.assertEqual(Dispatcher._sms_batch_size(company, 2000, seconds_left=60), 6)
        self.assertEqual(
            Dispatcher._sms_batch_size(company, 2000, seconds_left=60, pace=0.1), 50
        )
        self.assertEqual(
            Dispatcher._sms_batch_size(company, 2000, seconds_left=1, pace=5), 1
        )

    @mute_logger(DISPATCHER_LOGGER)
    def test_unexpected_error_counts_an_attempt_then_fails(self):
        self.env["ir.config_parameter"].sudo().set_param("sms_gateway.max_attempts", 2)
        mailing = self.send(self.ok1 | self.ok2)
        messages = self.sms(mailing, "queued")
        with patch.object(
            SandboxProvider, "send", autospec=True, side_effect=KeyError("boom")
        ):
            self.assertEqual(self.Dispatcher._cron_dispatch(), 2)  # no exception
            self.assertEqual(set(messages.mapped("state")), {"queued"})
            self.assertEqual(set(messages.mapped("attempt_count")), {1})
            self.assertIn("unexpected error (KeyError)", messages[0].failure_reason)
            self.make_due(messages)
            self.Dispatcher._cron_dispatch()
        self.assertEqual(set(messages.mapped("state")), {"failed"})
        self.assertIn("gave up after 2 attempts", messages[0].failure_reason)
        self.assertIn("KeyError", messages[0].failure_reason)

    @mute_logger(DISPATCHER_LOGGER)
    def test_unexpected_error_without_idempotency_is_flagged_for_review(self):
        with TwilioDouble() as double:
            self.set_sms_account(provider="twilio", **twilio_account_values(double.url))
            mailing = self.send(self.ok1)
            message = self.sms(mailing)
            with patch.object(
                TwilioProvider, "send", autospec=True, side_effect=RuntimeError("bug")
            ):
                self.Dispatcher._cron_dispatch()
        self.assertEqual(message.state, "sending")
        self.assertTrue(message.needs_review)
        self.assertIn("RuntimeError", message.failure_reason)
        self.assertEqual(message.attempt_count, 1)

    def test_claim_records_the_provider(self):
        mailing = self.send(self.ok1)
        message = self.sms(mailing)
        killed = False
        with patch.object(SandboxProvider, "send", autospec=True, side_effect=Killed):
            try:
                # Dies mid-batch (as a SIGKILL would): the provider is stored.
                self.Dispatcher._cron_dispatch()
            except Killed:
                killed = True
        self.assertTrue(killed)
        message.invalidate_recordset()
        self.assertEqual((message.state, message.provider), ("sending", "sandbox"))


@tagged("post_install", "-at_install")
class TestRecoveryByProvider(DispatchCase):
    def interrupted(self, provider, run=434343, attempts=1):
        mailing = self.send()
        messages = self.sms(mailing, "queued")
        messages.sudo().write(
            {
                "state": "sending",
                "dispatch_run": run,
                "provider": provider,
                "attempt_count": attempts,
            }
        )
        return messages

    @mute_logger(DISPATCHER_LOGGER)
    def test_sent_through_an_idempotent_provider_then_switched_to_twilio(self):
        messages = self.interrupted("smsapi")
        self.set_sms_account(
            provider="twilio", **twilio_account_values("http://127.0.0.1:9")
        )
        self.Dispatcher._sms_recover_interrupted()
        self.assertEqual(set(messages.mapped("state")), {"queued"})
        self.assertFalse(any(messages.mapped("needs_review")))

    @mute_logger(DISPATCHER_LOGGER)
    def test_sent_through_twilio_then_switched_to_an_idempotent_provider(self):
        self.set_sms_account(
            provider="twilio", **twilio_account_values("http://127.0.0.1:9")
        )
        messages = self.interrupted("twilio")
        self.set_sms_account(provider="sandbox")
        self.Dispatcher._sms_recover_interrupted()
        self.assertEqual(set(messages.mapped("state")), {"sending"})
        self.assertTrue(all(messages.mapped("needs_review")))

    @mute_logger(DISPATCHER_LOGGER)
    def test_a_message_that_keeps_killing_the_dispatch_fails(self):
        self.env["ir.config_parameter"].sudo().set_param("sms_gateway.max_attempts", 3)
        messages = self.interrupted("sandbox", attempts=3)
        self.Dispatcher._sms_recover_interrupted()
        self.assertEqual(set(messages.mapped("state")), {"failed"})
        self.assertIn("interrupted", messages[0].failure_reason)
        self.assertIn("gave up after 3 attempts", messages[0].failure_reason)
