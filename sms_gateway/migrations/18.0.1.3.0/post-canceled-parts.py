# Copyright 2026 sms_gateway authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Canceled messages count no parts and no cost.

Before 18.0.1.3.0 a message a user canceled, or one the 24-hour guard
skipped, kept the parts of its text, so the parts totals of the message list
counted SMS that never went. Such messages now have 0 parts and 0 cost, as
the excluded ones always had (their characters still tell the text's size).
"""

import logging

_logger = logging.getLogger(__name__)


def migrate(cr, version):
    if not version:
        return
    cr.execute(
        """
        UPDATE sms_gateway_message
           SET parts = 0, cost = 0
         WHERE state = 'canceled'
           AND (COALESCE(parts, 0) <> 0 OR COALESCE(cost, 0) <> 0)
        """
    )
    _logger.info("sms_gateway: %s canceled messages now count no parts", cr.rowcount)
