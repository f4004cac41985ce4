# Copyright 2026 sms_gateway authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
# Odoo's test loader imports ``odoo.addons.sms_gateway.tests``; imported
# as plain ``sms_gateway.tests`` (the provider doubles), nothing of Odoo is.
if __name__.startswith("odoo.addons."):
    from . import test_partner_consent
    from . import test_provider_settings
    from . import test_server_move_lock
    from . import test_delivery_callbacks
    from . import test_group
    from . import test_group_import
    from . import test_send_wizard
    from . import test_mailing_prepare
    from . import test_dispatch
    from . import test_dispatch_reliability
    from . import test_send_tour
    from . import test_usage_report
    from . import test_usage_export
    from . import test_security_domain
    from . import test_security_placeholder
    from . import test_security_partner
    from . import test_security_usage
    from . import test_security_messages
    from . import test_security_callbacks
    from . import test_security_settings
    from . import test_security_groups
    from . import test_security_wizards
    from . import test_security_redteam
    from . import test_security_dispatch
    from . import test_dispatch_routing
    from . import test_account
    from . import test_security_accounts
    from . import test_recipient_rule
    from . import test_vonage
    from . import test_first_day_tour
    from . import test_group_send_tour
    from . import test_usage_words
    from . import test_words
    from . import test_security_accountant_screens
    from . import test_rights
    from . import test_odoo_bindings
    from . import test_accountant_tour
    from . import test_dispatch_waiting
    from . import test_account_address
    from . import test_group_import_tour
    from . import test_dispatch_personal
    from . import test_dispatch_pool
    from . import test_settings_background
    from . import test_security_prepare
    from . import test_odoo_sms
    from . import test_odoo_apps
    from . import test_inbound
