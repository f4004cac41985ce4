# Copyright 2026 sms_gateway authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Sandbox provider: no network, no account, predictable outcomes.

Documented test numbers (any valid E.164 number, judged by its last digits):

- ending in ``0000``: rejected ("sandbox test number: invalid");
- ending in ``0001``: retry (temporary failure, every time);
- ending in ``0002``: accepted, and its delivery report says "undelivered";
- anything else: accepted and delivered.

``provider_ref`` is ``"sandbox-<uid>"``, ``cost`` None (it bills nothing: the
company's price per part gives the estimate), ``parts`` from the SMS text
engine (``..sms_text.analyze``) when it is importable, else a rough count.
``send`` is idempotent per uid within one instance: sending a uid that was
accepted before returns the same result again.

``delivery_status(provider_ref, number=None)`` gives the simulated final
status, so the Odoo side can fake delivery reports; pass the number when the
instance that sent the message is gone.
"""

import logging

from .base import (
    BaseProvider,
    failure_text,
    first_value,
    make_event,
    make_inbound,
    make_result,
)

_logger = logging.getLogger(__name__)

SANDBOX_BALANCE = 1000.0
REF_PREFIX = "sandbox-"
INVALID_SUFFIX = "0000"
RETRY_SUFFIX = "0001"
UNDELIVERED_SUFFIX = "0002"
STATUS_MAP = {
    "delivered": "delivered",
    "undelivered": "undelivered",
    "expired": "expired",
    "sent": "sent",
    "unknown": "unknown",
}


def count_parts(body):
    """Parts of an SMS: the text engine when available, else a rough count."""
    try:
        from ..sms_text import analyze
    except ImportError:
        analyze = None
    if analyze is not None:
        try:
            analysis = analyze(body)
            parts = (
                analysis.get("parts")
                if isinstance(analysis, dict)
                else getattr(analysis, "parts", None)
            )
            if isinstance(parts, int) and parts > 0:
                return parts
        except Exception:  # noqa: BLE001 - the engine is optional here
            _logger.debug("sms_text.analyze failed; rough part count used")
    return rough_parts(body)


def rough_parts(body):
    """Len-based fallback: ASCII as GSM-7 (160/153), anything else as UCS-2."""
    units = len(body.encode("utf-16-le")) // 2
    single, multi = (160, 153) if body.isascii() else (70, 67)
    if units <= single:
        return 1
    return -(-units // multi)


class SandboxProvider(BaseProvider):
    """Fake provider for demos and tests; see the module docstring."""

    code = "sandbox"
    label = "Sandbox (no SMS is sent)"
    supports_bulk = True
    supports_idempotency = True
    supports_balance = True
    # A pretend balance: nothing is bought, nothing is spent.
    balance_unit = "test points"
    supports_callbacks = False
    sender_rules = (
        "Any sender is accepted. Test numbers: ...0000 rejected, ...0001 "
        "temporary failure, ...0002 accepted then undelivered."
    )
    status_map = STATUS_MAP
    # Fields of a report that are texts (a number there is a malformed report).
    callback_text_fields = ("provider_ref", "id", "uid", "status")

    supports_inbound = True

    @classmethod
    def _parse_inbound_item(cls, item):
        """A reply to a sandbox message (the *Simulate reply* button, or a
        request of one's own to the account's inbound address): ``from``,
        ``to``, ``text`` and ``id``."""
        number = first_value(item.get("from"))
        text = first_value(item.get("text"))
        if not number or text is None:
            return None
        return make_inbound(
            number,
            text,
            provider_ref=first_value(item.get("id")),
            to=first_value(item.get("to")),
        )

    @classmethod
    def _parse_report(cls, report):
        """Sandbox reports: ``{"provider_ref" or "id", "status", "uid"?}``."""
        ref = first_value(report.get("provider_ref")) or first_value(report.get("id"))
        raw = first_value(report.get("status")) or ""
        uid = first_value(report.get("uid"))
        if not uid and ref and str(ref).startswith(REF_PREFIX):
            uid = str(ref)[len(REF_PREFIX) :]
        status = cls.map_status(raw)
        return [make_event(ref, uid, status, raw, error=failure_text(status, raw))]

    def __init__(self, config=None):
        super().__init__(config)
        self._accepted = {}
        self._numbers = {}

    def _send(self, messages, results):
        for message in messages:
            uid, number = message["uid"], message["number"]
            if uid in self._accepted:
                results[uid] = dict(self._accepted[uid])
            elif number.endswith(INVALID_SUFFIX):
                results[uid] = make_result(
                    uid, "rejected", error="sandbox test number: invalid"
                )
            elif number.endswith(RETRY_SUFFIX):
                results[uid] = make_result(
                    uid, "retry", error="sandbox test number: temporary failure"
                )
            else:
                result = make_result(
                    uid,
                    "accepted",
                    provider_ref=f"{REF_PREFIX}{uid}",
                    parts=count_parts(message["body"]),
                    cost=None,
                )
                self._accepted[uid] = dict(result)
                self._numbers[result["provider_ref"]] = number
                results[uid] = result

    def delivery_status(self, provider_ref, number=None):
        """Simulated final status: "delivered", "undelivered" or "unknown"."""
        number = number or self._numbers.get(provider_ref)
        if number is None:
            if not str(provider_ref or "").startswith(REF_PREFIX):
                return "unknown"
            return "delivered"
        if str(number).endswith(UNDELIVERED_SUFFIX):
            return "undelivered"
        return "delivered"

    def _balance(self):
        return SANDBOX_BALANCE

    def check(self):
        return True
