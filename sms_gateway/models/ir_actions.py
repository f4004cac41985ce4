# Copyright 2026 sms_gateway authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""One "Send SMS" in the partners' Actions menu: ours.

Odoo's own (IAP) SMS composer is bound to partners by the ``sms`` module's
data. Unbinding it in the data does not last: every update of ``sms`` writes
the binding back. It is hidden where bindings are read instead, which no
module update rewrites, and it is back as soon as this module is uninstalled
(this class goes with it).
"""

from odoo import api, models
from odoo.tools import frozendict

# Odoo's composer actions on partners, replaced by ours while installed.
ODOO_COMPOSER_ACTIONS = (
    "sms.res_partner_act_window_sms_composer_multi",
    "sms.res_partner_act_window_sms_composer_single",
)


class IrActionsActions(models.Model):
    _inherit = "ir.actions.actions"

    @api.model
    def _get_bindings(self, model_name):
        bindings = super()._get_bindings(model_name)
        if model_name != "res.partner":
            return bindings
        IrModelData = self.env["ir.model.data"]
        hidden = {
            IrModelData._xmlid_to_res_id(xmlid, raise_if_not_found=False)
            for xmlid in ODOO_COMPOSER_ACTIONS
        }
        kept = {
            binding_type: tuple(
                action for action in actions if action["id"] not in hidden
            )
            for binding_type, actions in bindings.items()
        }
        return frozendict({kind: actions for kind, actions in kept.items() if actions})
