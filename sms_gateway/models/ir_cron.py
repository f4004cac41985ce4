# Copyright 2026 sms_gateway authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""How long the watchdog of the cron worker running a job has been counting.

A cron worker of a multi-process Odoo (``--workers``) tells the master it is
alive, then waits for work (up to ``SLEEP_INTERVAL`` + 9 s when no trigger
wakes it), then runs every job that is due, one after the other, in one
pass; the master kills it when ``limit_time_real_cron`` (else
``limit_time_real``) passes without news, so the wait and every job of the
pass count. The long jobs of sms_gateway (dispatch, preparation, delivery
reports) each take a part of that limit; after a full wait, after another of
them or after a slow job of another module in the same pass, they would add
up to more. Odoo gives the jobs of one pass one cursor: a new cursor is a new
pass, which began at most a full wait after the last job of the thread
ended (or the worker began); ``pass_elapsed`` says how long the watchdog has
been counting, at worst.
"""

import os
import threading
import time

import psutil

from odoo import models
from odoo.service.server import SLEEP_INTERVAL

# The longest wait of a cron worker between two passes (its interval plus
# its "chorus effect" of up to 9 s, and the 0.1 s it sleeps after it).
LONGEST_WAIT = SLEEP_INTERVAL + 10

_PASS = threading.local()  # cron threads (no --workers) each have their own


def _process_started():
    """``time.monotonic()`` when this process began (a cron worker is a
    process of its own, forked by the master)."""
    age = time.time() - psutil.Process(os.getpid()).create_time()
    return time.monotonic() - max(age, 0)


def note_pass(cron_cr):
    """Remember when the watchdog began counting for the pass of
    ``cron_cr`` (the cursor of one pass): when the last job of this thread
    ended (else when its process began), if that was less than a full wait
    ago."""
    if getattr(_PASS, "cursor", None) is cron_cr:
        return
    _PASS.cursor = cron_cr
    last_end = getattr(_PASS, "last_end", None)
    if last_end is None:
        last_end = _process_started()
    _PASS.started = max(time.monotonic() - LONGEST_WAIT, last_end)


def pass_elapsed():
    """Seconds the watchdog of the running cron job has been counting, at
    worst (0 outside a cron job)."""
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
            _PASS.last_end = time.monotonic()
