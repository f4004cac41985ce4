# Copyright 2026 sms_gateway authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""A generated usage data set (two companies) and direct counts over it."""

import io
import random
from datetime import datetime, timedelta

import openpyxl

from odoo.tests import new_test_user
from odoo.tools import SQL

from .common import SmsGatewayCase

TZ = "Europe/Helsinki"
BILLABLE = ("sent", "delivered", "undelivered")
STATE_WEIGHTS = {
    "delivered": 45,
    "sent": 15,
    "undelivered": 8,
    "failed": 8,
    "queued": 5,
    "sending": 4,
    "canceled": 15,
}
TEXTS = [
    "Hyvää päivää! Tilauksesi on valmis noudettavaksi.",
    "Muistutus: huomenna klo 10 ajanvaraus.",
    "Zażółć gęślą jaźń – kod 1234",
    "Your parcel is on its way",
    "Tervetuloa asiakkaaksi, {name}",
    "Kokous siirtyy, katso sähköposti",
]


class SmsGatewayUsageCase(SmsGatewayCase):
    """Company A (the main one, EUR) and B (SEK), senders in both, groups,
    mailings and ~400 messages in every state spread over Dec 2025 - Jul 2026.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_a = cls.env.company
        cls.company_a.sms_gateway_currency_id = cls.env.ref("base.EUR")
        cls.company_b = cls.env["res.company"].create(
            {"name": "Company B", "currency_id": cls.env.ref("base.SEK").id}
        )
        cls.company_b.sms_gateway_currency_id = cls.env.ref("base.SEK")
        for user in (cls.user_sms, cls.user_accountant, cls.user_manager):
            user.tz = TZ
        cls.user_sms2 = new_test_user(
            cls.env,
            login="sms_user2",
            name="Ville Viestittäjä",
            tz=TZ,
            groups="base.group_user,sms_gateway.group_sms_gateway_user",
        )
        cls.user_b = new_test_user(
            cls.env,
            login="sms_user_b",
            name="Birgitta B",
            tz=TZ,
            company_id=cls.company_b.id,
            company_ids=[cls.company_b.id],
            groups="base.group_user,sms_gateway.group_sms_gateway_user",
        )
        cls.accountant_b = new_test_user(
            cls.env,
            login="sms_accountant_b",
            name="Bodil Bokföring",
            tz=TZ,
            company_id=cls.company_b.id,
            company_ids=[cls.company_b.id],
            groups="base.group_user,sms_gateway.group_sms_gateway_accountant",
        )
        cls.user_manager.company_ids |= cls.company_b
        cls.partners = cls.env["res.partner"].create(
            [{"name": f"Vastaanottaja {n}"} for n in range(12)]
        )
        Group = cls.env["sms.gateway.group"]
        Mailing = cls.env["sms.gateway.mailing"]
        cls.groups = {
            cls.company_a: Group.create(
                [
                    {"name": "Asiakkaat", "user_id": cls.user_sms.id},
                    {"name": "Henkilöstö", "user_id": cls.user_sms2.id},
                ]
            ),
            cls.company_b: Group.create(
                [
                    {
                        "name": "Kunder",
                        "user_id": cls.user_b.id,
                        "company_id": cls.company_b.id,
                    }
                ]
            ),
        }
        cls.senders = {
            cls.company_a: cls.user_sms | cls.user_sms2 | cls.user_manager,
            cls.company_b: cls.user_b,
        }
        cls.mailings = {}
        for company, users in cls.senders.items():
            cls.mailings[company] = Mailing.create(
                [
                    {
                        "name": f"Mailing {company.name} {n}",
                        "body": "x",
                        "user_id": user.id,
                        "company_id": company.id,
                    }
                    for n, user in enumerate(users)
                ]
            )
        # Each company sends through an account of each provider.
        cls.usage_accounts = {
            (company, code): cls.add_sms_account(
                company,
                code,
                name=f"{code.title()} {company.name}",
                **{
                    "sandbox": {},
                    "smsapi": {"smsapi_token": "t"},
                    "quriiri": {"quriiri_api_key": "k"},
                }[code],
            )
            for company in (cls.company_a, cls.company_b)
            for code in ("sandbox", "smsapi", "quriiri")
        }
        values_list = cls._usage_message_values(random.Random(6), 400)
        for vals in values_list:
            if vals["provider"]:
                vals["account_id"] = cls.usage_accounts[
                    cls.env["res.company"].browse(vals["company_id"]), vals["provider"]
                ].id
        cls.messages = cls.env["sms.gateway.message"].create(values_list)
        cls.env.flush_all()

    @classmethod
    def _usage_message_values(cls, rng, count):
        states = list(STATE_WEIGHTS)
        weights = list(STATE_WEIGHTS.values())
        start = datetime(2025, 12, 15)
        span = int((datetime(2026, 7, 10) - start).total_seconds())
        values = []
        for n in range(count):
            company = cls.company_b if n % 4 == 3 else cls.company_a
            user = rng.choice(cls.senders[company])
            state = rng.choices(states, weights)[0]
            channel = "email" if rng.random() < 0.1 else "sms"
            body = rng.choice(TEXTS) + f" #{n}"
            parts = rng.randint(1, 4) if channel == "sms" else 0
            when = start + timedelta(seconds=rng.randrange(span))
            price = 0.9 if company == cls.company_b else 0.0725
            billable = state in BILLABLE
            vals = {
                "user_id": user.id,
                "company_id": company.id,
                "partner_id": rng.choice(cls.partners).id,
                "number": f"+35840{n:07d}",
                "channel": channel,
                "body": body,
                "chars": len(body),
                "parts": 0 if state == "canceled" else parts,
                "cost": parts * price if state != "canceled" else 0,
                "currency_id": company.sms_gateway_currency_id.id,
                "state": state,
                "scheduled_at": when - timedelta(minutes=5),
                "sent_at": when if billable else False,
                "delivered_at": when if state == "delivered" else False,
                "provider": rng.choice(["sandbox", "smsapi", "quriiri"])
                if channel == "sms" and state not in ("queued", "canceled")
                else False,
                "group_id": rng.choice([False, *cls.groups[company].ids]),
                "mailing_id": rng.choice([False, *cls.mailings[company].ids]),
                "skip_reason": rng.choice(["no_consent", "duplicate", "recent"])
                if state == "canceled"
                else False,
            }
            values.append(vals)
        # On the edge of a month: 2026-02-01 00:30 in Helsinki, January in UTC.
        values[0].update(
            state="delivered",
            channel="sms",
            company_id=cls.company_a.id,
            user_id=cls.user_sms.id,
            currency_id=cls.company_a.sms_gateway_currency_id.id,
            group_id=cls.groups[cls.company_a][0].id,
            mailing_id=False,
            parts=2,
            cost=0.145,
            provider="sandbox",
            skip_reason=False,
            sent_at=datetime(2026, 1, 31, 22, 30),
            delivered_at=datetime(2026, 1, 31, 22, 31),
        )
        return values

    # ------------------------------------------------------------------
    # Direct counts over the messages (not through the report)
    # ------------------------------------------------------------------

    def direct_counts(self, start, end, companies, key="user_id", user=None):
        """{key id or None: (sms, parts, delivered parts, emails, all)}."""
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                """
                SELECT %(key)s,
                       count(*) FILTER (WHERE channel = 'sms'),
                       COALESCE(sum(parts) FILTER (WHERE channel = 'sms'), 0),
                       COALESCE(sum(parts) FILTER (WHERE channel = 'sms'
                                                   AND state = 'delivered'), 0),
                       count(*) FILTER (WHERE channel = 'email'),
                       count(*)
                  FROM sms_gateway_message
                 WHERE state IN %(billable)s
                   AND sent_at >= %(start)s AND sent_at < %(end)s
                   AND company_id IN %(companies)s
                   AND (%(user)s IS NULL OR user_id = %(user)s)
                 GROUP BY 1
                """,
                key=SQL.identifier(key),
                billable=BILLABLE,
                start=start,
                end=end,
                companies=tuple(companies.ids),
                user=user.id if user else None,
            )
        )
        return {row[0]: tuple(row[1:]) for row in self.env.cr.fetchall()}

    def direct_costs(self, start, end, companies):
        """{(account id, provider, currency id): (sms, parts, delivered parts,
        cost)}."""
        self.env.cr.execute(
            SQL(
                """
                SELECT account_id, provider, currency_id, count(*), sum(parts),
                       COALESCE(sum(parts) FILTER (WHERE state = 'delivered'), 0),
                       sum(cost)
                  FROM sms_gateway_message
                 WHERE state IN %(billable)s AND channel = 'sms'
                   AND sent_at >= %(start)s AND sent_at < %(end)s
                   AND company_id IN %(companies)s
                 GROUP BY 1, 2, 3
                """,
                billable=BILLABLE,
                start=start,
                end=end,
                companies=tuple(companies.ids),
            )
        )
        return {row[:3]: tuple(row[3:]) for row in self.env.cr.fetchall()}

    @staticmethod
    def totals(counts):
        return (
            tuple(sum(column) for column in zip(*counts.values(), strict=True))
            or (0,) * 5
        )

    def export(self, user, date_from, date_to, companies=None, grouping="user"):
        """Run the export as ``user``; the wizard and its workbook."""
        Export = (
            self.env["sms.gateway.usage.export"]
            .with_user(user)
            .with_context(
                tz=TZ, allowed_company_ids=(companies or user.company_ids).ids
            )
        )
        wizard = Export.create(
            {
                "period": "custom",
                "date_from": date_from,
                "date_to": date_to,
                "grouping": grouping,
                "company_ids": [(6, 0, (companies or user.company_id).ids)],
            }
        )
        action = wizard.action_export()
        attachment = wizard.attachment_id
        self.assertEqual(action["url"], f"/web/content/{attachment.id}?download=true")
        return wizard, openpyxl.load_workbook(io.BytesIO(attachment.raw))
