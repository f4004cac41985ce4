# Copyright 2026 sms_gateway authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Two-way SMS: replies posted to each provider's route as the provider sends
them land on the right partner and mailing and notify the sender; keywords
change consent; forged, foreign and repeated deliveries change nothing more.
Every request goes over HTTP to the running server."""

import json
from datetime import timedelta
from unittest.mock import patch
from urllib.parse import urlencode

from odoo import fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tools import mute_logger

from ..tools.providers import twilio
from .common import SmsGatewaySecurityCase

CONTROLLER_LOGGER = "odoo.addons.sms_gateway.controllers.main"
TWILIO_TOKEN = "inbound-twilio-token"
NUMBER_1 = "+48500100201"
NUMBER_2 = "+48500100202"


class InboundCase(SmsGatewaySecurityCase, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_a = cls.env.company
        Partner = cls.env["res.partner"]
        pl = {"country_id": cls.country_pl.id, "sms_consent": "granted"}
        cls.pl1 = Partner.create(dict(pl, name="Agnieszka Nowak", mobile=NUMBER_1))
        cls.pl2 = Partner.create(dict(pl, name="Piotr Kowalski", mobile=NUMBER_2))
        cls.smsapi = cls.set_sms_account(
            cls.company_a, "smsapi", smsapi_token="smsapi-token-a"
        )
        cls.twilio = cls.add_sms_account(
            cls.company_a,
            "twilio",
            twilio_account_sid="AC" + "b" * 32,
            twilio_auth_token=TWILIO_TOKEN,
            sender="+15005550006",
        )
        cls.quriiri = cls.add_sms_account(
            cls.company_a, "quriiri", quriiri_api_key="quriiri-key"
        )
        cls.vonage = cls.add_sms_account(
            cls.company_a, "vonage", vonage_api_key="key", vonage_api_secret="secret"
        )
        cls.smsapi_b = cls.add_sms_account(
            cls.company_b, "smsapi", smsapi_token="smsapi-token-b"
        )
        # A Polish mailing of the SMS user, sent through SMSAPI.
        cls.mailing = cls.send_mailing(cls.pl1 | cls.pl2, "Cześć {{ object.name }}!")
        cls.mark_sent(cls.mailing, cls.smsapi)
        Message = cls.env["sms.gateway.message"].sudo()
        cls.sent_1 = Message.search(
            [("mailing_id", "=", cls.mailing.id), ("partner_id", "=", cls.pl1.id)]
        )

    @classmethod
    def send_mailing(cls, partners, body, user=None):
        wizard = (
            cls.env["sms.gateway.send.wizard"]
            .with_user(user or cls.user_sms)
            .with_context(active_model="res.partner", active_ids=partners.ids)
            .create({"body": body})
        )
        return cls.env["sms.gateway.mailing"].browse(wizard.action_send()["res_id"])

    @classmethod
    def mark_sent(cls, mailing, account):
        mailing.sudo().message_ids.write(
            {
                "state": "sent",
                "account_id": account.id,
                "provider": account.provider,
                "sent_at": fields.Datetime.now() - timedelta(minutes=5),
            }
        )

    # -- helpers --------------------------------------------------------------

    def url_open(self, *args, **kwargs):
        """The route stores; the inbound cron it wakes reads right after."""
        response = super().url_open(*args, **kwargs)
        self.env["sms.gateway.message"].sudo()._cron_inbound()
        self.env.invalidate_all()
        return response

    def path(self, account, secret=None):
        if secret is None:
            secret = account.sudo().callback_secret
        return f"/sms_gateway/inbound/{account.provider}/{account.id}/{secret}"

    def post_form(self, path, params):
        return self.url_open(
            path,
            data=urlencode(params),
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )

    def post_twilio(self, params, token=TWILIO_TOKEN, account=None):
        account = account or self.twilio
        path = f"/sms_gateway/inbound/twilio/{account.id}"
        signature = twilio.compute_signature(token, self.base_url() + path, params)
        return self.url_open(
            path,
            data=urlencode(params),
            headers={
                "X-Twilio-Signature": signature,
                "Content-Type": "application/x-www-form-urlencoded",
            },
        )

    def replies(self, number=None):
        domain = [("direction", "=", "in")]
        if number:
            domain.append(("number", "=", number))
        return self.env["sms.gateway.message"].sudo().search(domain)

    def smsapi_reply(self, text, number=NUMBER_1, ref="MO-1"):
        return {
            "sms_from": number.lstrip("+"),
            "sms_to": "48500000000",
            "sms_text": text,
            "sms_date": "1764806400",
            "MsgId": ref,
            "username": "owner@example.com",
        }


@tagged("post_install", "-at_install")
class TestInboundRoutes(InboundCase):
    def test_smsapi_reply_lands_on_partner_mailing_and_sender(self):
        response = self.post_form(
            self.path(self.smsapi), self.smsapi_reply("Dziękuję, do jutra")
        )
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.text, "OK")
        reply = self.replies(NUMBER_1)
        self.assertEqual(len(reply), 1)
        self.assertEqual(reply.body, "Dziękuję, do jutra")
        self.assertEqual(reply.state, "received")
        self.assertEqual(reply.partner_id, self.pl1)
        self.assertEqual(reply.reply_to_id, self.sent_1)
        self.assertEqual(reply.reply_mailing_id, self.mailing)
        self.assertEqual(reply.user_id, self.user_sms)
        self.assertEqual(reply.account_id, self.smsapi)
        self.assertEqual(reply.provider_ref, "MO-1")
        self.assertEqual(str(reply.received_at), "2025-12-04 00:00:00")
        self.assertEqual(self.mailing.reply_count, 1)
        self.assertEqual(self.mailing.reply_ids, reply)
        # The partner's chatter: from the partner, without the text, and the
        # sender notified in the inbox.
        note = reply.mail_message_id
        self.assertEqual(note.model, "res.partner")
        self.assertEqual(note.res_id, self.pl1.id)
        self.assertEqual(note.author_id, self.pl1)
        self.assertNotIn("Dziękuję", note.body)
        self.assertIn(self.mailing.name, note.body)
        self.assertIn(self.user_sms.partner_id, note.notification_ids.res_partner_id)
        # The sender reads it as their own, and can answer from it.
        mine = reply.with_user(self.user_sms)
        self.assertEqual(mine.body, "Dziękuję, do jutra")
        action = mine.action_reply()
        self.assertEqual(action["res_model"], "sms.gateway.send.wizard")
        self.assertEqual(action["context"]["default_partner_ids"], [self.pl1.id])
        # The conversation with the number: what was sent, what came back.
        conversation = mine.action_view_conversation()
        found = (
            self.env["sms.gateway.message"]
            .with_user(self.user_sms)
            .search(conversation["domain"])
        )
        self.assertEqual(found, self.sent_1 | reply)
        # The partner's button counts what was sent, and lists both.
        self.assertEqual(self.pl1.with_user(self.user_sms).sms_gateway_message_count, 1)

    def test_repeated_delivery_is_stored_once(self):
        for _i in range(3):
            response = self.post_form(self.path(self.smsapi), self.smsapi_reply("Ok"))
            self.assertEqual(response.status_code, 200)
        self.assertEqual(len(self.replies(NUMBER_1)), 1)
        self.assertEqual(self.mailing.reply_count, 1)
        notes = self.pl1.message_ids.filtered(lambda m: "SMS reply from" in m.body)
        self.assertEqual(len(notes), 1)

    def test_twilio_signed_reply_gets_twiml(self):
        self.mark_sent(self.mailing, self.twilio)
        params = {
            "MessageSid": "SM" + "1" * 32,
            "AccountSid": "AC" + "b" * 32,
            "From": NUMBER_2,
            "To": "+15005550006",
            "Body": "Tak, poproszę",
            "NumSegments": "1",
        }
        response = self.post_twilio(params)
        self.assertEqual(response.status_code, 200)
        self.assertIn("<Response></Response>", response.text)
        self.assertTrue(response.headers["Content-Type"].startswith("text/xml"))
        reply = self.replies(NUMBER_2)
        self.assertEqual(reply.partner_id, self.pl2)
        self.assertEqual(reply.reply_mailing_id, self.mailing)
        self.assertEqual(reply.account_id, self.twilio)
        self.assertEqual(reply.reply_to_id.account_id, self.twilio)
        notified = reply.mail_message_id.notification_ids.res_partner_id
        self.assertEqual(notified, self.user_sms.partner_id)

    def test_quriiri_json_and_vonage_form(self):
        quriiri = {
            "sender": NUMBER_1,
            "sendertype": "MSISDN",
            "destination": "+358400000001",
            "text": "Kiitos",
            "sendtime": "2026-12-04T10:31:25Z",
        }
        response = self.url_open(
            self.path(self.quriiri),
            data=json.dumps(quriiri),
            headers={"Content-Type": "application/json"},
        )
        self.assertEqual(response.status_code, 200)
        response = self.post_form(
            self.path(self.vonage),
            {
                "msisdn": NUMBER_2.lstrip("+"),
                "to": "447700900001",
                "messageId": "0A0000000123ABCD1",
                "text": "Hello back",
                "type": "text",
                "keyword": "HELLO",
                "message-timestamp": "2026-12-04 10:00:00",
            },
        )
        self.assertEqual(response.status_code, 204)
        for number, partner, text in (
            (NUMBER_1, self.pl1, "Kiitos"),
            (NUMBER_2, self.pl2, "Hello back"),
        ):
            reply = self.replies(number)
            self.assertEqual(reply.body, text)
            self.assertEqual(reply.partner_id, partner)
            self.assertEqual(reply.reply_mailing_id, self.mailing)
            self.assertEqual(reply.user_id, self.user_sms)
            notified = reply.mail_message_id.notification_ids.res_partner_id
            self.assertEqual(notified, self.user_sms.partner_id)

    def test_vonage_long_reply_is_joined_from_its_parts(self):
        def part(number, text):
            return {
                "msisdn": NUMBER_1.lstrip("+"),
                "to": "447700900001",
                "messageId": f"0A00000000000{number}",
                "text": text,
                "type": "unicode",
                "concat": "true",
                "concat-ref": "42",
                "concat-total": "3",
                "concat-part": str(number),
            }

        path = self.path(self.vonage)
        for number, text in ((2, "druga "), (1, "Pierwsza, "), (2, "druga ")):
            self.assertEqual(self.post_form(path, part(number, text)).status_code, 204)
            self.assertFalse(self.replies(), "no reply before its last part")
        self.post_form(path, part(3, "trzecia."))
        reply = self.replies(NUMBER_1)
        self.assertEqual(reply.body, "Pierwsza, druga trzecia.")
        self.assertEqual(reply.partner_id, self.pl1)
        self.post_form(path, part(3, "trzecia."))  # the last part again
        self.assertEqual(len(self.replies()), 1)

    def test_replies_count_apart_in_usage(self):
        self.post_form(self.path(self.smsapi), self.smsapi_reply("Dziękuję"))
        Report = self.env["sms.gateway.usage.report"].with_user(self.user_accountant)
        ours = [("partner_id", "in", (self.pl1 | self.pl2).ids)]
        [(received, messages, parts, cost)] = Report._read_group(
            [("direction", "=", "in"), *ours],
            [],
            ["received_count:sum", "message_count:sum", "parts:sum", "cost:sum"],
        )
        self.assertEqual((received, messages, parts, cost), (1, 0, 0, 0.0))
        [(sent_received, recipients)] = Report._read_group(
            [("direction", "=", "out"), *ours],
            [],
            ["received_count:sum", "recipient_count:sum"],
        )
        self.assertEqual((sent_received, recipients), (0, 2))
        # The sender's line of the usage summary shows the reply.
        export = self.env["sms.gateway.usage.export"].with_user(self.user_accountant)
        wizard = export.create({"period": "this_year", "grouping": "user"})
        codes, rows = wizard._sms_summary_rows(
            wizard._sms_report(), wizard._sms_usage_domain()
        )
        by_name = {row[0]: row for row in rows}
        self.assertEqual(by_name[self.user_sms.name][6], 1)
        self.assertTrue(codes)

    def test_the_sandbox_reply_is_simulated_from_a_sent_message(self):
        sandbox = self.add_sms_account(self.company_a)
        self.mark_sent(self.mailing, sandbox)
        wizard = (
            self.env["sms.gateway.reply.simulate"]
            .with_user(self.user_sms)
            .create({"message_id": self.sent_1.id, "text": "Super"})
        )
        action = wizard.action_simulate()
        reply = self.replies(NUMBER_1)
        self.assertEqual(action["res_id"], reply.id)
        self.assertEqual(reply.body, "Super")
        self.assertEqual(reply.partner_id, self.pl1)
        self.assertEqual(reply.reply_to_id, self.sent_1)


@tagged("post_install", "-at_install")
class TestInboundAttacks(InboundCase):
    @mute_logger(CONTROLLER_LOGGER)
    def test_forged_replies_change_nothing(self):
        reply = self.smsapi_reply("STOP")
        # Wrong secret, another account's secret, another company's account,
        # an unknown provider, a provider that signs reached without a
        # signature, an account of another provider.
        secret = self.smsapi.sudo().callback_secret
        attempts = [
            self.path(self.smsapi, secret="x" * 43),
            self.path(self.smsapi, secret=self.quriiri.sudo().callback_secret),
            f"/sms_gateway/inbound/smsapi/{self.smsapi_b.id}/{secret}",
            f"/sms_gateway/inbound/nosuch/{self.smsapi.id}/{secret}",
            self.path(self.twilio),
            f"/sms_gateway/inbound/quriiri/{self.smsapi.id}/{secret}",
            f"/sms_gateway/inbound/smsapi/{2**31}/x",
        ]
        for path in attempts:
            response = self.post_form(path, reply)
            self.assertEqual(response.status_code, 404, path)
        # Twilio with a signature made with another token.
        response = self.post_twilio(
            {"MessageSid": "SM" + "2" * 32, "From": NUMBER_1, "Body": "STOP"},
            token="not-the-token",
        )
        self.assertEqual(response.status_code, 403)
        self.assertFalse(self.replies())
        self.assertEqual(self.pl1.sms_consent, "granted")
        self.assertFalse(self.Blacklist.sudo().search([("number", "=", NUMBER_1)]))

    @mute_logger(CONTROLLER_LOGGER)
    def test_malformed_replies_get_400_never_500(self):
        path = self.path(self.smsapi)
        bodies = [
            ({"sms_from": NUMBER_1, "sms_text": "a\x00b"}, "form"),
            ({"sms_to": "48500000000"}, "form"),
            ({"sms_from": NUMBER_1, "sms_text": "x" * 20000}, "form"),
            ({"sms_from": "1" * 64, "sms_text": "hi"}, "form"),
            ([1, 2, 3], "json"),
            ({"sms_from": {"a": 1}, "sms_text": "hi"}, "json"),
        ]
        for body, kind in bodies:
            if kind == "json":
                response = self.url_open(
                    path,
                    data=json.dumps(body),
                    headers={"Content-Type": "application/json"},
                )
            else:
                response = self.post_form(path, body)
            self.assertEqual(response.status_code, 400, str(body)[:40])
        response = self.url_open(
            path, data=b"{not json", headers={"Content-Type": "application/json"}
        )
        self.assertEqual(response.status_code, 400)
        self.assertFalse(self.replies())

    def test_a_reply_is_read_under_the_rules_of_texts(self):
        self.post_form(self.path(self.smsapi), self.smsapi_reply("Sekret"))
        reply = self.replies(NUMBER_1)
        Message = self.env["sms.gateway.message"]
        # The sender and the managers read it; another User, an employee, a
        # portal user and the other company's user do not.
        mine = Message.with_user(self.user_sms).search([("id", "=", reply.id)])
        self.assertEqual(mine, reply)
        self.assertEqual(
            Message.with_user(self.user_manager).search([("id", "=", reply.id)]), reply
        )
        for user in (self.user_sms_other, self.user_sms_b):
            self.assertFalse(Message.with_user(user).search([("id", "=", reply.id)]))
        # An accountant counts it, never reads the text.
        seen = Message.with_user(self.user_accountant).search_read(
            [("id", "=", reply.id)], ["number", "direction"]
        )
        self.assertEqual(seen[0]["direction"], "in")
        with self.assertRaises(AccessError):
            Message.with_user(self.user_accountant).browse(reply.id).read(["body"])
        # The chatter note everyone who reads the partner sees has no text.
        self.assertNotIn("Sekret", reply.mail_message_id.body)

    def test_simulate_reply_only_to_own_sandbox_messages(self):
        sandbox = self.add_sms_account(self.company_a)
        self.mark_sent(self.mailing, sandbox)
        Wizard = self.env["sms.gateway.reply.simulate"]
        for user in (self.user_sms_other, self.user_employee, self.user_sms_b):
            with self.assertRaises(AccessError):
                Wizard.with_user(user).create(
                    {"message_id": self.sent_1.id, "text": "STOP"}
                )
        # A real provider's message: no simulated replies.
        self.mark_sent(self.mailing, self.smsapi)
        with self.assertRaisesMessage(UserError, "sandbox"):
            Wizard.with_user(self.user_sms).create(
                {"message_id": self.sent_1.id, "text": "STOP"}
            )
        self.assertFalse(self.replies())


@tagged("post_install", "-at_install")
class TestInboundKeywords(InboundCase):
    def test_stop_in_any_case_with_spaces_opts_out(self):
        # Another mailing waits in the queue for the same partner.
        queued = self.send_mailing(self.pl1, "Jutro promocja!")
        queued_message = queued.sudo().message_ids
        self.assertEqual(queued_message.state, "queued")
        response = self.post_form(
            self.path(self.smsapi), self.smsapi_reply("  sToP \n")
        )
        self.assertEqual(response.status_code, 200)
        reply = self.replies(NUMBER_1)
        self.assertEqual(reply.keyword, "stop")
        self.assertEqual(self.pl1.sms_consent, "refused")
        self.assertEqual(self.pl1.sms_consent_source, "reply")
        self.assertEqual(self.pl1.sms_consent_date, reply.received_at)
        self.assertTrue(
            self.Blacklist.sudo().search(
                [("number", "=", NUMBER_1), ("active", "=", True)]
            )
        )
        self.assertEqual(queued_message.state, "canceled")
        self.assertIn("STOP", queued_message.failure_reason)
        self.assertIn("Opted out", reply.inbound_note)
        # The next bulk send skips the partner.
        later = self.send_mailing(self.pl1 | self.pl2, "Nowa oferta")
        by_partner = {m.partner_id: m for m in later.sudo().message_ids}
        self.assertEqual(by_partner[self.pl1].state, "canceled")
        self.assertEqual(by_partner[self.pl2].state, "queued")

    def test_translated_keywords_and_accents(self):
        for text, number, ref in (("Lopeta.", NUMBER_1, "a"), ("стоп", NUMBER_2, "b")):
            self.post_form(self.path(self.smsapi), self.smsapi_reply(text, number, ref))
        self.assertEqual(self.pl1.sms_consent, "refused")
        self.assertEqual(self.pl2.sms_consent, "refused")

    def test_not_a_keyword_changes_no_consent(self):
        self.post_form(self.path(self.smsapi), self.smsapi_reply("stop sending at 9"))
        self.assertFalse(self.replies(NUMBER_1).keyword)
        self.assertEqual(self.pl1.sms_consent, "granted")

    def test_start_after_stop_only_where_the_company_allows_it(self):
        self.post_form(self.path(self.smsapi), self.smsapi_reply("STOP", ref="1"))
        self.post_form(self.path(self.smsapi), self.smsapi_reply("START", ref="2"))
        self.assertEqual(self.pl1.sms_consent, "refused")
        self.assertIn("re-subscription", self.replies(NUMBER_1)[:1].inbound_note)
        self.company_a.sms_gateway_reply_resubscribe = True
        self.post_form(self.path(self.smsapi), self.smsapi_reply("start", ref="3"))
        self.assertEqual(self.pl1.sms_consent, "granted")
        self.assertEqual(self.pl1.sms_consent_source, "reply")
        self.assertFalse(
            self.Blacklist.sudo().search(
                [("number", "=", NUMBER_1), ("active", "=", True)]
            )
        )

    def test_help_and_confirmations_are_answered_by_sms(self):
        self.company_a.write(
            {
                "sms_gateway_help_text": "Pomoc: 22 100 100",
                "sms_gateway_reply_confirm": True,
                "sms_gateway_stop_reply_text": "Wypisano.",
            }
        )
        self.post_form(
            self.path(self.smsapi), self.smsapi_reply("Pomoc", NUMBER_2, ref="h")
        )
        self.post_form(self.path(self.smsapi), self.smsapi_reply("NIE", ref="s"))
        answers = (
            self.env["sms.gateway.message"]
            .sudo()
            .search(
                [("direction", "=", "out"), ("reply_to_id", "!=", False)], order="id"
            )
        )
        self.assertEqual(answers.mapped("body"), ["Pomoc: 22 100 100", "Wypisano."])
        self.assertEqual(answers.mapped("number"), [NUMBER_2, NUMBER_1])
        self.assertEqual(set(answers.mapped("state")), {"queued"})
        self.assertEqual(answers.reply_to_id, self.replies())
        self.assertTrue(all(a.parts == 1 for a in answers))

    def test_twilio_opt_out_type_is_mirrored(self):
        self.mark_sent(self.mailing, self.twilio)
        self.post_twilio(
            {
                "MessageSid": "SM" + "3" * 32,
                "From": NUMBER_2,
                "Body": "Unsubscribe",
                "OptOutType": "STOP",
            }
        )
        self.assertEqual(self.pl2.sms_consent, "refused")
        self.assertEqual(self.replies(NUMBER_2).keyword, "stop")

    def test_twilio_refusal_of_an_opted_out_number_is_mirrored(self):
        queued = self.send_mailing(self.pl1 | self.pl2, "Promocja {{ object.name }}")
        with self.mock_sms_gateway("twilio") as double:
            double.opted_out_numbers = {NUMBER_1}
            self.env["sms.gateway.dispatcher"]._cron_dispatch()
        by_partner = {m.partner_id: m for m in queued.sudo().message_ids}
        self.assertEqual(by_partner[self.pl1].state, "failed")
        self.assertIn("21610", by_partner[self.pl1].failure_reason)
        self.assertEqual(by_partner[self.pl2].state, "sent")
        self.assertEqual(self.pl1.sms_consent, "refused")
        self.assertEqual(self.pl1.sms_consent_source, "reply")
        self.assertEqual(self.pl2.sms_consent, "granted")
        self.assertTrue(
            self.Blacklist.sudo().search(
                [("number", "=", NUMBER_1), ("active", "=", True)]
            )
        )


@tagged("post_install", "-at_install")
class TestInboundUnknownSender(InboundCase):
    def test_unknown_number_is_kept_for_managers_and_linked(self):
        stranger = "+48799000123"
        self.assertFalse(self.env["res.partner"]._sms_partners_with_numbers([stranger]))
        self.post_form(
            self.path(self.smsapi), self.smsapi_reply("Kto to?", stranger, "u")
        )
        reply = self.replies(stranger)
        self.assertEqual(len(reply), 1)
        self.assertFalse(reply.partner_id)
        self.assertFalse(reply.user_id)
        Message = self.env["sms.gateway.message"]
        self.assertFalse(
            Message.with_user(self.user_sms).search([("id", "=", reply.id)])
        )
        self.assertEqual(
            Message.with_user(self.user_manager).search(
                [("direction", "=", "in"), ("partner_id", "=", False)]
            ),
            reply,
        )
        # A User may not link it; a manager creates the partner.
        with self.assertRaises(AccessError):
            self.env["sms.gateway.reply.link"].with_user(self.user_sms).create(
                {"message_id": reply.id, "mode": "new", "name": "X"}
            ).action_link()
        self.env["sms.gateway.reply.link"].with_user(self.user_manager).create(
            {"message_id": reply.id, "mode": "new", "name": "Jan Nieznany"}
        ).action_link()
        partner = reply.partner_id
        self.assertEqual(partner.name, "Jan Nieznany")
        self.assertEqual(partner.sms_number, stranger)
        self.assertEqual(reply.mail_message_id.res_id, partner.id)


@tagged("post_install", "-at_install")
class TestInboundUsers(InboundCase):
    def test_an_employee_without_sms_rights_sees_no_reply(self):
        self.post_form(self.path(self.smsapi), self.smsapi_reply("Hej"))
        employee = new_test_user(self.env, login="emp2", groups="base.group_user")
        with self.assertRaises(AccessError):
            self.env["sms.gateway.message"].with_user(employee).search([])


@tagged("post_install", "-at_install")
class TestInboundRobustness(InboundCase):
    @mute_logger("odoo.addons.sms_gateway.models.sms_gateway_message_inbound")
    def test_a_reply_that_cannot_be_read_never_blocks_the_others(self):
        Message = type(self.env["sms.gateway.message"])
        original = Message._sms_inbound_chatter

        def chatter(message, partner, answered):
            if message.number == NUMBER_1:
                raise RuntimeError("broken")
            return original(message, partner, answered)

        with patch.object(Message, "_sms_inbound_chatter", chatter):
            self.post_form(
                self.path(self.smsapi), self.smsapi_reply("a", NUMBER_1, "1")
            )
            self.post_form(
                self.path(self.smsapi), self.smsapi_reply("b", NUMBER_2, "2")
            )
        broken, fine = self.replies(NUMBER_1), self.replies(NUMBER_2)
        self.assertTrue(broken.inbound_done)
        self.assertIn("RuntimeError", broken.inbound_note)
        self.assertEqual(broken.body, "a")
        self.assertTrue(fine.inbound_done)
        self.assertEqual(fine.partner_id, self.pl2)

    def test_stop_from_a_sender_name_lists_nothing(self):
        self.post_form(self.path(self.smsapi), self.smsapi_reply("STOP", "Telia", "t"))
        reply = self.replies("Telia")
        self.assertTrue(reply.inbound_done)
        self.assertEqual(reply.keyword, "stop")
        self.assertFalse(self.Blacklist.sudo().search([("number", "=", "Telia")]))

    def test_start_never_undoes_a_refusal_given_another_way(self):
        self.company_a.sms_gateway_reply_resubscribe = True
        self.pl1.write({"sms_consent": "refused", "sms_consent_source": "manual"})
        self.post_form(self.path(self.smsapi), self.smsapi_reply("START", ref="s"))
        self.assertEqual(self.pl1.sms_consent, "refused")
        self.assertEqual(self.pl1.sms_consent_source, "manual")
        self.assertIn("another way", self.replies(NUMBER_1).inbound_note)

    def test_an_automatic_answer_is_not_what_the_next_reply_answers(self):
        self.company_a.sms_gateway_help_text = "Pomoc: 22 100 100"
        self.post_form(self.path(self.smsapi), self.smsapi_reply("HELP", ref="h"))
        answer = (
            self.env["sms.gateway.message"]
            .sudo()
            .search([("direction", "=", "out"), ("reply_to_id", "!=", False)])
        )
        answer.write({"state": "sent", "account_id": self.smsapi.id})
        self.post_form(self.path(self.smsapi), self.smsapi_reply("Dzięki", ref="n"))
        later = self.replies(NUMBER_1).filtered(lambda r: r.body == "Dzięki")
        self.assertEqual(later.reply_to_id, self.sent_1)
        self.assertEqual(later.user_id, self.user_sms)
        # A second HELP the same day is not answered again.
        self.post_form(self.path(self.smsapi), self.smsapi_reply("help", ref="h2"))
        answers = (
            self.env["sms.gateway.message"]
            .sudo()
            .search_count([("direction", "=", "out"), ("reply_to_id", "!=", False)])
        )
        self.assertEqual(answers, 1)

    def test_shared_keywords_are_the_administrators(self):
        Keyword = self.env["sms.gateway.keyword"]
        stop = self.env.ref("sms_gateway.sms_gateway_keyword_stop_en")
        self.assertFalse(stop.company_id)
        with self.assertRaises(AccessError):
            stop.with_user(self.user_manager).write({"active": False})
        with self.assertRaises(AccessError):
            Keyword.with_user(self.user_manager).create(
                {"word": "OK", "action": "stop", "company_id": False}
            )
        with self.assertRaises(AccessError):
            Keyword.with_user(self.user_sms).create({"word": "OK", "action": "stop"})
        own = Keyword.with_user(self.user_manager).create(
            {"word": "Wypisz", "action": "stop"}
        )
        self.assertEqual(own.company_id, self.company_a)
        # The other company's SMS user reads only shared keywords and theirs.
        seen = Keyword.with_user(self.user_sms_b).search([]).mapped("word")
        self.assertNotIn("Wypisz", seen)
        self.assertIn("STOP", seen)

    def test_what_replies_do_is_the_system_administrators(self):
        rights = new_test_user(
            self.env,
            login="rights_admin",
            groups="base.group_user,base.group_erp_manager",
        )
        with self.assertRaisesMessage(AccessError, "replies"):
            self.company_a.with_user(rights).write(
                {"sms_gateway_reply_resubscribe": True}
            )
        self.assertFalse(self.company_a.sms_gateway_reply_resubscribe)
