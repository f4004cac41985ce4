# Copyright 2026 sms_gateway authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The company's provider, credentials and sender become SMS accounts.

Before 18.0.1.2.0 each company had one provider, chosen in Settings, with the
credentials of every provider in columns of ``res_company``. Each company now
gets one account for its provider (active, with the sender, timeout, price,
delivery report secret and the record of where the credentials were entered,
so a database that was locked stays locked), plus an archived account for
every other provider whose credentials it kept, so that none is lost, and for
every other provider its messages went through. A company whose sending was
disabled gets its accounts archived, and so does an account the upgrade's
data files made (the demo sandbox) when the company used another provider.
Messages are linked to the account of the provider they went through. The
company's tracked changes of the old fields stay in its chatter. Then the old
columns go.
"""

import logging

from odoo import SUPERUSER_ID, api
from odoo.tools import SQL
from odoo.tools.sql import column_exists

_logger = logging.getLogger(__name__)

# provider code -> {old company column: account field}
CREDENTIALS = {
    "smsapi": {
        "sms_gateway_smsapi_token": "smsapi_token",
        "sms_gateway_smsapi_base_url": "smsapi_base_url",
    },
    "twilio": {
        "sms_gateway_twilio_account_sid": "twilio_account_sid",
        "sms_gateway_twilio_auth_token": "twilio_auth_token",
        "sms_gateway_twilio_base_url": "twilio_base_url",
    },
    "quriiri": {
        "sms_gateway_quriiri_api_key": "quriiri_api_key",
        "sms_gateway_quriiri_base_url": "quriiri_base_url",
    },
}
# The columns that say whether a provider's credentials were entered.
REQUIRED = {
    "smsapi": ("sms_gateway_smsapi_token",),
    "twilio": ("sms_gateway_twilio_account_sid", "sms_gateway_twilio_auth_token"),
    "quriiri": ("sms_gateway_quriiri_api_key",),
}
LABELS = {
    "sandbox": "Sandbox",
    "smsapi": "SMSAPI",
    "twilio": "Twilio",
    "quriiri": "Quriiri",
}
COMPANY_COLUMNS = (
    "sms_gateway_provider",
    "sms_gateway_sender",
    "sms_gateway_timeout",
    "sms_gateway_price_per_part",
    "sms_gateway_callback_secret",
    "sms_gateway_location",
    "sms_gateway_lock_notified",
    *(column for columns in CREDENTIALS.values() for column in columns),
)
SETTINGS_COLUMNS = (
    "sms_gateway_provider",
    "sms_gateway_sender",
    "sms_gateway_timeout",
    "sms_gateway_price_per_part",
    "sms_gateway_test_number",
)


def _companies(cr):
    columns = [c for c in COMPANY_COLUMNS if column_exists(cr, "res_company", c)]
    if "sms_gateway_provider" not in columns:
        return []
    cr.execute(
        SQL(
            "SELECT id, name, %s FROM res_company ORDER BY id",
            SQL(", ").join(SQL.identifier(c) for c in columns),
        )
    )
    names = ["id", "name", *columns]
    return [dict(zip(names, row, strict=True)) for row in cr.fetchall()]


def _account_values(company, code, active):
    values = {
        "name": f"{LABELS[code]} ({company['name']})",
        "provider": code,
        "company_id": company["id"],
        "active": active,
        "sequence": 10 if active else 20,
    }
    if company.get("sms_gateway_timeout"):
        values["timeout"] = company["sms_gateway_timeout"]
    for column, fname in CREDENTIALS.get(code, {}).items():
        if company.get(column):
            values[fname] = company[column]
    if active:
        values["sender"] = company.get("sms_gateway_sender") or False
        values["price_per_part"] = company.get("sms_gateway_price_per_part") or 0.0
        if company.get("sms_gateway_callback_secret"):
            values["callback_secret"] = company["sms_gateway_callback_secret"]
    return values


def _message_providers(cr, company_id):
    """Providers the company's messages went through (any it used before)."""
    cr.execute(
        "SELECT DISTINCT provider FROM sms_gateway_message "
        "WHERE company_id = %s AND provider IS NOT NULL ORDER BY provider",
        [company_id],
    )
    return [row[0] for row in cr.fetchall() if row[0] in LABELS]


def _keep_company_tracking(cr):
    """The chatter of a company keeps its changes of the removed fields.

    Odoo deletes the ``ir.model.fields`` rows of removed fields at the end of
    the upgrade, and mail then asks the (gone) field for its tracking sequence,
    which fails. Store what the tracking values need, as mail would, and mark
    the rows untracked so that nothing asks the field again.
    """
    names = tuple(COMPANY_COLUMNS)
    cr.execute(
        SQL(
            """
            UPDATE mail_tracking_value v
               SET field_info = jsonb_build_object(
                       'desc', COALESCE(f.field_description->>'en_US', f.name),
                       'name', f.name,
                       'sequence', COALESCE(f.tracking, 100),
                       'type', f.ttype)
              FROM ir_model_fields f
             WHERE v.field_id = f.id
               AND f.model = 'res.company'
               AND f.name IN %s
               AND v.field_info IS NULL
            """,
            names,
        )
    )
    cr.execute(
        SQL(
            "UPDATE ir_model_fields SET tracking = NULL "
            "WHERE model = 'res.company' AND name IN %s",
            names,
        )
    )


def migrate(cr, version):
    env = api.Environment(cr, SUPERUSER_ID, {"tracking_disable": True})
    Account = env["sms.gateway.account"].with_context(active_test=False)
    # Accounts the data files of this upgrade made already (the demo sandbox,
    # with demo data) take the values of their provider; the others of their
    # company are archived: its previous choice wins.
    loaded = Account.search([])
    for company in _companies(cr):
        current = company["sms_gateway_provider"] or "none"
        preloaded = loaded.filtered(lambda a, c=company: a.company_id.id == c["id"])
        codes = [
            code
            for code, columns in REQUIRED.items()
            if all(company.get(column) for column in columns)
        ]
        if current == "sandbox":
            codes.insert(0, "sandbox")
        elif current in codes:
            codes.remove(current)
            codes.insert(0, current)
        # An archived account for a provider the company sent through before
        # (the sandbox it tried, a provider whose credentials are gone), so
        # that each message is linked to the account it went through.
        codes += [c for c in _message_providers(cr, company["id"]) if c not in codes]
        for code in codes:
            active = code == current
            values = _account_values(company, code, active)
            # Where the credentials were entered is kept as it was: a
            # database that was locked after a move stays locked.
            values["location"] = company.get("sms_gateway_location") or False
            same = preloaded.filtered(lambda a, c=code: a.provider == c)[:1]
            if same:
                account = same
                account.write(values)
                preloaded -= account
            else:
                account = Account.create(values)
            cr.execute(
                SQL(
                    """
                    UPDATE sms_gateway_message SET account_id = %s
                     WHERE company_id = %s AND provider = %s AND account_id IS NULL
                    """,
                    account.id,
                    company["id"],
                    code,
                )
            )
            _logger.info(
                "SMS account %s made for company %s (%s, %s): %s messages linked",
                account.id,
                company["id"],
                code,
                "active" if active else "archived",
                cr.rowcount,
            )
        if preloaded.filtered("active"):
            preloaded.write({"active": False})
            _logger.info(
                "SMS accounts %s of company %s archived: it used %s",
                preloaded.ids,
                company["id"],
                current,
            )
    # The alerts were activities on the companies; they are on the accounts now.
    cr.execute(
        """
        DELETE FROM mail_activity
         WHERE res_model = 'res.company'
           AND (summary LIKE 'SMS provider%%'
                OR summary = 'SMS sending is not configured'
                OR summary = 'Re-enter the SMS provider credentials')
        """
    )
    _keep_company_tracking(cr)
    for table, columns in (
        ("res_company", COMPANY_COLUMNS),
        ("res_config_settings", SETTINGS_COLUMNS),
    ):
        for column in columns:
            cr.execute(
                SQL(
                    "ALTER TABLE %s DROP COLUMN IF EXISTS %s",
                    SQL.identifier(table),
                    SQL.identifier(column),
                )
            )
    cr.execute(
        "ALTER TABLE res_company "
        "DROP CONSTRAINT IF EXISTS res_company_sms_gateway_callback_secret_unique"
    )
