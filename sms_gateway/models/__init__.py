# Copyright 2026 sms_gateway authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from . import phone_blacklist
from . import res_partner
from . import res_company
from . import res_config_settings
