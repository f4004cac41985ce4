# Copyright 2026 sms_gateway authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Dynamic filters are read as literal domains from 18.0.1.1.0 on.

Earlier versions evaluated a group's filter as Python. A filter the new
reader refuses (code, names other than the placeholders, credential fields,
too large) is never evaluated here: the group stops being dynamic, its filter
is kept as it was for its owner to rewrite, and its note says why.
"""

import logging

from odoo import SUPERUSER_ID, api
from odoo.exceptions import UserError

_logger = logging.getLogger(__name__)

NOTE = (
    "The dynamic filter was turned off by the upgrade to sms_gateway "
    "18.0.1.1.0: %s. Filters are now read as plain domains (fields, operators "
    "and values; uid, company_id, company_ids and context_today() as values). "
    "The filter is kept as it was: rewrite it with the filter editor, then "
    "turn the dynamic filter on again."
)


def migrate(cr, version):
    if not version:
        return
    env = api.Environment(cr, SUPERUSER_ID, {})
    Group = env["sms.gateway.group"]
    cr.execute(
        "SELECT id, partner_domain FROM sms_gateway_group WHERE is_dynamic ORDER BY id"
    )
    for group_id, text in cr.fetchall():
        try:
            # parsed and its fields checked: nothing of it is run
            Group._sms_user_domain(text)
        except UserError as error:
            reason = str(error.args[0]).rstrip(".")
            _logger.warning(
                "SMS group %s: dynamic filter turned off: %s", group_id, reason
            )
            cr.execute(
                """
                UPDATE sms_gateway_group
                   SET is_dynamic = FALSE,
                       note = concat_ws(E'\\n\\n', NULLIF(note, ''), %s)
                 WHERE id = %s
                """,
                [NOTE % reason, group_id],
            )
    Group.invalidate_model(["is_dynamic", "note"])
