# Copyright 2026 sms_gateway authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Shared set-up of the addon's Odoo tests."""

import json
from contextlib import contextmanager

from odoo.tests import TransactionCase, new_test_user

from ..tools import providers
from .doubles import (
    DOUBLES,
    QURIIRI_API_KEY,
    SMSAPI_TOKEN,
    TWILIO_ACCOUNT_SID,
    TWILIO_AUTH_TOKEN,
    VONAGE_API_KEY,
    VONAGE_API_SECRET,
)


def account_secret_fields():
    """The SMS account's fields only system administrators may read: every
    provider's credentials (from the registry), the report secret and
    address, where the credentials were entered."""
    return (
        *(
            f"{code}_{credential.key}"
            for code, provider_class in providers.PROVIDERS.items()
            for credential in provider_class.credentials
        ),
        "callback_secret",
        "callback_url",
        "location",
        "lock_notified",
    )


def double_account_values(provider, double):
    """Account fields that make an account of ``provider`` send to ``double``."""
    return {
        "smsapi": {"smsapi_token": SMSAPI_TOKEN, "smsapi_base_url": double.url},
        "twilio": {
            "twilio_account_sid": TWILIO_ACCOUNT_SID,
            "twilio_auth_token": TWILIO_AUTH_TOKEN,
            "twilio_base_url": double.url,
            "sender": "+15005550006",
        },
        "quriiri": {
            "quriiri_api_key": QURIIRI_API_KEY,
            "quriiri_base_url": double.url,
            "sender": "Shop",
        },
        "vonage": {
            "vonage_api_key": VONAGE_API_KEY,
            "vonage_api_secret": VONAGE_API_SECRET,
            "vonage_base_url": double.url,
            "sender": "Shop",
        },
    }[provider]


class RaisesMessageMixin:
    """``assertRaisesRegex`` with Odoo's savepoint: what failed is rolled back."""

    @contextmanager
    def assertRaisesMessage(self, exception, pattern):
        with self.assertRaises(exception) as caught:
            yield caught
        self.assertRegex(str(caught.exception), pattern)


class JsonRpcMixin:
    """For HttpCase: a raw ``/web/dataset/call_kw`` call as the session's user."""

    def call_kw(self, model, method, args, **kwargs):
        """The whole JSON answer (``result`` or ``error``)."""
        params = {"model": model, "method": method, "args": args, "kwargs": kwargs}
        return self.url_open(
            "/web/dataset/call_kw",
            data=json.dumps(
                {"jsonrpc": "2.0", "method": "call", "id": 1, "params": params}
            ),
            headers={"Content-Type": "application/json"},
        ).json()


class SmsAccountMixin:
    """SMS accounts for the test at hand, the provider doubles behind them and
    what to assert about the messages."""

    @contextmanager
    def mock_sms_gateway(self, provider="smsapi", company=None, add=False, **values):
        """Send through a loopback double of ``provider`` (a real HTTP server
        behaving like the provider's API): the company's only active account
        (``add``: one more, after the others) points at it. Yields the double,
        with ``double.account`` the account."""
        with DOUBLES[provider]() as double:
            values = dict(double_account_values(provider, double), **values)
            method = self.add_sms_account if add else self.set_sms_account
            double.account = method(company, provider, **values)
            yield double

    def _sms_messages_of(self, partners, mailing=None):
        domain = [("partner_id", "in", partners.ids), ("channel", "=", "sms")]
        if mailing:
            domain.append(("mailing_id", "=", mailing.id))
        return self.env["sms.gateway.message"].sudo().search(domain)

    def assertSMS(self, partners, state, mailing=None, account=None, reason=None):
        """Each of ``partners`` has exactly one SMS (of ``mailing``) in
        ``state``, through ``account``, with ``reason`` in its failure or
        skip reason."""
        messages = self._sms_messages_of(partners, mailing)
        for partner in partners:
            mine = messages.filtered(lambda m, p=partner: m.partner_id == p)
            self.assertEqual(len(mine), 1, f"{partner.name}: {len(mine)} SMS")
            self.assertEqual(mine.state, state, f"{partner.name}: {mine.state}")
            if account is not None:
                self.assertEqual(mine.account_id, account, partner.name)
            if reason is not None:
                said = f"{mine.failure_reason or ''} {mine.skip_reason or ''}"
                self.assertIn(reason, said, partner.name)
        return messages

    def assertNoSMS(self, partners, mailing=None):
        self.assertFalse(self._sms_messages_of(partners, mailing))

    def assertProviderGot(self, double, partners):
        """The double received one SMS for each of ``partners``' numbers, and
        no other."""
        got = sorted(m["number"].lstrip("+") for m in double.messages)
        expected = sorted(p.sms_number.lstrip("+") for p in partners)
        self.assertEqual(got, expected)

    @classmethod
    def set_sms_account(cls, company=None, provider="sandbox", **values):
        """Make a new account of ``provider`` the only active SMS account of
        ``company`` (the current one by default); ``values`` are account
        fields (credentials as ``<code>_<key>``). Returns the account."""
        company = company or cls.env.company
        Account = cls.env["sms.gateway.account"].sudo().with_context(active_test=False)
        Account.search([("company_id", "=", company.id), ("active", "=", True)]).write(
            {"active": False}
        )
        return Account.create(
            {
                "name": f"{provider.title()} test account",
                "provider": provider,
                "company_id": company.id,
                **values,
            }
        )

    @classmethod
    def add_sms_account(cls, company=None, provider="sandbox", **values):
        """One more active SMS account of ``company`` (after the others unless
        ``sequence`` says otherwise)."""
        company = company or cls.env.company
        return (
            cls.env["sms.gateway.account"]
            .sudo()
            .create(
                {
                    "name": values.pop("name", f"{provider.title()} account"),
                    "provider": provider,
                    "company_id": company.id,
                    "sequence": values.pop("sequence", 50),
                    **values,
                }
            )
        )


class SmsGatewayCase(RaisesMessageMixin, SmsAccountMixin, TransactionCase):
    """Users of each SMS group, a Finnish company and a few countries."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.country_fi = cls.env.ref("base.fi")
        cls.country_se = cls.env.ref("base.se")
        cls.country_pl = cls.env.ref("base.pl")
        cls.country_ru = cls.env.ref("base.ru")
        cls.env.company.country_id = cls.country_fi
        cls.user_sms = new_test_user(
            cls.env,
            login="sms_user",
            name="Sanna Sender",
            groups="base.group_user,sms_gateway.group_sms_gateway_user",
        )
        cls.user_accountant = new_test_user(
            cls.env,
            login="sms_accountant",
            name="Kaisa Kirjanpitäjä",
            groups="base.group_user,sms_gateway.group_sms_gateway_accountant",
        )
        cls.user_manager = new_test_user(
            cls.env,
            login="sms_manager",
            name="Mikko Manager",
            groups="base.group_user,base.group_partner_manager,"
            "sms_gateway.group_sms_gateway_manager",
        )
        cls.Partner = cls.env["res.partner"]
        cls.Blacklist = cls.env["phone.blacklist"]
        cls.sms_account = cls.set_sms_account()

    @classmethod
    def _sms_make_partners_in_every_state(cls, company=None, prefix="State"):
        """{state: partner}, one Finnish partner of ``company`` (the current
        one by default) in each state the recipient rule tells apart:

        ``granted`` (a recipient), ``unknown``, ``refused``, ``listed``
        (granted, number on phone.blacklist), ``landline``, ``invalid``
        (a number that is not one), ``twin`` (granted, the number of
        ``granted``), and without a mobile: ``email`` (granted, an e-mail),
        ``unknown_email`` (consent unknown, an e-mail), ``refused_email``,
        ``email_listed`` (granted, its e-mail on mail.blacklist) and
        ``nothing`` (granted, neither number nor e-mail).

        Numbers and e-mails are made from the partners' ids, so that several
        calls (``prefix``) make independent sets.
        """
        company = company or cls.env.company
        Partner = cls.env["res.partner"]
        serial = (Partner.search([], order="id desc", limit=1).id or 0) + 1
        slug = prefix.lower().replace(" ", "-")

        def mobile(n):
            return f"+35840{serial % 10000:04d}{n:03d}"

        base = {"country_id": cls.env.ref("base.fi").id, "company_id": company.id}
        specs = {
            "granted": {"mobile": mobile(1), "sms_consent": "granted"},
            "unknown": {"mobile": mobile(2)},
            "refused": {"mobile": mobile(3), "sms_consent": "refused"},
            "listed": {"mobile": mobile(4), "sms_consent": "granted"},
            "landline": {"mobile": "09 1234 5678", "sms_consent": "granted"},
            "invalid": {"mobile": "12", "sms_consent": "granted"},
            "twin": {"mobile": mobile(1), "sms_consent": "granted"},
            "email": {"email": f"{slug}.email@example.com", "sms_consent": "granted"},
            "unknown_email": {"email": f"{slug}.unknown@example.com"},
            "refused_email": {
                "email": f"{slug}.refused@example.com",
                "sms_consent": "refused",
            },
            "email_listed": {
                "email": f"{slug}.listed@example.com",
                "sms_consent": "granted",
            },
            "nothing": {"sms_consent": "granted"},
        }
        partners = {
            state: Partner.create(dict(base, name=f"{prefix} {state}", **values))
            for state, values in specs.items()
        }
        cls.env["phone.blacklist"].sudo().add(partners["listed"].sms_number)
        cls.env["mail.blacklist"].sudo()._add(partners["email_listed"].email)
        return partners

    def flush_tracking(self):
        """Create the chatter's tracking values now (they wait for the commit)."""
        self.env.flush_all()
        self.env.cr.flush()


class SmsGatewaySecurityCase(SmsGatewayCase):
    """The people an attack is tried as, besides the SMS groups' users.

    ``user_sms_accountant`` has two of our groups at once (User and
    Accountant); ``user_employee`` is an internal user without any SMS group;
    ``user_portal`` a portal user; ``company_b`` another company with its own
    SMS user (``user_sms_b``), who must never reach the first company's data.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.user_sms_accountant = new_test_user(
            cls.env,
            login="sms_user_accountant",
            name="Ulla User-Accountant",
            groups="base.group_user,sms_gateway.group_sms_gateway_user,"
            "sms_gateway.group_sms_gateway_accountant",
        )
        cls.user_sms_other = new_test_user(
            cls.env,
            login="sms_user_other",
            name="Olli Other",
            groups="base.group_user,sms_gateway.group_sms_gateway_user",
        )
        cls.user_employee = new_test_user(
            cls.env,
            login="plain_employee",
            name="Erkki Employee",
            groups="base.group_user",
        )
        cls.user_portal = new_test_user(
            cls.env,
            login="portal_user",
            name="Pirjo Portal",
            groups="base.group_portal",
        )
        cls.company_b = cls.env["res.company"].create(
            {"name": "Second Company Ab", "country_id": cls.env.ref("base.se").id}
        )
        cls.user_sms_b = new_test_user(
            cls.env,
            login="sms_user_b",
            name="Britt B-Company",
            groups="base.group_user,sms_gateway.group_sms_gateway_user",
            company_id=cls.company_b.id,
            company_ids=[(6, 0, cls.company_b.ids)],
        )
        cls.sms_account_b = cls.set_sms_account(cls.company_b)
        cls.admin = new_test_user(
            cls.env,
            login="sms_sysadmin",
            name="Sylvi Sysadmin",
            groups="base.group_system,sms_gateway.group_sms_gateway_manager",
        )
