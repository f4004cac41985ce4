# Copyright 2026 sms_gateway authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Routing by destination country and failover between SMS accounts."""

from odoo import fields
from odoo.tests import tagged
from odoo.tools import mute_logger

from .test_dispatch import DispatchCase

DISPATCH_LOGGER = "odoo.addons.sms_gateway.dispatch.dispatcher"


@tagged("post_install", "-at_install")
class TestRouting(DispatchCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.pl1 = cls.Partner.create(
            {
                "name": "Zofia",
                "mobile": "+48 600 100 201",
                "country_id": cls.country_pl.id,
                "sms_consent": "granted",
            }
        )
        cls.pl2 = cls.Partner.create(
            {
                "name": "Jan",
                "mobile": "+48 600 100 202",
                "country_id": cls.country_pl.id,
                "sms_consent": "granted",
            }
        )
        cls.finns = cls.ok1 | cls.ok2
        cls.poles = cls.pl1 | cls.pl2

    def setUp(self):
        super().setUp()
        self.smsapi = self.enterContext(
            self.mock_sms_gateway(
                "smsapi",
                name="SMSAPI Poland",
                sequence=1,
                country_ids=[(6, 0, self.country_pl.ids)],
            )
        )
        self.twilio = self.enterContext(
            self.mock_sms_gateway("twilio", add=True, name="Twilio world", sequence=2)
        )
        self.smsapi_account = self.smsapi.account
        self.twilio_account = self.twilio.account
        self.Dispatcher = self.env["sms.gateway.dispatcher"]

    def accounts_of(self, mailing):
        return {m.partner_id: m.account_id for m in self.sms(mailing)}

    def test_each_message_goes_through_the_account_of_its_country(self):
        mailing = self.send(self.finns | self.poles)
        self.Dispatcher._cron_dispatch()
        self.assertSMS(self.poles, "sent", mailing, account=self.smsapi_account)
        self.assertSMS(self.finns, "sent", mailing, account=self.twilio_account)
        self.assertProviderGot(self.smsapi, self.poles)
        self.assertProviderGot(self.twilio, self.finns)
        by_provider = {m.partner_id: m.provider for m in self.sms(mailing)}
        self.assertEqual(by_provider[self.pl1], "smsapi")
        self.assertEqual(by_provider[self.ok1], "twilio")

    @mute_logger(DISPATCH_LOGGER, "odoo.addons.sms_gateway.models.sms_gateway_account")
    def test_bad_credentials_fail_over_to_the_next_account_exactly_once(self):
        self.smsapi.bad_token = True
        mailing = self.send(self.finns | self.poles)
        self.Dispatcher._cron_dispatch()
        everyone = self.finns | self.poles
        self.assertSMS(everyone, "sent", mailing, account=self.twilio_account)
        self.assertFalse(self.smsapi.messages)
        self.assertProviderGot(self.twilio, everyone)  # each exactly once
        # The failing account is on hold, says why, and administrators know.
        self.assertTrue(self.smsapi_account.hold_until)
        self.assertGreater(self.smsapi_account.hold_until, fields.Datetime.now())
        self.assertIn("authorization failed", self.smsapi_account.hold_reason.lower())
        self.assertTrue(self.smsapi_account.activity_ids)
        # A second run sends nothing again.
        self.assertEqual(self.Dispatcher._cron_dispatch(), 0)
        self.assertEqual(len(self.twilio.messages), 4)

    @mute_logger(DISPATCH_LOGGER, "odoo.addons.sms_gateway.models.sms_gateway_account")
    def test_without_another_account_messages_wait_for_the_held_one(self):
        self.twilio_account.active = False
        self.smsapi_account.country_ids = False
        self.smsapi.no_credit = True
        mailing = self.send(self.poles)
        self.Dispatcher._cron_dispatch()
        messages = self.sms(mailing)
        self.assertEqual(set(messages.mapped("state")), {"queued"})
        self.assertEqual(set(messages.mapped("attempt_count")), {0})
        self.assertFalse(messages.account_id)  # free to go through any account
        self.assertIn("credit", self.smsapi_account.hold_reason.lower())
        # Credit is back and the hold is over: they go, once.
        self.smsapi.no_credit = False
        self.smsapi_account.sudo().hold_until = fields.Datetime.now()
        self.make_due(messages)
        self.Dispatcher._cron_dispatch()
        self.assertEqual(set(messages.mapped("state")), {"sent"})
        self.assertEqual(len(self.smsapi.messages), 2)
        # It sent again: the hold is over.
        self.assertFalse(self.smsapi_account.hold_until)
        self.assertFalse(self.smsapi_account.hold_reason)

    def test_no_account_for_the_country_says_so(self):
        self.twilio_account.active = False
        mailing = self.send(self.finns | self.poles)
        self.Dispatcher._cron_dispatch()
        finn_messages = self.sms(mailing).filtered(lambda m: m.partner_id in self.finns)
        self.assertEqual(set(finn_messages.mapped("state")), {"queued"})
        self.assertIn("Finland", finn_messages[0].failure_reason)
        self.assertEqual(
            set(
                self.sms(mailing)
                .filtered(lambda m: m.partner_id in self.poles)
                .mapped("state")
            ),
            {"sent"},
        )

    @mute_logger(DISPATCH_LOGGER, "odoo.addons.sms_gateway.tools.providers.base")
    def test_a_message_that_may_be_at_a_provider_never_goes_through_another(self):
        # SMSAPI takes the request but the answer is lost (read timeout): the
        # messages may be there; with SMSAPI's idempotency key they go again
        # through SMSAPI only, never through Twilio.
        self.smsapi_account.country_ids = False
        self.smsapi_account.timeout = 1
        self.smsapi.delay = 2.5
        mailing = self.send(self.poles)
        self.Dispatcher._cron_dispatch()
        messages = self.sms(mailing)
        self.assertEqual(set(messages.mapped("state")), {"queued"})
        self.assertEqual(set(messages.mapped("account_id")), {self.smsapi_account})
        self.smsapi.delay = 0
        self.smsapi_account.sudo().hold_until = False
        self.make_due(messages)
        self.Dispatcher._cron_dispatch()
        self.assertEqual(set(messages.mapped("state")), {"sent"})
        self.assertEqual(set(messages.mapped("account_id")), {self.smsapi_account})
        self.assertFalse(self.twilio.messages)
        # SMSAPI kept one message per idempotency key.
        self.assertEqual(len({m["idx"] for m in self.smsapi.messages}), 2)

    def test_usage_groups_by_account(self):
        mailing = self.send(self.finns | self.poles)
        self.Dispatcher._cron_dispatch()
        self.assertEqual(mailing.count_sent, 4)
        groups = dict(
            self.env["sms.gateway.usage.report"]
            .with_user(self.user_accountant)
            ._read_group(
                [("mailing_id", "=", mailing.id)], ["account_id"], ["sms_count:sum"]
            )
        )
        self.assertEqual(
            {account.id: count for account, count in groups.items()},
            {self.smsapi_account.id: 2, self.twilio_account.id: 2},
        )

    @mute_logger(DISPATCH_LOGGER)
    def test_provider_down_past_the_retry_delay_fails_over(self):
        self.smsapi.fail_status, self.smsapi.fail_count = 503, None
        mailing = self.send(self.poles)
        self.Dispatcher._cron_dispatch()
        messages = self.sms(mailing)
        # Nothing reached SMSAPI: the messages wait the retry delay, free.
        self.assertEqual(set(messages.mapped("state")), {"queued"})
        self.assertFalse(messages.account_id)
        self.assertFalse(self.twilio.messages)
        # Still down when they are due: the next account takes them, once.
        self.make_due(messages)
        self.Dispatcher._cron_dispatch()
        self.assertEqual(set(messages.mapped("state")), {"sent"})
        self.assertEqual(set(messages.mapped("account_id")), {self.twilio_account})
        self.assertEqual(len(self.twilio.messages), 2)
        self.assertFalse(self.smsapi.messages)

    @mute_logger("odoo.addons.sms_gateway.models.sms_gateway_account")
    def test_a_locked_account_is_passed_over(self):
        self.smsapi_account.location = '{"cluster": "1", "db": "copy", "uuid": "x"}'
        mailing = self.send(self.poles)
        self.Dispatcher._cron_dispatch()
        messages = self.sms(mailing)
        self.assertEqual(set(messages.mapped("account_id")), {self.twilio_account})
        self.assertEqual(set(messages.mapped("state")), {"sent"})
        self.assertFalse(self.smsapi.requests)

    def test_a_resent_message_is_routed_again(self):
        self.smsapi.invalid_numbers = {"48600100201"}
        mailing = self.send(self.pl1)
        self.Dispatcher._cron_dispatch()
        failed = self.assertSMS(
            self.pl1, "failed", mailing, account=self.smsapi_account
        )
        # The SMSAPI account is gone; the resend is a new message: Twilio takes it.
        self.smsapi_account.active = False
        failed.with_user(self.user_sms).action_resend()
        self.Dispatcher._cron_dispatch()
        self.assertSMS(self.pl1, "sent", mailing, account=self.twilio_account)
        self.assertProviderGot(self.twilio, self.pl1)
