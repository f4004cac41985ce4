# Copyright 2026 sms_gateway authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Personalised dispatch through SMSAPI: the texts of one mailing go in a few
requests (SMSAPI's ``param1``..), and each recipient gets exactly the text
stored for it, through the real dispatcher and the SMSAPI double over HTTP."""

import math

from odoo.tests import tagged
from odoo.tools import mute_logger

from .doubles import SmsapiDouble
from .test_dispatch import DispatchCase

BATCH = 300


@tagged("post_install", "-at_install")
class TestDispatchPersonal(DispatchCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["ir.config_parameter"].sudo().set_param(
            "sms_gateway.dispatch_batch_size", BATCH
        )

    def partners(self, names, start=0, **values):
        return self.Partner.create(
            [
                {
                    "name": name,
                    "mobile": f"+35840{7000000 + start + i}",
                    "country_id": self.country_fi.id,
                    "sms_consent": "granted",
                    **values,
                }
                for i, name in enumerate(names)
            ]
        )

    def sends(self, double):
        return [r for r in double.requests if r["path"] == "/sms.do"]

    def assert_each_got_its_text(self, double, mailing):
        """Every message of ``mailing`` was sent once, and the text its
        recipient got at the double is its stored body, character for
        character."""
        messages = self.sms(mailing).sudo()
        self.assertEqual(set(messages.mapped("state")), {"sent"})
        got = {}
        for entry in double.messages:
            if entry["state"] == "accepted":
                self.assertNotIn(entry["idx"], got, "sent twice")
                got[entry["idx"]] = entry["body"]
        self.assertEqual(got, {m.uid: m.body for m in messages})

    def test_a_thousand_names_in_a_few_requests(self):
        partners = self.partners([f"Asiakas {i:04d}" for i in range(1000)])
        with SmsapiDouble() as double:
            self.use_smsapi(double)
            mailing = self.send(partners, body="Hei {{ object.name }}, tervetuloa!")
            self.assertEqual(len(self.sms(mailing, "queued")), 1000)
            self.Dispatcher._cron_dispatch()
            sends = self.sends(double)
            self.assertEqual(len(sends), math.ceil(1000 / BATCH))
            self.assertEqual(
                {r["form"]["message"] for r in sends}, {"Hei [%1%], tervetuloa!"}
            )
            self.assert_each_got_its_text(double, mailing)
        self.assertEqual(mailing.state, "done")

    def test_names_smsapi_could_misread_get_their_own_text(self):
        names = [
            "Aino",
            "Eino",
            "Zoë 😀 Łukasz",
            "李小龍",
            "Pipe|Name",
            "Mark [%1%] Name",
            "Smith, tervetuloa, John",
        ]
        partners = self.partners(names, start=2000)
        with SmsapiDouble() as double:
            self.use_smsapi(double)
            mailing = self.send(partners, body="Hei {{ object.name }}, tervetuloa!")
            self.Dispatcher._cron_dispatch()
            self.assert_each_got_its_text(double, mailing)
            forms = [r["form"] for r in self.sends(double)]
        # One request for the names SMSAPI reads as we mean, one per other
        # text ("|" would split a value, "[%1%]" would be read as a mark).
        self.assertEqual(len(forms), 3)
        personal = [f for f in forms if "param1" in f]
        self.assertEqual(len(personal), 1)
        self.assertEqual(len(personal[0]["to"].split(",")), 5)
        self.assertEqual(
            sorted(f["message"] for f in forms if "param1" not in f),
            ["Hei Mark [%1%] Name, tervetuloa!", "Hei Pipe|Name, tervetuloa!"],
        )

    def test_transliterated_texts_and_the_placeholders_default(self):
        names = ["Zoë", "Łukasz", "Ærø", "Ελένη", "Zoë 😀 Pia"]
        partners = self.partners(names, start=3000)
        # No name: the placeholder's default is written in its place.
        partners |= self.partners([False], start=3100, type="other")
        body = "Hyvää päivää {{ object.name ||| ystävä }} ✓ — kiitos!"
        with SmsapiDouble() as double:
            self.use_smsapi(double)
            mailing = self.send(partners, body=body, transliterate="gsm")
            stored = self.sms(mailing).sudo().mapped("body")
            # Odoo keeps the space before "}}" in the default ("ystävä ").
            self.assertIn("Hyvää päivää ystävä   - kiitos!", stored)
            self.assertIn("Hyvää päivää EΛENH  - kiitos!", stored)
            self.Dispatcher._cron_dispatch()
            self.assert_each_got_its_text(double, mailing)
            forms = [r["form"] for r in self.sends(double)]
        self.assertEqual(len(forms), 2)
        personal, plain = sorted(forms, key=lambda f: "param1" not in f)
        # The template is finished as the texts are (GSM-7: the mark dropped,
        # the dash transliterated), not the body as written.
        self.assertEqual(personal["message"], "Hyvää päivää [%1%]  - kiitos!")
        self.assertEqual(len(personal["to"].split(",")), 5)
        # A value ending with a space is not trusted to SMSAPI: that text
        # goes as it is.
        self.assertEqual(plain["message"], "Hyvää päivää ystävä   - kiitos!")

    @mute_logger("odoo.addons.sms_gateway.dispatch.dispatcher")
    def test_resend_after_an_invalid_number_sends_the_others_their_values(self):
        names = [f"Nimi {i}" for i in range(12)]
        partners = self.partners(names, start=4000)
        invalid = partners[5]
        with SmsapiDouble() as double:
            self.use_smsapi(double)
            # SMSAPI refuses the whole request for one invalid number (13).
            double.refuse_batch_on_invalid = True
            double.invalid_numbers = {invalid.mobile}
            mailing = self.send(partners, body="Hei {{ object.name }}!")
            self.Dispatcher._cron_dispatch()
            first, again = self.sends(double)
            self.assertEqual(len(first["form"]["param1"].split("|")), 12)
            kept = [n for n in names if n != invalid.name]
            self.assertEqual(again["form"]["param1"], "|".join(kept))
            failed = self.sms(mailing, "failed")
            self.assertEqual(failed.partner_id, invalid)
            sent = self.sms(mailing, "sent").sudo()
            self.assertEqual(len(sent), 11)
            got = {m["idx"]: m["body"] for m in double.accepted()}
            self.assertEqual(got, {m.uid: m.body for m in sent})

    @mute_logger("odoo.addons.sms_gateway.dispatch.dispatcher")
    def test_replay_after_a_crash_sends_nothing_twice(self):
        partners = self.partners([f"Nimi {i}" for i in range(10)], start=5000)
        with SmsapiDouble() as double:
            account = self.use_smsapi(double)
            mailing = self.send(partners, body="Hei {{ object.name }}!")
            messages = self.sms(mailing, "queued").sudo()
            # A run claimed them and died after SMSAPI had taken three.
            messages.write(
                {
                    "state": "sending",
                    "dispatch_run": 626262,
                    "account_id": account.id,
                    "provider": "smsapi",
                }
            )
            with account._sms_get_provider() as provider:
                provider.send(
                    [
                        {"uid": m.uid, "number": m.number, "body": m.body}
                        for m in messages[:3]
                    ]
                )
            self.assertEqual(len(double.accepted()), 3)
            self.Dispatcher._cron_dispatch()
            self.assert_each_got_its_text(double, mailing)
            # SMSAPI refused the replayed idx of the three it had taken.
            refused = {m["idx"] for m in double.messages if m["state"] == "duplicate"}
            self.assertEqual(refused, set(messages[:3].mapped("uid")))
