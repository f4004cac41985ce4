# Copyright 2026 sms_gateway authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""When SMS cannot go, the people who sent them are told why, in words.

An account whose provider answers "no credit" (SMSAPI error 103), refuses
the token, or cannot be reached: the messages stay queued and say why; the
mailing sums it up ("2 messages waiting: the SMS account has no credit (next
try ...)"); the author of the mailing is told once, in their Odoo inbox;
nobody reads a Python exception; when the cause is gone and the messages go
out, the reason goes too.
"""

import socket
from datetime import timedelta

from odoo import fields
from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged
from odoo.tools import mute_logger

from .test_dispatch import DispatchCase

LOGGERS = (
    "odoo.addons.sms_gateway.dispatch.dispatcher",
    "odoo.addons.sms_gateway.models.sms_gateway_account",
    "odoo.addons.sms_gateway.tools.providers.base",
)
TECHNICAL = (
    "Error(",
    "NewConnectionError",
    "ConnectionError",
    "HTTPConnectionPool",
    "Max retries",
    "Errno",
)


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@tagged("post_install", "-at_install")
class TestWaitingMessages(DispatchCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.user_other = new_test_user(
            cls.env,
            login="sms_waiting_other",
            name="Olli Other",
            groups="base.group_user,sms_gateway.group_sms_gateway_user",
        )
        cls.sysadmin = new_test_user(
            cls.env,
            login="sms_waiting_admin",
            name="Sylvi Sysadmin",
            groups="base.group_system,sms_gateway.group_sms_gateway_manager",
        )
        cls.people = cls.ok1 | cls.ok2

    def setUp(self):
        super().setUp()
        self.double = self.enterContext(self.mock_sms_gateway("smsapi"))
        self.account = self.double.account

    # -- helpers --------------------------------------------------------------

    def told(self, mailing, user=None):
        """Inbox notifications about ``mailing`` addressed to ``user``."""
        user = user or self.user_sms
        return (
            self.env["mail.message"]
            .sudo()
            .search(
                [
                    ("model", "=", "sms.gateway.mailing"),
                    ("res_id", "=", mailing.id),
                    ("message_type", "=", "user_notification"),
                    ("partner_ids", "in", user.partner_id.ids),
                ]
            )
        )

    def run_again_later(self, mailing):
        """The hold and the wait are over: the next cron run tries again."""
        self.account.sudo().hold_until = fields.Datetime.now() - timedelta(seconds=1)
        self.make_due(self.sms(mailing))
        self.Dispatcher._cron_dispatch()

    def assertWords(self, text):
        for piece in TECHNICAL:
            self.assertNotIn(piece, text or "")

    def assertWaiting(self, mailing, reason):
        messages = self.sms(mailing)
        self.assertEqual(set(messages.mapped("state")), {"queued"})
        self.assertEqual(set(messages.mapped("failure_reason")), {reason})
        # The mailing stays honest: it is still sending, and says why.
        mailing.invalidate_recordset()
        self.assertEqual(mailing.state, "sending")
        cause = reason.removeprefix("waiting: ")
        self.assertIn(f"2 messages waiting: {cause} (", mailing.waiting_summary)
        return messages

    def assertRecovered(self, mailing):
        messages = self.sms(mailing)
        self.assertEqual(set(messages.mapped("state")), {"sent"})
        self.assertEqual(messages.mapped("failure_reason"), [False, False])
        mailing.invalidate_recordset()
        self.assertFalse(mailing.waiting_summary)
        self.assertEqual(mailing.state, "done")

    # -- no credit --------------------------------------------------------------

    @mute_logger(*LOGGERS)
    def test_no_credit_is_shown_summed_told_once_and_gone_after_recovery(self):
        self.double.no_credit = True
        mailing = self.send(self.people)
        self.Dispatcher._cron_dispatch()
        messages = self.assertWaiting(mailing, "waiting: the SMS account has no credit")
        self.assertEqual(set(messages.mapped("attempt_count")), {0})
        next_try = min(messages.mapped("next_attempt_at"))
        self.assertGreater(next_try, fields.Datetime.now())
        self.assertIn("(next try ", mailing.waiting_summary)
        # The account says it in words, for the administrators.
        self.assertIn("no points left", self.account.hold_reason)
        self.assertWords(self.account.hold_reason)
        self.assertTrue(self.account.activity_ids)
        # The author is told, once, in words, on the mailing.
        notes = self.told(mailing)
        self.assertEqual(len(notes), 1)
        self.assertEqual(notes.subject, "waiting: the SMS account has no credit")
        self.assertIn("2 SMS of your mailing", notes.body)
        self.assertIn("go out by themselves", notes.body)
        self.assertWords(notes.body)
        # ... and reads it as themselves, in their inbox.
        self.assertEqual(
            self.env["mail.message"]
            .with_user(self.user_sms)
            .search([("id", "=", notes.id)]),
            notes,
        )
        self.assertFalse(self.told(mailing, self.user_other))
        # More runs while the credit is still out: nobody is told again.
        for _run in range(2):
            self.run_again_later(mailing)
            self.assertWaiting(mailing, "waiting: the SMS account has no credit")
        self.assertEqual(len(self.told(mailing)), 1)
        # Credit is back: they go, and the reason goes with them.
        self.double.no_credit = False
        self.run_again_later(mailing)
        self.assertRecovered(mailing)
        self.assertEqual(len(self.double.accepted()), 2)
        self.assertEqual(len(self.told(mailing)), 1)

    @mute_logger(*LOGGERS)
    def test_another_mailing_with_the_same_cause_tells_its_author_too(self):
        self.double.no_credit = True
        first = self.send(self.ok1)
        second = self.send(self.ok2, body="Another text")
        self.Dispatcher._cron_dispatch()
        self.assertEqual(len(self.told(first)), 1)
        self.assertEqual(len(self.told(second)), 1)

    # -- refused credentials ----------------------------------------------------

    @mute_logger(*LOGGERS)
    def test_refused_credentials_are_said_on_messages_mailing_and_inbox(self):
        self.double.bad_token = True
        mailing = self.send(self.people)
        self.Dispatcher._cron_dispatch()
        reason = "waiting: the SMS account's credentials were refused"
        self.assertWaiting(mailing, reason)
        self.assertIn("SMSAPI refused the token", self.account.hold_reason)
        self.assertWords(self.account.hold_reason)
        self.assertEqual(self.told(mailing).subject, reason)
        # An administrator re-enters the token: the account is released and
        # the messages go.
        self.double.bad_token = False
        self.account.with_user(self.sysadmin).smsapi_token = self.double.token
        self.make_due(self.sms(mailing))
        self.Dispatcher._cron_dispatch()
        self.assertRecovered(mailing)

    # -- the provider cannot be reached ----------------------------------------

    @mute_logger(*LOGGERS)
    def test_unreachable_provider_is_said_in_words_everywhere(self):
        self.account.smsapi_base_url = f"http://127.0.0.1:{free_port()}"
        mailing = self.send(self.people)
        self.Dispatcher._cron_dispatch()
        reason = "waiting: the provider cannot be reached"
        messages = self.assertWaiting(mailing, reason)
        self.assertEqual(set(messages.mapped("attempt_count")), {1})
        self.assertIn("SMSAPI cannot be reached", self.account.hold_reason)
        self.assertIn("refused the connection", self.account.hold_reason)
        self.assertWords(self.account.hold_reason)
        self.assertEqual(self.told(mailing).subject, reason)
        # The administrator's buttons say it in the same words.
        account = self.account.with_user(self.sysadmin)
        for action in (account.action_test_connection, account.action_check_balance):
            message = action()["params"]["message"]
            self.assertIn("SMSAPI cannot be reached", message)
            self.assertWords(message)
        # Still down at the next attempt: told once only.
        self.run_again_later(mailing)
        self.assertWaiting(mailing, reason)
        self.assertEqual(len(self.told(mailing)), 1)
        # It answers again.
        self.account.smsapi_base_url = self.double.url
        self.run_again_later(mailing)
        self.assertRecovered(mailing)

    # -- locked after a server move ----------------------------------------------

    @mute_logger(*LOGGERS)
    def test_locked_account_says_an_administrator_re_enters_the_credentials(self):
        mailing = self.send(self.people)
        # The database moves to another server before the messages go.
        self.account.sudo().location = (
            '{"db": "elsewhere", "uuid": "x", "cluster": "1"}'
        )
        self.Dispatcher._cron_dispatch()
        reason = (
            "waiting: the SMS account is locked since the database moved to "
            "another server: an administrator re-enters its credentials"
        )
        self.assertWaiting(mailing, reason)
        self.assertEqual(len(self.told(mailing)), 1)

    # -- the balance says its unit ----------------------------------------------

    def test_check_balance_says_points(self):
        self.double.balance = 42.5
        action = self.account.with_user(self.sysadmin).action_check_balance()
        self.assertEqual(action["params"]["type"], "success")
        self.assertIn("42.50 points", action["params"]["message"])

    # -- what each person can read ------------------------------------------------

    @mute_logger(*LOGGERS)
    def test_the_forms_show_the_reason_to_who_may_read_it(self):
        self.double.no_credit = True
        mailing = self.send(self.people)
        self.Dispatcher._cron_dispatch()
        for user in (self.user_sms, self.user_manager, self.user_accountant):
            Mailing = self.env["sms.gateway.mailing"].with_user(user)
            views = Mailing.get_views([(False, "form")])
            arch = views["views"]["form"]["arch"]
            self.assertIn('name="waiting_summary"', arch)
            (values,) = Mailing.browse(mailing.id).web_read(
                {"waiting_summary": {}, "state": {}, "count_queued": {}}
            )
            self.assertIn(
                "2 messages waiting: the SMS account has no credit",
                values["waiting_summary"],
                user.login,
            )
            Message = self.env["sms.gateway.message"].with_user(user)
            arch = Message.get_views([(False, "form")])["views"]["form"]["arch"]
            self.assertIn('name="waiting"', arch)
            rows = Message.web_search_read(
                [("mailing_id", "=", mailing.id)],
                {"failure_reason": {}, "next_attempt_at": {}, "state": {}},
            )["records"]
            self.assertEqual(
                {row["failure_reason"] for row in rows},
                {"waiting: the SMS account has no credit"},
            )
        # Another user reads neither the mailing nor what it says.
        with self.assertRaises(AccessError):
            self.env["sms.gateway.mailing"].with_user(self.user_other).browse(
                mailing.id
            ).web_read({"waiting_summary": {}})
        notes = self.told(mailing)
        with self.assertRaises(AccessError):
            notes.with_user(self.user_other).read(["body"])
