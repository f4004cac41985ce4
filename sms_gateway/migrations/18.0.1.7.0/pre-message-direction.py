# Copyright 2026 sms_gateway authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""18.0.1.7.0: messages have a direction (replies come back as messages
"in"). Every message before is one that went out: the column comes with that
default, which PostgreSQL records once instead of rewriting each row (the
ORM would fill a new required column with one UPDATE of the whole table)."""


def migrate(cr, version):
    if not version:
        return
    cr.execute(
        """
        ALTER TABLE sms_gateway_message
            ADD COLUMN IF NOT EXISTS direction varchar DEFAULT 'out' NOT NULL
        """
    )
