# Copyright 2026 sms_gateway authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Put the checkout on ``sys.path`` so that ``sms_gateway.tools`` and
``sms_gateway.tests.doubles`` import as a user imports them, with or without
Odoo: imported outside ``odoo.addons``, the addon's ``__init__`` files load
nothing of Odoo.

The SMSAPI tests' fixtures: ``double``, a loopback SMSAPI double, and
``provider``, the adapter for it (``smsapi_common.make``). A test module of
another provider defines its own ``double`` and ``provider``, which pytest
uses in place of these."""

import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent

if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from smsapi_common import make

from sms_gateway.tests.doubles import SmsapiDouble


@pytest.fixture
def double():
    """A loopback SMSAPI double, running for the test."""
    with SmsapiDouble() as server:
        yield server


@pytest.fixture
def provider(double):
    """The SMSAPI adapter for ``double`` (``smsapi_common.make``)."""
    with make(double) as adapter:
        yield adapter
