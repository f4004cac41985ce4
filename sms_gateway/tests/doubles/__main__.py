# Copyright 2026 sms_gateway authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""``python3 sms_gateway/tests/doubles <provider> ...``: serve one double.

Run as a folder, without Odoo: the ``sms_gateway`` and ``sms_gateway.tests``
packages are registered bare (their ``__init__`` imports Odoo) so that this
package imports as usual.
"""

import sys
import types
from pathlib import Path


def _bare_packages():
    addon = Path(__file__).resolve().parent.parent.parent
    for name, folder in (
        ("sms_gateway", addon),
        ("sms_gateway.tests", addon / "tests"),
    ):
        if name not in sys.modules:
            package = types.ModuleType(name)
            package.__path__ = [str(folder)]
            sys.modules[name] = package


if __name__ == "__main__":
    _bare_packages()
    from sms_gateway.tests.doubles import main

    sys.exit(main())
