# Copyright 2026 sms_gateway authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Odoo's own SMS stay with Odoo IAP in a database that had the module.

18.0.1.5.0 can send the SMS of Odoo's apps through the company's SMS
accounts (``res.company.sms_gateway_odoo_sms``), which a new company does as
soon as it has a real provider's active account. The companies of a database
upgraded to it keep what they had, Odoo IAP, until an administrator switches
in Settings > SMS.
"""

import logging

_logger = logging.getLogger(__name__)


def migrate(cr, version):
    if not version:
        return
    cr.execute(
        "ALTER TABLE res_company ADD COLUMN IF NOT EXISTS sms_gateway_odoo_sms varchar"
    )
    cr.execute(
        "UPDATE res_company SET sms_gateway_odoo_sms = 'iap' "
        "WHERE sms_gateway_odoo_sms IS NULL"
    )
    _logger.info(
        "sms_gateway: Odoo's own SMS of %s companies stay with Odoo IAP", cr.rowcount
    )
