# Copyright 2026 sms_gateway authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Every company gets its own delivery report secret.

Before 18.0.1.1.0 the companies that existed when the module was installed
shared one secret (Odoo fills a new column with a single default value), and
a neutralized database had none. Each company without a secret, or sharing
its secret with another company, gets a fresh one; the unique constraint is
then added at the end of the upgrade. Reports of messages sent before, to a
replaced address, are refused (their companies' secrets were known to the
other companies' providers).
"""

import logging
import secrets

_logger = logging.getLogger(__name__)


def migrate(cr, version):
    cr.execute(
        """
        SELECT id
          FROM res_company
         WHERE sms_gateway_callback_secret IS NULL
            OR sms_gateway_callback_secret IN (
                   SELECT sms_gateway_callback_secret
                     FROM res_company
                    WHERE sms_gateway_callback_secret IS NOT NULL
                 GROUP BY sms_gateway_callback_secret
                   HAVING COUNT(*) > 1
               )
        """
    )
    company_ids = [row[0] for row in cr.fetchall()]
    for company_id in company_ids:
        cr.execute(
            "UPDATE res_company SET sms_gateway_callback_secret = %s WHERE id = %s",
            (secrets.token_urlsafe(32), company_id),
        )
    if company_ids:
        _logger.info(
            "New delivery report secrets for companies %s (missing or shared)",
            company_ids,
        )
