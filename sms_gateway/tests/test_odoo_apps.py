# Copyright 2026 sms_gateway authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Every SMS Odoo's apps send goes through the company's SMS account: Odoo's
SMS composer on a document (one record, and several from a list), an SMS
template sent by an automated action, and an SMS marketing campaign to the
contacts of a mailing list. Each reaches the provider (the SMSAPI double,
over HTTP) exactly once, is counted in the usage report as an SMS of Odoo's
apps, and the provider's delivery reports, posted to the report address as
SMSAPI posts them, come back to the chatter and to the campaign's statistics.

These tests need SMS marketing (``mass_mailing_sms``) and automation rules
(``base_automation``) installed beside the addon: they carry the tag
``sms_gateway_apps`` and run where those are (``scripts/test``), not in a
database of the addon alone.
"""

from odoo.tests import HttpCase, tagged

from .common import SmsGatewayCase
from .doubles.base import digits

CAMPAIGN_CONTACTS = 1000


@tagged("post_install", "-at_install", "-standard", "sms_gateway_apps")
class TestOdooApps(SmsGatewayCase, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env.company.sms_gateway_odoo_sms = "gateway"
        cls.Message = cls.env["sms.gateway.message"].sudo()
        cls.Dispatcher = cls.env["sms.gateway.dispatcher"]
        cls.customers = cls.Partner.create(
            [
                {
                    "name": f"Asiakas {i}",
                    "mobile": f"+358 40 555 01{i:02d}",
                    "country_id": cls.country_fi.id,
                }
                for i in range(3)
            ]
        )

    def dispatch(self):
        """Odoo's SMS queue, then the dispatcher, until nothing is left."""
        self.env["sms.sms"].sudo()._process_queue()
        for _run in range(20):
            self.Dispatcher._cron_dispatch()
            if not self.Message.search_count([("state", "in", ("queued", "sending"))]):
                return
        self.fail("messages left queued")

    def report(self, double, statuses=None):
        """The double's delivery reports of everything it accepted, posted
        to the account's report address, then applied."""
        accepted = double.accepted()
        for start in range(0, len(accepted), 500):
            url, form = double.delivery_report(accepted[start : start + 500], statuses)
            response = self.url_open(url, data=form)
            self.assertEqual(response.status_code, 200)
        self.env["sms.gateway.delivery.event"]._cron_apply()

    def assertOnceEach(self, double, numbers):
        """The double got one SMS for each of ``numbers`` and no other."""
        got = sorted(digits(entry["number"]) for entry in double.accepted())
        self.assertEqual(got, sorted(digits(number) for number in numbers))
        idx = [entry["idx"] for entry in double.accepted()]
        self.assertEqual(len(set(idx)), len(idx), "one idempotency key each")

    def usage(self, messages):
        return self.env["sms.gateway.usage.report"].search([("id", "in", messages.ids)])

    def test_composer_on_one_document(self):
        customer = self.customers[0]
        with self.mock_sms_gateway("smsapi") as double:
            composer = (
                self.env["sms.composer"]
                .with_context(
                    default_res_model="res.partner",
                    default_res_id=customer.id,
                    default_composition_mode="comment",
                )
                .create({"body": "Your order is ready"})
            )
            composer.action_send_sms()
            self.dispatch()
            self.dispatch()  # again: nothing twice
        self.assertOnceEach(double, ["+358405550100"])
        message = self.Message.search([("res_id", "=", customer.id)])
        self.assertEqual(message.res_model, "res.partner")
        self.assertEqual(message.state, "sent")
        self.report(double)
        self.assertEqual(message.state, "delivered")
        chatter = message.mail_message_id
        self.assertEqual(chatter.model, "res.partner")
        self.assertEqual(chatter.res_id, customer.id)
        self.assertEqual(
            chatter.notification_ids.mapped("notification_status"), ["sent"]
        )
        usage = self.usage(message)
        self.assertEqual((usage.source, usage.res_model), ("odoo", "res.partner"))
        self.assertEqual(usage.delivered_parts, 1)

    def test_composer_on_several_documents_of_a_list(self):
        """The list's "Send SMS" action: Odoo's composer in mass mode, a note
        kept on each document."""
        with self.mock_sms_gateway("smsapi") as double:
            composer = (
                self.env["sms.composer"]
                .with_context(
                    default_res_model="res.partner",
                    default_res_ids=self.customers.ids,
                    default_composition_mode="mass",
                    default_mass_keep_log=True,
                )
                .create({"body": "Hello {{ object.name }}"})
            )
            composer.action_send_sms()
            self.dispatch()
        self.assertOnceEach(double, self.customers.mapped("mobile"))
        self.assertEqual(
            sorted(entry["body"] for entry in double.accepted()),
            [f"Hello Asiakas {i}" for i in range(3)],
        )
        messages = self.Message.search([("partner_id", "in", self.customers.ids)])
        self.assertEqual(len(messages), 3)
        usage = self.usage(messages)
        self.assertEqual(set(usage.mapped("source")), {"odoo"})
        self.assertEqual(sum(usage.mapped("sms_count")), 3)

    def test_an_automated_action_sends_its_sms_template(self):
        template = self.env["sms.template"].create(
            {
                "name": "Welcome",
                "model_id": self.env["ir.model"]._get_id("res.partner"),
                "body": "Welcome, {{ object.name }}",
            }
        )
        automation = self.env["base.automation"].create(
            {
                "name": "Welcome SMS",
                "model_id": self.env["ir.model"]._get_id("res.partner"),
                "trigger": "on_create",
            }
        )
        self.env["ir.actions.server"].create(
            {
                "name": "Send the welcome SMS",
                "base_automation_id": automation.id,
                "model_id": automation.model_id.id,
                "usage": "base_automation",
                "state": "sms",
                "sms_template_id": template.id,
                "sms_method": "comment",
            }
        )
        with self.mock_sms_gateway("smsapi") as double:
            new = self.Partner.create(
                {"name": "Uusi Asiakas", "mobile": "+358 40 555 0199"}
            )
            self.dispatch()
        self.assertOnceEach(double, ["+358405550199"])
        self.assertEqual(double.accepted()[0]["body"], "Welcome, Uusi Asiakas")
        message = self.Message.search([("partner_id", "=", new.id)])
        usage = self.usage(message)
        self.assertEqual((usage.source, usage.res_model), ("odoo", "res.partner"))
        self.report(double)
        self.assertEqual(
            message.mail_message_id.notification_ids.notification_status, "sent"
        )

    def test_a_campaign_to_the_contacts_of_a_mailing_list(self):
        mailing_list = self.env["mailing.list"].create({"name": "Asiakkaat"})
        contacts = self.env["mailing.contact"].create(
            [
                {
                    "name": f"Contact {i}",
                    "mobile": f"+358 50 {i:07d}",
                    "list_ids": [(4, mailing_list.id)],
                }
                for i in range(CAMPAIGN_CONTACTS)
            ]
        )
        mailing = self.env["mailing.mailing"].create(
            {
                "name": "Talvikampanja",
                "subject": "Talvikampanja",
                "mailing_type": "sms",
                "body_plaintext": "Talvialennus -20 % tänään",
                "mailing_model_id": self.env["ir.model"]._get_id("mailing.list"),
                "contact_list_ids": [(4, mailing_list.id)],
                "sms_allow_unsubscribe": False,
            }
        )
        with self.mock_sms_gateway("smsapi") as double:
            mailing.action_launch()
            mailing._process_mass_mailing_queue()
            self.dispatch()
            self.dispatch()
        self.assertOnceEach(double, contacts.mapped("mobile"))
        self.assertEqual(mailing.state, "done")
        traces = mailing.mailing_trace_ids
        self.assertEqual(len(traces), CAMPAIGN_CONTACTS)
        self.assertEqual(set(traces.mapped("trace_status")), {"pending"})

        # The network rejects ten numbers, delivers the rest.
        accepted = double.accepted()
        rejected = {entry["provider_ref"]: "407" for entry in accepted[:10]}
        self.report(double, rejected)
        mailing.invalidate_recordset()
        self.assertEqual(mailing.delivered, CAMPAIGN_CONTACTS - 10)
        self.assertEqual(mailing.bounced, 10)
        bounced = traces.filtered(lambda t: t.trace_status == "bounce")
        self.assertEqual(set(bounced.mapped("failure_type")), {"sms_rejected"})
        rejected_numbers = {entry["number"].lstrip("+") for entry in accepted[:10]}
        self.assertEqual({t.sms_number.lstrip("+") for t in bounced}, rejected_numbers)

        uuids = (
            self.env["sms.tracker"]
            .sudo()
            .search([("mailing_trace_id", "in", traces.ids)])
            .mapped("sms_uuid")
        )
        messages = self.Message.search([("sms_uuid", "in", uuids)])
        self.assertEqual(set(messages.mapped("res_model")), {"mailing.contact"})
        self.assertEqual(len(messages), CAMPAIGN_CONTACTS)
        usage = self.usage(messages)
        self.assertEqual(set(usage.mapped("source")), {"odoo"})
        self.assertEqual(sum(usage.mapped("delivered_parts")), CAMPAIGN_CONTACTS - 10)

    def partner_campaign(self, partners, body="Kevätale alkaa"):
        """A campaign of SMS Marketing to ``partners`` (the contacts model),
        sent through Odoo's queue."""
        mailing = self.env["mailing.mailing"].create(
            {
                "name": "Kevät",
                "subject": "Kevät",
                "mailing_type": "sms",
                "body_plaintext": body,
                "mailing_model_id": self.env["ir.model"]._get_id("res.partner"),
                "mailing_domain": repr([("id", "in", partners.ids)]),
                "sms_allow_unsubscribe": False,
            }
        )
        mailing.action_launch()
        mailing._process_mass_mailing_queue()
        return mailing

    def test_marketing_obeys_consent_and_the_24_hour_guard(self):
        """A campaign reaches only partners who granted SMS consent, and not a
        number that got the same text within 24 hours; a transactional SMS of
        a document needs no marketing consent."""
        granted, unknown, refused = self.customers
        granted.sms_consent = "granted"
        refused.sms_consent = "refused"
        with self.mock_sms_gateway("smsapi") as double:
            mailing = self.partner_campaign(self.customers)
            self.dispatch()
            self.assertOnceEach(double, [granted.mobile])
            traces = mailing.mailing_trace_ids
            by_partner = {t.res_id: t for t in traces}
            self.assertEqual(by_partner[granted.id].trace_status, "pending")
            self.assertEqual(by_partner[unknown.id].trace_status, "cancel")
            self.assertEqual(by_partner[unknown.id].failure_type, "sms_optout")

            # The same text again the same day: the guard holds it back.
            again = self.partner_campaign(granted)
            self.dispatch()
            self.assertEqual(len(double.accepted()), 1)
            trace = again.mailing_trace_ids
            self.assertEqual(
                (trace.trace_status, trace.failure_type), ("cancel", "sms_duplicate")
            )

            # The order's SMS to the partner without consent goes.
            unknown._message_sms("Tilauksesi on valmis", partner_ids=unknown.ids)
            self.dispatch()
        self.assertEqual(
            sorted(m["body"] for m in double.accepted()),
            ["Kevätale alkaa", "Tilauksesi on valmis"],
        )

    def test_a_stop_reply_keeps_sms_marketing_away(self):
        """A partner who replies "stop" (any case, spaces) to an SMS is not
        reached by Odoo's SMS marketing: the number is on the opt-out list
        the campaign reads."""
        granted, other, _unknown = self.customers
        (granted | other).write({"sms_consent": "granted"})
        with self.mock_sms_gateway("smsapi") as double:
            account = double.account
            path = (
                f"/sms_gateway/inbound/smsapi/{account.id}/"
                f"{account.sudo().callback_secret}"
            )
            response = self.url_open(
                path,
                data={
                    "sms_from": granted.sms_number.lstrip("+"),
                    "sms_text": " Stop ",
                    "MsgId": "MO-stop-1",
                },
            )
            self.assertEqual(response.status_code, 200)
            self.Message._cron_inbound()
            self.assertEqual(granted.sms_consent, "refused")
            mailing = self.partner_campaign(granted | other, body="Kesäale alkaa")
            self.dispatch()
            self.assertOnceEach(double, [other.mobile])
        trace = mailing.mailing_trace_ids.filtered(lambda t: t.res_id == granted.id)
        self.assertEqual(trace.trace_status, "cancel")
        self.assertIn(trace.failure_type, ("sms_blacklist", "sms_optout"))
