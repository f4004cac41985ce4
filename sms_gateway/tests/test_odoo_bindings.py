# Copyright 2026 sms_gateway authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""One "Send SMS" in the partners' Actions menu, ours, even after ``-u sms``.

An update of ``sms`` reloads its data, which binds Odoo's own (IAP) composer
to partners again; sms_gateway hides it where bindings are read, so the
update changes nothing the user sees, and Odoo's data stays as ``sms``
defines it (uninstalling sms_gateway shows Odoo's actions again).
"""

from lxml import etree

from odoo.tests import tagged
from odoo.tools import convert_file

from odoo.addons.base.models.ir_actions import IrActions
from odoo.addons.sms_gateway.models.ir_actions import ODOO_COMPOSER_ACTIONS

from .common import SmsGatewaySecurityCase

OURS = "sms_gateway.sms_gateway_send_wizard_action_partner_list"


@tagged("post_install", "-at_install")
class TestOdooComposerStaysHidden(SmsGatewaySecurityCase):
    def send_sms_entries(self, user):
        """The "Send SMS" entries of the partners' Actions menu of ``user``."""
        bindings = (
            self.env["ir.actions.actions"].with_user(user).get_bindings("res.partner")
        )
        return [
            action["id"]
            for action in bindings.get("action", ())
            if action["name"] == "Send SMS"
        ]

    def update_sms(self):
        """Reload the ``sms`` module's partner actions, as ``-u sms`` does."""
        convert_file(
            self.env,
            "sms",
            "views/res_partner_views.xml",
            {},
            mode="update",
            noupdate=False,
        )
        self.env.flush_all()

    def test_one_send_sms_after_an_update_of_sms(self):
        ours = self.env.ref(OURS).id
        for user in (self.user_sms, self.user_manager, self.admin):
            self.assertEqual(self.send_sms_entries(user), [ours], user.login)
        self.update_sms()
        for xmlid in ODOO_COMPOSER_ACTIONS:
            # The update did bind Odoo's composer: the data is sms's own.
            self.assertEqual(self.env.ref(xmlid).binding_model_id.model, "res.partner")
        for user in (self.user_sms, self.user_manager, self.admin):
            self.assertEqual(self.send_sms_entries(user), [ours], user.login)
        # The phone fields' SMS button of Odoo's composer stays off too.
        form = (
            self.env["res.partner"]
            .with_user(self.user_sms)
            .get_views([(self.env.ref("base.view_partner_form").id, "form")])["views"][
                "form"
            ]["arch"]
        )
        for name in ("phone", "mobile"):
            node = etree.fromstring(form).xpath(f"//field[@name='{name}']")[0]
            self.assertIn("'enable_sms': false", node.get("options"), name)

    def test_only_odoo_composer_is_hidden(self):
        Actions = self.env["ir.actions.actions"].with_user(self.user_sms)
        partner_actions = Actions.get_bindings("res.partner")["action"]
        self.assertIn(
            self.env.ref("sms_gateway.sms_gateway_send_wizard_action_partner_list").id,
            [action["id"] for action in partner_actions],
        )
        self.assertIn(
            self.env.ref("sms_gateway.sms_gateway_group_add_action").id,
            [action["id"] for action in partner_actions],
        )
        group_actions = Actions.get_bindings("sms.gateway.group")["action"]
        self.assertIn(
            self.env.ref("sms_gateway.sms_gateway_send_wizard_action_group").id,
            [action["id"] for action in group_actions],
        )

    def test_odoo_composer_is_back_without_this_module(self):
        """Without this module's override (as after uninstalling it), the
        bindings read from the data show Odoo's composer."""
        self.update_sms()
        Actions = self.env["ir.actions.actions"]
        odoo_ids = {self.env.ref(xmlid).id for xmlid in ODOO_COMPOSER_ACTIONS}
        without = IrActions._get_bindings(Actions, "res.partner")
        self.assertLessEqual(odoo_ids, {action["id"] for action in without["action"]})
