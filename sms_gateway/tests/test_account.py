# Copyright 2026 sms_gateway authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""SMS accounts as a system administrator sees them: the form, the accounts a
new database starts with, countries and order, archiving, the Settings block
and the buttons against the loopback doubles."""

from odoo.exceptions import AccessError
from odoo.tests import Form, tagged

from .. import _create_sandbox_accounts
from ..tools import providers
from .doubles import (
    SMSAPI_TOKEN,
    TWILIO_ACCOUNT_SID,
    TWILIO_AUTH_TOKEN,
    SmsapiDouble,
    TwilioDouble,
)
from .test_provider_settings import ProviderCase


def credential_names(code):
    return [f"{code}_{c.key}" for c in providers.PROVIDERS[code].credentials]


@tagged("post_install", "-at_install")
class TestAccountForm(ProviderCase):
    def form(self, record=None):
        Account = self.env["sms.gateway.account"].with_user(self.admin)
        return Form(record.with_user(self.admin) if record else Account)

    def test_form_shows_the_chosen_providers_credentials_only(self):
        others = {
            code: credential_names(code)
            for code in providers.PROVIDERS
            if code not in ("sandbox", "smsapi")
        }
        form = self.form()
        form.name = "SMSAPI Poland"
        form.provider = "smsapi"
        for fnames in others.values():
            for fname in fnames:
                with self.assertRaises(AssertionError, msg=f"{fname} is shown"):
                    setattr(form, fname, "x")
        # The required credential is required.
        with self.assertRaisesRegex(AssertionError, "smsapi_token"):
            form.save()
        form.smsapi_token = SMSAPI_TOKEN
        account = form.save()
        self.assertEqual(account.provider, "smsapi")
        self.assertEqual(account.smsapi_token, SMSAPI_TOKEN)
        self.assertEqual(
            account.smsapi_base_url,
            providers.PROVIDERS["smsapi"].credentials[1].default,
        )
        self.assertEqual(account.company_id, self.company)
        # The secret ones are masked.
        arch = account.get_views([(False, "form")])["views"]["form"]["arch"]
        self.assertIn('name="smsapi_token"', arch)
        self.assertRegex(arch, r'name="smsapi_token"[^>]*password="True"')

    def test_twilio_needs_both_its_credentials(self):
        form = self.form()
        form.name = "Twilio"
        form.provider = "twilio"
        form.twilio_account_sid = TWILIO_ACCOUNT_SID
        with self.assertRaisesRegex(AssertionError, "twilio_auth_token"):
            form.save()
        form.twilio_auth_token = TWILIO_AUTH_TOKEN
        form.sender = "+15005550006"
        account = form.save()
        self.assertEqual(account.twilio_auth_token, TWILIO_AUTH_TOKEN)

    def test_the_sandbox_needs_no_credential(self):
        form = self.form()
        form.name = "Try it"
        self.assertEqual(form.provider, "sandbox")
        for code in providers.PROVIDERS:
            for fname in credential_names(code):
                with self.assertRaises(AssertionError, msg=f"{fname} is shown"):
                    setattr(form, fname, "x")
        account = form.save()
        self.assertFalse(account.locked)
        self.assertFalse(account.callback_url)  # nothing to give a provider

    def test_callback_address_is_the_accounts(self):
        account = self.account("smsapi", smsapi_token="t")
        secret = account.callback_secret
        self.assertEqual(len(secret), 43)
        self.assertTrue(
            account.callback_url.endswith(
                f"/sms_gateway/delivery/smsapi/{account.id}/{secret}"
            )
        )
        twilio = self.account(
            "twilio",
            twilio_account_sid=TWILIO_ACCOUNT_SID,
            twilio_auth_token=TWILIO_AUTH_TOKEN,
        )
        # Twilio signs its reports: no secret in its address.
        self.assertTrue(
            twilio.callback_url.endswith(f"/sms_gateway/delivery/twilio/{twilio.id}")
        )
        self.assertNotIn(twilio.callback_secret, twilio.callback_url)


@tagged("post_install", "-at_install")
class TestAccountRouting(ProviderCase):
    def test_a_new_database_has_a_sandbox_account_per_company(self):
        Account = self.env["sms.gateway.account"].with_context(active_test=False)
        main = self.env.ref("base.main_company")
        # The one made at install (SmsGatewayCase archived it for its own).
        installed = Account.search(
            [("company_id", "=", main.id), ("provider", "=", "sandbox")], order="id"
        )[:1]
        self.assertTrue(installed)
        self.assertLess(installed.id, self.sms_account.id)
        new = self.env["res.company"].create({"name": "Third Oy"})
        _create_sandbox_accounts(self.env)
        made = Account.search([("company_id", "=", new.id)])
        self.assertEqual(made.mapped("provider"), ["sandbox"])
        self.assertTrue(made.active)
        # Once: a company that has an account gets no other.
        _create_sandbox_accounts(self.env)
        self.assertEqual(Account.search([("company_id", "=", new.id)]), made)
        self.assertFalse(new._sms_gateway_sending_problem())

    def test_countries_and_sequence_choose_the_accounts(self):
        Account = self.env["sms.gateway.account"]
        self.sms_account.sequence = 10  # all countries
        poland = self.add_sms_account(
            provider="smsapi",
            smsapi_token="t",
            sequence=20,
            country_ids=[(6, 0, self.country_pl.ids)],
        )
        finland = self.add_sms_account(
            sequence=5, country_ids=[(6, 0, (self.country_fi | self.country_se).ids)]
        )
        eligible = Account._sms_eligible
        self.assertEqual(eligible(self.company, "PL"), self.sms_account | poland)
        self.assertEqual(list(eligible(self.company, "PL")), [self.sms_account, poland])
        self.assertEqual(
            list(eligible(self.company, "FI")), [finland, self.sms_account]
        )
        self.assertEqual(
            list(eligible(self.company, "SE")), [finland, self.sms_account]
        )
        self.assertEqual(list(eligible(self.company, None)), [self.sms_account])
        poland.sequence = 1
        self.assertEqual(list(eligible(self.company, "PL")), [poland, self.sms_account])
        # The company's first account (estimates) follows the sequence too.
        self.assertEqual(self.company._sms_gateway_first_account(), poland)
        poland.price_per_part = 0.07
        self.company.invalidate_recordset(["sms_gateway_price_per_part"])
        self.assertEqual(self.company.sms_gateway_price_per_part, 0.07)
        # Another company's accounts are never eligible.
        company_b = self.env["res.company"].create({"name": "B"})
        self.set_sms_account(company_b)
        self.assertFalse(
            eligible(self.company, "PL") & company_b.sms_gateway_account_ids
        )

    def test_archived_accounts_do_not_send(self):
        poland = self.add_sms_account(provider="smsapi", smsapi_token="t")
        poland.with_user(self.admin).active = False
        Account = self.env["sms.gateway.account"]
        self.assertEqual(Account._sms_eligible(self.company, "PL"), self.sms_account)
        # It keeps its credentials, for when it comes back.
        self.assertEqual(poland.smsapi_token, "t")
        poland.with_user(self.admin).active = True
        self.assertIn(poland, Account._sms_eligible(self.company, "PL"))
        (poland | self.sms_account).with_user(self.admin).action_archive()
        self.assertFalse(Account._sms_eligible(self.company, "PL"))
        self.assertIn(
            "no active SMS account", self.company._sms_gateway_sending_problem()
        )
        self.assertFalse(self.company._sms_gateway_first_account())

    def test_account_changes_are_in_its_chatter(self):
        account = self.account("smsapi", smsapi_token="t")
        self.flush_tracking()  # changes in the creation's transaction are not
        account.write({"sender": "MyShop", "sequence": 3, "smsapi_token": "t2"})
        self.flush_tracking()
        account.invalidate_recordset(["message_ids"])
        tracked = account.message_ids.tracking_value_ids.mapped("field_id.name")
        self.assertIn("sender", tracked)
        self.assertIn("sequence", tracked)
        self.assertNotIn("smsapi_token", tracked)


@tagged("post_install", "-at_install")
class TestAccountSettingsBlock(ProviderCase):
    def test_settings_count_and_link_the_accounts(self):
        second = self.add_sms_account(name="Second", sequence=90)
        archived = self.add_sms_account(name="Old one", active=False)
        company_b = self.env["res.company"].create({"name": "B"})
        self.set_sms_account(company_b)
        settings = self.env["res.config.settings"].with_user(self.admin).create({})
        self.assertEqual(settings.sms_gateway_account_count, 2)
        self.assertEqual(
            settings.sms_gateway_account_summary, f"{self.sms_account.name}, Second"
        )
        self.assertNotIn(archived.name, settings.sms_gateway_account_summary)
        self.assertFalse(settings.sms_gateway_sending_problem)
        action = settings.action_sms_gateway_accounts()
        self.assertEqual(action["res_model"], "sms.gateway.account")
        shown = (
            self.env["sms.gateway.account"]
            .with_user(self.admin)
            .search(action["domain"])
        )
        self.assertEqual(shown, self.sms_account | second)
        self.assertEqual(action["context"]["default_company_id"], self.company.id)
        # The Settings view shows the block and its button.
        arch = self.env.ref("sms_gateway.res_config_settings_view_form").arch
        self.assertIn("action_sms_gateway_accounts", arch)
        self.assertIn("sms_gateway_account_summary", arch)
        self.assertIn("sms_gateway_sending_problem", arch)
        # No active account: the block says so.
        (self.sms_account | second).active = False
        settings = self.env["res.config.settings"].with_user(self.admin).create({})
        self.assertEqual(settings.sms_gateway_account_count, 0)
        self.assertIn("no active SMS account", settings.sms_gateway_sending_problem)

    def test_company_wide_values_stay_in_settings(self):
        self.settings(sms_gateway_max_parts=3, sms_gateway_monthly_cap=500)
        self.assertEqual(self.company.sms_gateway_max_parts, 3)
        self.assertEqual(self.company.sms_gateway_monthly_cap, 500)
        self.assertEqual(self.sms_account._sms_provider_config()["max_parts"], 3)


@tagged("post_install", "-at_install")
class TestAccountButtons(ProviderCase):
    def notes(self, account):
        """The notes of the test button in the account's chatter, newest first."""
        account.invalidate_recordset(["message_ids"])
        return [
            body
            for body in account.message_ids.filtered(
                lambda m: m.subtype_id == self.env.ref("mail.mt_note")
            ).mapped("body")
            if "test SMS" in body
        ]

    def test_twilio_buttons_over_http(self):
        with TwilioDouble() as double:
            account = self.account(
                "twilio",
                name="Twilio US",
                twilio_account_sid=TWILIO_ACCOUNT_SID,
                twilio_auth_token=TWILIO_AUTH_TOKEN,
                twilio_base_url=double.url,
                sender="+15005550006",
                test_number="+358401234567",
            )
            kind, message = self.notification(account.action_test_connection())
            self.assertEqual(kind, "success", message)
            self.assertIn("Twilio US", message)
            kind, message = self.notification(account.action_check_balance())
            self.assertEqual(kind, "success", message)
            self.assertIn("100.00", message)
            kind, message = self.notification(account.action_send_test())
            self.assertEqual(kind, "success", message)
            self.assertEqual(len(double.messages), 1)
            self.assertIn(
                "accepted the test SMS to +358401234567", self.notes(account)[0]
            )
            double.bad_token = True
            kind, message = self.notification(account.action_test_connection())
            self.assertEqual(kind, "danger")
            self.assertNotIn(TWILIO_AUTH_TOKEN, message)

    def test_send_test_notes_the_result_in_the_chatter(self):
        with SmsapiDouble() as double:
            account = self.account(
                "smsapi",
                name="SMSAPI PL",
                smsapi_token=SMSAPI_TOKEN,
                smsapi_base_url=double.url,
                test_number="+48500100200",
            )
            kind, _message = self.notification(account.action_send_test())
            self.assertEqual(kind, "success")
            double.configure(invalid_numbers={"+48500100200"})
            kind, message = self.notification(account.action_send_test())
            self.assertEqual(kind, "danger", message)
            notes = self.notes(account)
            self.assertEqual(len(notes), 2)
            self.assertIn("did not take the test SMS to +48500100200", notes[0])
            self.assertIn("accepted the test SMS to +48500100200", notes[1])
            for note in notes:
                self.assertNotIn(SMSAPI_TOKEN, note)
            double.bad_token = True
            kind, message = self.notification(account.action_check_balance())
            self.assertEqual(kind, "danger")
            self.assertIn("could not be read from SMSAPI PL", message)

    def test_send_test_goes_to_the_typed_number_from_the_account_sender(self):
        """As the administrator does it on the form: type the number and
        click (the web client saves the form first). The SMS goes to that
        number from the account's sender; without a number the button says
        what to do, and nothing is sent."""
        with SmsapiDouble() as double:
            account = self.account(
                "smsapi",
                name="SMSAPI PL",
                smsapi_token=SMSAPI_TOKEN,
                smsapi_base_url=double.url,
                sender="YourShop",
            )
            kind, message = self.notification(account.action_send_test())
            self.assertEqual(kind, "warning")
            self.assertIn("Type the mobile number", message)
            self.assertNotIn("''", message)
            self.assertFalse(double.messages)
            account.write({"test_number": "+48 500 100 200"})
            kind, message = self.notification(account.action_send_test())
            self.assertEqual(kind, "success", message)
            (sent,) = double.messages
            self.assertEqual(sent["number"], "48500100200")
            self.assertEqual(sent["sender"], "YourShop")
            self.assertIn("from YourShop", self.notes(account)[0])
            self.assertIn(self.admin.name, self.notes(account)[0])
            # Typed again, a second click sends again (nothing was cleared).
            kind, _message = self.notification(account.action_send_test())
            self.assertEqual(kind, "success")
            self.assertEqual(len(double.messages), 2)

    def test_settings_test_sms_goes_through_the_routed_account(self):
        """Settings > SMS > Send a test SMS: the number typed there goes
        through the account that would send an SMS to it, from its sender,
        and stays typed for a second click."""
        with SmsapiDouble() as double:
            poland = self.account(
                "smsapi",
                name="SMSAPI PL",
                smsapi_token=SMSAPI_TOKEN,
                smsapi_base_url=double.url,
                sender="Sklep",
                sequence=1,
                country_ids=[(6, 0, self.env.ref("base.pl").ids)],
            )
            settings = (
                self.env["res.config.settings"]
                .with_user(self.admin)
                .create({"sms_gateway_test_number": "+48 500 100 200"})
            )
            kind, message = self.notification(settings.action_sms_gateway_send_test())
            self.assertEqual(kind, "success", message)
            self.assertIn("SMSAPI PL accepted the test SMS", message)
            self.assertEqual(double.messages[0]["sender"], "Sklep")
            self.assertIn("from Sklep", self.notes(poland)[0])
            self.assertEqual(settings.sms_gateway_test_number, "+48 500 100 200")
            # A Finnish number is not Poland's account's: the next one takes it.
            settings.sms_gateway_test_number = "+358 40 123 4567"
            kind, message = self.notification(settings.action_sms_gateway_send_test())
            self.assertEqual(kind, "success", message)
            self.assertNotIn("SMSAPI PL", message)
            self.assertEqual(len(double.messages), 1)
            settings.sms_gateway_test_number = ""
            kind, message = self.notification(settings.action_sms_gateway_send_test())
            self.assertEqual(kind, "warning")
            self.assertIn("Type the mobile number", message)
        # Not an administrator: refused.
        with self.assertRaises(AccessError):
            settings.with_user(self.user_manager).action_sms_gateway_send_test()

    def test_locked_account_buttons_say_why(self):
        account = self.account("smsapi", smsapi_token=SMSAPI_TOKEN)
        account.sudo().location = '{"db": "elsewhere", "uuid": "x", "cluster": "1"}'
        for method in (
            "action_test_connection",
            "action_check_balance",
            "action_send_test",
        ):
            kind, message = self.notification(getattr(account, method)())
            self.assertEqual(kind, "danger")
            self.assertIn("locked", message)
        self.assertFalse(self.notes(account))
