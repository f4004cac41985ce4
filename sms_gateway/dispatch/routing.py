# Copyright 2026 sms_gateway authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Which SMS account takes which message.

A message goes through the first active account of its company, by
sequence, that serves its destination country (an account without countries
serves all) and can send now: not on hold after an account-level failure
(unless no other eligible account can send), not locked after a server
move, not failed earlier in the same run. A
message the provider of an account may already have (its request was on the
wire when the answer was lost, and the provider has an idempotency key) is
pinned to that account: it goes through that account again or waits for it,
never through another one, so that failover cannot send it twice.

A message no account can take now waits without losing an attempt, until
the earliest hold ends (or a minute, for a lock), with the reason written on
it; one whose country no account serves waits an hour with that reason.
"""

from datetime import timedelta

from odoo import api, fields, models
from odoo.tools import SQL

from ..tools import phone as phone_tools

# Seconds a message waits when no account can take it now (locked accounts),
# and when no active account serves its country at all.
WAIT_LOCKED = 60
WAIT_NO_ACCOUNT = 3600


class SmsGatewayRouter(models.AbstractModel):
    _name = "sms.gateway.router"
    _description = "SMS Account Routing"

    @api.model
    def _sms_route(self, company, rows, held):
        """Give each claimed row (dicts with ``number`` and ``account``, the
        pinned account id or None) the account it goes through.

        ``held``: ids of accounts that failed in this run. The rows are locked,
        still queued: the ones no account can take now get their next attempt
        time and the reason (their attempt is not counted); the routed ones are
        returned, each with ``account`` and ``provider`` set, for the caller to
        mark as sending.
        """
        Account = self.env["sms.gateway.account"].sudo()
        accounts = Account.search(
            [("company_id", "=", company.id), ("active", "=", True)]
        )
        by_region = {}
        by_country = any(accounts.mapped("country_ids"))
        now = fields.Datetime.now()
        # Accounts on hold still send when no other eligible account can: a
        # company with one account retries it as it always did.
        usable = accounts._sms_usable().filtered(lambda a: a.id not in held)
        free = usable.filtered(lambda a: not (a.hold_until and a.hold_until > now))
        routed, waiting = [], {}
        for row in rows:
            if row["account"]:
                account = Account.browse(row["account"])
                if account in usable:
                    routed.append(self._sms_routed(row, account))
                else:
                    self._sms_wait(waiting, row, account, now)
                continue
            # The country matters only when an account is limited to some.
            region = phone_tools.region_of(row["number"]) if by_country else None
            if region not in by_region:
                by_region[region] = list(Account._sms_eligible(company, region))
            eligible = by_region[region]
            chosen = next((a for a in eligible if a in free), None) or next(
                (a for a in eligible if a in usable), None
            )
            if chosen:
                routed.append(self._sms_routed(row, chosen))
            elif eligible:
                self._sms_wait(waiting, row, eligible[0], now, eligible)
            else:
                country = self.env["res.country"].search(
                    [("code", "=", region)], limit=1
                )
                reason = self.env._(
                    "waiting: no active SMS account of %(company)s sends to "
                    "%(country)s",
                    company=company.name,
                    country=country.name or region or self.env._("this number"),
                )
                waiting.setdefault(
                    (now + timedelta(seconds=WAIT_NO_ACCOUNT), reason), []
                ).append(row["id"])
        self._sms_write_waiting(waiting)
        return routed

    def _sms_routed(self, row, account):
        return dict(row, account=account.id, provider=account.provider)

    def _sms_wait(self, waiting, row, account, now, eligible=None):
        """The row waits for the first of ``eligible`` (or its pinned
        ``account``) that can send again."""
        candidates = eligible or [account]
        holds = [
            a.hold_until for a in candidates if a.hold_until and a.hold_until > now
        ]
        until = min(holds) if holds else now + timedelta(seconds=WAIT_LOCKED)
        why = (
            account.hold_reason
            or account.lock_reason
            or self.env._("the account cannot send now")
        )
        reason = self.env._(
            "waiting: the SMS account %(account)s cannot send (%(why)s)",
            account=account.name,
            why=why,
        )
        waiting.setdefault((until, reason), []).append(row["id"])

    def _sms_write_waiting(self, waiting):
        for (until, reason), ids in waiting.items():
            self.env.cr.execute(
                SQL(
                    """
                    UPDATE sms_gateway_message
                       SET next_attempt_at = %s, failure_reason = %s
                     WHERE id IN %s AND state = 'queued'
                    """,
                    until,
                    reason[:1000],
                    tuple(ids),
                )
            )
