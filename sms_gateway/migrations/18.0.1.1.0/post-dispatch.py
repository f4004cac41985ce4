# Copyright 2026 sms_gateway authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Messages claimed before the provider was stored at claim time.

Crash recovery now decides by the provider a message went through (stored
when it is claimed). Messages left ``sending`` by an older version (and sent
ones, for the usage report) that have none get their company's provider,
the one they were claimed with as far as anyone can know.
"""

import logging

_logger = logging.getLogger(__name__)


def migrate(cr, version):
    if not version:
        return
    cr.execute(
        """
        UPDATE sms_gateway_message m
           SET provider = c.sms_gateway_provider
          FROM res_company c
         WHERE c.id = m.company_id
           AND m.provider IS NULL
           AND m.channel = 'sms'
           AND m.state IN ('sending', 'sent', 'delivered', 'undelivered')
           AND c.sms_gateway_provider IS NOT NULL
           AND c.sms_gateway_provider != 'none'
        """
    )
    _logger.info("SMS messages given their provider: %s", cr.rowcount)
