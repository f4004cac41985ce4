# Copyright 2026 sms_gateway authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""An administrator gives SMS rights on the user form, without developer mode.

The user form shows a right as a choice when its category's groups are
ordered by implication: "SMS Gateway" (User < Manager) and "SMS Billing"
(Accountant). Without developer mode, rights of other kinds are not shown.
"""

from lxml import etree

from odoo.tests import HttpCase, new_test_user, tagged

USER = "sms_gateway.group_sms_gateway_user"
MANAGER = "sms_gateway.group_sms_gateway_manager"
ACCOUNTANT = "sms_gateway.group_sms_gateway_accountant"


@tagged("post_install", "-at_install")
class TestRightsOnTheUserForm(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.user = cls.env.ref(USER)
        cls.manager = cls.env.ref(MANAGER)
        cls.accountant = cls.env.ref(ACCOUNTANT)
        cls.level_field = f"sel_groups_{cls.user.id}_{cls.manager.id}"
        cls.billing_field = f"sel_groups_{cls.accountant.id}"
        cls.trainee = new_test_user(
            cls.env, login="tiina", name="Tiina Trainee", groups="base.group_user"
        )

    def rpc(self, model, method, *args, **kwargs):
        return self.make_jsonrpc_request(
            f"/web/dataset/call_kw/{model}/{method}",
            {"model": model, "method": method, "args": list(args), "kwargs": kwargs},
        )

    def user_form(self):
        """The user form of Settings > Users, as the administrator's browser
        gets it (no debug)."""
        self.authenticate("admin", "admin")
        form = self.env.ref("base.view_users_form")
        return self.rpc("res.users", "get_views", views=[[form.id, "form"]])

    def test_form_offers_the_levels_without_debug(self):
        result = self.user_form()
        arch = etree.fromstring(result["views"]["form"]["arch"])
        fields = result["models"]["res.users"]["fields"]
        for name, labels in (
            (self.level_field, ["", "User", "Manager"]),
            (self.billing_field, ["", "Accountant"]),
        ):
            nodes = [
                node
                for node in arch.xpath(f"//field[@name='{name}']")
                if node.get("invisible") not in ("1", "True")
            ]
            self.assertTrue(nodes, f"{name} is not shown on the user form")
            self.assertEqual(fields[name]["type"], "selection")
            self.assertEqual(
                [label for _value, label in fields[name]["selection"]], labels
            )
        self.assertEqual(fields[self.level_field]["string"], "SMS Gateway")
        self.assertEqual(fields[self.billing_field]["string"], "SMS Billing")
        # Both under one heading, "SMS Gateway".
        level = arch.xpath(f"//field[@name='{self.level_field}'][not(@invisible)]")[0]
        billing = arch.xpath(f"//field[@name='{self.billing_field}'][not(@invisible)]")[
            0
        ]
        self.assertEqual(level.getparent(), billing.getparent())
        self.assertEqual(level.getparent().get("string"), "SMS Gateway")
        # No check box of ours hides in developer mode any more.
        for group in (self.user, self.manager, self.accountant):
            self.assertFalse(arch.xpath(f"//field[@name='in_group_{group.id}']"))

    def test_the_form_choices_give_the_groups(self):
        self.authenticate("admin", "admin")
        cases = [
            (
                {self.level_field: self.user.id, self.billing_field: False},
                {USER},
                {MANAGER, ACCOUNTANT},
            ),
            (
                {self.level_field: self.manager.id},
                {USER, MANAGER, ACCOUNTANT},
                set(),
            ),
            (
                {self.level_field: False, self.billing_field: self.accountant.id},
                {ACCOUNTANT},
                {USER, MANAGER},
            ),
            (
                {
                    self.level_field: self.user.id,
                    self.billing_field: self.accountant.id,
                },
                {USER, ACCOUNTANT},
                {MANAGER},
            ),
            # A Manager is an Accountant, whatever the billing choice says.
            (
                {self.level_field: self.manager.id, self.billing_field: False},
                {USER, MANAGER, ACCOUNTANT},
                set(),
            ),
            (
                {self.level_field: False, self.billing_field: False},
                set(),
                {USER, MANAGER, ACCOUNTANT},
            ),
        ]
        for values, granted, refused in cases:
            with self.subTest(values=values):
                saved = self.rpc(
                    "res.users",
                    "web_save",
                    [self.trainee.id],
                    values,
                    specification={self.level_field: {}, self.billing_field: {}},
                )[0]
                self.trainee.invalidate_recordset()
                for xmlid in granted:
                    self.assertTrue(self.trainee.has_group(xmlid), xmlid)
                for xmlid in refused:
                    self.assertFalse(self.trainee.has_group(xmlid), xmlid)
                # The form shows back what the user has.
                level = (
                    MANAGER if MANAGER in granted else USER if USER in granted else None
                )
                self.assertEqual(
                    saved[self.level_field], bool(level) and self.env.ref(level).id
                )
                self.assertEqual(
                    saved[self.billing_field],
                    ACCOUNTANT in granted and self.accountant.id,
                )

    def test_new_user_created_with_a_level(self):
        self.authenticate("admin", "admin")
        created = self.rpc(
            "res.users",
            "web_save",
            [],
            {
                "name": "Nea New",
                "login": "nea",
                self.level_field: self.user.id,
                self.billing_field: self.accountant.id,
            },
            specification={},
        )[0]
        user = self.env["res.users"].browse(created["id"])
        self.assertTrue(user.has_group(USER))
        self.assertTrue(user.has_group(ACCOUNTANT))
        self.assertFalse(user.has_group(MANAGER))

    def test_admin_gives_rights_in_the_browser(self):
        self.start_tour("/odoo", "sms_gateway_rights_tour", login="admin")
        self.trainee.invalidate_recordset()
        self.assertTrue(self.trainee.has_group(USER))
        self.assertTrue(self.trainee.has_group(ACCOUNTANT))
        self.assertFalse(self.trainee.has_group(MANAGER))
