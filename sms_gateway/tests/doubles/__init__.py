# Copyright 2026 sms_gateway authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Loopback doubles of the SMS providers, for the tests and the benches.

One module per provider on ``base.BaseDouble``; ``cli.main`` serves one from
the command line (``python3 sms_gateway/tests/doubles <provider> ...``). They
are test code: nothing under ``sms_gateway/tools`` imports them.
"""

from .base import BaseDouble, digits, sms_parts
from .cli import DOUBLES, main
from .quriiri import QURIIRI_API_KEY, QuriiriDouble
from .smsapi import SMSAPI_TOKEN, SmsapiDouble
from .twilio import TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN, TwilioDouble
from .vonage import VONAGE_API_KEY, VONAGE_API_SECRET, VonageDouble

__all__ = [
    "DOUBLES",
    "QURIIRI_API_KEY",
    "SMSAPI_TOKEN",
    "TWILIO_ACCOUNT_SID",
    "TWILIO_AUTH_TOKEN",
    "VONAGE_API_KEY",
    "VONAGE_API_SECRET",
    "BaseDouble",
    "QuriiriDouble",
    "SmsapiDouble",
    "TwilioDouble",
    "VonageDouble",
    "digits",
    "main",
    "sms_parts",
]
