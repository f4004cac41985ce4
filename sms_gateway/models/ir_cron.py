# Copyright 2026 sms_gateway authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""How long the cron pass a job runs in has lasted.

A cron worker of a multi-process Odoo (``--workers``) runs every job that is
due, one after the other, in one pass, and its watchdog kills it when the
pass lasts longer than ``limit_time_real_cron`` (else ``limit_time_real``):
the watchdog hears from the worker between passes only. The long jobs of
sms_gateway (dispatch, preparation, delivery reports) each take a part of
that limit; two of them in one pass, or one after a slow job of another
module, would add up to more. Odoo gives the jobs of one pass one cursor:
a new cursor is a new pass, and ``pass_elapsed`` says how long the pass of
the running job already took.
"""

import threading
import time

from odoo import models

_PASS = threading.local()  # cron threads (no --workers) each have their own


def note_pass(cron_cr):
    """Remember when the pass of ``cron_cr`` (the cursor of one pass) began."""
    if getattr(_PASS, "cursor", None) is not cron_cr:
        _PASS.cursor = cron_cr
        _PASS.started = time.monotonic()


def pass_elapsed():
    """Seconds since the cron pass of the running job began (0 outside a
    cron job)."""
    if not getattr(_PASS, "in_job", False):
        return 0.0
    return time.monotonic() - _PASS.started


class IrCron(models.Model):
    _inherit = "ir.cron"

    @classmethod
    def _process_job(cls, db, cron_cr, job):
        note_pass(cron_cr)
        _PASS.in_job = True
        try:
            return super()._process_job(db, cron_cr, job)
        finally:
            _PASS.in_job = False
