# Copyright 2026 sms_gateway authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
# Odoo loads the addon as ``odoo.addons.sms_gateway``: only then are its
# models, controllers and wizards imported. Imported as plain
# ``sms_gateway`` (from a checkout, with or without Odoo installed), the
# package gives the pure engine (``sms_gateway.tools``) alone.
if __name__.startswith("odoo.addons."):
    from . import controllers
    from . import dispatch
    from . import models
    from . import report
    from . import wizards


# Odoo's own SMS composer actions on partners, replaced by ours while installed.
ODOO_COMPOSER_ACTIONS = (
    "sms.res_partner_act_window_sms_composer_multi",
    "sms.res_partner_act_window_sms_composer_single",
)


def _set_odoo_composer_binding(env, bound):
    partner_model = env.ref("base.model_res_partner")
    for xmlid in ODOO_COMPOSER_ACTIONS:
        action = env.ref(xmlid, raise_if_not_found=False)
        if action:
            action.binding_model_id = partner_model if bound else False


def _create_sandbox_accounts(env):
    """A sandbox account for each company without an SMS account, so that the
    module can be tried at once (the sandbox sends nothing)."""
    companies = env["res.company"].search([("sms_gateway_account_ids", "=", False)])
    env["sms.gateway.account"].sudo().create(
        [
            {"name": env._("Sandbox"), "provider": "sandbox", "company_id": company.id}
            for company in companies
        ]
    )


def post_init_hook(env):
    _set_odoo_composer_binding(env, bound=False)
    _create_sandbox_accounts(env)


def uninstall_hook(env):
    _set_odoo_composer_binding(env, bound=True)
