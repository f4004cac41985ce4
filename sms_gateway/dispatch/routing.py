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
it in words ("waiting: the SMS account has no credit"); one whose country no
account serves waits an hour with that reason. The author of its mailing is
told once per mailing and reason, in their Odoo inbox (``_sms_tell_senders``);
administrators are told by the account (``_sms_alert``). When the message is
sent, the reason goes.
"""

import time
from datetime import timedelta

from markupsafe import Markup

from odoo import api, fields, models
from odoo.tools import SQL

from ..tools import phone as phone_tools

# Seconds a message waits when no account can take it now (locked accounts),
# and when no active account serves its country at all.
WAIT_LOCKED = 60
WAIT_NO_ACCOUNT = 3600


def waiting_reason(env, kind):
    """What a message says while it waits because its account cannot send;
    ``kind``: the code of the provider error (or "lock")."""
    causes = {
        "credit": env._("the SMS account has no credit"),
        "auth": env._("the SMS account's credentials were refused"),
        "sender": env._("the provider refuses the sender name"),
        "config": env._("the SMS account is not completely configured"),
        "lock": env._(
            "the SMS account is locked since the database moved to another "
            "server: an administrator re-enters its credentials"
        ),
        "unavailable": env._("the provider cannot be reached"),
        "timeout": env._("the provider does not answer"),
        "rate_limit": env._("the provider asks to send more slowly"),
        "bad_answer": env._("the provider's answers cannot be read"),
    }
    return env._(
        "waiting: %(reason)s",
        reason=causes.get(kind) or env._("the SMS account cannot send now"),
    )


class SmsGatewayRouter(models.AbstractModel):
    _name = "sms.gateway.router"
    _description = "SMS Account Routing"

    @api.model
    def _sms_route(self, company, rows, held):
        """Give each claimed row (dicts with ``number`` and ``account``, the
        pinned account id or None) the account it goes through.

        ``held``: accounts that failed in this run (id -> the
        ``time.monotonic()`` until which the run leaves them). The rows are locked,
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
        clock = time.monotonic()
        usable = accounts._sms_usable().filtered(lambda a: held.get(a.id, 0) <= clock)
        free = usable.filtered(lambda a: not (a.hold_until and a.hold_until > now))
        usable_ids, free_ids = set(usable.ids), set(free.ids)
        routed, waiting = [], {}
        for row in rows:
            if row["account"]:
                account = Account.browse(row["account"])
                if account.id in usable_ids:
                    routed.append(self._sms_routed(row, account))
                else:
                    self._sms_wait(waiting, row, account, now)
                continue
            # The country matters only when an account is limited to some.
            region = phone_tools.region_of(row["number"]) if by_country else None
            if region not in by_region:
                eligible = list(Account._sms_eligible(company, region))
                chosen = next((a for a in eligible if a.id in free_ids), None) or next(
                    (a for a in eligible if a.id in usable_ids), None
                )
                by_region[region] = (eligible, chosen)
            eligible, chosen = by_region[region]
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
        row["account"], row["provider"] = account.id, account.provider
        return row

    def _sms_wait(self, waiting, row, account, now, eligible=None):
        """The row waits for the first of ``eligible`` (or its pinned
        ``account``) that can send again."""
        candidates = eligible or [account]
        holds = [
            a.hold_until for a in candidates if a.hold_until and a.hold_until > now
        ]
        until = min(holds) if holds else now + timedelta(seconds=WAIT_LOCKED)
        kind = "lock" if account.lock_reason else account.hold_kind
        waiting.setdefault((until, waiting_reason(self.env, kind)), []).append(
            row["id"]
        )

    @api.model
    def _sms_wake_locked(self, companies):
        """An account of ``companies`` was unlocked: what waits for it (at
        most ``WAIT_LOCKED`` seconds more) is tried by a run started now."""
        now = fields.Datetime.now()
        self.env["sms.gateway.message"].flush_model(["next_attempt_at", "state"])
        self.env.cr.execute(
            SQL(
                """
                UPDATE sms_gateway_message SET next_attempt_at = %s
                 WHERE state = 'queued' AND company_id IN %s
                   AND next_attempt_at > %s AND next_attempt_at <= %s
                """,
                now,
                tuple(companies.ids),
                now,
                now + timedelta(seconds=WAIT_LOCKED),
            )
        )
        self.env["sms.gateway.message"].invalidate_model(["next_attempt_at"])
        self.env["sms.gateway.dispatcher"]._sms_trigger_dispatch()

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
        by_reason = {}
        for (_until, reason), ids in waiting.items():
            by_reason.setdefault(reason, []).extend(ids)
        for reason, ids in by_reason.items():
            self._sms_tell_senders(ids, reason)

    @api.model
    def _sms_tell_senders(self, message_ids, reason):
        """Tell the author of each mailing of these waiting messages why they
        wait, once per mailing and reason: a notification in their Odoo
        inbox (or by e-mail, as they chose), linked to the mailing."""
        if not message_ids:
            return
        self.env.cr.execute(
            SQL(
                """
                SELECT m.mailing_id, g.user_id, count(*)
                  FROM sms_gateway_message m
                  JOIN sms_gateway_mailing g ON g.id = m.mailing_id
                 WHERE m.id IN %s AND m.state = 'queued'
                 GROUP BY m.mailing_id, g.user_id
                """,
                tuple(message_ids),
            )
        )
        rows = self.env.cr.fetchall()
        if not rows:
            return
        Message = self.env["mail.message"].sudo()
        told = set(
            Message.search(
                [
                    ("model", "=", "sms.gateway.mailing"),
                    ("res_id", "in", [mailing_id for mailing_id, _u, _c in rows]),
                    ("message_type", "=", "user_notification"),
                    ("subject", "=", reason),
                ]
            ).mapped("res_id")
        )
        Mailing = self.env["sms.gateway.mailing"].sudo()
        author = self.env.ref("base.partner_root")
        for mailing_id, user_id, count in rows:
            user = self.env["res.users"].sudo().browse(user_id)
            if mailing_id in told or not user.active or user.share:
                continue
            mailing = Mailing.browse(mailing_id).with_context(lang=user.lang)
            body = Markup("<p>%s</p><p>%s</p>") % (
                mailing.env._(
                    "%(count)s SMS of your mailing %(mailing)s are %(reason)s.",
                    count=count,
                    mailing=mailing.name,
                    reason=reason,
                ),
                mailing.env._(
                    "They stay queued and go out by themselves once this is "
                    "solved; the administrators are told. The mailing shows how "
                    "many still wait."
                ),
            )
            self.env["mail.thread"].sudo().message_notify(
                model="sms.gateway.mailing",
                res_id=mailing_id,
                partner_ids=user.partner_id.ids,
                author_id=author.id,
                subject=reason,
                body=body,
                record_name=mailing.name,
            )
