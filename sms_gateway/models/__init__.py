# Copyright 2026 sms_gateway authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from . import ir_actions
from . import ir_cron
from . import phone_blacklist
from . import res_partner
from . import res_partner_recipient
from . import res_company
from . import res_config_settings
from . import sms_gateway_account
from . import sms_gateway_account_lock
from . import sms_gateway_account_checks
from . import sms_gateway_account_provider
from . import sms_gateway_mailing
from . import sms_gateway_mailing_render
from . import sms_gateway_mailing_queue
from . import sms_gateway_mailing_prepare
from . import sms_gateway_message
from . import sms_gateway_message_inbound
from . import sms_gateway_keyword
from . import sms_gateway_delivery_event
from . import sms_gateway_group
from . import sms_gateway_group_recipients
from . import sms_gateway_group_member
from . import sms_sms
from . import sms_tracker
