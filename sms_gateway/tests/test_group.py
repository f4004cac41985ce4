# Copyright 2026 sms_gateway authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""SMS groups: privacy by record rules, members, counts and recipients."""

from psycopg2 import IntegrityError

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, HttpCase, JsonRpcException, new_test_user, tagged
from odoo.tools import SQL, Query, mute_logger

from .common import SmsGatewayCase

USER_GROUPS = "base.group_user,sms_gateway.group_sms_gateway_user"


class SmsGatewayGroupCase(SmsGatewayCase):
    """Two companies, an owner, a stranger, a colleague, managers; partners
    in each consent / number state. No tests here: shared by the group tests."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_a = cls.env.company
        cls.company_b = cls.env["res.company"].create(
            {"name": "SMS Company B", "country_id": cls.country_se.id}
        )
        company_a_only = {
            "company_id": cls.company_a.id,
            "company_ids": [(6, 0, cls.company_a.ids)],
        }
        cls.owner = new_test_user(
            cls.env,
            login="grp_owner",
            name="Olli Owner",
            groups=USER_GROUPS + ",base.group_partner_manager",
            **company_a_only,
        )
        cls.stranger = new_test_user(
            cls.env,
            login="grp_stranger",
            name="Sirpa Stranger",
            groups=USER_GROUPS,
            **company_a_only,
        )
        cls.colleague = new_test_user(
            cls.env,
            login="grp_colleague",
            name="Kalle Colleague",
            groups=USER_GROUPS,
            **company_a_only,
        )
        cls.manager_a = new_test_user(
            cls.env,
            login="grp_manager_a",
            name="Maija Manager",
            groups="base.group_user,sms_gateway.group_sms_gateway_manager",
            **company_a_only,
        )
        cls.user_b = new_test_user(
            cls.env,
            login="grp_user_b",
            name="Britta B",
            groups=USER_GROUPS,
            company_id=cls.company_b.id,
            company_ids=[(6, 0, cls.company_b.ids)],
        )
        cls.manager_b = new_test_user(
            cls.env,
            login="grp_manager_b",
            name="Bengt B",
            groups="base.group_user,sms_gateway.group_sms_gateway_manager",
            company_id=cls.company_b.id,
            company_ids=[(6, 0, cls.company_b.ids)],
        )
        Partner = cls.env["res.partner"]
        cls.p_granted = Partner.create(
            {"name": "Granted Gina", "mobile": "040 100 0001", "sms_consent": "granted"}
        )
        cls.p_granted2 = Partner.create(
            {
                "name": "Granted Gustav",
                "mobile": "040 100 0002",
                "sms_consent": "granted",
            }
        )
        cls.p_unknown = Partner.create(
            {"name": "Unknown Ulla", "mobile": "040 100 0003"}
        )
        cls.p_refused = Partner.create(
            {
                "name": "Refused Rauno",
                "mobile": "040 100 0004",
                "sms_consent": "refused",
            }
        )
        cls.p_landline = Partner.create(
            {
                "name": "Landline Leena",
                "mobile": "09 1234 5678",
                "sms_consent": "granted",
            }
        )
        cls.p_none = Partner.create({"name": "No Number Niko"})
        cls.p_listed = Partner.create(
            {"name": "Listed Lasse", "mobile": "040 100 0005", "sms_consent": "granted"}
        )
        cls.env["phone.blacklist"].sudo().add("+358401000005")
        cls.p_listed.invalidate_recordset()
        Group = cls.env["sms.gateway.group"]
        cls.group = (
            Group.with_user(cls.owner)
            .create(
                {
                    "name": "Owner's volunteers",
                    "partner_ids": [(6, 0, (cls.p_granted | cls.p_unknown).ids)],
                }
            )
            .with_env(cls.env)
        )
        cls.group_b = Group.with_user(cls.user_b).create({"name": "B customers"})
        cls.group_b = cls.group_b.with_env(cls.env)


@tagged("post_install", "-at_install", "sms_gateway_group")
class TestSmsGatewayGroupAccess(SmsGatewayGroupCase):
    def test_owner_sees_and_sends_to_own_group(self):
        group = self.group.with_user(self.owner)
        self.assertEqual(group.user_id, self.owner)
        self.assertEqual(
            self.env["sms.gateway.group"].with_user(self.owner).search([]), group
        )
        group._check_sms_send_access()
        query = group._sms_recipient_partners_query()
        self.assertIsInstance(query, Query)
        self.assertEqual(set(query), set((self.p_granted | self.p_unknown).ids))

    def test_stranger_cannot_reach_foreign_group_by_any_route(self):
        Group = self.env["sms.gateway.group"].with_user(self.stranger)
        gid = self.group.id
        self.assertFalse(Group.search([("id", "=", gid)]))
        self.assertFalse(Group.search([("name", "ilike", "volunteers")]))
        self.assertEqual(Group.search_count([]), 0)
        self.assertFalse(Group.name_search("volunteers"))
        self.assertFalse(Group.search_read([], ["name"]))
        self.assertFalse(Group.read_group([], ["user_id"], ["user_id"]))
        self.assertFalse(Group._read_group([], ["user_id"], ["__count"]))
        self.assertEqual(Group.web_search_read([], {"name": {}})["length"], 0)
        forged = Group.browse(gid)
        with self.assertRaises(AccessError):
            forged.read(["name"])
        with self.assertRaises(AccessError):
            forged.web_read({"name": {}, "member_count": {}})
        with self.assertRaises(AccessError):
            forged._check_sms_send_access()
        with self.assertRaises(AccessError):
            forged._sms_recipient_partners_query()
        with self.assertRaises(AccessError):
            forged.write({"name": "Mine now"})
        with self.assertRaises(AccessError):
            forged.unlink()
        # members, through their own model and through partners
        Member = self.env["sms.gateway.group.member"].with_user(self.stranger)
        self.assertFalse(Member.search([("group_id", "=", gid)]))
        with self.assertRaises(AccessError):
            Member.browse(self.group.member_ids[:1].id).read(["note"])
        with self.assertRaises(AccessError):
            Member.create({"group_id": gid, "partner_id": self.p_none.id})
        Partner = self.env["res.partner"].with_user(self.stranger)
        self.assertFalse(Partner.search([("sms_gateway_group_ids", "in", [gid])]))
        self.assertEqual(Partner.browse(self.p_granted.id).sms_gateway_group_count, 0)
        self.assertEqual(self.group.name, "Owner's volunteers")

    def test_forged_ids_in_wizards_fail(self):
        for group_id in (self.group.id, self.group.id + 10_000):
            forged = (
                self.env["sms.gateway.group"].with_user(self.stranger).browse(group_id)
            )
            with self.assertRaises(AccessError):
                forged._sms_recipient_partners_query()
            with self.assertRaises(AccessError):
                forged._add_partners([("id", "=", self.p_none.id)])
        # the add wizard with a forged group id: refused as soon as it is made
        with self.assertRaises(AccessError):
            self.env["sms.gateway.group.add"].with_user(self.stranger).create(
                {"group_id": self.group.id, "partner_ids": [(6, 0, self.p_none.ids)]}
            )
        self.assertNotIn(self.p_none, self.group.partner_ids)

    def test_shared_read_only(self):
        self.group.write({"shared_user_ids": [(4, self.colleague.id)]})
        group = self.group.with_user(self.colleague)
        self.assertEqual(group.name, "Owner's volunteers")
        self.assertEqual(group.member_count, 2)
        self.assertFalse(group.can_edit)
        self.assertEqual(
            set(group._sms_recipient_partners_query()), set(self.group.partner_ids.ids)
        )
        with self.assertRaises(AccessError):
            group.write({"name": "Renamed"})
        with self.assertRaises(AccessError):
            group._add_partners([("id", "=", self.p_none.id)])
        with self.assertRaises(AccessError):
            self.env["sms.gateway.group.member"].with_user(self.colleague).create(
                {"group_id": group.id, "partner_id": self.p_none.id}
            )

    def test_shared_editor_edits_members_not_sharing(self):
        self.group.write(
            {"shared_user_ids": [(4, self.colleague.id)], "shared_can_edit": True}
        )
        group = self.group.with_user(self.colleague)
        self.assertTrue(group.can_edit)
        self.assertFalse(group.is_owner)
        group.write({"name": "Renamed", "note": "Helsinki only"})
        self.assertEqual(group._add_partners([("id", "=", self.p_none.id)]), 1)
        self.assertIn(self.p_none, self.group.partner_ids)
        for vals in (
            {"user_id": self.colleague.id},
            {"shared_user_ids": [(4, self.stranger.id)]},
            {"shared_can_edit": False},
        ):
            with self.assertRaises(AccessError):
                group.write(vals)
        with self.assertRaises(AccessError):
            group.unlink()

    def test_user_cannot_create_a_group_for_someone_else(self):
        with self.assertRaises(AccessError):
            self.env["sms.gateway.group"].with_user(self.stranger).create(
                {"name": "Planted", "user_id": self.owner.id}
            )

    def test_managers_see_all_groups_of_their_companies(self):
        Group = self.env["sms.gateway.group"]
        self.assertIn(self.group, Group.with_user(self.manager_a).search([]))
        self.assertNotIn(self.group_b, Group.with_user(self.manager_a).search([]))
        self.group.with_user(self.manager_a).write(
            {"shared_user_ids": [(4, self.stranger.id)]}
        )
        self.group.with_user(self.manager_a)._check_sms_send_access()
        self.assertEqual(Group.with_user(self.manager_b).search([]), self.group_b)
        with self.assertRaises(AccessError):
            Group.with_user(self.manager_b).browse(self.group.id).read(["name"])

    def test_sharing_does_not_cross_companies(self):
        with self.assertRaises(UserError):
            self.group.write({"shared_user_ids": [(4, self.user_b.id)]})
        # even when the link exists (written behind the ORM's back), the
        # company rule keeps the group out of reach
        self.env.execute_query(
            SQL(
                "INSERT INTO sms_gateway_group_shared_user_rel (group_id, user_id)"
                " VALUES (%s, %s)",
                self.group.id,
                self.user_b.id,
            )
        )
        self.group.invalidate_recordset()
        self.assertIn(self.user_b, self.group.shared_user_ids)
        Group = self.env["sms.gateway.group"].with_user(self.user_b)
        self.assertFalse(Group.search([("id", "=", self.group.id)]))
        with self.assertRaises(AccessError):
            Group.browse(self.group.id)._check_sms_send_access()

    def test_accountant_has_no_access_to_groups(self):
        with self.assertRaises(AccessError):
            self.env["sms.gateway.group"].with_user(self.user_accountant).search([])


@tagged("post_install", "-at_install", "sms_gateway_group")
class TestSmsGatewayGroupMembers(SmsGatewayGroupCase):
    def test_counts_follow_partner_filters(self):
        group = (
            self.env["sms.gateway.group"]
            .with_user(self.owner)
            .create(
                {
                    "name": "Everyone",
                    "partner_ids": [
                        (
                            6,
                            0,
                            (
                                self.p_granted
                                | self.p_granted2
                                | self.p_unknown
                                | self.p_refused
                                | self.p_landline
                                | self.p_none
                                | self.p_listed
                            ).ids,
                        )
                    ],
                }
            )
        )
        self.assertEqual(group.member_count, 7)
        self.assertEqual(group.membership_count, 7)
        # the opt-out list refused Lasse's consent; the landline is granted
        self.assertEqual(group.consent_granted_count, 3)
        self.assertEqual(group.opted_out_count, 2)  # refused, listed
        self.assertEqual(group.no_mobile_count, 2)  # landline, none
        self.assertEqual(group.sendable_count, 2)
        Partner = self.env["res.partner"].with_user(self.owner)
        members = [("sms_gateway_group_ids", "in", [group.id])]
        self.assertEqual(
            group.sendable_count,
            Partner.search_count(
                [("sms_gateway_sendable_group_ids", "in", [group.id])]
            ),
        )
        self.assertEqual(
            group.opted_out_count,
            Partner.search_count(
                members
                + [
                    "|",
                    ("sms_consent", "=", "refused"),
                    ("sms_is_blacklisted", "=", True),
                ]
            ),
        )
        self.assertEqual(
            set(group._sms_recipient_partners_query(sendable_only=True)),
            set((self.p_granted | self.p_granted2).ids),
        )
        # archived contacts are no longer counted
        self.p_granted2.active = False
        group.invalidate_recordset()
        self.assertEqual(group.member_count, 6)
        self.assertEqual(group.sendable_count, 1)

    def test_dynamic_filter_members_at_send_time(self):
        group = (
            self.env["sms.gateway.group"]
            .with_user(self.owner)
            .create(
                {
                    "name": "Granted Gs",
                    "partner_ids": [(6, 0, self.p_none.ids)],
                    "is_dynamic": True,
                    "partner_domain": "[('name', '=like', 'Granted G%')]",
                }
            )
        )
        expected = self.p_none | self.p_granted | self.p_granted2
        self.assertEqual(set(group._sms_recipient_partners_query()), set(expected.ids))
        self.assertEqual(group.member_count, 3)
        self.assertEqual(group.sendable_count, 2)
        late = self.env["res.partner"].create(
            {
                "name": "Granted Greta",
                "mobile": "040 100 0009",
                "sms_consent": "granted",
            }
        )
        group.invalidate_recordset()
        self.assertEqual(group.member_count, 4)
        self.assertIn(late.id, set(group._sms_recipient_partners_query()))
        self.assertEqual(group.with_user(self.owner).partner_ids, self.p_none)
        # the partner smart button lists groups joined by the filter too
        self.assertIn(group, late.with_user(self.owner).sms_gateway_group_ids)
        self.assertEqual(
            set(
                self.env["res.partner"]
                .with_user(self.owner)
                .search([("sms_gateway_group_ids", "in", [group.id])])
                .ids
            ),
            set((expected | late).ids),
        )
        # two groups sent together: union without duplicates
        query = (
            (group | self.group).with_user(self.owner)._sms_recipient_partners_query()
        )
        self.assertEqual(len(list(query)), len(set(query)))
        self.assertIn(self.p_unknown.id, set(query))

    def test_invalid_filter_is_refused(self):
        with self.assertRaises(ValidationError):
            self.env["sms.gateway.group"].with_user(self.owner).create(
                {
                    "name": "Bad",
                    "is_dynamic": True,
                    "partner_domain": "[('nope', '=', 1)]",
                }
            )
        with self.assertRaises(ValidationError):
            self.env["sms.gateway.group"].with_user(self.owner).create(
                {"name": "Bad", "is_dynamic": True, "partner_domain": "[(import os)]"}
            )

    def test_add_wizard_with_ids_and_with_domain(self):
        Wizard = self.env["sms.gateway.group.add"].with_user(self.owner)
        ids = (self.p_granted | self.p_refused).ids
        wizard = Wizard.with_context(active_model="res.partner", active_ids=ids).create(
            {"group_id": self.group.id}
        )
        self.assertEqual(wizard.partner_count, 2)
        wizard.action_add()
        self.assertEqual(self.group.membership_count, 3)  # p_granted was a member
        # "Select all": the client sends the list's domain and only
        # web.active_ids_limit ids; the whole domain goes in.
        self.env["ir.config_parameter"].sudo().set_param("web.active_ids_limit", "2")
        domain = [("name", "in", ["Landline Leena", "No Number Niko", "Listed Lasse"])]
        first_ids = self.env["res.partner"].search(domain, limit=2).ids
        wizard = Wizard.with_context(
            active_model="res.partner", active_ids=first_ids, active_domain=domain
        ).create({"group_id": self.group.id})
        self.assertTrue(wizard.partner_domain)
        self.assertEqual(wizard.partner_count, 3)
        wizard.action_add()
        self.assertEqual(self.group.membership_count, 6)
        self.assertEqual(
            self.env["sms.gateway.group.member"].search_count(
                [
                    ("group_id", "=", self.group.id),
                    ("partner_id", "=", self.p_granted.id),
                ]
            ),
            1,
        )

    def test_add_wizard_creates_a_new_group(self):
        wizard = (
            self.env["sms.gateway.group.add"]
            .with_user(self.owner)
            .with_context(active_model="res.partner", active_ids=self.p_refused.ids)
            .create({"new_group_name": "Fresh"})
        )
        wizard.action_add()
        group = self.env["sms.gateway.group"].search([("name", "=", "Fresh")])
        self.assertEqual(group.user_id, self.owner)
        self.assertEqual(group.partner_ids, self.p_refused)
        with self.assertRaises(UserError):
            self.env["sms.gateway.group.add"].with_user(self.owner).create(
                {"partner_ids": [(6, 0, self.p_none.ids)]}
            ).action_add()

    def test_partner_search_in_no_group(self):
        Partner = self.env["res.partner"].with_user(self.owner)
        outside = Partner.search([("sms_gateway_group_ids", "=", False)])
        self.assertIn(self.p_none, outside)
        self.assertNotIn(self.p_granted, outside)
        inside = Partner.search([("sms_gateway_group_ids", "!=", False)])
        self.assertEqual(inside, self.p_granted | self.p_unknown)

    def test_partner_smart_button(self):
        partner = self.p_granted.with_user(self.owner)
        self.assertEqual(partner.sms_gateway_group_count, 1)
        action = partner.action_view_sms_gateway_groups()
        self.assertEqual(
            self.env["sms.gateway.group"]
            .with_user(self.owner)
            .search(action["domain"]),
            self.group,
        )
        self.assertEqual(
            self.env["res.partner"]
            .with_user(self.owner)
            .search_count([("sms_gateway_group_ids", "ilike", "volunteers")]),
            2,
        )
        self.assertNotIn(
            self.p_granted,
            self.env["res.partner"]
            .with_user(self.owner)
            .search([("sms_gateway_group_ids", "not in", [self.group.id])]),
        )

    def test_form_loads_a_page_of_members_not_all(self):
        extra = self.env["res.partner"].create(
            [{"name": f"Bulk {i}", "mobile": f"+35840200{i:04d}"} for i in range(150)]
        )
        self.group.with_user(self.owner)._add_partners([("id", "in", extra.ids)])
        group = self.group.with_user(self.owner)
        self.env.invalidate_all()
        spec = {
            "name": {},
            "member_count": {},
            "sendable_count": {},
            "membership_count": {},
            "member_preview_ids": {
                "fields": {"partner_id": {"fields": {"display_name": {}}}, "note": {}},
                "limit": 20,
            },
        }
        with self.assertQueryCount(__system__=20):
            values = group.web_read(spec)[0]
        self.assertEqual(values["member_count"], 152)
        self.assertEqual(values["membership_count"], 152)
        self.assertEqual(len(values["member_preview_ids"]), 80)
        action = group.action_view_memberships()
        self.assertEqual(action["domain"], [("group_id", "=", group.id)])

    def test_member_note_length_and_uniqueness(self):
        member = self.group.member_ids[:1]
        member.note = "x" * 255
        with self.assertRaises(ValidationError), self.cr.savepoint():
            member.note = "x" * 256
        self.assertEqual(len(member.note), 255)
        with (
            mute_logger("odoo.sql_db"),
            self.assertRaises(IntegrityError),
            self.cr.savepoint(),
        ):
            self.env["sms.gateway.group.member"].create(
                {"group_id": self.group.id, "partner_id": member.partner_id.id}
            )
            self.env.flush_all()

    def test_copy_keeps_members_and_notes(self):
        self.group.member_ids.filtered(
            lambda m: m.partner_id == self.p_granted
        ).note = "VIP"
        copy = self.group.with_user(self.owner).copy()
        self.assertEqual(copy.user_id, self.owner)
        self.assertEqual(copy.partner_ids, self.group.partner_ids)
        self.assertEqual(
            copy.member_ids.filtered(lambda m: m.partner_id == self.p_granted).note,
            "VIP",
        )

    def test_remove_partners_and_unlink_cascade(self):
        group = self.group.with_user(self.owner)
        self.assertEqual(group._remove_partners([("id", "=", self.p_unknown.id)]), 1)
        self.assertEqual(group.partner_ids, self.p_granted)
        member_ids = group.member_ids.ids
        group.unlink()
        self.assertFalse(
            self.env["sms.gateway.group.member"].browse(member_ids).exists()
        )

    def test_group_form(self):
        with Form(self.env["sms.gateway.group"].with_user(self.owner)) as form:
            form.name = "From the form"
            form.is_dynamic = True
            form.partner_domain = "[('sms_consent', '=', 'granted')]"
        group = form.record
        self.assertEqual(group.user_id, self.owner)
        self.assertEqual(group.company_id, self.company_a)
        self.assertEqual(
            group.member_count,
            self.env["res.partner"]
            .with_user(self.owner)
            .search_count([("sms_consent", "=", "granted")]),
        )
        self.assertTrue(
            self.env.execute_query(
                SQL("SELECT 1 FROM sms_gateway_group WHERE id = %s", group.id)
            )
        )


@tagged("post_install", "-at_install", "sms_gateway_group")
class TestSmsGatewayGroupRpc(SmsGatewayGroupCase, HttpCase):
    """The same privacy over JSON-RPC, as the web client and scripts call it."""

    def _call(self, model, method, args, **kwargs):
        return self.make_jsonrpc_request(
            "/web/dataset/call_kw",
            {"model": model, "method": method, "args": args, "kwargs": kwargs},
        )

    @mute_logger("odoo.http")
    def test_stranger_over_rpc(self):
        gid = self.group.id
        self.authenticate("grp_stranger", "grp_stranger")
        model = "sms.gateway.group"
        self.assertEqual(self._call(model, "search_count", [[]]), 0)
        self.assertEqual(self._call(model, "search_read", [[("id", "=", gid)]]), [])
        self.assertEqual(
            self._call(model, "web_search_read", [[]], specification={"name": {}})[
                "length"
            ],
            0,
        )
        for method, args, kwargs in (
            ("web_read", [[gid]], {"specification": {"name": {}}}),
            ("read", [[gid], ["name", "member_count"]], {}),
            ("action_view_members", [[gid]], {}),
            ("write", [[gid], {"name": "Taken"}], {}),
        ):
            with (
                self.subTest(method=method),
                self.assertRaises(JsonRpcException) as caught,
            ):
                self._call(model, method, args, **kwargs)
            self.assertIn("AccessError", str(caught.exception))
        # private methods (the recipients query) are not callable over RPC
        with self.assertRaises(JsonRpcException):
            self._call(model, "_sms_recipient_partners_query", [[gid]])
        # the add wizard with a forged group id: refused as soon as it is made
        with self.assertRaises(JsonRpcException) as caught:
            self._call(
                "sms.gateway.group.add",
                "create",
                [{"group_id": gid, "partner_ids": [(6, 0, self.p_none.ids)]}],
            )
        self.assertIn("AccessError", str(caught.exception))
        self.assertEqual(self.group.name, "Owner's volunteers")
        self.assertNotIn(self.p_none, self.group.partner_ids)

    def test_owner_over_rpc(self):
        self.authenticate("grp_owner", "grp_owner")
        values = self._call(
            "sms.gateway.group",
            "web_read",
            [[self.group.id]],
            specification={"name": {}, "member_count": {}},
        )
        self.assertEqual(values[0]["member_count"], 2)
