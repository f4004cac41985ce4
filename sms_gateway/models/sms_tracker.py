# Copyright 2026 sms_gateway authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The tracker of an Odoo SMS sent through the company's SMS accounts
(``models/sms_sms.py``): canceling one that never left."""

from odoo import models


class SmsTracker(models.Model):
    _inherit = "sms.tracker"

    def _sms_gateway_cancel(self):
        """The SMS was canceled before it left (its SMS Gateway message was):
        its notification and marketing trace say canceled, even from
        "Processing", which Odoo never takes back for what IAP was given."""
        self.mail_notification_id.filtered(
            lambda n: n.notification_status in ("ready", "process")
        ).write(
            {
                "notification_status": "canceled",
                "failure_type": False,
                "failure_reason": False,
            }
        )
        if "mailing_trace_id" in self._fields:  # SMS marketing installed
            traces = self.mailing_trace_id.filtered(
                lambda t: t.trace_status in ("outgoing", "process")
            )
            traces.write({"trace_status": "cancel"})
            # The mailing is done once none of its SMS is being processed.
            self._update_sms_mailings("cancel", traces)
