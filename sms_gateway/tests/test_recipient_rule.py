# Copyright 2026 sms_gateway authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""One recipient rule: the preview, the group counts and the queue agree on
partners in every state, and the record rules bound what a user learns."""

from unittest.mock import patch

from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from .common import SmsGatewaySecurityCase

# What a send does with each partner of _sms_make_partners_in_every_state():
# "sms", "email" or the reason it is not sent.
BULK = {
    "granted": "sms",
    "unknown": "no_consent",
    "refused": "opted_out",
    "listed": "opted_out",
    "landline": "landline",
    "invalid": "no_mobile",
    "twin": "duplicate",
    "email": "no_mobile",
    "unknown_email": "no_mobile",
    "refused_email": "no_mobile",
    "email_listed": "no_mobile",
    "nothing": "no_mobile",
}
BULK_FALLBACK = dict(BULK, email="email", unknown_email="email")
SINGLE = dict(BULK, unknown="sms")
WIZARD_FIELDS = {
    "sms": "count_sendable",
    "email": "count_email",
    "no_consent": "count_no_consent",
    "opted_out": "count_opted_out",
    "no_mobile": "count_no_mobile",
    "landline": "count_landline",
    "duplicate": "count_duplicate",
}


def tally(outcomes):
    counts = {}
    for outcome in outcomes.values():
        counts[outcome] = counts.get(outcome, 0) + 1
    return counts


class RecipientCase(SmsGatewaySecurityCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.states = cls._sms_make_partners_in_every_state()
        cls.partners = cls.env["res.partner"].browse(
            [p.id for p in cls.states.values()]
        )
        cls.Message = cls.env["sms.gateway.message"]

    def wizard(self, partners, user=None, **values):
        user = user or self.user_sms
        return (
            self.env["sms.gateway.send.wizard"]
            .with_user(user)
            .with_context(active_model="res.partner", active_ids=partners.ids)
            .create(dict({"body": "Hello"}, **values))
        )

    def wizard_counts(self, wizard):
        counts = {key: wizard[fname] for key, fname in WIZARD_FIELDS.items()}
        return {key: count for key, count in counts.items() if count}

    def queued_outcomes(self, action):
        mailing = self.env["sms.gateway.mailing"].browse(action["res_id"])
        by_id = {p.id: state for state, p in self.states.items()}
        outcomes = {}
        for message in mailing.message_ids:
            if message.state == "canceled":
                outcome = message.skip_reason
            else:
                outcome = message.channel
            outcomes[by_id[message.partner_id.id]] = outcome
        return outcomes


@tagged("post_install", "-at_install")
class TestRecipientRule(RecipientCase):
    def test_rule_in_every_state(self):
        Partner = self.env["res.partner"]
        by_id = {p.id: state for state, p in self.states.items()}
        for kind, fallback, expected in (
            ("bulk", False, BULK),
            ("bulk", True, BULK_FALLBACK),
            ("single", False, SINGLE),
        ):
            with self.subTest(kind=kind, fallback=fallback):
                rows = self.env.execute_query(
                    Partner._sms_recipient_sql(
                        self.partners, kind=kind, email_fallback=fallback
                    )
                )
                got = {
                    by_id[partner_id]: reason or channel
                    for partner_id, _number, _email, channel, reason in rows
                }
                self.assertEqual(got, expected)
                numbers = {by_id[row[0]]: row[1] for row in rows}
                self.assertEqual(numbers["granted"], self.states["granted"].sms_number)
                self.assertTrue(numbers["granted"].startswith("+358"))

    def test_preview_and_queue_agree_bulk(self):
        for fallback, expected in ((False, BULK), (True, BULK_FALLBACK)):
            with self.subTest(fallback=fallback):
                # Another text each time: the 24-hour guard stays out of it.
                wizard = self.wizard(
                    self.partners, body=f"Hello {fallback}", email_fallback=fallback
                )
                self.assertEqual(self.wizard_counts(wizard), tally(expected))
                action = wizard.action_send()
                self.assertEqual(self.queued_outcomes(action), expected)

    def test_preview_and_queue_agree_single(self):
        # Alone, the twin has no twin.
        for state, expected in dict(SINGLE, twin="sms").items():
            with self.subTest(state=state):
                wizard = self.wizard(
                    self.states[state], body=f"Hi {state}", confirm_unknown_consent=True
                )
                self.assertEqual(self.wizard_counts(wizard), {expected: 1})
                if expected != "sms":
                    with self.assertRaisesMessage(UserError, "This SMS cannot be sent"):
                        wizard.action_send()
                    continue
                action = wizard.action_send()
                self.assertEqual(self.queued_outcomes(action), {state: "sms"})

    def test_group_counts_agree(self):
        group = (
            self.env["sms.gateway.group"]
            .with_user(self.user_sms)
            .create({"name": "Every state", "partner_ids": self.partners.ids})
        )
        counts = tally(BULK)
        self.assertEqual(group.member_count, len(self.partners))
        self.assertEqual(group.sendable_count, counts["sms"])
        self.assertEqual(group.opted_out_count, counts["opted_out"])
        self.assertEqual(
            group.no_mobile_count, counts["no_mobile"] + counts["landline"]
        )
        granted = [s for s, p in self.states.items() if p.sms_consent == "granted"]
        self.assertEqual(group.consent_granted_count, len(granted))
        Partner = self.env["res.partner"].with_user(self.user_sms)
        sendable = Partner.search([("sms_gateway_sendable_group_ids", "in", group.ids)])
        self.assertEqual(sendable, self.states["granted"])
        self.assertEqual(
            self.states["granted"]
            .with_user(self.user_sms)
            .sms_gateway_sendable_group_ids,
            group,
        )
        self.assertFalse(
            self.states["twin"].with_user(self.user_sms).sms_gateway_sendable_group_ids
        )
        self.assertEqual(
            set(group._sms_recipient_partners_query(sendable_only=True)),
            set(self.states["granted"].ids),
        )
        # A send to the group reaches what its counts say.
        wizard = (
            self.env["sms.gateway.send.wizard"]
            .with_user(self.user_sms)
            .with_context(active_model="sms.gateway.group", active_ids=group.ids)
            .create({"body": "Group news"})
        )
        self.assertEqual(wizard.count_sendable, group.sendable_count)
        self.assertEqual(self.queued_outcomes(wizard.action_send()), BULK)

    def test_the_twin_is_a_recipient_of_its_own_group(self):
        """Duplicates are counted within one send (one group), not across."""
        groups = self.env["sms.gateway.group"].with_user(self.user_sms)
        first = groups.create({"name": "A", "partner_ids": self.states["granted"].ids})
        second = groups.create({"name": "B", "partner_ids": self.states["twin"].ids})
        self.assertEqual(((first | second).mapped("sendable_count")), [1, 1])

    def test_email_fallback_respects_the_email_blacklist(self):
        """The preview counted an e-mail for an address on mail.blacklist
        that the queue then did not send to."""
        partners = self.states["email"] | self.states["email_listed"]
        wizard = self.wizard(partners, email_fallback=True)
        self.assertEqual((wizard.count_email, wizard.count_no_mobile), (1, 1))
        outcomes = self.queued_outcomes(wizard.action_send())
        self.assertEqual(outcomes, {"email": "email", "email_listed": "no_mobile"})


@tagged("post_install", "-at_install")
class TestRecipientLimits(RecipientCase):
    def test_caps_refuse_before_anything_is_queued(self):
        self.env.company.sms_gateway_monthly_cap = 1
        wizard = self.wizard(self.states["granted"] | self.states["unknown_email"])
        self.wizard(self.states["granted"], body="First").action_send()
        Mailing = self.registry["sms.gateway.mailing"]
        with (
            patch.object(Mailing, "_sms_queue", side_effect=AssertionError("queued")),
            self.assertRaisesMessage(UserError, "monthly cap of 1 leaves 0"),
        ):
            wizard.action_send()
        self.env.company.sms_gateway_monthly_cap = 0
        self.env.company.sms_gateway_max_parts = 1
        with (
            patch.object(Mailing, "_sms_queue", side_effect=AssertionError("queued")),
            self.assertRaisesMessage(UserError, "needs 2 SMS parts"),
        ):
            self.wizard(self.states["granted"], body="x" * 161).action_send()
        self.assertEqual(self.Message.sudo().search_count([]), 1)
        self.assertEqual(self.env["sms.gateway.mailing"].sudo().search_count([]), 1)

    def test_sms_skipped_by_the_24_hour_guard_do_not_count_against_the_cap(self):
        granted = self.states["granted"]
        self.wizard(granted, body="Same").action_send()
        self.env.company.sms_gateway_monthly_cap = 1
        with self.assertRaisesMessage(UserError, "within the last 24 hours"):
            self.wizard(granted, body="Same").action_send()
        # An e-mail still goes; the skipped SMS does not need the cap.
        action = self.wizard(
            granted | self.states["email"], body="Same", email_fallback=True
        ).action_send()
        self.assertEqual(
            self.queued_outcomes(action), {"granted": "recent", "email": "email"}
        )


@tagged("post_install", "-at_install")
class TestRecipientAttacks(RecipientCase):
    """Counting or queueing partners one may not read teaches nothing."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.group_a = cls.env["sms.gateway.group"].create(
            {"name": "Private A", "user_id": cls.user_sms.id}
        )
        cls.group_a._add_partners([("id", "in", cls.partners.ids)])

    def test_other_company_counts_nothing(self):
        domain = repr([("id", "in", self.partners.ids)])
        wizard = (
            self.env["sms.gateway.send.wizard"]
            .with_user(self.user_sms_b)
            .create({"body": "Hi", "partner_domain": domain})
        )
        self.assertEqual(self.wizard_counts(wizard), {})
        # Refused (company B's provider, or nobody to send to): nothing queued.
        with self.assertRaises(UserError):
            wizard.action_send()
        with self.assertRaises(AccessError):
            self.wizard(self.partners, user=self.user_sms_b)
        self.assertEqual(self.Message.sudo().search_count([]), 0)

    def test_other_company_group_with_forged_members_counts_nothing(self):
        group_b = (
            self.env["sms.gateway.group"]
            .with_user(self.user_sms_b)
            .create({"name": "B", "company_id": self.company_b.id})
        )
        self.env["sms.gateway.group.member"].sudo().create(
            [{"group_id": group_b.id, "partner_id": p.id} for p in self.partners]
        )
        group_b.invalidate_recordset()
        self.assertEqual(
            (group_b.member_count, group_b.sendable_count, group_b.opted_out_count),
            (0, 0, 0),
        )
        self.assertFalse(set(group_b._sms_recipient_partners_query(sendable_only=True)))
        wizard = (
            self.env["sms.gateway.send.wizard"]
            .with_user(self.user_sms_b)
            .with_context(active_model="sms.gateway.group", active_ids=group_b.ids)
            .create({"body": "Hi"})
        )
        self.assertEqual(self.wizard_counts(wizard), {})

    def test_search_by_sendable_group_of_someone_else(self):
        for user in (self.user_sms_other, self.user_sms_b):
            with self.subTest(user=user.login):
                Partner = self.env["res.partner"].with_user(user)
                self.assertFalse(
                    Partner.search(
                        [("sms_gateway_sendable_group_ids", "in", self.group_a.ids)]
                    )
                )
                with self.assertRaises(AccessError):
                    self.group_a.with_user(user).read(["sendable_count"])
        self.assertEqual(self.group_a.with_user(self.user_sms).sendable_count, 1)

    def test_sendable_groups_of_a_partner_hide_unreadable_groups(self):
        granted = self.states["granted"]
        self.assertEqual(
            granted.with_user(self.user_sms).sms_gateway_sendable_group_ids,
            self.group_a,
        )
        self.assertFalse(
            granted.with_user(self.user_sms_other).sms_gateway_sendable_group_ids
        )

    def test_sendable_groups_field_needs_the_sms_user_group(self):
        with self.assertRaises(AccessError):
            self.env["res.partner"].with_user(self.user_employee).search(
                [("sms_gateway_sendable_group_ids", "in", self.group_a.ids)]
            )
