# Copyright 2026 sms_gateway authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Attacks on what the module adds to partners and to the opt-out list.

Consent changes go through the partner's own write access and are tracked;
the opt-out list (``phone.blacklist``) changes only as the consequence of a
refusal someone may record, or by those who may edit the list; the SMS
figures and groups shown on a partner are the reader's own.
"""

from odoo.exceptions import AccessError, UserError
from odoo.tests import HttpCase, JsonRpcException, new_test_user, tagged
from odoo.tools import mute_logger

from ..models.res_partner import NO_SYNC
from .common import SmsGatewaySecurityCase


class PartnerSecurityCase(SmsGatewaySecurityCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # An employee who may edit contacts (Odoo's "Contact Creation"), but
        # has no SMS group and may not edit the opt-out list.
        cls.user_contacts = new_test_user(
            cls.env,
            login="contact_editor",
            name="Cecilia Contacts",
            groups="base.group_user,base.group_partner_manager",
        )
        fi = cls.country_fi.id
        cls.granted = cls.Partner.create(
            {
                "name": "Granted Gunilla",
                "country_id": fi,
                "mobile": "0401230001",
                "sms_consent": "granted",
            }
        )
        cls.listed = cls.Partner.create(
            {"name": "Listed Lasse", "country_id": fi, "mobile": "0401230002"}
        )
        cls.Blacklist.sudo().add("+358401230002")
        cls.partner_b = cls.Partner.create(
            {
                "name": "Bertil B",
                "country_id": fi,
                "mobile": "0401230003",
                "sms_consent": "granted",
                "company_id": cls.company_b.id,
            }
        )

    def listed_numbers(self):
        return set(
            self.Blacklist.sudo()
            .search([("number", "like", "+35840123")])
            .mapped("number")
        )


@tagged("post_install", "-at_install", "sms_gateway_security")
class TestPartnerConsentSecurity(PartnerSecurityCase):
    def test_readers_cannot_change_consent(self):
        """Who may read but not write a partner changes neither its consent
        nor the opt-out list, by button or by write."""
        before = self.listed_numbers()
        for user in (
            self.user_employee,
            self.user_sms,
            self.user_accountant,
            self.user_sms_accountant,
            self.user_portal,
        ):
            partner = self.granted.with_user(user)
            for attempt in (
                partner.action_sms_consent_refuse,
                partner.action_sms_consent_grant,
                lambda partner=partner: partner.write({"sms_consent": "refused"}),
            ):
                with self.assertRaises(AccessError, msg=user.login):
                    attempt()
        self.assertEqual(self.granted.sms_consent, "granted")
        self.assertEqual(self.listed_numbers(), before)

    def test_other_company_cannot_change_consent(self):
        editor_b = new_test_user(
            self.env,
            login="contact_editor_b",
            groups="base.group_user,base.group_partner_manager",
            company_id=self.company_b.id,
            company_ids=[(6, 0, self.company_b.ids)],
        )
        company_a_partner = self.Partner.create(
            {
                "name": "Aino A",
                "mobile": "0401230009",
                "country_id": self.country_fi.id,
                "company_id": self.env.company.id,
            }
        )
        with self.assertRaises(AccessError):
            company_a_partner.with_user(editor_b).action_sms_consent_refuse()
        self.assertEqual(company_a_partner.sms_consent, "unknown")
        self.assertNotIn("+358401230009", self.listed_numbers())

    def test_context_key_does_not_skip_the_opt_out_rules(self):
        """The key that stops consent and list from calling each other back
        is the module's own: a caller who sets it in the context (as any RPC
        can) neither grants a listed number nor refuses without listing."""
        editor = self.env(
            user=self.user_contacts, context=dict(self.env.context, **{NO_SYNC: True})
        )
        with self.assertRaisesMessage(UserError, "opt-out list"):
            self.listed.with_env(editor).write({"sms_consent": "granted"})
        self.assertEqual(self.listed.sms_consent, "refused")
        # A refusal still lists the number, stamps date and source.
        self.granted.with_env(editor).write({"sms_consent": "refused"})
        self.assertIn("+358401230001", self.listed_numbers())
        self.assertEqual(self.granted.sms_consent_source, "manual")
        self.assertTrue(self.granted.sms_consent_date)
        # A new partner with a listed number is refused, whatever it says.
        created = self.Partner.with_env(editor).create(
            {
                "name": "Sneaky",
                "country_id": self.country_fi.id,
                "mobile": "0401230002",
                "sms_consent": "granted",
            }
        )
        self.assertEqual(created.sms_consent, "refused")

    def test_list_context_key_does_not_skip_refusals(self):
        """Nor does the key stop a new entry of the list from refusing the
        partners with that number (for those who may edit the list)."""
        self.Blacklist.with_user(self.user_manager).with_context(
            **{NO_SYNC: True}
        ).create([{"number": "+358401230001"}])
        self.assertEqual(self.granted.sms_consent, "refused")
        self.assertEqual(self.granted.sms_consent_source, "opt_out")

    def test_refusal_lists_the_number_and_refuses_its_twins(self):
        """What the product promises, for whoever may write the partner: the
        number goes on the (database-wide) opt-out list, every partner with it
        is refused, in every company, tracked as done by that person."""
        twin = self.Partner.create(
            {"name": "Twin", "country_id": self.country_fi.id, "mobile": "0401230003"}
        )
        partner = self.Partner.create(
            {"name": "Mine", "country_id": self.country_fi.id, "mobile": "0401230003"}
        )
        self.flush_tracking()
        partner.with_user(self.user_contacts).action_sms_consent_refuse()
        self.flush_tracking()
        self.assertIn("+358401230003", self.listed_numbers())
        for other in twin | self.partner_b:
            self.assertEqual(other.sms_consent, "refused", other.name)
            self.assertEqual(other.sms_consent_source, "opt_out")
        tracking = twin.message_ids.tracking_value_ids.filtered(
            lambda v: v.field_id.name == "sms_consent"
        )
        self.assertEqual(
            tracking.mail_message_id.author_id, self.user_contacts.partner_id
        )

    def test_list_changes_are_for_its_editors(self):
        """Taking a number off the list, or adding one by hand, is for those
        who may edit the list: not for contact editors, SMS users, accountants,
        employees or portal users."""
        entry = self.Blacklist.sudo().search([("number", "=", "+358401230002")])
        for user in (
            self.user_contacts,
            self.user_sms,
            self.user_sms_accountant,
            self.user_employee,
            self.user_portal,
        ):
            Blacklist = self.Blacklist.with_user(user)
            for attempt in (
                lambda B=Blacklist: B.remove("+358401230002"),
                lambda B=Blacklist: B.add("+358401230008"),
                lambda B=Blacklist: B.create([{"number": "+358401230008"}]),
                lambda B=Blacklist: B.browse(entry.id).write({"active": False}),
                lambda B=Blacklist: B.browse(entry.id).unlink(),
                lambda B=Blacklist: B.browse(entry.id).action_add(),
                lambda B=Blacklist: B.search_read([], ["number"]),
            ):
                with self.assertRaises(AccessError, msg=user.login):
                    attempt()
        self.assertTrue(entry.active)
        self.assertNotIn("+358401230008", self.listed_numbers())

    def test_no_one_grants_a_listed_number(self):
        """Not even a manager with contact rights: the number leaves the list
        first, through its editors."""
        with self.assertRaisesMessage(UserError, "opt-out list"):
            self.listed.with_user(self.user_manager).action_sms_consent_grant()
        self.assertEqual(self.listed.sms_consent, "refused")

    def test_saving_a_refused_partner_again_does_not_relist_its_number(self):
        """A manager took the number off the list (the person wants SMS again,
        consent is to be granted). Saving the refusal again, or the same
        number, does not put it back; a reader cannot even try."""
        self.Blacklist.with_user(self.user_manager).remove("+358401230002")
        self.assertNotIn("+358401230002", self.listed_numbers())
        with self.assertRaises(AccessError):
            self.listed.with_user(self.user_employee).action_sms_consent_refuse()
        self.listed.with_user(self.user_contacts).action_sms_consent_refuse()
        self.listed.with_user(self.user_contacts).write({"mobile": "+358401230002"})
        self.assertNotIn("+358401230002", self.listed_numbers())
        # Nor does a new number of the refused partner go on the list: only a
        # refusal does. Its partners keep their consent, the refusal stays.
        twin = self.Partner.create(
            {
                "name": "Other person",
                "country_id": self.country_fi.id,
                "mobile": "0401230007",
                "sms_consent": "granted",
            }
        )
        self.listed.with_user(self.user_contacts).write({"mobile": "0401230007"})
        self.assertNotIn("+358401230007", self.listed_numbers())
        self.assertEqual(twin.sms_consent, "granted")
        self.assertEqual(self.listed.sms_consent, "refused")

    def test_portal_user_cannot_list_numbers_with_their_own(self):
        """A refused portal user who changes their number on the portal (a
        write with superuser rights) does not put the new number on the list,
        nor refuse its partners."""
        portal_partner = self.user_portal.partner_id
        portal_partner.write({"mobile": "0401230005", "country_id": self.country_fi.id})
        portal_partner.sms_consent = "refused"
        self.assertIn("+358401230005", self.listed_numbers())
        portal_partner.with_user(self.user_portal).sudo().write(
            {"mobile": "+358401230001"}
        )
        self.assertNotIn("+358401230001", self.listed_numbers())
        self.assertEqual(self.granted.sms_consent, "granted")

    def test_consent_changes_are_always_tracked(self):
        """The context keys that turn tracking off do not hide a consent change."""
        self.flush_tracking()
        self.granted.with_user(self.user_contacts).with_context(
            tracking_disable=True, mail_notrack=True
        ).write({"sms_consent": "refused"})
        self.flush_tracking()
        values = self.granted.message_ids.tracking_value_ids.filtered(
            lambda v: v.field_id.name == "sms_consent"
        )
        self.assertEqual(values.mapped("new_value_char"), ["Refused"])
        self.assertEqual(
            values.mail_message_id.author_id, self.user_contacts.partner_id
        )

    def test_moving_the_number_off_a_refused_partner_keeps_it_listed(self):
        """A contact editor cannot take a number off the list by changing or
        clearing the number of its refused partner."""
        self.listed.with_user(self.user_contacts).write({"mobile": False})
        self.assertIn("+358401230002", self.listed_numbers())
        self.assertEqual(self.listed.sms_consent, "refused")


@tagged("post_install", "-at_install", "sms_gateway_security")
class TestPartnerSmsFieldsSecurity(PartnerSecurityCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Group = cls.env["sms.gateway.group"]
        cls.private_group = Group.create(
            {"name": "Sanna's secret circle", "user_id": cls.user_sms.id}
        )
        cls.env["sms.gateway.group.member"].create(
            {"group_id": cls.private_group.id, "partner_id": cls.granted.id}
        )
        company = cls.env.company
        values = {
            "partner_id": cls.granted.id,
            "number": "+358401230001",
            "channel": "sms",
            "body": "Secret text",
            "chars": 11,
            "parts": 1,
            "state": "delivered",
            "company_id": company.id,
        }
        cls.env["sms.gateway.message"].create(
            [
                dict(values, user_id=cls.user_sms.id),
                dict(values, user_id=cls.user_sms_other.id),
                dict(values, user_id=cls.user_sms_other.id),
            ]
        )
        cls.env.flush_all()

    def test_message_count_is_the_readers_own(self):
        """In one transaction, the count of one reader is not shown to
        another: each sees the SMS they may read."""
        self.assertEqual(
            self.granted.with_user(self.user_manager).sms_gateway_message_count, 3
        )
        self.assertEqual(
            self.granted.with_user(self.user_sms).sms_gateway_message_count, 1
        )
        self.assertEqual(
            self.granted.with_user(self.user_sms_other).sms_gateway_message_count, 2
        )
        self.assertEqual(
            self.granted.with_user(self.user_sms_b).sms_gateway_message_count, 0
        )
        self.assertEqual(
            self.granted.with_user(self.user_sms_other).sms_gateway_usage_parts, 2
        )

    def test_group_membership_is_the_readers_own(self):
        partner = self.granted.with_user(self.user_sms_other)
        self.assertFalse(partner.sms_gateway_group_ids)
        self.assertEqual(partner.sms_gateway_group_count, 0)
        Partner = self.Partner.with_user(self.user_sms_other)
        for domain in (
            [("sms_gateway_group_ids", "=", self.private_group.id)],
            [("sms_gateway_group_ids", "in", self.private_group.ids)],
            [("sms_gateway_group_ids", "ilike", "secret circle")],
        ):
            self.assertFalse(Partner.search(domain), domain)
        # Partners in none of the groups Olli sees: Gunilla is one of them.
        self.assertIn(
            self.granted, Partner.search([("sms_gateway_group_ids", "=", False)])
        )
        action = partner.action_view_sms_gateway_groups()
        self.assertEqual(action["domain"], [("id", "in", [])])
        # Sanna, the owner, sees it.
        self.assertEqual(
            self.granted.with_user(self.user_sms).sms_gateway_group_ids,
            self.private_group,
        )

    def test_fields_with_groups_are_refused_to_others(self):
        """Read, search, group, sort and export of the SMS fields of partners
        are refused to who has no SMS group (a plain employee allowed to
        export, a portal user)."""
        self.user_employee.groups_id |= self.env.ref("base.group_allow_export")
        fields = (
            "sms_gateway_message_count",
            "sms_gateway_usage_parts",
            "sms_gateway_group_ids",
            "sms_gateway_group_count",
        )
        for user in (self.user_employee, self.user_portal):
            own = user.partner_id.with_user(user)
            Partner = self.Partner.with_user(user)
            for field in fields:
                with self.assertRaises(AccessError, msg=(user.login, field)):
                    own.read([field])
                self.assertNotIn(field, Partner.fields_get())
            for domain in (
                [("sms_gateway_group_ids", "!=", False)],
                [("sms_gateway_group_ids", "ilike", "secret")],
            ):
                with self.assertRaises(AccessError, msg=(user.login, domain)):
                    Partner.search(domain)
        own = self.user_employee.partner_id.with_user(self.user_employee)
        for field in fields:
            with self.assertRaises(AccessError, msg=field):
                own.export_data([field])
        # The accountant sees counts, not groups.
        Partner = self.Partner.with_user(self.user_accountant)
        self.assertEqual(
            Partner.browse(self.granted.id).read(["sms_gateway_message_count"])[0][
                "sms_gateway_message_count"
            ],
            3,
        )
        with self.assertRaises(AccessError):
            Partner.browse(self.granted.id).read(["sms_gateway_group_ids"])

    def test_smart_buttons_need_an_sms_group(self):
        """The smart buttons' methods answer only who may see what they open."""
        for user in (self.user_employee, self.user_portal):
            partner = self.granted.with_user(user)
            for method in (
                partner.action_view_sms_gateway_messages,
                partner.action_view_sms_gateway_usage,
                partner.action_view_sms_gateway_groups,
            ):
                with self.assertRaises(AccessError, msg=(user.login, method)):
                    method()
        # Nor on a partner of a company one has no access to.
        partner = self.partner_b.with_user(self.user_sms)
        for method in (
            partner.action_view_sms_gateway_messages,
            partner.action_view_sms_gateway_usage,
            partner.action_view_sms_gateway_groups,
        ):
            with self.assertRaises(AccessError, msg=method):
                method()
        # The accountant opens messages and usage (no groups).
        partner = self.granted.with_user(self.user_accountant)
        self.assertEqual(
            partner.action_view_sms_gateway_messages()["domain"],
            [("partner_id", "=", self.granted.id)],
        )
        partner.action_view_sms_gateway_usage()
        with self.assertRaises(AccessError):
            partner.action_view_sms_gateway_groups()


@tagged("post_install", "-at_install", "sms_gateway_security")
class TestPartnerSecurityRpc(PartnerSecurityCase, HttpCase):
    """The same over JSON-RPC, as the web client and scripts call it."""

    def _call(self, method, args, model="res.partner", **kwargs):
        return self.make_jsonrpc_request(
            f"/web/dataset/call_kw/{model}/{method}",
            {"model": model, "method": method, "args": args, "kwargs": kwargs},
        )

    @mute_logger("odoo.http")
    def test_consent_over_rpc(self):
        before = self.listed_numbers()
        for login in (
            "plain_employee",
            "sms_user",
            "sms_user_accountant",
            "portal_user",
        ):
            self.authenticate(login, login)
            for method in ("action_sms_consent_refuse", "action_sms_consent_grant"):
                with self.assertRaises(JsonRpcException, msg=(login, method)):
                    self._call(method, [[self.granted.id]])
            with self.assertRaises(JsonRpcException, msg=login):
                self._call("write", [[self.granted.id], {"sms_consent": "refused"}])
        # Anonymous visitors have no session to call with.
        self.authenticate(None, None)
        with self.assertRaises(JsonRpcException):
            self._call("action_sms_consent_refuse", [[self.granted.id]])
        self.assertEqual(self.granted.sms_consent, "granted")
        self.assertEqual(self.listed_numbers(), before)

    @mute_logger("odoo.http")
    def test_context_key_over_rpc(self):
        self.authenticate("contact_editor", "contact_editor")
        context = {NO_SYNC: True}
        with self.assertRaises(JsonRpcException):
            self._call(
                "write",
                [[self.listed.id], {"sms_consent": "granted"}],
                context=context,
            )
        self._call(
            "write", [[self.granted.id], {"sms_consent": "refused"}], context=context
        )
        self.assertIn("+358401230001", self.listed_numbers())
        # The list itself is not the contact editor's.
        for method, args in (
            ("remove", ["+358401230002"]),
            ("search_read", [[]]),
            ("create", [[{"number": "+358401230008"}]]),
        ):
            with self.assertRaises(JsonRpcException, msg=method):
                self._call(method, args, model="phone.blacklist")
        self.assertIn("+358401230002", self.listed_numbers())
        self.assertNotIn("+358401230008", self.listed_numbers())

    @mute_logger("odoo.http")
    def test_sms_fields_over_rpc(self):
        self.authenticate("plain_employee", "plain_employee")
        for fields in (["sms_gateway_message_count"], ["sms_gateway_group_ids"]):
            with self.assertRaises(JsonRpcException, msg=fields):
                self._call("read", [[self.granted.id], fields])
        with self.assertRaises(JsonRpcException):
            self._call(
                "web_search_read",
                [[("sms_gateway_group_ids", "!=", False)]],
                specification={"name": {}},
            )
        with self.assertRaises(JsonRpcException):
            self._call("action_view_sms_gateway_messages", [[self.granted.id]])
