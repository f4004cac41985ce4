# Copyright 2026 sms_gateway authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Make ``sms_gateway.tools`` and ``sms_gateway.tests.doubles`` importable
without Odoo.

``sms_gateway/__init__.py`` imports the Odoo models and
``sms_gateway/tests/__init__.py`` the Odoo test modules. The pure engine
under ``sms_gateway/tools`` and the provider doubles do not need them, so the
tests register bare ``sms_gateway`` and ``sms_gateway.tests`` packages
pointing at their folders: their submodules import as usual while those
``__init__`` files are not run.
"""

import sys
import types
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent

for _name, _folder in (
    ("sms_gateway", REPO_ROOT / "sms_gateway"),
    ("sms_gateway.tests", REPO_ROOT / "sms_gateway" / "tests"),
):
    if _name not in sys.modules:
        _package = types.ModuleType(_name)
        _package.__path__ = [str(_folder)]
        sys.modules[_name] = _package
