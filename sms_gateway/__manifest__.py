# Copyright 2026 sms_gateway authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
{
    "name": "SMS Gateway",
    "summary": "Send SMS through your own provider: consent, exact parts and cost, "
    "groups, scheduled and bulk sending, delivery and usage reports",
    "version": "18.0.1.6.0",
    "category": "Marketing/SMS",
    "license": "LGPL-3",
    "author": "sms_gateway authors",
    "website": "https://github.com/sms-gateway/sms_gateway",
    "maintainers": ["sms-gateway"],
    "development_status": "Alpha",
    "depends": ["base_setup", "mail", "phone_validation", "sms"],
    "external_dependencies": {
        "python": [
            "python-dateutil",
            "openpyxl",
            "phonenumbers",
            "requests",
            "unidecode",
            "xlsxwriter",
        ],
    },
    "data": [
        "security/sms_gateway_security.xml",
        "security/sms_gateway_group_security.xml",
        "security/sms_gateway_mailing_security.xml",
        "security/sms_gateway_usage_security.xml",
        "security/sms_gateway_wizard_security.xml",
        "security/sms_gateway_account_security.xml",
        "security/ir.model.access.csv",
        "data/ir_cron_data.xml",
        "views/res_partner_views.xml",
        "views/sms_gateway_account_views.xml",
        "views/res_config_settings_views.xml",
        "views/sms_gateway_group_views.xml",
        "views/res_partner_group_views.xml",
        "wizards/sms_gateway_group_add_views.xml",
        "wizards/sms_gateway_group_import_views.xml",
        "views/sms_gateway_message_views.xml",
        "views/sms_gateway_mailing_views.xml",
        "wizards/sms_gateway_send_wizard_views.xml",
        "wizards/sms_composer_views.xml",
        "report/sms_gateway_usage_report_views.xml",
        "wizards/sms_gateway_usage_export_views.xml",
        "views/res_partner_usage_views.xml",
        "views/sms_gateway_menus.xml",
    ],
    "demo": [
        "demo/sms_gateway_demo.xml",
    ],
    "assets": {
        "web.assets_backend": [
            "sms_gateway/static/src/**/*",
        ],
        "web.assets_tests": [
            "sms_gateway/static/tests/tours/**/*",
        ],
    },
    "post_init_hook": "post_init_hook",
    "uninstall_hook": "uninstall_hook",
    "application": True,
}
