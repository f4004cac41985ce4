# Copyright 2026 sms_gateway authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""What the SMSAPI adapter's tests share (test_providers_smsapi*.py): the
adapter built against a loopback SMSAPI double. Their fixtures ``double`` and
``provider`` are in conftest.py."""

from sms_gateway.tests.doubles import SMSAPI_TOKEN
from sms_gateway.tools.providers import build


def make(double, **config):
    """An SMSAPI adapter for ``double``: its token, sender "Shop", a 2 s
    timeout, and ``config`` over them."""
    values = {
        "token": SMSAPI_TOKEN,
        "sender": "Shop",
        "base_url": double.url,
        "timeout": 2,
    }
    values.update(config)
    return build("smsapi", values)
