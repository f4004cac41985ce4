# Copyright 2026 sms_gateway authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Settings rows no longer keep provider credentials.

Before 18.0.1.1.0 the credentials and provider addresses of Settings > SMS
were stored columns of ``res_config_settings``, so every save left them in a
transient row (and in any copy of the database). They are computed from the
company now; Odoo leaves the old columns in place, so drop them.
"""

from odoo.tools import SQL

OLD_COLUMNS = (
    "sms_gateway_smsapi_token",
    "sms_gateway_smsapi_base_url",
    "sms_gateway_twilio_account_sid",
    "sms_gateway_twilio_auth_token",
    "sms_gateway_twilio_base_url",
    "sms_gateway_quriiri_api_key",
    "sms_gateway_quriiri_base_url",
)


def migrate(cr, version):
    for column in OLD_COLUMNS:
        cr.execute(
            SQL(
                "ALTER TABLE res_config_settings DROP COLUMN IF EXISTS %s",
                SQL.identifier(column),
            )
        )
