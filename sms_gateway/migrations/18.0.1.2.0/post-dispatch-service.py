# Copyright 2026 sms_gateway authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The dispatch and delivery polling crons run the dispatcher's models.

Sending moved from ``sms.gateway.message`` to ``sms.gateway.dispatcher`` and
delivery polling to ``sms.gateway.delivery``. The crons are ``noupdate``
data: an upgrade does not reload them, so this moves the existing ones to
the new models (what an administrator changed in their timing is kept).
"""

import logging

from odoo import SUPERUSER_ID, api

_logger = logging.getLogger(__name__)

# cron xml id -> (its new model, the method its code calls)
CRONS = {
    "sms_gateway.ir_cron_sms_gateway_dispatch": (
        "sms.gateway.dispatcher",
        "_cron_dispatch",
    ),
    "sms_gateway.ir_cron_sms_gateway_poll_delivery": (
        "sms.gateway.delivery",
        "_cron_poll_delivery",
    ),
}


def migrate(cr, version):
    if not version:
        return
    env = api.Environment(cr, SUPERUSER_ID, {})
    for xmlid, (model, method) in CRONS.items():
        cron = env.ref(xmlid, raise_if_not_found=False)
        if not cron or cron.model_id.model != "sms.gateway.message":
            continue
        values = {"model_id": env["ir.model"]._get_id(model)}
        if method not in (cron.code or ""):
            values["code"] = f"model.{method}()"
        cron.write(values)
        _logger.info("Cron %s now runs %s.%s", xmlid, model, method)
