# Copyright 2026 sms_gateway authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Large sends are prepared in the background: the click returns at once,
the prepare cron writes every recipient exactly once in committed steps,
nothing goes out before all are written, a refusal leaves nothing, a cancel
stops it."""

from contextlib import nullcontext
from datetime import timedelta
from unittest.mock import patch

from odoo import fields
from odoo.exceptions import UserError
from odoo.tests import HttpCase, JsonRpcException, new_test_user, tagged
from odoo.tools import mute_logger

from ..models import sms_gateway_mailing_prepare as prepare
from ..models.sms_gateway_message import body_hash
from ..tools import sms_text
from ..wizards import sms_gateway_send_wizard as send_wizard
from .test_send_wizard import SendCase


@tagged("post_install", "-at_install")
class TestMailingPrepare(SendCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["ir.config_parameter"].sudo().set_param(
            "sms_gateway.prepare_threshold", "3"
        )
        cls.crowd = cls.Partner.create(
            [
                {
                    "name": f"Crowd {n:02d}",
                    "mobile": f"+35840777{n + 10:04d}",  # not a sandbox test number
                    "country_id": cls.country_fi.id,
                    "sms_consent": "granted",
                }
                for n in range(12)
            ]
        )
        cls.Mailing = cls.env["sms.gateway.mailing"]

    def send(self, partners=None, user=None, **values):
        wizard = self.wizard(self.crowd if partners is None else partners, user=user)
        if values:
            wizard.write(values)
        action = wizard.action_send()
        return self.Mailing.browse(action["res_id"])

    def prepare(self, **limits):
        with patch.multiple(prepare, **limits) if limits else nullcontext():
            return self.Mailing._cron_prepare(time_budget=60)

    def send_half_prepared(self):
        """A large send of which 5 of the 12 messages are written."""
        mailing = self.send()
        with (
            patch.object(prepare, "CONSTANT_CHUNK", 5),
            patch.object(prepare, "RENDERED_CHUNK", 5),
        ):
            self.Mailing._sms_prepare_one()  # stage
            self.Mailing._sms_prepare_one()  # the first 5 messages
        self.assertEqual(len(self.messages(mailing, state="queued")), 5)
        return mailing

    def messages(self, mailing, **domain):
        return self.Message.sudo().search(
            [("mailing_id", "=", mailing.id)]
            + [(key, "=", value) for key, value in domain.items()]
        )

    def test_a_large_send_returns_at_once_and_is_prepared_by_the_cron(self):
        mailing = self.send()
        self.assertEqual(mailing.state, "preparing")
        self.assertFalse(self.messages(mailing), "nothing is written in the click")
        self.assertEqual(mailing.progress_label, "Reading the recipients")
        steps = self.prepare(CONSTANT_CHUNK=5, RENDERED_CHUNK=5)
        self.assertGreaterEqual(steps, 4)  # stage + 3 chunks of 5
        mailing.invalidate_recordset()
        self.assertEqual(mailing.state, "sending")
        self.assertEqual(mailing.prepare_step, "done")
        queued = self.messages(mailing, state="queued")
        self.assertEqual(queued.partner_id, self.crowd)
        self.assertEqual(len(queued), 12, "one message per recipient, no more")
        self.assertEqual(
            sorted(queued.mapped("body")),
            sorted(f"Hello {p.name}" for p in self.crowd),
        )
        self.assertEqual(set(queued.user_id.ids), {self.user_sms.id})
        self.assertFalse(queued.create_uid, "Sent by says who, not create_uid")
        self.assertEqual((mailing.progress_value, mailing.progress_total), (0, 12))
        self.assertIn("12 queued", mailing.send_summary)
        # A large mailing leaves no note in each partner's chatter (the
        # partner's Sent SMS list shows the SMS).
        notes = self.env["mail.message"].search_count(
            [
                ("model", "=", "res.partner"),
                ("res_id", "in", self.crowd.ids),
                ("body", "ilike", "SMS queued by"),
            ]
        )
        self.assertEqual(notes, 0)
        # The author is told it is ready.
        self.assertTrue(
            self.env["mail.message"].search(
                [
                    ("model", "=", "sms.gateway.mailing"),
                    ("res_id", "=", mailing.id),
                    ("partner_ids", "in", self.user_sms.partner_id.ids),
                    ("subject", "ilike", "prepared"),
                ]
            )
        )
        self.assertEqual(self.Dispatcher._cron_dispatch(), 12)
        self.assertFalse(self.messages(mailing, state="queued"))
        self.assertFalse(self.messages(mailing, state="sending"))

    def test_a_small_send_stays_immediate(self):
        mailing = self.send(self.crowd[:3])
        self.assertEqual(mailing.state, "sending")
        self.assertEqual(len(self.messages(mailing, state="queued")), 3)
        self.assertFalse(mailing.prepare_step)

    def test_nothing_goes_out_before_every_recipient_is_written(self):
        mailing = self.send_half_prepared()
        self.assertEqual(mailing.state, "preparing")
        self.assertEqual((mailing.progress_value, mailing.progress_total), (5, 12))
        self.assertEqual(self.Dispatcher._cron_dispatch(), 0)
        self.assertEqual(len(self.messages(mailing, state="queued")), 5)

    def test_messages_being_prepared_do_not_wake_the_dispatch(self):
        # The dispatch would wake again at once for messages it may not take
        # yet, and run for nothing in the cron workers the preparation needs.
        mailing = self.send_half_prepared()
        lanes = self.Dispatcher._sms_cron_lanes("dispatch")
        Trigger = self.env["ir.cron.trigger"].sudo()
        Trigger.search([("cron_id", "in", lanes.ids)]).unlink()
        self.assertEqual(self.Dispatcher._cron_dispatch(), 0)
        self.assertFalse(Trigger.search([("cron_id", "in", lanes.ids)]))
        # Once prepared, its messages go.
        self.prepare()
        self.assertEqual(mailing.state, "sending")
        self.assertTrue(Trigger.search([("cron_id", "in", lanes.ids)]))

    def test_a_step_killed_half_way_writes_nothing_and_is_done_again(self):
        """A kill rolls back the step's transaction: the messages it wrote
        and the cursor together. Run again, each recipient has one
        message."""
        mailing = self.send()
        with (
            patch.object(prepare, "CONSTANT_CHUNK", 5),
            patch.object(prepare, "RENDERED_CHUNK", 5),
        ):
            self.Mailing._sms_prepare_one()  # stage
            Mailing = type(self.Mailing)
            original = Mailing._sms_write_messages

            def killed(self, source, notes=True):
                original(self, source, notes=notes)
                raise KeyboardInterrupt("killed")

            with (
                patch.object(Mailing, "_sms_write_messages", killed),
                self.assertRaises(KeyboardInterrupt),
                self.env.cr.savepoint(),
            ):
                self.Mailing._sms_prepare_one()
            self.env.invalidate_all()
            self.assertFalse(self.messages(mailing))
            self.assertEqual(mailing.prepare_done, 0)
            self.Mailing._cron_prepare(time_budget=60)
        queued = self.messages(mailing, state="queued")
        self.assertEqual(len(queued), 12)
        self.assertEqual(queued.partner_id, self.crowd)

    def test_a_text_too_long_in_a_later_step_refuses_everything(self):
        self.env.company.sms_gateway_max_parts = 1
        last = self.crowd.sorted("id")[-1]
        last.name = "Ж" * 80  # Unicode, and longer than one part with the text
        mailing = self.send(body="Hei {{ object.name }}, tervetuloa!")
        self.prepare(CONSTANT_CHUNK=5, RENDERED_CHUNK=5)
        mailing.invalidate_recordset()
        self.assertEqual(mailing.state, "canceled")
        self.assertIn("needs 2 SMS parts", mailing.prepare_error)
        self.assertIn(last.name, mailing.prepare_error)
        self.assertFalse(self.messages(mailing), "nothing half-done")
        self.assertFalse(
            self.env["mail.message"].search_count(
                [
                    ("model", "=", "res.partner"),
                    ("res_id", "in", self.crowd.ids),
                    ("body", "ilike", "SMS queued by"),
                ]
            ),
            "no chatter note of an SMS that was never queued",
        )
        self.assertTrue(
            self.env["mail.message"].search(
                [
                    ("model", "=", "sms.gateway.mailing"),
                    ("res_id", "=", mailing.id),
                    ("subject", "ilike", "not sent"),
                    ("partner_ids", "in", self.user_sms.partner_id.ids),
                ]
            )
        )

    def test_the_caps_are_checked_on_the_prepared_recipients(self):
        mailing = self.send(body="Same text for everyone")
        # Lowered after the click (the window would have refused it then).
        self.env.company.sms_gateway_monthly_cap = 10
        self.prepare()
        mailing.invalidate_recordset()
        self.assertEqual(mailing.state, "canceled")
        self.assertIn("monthly cap of 10 leaves 10", mailing.prepare_error)
        self.assertIn("This send has 12 SMS", mailing.prepare_error)
        self.assertFalse(self.messages(mailing))

    def test_the_24_hour_guard_applies_to_a_background_send(self):
        first = self.send(body="Kevään kampanja")
        self.prepare()
        self.assertEqual(len(self.messages(first, state="queued")), 12)
        again = self.send(self.crowd | self.ok1 | self.ok2, body="Kevään kampanja")
        self.prepare()
        again.invalidate_recordset()
        self.assertEqual(again.state, "sending")
        self.assertEqual(len(self.messages(again, skip_reason="recent")), 12)
        self.assertEqual(
            self.messages(again, state="queued").partner_id, self.ok1 | self.ok2
        )

    def test_the_24_hour_guard_applies_to_personalised_texts(self):
        body = "Hei {{ object.name }}, kevään kampanja"
        first = self.send(body=body)
        self.prepare(RENDERED_CHUNK=5)
        self.assertEqual(len(self.messages(first, state="queued")), 12)
        # A renamed partner gets another text: it goes again.
        renamed = self.crowd[0]
        renamed.name = "Crowd renamed"
        again = self.send(self.crowd | self.ok1 | self.ok2, body=body)
        self.prepare(RENDERED_CHUNK=5)
        again.invalidate_recordset()
        self.assertEqual(again.state, "sending")
        skipped = self.messages(again, skip_reason="recent")
        self.assertEqual(skipped.partner_id, self.crowd - renamed)
        self.assertEqual(set(skipped.mapped("state")), {"canceled"})
        self.assertEqual(
            set(skipped.mapped("failure_reason")),
            {"The same text went to this number within 24 hours"},
        )
        self.assertEqual(
            (sum(skipped.mapped("parts")), sum(skipped.mapped("cost"))), (0, 0)
        )
        queued = self.messages(again, state="queued")
        self.assertEqual(queued.partner_id, renamed | self.ok1 | self.ok2)
        self.assertIn(
            "Hei Crowd renamed,",
            queued.filtered(lambda m: m.partner_id == renamed).body,
        )
        self.assertEqual(len(self.messages(again)), 14, "one message per recipient")

    def test_personalised_texts_cost_what_the_engine_says(self):
        # GSM-7 texts are written in SQL, the others in Python: both must
        # give each recipient the text, encoding, parts, hash and cost the
        # engine gives it.
        body = "Hei {{ object.name }} ({{ object.ref ||| asiakas}}), tervetuloa"
        frame = len("Hei  (asiakas), tervetuloa")
        names = [
            "Eero Lindqvist",
            "Δ£¥§¿¡ÄÖÑÜäöñüàèéùìòÇØøÅåΦΓΛΩΠΨΣΘΞÆæßÉ¤@$_!#%&'*+,-./:;<=>?",
            "Curly {brace} €",  # two-septet characters
            "Ölçer",  # small ç is not GSM-7
            "Иван Петров",
            "Pia 😀",
            "A" * (160 - frame),
            "B" * (161 - frame),
            "C" * (306 - frame),
            "D" * (307 - frame),
        ]
        partners = self.Partner.create(
            [
                {
                    "name": name,
                    "ref": "VIP" if index == 0 else False,
                    "mobile": f"+35840888{index + 10:04d}",
                    "country_id": self.country_fi.id,
                    "sms_consent": "granted",
                }
                for index, name in enumerate(names)
            ]
        )
        Message = type(self.Message)
        copied = []
        original_copy = Message._sms_copy

        def copy(records, columns, rows, shared):
            copied.extend(row[columns.index("partner_id")] for row in rows)
            return original_copy(records, columns, rows, shared)

        mailing = self.send(partners, body=body)
        with patch.object(Message, "_sms_copy", copy):
            self.prepare(RENDERED_CHUNK=4)
        mailing.invalidate_recordset()
        self.assertEqual(mailing.state, "sending")
        price = self.env.company.sms_gateway_price_per_part
        messages = self.messages(mailing)
        self.assertEqual(messages.partner_id, partners)
        for message in messages:
            partner = message.partner_id
            text = f"Hei {partner.name} ({partner.ref or 'asiakas'}), tervetuloa"
            info = sms_text.analyze(text)
            with self.subTest(name=partner.name):
                self.assertEqual(message.body, text)
                self.assertEqual(
                    (message.encoding, message.parts, message.chars, message.state),
                    (info.encoding, info.parts, len(text), "queued"),
                )
                self.assertEqual(message.sudo().body_hash, body_hash(text))
                self.assertAlmostEqual(message.cost, info.parts * price, places=6)
        self.assertEqual(
            set(copied),
            set(partners[2:6].ids),
            "GSM-7 texts of one-septet characters are written in SQL",
        )
        self.assertEqual(
            [m.parts for m in messages.sorted(lambda m: m.partner_id.id)][6:],
            [1, 2, 2, 3],
        )

    def test_cancel_while_preparing_stops_it(self):
        mailing = self.send()
        with (
            patch.object(prepare, "CONSTANT_CHUNK", 5),
            patch.object(prepare, "RENDERED_CHUNK", 5),
        ):
            self.Mailing._sms_prepare_one()
            self.Mailing._sms_prepare_one()
            mailing.with_user(self.user_sms).action_cancel()
            self.assertEqual(mailing.state, "canceled")
            self.assertEqual(self.Dispatcher._cron_dispatch(), 0)
            self.Mailing._cron_prepare(time_budget=60)
        self.assertFalse(self.messages(mailing, state="queued"))
        self.assertEqual(len(self.messages(mailing, state="canceled")), 5)
        self.assertEqual(mailing.prepare_step, "done")
        self.assertFalse(
            self.env.cr.execute(
                "SELECT 1 FROM sms_gateway_mailing_recipient WHERE mailing_id = %s",
                [mailing.id],
            )
            or self.env.cr.fetchall()
        )

    def test_cancel_of_a_large_sending_mailing_happens_in_the_background(self):
        mailing = self.send(body="Plain text")
        self.prepare()
        self.assertEqual(len(self.messages(mailing, state="queued")), 12)
        mailing.with_user(self.user_sms).action_cancel()
        self.assertEqual(mailing.state, "canceled")
        self.assertEqual(self.Dispatcher._cron_dispatch(), 0, "nothing more goes")
        with patch.object(prepare, "CANCEL_CHUNK", 5):
            self.Mailing._cron_prepare(time_budget=60)
        self.assertFalse(self.messages(mailing, state="queued"))
        canceled = self.messages(mailing, state="canceled")
        self.assertEqual(len(canceled), 12)
        self.assertEqual(set(canceled.mapped("parts")), {0})

    def test_cancel_of_many_small_mailings_leaves_the_rest_to_the_cron(self):
        # Each is small (2 <= the threshold of 3, queued in the click), but
        # together they are more than the click may cancel itself.
        first = self.send(self.crowd[:2], body="First")
        second = self.send(self.crowd[2:4], body="Second")
        self.assertEqual(len(self.messages(first, state="queued")), 2)
        self.assertEqual(len(self.messages(second, state="queued")), 2)
        both = first | second
        both.with_user(self.user_sms).action_cancel()
        self.assertEqual(set(both.mapped("state")), {"canceled"})
        self.assertFalse(self.messages(first, state="queued"), "canceled in the click")
        self.assertEqual(len(self.messages(second, state="queued")), 2)
        self.assertEqual(second.prepare_step, "cancel")
        self.assertEqual(self.Dispatcher._cron_dispatch(), 0, "nothing more goes")
        self.prepare()
        self.assertFalse(self.messages(second, state="queued"))
        self.assertEqual(len(self.messages(second, state="canceled")), 2)
        second.invalidate_recordset()
        self.assertEqual(second.prepare_step, "done")

    def test_a_scheduled_large_send_is_prepared_shortly_before_its_time(self):
        at = fields.Datetime.now() + timedelta(hours=3)
        mailing = self.send(send_mode="later", scheduled_at=at)
        self.assertEqual(mailing.state, "scheduled")
        self.prepare()
        self.assertFalse(self.messages(mailing), "not prepared hours before")
        with patch.object(
            fields.Datetime, "now", return_value=at - timedelta(minutes=5)
        ):
            self.prepare()
        mailing.invalidate_recordset()
        self.assertEqual(mailing.state, "scheduled")
        queued = self.messages(mailing, state="queued")
        self.assertEqual(len(queued), 12)
        self.assertEqual(set(queued.mapped("scheduled_at")), {at})

    def test_the_window_estimates_counts_of_a_very_large_send(self):
        # Every fourth partner without consent: a sample along the ids would
        # see a pattern the hash spreads evenly.
        many = self.Partner.create(
            [
                {
                    "name": f"Many {n}",
                    "mobile": f"+35840888{n + 10:04d}",
                    "country_id": self.country_fi.id,
                    "sms_consent": "unknown" if n % 4 == 0 else "granted",
                }
                for n in range(800)
            ]
        )
        with (
            patch.object(send_wizard, "EXACT_COUNT_LIMIT", 400),
            patch.object(send_wizard, "COUNT_SAMPLE", 200),
        ):
            wizard = self.wizard(many)
            self.assertTrue(wizard.counts_estimated)
            # About 600 granted and 200 unknown (the sample: about 200 of 800).
            self.assertLess(abs(wizard.count_sms_allowed - 600), 600 * 0.35)
            self.assertLess(abs(wizard.count_no_consent - 200), 200 * 0.6)
        wizard = self.wizard(many)
        self.assertFalse(wizard.counts_estimated)
        self.assertEqual(wizard.count_sms_allowed, 600)
        self.assertEqual(wizard.count_no_consent, 200)

    def test_a_user_cannot_start_or_steer_a_preparation(self):
        Mailing = self.Mailing.with_user(self.user_sms)
        with self.assertRaisesMessage(UserError, "follow its preparation"):
            Mailing.create({"name": "Forged", "body": "x", "prepare_step": "stage"})
        mailing = self.send()
        for values in (
            {"prepare_step": "done"},
            {"prepare_error": "x"},
            {"prepare_domain": "[]"},
        ):
            with self.assertRaises(UserError):
                mailing.with_user(self.user_sms).write(values)
        with self.assertRaises(UserError):
            mailing.with_user(self.user_manager).write({"prepare_step": "write"})

    def test_the_recipients_are_those_the_sender_may_read(self):
        """The cron prepares as the sender: a partner the sender may not
        read is not a recipient, even though the cron runs as superuser."""
        hidden = self.crowd[:4]
        rule = self.env["ir.rule"].create(
            {
                "name": "sms user sees no hidden crowd",
                "model_id": self.env.ref("base.model_res_partner").id,
                "domain_force": repr([("id", "not in", hidden.ids)]),
                "groups": [(4, self.env.ref("sms_gateway.group_sms_gateway_user").id)],
            }
        )
        self.addCleanup(rule.unlink)
        domain = repr([("id", "in", self.crowd.ids)])
        wizard = (
            self.env["sms.gateway.send.wizard"]
            .with_user(self.user_sms)
            .with_context(
                active_model="res.partner",
                active_ids=self.crowd.ids,
                active_domain=domain,
            )
            .create({"body": "Hi"})
        )
        self.assertEqual(wizard.count_sms_allowed, 8)
        mailing = self.Mailing.browse(wizard.action_send()["res_id"])
        self.prepare()
        self.assertEqual(self.messages(mailing).partner_id, self.crowd - hidden)


@tagged("post_install", "-at_install")
class TestMailingPrepareRpc(HttpCase):
    """The preparation over JSON-RPC, as a User would try it."""

    @mute_logger("odoo.http")
    def test_a_user_cannot_start_a_preparation_over_rpc(self):
        user = new_test_user(
            self.env,
            login="prep_rpc_user",
            groups="base.group_user,sms_gateway.group_sms_gateway_user",
        )
        self.authenticate(user.login, user.login)

        def call(method, args, kwargs=None):
            return self.make_jsonrpc_request(
                f"/web/dataset/call_kw/sms.gateway.mailing/{method}",
                {
                    "model": "sms.gateway.mailing",
                    "method": method,
                    "args": args,
                    "kwargs": kwargs or {},
                },
            )

        with self.assertRaisesRegex(JsonRpcException, "UserError"):
            call(
                "create",
                [{"name": "Forged", "body": "x", "prepare_step": "stage"}],
            )
        for private in ("_cron_prepare", "_sms_prepare_one", "_sms_prepare_later"):
            with self.assertRaises(JsonRpcException):
                call(private, [[]])
        self.assertFalse(
            self.env["sms.gateway.mailing"].search([("name", "=", "Forged")])
        )
