# Copyright 2026 sms_gateway authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Make ``sms_gateway.tools`` importable without Odoo.

``sms_gateway/__init__.py`` imports the Odoo models. The pure engine under
``sms_gateway/tools`` does not need them, so the tests register a bare
``sms_gateway`` package pointing at the addon folder: its submodules import as
usual while the addon's ``__init__`` is not run.
"""

import sys
import types
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent

if "sms_gateway" not in sys.modules:
    _package = types.ModuleType("sms_gateway")
    _package.__path__ = [str(REPO_ROOT / "sms_gateway")]
    sys.modules["sms_gateway"] = _package
