# Copyright 2026 sms_gateway authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Attacks on SMS group members: a member never reaches past its partner's
rules or its group's rules (issue 9, item 5)."""

from odoo.exceptions import AccessError
from odoo.tests import HttpCase, JsonRpcException, tagged
from odoo.tools import mute_logger

from .common import SmsGatewaySecurityCase

MEMBER = "sms.gateway.group.member"
GROUP = "sms.gateway.group"


class SmsGatewayGroupSecurityCase(SmsGatewaySecurityCase):
    """A group of ``user_sms`` with a partner of the first company and a
    hidden partner of ``company_b`` (put there by an administrator, as when
    the owner once had access to the second company)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Partner = cls.env["res.partner"]
        cls.visible = Partner.create(
            {
                "name": "Visible Veera",
                "mobile": "+358401230001",
                "email": "veera@example.com",
                "sms_consent": "granted",
            }
        )
        cls.hidden = Partner.create(
            {
                "name": "Hidden Hannu",
                "mobile": "+46701230002",
                "email": "hannu.secret@example.com",
                "sms_consent": "granted",
                "company_id": cls.company_b.id,
            }
        )
        Group = cls.env[GROUP]
        cls.group = Group.create({"name": "Sanna's list", "user_id": cls.user_sms.id})
        cls.other_group = Group.create(
            {"name": "Olli's list", "user_id": cls.user_sms_other.id}
        )
        Member = cls.env[MEMBER]
        cls.member_visible = Member.create(
            {"group_id": cls.group.id, "partner_id": cls.visible.id, "note": "ok"}
        )
        cls.member_hidden = Member.create(
            {"group_id": cls.group.id, "partner_id": cls.hidden.id, "note": "secret"}
        )

    def _members_of(self, group):
        return self.env[MEMBER].sudo().search([("group_id", "=", group.id)])


@tagged("post_install", "-at_install", "sms_gateway_security")
class TestSmsGatewayGroupMemberSecurity(SmsGatewayGroupSecurityCase):
    def test_user_cannot_add_a_partner_they_cannot_read(self):
        self.assertFalse(
            self.env["res.partner"]
            .with_user(self.user_sms)
            .search([("id", "=", self.hidden.id)])
        )
        own = self.env[GROUP].with_user(self.user_sms).create({"name": "Mine"})
        Member = self.env[MEMBER].with_user(self.user_sms)
        with self.assertRaisesMessage(AccessError, "contacts you may read"):
            Member.create({"group_id": own.id, "partner_id": self.hidden.id})
        self.assertFalse(self._members_of(own))
        # through the group's contacts field too
        with self.assertRaises(AccessError):
            own.write({"partner_ids": [(4, self.hidden.id)]})
        self.assertFalse(self._members_of(own))
        # the visible partner is fine
        Member.create({"group_id": own.id, "partner_id": self.visible.id})
        self.assertEqual(self._members_of(own).partner_id, self.visible)

    def test_member_never_reveals_a_hidden_partner(self):
        Member = self.env[MEMBER].with_user(self.user_sms)
        found = Member.search([("group_id", "=", self.group.id)])
        self.assertEqual(found, self.member_visible)
        self.assertEqual(Member.search_count([("partner_id", "=", self.hidden.id)]), 0)
        self.assertEqual(Member.search_count([("email", "ilike", "hannu.secret")]), 0)
        rows = Member.search_read(
            [("group_id", "=", self.group.id)], ["email", "sms_number", "note"]
        )
        self.assertEqual([row["email"] for row in rows], ["veera@example.com"])
        self.assertNotIn("hannu", repr(Member.read_group([], ["note"], ["note"])))
        hidden = self.member_hidden.with_user(self.user_sms)
        for field in ("email", "sms_number", "sms_consent", "note", "display_name"):
            with self.subTest(field=field), self.assertRaises(AccessError):
                hidden.invalidate_recordset()
                hidden.read([field])
        with self.assertRaises(AccessError):
            hidden.invalidate_recordset()
            self.assertNotEqual(hidden.email, "hannu.secret@example.com")
        # the group's counts only count what the reader may see
        group = self.group.with_user(self.user_sms)
        self.assertEqual(group.membership_count, 1)

    def test_member_cannot_be_moved_to_another_group(self):
        member = self.member_visible.with_user(self.user_sms)
        with self.assertRaisesMessage(AccessError, "cannot be changed"):
            member.write({"group_id": self.other_group.id})
        with self.assertRaisesMessage(AccessError, "cannot be changed"):
            member.write({"partner_id": self.hidden.id})
        # even to another of one's own groups, and even as a manager
        own = self.env[GROUP].with_user(self.user_sms).create({"name": "Second"})
        with self.assertRaises(AccessError):
            member.write({"group_id": own.id})
        with self.assertRaises(AccessError):
            self.member_visible.with_user(self.user_manager).write(
                {"group_id": self.other_group.id}
            )
        self.assertEqual(self.member_visible.group_id, self.group)
        self.assertEqual(self.member_visible.partner_id, self.visible)
        # writing the same values, and the note, stays possible
        member.write({"group_id": self.group.id, "note": "changed"})
        self.assertEqual(self.member_visible.note, "changed")

    def test_no_member_in_a_group_one_may_not_edit(self):
        newcomer = self.env["res.partner"].create({"name": "Newcomer Niina"})
        for user in (self.user_sms_other, self.user_sms_b, self.user_sms_accountant):
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                self.env[MEMBER].with_user(user).create(
                    {"group_id": self.group.id, "partner_id": newcomer.id}
                )
        # shared read-only is not enough
        self.group.shared_user_ids = self.user_sms_other
        with self.assertRaises(AccessError):
            self.env[MEMBER].with_user(self.user_sms_other).create(
                {"group_id": self.group.id, "partner_id": self.user_sms.partner_id.id}
            )
        self.assertEqual(
            self._members_of(self.group), self.member_visible | self.member_hidden
        )

    def test_other_roles_have_no_member_access(self):
        for user in (self.user_accountant, self.user_employee, self.user_portal):
            Member = self.env[MEMBER].with_user(user)
            newcomer = self.env["res.partner"].create({"name": f"New {user.login}"})
            with self.subTest(user=user.login):
                with self.assertRaises(AccessError):
                    Member.search([])
                with self.assertRaises(AccessError):
                    self.member_visible.with_user(user).read(["email"])
                with self.assertRaises(AccessError):
                    Member.create(
                        {"group_id": self.group.id, "partner_id": newcomer.id}
                    )

    def test_other_company_user_sees_no_member(self):
        Member = self.env[MEMBER].with_user(self.user_sms_b)
        self.assertFalse(Member.search([("group_id", "=", self.group.id)]))
        with self.assertRaises(AccessError):
            self.member_visible.with_user(self.user_sms_b).read(["email"])
        with self.assertRaises(AccessError):
            self.member_visible.with_user(self.user_sms_b).unlink()

    def test_sql_insert_checks_the_same_rights(self):
        Member = self.env[MEMBER].with_user(self.user_sms)
        own = self.env[GROUP].with_user(self.user_sms).create({"name": "SQL"})
        with self.assertRaisesMessage(AccessError, "contacts you may read"):
            Member._insert_sql(own.id, values=[(self.hidden.id, "x")])
        self.assertFalse(self._members_of(own))
        # a query that names a hidden partner inserts only the visible ones
        Member._insert_sql(
            own.id,
            partner_query=self.env["res.partner"]
            .sudo()
            ._search([("id", "in", (self.hidden | self.visible).ids)])
            .subselect(),
        )
        self.assertEqual(self._members_of(own).partner_id, self.visible)
        # and never into a group one may not edit
        with self.assertRaises(AccessError):
            Member._insert_sql(self.other_group.id, values=[(self.visible.id, "")])
        self.assertFalse(self._members_of(self.other_group))

    def test_copy_takes_only_the_members_the_copier_may_read(self):
        self.group.shared_user_ids = self.user_sms_other
        group = self.group.with_user(self.user_sms_other)
        copy = group.copy()
        self.assertEqual(copy.user_id, self.user_sms_other)
        members = self._members_of(copy)
        self.assertEqual(members.partner_id, self.visible)
        self.assertEqual(members.note, "ok")
        # the owner's own copy keeps what the owner may read
        own_copy = self.group.with_user(self.user_sms).copy()
        self.assertEqual(self._members_of(own_copy).partner_id, self.visible)

    def test_group_helpers_stay_inside_the_walls(self):
        group = self.group.with_user(self.user_sms)
        self.assertEqual(group._add_partners([("id", "=", self.hidden.id)]), 0)
        # removing "everything" keeps the members the user cannot see
        group._remove_partners([])
        self.assertEqual(self._members_of(self.group), self.member_hidden)
        # the contacts field of the group never removes a hidden member
        group.write({"partner_ids": [(6, 0, self.visible.ids)]})
        self.assertEqual(
            self._members_of(self.group).partner_id, self.visible | self.hidden
        )


@tagged("post_install", "-at_install", "sms_gateway_security")
class TestSmsGatewayGroupMemberSecurityRpc(SmsGatewayGroupSecurityCase, HttpCase):
    """The same attacks over JSON-RPC, as a script would try them."""

    def _call(self, model, method, args, **kwargs):
        return self.make_jsonrpc_request(
            "/web/dataset/call_kw",
            {"model": model, "method": method, "args": args, "kwargs": kwargs},
        )

    @mute_logger("odoo.http")
    def test_user_over_rpc(self):
        self.authenticate("sms_user", "sms_user")
        own = self._call(GROUP, "create", [{"name": "By RPC"}])
        with self.assertRaises(JsonRpcException) as caught:
            self._call(
                MEMBER, "create", [{"group_id": own, "partner_id": self.hidden.id}]
            )
        self.assertIn("AccessError", str(caught.exception))
        rows = self._call(
            MEMBER,
            "search_read",
            [[("group_id", "=", self.group.id)]],
            fields=["email", "sms_number", "partner_id"],
        )
        self.assertEqual([row["id"] for row in rows], self.member_visible.ids)
        self.assertNotIn("hannu", repr(rows).lower())
        for method, args, kwargs in (
            ("read", [self.member_hidden.ids, ["email", "sms_number"]], {}),
            ("web_read", [self.member_hidden.ids], {"specification": {"email": {}}}),
            ("write", [self.member_visible.ids, {"group_id": self.other_group.id}], {}),
            ("write", [self.member_visible.ids, {"partner_id": self.hidden.id}], {}),
            ("_insert_sql", [own], {"values": [(self.hidden.id, "")]}),
        ):
            with (
                self.subTest(method=method, args=args),
                self.assertRaises(JsonRpcException) as caught,
            ):
                self._call(MEMBER, method, args, **kwargs)
            self.assertNotIn("hannu", str(caught.exception).lower())
        self.assertEqual(self.member_visible.group_id, self.group)
        self.assertEqual(self.member_visible.partner_id, self.visible)
        self.assertFalse(self._members_of(self.other_group))
        self.assertFalse(
            self._members_of(self.env[GROUP].browse(own)).filtered(
                lambda m: m.partner_id == self.hidden
            )
        )

    @mute_logger("odoo.http")
    def test_other_roles_over_rpc(self):
        newcomer = self.env["res.partner"].create({"name": "Newcomer Niina"})
        for login in ("sms_accountant", "plain_employee", "portal_user", "sms_user_b"):
            with self.subTest(login=login):
                self.authenticate(login, login)
                with self.assertRaises(JsonRpcException):
                    self._call(
                        MEMBER,
                        "create",
                        [{"group_id": self.group.id, "partner_id": newcomer.id}],
                    )
                try:
                    rows = self._call(MEMBER, "search_read", [[]], fields=["email"])
                except JsonRpcException as error:
                    self.assertIn("AccessError", str(error))
                else:
                    self.assertEqual(rows, [])
                with self.assertRaises(JsonRpcException):
                    self._call(MEMBER, "read", [self.member_visible.ids, ["email"]])
        self.assertEqual(
            self._members_of(self.group), self.member_visible | self.member_hidden
        )
