# Copyright 2026 sms_gateway authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Queueing a mailing: its messages, and the limits checked before.

Queueing works on any number of recipients without loading them: the
recipients are a SQL query of partners; who is excluded and why is decided
in SQL by the recipient rule (``res_partner_recipient.py``); texts without
placeholders are inserted with one INSERT ... SELECT; texts whose
placeholders are plain fields of the recipient are rendered in SQL too when
they come out as one-septet GSM-7 (the common case: their parts and hash are
known in SQL); the others are rendered in batches in Python and copied in
bulk.
Everything happens in the caller's transaction: a send that is refused
(a text too long for one recipient, a placeholder that fails) queues nothing.

Before queueing, the send is checked from the preview's counts: the parts
limit, the 24-hour guard, the company's monthly cap and the user's cap.
"""

from datetime import datetime, time, timedelta

import pytz

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from ..tools import gsm7, sms_text
from .res_partner_recipient import BULK, SINGLE
from .sms_gateway_mailing import transliterates
from .sms_gateway_message import body_hash, message_key_sql

RENDER_BATCH = 2000
# A character other than the one-septet characters of GSM-7, as a PostgreSQL
# regular expression.
NOT_ONE_SEPTET_RE = (
    "[^"
    + "".join(
        "\\" + char if char in "\\[]^-" else char for char in sorted(gsm7.BASIC_CHARS)
    )
    + "]"
)
# The columns of each row of ``_sms_copy_messages``.
MESSAGE_COLUMNS = (
    "group_id",
    "partner_id",
    "number",
    "email",
    "channel",
    "body",
    "body_hash",
    "encoding",
    "chars",
    "parts",
    "cost",
)


class SmsGatewayMailing(models.Model):
    _inherit = "sms.gateway.mailing"  # pylint: disable=consider-merging-classes-inherited

    # ------------------------------------------------------------------
    # Queueing
    # ------------------------------------------------------------------

    def _sms_queue(self, partner_query, bulk=True, group_ids=None):
        """Create the mailing's messages for the partners of ``partner_query``.

        Returns {reason or 'queued' / 'email': count}. Raises UserError, with
        nothing queued, when a text needs more parts than allowed or cannot be
        rendered for a recipient.
        """
        self.ensure_one()
        self._sms_check_placeholders()
        self.env.flush_all()
        cr = self.env.cr
        cr.execute(
            "DROP TABLE IF EXISTS sms_gateway_recipients; "
            "CREATE TEMP TABLE sms_gateway_recipients "
            "(seq int, partner_id int, number varchar, email varchar, "
            "channel varchar, reason varchar, group_id int) ON COMMIT DROP"
        )
        cr.execute(
            SQL(
                """
                INSERT INTO sms_gateway_recipients
                SELECT row_number() OVER (ORDER BY s.partner_id), s.* FROM (%s) s
                """,
                self._sms_stage_sql(partner_query, bulk, group_ids),
            )
        )
        cr.execute("CREATE INDEX ON sms_gateway_recipients (seq)")
        cr.execute("ANALYZE sms_gateway_recipients")
        self._sms_write_messages(SQL("SELECT * FROM sms_gateway_recipients"))
        return self._sms_queue_result()

    def _sms_stage_sql(self, partner_query, bulk, group_ids):
        """SELECT partner_id, number, email, channel, reason, group_id: every
        recipient of ``partner_query`` with what the recipient rule decided
        (``reason`` NULL: it goes) and the group it came from."""
        self.env["res.partner"]._sms_flush_recipients()
        return SQL(
            """
            SELECT r.partner_id, r.number, r.email, r.channel, r.reason,
                   %s AS group_id
              FROM (%s) r
            """,
            self._sms_group_sql(group_ids),
            self.env["res.partner"]._sms_recipient_sql(
                partner_query,
                kind=BULK if bulk else SINGLE,
                email_fallback=self.email_fallback,
            ),
        )

    def _sms_write_messages(self, source, notes=True):
        """The one writer of a mailing's messages: the recipients of
        ``source`` (SQL: numbered rows (``seq``, then the columns of
        ``_sms_stage_sql``)) become queued messages, or canceled ones with
        the reason they are left out, the same text to the same number within
        24 hours skipped, with a note in each partner's chatter (``notes``;
        a large mailing leaves none: a note per partner is a mail message
        with ten foreign keys each, and the partner's Sent SMS list shows the
        SMS). Returns the id after which they were written. UserError
        (nothing written, the caller rolls back) when a text cannot be
        written or needs more parts than allowed.

        The messages say who sent them in ``user_id`` (Sent by) and leave
        Odoo's technical ``create_uid`` / ``write_uid`` empty: each is a
        foreign key PostgreSQL checks on every row, some 14 µs of the
        100 µs a row of a million costs, for a value ``user_id`` holds."""
        cr = self.env.cr
        self.env["sms.gateway.message"].flush_model()
        cr.execute("SELECT COALESCE(max(id), 0) FROM sms_gateway_message")
        after = cr.fetchone()[0]
        instructions, render = self._sms_renderer()
        if instructions is None:
            self._sms_insert_constant(source)
            if not self.allow_duplicates:
                self._sms_skip_recent(after)
        else:
            self._sms_insert_rendered(render, source)  # the guard as it writes
        self._sms_insert_skipped(source)
        if notes:
            self._sms_log_notes(self.id, after)
        # The rows were written in SQL: forget what the cache believes.
        self.env["sms.gateway.message"].invalidate_model()
        self.invalidate_recordset(["message_ids"])
        return after

    def _sms_queue_result(self):
        """{reason or 'queued' / 'email': count} of the mailing's messages."""
        self.env.cr.execute(
            SQL(
                """
                SELECT CASE WHEN state = 'canceled' THEN skip_reason
                            WHEN channel = 'email' THEN 'email' ELSE 'queued' END,
                       count(*)
                  FROM sms_gateway_message WHERE mailing_id = %s GROUP BY 1
                """,
                self.id,
            )
        )
        return dict(self.env.cr.fetchall())

    def _sms_group_sql(self, group_ids):
        """SQL giving the group a recipient came from (the first static one)."""
        if not group_ids:
            return SQL("NULL::int")
        return SQL(
            """COALESCE((SELECT min(gm.group_id) FROM sms_gateway_group_member gm
                          WHERE gm.partner_id = r.partner_id AND gm.group_id IN %s),
                        %s)""",
            tuple(group_ids),
            min(group_ids),
        )

    def _sms_message_columns(self):
        """Values shared by every message of the mailing, as SQL."""
        now = fields.Datetime.now()
        return {
            "mailing": self.id,
            "user": self.user_id.id,
            "company": self.company_id.id,
            "currency": self.company_id.sms_gateway_currency_id.id or None,
            "scheduled": self.scheduled_at or now,
            "now": now,
        }

    def _sms_insert_constant(self, source):
        """The same text for everyone: one INSERT ... SELECT."""
        text = self._sms_finish_text(self.body or "")
        info = self._sms_check_length(text, None)
        self.env.cr.execute(
            SQL(
                """
                INSERT INTO sms_gateway_message
                    (uid, mailing_id, group_id, partner_id, number, email, channel,
                     body, body_hash, encoding, chars, parts, state, scheduled_at,
                     attempt_count, user_id, company_id, currency_id, cost,
                     create_date, write_date)
                SELECT %(key)s,
                       %(mailing)s, r.group_id, r.partner_id,
                       CASE WHEN r.channel = 'sms' THEN r.number END, r.email,
                       r.channel, %(body)s, %(hash)s, %(encoding)s, %(chars)s,
                       CASE WHEN r.channel = 'sms' THEN %(parts)s ELSE 0 END,
                       'queued', %(scheduled)s, 0, %(user)s, %(company)s,
                       %(currency)s,
                       CASE WHEN r.channel = 'sms' THEN %(cost)s ELSE 0 END,
                       %(now)s, %(now)s
                  FROM (%(source)s) r
                 WHERE r.reason IS NULL
                """,
                source=source,
                body=text,
                hash=body_hash(text),
                encoding=info.encoding,
                chars=info.chars,
                parts=info.parts,
                cost=info.parts * self.company_id.sms_gateway_price_per_part,
                key=message_key_sql(SQL("r.partner_id")),
                **self._sms_message_columns(),
            )
        )

    def _sms_insert_rendered(self, render, source):
        """Placeholders: render in batches, insert in bulk (COPY).

        Placeholders that are plain stored fields of the recipient
        (``{{ object.name }}``) are read with the recipients in SQL: the
        recipients are partners the sender may read (the query was made with
        the sender's rules) and each field was checked when the placeholder
        was (``_sms_compile_placeholder``), so the ORM would read the same
        values, only much slower. Other placeholders render through the ORM
        with the sender's rights (``_sms_renderer``)."""
        cr = self.env.cr
        Partner = self.env["res.partner"]
        price = self.company_id.sms_gateway_price_per_part
        limit = self.company_id.sms_gateway_max_parts
        columns = self._sms_message_columns()
        plain = self._sms_plain_placeholders()
        read = (
            SQL(", ").join(
                SQL("p.%s", SQL.identifier(name)) for name in plain["fields"]
            )
            if plain
            else SQL("NULL")
        )
        finish = self._sms_text_finisher()
        write = plain["write"] if plain else None
        rest = SQL("TRUE")
        if plain and not transliterates(self.transliterate):
            text = plain["sql"]("p")
            basic = self._sms_one_septet_sql(text)
            self._sms_insert_one_septet(source, text, basic, columns)
            rest = SQL("NOT (%s)", basic)
        last = 0
        while True:
            cr.execute(
                SQL(
                    """
                    SELECT r.seq, r.partner_id, r.number, r.email, r.channel,
                           r.group_id, %s
                      FROM (%s) r
                      JOIN res_partner p ON p.id = r.partner_id
                     WHERE r.reason IS NULL AND r.seq > %s AND %s
                     ORDER BY r.seq
                     LIMIT %s
                    """,
                    read,
                    source,
                    last,
                    rest,
                    RENDER_BATCH,
                )
            )
            chunk = cr.fetchall()
            if not chunk:
                break
            last = chunk[-1][0]
            # The ORM renders the other placeholders: the partners of the batch
            # are read together (and forgotten after it).
            partners = None if plain else Partner.browse([row[1] for row in chunk])
            rows = []
            for index, row in enumerate(chunk):
                partner_id, number, email, channel, group_id = row[1:6]
                if plain:
                    text = finish(write(row[6:]))
                else:
                    text = self._sms_render(render, partners[index])
                sms = channel == "sms"
                if sms:
                    info = sms_text.analyze(text)
                    if info.parts > limit or not text.strip():
                        self._sms_check_length(
                            text,
                            Partner.browse(partner_id) if plain else partners[index],
                        )
                rows.append(
                    (
                        group_id,
                        partner_id,
                        number if sms else None,
                        email,
                        "sms" if sms else "email",
                        text,
                        body_hash(text),
                        info.encoding if sms else None,
                        len(text),
                        info.parts if sms else 0,
                        info.parts * price if sms else 0,
                    )
                )
            recent = set() if self.allow_duplicates else self._sms_recent_rows(rows)
            self._sms_copy_messages(
                [row for index, row in enumerate(rows) if index not in recent],
                columns,
            )
            self._sms_copy_messages(
                [row for index, row in enumerate(rows) if index in recent],
                columns,
                recent=True,
            )
            if partners is not None:
                partners.invalidate_recordset()

    def _sms_one_septet_sql(self, text):
        """SQL: the recipient ``r`` gets ``text`` (SQL) as an SMS made of
        one-septet GSM-7 characters alone, not blank, within the parts
        limit: its encoding, parts and hash are known in SQL
        (``sms_text.one_septet_limit``), exactly as ``analyze`` gives them."""
        return SQL(
            "r.channel = 'sms' AND %(text)s !~ %(other)s AND %(text)s ~ %(visible)s "
            "AND length(%(text)s) <= %(limit)s",
            text=text,
            other=NOT_ONE_SEPTET_RE,
            visible=r"[^ \n\r]",
            limit=sms_text.one_septet_limit(self.company_id.sms_gateway_max_parts),
        )

    def _sms_insert_one_septet(self, source, text, basic, columns):
        """Write the messages of the recipients of ``source`` whose text
        (``text``, SQL of the recipient ``r`` and its partner ``p``) is
        ``basic`` (``_sms_one_septet_sql``) with one INSERT ... SELECT: the
        rendering, parts, hash and 24-hour guard in SQL, for the common
        case of a personalised text in GSM-7 (the rest goes through
        Python, the same way)."""
        single, multi = gsm7.SINGLE_PART_SEPTETS, gsm7.MULTI_PART_SEPTETS
        seen = (
            SQL("FALSE")
            if self.allow_duplicates
            else self._sms_sent_recently_sql(SQL("x.number"), SQL("x.digest"))
        )
        self.env.cr.execute(
            SQL(
                """
                INSERT INTO sms_gateway_message
                    (uid, mailing_id, group_id, partner_id, number, email, channel,
                     body, body_hash, encoding, chars, parts, state, skip_reason,
                     failure_reason, scheduled_at, attempt_count, user_id,
                     company_id, currency_id, cost, create_date, write_date)
                SELECT %(key)s, %(mailing)s, y.group_id, y.partner_id, y.number,
                       y.email, 'sms', y.body, y.digest, 'GSM-7', length(y.body),
                       CASE WHEN y.seen THEN 0 ELSE y.parts END,
                       CASE WHEN y.seen THEN 'canceled' ELSE 'queued' END,
                       CASE WHEN y.seen THEN 'recent' END,
                       CASE WHEN y.seen THEN %(reason)s END,
                       %(scheduled)s, 0, %(user)s, %(company)s, %(currency)s,
                       CASE WHEN y.seen THEN 0 ELSE y.parts * %(price)s END,
                       %(now)s, %(now)s
                  FROM (SELECT x.*, %(seen)s AS seen,
                               CASE WHEN length(x.body) <= %(single)s THEN 1
                                    ELSE (length(x.body) + %(multi)s - 1) / %(multi)s
                               END AS parts
                          FROM (SELECT r.partner_id, r.number, r.email, r.group_id,
                                       %(text)s AS body, md5(%(text)s) AS digest
                                  FROM (%(source)s) r
                                  JOIN res_partner p ON p.id = r.partner_id
                                 WHERE r.reason IS NULL AND %(basic)s
                                OFFSET 0) x
                        OFFSET 0) y
                """,
                key=message_key_sql(SQL("y.partner_id")),
                reason=self._sms_recent_reason(),
                price=self.company_id.sms_gateway_price_per_part,
                seen=seen,
                single=single,
                multi=multi,
                text=text,
                source=source,
                basic=basic,
                **columns,
            )
        )

    def _sms_recent_rows(self, rows):
        """Indexes of the ``rows`` (of ``_sms_copy_messages``) whose text went
        to their number within 24 hours (the 24-hour guard), looked up before
        they are written: one look-up in the index of number and text each,
        which never meets the mailing's own messages."""
        picks = [
            (index, row[2], row[6])
            for index, row in enumerate(rows)
            if row[4] == "sms" and row[2]
        ]
        if not picks:
            return set()
        self.env.cr.execute(
            SQL(
                """
                SELECT n.i
                  FROM unnest(%s::int[], %s::varchar[], %s::varchar[])
                       AS n(i, number, digest)
                 CROSS JOIN LATERAL (%s) seen
                """,
                [pick[0] for pick in picks],
                [pick[1] for pick in picks],
                [pick[2] for pick in picks],
                self._sms_sent_recently_sql(
                    SQL("n.number"), SQL("n.digest"), exists=False
                ),
            )
        )
        return {index for (index,) in self.env.cr.fetchall()}

    def _sms_plain_placeholders(self):
        """{'fields': column names, 'write': values -> text} when every
        placeholder of the body is a plain stored field of the recipient
        (char, text, selection, integer: the value the ORM would give, as
        the text shows it), else None."""
        compiled = self._sms_compiled_placeholders()
        Partner = self.env["res.partner"]
        names = []
        for _literal, expression, tree, _default in compiled:
            if not expression:
                continue
            path = expression.split(".")
            field = Partner._fields.get(path[-1]) if len(path) == 2 else None
            if (
                tree is not None
                or path[0] != "object"
                or field is None
                or not field.store
                or not field.column_type
                or field.type not in ("char", "text", "selection", "integer")
                or field.translate
                or field.company_dependent
            ):
                return None
            names.append(field.name)
        types = {name: Partner._fields[name].type for name in names}
        empty = (None, False, "")

        def write(values):
            out = []
            index = 0
            for literal, expression, _tree, default in compiled:
                out.append(literal)
                if expression:
                    value = values[index]
                    index += 1
                    out.append(str(value) if value not in empty else default)
            return "".join(out)

        def sql(partner):
            # The same text in SQL: each value as ``str()`` gives it, the
            # default for the values ``write`` takes as empty (0 for numbers).
            pieces = []
            index = 0
            for literal, expression, _tree, default in compiled:
                if literal:
                    pieces.append(SQL("%s::text", literal))
                if expression:
                    name = names[index]
                    index += 1
                    pieces.append(
                        SQL(
                            "COALESCE(NULLIF(%s, %s)::text, %s::text)",
                            SQL("%s.%s", SQL.identifier(partner), SQL.identifier(name)),
                            0 if types[name] == "integer" else "",
                            default,
                        )
                    )
            return SQL("(%s)", SQL(" || ").join(pieces)) if pieces else SQL("''")

        return {"fields": names, "write": write, "sql": sql}

    def _sms_copy_messages(self, rows, columns, recent=False):
        """Insert queued messages with COPY: ``rows`` of (group, partner,
        number, email, channel, body, body hash, encoding, chars, parts,
        cost); ``recent``: skipped by the 24-hour guard instead."""
        skipped = {}
        if recent:
            rows = [(*row[:9], 0, 0) for row in rows]  # nothing sent, nothing paid
            skipped = {
                "skip_reason": "recent",
                "failure_reason": self._sms_recent_reason(),
            }
        self.env["sms.gateway.message"]._sms_copy(
            MESSAGE_COLUMNS,
            rows,
            {
                **skipped,
                "mailing_id": columns["mailing"],
                "state": "canceled" if recent else "queued",
                "scheduled_at": columns["scheduled"],
                "attempt_count": 0,
                "user_id": columns["user"],
                "company_id": columns["company"],
                "currency_id": columns["currency"],
                "create_date": columns["now"],
                "write_date": columns["now"],
            },
        )

    def _sms_insert_skipped(self, source):
        """Record every excluded recipient with the reason (state canceled)."""
        self.env.cr.execute(
            SQL(
                """
                INSERT INTO sms_gateway_message
                    (uid, mailing_id, group_id, partner_id, number, email, channel,
                     state, skip_reason, failure_reason, parts, cost, scheduled_at,
                     attempt_count, user_id, company_id, create_date, write_date)
                SELECT %(key)s,
                       %(mailing)s, r.group_id, r.partner_id, r.number, r.email, 'sms',
                       'canceled', r.reason, %(label)s, 0, 0, %(scheduled)s, 0,
                       %(user)s, %(company)s, %(now)s, %(now)s
                  FROM (%(source)s) r
                 WHERE r.reason IS NOT NULL
                """,
                source=source,
                label=self.env._("Not sent: excluded"),
                key=message_key_sql(SQL("r.partner_id")),
                **{
                    k: v
                    for k, v in self._sms_message_columns().items()
                    if k != "currency"
                },
            )
        )

    def _sms_sent_recently_sql(self, number, digest, exists=True):
        """SQL: the text of hash ``digest`` went to ``number`` (SQL) within
        24 hours, by another mailing (the 24-hour guard); the query of one
        such message when not ``exists``."""
        query = SQL(
            """
            SELECT 1 FROM sms_gateway_message o
             WHERE o.number = %(number)s AND o.body_hash = %(digest)s
               AND o.create_date > %(since)s
               AND o.mailing_id IS DISTINCT FROM %(mailing)s
               AND o.state NOT IN ('canceled', 'failed')
             LIMIT 1
            """,
            number=number,
            digest=digest,
            since=fields.Datetime.now() - timedelta(hours=24),
            mailing=self.id or None,
        )
        return SQL("EXISTS (%s)", query) if exists else query

    def _sms_recent_reason(self):
        return self.env._("The same text went to this number within 24 hours")

    def _sms_skip_recent(self, after=0):
        """Skip the same text to the same number within 24 hours (the
        messages written after id ``after``).

        One look-up in the index of number and text per message written
        (LATERAL ... LIMIT 1: never a scan of every message of the last 24
        hours, whatever the planner guesses of them)."""
        self.env.cr.execute(
            SQL(
                """
                UPDATE sms_gateway_message m
                   SET state = 'canceled', skip_reason = 'recent', failure_reason = %s,
                       parts = 0, cost = 0
                  FROM (SELECT n.id FROM sms_gateway_message n
                         CROSS JOIN LATERAL (%s) seen
                         WHERE n.mailing_id = %s AND n.id > %s AND n.state = 'queued'
                           AND n.channel = 'sms') hit
                 WHERE m.id = hit.id
                """,
                self._sms_recent_reason(),
                self._sms_sent_recently_sql(
                    SQL("n.number"), SQL("n.body_hash"), exists=False
                ),
                self.id,
                after,
            )
        )

    # ------------------------------------------------------------------
    # Limits, checked before anything is queued
    # ------------------------------------------------------------------

    def _sms_limits(
        self,
        partner_query,
        bulk,
        counts,
        preview=False,
        recipients=None,
        recent_scale=1.0,
    ):
        """What the limits make of this send, before anything is queued: the
        send window shows it and Send refuses with it.

        Returns {'recent': SMS recipients the 24-hour guard skips,
        'refusal': the message of the limit that refuses the send, or
        False}. The limits: the parts limit (a text without placeholders;
        with placeholders, each text is checked as it is written), the
        24-hour guard leaving nothing to send, the company's monthly cap, the
        user's cap.

        ``counts``: the counts of the recipient rule ({'sms':, 'email':,
        reason: count}); SMS the 24-hour guard skips do not count against the
        caps. For a text with placeholders the guard is known exactly once
        each text is written: ``recent`` counts the numbers that got a text
        of the same mailing text within 24 hours, and the caps count them.
        ``preview``: the send window's estimate as the user types (the guard
        is counted when a mailing of the same text went out recently; Send
        counts it exactly). ``recipients``: the recipients already staged
        (SQL rows as ``_sms_stage_sql`` gives them), instead of applying the
        recipient rule to ``partner_query`` again. ``recent_scale``: the
        partners are a sample of the send (a very large one, in the send
        window): what the guard skips among them is scaled by it.
        """
        self.ensure_one()
        sms, email = counts.get("sms", 0), counts.get("email", 0)
        compiled = self._sms_compiled_placeholders()
        constant = not any(expression for _l, expression, _t, _d in compiled)
        recent = 0
        try:
            if constant:
                text = self._sms_finish_text(self.body or "")
                self._sms_check_length(text, None)
            if sms and not self.allow_duplicates:
                recent = self._sms_count_recent(
                    partner_query,
                    bulk,
                    body_hash(text) if constant else None,
                    same_text_only=preview,
                    recipients=recipients,
                )
                recent = min(round(recent * recent_scale), sms)
                if recent >= sms and not email and (constant or preview):
                    raise UserError(self._sms_nothing_to_send_message())
            self._sms_check_caps(
                self.company_id,
                self.user_id,
                sms - recent if constant else sms,
                exclude_mailing=self._origin,
                at=self.scheduled_at,
            )
        except UserError as error:
            return {"recent": recent, "refusal": error.args[0]}
        return {"recent": recent, "refusal": False}

    def _sms_check_limits(
        self, partner_query, bulk, counts, preview=False, recipients=None
    ):
        """UserError, before anything is queued, when the send breaks a limit
        (see _sms_limits)."""
        refusal = self._sms_limits(
            partner_query, bulk, counts, preview=preview, recipients=recipients
        )["refusal"]
        if refusal:
            raise UserError(refusal)

    def _sms_same_text_mailings(self):
        """Ids of the company's other recent mailings of the same text."""
        return self.env.execute_query(
            SQL(
                """
                SELECT array_agg(id) FROM sms_gateway_mailing
                 WHERE body = %(body)s AND transliterate = %(transliterate)s
                   AND id IS DISTINCT FROM %(mailing)s
                   AND company_id = %(company)s
                   AND COALESCE(scheduled_at, create_date) > %(since)s
                """,
                body=self.body or "",
                transliterate=self.transliterate or "none",
                mailing=self.id or None,
                company=self.company_id.id,
                # Messages are written when their mailing is sent or due.
                since=fields.Datetime.now() - timedelta(days=31),
            )
        )[0][0]

    def _sms_count_recent(
        self, partner_query, bulk, digest, same_text_only=False, recipients=None
    ):
        """How many SMS recipients got the text of hash ``digest`` within 24 h.

        ``digest`` None (a text with placeholders): the numbers that got a
        text of a mailing with the same text and transliteration within 24 h,
        as each of them is written again the same way. With
        ``same_text_only`` (or a digest None) only mailings of the same text
        are looked at, so a text nobody sent costs one small query.
        """
        Partner = self.env["res.partner"]
        same_text = None
        if digest is None or same_text_only:
            same_text = self._sms_same_text_mailings()
            if not same_text:
                return 0
        if recipients is None:
            Partner._sms_flush_recipients()
            recipients = Partner._sms_recipient_sql(
                partner_query, kind=BULK if bulk else SINGLE
            )
        if digest is None:
            condition = SQL(
                """
                EXISTS (SELECT 1 FROM sms_gateway_message o
                         WHERE o.number = r.number AND o.mailing_id = ANY(%(mailings)s)
                           AND o.create_date > %(since)s
                           AND o.state NOT IN ('canceled', 'failed'))
                """,
                mailings=same_text,
                since=fields.Datetime.now() - timedelta(hours=24),
            )
        else:
            condition = self._sms_sent_recently_sql(SQL("r.number"), digest)
        return self.env.execute_query(
            SQL(
                """
                SELECT count(*) FROM (%s) r
                 WHERE r.reason IS NULL AND r.channel = 'sms' AND %s
                """,
                recipients,
                condition,
            )
        )[0][0]

    def _sms_nothing_to_send_message(self):
        return self.env._(
            "Nothing to send: every recipient got the same text within the "
            'last 24 hours. Tick "Send again within 24 hours" to send anyway.'
        )

    # ------------------------------------------------------------------
    # Caps
    # ------------------------------------------------------------------

    @api.model
    def _sms_month_bounds(self, company, at):
        """[start, end) in UTC of the calendar month of ``at`` (UTC), in the
        company's time zone (its contact's; UTC when it has none).

        The monthly cap is the company's: one clock decides for all its
        senders, whatever their own time zones, as the provider's invoice
        does for the company.
        """
        tz = pytz.timezone(company.sudo().partner_id.tz or "UTC")
        local = pytz.utc.localize(at).astimezone(tz)
        first = local.date().replace(day=1)
        following = (first + timedelta(days=32)).replace(day=1)

        def utc(day):
            start = tz.localize(datetime.combine(day, time.min))
            return start.astimezone(pytz.utc).replace(tzinfo=None)

        return utc(first), utc(following)

    @api.model
    def _sms_counted_domain(self, exclude_mailing=None):
        """The messages a cap counts: SMS that were not canceled or failed
        (every SMS of the company: its mailings', Odoo's apps')."""
        counted = [("channel", "=", "sms"), ("state", "not in", ("canceled", "failed"))]
        if exclude_mailing:
            counted.append(("mailing_id", "!=", exclude_mailing.id))
        return counted

    @api.model
    def _sms_monthly_cap_left(self, company, at=None, exclude_mailing=None):
        """How many SMS the company's monthly cap leaves for the month of
        ``at`` (now by default): the cap less the SMS due that month."""
        at = at or fields.Datetime.now()
        start, end = self._sms_month_bounds(company, at)
        used = (
            self.env["sms.gateway.message"]
            .sudo()
            .search_count(
                [
                    *self._sms_counted_domain(exclude_mailing),
                    ("company_id", "=", company.id),
                    ("scheduled_at", ">=", start),
                    ("scheduled_at", "<", end),
                ]
            )
        )
        return company.sms_gateway_monthly_cap - used

    @api.model
    def _sms_check_caps(self, company, user, count, exclude_mailing=None, at=None):
        """UserError when ``count`` more SMS of ``user``, due at ``at`` (now by
        default), would go over the company's monthly cap or the user's cap.

        SMS count in the month (or the user's window) they are due in; the
        canceled and failed ones do not count, a resent one counts again.
        """
        Message = self.env["sms.gateway.message"].sudo()
        at = at or fields.Datetime.now()
        counted = self._sms_counted_domain(exclude_mailing)
        if company.sms_gateway_monthly_cap:
            left = self._sms_monthly_cap_left(company, at, exclude_mailing)
            if count > left:
                raise UserError(
                    self.env._(
                        "This send has %(count)s SMS but %(company)s's monthly cap "
                        "of %(cap)s leaves %(left)s. Send to fewer recipients, or "
                        "ask a system administrator to raise the cap (Settings > SMS).",
                        count=count,
                        left=max(left, 0),
                        company=company.name,
                        cap=company.sms_gateway_monthly_cap,
                    )
                )
        if company.sms_gateway_user_cap:
            days = company.sms_gateway_user_cap_days or 30
            used = Message.search_count(
                [
                    *counted,
                    ("user_id", "=", user.id),
                    ("scheduled_at", ">", at - timedelta(days=days)),
                ]
            )
            left = company.sms_gateway_user_cap - used
            if count > left:
                values = {
                    "count": count,
                    "left": max(left, 0),
                    "cap": company.sms_gateway_user_cap,
                    "days": days,
                    "user": user.name,
                }
                if user == self.env.user:
                    message = self.env._(
                        "This send has %(count)s SMS but you have %(left)s left of "
                        "your cap of %(cap)s SMS per %(days)s days. Send to fewer "
                        "recipients, or ask a system administrator to raise the cap "
                        "(Settings > SMS).",
                        **values,
                    )
                else:
                    message = self.env._(
                        "This send has %(count)s SMS but %(user)s has %(left)s left "
                        "of their cap of %(cap)s SMS per %(days)s days. Send fewer, or "
                        "ask a system administrator to raise the cap (Settings > SMS).",
                        **values,
                    )
                raise UserError(message)
