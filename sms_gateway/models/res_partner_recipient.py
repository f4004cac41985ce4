# Copyright 2026 sms_gateway authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Who receives an SMS send, and why the others do not: the one rule.

``_sms_recipient_sql()`` is a SQL select every caller reads: the mailing's
queue (INSERT ... SELECT), the groups' counts and the send window's preview.
A partner is a recipient (reason NULL) when:

- bulk: SMS consent granted, a mobile number (E.164), not on the phone
  blacklist (``phone.blacklist``), the first partner (lowest id) of the set
  with that number;
- single: the same, an unknown consent too (the sender confirms it);
- with the e-mail fallback: a partner without a valid mobile number gets the
  text by e-mail (channel ``email``) when its address is valid, not on the
  e-mail blacklist (``mail.blacklist``) and its consent is not refused.

Otherwise the reason is one code of ``EXCLUSION_REASONS``, checked in that
order: no valid mobile number, landline, opted out (consent refused or
number blacklisted), no consent, duplicate number.
"""

from odoo import api, models
from odoo.tools import SQL
from odoo.tools.query import Query

# Why a partner is not a recipient of a send: the one label map (the
# messages' skip reasons extend it).
EXCLUSION_REASONS = [
    ("no_mobile", "No valid mobile number"),
    ("landline", "Not a mobile number"),
    ("opted_out", "Opted out"),
    ("no_consent", "No SMS consent"),
    ("duplicate", "Duplicate number"),
]
BULK = "bulk"
SINGLE = "single"


# The rule lives apart from the partner's fields and consent sync on purpose:
# one file that every send reads.
class ResPartner(models.Model):
    _inherit = "res.partner"  # pylint: disable=consider-merging-classes-inherited

    @api.model
    def _sms_recipient_partners_sql(self, partners):
        """SQL of partner ids from ``partners``: a ``Query``, a ``SQL``
        subquery of ids, ids or a recordset."""
        if isinstance(partners, Query):
            return partners.subselect()
        if isinstance(partners, SQL):
            return partners
        if isinstance(partners, models.BaseModel):
            partners = partners.ids
        return SQL("%s", tuple(partners) or (None,))

    @api.model
    def _sms_flush_recipients(self):
        """Write pending partner and blacklist changes before reading in SQL."""
        self.flush_model(
            [
                "active",
                "email",
                "email_normalized",
                "sms_consent",
                "sms_number",
                "sms_number_state",
            ]
        )
        self.env["phone.blacklist"].flush_model(["number", "active"])
        self.env["mail.blacklist"].flush_model(["email", "active"])

    @api.model
    def _sms_recipient_sql(self, partners, kind=BULK, email_fallback=False):
        """SQL select of (partner_id, number, email, channel, reason) for the
        partners of ``partners`` (see ``_sms_recipient_partners_sql``), one row
        each: ``kind`` is ``bulk`` or ``single``; ``email_fallback`` sends by
        e-mail to who has no valid mobile number (see the module's doc).

        ``reason`` is NULL for a recipient, a code of ``EXCLUSION_REASONS``
        otherwise; ``channel`` is ``sms`` or ``email``. The caller chooses the
        partners (with the user's record rules) and flushes
        (``_sms_flush_recipients``).
        """
        if kind not in (BULK, SINGLE):
            raise ValueError(f"kind must be {BULK!r} or {SINGLE!r}, not {kind!r}")
        bulk = kind == BULK
        reason = SQL(
            """
            CASE
                WHEN p.sms_number_state IS DISTINCT FROM 'mobile'
                     AND p.sms_number_state IS DISTINCT FROM 'landline' THEN 'no_mobile'
                WHEN p.sms_number_state = 'landline' THEN 'landline'
                WHEN p.sms_consent = 'refused' OR bl.id IS NOT NULL THEN 'opted_out'
                WHEN p.sms_consent <> 'granted' AND %(bulk)s THEN 'no_consent'
                WHEN row_number() OVER (
                        PARTITION BY p.sms_number,
                                     (p.sms_number_state = 'mobile'
                                      AND p.sms_consent <> 'refused'
                                      AND bl.id IS NULL
                                      AND (p.sms_consent = 'granted' OR NOT %(bulk)s))
                        ORDER BY p.id) > 1 THEN 'duplicate'
            END
            """,
            bulk=bulk,
        )
        if email_fallback:
            by_email = SQL(
                """
                position('@' in p.email) > 0
                AND p.sms_consent <> 'refused'
                AND NOT EXISTS (SELECT 1 FROM mail_blacklist mb
                                 WHERE mb.active AND mb.email = p.email_normalized)
                """
            )
        else:
            by_email = SQL("FALSE")
        return SQL(
            """
            SELECT r.partner_id, r.number, r.email,
                   CASE WHEN r.by_email THEN 'email' ELSE 'sms' END AS channel,
                   CASE WHEN NOT r.by_email THEN r.reason END AS reason
              FROM (
                SELECT p.id AS partner_id, p.sms_number AS number, p.email AS email,
                       %(reason)s AS reason,
                       COALESCE(p.sms_number_state IS DISTINCT FROM 'mobile'
                                AND p.sms_number_state IS DISTINCT FROM 'landline'
                                AND %(by_email)s, FALSE) AS by_email
                  FROM res_partner p
                  LEFT JOIN phone_blacklist bl ON bl.number = p.sms_number AND bl.active
                 WHERE p.id IN %(partners)s
              ) r
            """,
            reason=reason,
            by_email=by_email,
            partners=self._sms_recipient_partners_sql(partners),
        )

    @api.model
    def _sms_recipient_counts(self, partners, kind=BULK, email_fallback=False):
        """{reason, or 'sms' / 'email' for the recipients: count}, one query."""
        self._sms_flush_recipients()
        rows = self.env.execute_query(
            SQL(
                "SELECT COALESCE(r.reason, r.channel), count(*) FROM (%s) r GROUP BY 1",
                self._sms_recipient_sql(partners, kind, email_fallback),
            )
        )
        return dict(rows)

    @api.model
    def _sms_recipient_search_domain(self, partners, kind=BULK, email_fallback=False):
        """Domain of the recipients among ``partners`` (for a list or a search)."""
        self._sms_flush_recipients()
        return [
            (
                "id",
                "in",
                SQL(
                    "(SELECT r.partner_id FROM (%s) r WHERE r.reason IS NULL)",
                    self._sms_recipient_sql(partners, kind, email_fallback),
                ),
            )
        ]

    @api.model
    def _sms_recipient_reasons(self, partners, kind=BULK, email_fallback=False):
        """{partner id: reason or False} (tests, small sets)."""
        self._sms_flush_recipients()
        rows = self.env.execute_query(
            SQL(
                "SELECT r.partner_id, r.reason FROM (%s) r",
                self._sms_recipient_sql(partners, kind, email_fallback),
            )
        )
        return {partner_id: reason or False for partner_id, reason in rows}

    @api.model
    def _sms_single_refusal_message(self, partner):
        """Why one SMS to ``partner`` (a single send) cannot go, in words
        about this contact and this send, with what would let it go; False
        when the single-send rule lets it go.

        Only an SMS Gateway Manager reads and changes the opt-out list: the
        message says whom to ask.
        """
        partner.ensure_one()
        reason = self._sms_recipient_reasons(partner, SINGLE).get(partner.id)
        if not reason:
            return False
        values = {
            "partner": partner.display_name,
            "number": partner.sudo().sms_number or "",
        }
        if reason == "opted_out":
            return self.env._(
                "This SMS cannot be sent: %(partner)s opted out of SMS (their "
                "number %(number)s is on the opt-out list). If the person asked to "
                "receive SMS again, ask an SMS Gateway Manager to remove the number "
                "from the opt-out list (SMS > Configuration > Opt-out List), then "
                "record their consent on the contact.",
                **values,
            )
        if reason == "landline":
            return self.env._(
                "This SMS cannot be sent: the number of %(partner)s is not a "
                "mobile number. Enter their mobile number on the contact.",
                **values,
            )
        if reason == "no_mobile":
            return self.env._(
                "This SMS cannot be sent: %(partner)s has no valid mobile number. "
                "Enter it on the contact (with the country code, or in the SMS "
                "default country's format).",
                **values,
            )
        labels = dict(
            self.env["sms.gateway.message"]
            ._fields["skip_reason"]
            ._description_selection(self.env)
        )
        return self.env._(
            "This SMS cannot be sent to %(partner)s: %(reason)s.",
            reason=labels.get(reason, reason),
            partner=values["partner"],
        )
