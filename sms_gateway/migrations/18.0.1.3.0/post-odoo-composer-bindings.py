# Copyright 2026 sms_gateway authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Odoo's own "Send SMS" actions are bound to partners again in the data.

Earlier versions unbound them at install, which the next update of ``sms``
undid (two "Send SMS" in the partners' Actions menu). They are now hidden
where the Actions menu is read, so their data goes back to what ``sms``
defines, and uninstalling this module shows them again.
"""

from odoo import SUPERUSER_ID, api

ODOO_COMPOSER_ACTIONS = (
    "sms.res_partner_act_window_sms_composer_multi",
    "sms.res_partner_act_window_sms_composer_single",
)


def migrate(cr, version):
    env = api.Environment(cr, SUPERUSER_ID, {})
    partner_model = env.ref("base.model_res_partner")
    for xmlid in ODOO_COMPOSER_ACTIONS:
        action = env.ref(xmlid, raise_if_not_found=False)
        if action and not action.binding_model_id:
            action.binding_model_id = partner_model
