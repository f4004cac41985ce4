# Copyright 2026 sms_gateway authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Delivery reports and polling move sent messages forward.

Delivery reports are stored by the routes (``sms.gateway.delivery.event``)
and applied to a message once its result is recorded: by the dispatch right
after each batch, and by the cron the routes wake. Providers without
delivery callbacks (the sandbox) are polled by ``_cron_poll_delivery``.
"""

import psycopg2.errors

from odoo import api, fields, models

from ..tools import providers

# A delivery report only moves a message forward along this order.
DELIVERY_RANK = {
    "queued": 0,
    "sending": 0,
    "sent": 1,
    "undelivered": 2,
    "delivered": 3,
}
# States whose message a delivery report waits for: its result is not recorded.
UNSETTLED = ("queued", "sending")
# Delivery status (tools.providers) -> message state.
DELIVERY_TO_STATE = {
    "sent": "sent",
    "delivered": "delivered",
    "undelivered": "undelivered",
    "expired": "undelivered",
}


class SmsGatewayDelivery(models.AbstractModel):
    _name = "sms.gateway.delivery"
    _description = "SMS Delivery Reports"

    @api.model
    def _sms_apply_delivery_events(self, company, events, provider=None):
        """Apply delivery events of ``provider`` to the messages ``company``
        sent through it.

        An event whose message is still being sent (or is being written by
        another transaction) is kept in ``sms.gateway.delivery.event`` and
        applied once the message's result is recorded: it is never lost.
        """
        if provider:
            events = [dict(event, provider=provider) for event in events]
        try:
            with self.env.cr.savepoint():
                outcome = self._sms_apply_delivery_events_to(company, events)
        except psycopg2.errors.SerializationFailure:
            outcome = {"applied": 0, "waiting": list(events), "unknown": []}
        by_provider = {}
        for event in outcome["waiting"]:
            by_provider.setdefault(event.get("provider"), []).append(event)
        for code, waiting in by_provider.items():
            self.env["sms.gateway.delivery.event"].sudo()._sms_store(
                company, code, waiting
            )
        return {"applied": outcome["applied"], "unknown": outcome["unknown"]}

    @api.model
    def _sms_apply_delivery_events_to(self, company, events):
        """Apply the events whose message is there, recorded and free.

        An event reaches only a message of ``company`` sent through the
        event's provider (``event["provider"]``, when it names one) that the
        provider accepted, with the event's reference if it has one
        (``_sms_may_take_delivery_event``); any other is unknown.

        Returns ``{"applied": number of messages changed, "consumed": ids of
        the stored events applied (or that can never apply), "waiting": events
        whose message is queued, sending or locked, "unknown": references of
        no message of the company}``. Raises SerializationFailure when a
        message changed since the transaction began (the caller keeps the
        events).
        """
        result = {"applied": 0, "consumed": [], "waiting": [], "unknown": []}
        refs = {e["provider_ref"] for e in events if e.get("provider_ref")}
        uids = {e["uid"] for e in events if e.get("uid")}
        if not refs and not uids:
            return result
        self.env["sms.gateway.message"].flush_model()
        cr = self.env.cr
        cr.execute(
            """
            SELECT id, uid, provider_ref, state, provider FROM sms_gateway_message
             WHERE company_id = %s AND (provider_ref IN %s OR uid IN %s)
            """,
            (company.id, tuple(refs) or (None,), tuple(uids) or (None,)),
        )
        found = cr.fetchall()
        by_ref = {row[2]: row for row in found if row[2]}
        by_uid = {row[1]: row for row in found}
        recorded = [row[0] for row in found if row[3] not in UNSETTLED]
        free = set()
        if recorded:
            # Never wait for a row another transaction writes (the dispatch
            # recording it): its events wait instead.
            cr.execute(
                """
                SELECT id FROM sms_gateway_message
                 WHERE id IN %s AND state NOT IN %s
                   FOR UPDATE SKIP LOCKED
                """,
                (tuple(recorded), UNSETTLED),
                log_exceptions=False,  # a SerializationFailure is expected
            )
            free = {row[0] for row in cr.fetchall()}
        messages = self.env["sms.gateway.message"].sudo().browse(free)
        messages.invalidate_recordset()  # what the locks hold, not the cache
        changed = messages.browse()
        for event in events:
            row = by_ref.get(event.get("provider_ref")) or by_uid.get(event.get("uid"))
            if row and event.get("provider") and row[4] != event["provider"]:
                row = None  # another provider's message: not this report's
            if not row:
                result["unknown"].append(event.get("provider_ref") or event.get("uid"))
                continue
            if row[0] not in free:
                result["waiting"].append(event)
                continue
            message = messages.browse(row[0])
            if not self._sms_may_take_delivery_event(message, event):
                result["unknown"].append(event.get("provider_ref") or event.get("uid"))
            elif self._sms_apply_delivery_event(message, event):
                result["applied"] += 1
                changed |= message
            if event.get("id"):
                result["consumed"].append(event["id"])
        self.env["sms.gateway.message"].flush_model()
        # Odoo's side of the SMS sent for its apps (chatter, marketing).
        changed._sms_sync_odoo_sms()
        return result

    @api.model
    def _sms_may_take_delivery_event(self, message, event):
        """A report only concerns a message the provider accepted (sent), and
        never one whose reference is not the report's."""
        message.ensure_one()
        ref = event.get("provider_ref")
        account = event.get("account")
        if account and message.account_id and message.account_id.id != account:
            return False  # reported to another account's address
        return message.state in ("sent", "delivered", "undelivered") and not (
            ref and message.provider_ref and ref != message.provider_ref
        )

    @api.model
    def _sms_apply_delivery_event(self, message, event):
        """Move this message forward on a delivery event; False when it changes
        nothing (a repeated or older report). Parts, cost and the sending time
        stay what the dispatch recorded; the delivery time is kept between the
        sending and now."""
        message.ensure_one()
        state = DELIVERY_TO_STATE.get(event.get("status"))
        values = {"provider_status": event.get("raw_status") or event.get("status")}
        if state and DELIVERY_RANK.get(state, 0) > DELIVERY_RANK.get(message.state, 99):
            values["state"] = state
            now = fields.Datetime.now()
            at = event.get("at")
            if not at or at > now or (message.sent_at and at < message.sent_at):
                at = now
            if state == "delivered":
                values["delivered_at"] = at
                values["failure_reason"] = False
            elif state == "undelivered":
                values["failure_reason"] = event.get("error") or (
                    self.env._("Expired before delivery")
                    if event.get("status") == "expired"
                    else self.env._("Not delivered")
                )
            elif state == "sent" and not message.sent_at:
                values["sent_at"] = at
            message.write(values)
            return True
        # News older than the message's state (a late "sent" on a delivered
        # message) does not overwrite the provider's status either.
        rank = DELIVERY_RANK.get(state, DELIVERY_RANK["sent"])
        if values["provider_status"] != message.provider_status and rank >= (
            DELIVERY_RANK.get(message.state, 99)
        ):
            message.write(values)
        return False

    @api.model
    def _sms_trigger_poll(self):
        """Poll right after a dispatch that sent through a provider without
        delivery callbacks: the sandbox reports delivery within seconds."""
        cron = self.env.ref(
            "sms_gateway.ir_cron_sms_gateway_poll_delivery", raise_if_not_found=False
        )
        if cron:
            cron._trigger()

    @api.model
    def _cron_poll_delivery(self, limit=5000):
        """Ask providers without delivery callbacks (the sandbox) for news."""
        pollable = [
            code
            for code, provider_class in providers.PROVIDERS.items()
            if hasattr(provider_class, "delivery_status")
        ]
        Message = self.env["sms.gateway.message"]
        messages = Message.sudo().search(
            [
                ("state", "=", "sent"),
                ("provider", "in", pollable),
                ("sent_at", "<=", fields.Datetime.now()),
            ],
            limit=limit,
            order="sent_at",
        )
        for (company, code), batch in messages.grouped(
            lambda m: (m.company_id, m.provider)
        ).items():
            provider = providers.build(code, {})
            events = [
                {
                    "provider_ref": message.provider_ref,
                    "uid": message.uid,
                    "status": provider.delivery_status(
                        message.provider_ref, number=message.number
                    ),
                    "raw_status": None,
                    "at": fields.Datetime.now(),
                }
                for message in batch
            ]
            self._sms_apply_delivery_events(company, events, provider=code)
        return len(messages)
