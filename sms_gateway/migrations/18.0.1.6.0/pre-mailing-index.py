# Copyright 2026 sms_gateway authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""18.0.1.6.0: a mailing's messages are found through one index on
(mailing_id, state), made by the model's ``init``; the two it replaces
(mailing_id alone, and mailing_id of the messages still to send) go."""


def migrate(cr, version):
    if not version:
        return
    cr.execute(
        """
        DROP INDEX IF EXISTS sms_gateway_message__mailing_id_index;
        DROP INDEX IF EXISTS sms_gateway_message_open_mailing_idx
        """
    )
