# Copyright 2026 sms_gateway authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The pure engine imports as the README shows, in a fresh interpreter,
whether or not Odoo is installed: the addon's models are not loaded."""

import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent

README_SNIPPET = """
import sys
from sms_gateway.tools import sms_text, phone
info = sms_text.analyze("Hyvää päivää! Tilauksesi on valmis.")
print(info.encoding, info.parts, phone.normalize("040 123 4567", "FI"))
loaded = sorted(m for m in sys.modules if m == "odoo" or m.startswith("odoo."))
print("odoo modules:", len(loaded))
"""


def test_readme_import_runs_in_a_fresh_python():
    result = subprocess.run(
        [sys.executable, "-c", README_SNIPPET],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "GSM-7 1 +358401234567"
    assert lines[1] == "odoo modules: 0"


DOUBLES_SNIPPET = """
import sys
import sms_gateway.tests.doubles
print(any(m.startswith("sms_gateway.tests.test_") for m in sys.modules))
"""


def test_provider_doubles_import_without_odoo_tests():
    result = subprocess.run(
        [sys.executable, "-c", DOUBLES_SNIPPET],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"
