# Copyright 2026 sms_gateway authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from . import sms_gateway_group_add
from . import sms_gateway_group_import
from . import sms_gateway_group_import_line
from . import sms_gateway_reply_link
from . import sms_gateway_reply_simulate
from . import sms_gateway_send_wizard
from . import sms_gateway_usage_export
from . import sms_composer
