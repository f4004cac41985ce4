# Copyright 2026 sms_gateway authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Dispatch over an account's parallel connections (Twilio double), the
account's rate settings, and who may change them."""

from contextlib import contextmanager
from datetime import timedelta
from unittest.mock import patch

from odoo import fields
from odoo.exceptions import AccessError, ValidationError
from odoo.sql_db import db_connect
from odoo.tests import HttpCase, tagged
from odoo.tools import mute_logger

from ..dispatch import dispatcher
from ..dispatch.dispatcher import RATE_LOCK_CLASS
from .common import JsonRpcMixin, SmsGatewaySecurityCase
from .test_dispatch import DispatchCase

ACCESS_ERROR = "odoo.exceptions.AccessError"
SETTINGS = ("connections", "requests_per_second")


@tagged("post_install", "-at_install")
class TestDispatchPool(DispatchCase):
    def customers(self, count):
        return self.Partner.create(
            [
                {
                    "name": f"Customer {i:03d}",
                    "mobile": f"+3584070{i:05d}",
                    "sms_consent": "granted",
                    "country_id": self.country_fi.id,
                }
                for i in range(count)
            ]
        )

    @contextmanager
    def rate_limited_send(self, count):
        """A personalised mailing to ``count`` customers through the Twilio
        double, which takes 10 requests a second (the account sets no rate
        of its own; 1 s timeout): yields the double and the mailing."""
        partners = self.customers(count)
        with self.mock_sms_gateway("twilio", connections=4) as double:
            double.configure(delay=0.02, per_second_limit=10)
            double.account.write({"requests_per_second": 0, "timeout": 1})
            yield double, self.send(partners, body="Hello {{ object.name }}")

    def test_200_personalised_messages_go_once_each_over_four_connections(self):
        partners = self.customers(200)
        with self.mock_sms_gateway("twilio", connections=4) as double:
            double.delay = 0.02
            mailing = self.send(partners, body="Hello {{ object.name }}")
            self.assertEqual(len(self.sms(mailing, "queued")), 200)
            for _run in range(10):
                if not self.Dispatcher._cron_dispatch():
                    break
            stats = double.stats()
        messages = self.sms(mailing)
        self.assertEqual(len(messages), 200)
        self.assertEqual(set(messages.mapped("state")), {"sent"})
        # Each recipient got exactly one SMS, with its own text.
        self.assertEqual(
            sorted(entry["number"] for entry in double.accepted()),
            sorted(partners.mapped("sms_number")),
        )
        self.assertEqual(
            sorted(entry["body"] for entry in double.accepted()),
            sorted(f"Hello {name}" for name in partners.mapped("name")),
        )
        self.assertEqual(
            sorted(messages.mapped("provider_ref")),
            sorted(entry["provider_ref"] for entry in double.accepted()),
        )
        self.assertGreater(stats["peak_concurrent"], 1)
        self.assertLessEqual(stats["peak_concurrent"], 4)
        self.assertEqual(mailing.state, "done")

    @mute_logger("odoo.addons.sms_gateway.dispatch.dispatcher")
    def test_a_rate_limit_mid_batch_keeps_what_was_sent_and_retries_the_rest(self):
        # One batch takes all 30.
        with self.rate_limited_send(30) as (double, mailing):
            self.Dispatcher._cron_dispatch(max_batches=1)
            taken = len(double.accepted())
        messages = self.sms(mailing)
        sent = messages.filtered(lambda m: m.state == "sent")
        self.assertEqual(len(sent), taken)
        self.assertEqual(len(sent), 10)
        waiting = messages - sent
        self.assertEqual(set(waiting.mapped("state")), {"queued"})
        self.assertFalse(any(messages.mapped("needs_review")))
        self.assertTrue(all(m.next_attempt_at for m in waiting))
        # Slowing down is not a failure: they go again after the provider's
        # Retry-After (1 s), not after the minute of a failed attempt, and
        # the attempt is not counted.
        latest = fields.Datetime.now() + timedelta(seconds=5)
        self.assertTrue(all(m.next_attempt_at <= latest for m in waiting))
        self.assertEqual(set(waiting.mapped("attempt_count")), {0})
        self.assertTrue(double.account.hold_until)
        self.assertEqual(double.account.hold_kind, "rate_limit")

    @mute_logger("odoo.addons.sms_gateway.dispatch.dispatcher")
    def test_after_a_rate_limit_the_same_run_sends_again_after_retry_after(self):
        # A run that met a 429 waits the provider's Retry-After and goes on
        # with the messages still due; it does not leave the account for
        # the rest of the run (several workers then only put each other's
        # messages back in the queue, sending nothing).
        with self.rate_limited_send(60) as (double, mailing):
            self.Dispatcher._cron_dispatch(batch_size=20)
            taken = len(double.accepted())
        sent = self.sms(mailing).filtered(lambda m: m.state == "sent")
        self.assertEqual(len(sent), taken)
        self.assertGreaterEqual(taken, 20, "sent again after the Retry-After")
        self.assertEqual(len({m.partner_id for m in sent}), len(sent), "none twice")

    def test_the_batch_grows_with_the_connections_within_the_time_budget(self):
        account = self.set_sms_account(
            provider="twilio",
            twilio_account_sid="AC" + "1" * 32,
            twilio_auth_token="token",
            sender="+15005550006",
        )
        company = self.env.company
        size = self.Dispatcher._sms_batch_size
        account.connections = 1
        self.assertEqual(size(company, 2000), 50)
        account.connections = 4
        self.assertEqual(size(company, 2000), 200)
        # Before any batch: as many as can wait for the timeout on each
        # connection, and no more than the rate sends in half the time left.
        account.timeout = 10
        self.assertEqual(size(company, 2000, seconds_left=60), 24)
        account.requests_per_second = 5
        self.assertEqual(size(company, 2000, seconds_left=60), 24)
        self.assertEqual(size(company, 2000, seconds_left=60, pace=0.005), 150)
        # The pace of the last batch decides once known.
        account.requests_per_second = 0
        self.assertEqual(size(company, 2000, seconds_left=60, pace=0.1), 200)
        self.assertEqual(size(company, 2000, seconds_left=10, pace=0.1), 50)
        # Paced faster than the connections fill a batch: 6 s of its rate, so
        # that the pause between batches costs the rate little.
        account.requests_per_second = 150
        self.assertEqual(size(company, 2000), 900)
        self.assertEqual(size(company, 2000, seconds_left=60, pace=0.007), 900)
        self.assertEqual(size(company, 2000, seconds_left=4, pace=0.007), 285)

    def test_the_settings_reach_the_adapter(self):
        vonage = self.set_sms_account(
            provider="vonage",
            vonage_api_key="key",
            vonage_api_secret="secret",
            sender="Shop",
        )
        # The provider's documented rate, and a small pool, by default.
        self.assertEqual(vonage.requests_per_second, 30)
        self.assertEqual(vonage.connections, 4)
        with vonage._sms_get_provider() as adapter:
            self.assertEqual(adapter.max_requests_per_second, 30)
            self.assertEqual(adapter.connections, 4)
        vonage.write({"requests_per_second": 0, "connections": 16})
        with vonage._sms_get_provider() as adapter:
            self.assertIsNone(adapter.max_requests_per_second)  # no limit
            self.assertEqual(adapter.connections, 16)
        twilio = self.add_sms_account(
            provider="twilio",
            twilio_account_sid="AC" + "2" * 32,
            twilio_auth_token="token",
            sender="+15005550006",
        )
        self.assertEqual(twilio.requests_per_second, 0)  # Twilio documents none
        twilio.write(
            {"provider": "vonage", "vonage_api_key": "k", "vonage_api_secret": "s"}
        )
        self.assertEqual(twilio.requests_per_second, 30)

    def test_dispatch_runs_sending_through_one_account_share_its_rate(self):
        account = self.set_sms_account(
            provider="vonage",
            vonage_api_key="key",
            vonage_api_secret="secret",
            sender="Shop",
        )
        lock = "SELECT pg_advisory_lock_shared(%s, %s)"
        unlock = "SELECT pg_advisory_unlock_shared(%s, %s)"
        key = (RATE_LOCK_CLASS, account.id)
        size = self.Dispatcher._sms_batch_size
        company = self.env.company
        # Alone: a batch takes half the time left at 30 requests per second.
        self.assertEqual(size(company, 2000, seconds_left=10, pace=0.001), 150)
        # Another worker (its own database connection) sends through it.
        with db_connect(self.env.cr.dbname).cursor() as other:
            other.execute(lock, key)
            self.assertEqual(size(company, 2000, seconds_left=10, pace=0.001), 75)
            locks = set()
            share = self.Dispatcher._sms_rate_lock(account, locks)
            self.assertEqual(share, 2)
            # This run holds the lock now: its next batch counts itself once.
            self.assertEqual(
                size(company, 2000, seconds_left=10, pace=0.001, rate_locks=locks), 75
            )
            shared = account.with_context(sms_gateway_rate_share=share)
            with shared._sms_get_provider() as adapter:
                self.assertEqual(adapter.max_requests_per_second, 15)
            self.Dispatcher._sms_rate_unlock(locks)
            other.execute(unlock, key)
        locks = set()
        share = self.Dispatcher._sms_rate_lock(account, locks)
        self.assertEqual(share, 1)
        self.assertEqual(self.Dispatcher._sms_rate_lock(account, locks), 1)  # once
        self.Dispatcher._sms_rate_unlock(locks)
        self.env.cr.execute(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' "
            "AND classid = %s AND objid = %s",
            key,
        )
        self.assertEqual(self.env.cr.fetchone()[0], 0)

    def test_a_run_keeps_its_part_of_the_rate_from_batch_to_batch(self):
        # Two workers sharing 100 requests/s: a run between two batches (its
        # claim, its commits) still counts, else the other one would take the
        # whole rate meanwhile and the provider would refuse requests.
        Dispatcher = type(self.Dispatcher)
        claim, send_rows = Dispatcher._sms_claim, Dispatcher._sms_send_rows
        partners = self.customers(120)
        with (
            self.mock_sms_gateway("twilio", connections=1) as double,
            db_connect(self.env.cr.dbname).cursor() as other,
        ):
            double.delay = 0.001
            double.account.write({"requests_per_second": 100})
            key = (RATE_LOCK_CLASS, double.account.id)
            mailing = self.send(partners, body="Hello {{ object.name }}")
            held, shares = [], []

            def counting_claim(dispatcher, *args, **kwargs):
                other.execute(
                    "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' "
                    "AND granted AND classid = %s AND objid = %s",
                    key,
                )
                held.append(other.fetchone()[0])
                if len(held) == 2:
                    # Another worker starts sending through the account.
                    other.execute("SELECT pg_advisory_lock_shared(%s, %s)", key)
                return claim(dispatcher, *args, **kwargs)

            def sharing_send(dispatcher, account, *args, **kwargs):
                shares.append(account.env.context.get("sms_gateway_rate_share"))
                return send_rows(dispatcher, account, *args, **kwargs)

            with (
                patch.object(Dispatcher, "_sms_claim", counting_claim),
                patch.object(Dispatcher, "_sms_send_rows", sharing_send),
                # Batches of 50 at most (half a second of the rate): several.
                patch.object(dispatcher, "RATE_BATCH_SECONDS", 0.5),
            ):
                self.Dispatcher._cron_dispatch()
            other.execute("SELECT pg_advisory_unlock_shared(%s, %s)", key)
            self.env.cr.execute(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' "
                "AND classid = %s AND objid = %s",
                key,
            )
            left = self.env.cr.fetchone()[0]
        # Before its first batch the run held nothing; from then on it holds
        # its part until the run ends, and shares with the newcomer at once.
        self.assertEqual(held[:3], [0, 1, 2])
        self.assertEqual(shares[:3], [1, 2, 2])
        self.assertEqual(left, 0)
        self.assertEqual(len(self.sms(mailing, "sent")), 120)
        self.assertEqual(len({m["number"] for m in double.accepted()}), 120)

    def test_the_settings_are_bounded(self):
        for values, words in (
            ({"connections": 0}, "between 1 and 16"),
            ({"connections": 17}, "between 1 and 16"),
            ({"requests_per_second": -1}, "between 0 \\(no limit\\)"),
        ):
            with self.assertRaisesMessage(ValidationError, words):
                self.sms_account.write(values)


class PoolSettingsAttackCase(SmsGatewaySecurityCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.account = cls.set_sms_account(
            provider="vonage",
            vonage_api_key="key",
            vonage_api_secret="secret",
            sender="Shop",
        )
        cls.attackers = {
            "User": cls.user_sms,
            "Accountant": cls.user_accountant,
            "User+Accountant": cls.user_sms_accountant,
            "SMS Manager": cls.user_manager,
            "employee": cls.user_employee,
        }

    def settings(self):
        self.env.invalidate_all()
        return {name: self.account.sudo()[name] for name in SETTINGS}


@tagged("post_install", "-at_install")
class TestPoolSettingsRights(PoolSettingsAttackCase):
    def test_only_an_administrator_changes_the_rate_and_connections(self):
        before = self.settings()
        for label, user in self.attackers.items():
            for values in ({"connections": 16}, {"requests_per_second": 10000}):
                with self.assertRaises(AccessError, msg=label):
                    self.account.with_user(user).write(values)
        self.assertEqual(self.settings(), before)
        self.account.with_user(self.admin).write(
            {"connections": 8, "requests_per_second": 20}
        )
        self.assertEqual(self.settings(), {"connections": 8, "requests_per_second": 20})


@tagged("post_install", "-at_install")
class TestPoolSettingsRpc(PoolSettingsAttackCase, JsonRpcMixin, HttpCase):
    @mute_logger("odoo.http")
    def test_no_write_over_json_rpc(self):
        before = self.settings()
        for label, user in self.attackers.items():
            self.authenticate(user.login, user.login)
            for method, args, kwargs in (
                ("write", [self.account.ids, {"connections": 16}], {}),
                ("write", [self.account.ids, {"requests_per_second": 10000}], {}),
                (
                    "web_save",
                    [self.account.ids, {"requests_per_second": 10000}],
                    {"specification": {"requests_per_second": {}}},
                ),
            ):
                answer = self.call_kw("sms.gateway.account", method, args, **kwargs)
                what = f"{label} {method} {args[1]}"
                self.assertIn("error", answer, what)
                self.assertEqual(answer["error"]["data"]["name"], ACCESS_ERROR, what)
        self.assertEqual(self.settings(), before)

    def test_the_administrator_sees_and_saves_them_in_the_form(self):
        self.authenticate(self.admin.login, self.admin.login)
        views = self.call_kw(
            "sms.gateway.account", "get_views", [[[False, "form"]]], options={}
        )
        arch = views["result"]["views"]["form"]["arch"]
        for name in SETTINGS:
            self.assertIn(f'name="{name}"', arch)
        answer = self.call_kw(
            "sms.gateway.account",
            "web_save",
            [self.account.ids, {"connections": 6, "requests_per_second": 12}],
            specification={name: {} for name in SETTINGS},
        )
        self.assertEqual(
            answer["result"][0],
            {"id": self.account.id, "connections": 6, "requests_per_second": 12},
        )
