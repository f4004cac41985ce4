# Copyright 2026 sms_gateway authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Pure SMS engine of sms_gateway.

Nothing under this package imports odoo: it is tested with plain pytest on any
machine, and the Odoo models call into it.
"""
