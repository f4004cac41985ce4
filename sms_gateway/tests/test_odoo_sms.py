# Copyright 2026 sms_gateway authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Odoo's own SMS (``sms.sms``) through the company's SMS accounts: the
chatter's SMS of a document reaches the provider exactly once, its state
comes back to the chatter, Odoo IAP stays where it is chosen (or where only
the sandbox is active), and no one reaches what they may not read."""

import json
from unittest.mock import patch

from odoo.exceptions import AccessError
from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tools import mute_logger

from .common import JsonRpcMixin, SmsAccountMixin, SmsGatewayCase

IAP_SEND = "odoo.addons.sms.tools.sms_api.SmsApi._send_sms_batch"


@tagged("post_install", "-at_install")
class TestOdooSms(SmsGatewayCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer = cls.Partner.create(
            {
                "name": "Liisa Asiakas",
                "mobile": "+358 40 555 0101",
                "country_id": cls.country_fi.id,
            }
        )
        cls.Message = cls.env["sms.gateway.message"].sudo()
        cls.Dispatcher = cls.env["sms.gateway.dispatcher"]
        cls.env.company.sms_gateway_odoo_sms = "gateway"

    def chatter_sms(self, body="Your order is ready", partner=None):
        """The chatter's "Send SMS" of a document to its customer, as Odoo's
        composer sends it: returns the chatter message."""
        partner = partner or self.customer
        return partner._message_sms(body, partner_ids=partner.ids)

    def notification(self, chatter):
        return chatter.notification_ids.filtered(lambda n: n.notification_type == "sms")

    def iap_calls(self):
        """Patch Odoo's IAP send: the calls it got, each answered success."""
        calls = []

        def send(api, messages, delivery_reports_url=False):
            calls.append(messages)
            return [
                {"uuid": number["uuid"], "state": "success", "credit": 1}
                for message in messages
                for number in message["numbers"]
            ]

        return calls, patch(IAP_SEND, autospec=True, side_effect=send)

    def test_a_document_sms_goes_through_the_account_once_and_comes_back(self):
        with self.mock_sms_gateway("smsapi") as double:
            calls, iap = self.iap_calls()
            with iap:
                chatter = self.chatter_sms()
            self.assertEqual(calls, [], "not through Odoo IAP")
            message = self.Message.search([("mail_message_id", "=", chatter.id)])
            self.assertEqual(len(message), 1)
            self.assertEqual(message.state, "queued")
            self.assertEqual(message.number, "+358405550101")
            self.assertEqual(message.body, "Your order is ready")
            self.assertEqual(
                (message.res_model, message.res_id), ("res.partner", self.customer.id)
            )
            self.assertEqual(message.partner_id, self.customer)
            self.assertEqual((message.parts, message.encoding), (1, "GSM-7"))
            sms = self.env["sms.sms"].sudo().search([("uuid", "=", message.sms_uuid)])
            self.assertEqual(sms.state, "process")
            self.assertEqual(self.notification(chatter).notification_status, "ready")

            self.Dispatcher._cron_dispatch()
            # Odoo's queue runs again: nothing is sent twice.
            self.env["sms.sms"].sudo()._process_queue()
            self.Dispatcher._cron_dispatch()
        self.assertEqual(len(double.accepted()), 1)
        self.assertEqual(double.accepted()[0]["idx"], message.uid)
        self.assertEqual(double.accepted()[0]["body"], "Your order is ready")
        self.assertEqual(message.state, "sent")
        self.assertEqual(sms.state, "pending")
        self.assertTrue(sms.to_delete)
        self.assertEqual(self.notification(chatter).notification_status, "pending")

        # The provider's delivery report reaches the chatter.
        self.env["sms.gateway.delivery"]._sms_apply_delivery_events(
            self.env.company,
            [{"provider_ref": message.provider_ref, "status": "delivered"}],
            "smsapi",
        )
        self.assertEqual(message.state, "delivered")
        self.assertEqual(self.notification(chatter).notification_status, "sent")

        # The usage report counts it, as an SMS of Odoo's apps.
        usage = self.env["sms.gateway.usage.report"].search([("id", "=", message.id)])
        self.assertEqual((usage.source, usage.res_model), ("odoo", "res.partner"))
        self.assertEqual(usage.delivered_parts, 1)

    def test_a_refusal_of_the_provider_shows_on_the_chatter(self):
        with self.mock_sms_gateway("smsapi") as double:
            double.invalid_numbers = {"358405550101"}
            chatter = self.chatter_sms()
            self.Dispatcher._cron_dispatch()
        message = self.Message.search([("mail_message_id", "=", chatter.id)])
        self.assertEqual(message.state, "failed")
        notification = self.notification(chatter)
        self.assertEqual(notification.notification_status, "exception")
        self.assertEqual(notification.failure_reason, message.failure_reason)
        self.assertTrue(notification.failure_reason)

    def reported(self, **report):
        """A chatter SMS sent through SMSAPI, then its delivery ``report``:
        the chatter notification and the message."""
        with self.mock_sms_gateway("smsapi"):
            chatter = self.chatter_sms()
            self.Dispatcher._cron_dispatch()
        message = self.Message.search([("mail_message_id", "=", chatter.id)])
        self.env["sms.gateway.delivery"]._sms_apply_delivery_events(
            self.env.company,
            [{"provider_ref": message.provider_ref, **report}],
            "smsapi",
        )
        return self.notification(chatter), message

    def test_an_undelivered_report_shows_on_the_chatter(self):
        notification, message = self.reported(status="undelivered")
        self.assertEqual(message.state, "undelivered")
        self.assertEqual(notification.notification_status, "exception")
        self.assertEqual(notification.failure_type, "sms_not_delivered")

    def test_a_number_the_network_rejects_bounces(self):
        """SMSAPI's REJECTED is Odoo's "Rejected": the chatter shows a bounce,
        as Odoo's IAP reports it, not a failure to retry."""
        notification, message = self.reported(
            status="undelivered", raw_status="REJECTED"
        )
        self.assertEqual(message.state, "undelivered")
        self.assertEqual(notification.notification_status, "bounce")
        self.assertEqual(notification.failure_type, "sms_rejected")

    def test_odoo_s_retry_after_a_failure_sends_it_again_once(self):
        with self.mock_sms_gateway("smsapi") as double:
            double.invalid_numbers = {"358405550101"}
            chatter = self.chatter_sms()
            self.Dispatcher._cron_dispatch()
            sms = (
                self.env["sms.sms"]
                .sudo()
                .search([("mail_message_id", "=", chatter.id)])
            )
            # Failed, and kept for Odoo's Retry (not cleaned away).
            self.assertEqual((sms.state, sms.to_delete), ("error", False))
            double.invalid_numbers = set()
            sms.action_set_outgoing()
            self.env["sms.sms"].sudo()._process_queue()
            # Sent again while being processed: not queued twice.
            sms._send()
            self.Dispatcher._cron_dispatch()
        messages = self.Message.search([("sms_uuid", "=", sms.uuid)])
        self.assertEqual(messages.mapped("state"), ["sent", "failed"])
        self.assertEqual(len(double.accepted()), 1)
        self.assertEqual((sms.state, sms.to_delete), ("pending", True))
        self.assertEqual(self.notification(chatter).notification_status, "pending")

    def test_a_settled_message_left_processing_is_written_back(self):
        # A worker killed between a batch's results and their write-back.
        with self.mock_sms_gateway("smsapi"):
            chatter = self.chatter_sms()
            with patch.object(
                type(self.Dispatcher), "_sms_sync_odoo_sms", lambda self, rows: None
            ):
                self.Dispatcher._cron_dispatch()
            sms = (
                self.env["sms.sms"]
                .sudo()
                .search([("mail_message_id", "=", chatter.id)])
            )
            self.assertEqual(sms.state, "process")
            self.Dispatcher._cron_dispatch()  # the next run
        self.assertEqual(sms.state, "pending")
        self.assertEqual(self.notification(chatter).notification_status, "pending")

    def test_a_number_that_is_no_number_fails_that_sms_alone(self):
        """Odoo's queue may hold a number as a user typed it: the one that
        cannot be read fails with Odoo's "wrong number format", the others of
        the batch go out."""
        Sms = self.env["sms.sms"].sudo()
        bad, good = Sms.create(
            [
                {"number": "call me", "body": "Hello", "state": "outgoing"},
                {"number": "+358 40 555 0102", "body": "Hello", "state": "outgoing"},
            ]
        )
        with self.mock_sms_gateway("smsapi") as double:
            (bad | good).send()
            self.Dispatcher._cron_dispatch()
        self.assertEqual((bad.state, bad.failure_type), ("error", "sms_number_format"))
        self.assertEqual(
            [m["number"].lstrip("+") for m in double.accepted()], ["358405550102"]
        )
        self.assertEqual(good.state, "pending")

    def test_a_locked_account_keeps_odoo_s_sms_waiting(self):
        """The database was copied under another name: the account locks and
        Odoo's SMS wait (the chatter says ready, not failed) until an
        administrator confirms; then it goes out once."""
        Account = self.registry["sms.gateway.account"]
        with self.mock_sms_gateway("smsapi") as double:
            here = json.loads(self.env["sms.gateway.account"]._sms_current_location())
            there = json.dumps(dict(here, db="copy_of_prod"), sort_keys=True)
            with patch.object(Account, "_sms_current_location", return_value=there):
                self.env.invalidate_all()
                self.assertTrue(double.account.locked)
                chatter = self.chatter_sms()
                self.Dispatcher._cron_dispatch()
                self.env["sms.sms"].sudo()._process_queue()
                self.Dispatcher._cron_dispatch()
                self.assertEqual(double.accepted(), [])
                sms = (
                    self.env["sms.sms"]
                    .sudo()
                    .search([("mail_message_id", "=", chatter.id)])
                )
                self.assertEqual(sms.state, "process")
                notification = self.notification(chatter)
                self.assertEqual(notification.notification_status, "ready")
                message = self.Message.search([("mail_message_id", "=", chatter.id)])
                self.assertEqual(message.state, "queued")
                # An administrator confirms that this database may send.
                admin = new_test_user(
                    self.env, login="odoo_sms_admin", groups="base.group_system"
                )
                double.account.with_user(admin).action_confirm_location()
                self.env.invalidate_all()
                self.Dispatcher._cron_dispatch()
        self.assertEqual(len(double.accepted()), 1)
        self.assertEqual(notification.notification_status, "pending")

    def test_the_company_s_monthly_cap_holds_for_odoo_s_sms_too(self):
        """The cap is the company's budget for every SMS: Odoo's SMS count in
        it, and the one over it fails, saying why, instead of going out."""
        # Two left this month, whatever the database sent already.
        Mailing = self.env["sms.gateway.mailing"]
        self.env.company.sms_gateway_monthly_cap = 1_000_000
        used = 1_000_000 - Mailing._sms_monthly_cap_left(self.env.company)
        self.env.company.sms_gateway_monthly_cap = used + 2
        other = self.Partner.create(
            {
                "name": "Toinen",
                "mobile": "+358 40 555 0109",
                "country_id": self.country_fi.id,
            }
        )
        with self.mock_sms_gateway("smsapi") as double:
            first = self.chatter_sms("One")
            second = self.chatter_sms("Two", partner=other)
            third = self.chatter_sms("Three")
            self.Dispatcher._cron_dispatch()
        self.assertEqual(sorted(m["body"] for m in double.accepted()), ["One", "Two"])
        self.assertEqual(self.notification(first).notification_status, "pending")
        self.assertEqual(self.notification(second).notification_status, "pending")
        notification = self.notification(third)
        self.assertEqual(notification.notification_status, "exception")
        self.assertEqual(notification.failure_type, "unknown")
        self.assertIn("monthly SMS cap", notification.failure_reason)
        # The send window sees the cap used by Odoo's SMS.
        self.assertEqual(Mailing._sms_monthly_cap_left(self.env.company), 0)

    def test_a_canceled_message_cancels_the_chatter_notification(self):
        with self.mock_sms_gateway("smsapi") as double:
            chatter = self.chatter_sms()
            message = self.Message.search([("mail_message_id", "=", chatter.id)])
            message.with_user(self.user_manager).sudo(False).action_cancel()
            self.Dispatcher._cron_dispatch()
        self.assertEqual(double.accepted(), [])
        self.assertEqual(self.notification(chatter).notification_status, "canceled")

    def test_a_number_on_the_opt_out_list_is_never_sent(self):
        self.Blacklist.sudo().create({"number": "+358405550101"})
        with self.mock_sms_gateway("smsapi") as double:
            chatter = self.chatter_sms()
            self.Dispatcher._cron_dispatch()
        self.assertEqual(double.accepted(), [])
        self.assertFalse(self.Message.search([("mail_message_id", "=", chatter.id)]))
        # As Odoo's composer marks a blacklisted number: canceled.
        self.assertEqual(self.notification(chatter).notification_status, "canceled")
        sms = self.env["sms.sms"].sudo().search([("mail_message_id", "=", chatter.id)])
        self.assertEqual((sms.state, sms.failure_type), ("canceled", "sms_blacklist"))

    def test_odoo_iap_stays_where_it_is_chosen(self):
        self.env.company.sms_gateway_odoo_sms = "iap"
        with self.mock_sms_gateway("smsapi") as double:
            calls, iap = self.iap_calls()
            with iap:
                chatter = self.chatter_sms()
            self.Dispatcher._cron_dispatch()
        self.assertEqual(len(calls), 1)
        self.assertEqual(double.accepted(), [])
        self.assertFalse(self.Message.search([("mail_message_id", "=", chatter.id)]))
        self.assertEqual(self.notification(chatter).notification_status, "pending")

    def test_archiving_the_real_account_gives_odoo_sms_back_to_iap(self):
        with self.mock_sms_gateway("smsapi") as double:
            self.assertTrue(self.env.company._sms_gateway_takes_odoo_sms())
            double.account.action_archive()
            calls, iap = self.iap_calls()
            with iap:
                self.chatter_sms()
            self.Dispatcher._cron_dispatch()
        self.assertEqual(len(calls), 1)
        self.assertEqual(double.accepted(), [])
        self.assertFalse(self.env.company._sms_gateway_takes_odoo_sms())

    def test_the_sandbox_never_takes_odoo_sms(self):
        # Only the sandbox is active (it delivers nothing): Odoo IAP sends.
        self.set_sms_account(provider="sandbox")
        calls, iap = self.iap_calls()
        with iap:
            chatter = self.chatter_sms()
        self.assertEqual(len(calls), 1)
        self.assertFalse(self.Message.search([("mail_message_id", "=", chatter.id)]))

    def test_the_document_company_decides(self):
        # Company B chose its accounts; a document of company A (IAP) stays
        # with IAP even when a user of B sends it.
        company_b = self.env["res.company"].create(
            {"name": "B Oy", "country_id": self.country_fi.id}
        )
        self.env.company.sms_gateway_odoo_sms = "iap"
        company_b.sms_gateway_odoo_sms = "gateway"
        customer_a = self.Partner.create(
            {
                "name": "A customer",
                "mobile": "+358 40 555 0109",
                "company_id": self.env.company.id,
            }
        )
        with self.mock_sms_gateway("smsapi", company=company_b) as double:
            calls, iap = self.iap_calls()
            with iap:
                chatter = self.chatter_sms(partner=customer_a.with_company(company_b))
            self.Dispatcher._cron_dispatch()
        self.assertEqual(chatter.record_company_id, self.env.company)
        self.assertEqual(len(calls), 1)
        self.assertEqual(double.accepted(), [])

    def test_who_may_read_and_choose(self):
        with self.mock_sms_gateway("smsapi"):
            chatter = self.chatter_sms()
        message = self.Message.search([("mail_message_id", "=", chatter.id)])
        # An accountant counts it, never reads its text or its chatter message.
        as_accountant = message.with_user(self.user_accountant)
        self.assertEqual(as_accountant.parts, 1)
        with self.assertRaises(AccessError):
            as_accountant.read(["body"])
        with self.assertRaises(AccessError):
            as_accountant.read(["mail_message_id"])
        # Only a system administrator chooses where Odoo's SMS go, not one who
        # may edit companies (Access Rights).
        rights_admin = new_test_user(
            self.env,
            login="rights_admin",
            groups="base.group_user,base.group_erp_manager",
        )
        with self.assertRaises(AccessError):
            self.env.company.with_user(rights_admin).write(
                {"sms_gateway_odoo_sms": "iap"}
            )
        self.env.company.with_user(rights_admin).write({"sms_gateway_max_parts": 4})
        with self.assertRaises(AccessError):
            self.env["res.config.settings"].with_user(self.user_manager).create(
                {"sms_gateway_odoo_sms": "iap"}
            ).execute()
        self.assertEqual(self.env.company.sms_gateway_odoo_sms, "gateway")
        settings = self.env["res.config.settings"].create(
            {"sms_gateway_odoo_sms": "iap"}
        )
        settings.execute()
        self.assertEqual(self.env.company.sms_gateway_odoo_sms, "iap")

    @mute_logger("odoo.addons.sms.models.sms_sms")
    def test_the_iap_answer_of_other_companies_is_untouched(self):
        # A batch of Odoo's queue with SMS of both kinds: each goes its way.
        company_b = self.env["res.company"].create({"name": "B Oy"})
        company_b.sms_gateway_odoo_sms = "iap"
        other = self.Partner.create(
            {
                "name": "B customer",
                "mobile": "+358 40 555 0110",
                "company_id": company_b.id,
            }
        )
        with self.mock_sms_gateway("smsapi") as double:
            calls, iap = self.iap_calls()
            with iap:
                mine = self.chatter_sms()
                theirs = other.with_company(company_b)._message_sms(
                    "From B", partner_ids=other.ids
                )
            self.Dispatcher._cron_dispatch()
        self.assertEqual(theirs.record_company_id, company_b)
        self.assertEqual(len(calls), 1)
        self.assertEqual(calls[0][0]["content"], "From B")
        sent = [m["body"] for m in double.accepted()]
        self.assertEqual(sent, ["Your order is ready"])
        self.assertEqual(self.notification(mine).notification_status, "pending")


@tagged("post_install", "-at_install")
class TestOdooSmsComposer(SmsGatewayCase):
    """Odoo's SMS composer counts as the SMS engine where the accounts send."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer = cls.Partner.create(
            {
                "name": "Jan Kowalski",
                "mobile": "+48 501 100 200",
                "country_id": cls.country_pl.id,
            }
        )
        cls.env.company.sms_gateway_odoo_sms = "gateway"

    def composer(self, body, **values):
        return (
            self.env["sms.composer"]
            .with_context(
                active_model="res.partner",
                active_id=self.customer.id,
                default_composition_mode="comment",
            )
            .create({"body": body, **values})
        )

    def test_the_counter_is_the_engine_s(self):
        # Odoo's own counter takes these for Unicode and the newline twice:
        # 36 characters, 1 SMS (UNICODE). They are GSM-7 (the nine of
        # € [ ] { } ~ ^ | \ take two septets each), 35 characters.
        text = "Hinta 5 € [ale] {koodi} ~^|\\\nKiitos"
        with self.mock_sms_gateway("smsapi") as double:
            composer = self.composer(text)
            self.assertTrue(composer.sms_gateway_used)
            self.assertEqual(composer.sms_gateway_chars, 35)
            self.assertEqual(composer.sms_gateway_encoding, "GSM-7")
            self.assertEqual(composer.sms_gateway_parts, 1)
            self.assertEqual(composer.sms_gateway_chars_left, 160 - 44)
            self.assertFalse(composer.sms_gateway_non_gsm)
            composer.action_send_sms()
            self.env["sms.gateway.dispatcher"]._cron_dispatch()
        message = (
            self.env["sms.gateway.message"]
            .sudo()
            .search([("partner_id", "=", self.customer.id), ("sms_uuid", "!=", False)])
        )
        self.assertEqual((message.encoding, message.parts), ("GSM-7", 1))
        self.assertEqual([m["body"] for m in double.accepted()], [text])

    def test_transliteration_as_in_the_send_window(self):
        with self.mock_sms_gateway("smsapi") as double:
            composer = self.composer(
                "Zażółć gęślą jaźń", sms_gateway_transliterate="ascii"
            )
            self.assertEqual(composer.sms_gateway_encoding, "GSM-7")
            composer.sms_gateway_transliterate = "none"
            self.assertEqual(composer.sms_gateway_encoding, "UCS-2")
            self.assertEqual(composer.sms_gateway_non_gsm, "ż ó ł ć ę ś ą ź ń")
            composer.sms_gateway_transliterate = "ascii"
            composer.action_send_sms()
            self.env["sms.gateway.dispatcher"]._cron_dispatch()
        self.assertEqual([m["body"] for m in double.accepted()], ["Zazolc gesla jazn"])

    def test_with_odoo_iap_the_composer_is_odoo_s(self):
        self.env.company.sms_gateway_odoo_sms = "iap"
        with self.mock_sms_gateway("smsapi"):
            self.assertFalse(self.composer("Hello").sms_gateway_used)


@tagged("post_install", "-at_install")
class TestOdooSmsComposerTour(SmsAccountMixin, HttpCase):
    def test_the_composer_of_a_partner_in_the_browser(self):
        self.env.company.country_id = self.env.ref("base.fi")
        self.env.company.sms_gateway_odoo_sms = "gateway"
        new_test_user(
            self.env,
            login="odoo_sms_tour",
            password="odoo_sms_tour_pw1",
            name="Tour Employee",
            groups="base.group_user,base.group_partner_manager",
        )
        partner = self.env["res.partner"].create(
            {
                "name": "Tour Customer",
                "mobile": "+358 40 555 0177",
                "country_id": self.env.ref("base.fi").id,
            }
        )
        # Odoo's composer on a document of an app's (on partners the send
        # window replaces it): opened as the apps' "Send SMS" actions open it.
        action = self.env["ir.actions.act_window"].create(
            {
                "name": "Send SMS",
                "res_model": "sms.composer",
                "view_mode": "form",
                "target": "new",
                "context": repr(
                    {
                        "default_composition_mode": "comment",
                        "default_res_model": "res.partner",
                        "default_res_id": partner.id,
                        "default_number_field_name": "mobile",
                    }
                ),
            }
        )
        with self.mock_sms_gateway("smsapi") as double:
            self.start_tour(
                f"/odoo/action-{action.id}",
                "sms_gateway_odoo_composer_tour",
                login="odoo_sms_tour",
            )
            self.env["sms.gateway.dispatcher"]._cron_dispatch()
        self.assertEqual(
            [(m["number"], m["body"]) for m in double.accepted()],
            [("358405550177", "Hinta 5 € [ale] {koodi}")],
        )


@tagged("post_install", "-at_install")
class TestOdooSmsRpc(SmsAccountMixin, JsonRpcMixin, HttpCase):
    """The doors of Odoo's own SMS over JSON-RPC, as a plain employee and as
    a portal user would knock: the route setting, the Odoo SMS queue and
    its write-back, the unlock of an account."""

    def setUp(self):
        super().setUp()
        self.env.company.sms_gateway_odoo_sms = "gateway"
        self.account = self.set_sms_account(provider="smsapi", smsapi_token="tok")
        self.employee = new_test_user(
            self.env,
            login="rpc_employee",
            password="rpc_employee_pw1",
            groups="base.group_user",
        )
        self.portal = new_test_user(
            self.env,
            login="rpc_portal",
            password="rpc_portal_pw1",
            groups="base.group_portal",
        )
        sms = (
            self.env["sms.sms"]
            .sudo()
            .create(
                {
                    "number": "+358405550101",
                    "body": "Private order text",
                    "state": "outgoing",
                }
            )
        )
        sms.send()
        self.sms = sms
        self.message = (
            self.env["sms.gateway.message"].sudo().search([("sms_uuid", "=", sms.uuid)])
        )
        self.assertTrue(self.message)

    def assertRefused(self, answer):
        self.assertIn("error", answer, answer)
        self.assertNotIn("Private order text", str(answer))

    @mute_logger("odoo.http")
    def test_an_employee_and_a_portal_user_change_nothing(self):
        for login in ("rpc_employee", "rpc_portal"):
            self.authenticate(login, f"{login}_pw1")
            company = self.env.company.id
            self.assertRefused(
                self.call_kw(
                    "res.company", "write", [[company], {"sms_gateway_odoo_sms": "iap"}]
                )
            )
            # Odoo's queue and what our dispatch writes back are not theirs.
            self.assertRefused(
                self.call_kw("sms.sms", "search_read", [[]], fields=["body"])
            )
            self.assertRefused(self.call_kw("sms.sms", "send", [self.sms.ids]))
            self.assertRefused(self.call_kw("sms.sms", "resend_failed", [self.sms.ids]))
            self.assertRefused(
                self.call_kw(
                    "sms.gateway.message",
                    "read",
                    [self.message.ids, ["body", "sms_uuid"]],
                )
            )
            self.assertRefused(
                self.call_kw(
                    "sms.gateway.message", "_sms_sync_odoo_sms", [self.message.ids]
                )
            )
            self.assertRefused(
                self.call_kw(
                    "sms.gateway.account", "action_confirm_location", [self.account.ids]
                )
            )
        self.assertEqual(self.env.company.sms_gateway_odoo_sms, "gateway")
        self.assertEqual(self.message.state, "queued")
