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
    from .models.ir_actions import ODOO_COMPOSER_ACTIONS


def _bind_odoo_composer(env):
    """Odoo's composer actions bound to partners again, as ``sms`` defines them.

    Versions before 18.0.1.3.0 unbound them in the data; they are now hidden
    where bindings are read (``models/ir_actions.py``).
    """
    partner_model = env.ref("base.model_res_partner")
    for xmlid in ODOO_COMPOSER_ACTIONS:
        action = env.ref(xmlid, raise_if_not_found=False)
        if action and not action.binding_model_id:
            action.binding_model_id = partner_model


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
    _create_sandbox_accounts(env)


def uninstall_hook(env):
    _bind_odoo_composer(env)
