# Copyright 2026 sms_gateway authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Dispatch: exactly once, retries, account errors, crash recovery, delivery."""

from datetime import timedelta

from odoo import fields
from odoo.tests import tagged
from odoo.tools import mute_logger

from ..dispatch.dispatcher import ADVISORY_LOCK_CLASS
from .doubles import SMSAPI_TOKEN, SmsapiDouble
from .test_send_wizard import SendCase


class DispatchCase(SendCase):
    def send(self, partners=None, body="Hello {{ object.name }}", **values):
        action = self.wizard(partners, body=body, **values).action_send()
        return self.env["sms.gateway.mailing"].browse(action["res_id"])

    def use_smsapi(self, double, company=None):
        self.account = self.set_sms_account(
            company, "smsapi", smsapi_token=SMSAPI_TOKEN, smsapi_base_url=double.url
        )
        return self.account

    def make_due(self, messages):
        """Let time pass until their next attempt."""
        messages.sudo().write(
            {"next_attempt_at": fields.Datetime.now() - timedelta(seconds=1)}
        )

    def sms(self, mailing, state=None):
        messages = mailing.message_ids.filtered(lambda m: m.channel == "sms")
        if state:
            messages = messages.filtered(lambda m: m.state == state)
        return messages


@tagged("post_install", "-at_install")
class TestDispatchSandbox(DispatchCase):
    def test_sends_queued_messages_once(self):
        mailing = self.send()
        queued = self.sms(mailing, "queued")
        self.assertEqual(self.Dispatcher._cron_dispatch(), 2)
        self.assertEqual(set(queued.mapped("state")), {"sent"})
        self.assertTrue(all(queued.mapped("provider_ref")))
        self.assertEqual(set(queued.mapped("provider")), {"sandbox"})
        self.assertEqual(mailing.state, "done")
        self.assertEqual(self.Dispatcher._cron_dispatch(), 0)

    def test_rejected_number_fails_with_a_reason(self):
        self.ok2.mobile = "+358 40 100 0000"  # the sandbox refuses ...0000
        mailing = self.send()
        self.Dispatcher._cron_dispatch()
        failed = self.sms(mailing, "failed")
        self.assertEqual(failed.partner_id, self.ok2)
        self.assertIn("invalid", failed.failure_reason)
        self.assertEqual(mailing.count_failed, 1)

    def test_temporary_failure_waits_then_fails_after_the_last_attempt(self):
        self.ok2.mobile = "+358 40 200 0001"  # the sandbox answers "retry"
        self.env["ir.config_parameter"].sudo().set_param("sms_gateway.max_attempts", 3)
        mailing = self.send()
        self.Dispatcher._cron_dispatch()
        waiting = self.sms(mailing).filtered(lambda m: m.partner_id == self.ok2)
        self.assertEqual(waiting.state, "queued")
        self.assertEqual(waiting.attempt_count, 1)
        self.assertGreater(waiting.next_attempt_at, fields.Datetime.now())
        self.assertEqual(self.Dispatcher._cron_dispatch(), 0)  # not due yet
        for attempt in (2, 3):
            self.make_due(waiting)
            self.Dispatcher._cron_dispatch()
            self.assertEqual(waiting.attempt_count, attempt)
        self.assertEqual(waiting.state, "failed")
        self.assertIn("gave up after 3 attempts", waiting.failure_reason)

    def test_delivery_is_polled_and_noted_once_per_mailing(self):
        mailing = self.send()
        self.Dispatcher._cron_dispatch()
        self.sms(mailing, "sent").sudo().write(
            {"sent_at": fields.Datetime.now() - timedelta(minutes=1)}
        )
        self.env["sms.gateway.delivery"]._cron_poll_delivery()
        states = {m.partner_id: m.state for m in self.sms(mailing) if m.provider_ref}
        self.assertEqual(states, {self.ok1: "delivered", self.ok2: "delivered"})
        notes = self.ok1.message_ids.filtered(
            lambda m: "SMS queued by" in (m.body or "")
        )
        self.assertEqual(len(notes), 1)
        self.assertIn(mailing.name, notes.body)

    def test_sandbox_reports_delivery_seconds_after_the_send(self):
        """The README's promise: a sandbox SMS is delivered a few seconds
        after it is sent, not at the next five-minute poll."""
        poll = self.env.ref("sms_gateway.ir_cron_sms_gateway_poll_delivery")
        Trigger = self.env["ir.cron.trigger"].sudo()
        before = Trigger.search([("cron_id", "=", poll.id)])
        mailing = self.send()
        self.Dispatcher._cron_dispatch()
        triggers = Trigger.search([("cron_id", "=", poll.id)]) - before
        self.assertTrue(triggers, "the dispatch wakes the delivery poll")
        self.assertLessEqual(max(triggers.mapped("call_at")), fields.Datetime.now())
        # The poll, run at once, delivers what was just sent.
        self.env["sms.gateway.delivery"]._cron_poll_delivery()
        self.assertEqual(
            set(self.sms(mailing).filtered("provider_ref").mapped("state")),
            {"delivered"},
        )

    def test_resend_failed_in_bulk(self):
        self.ok2.mobile = "+358 40 100 0000"
        mailing = self.send()
        self.Dispatcher._cron_dispatch()
        failed = self.sms(mailing, "failed")
        old_uid = failed.uid
        self.ok2.mobile = "+358 40 100 0009"
        mailing.with_user(self.user_sms).action_resend_failed()
        self.assertEqual(failed.state, "queued")
        self.assertNotEqual(failed.uid, old_uid)


@tagged("post_install", "-at_install")
class TestDispatchSmsapi(DispatchCase):
    def test_one_request_for_the_same_text(self):
        with SmsapiDouble() as double:
            self.use_smsapi(double)
            mailing = self.send(body="Same text for all")
            self.Dispatcher._cron_dispatch()
            sends = [r for r in double.requests if r["path"] == "/sms.do"]
            self.assertEqual(len(sends), 1)
            self.assertEqual(
                sorted(m["idx"] for m in double.messages),
                sorted(self.sms(mailing, "sent").mapped("uid")),
            )

    def test_provider_down_keeps_messages_waiting(self):
        with SmsapiDouble() as double:
            self.use_smsapi(double)
            mailing = self.send()
            messages = self.sms(mailing, "queued")
            double.fail_status, double.fail_count = 500, None
            self.Dispatcher._cron_dispatch()
            self.assertEqual(set(messages.mapped("state")), {"queued"})
            self.assertFalse(messages.filtered(lambda m: m.state == "failed"))
            self.assertFalse(double.messages)
            # The provider is back: they go, once.
            double.fail_status = None
            self.make_due(messages)
            self.Dispatcher._cron_dispatch()
            self.assertEqual(set(messages.mapped("state")), {"sent"})
            self.assertEqual(len(double.messages), 2)

    @mute_logger("odoo.addons.sms_gateway.models.sms_gateway_account")
    def test_bad_credentials_stop_without_failing_and_alert(self):
        with SmsapiDouble() as double:
            self.use_smsapi(double)
            mailing = self.send()
            messages = self.sms(mailing, "queued")
            double.bad_token = True
            self.Dispatcher._cron_dispatch()
            self.assertEqual(set(messages.mapped("state")), {"queued"})
            self.assertEqual(set(messages.mapped("attempt_count")), {0})
            activities = self.account.activity_ids
            self.assertIn(
                "refuses the credentials", " ".join(activities.mapped("summary"))
            )

    def test_locked_database_sends_nothing(self):
        with SmsapiDouble() as double:
            self.use_smsapi(double)
            mailing = self.send()
            queued = self.sms(mailing, "queued")
            self.account.location = '{"cluster": "1", "db": "elsewhere", "uuid": "x"}'
            self.Dispatcher._cron_dispatch()
            self.assertEqual(set(queued.mapped("state")), {"queued"})
            self.assertFalse(double.requests)

    def test_invalid_number_in_a_batch(self):
        with SmsapiDouble() as double:
            self.use_smsapi(double)
            double.invalid_numbers = {"358405550102"}
            mailing = self.send(body="Same text")
            self.Dispatcher._cron_dispatch()
            self.assertEqual(self.sms(mailing, "failed").partner_id, self.ok2)
            self.assertEqual(self.sms(mailing, "sent").partner_id, self.ok1)

    def test_delivery_report_route_updates_the_message(self):
        with SmsapiDouble() as double:
            self.use_smsapi(double)
            mailing = self.send(self.ok1)
            self.Dispatcher._cron_dispatch()
        message = self.sms(mailing)
        company = self.env.company
        event = {
            "provider_ref": message.provider_ref,
            "uid": None,
            "status": "delivered",
        }
        Delivery = self.env["sms.gateway.delivery"]
        result = Delivery._sms_apply_delivery_events(company, [event], "smsapi")
        self.assertEqual(result, {"applied": 1, "unknown": []})
        self.assertEqual(message.state, "delivered")
        # Repeated, or older news arriving late: nothing changes.
        late = dict(event, status="sent")
        result = Delivery._sms_apply_delivery_events(company, [event, late], "smsapi")
        self.assertEqual(result["applied"], 0)
        self.assertEqual(message.state, "delivered")
        # Another company cannot touch it.
        company_b = self.env["res.company"].create({"name": "B"})
        failed = dict(event, status="undelivered")
        result = Delivery._sms_apply_delivery_events(company_b, [failed], "smsapi")
        self.assertEqual(result["unknown"], [message.provider_ref])
        self.assertEqual(message.state, "delivered")


@tagged("post_install", "-at_install")
class TestCrashRecovery(DispatchCase):
    """Messages left 'sending' by a dead run (the log says so, muted here)."""

    def interrupted(self, run=424242):
        """Messages left 'sending' by run ``run``, as after a SIGKILL."""
        mailing = self.send()
        messages = self.sms(mailing, "queued")
        # As the claim leaves them: the account and provider they go through.
        account = self.env.company._sms_gateway_first_account()
        messages.sudo().write(
            {
                "state": "sending",
                "dispatch_run": run,
                "account_id": account.id,
                "provider": account.provider,
            }
        )
        return messages

    @mute_logger("odoo.addons.sms_gateway.dispatch.dispatcher")
    def test_idempotent_provider_resends_safely(self):
        with SmsapiDouble() as double:
            self.use_smsapi(double)
            messages = self.interrupted()
            # The provider had taken one of them just before the crash.
            with self.account._sms_get_provider() as provider:
                first = messages[0]
                provider.send(
                    [
                        {
                            "uid": first.uid,
                            "number": first.number,
                            "body": first.sudo().body,
                            "sender": None,
                        }
                    ]
                )
            self.Dispatcher._cron_dispatch()
            self.assertEqual(set(messages.mapped("state")), {"sent"})
            accepted = [m["idx"] for m in double.messages if m["state"] == "accepted"]
            self.assertEqual(sorted(accepted), sorted(messages.mapped("uid")))

    @mute_logger("odoo.addons.sms_gateway.dispatch.dispatcher")
    def test_provider_without_idempotency_is_flagged_for_review(self):
        self.set_sms_account(
            provider="twilio",
            twilio_account_sid="AC" + "0" * 32,
            twilio_auth_token="t",
            twilio_base_url="http://127.0.0.1:9",
            sender="Shop",
        )
        messages = self.interrupted()
        self.Dispatcher._cron_dispatch()
        self.assertEqual(set(messages.mapped("state")), {"sending"})
        self.assertTrue(all(messages.mapped("needs_review")))
        self.assertIn("not resent automatically", messages[0].failure_reason)
        messages.with_user(self.user_manager).action_mark_sent()
        self.assertEqual(set(messages.mapped("state")), {"sent"})

    @mute_logger("odoo.addons.sms_gateway.dispatch.dispatcher")
    def test_a_running_dispatch_is_left_alone(self):
        run = 515151
        messages = self.interrupted(run)
        with self.registry.cursor() as other:
            other.execute("SELECT pg_advisory_lock(%s, %s)", (ADVISORY_LOCK_CLASS, run))
            self.Dispatcher._sms_recover_interrupted()
            self.assertEqual(set(messages.mapped("state")), {"sending"})
            other.execute(
                "SELECT pg_advisory_unlock(%s, %s)", (ADVISORY_LOCK_CLASS, run)
            )
        self.Dispatcher._sms_recover_interrupted()
        self.assertEqual(set(messages.mapped("state")), {"queued"})
