# Copyright 2026 sms_gateway authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Put the checkout on ``sys.path`` so that ``sms_gateway.tools`` and
``sms_gateway.tests.doubles`` import as a user imports them, with or without
Odoo: imported outside ``odoo.addons``, the addon's ``__init__`` files load
nothing of Odoo."""

import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent

if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))
