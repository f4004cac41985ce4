# Copyright 2026 sms_gateway authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Static members of an SMS group: one row per (group, partner), with a note."""

from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import SQL, create_index

NOTE_MAX_LENGTH = 255


class SmsGatewayGroupMember(models.Model):
    _name = "sms.gateway.group.member"
    _description = "SMS Group Member"
    _order = "id desc"
    _rec_name = "partner_id"

    group_id = fields.Many2one(
        "sms.gateway.group",
        required=True,
        ondelete="cascade",
        # indexed by the (group_id, partner_id) unique constraint and the
        # (group_id, id) index created in init()
    )
    partner_id = fields.Many2one(
        "res.partner",
        string="Contact",
        required=True,
        ondelete="cascade",
        index=True,
    )
    note = fields.Char(
        help=f"A note about this contact in this group (at most {NOTE_MAX_LENGTH} "
        "characters).",
    )
    company_id = fields.Many2one(related="group_id.company_id")
    sms_number = fields.Char(related="partner_id.sms_number")
    sms_number_state = fields.Selection(related="partner_id.sms_number_state")
    sms_consent = fields.Selection(related="partner_id.sms_consent")
    sms_is_blacklisted = fields.Boolean(related="partner_id.sms_is_blacklisted")
    email = fields.Char(related="partner_id.email")

    _sql_constraints = [
        (
            "group_partner_uniq",
            "UNIQUE(group_id, partner_id)",
            "This contact is already a member of the group.",
        ),
        (
            "note_length",
            f"CHECK(char_length(note) <= {NOTE_MAX_LENGTH})",
            f"A member note has at most {NOTE_MAX_LENGTH} characters.",
        ),
    ]

    def init(self):
        # The member list and the form's preview read a group's members newest
        # first; without this index a 100,000-member group is sorted each time.
        create_index(
            self.env.cr,
            "sms_gateway_group_member_group_id_id_index",
            self._table,
            ["group_id", "id"],
        )

    @api.constrains("note")
    def _check_note_length(self):
        for member in self:
            if member.note and len(member.note) > NOTE_MAX_LENGTH:
                raise ValidationError(
                    self.env._(
                        "The note of %(partner)s is %(length)s characters long; "
                        "a member note has at most %(max)s characters.",
                        partner=member.partner_id.display_name,
                        length=len(member.note),
                        max=NOTE_MAX_LENGTH,
                    )
                )

    @api.model
    def _insert_sql(self, group_id, partner_query=None, values=None):
        """INSERT memberships of ``group_id`` without loading partners.

        Either ``partner_query`` (an SQL selecting partner ids) or ``values``
        (a list of (partner_id, note)) gives the partners. Existing members are
        kept; an existing member's note is replaced only by a non-empty one.
        Return (inserted, updated) counts. The caller checks access first.
        """
        self.flush_model()
        now = fields.Datetime.now()
        uid = self.env.uid
        if partner_query is not None:
            source = SQL("SELECT pid, NULL::varchar FROM %s AS src(pid)", partner_query)
        else:
            source = SQL(
                "SELECT pid, NULLIF(note, '') FROM unnest(%s::int[], %s::varchar[])"
                " AS src(pid, note)",
                [pid for pid, _note in values],
                [note or "" for _pid, note in values],
            )
        rows = self.env.execute_query(
            SQL(
                """
                INSERT INTO sms_gateway_group_member
                    (group_id, partner_id, note,
                     create_uid, create_date, write_uid, write_date)
                SELECT %(group)s, src.pid, src.note,
                       %(uid)s, %(now)s, %(uid)s, %(now)s
                  FROM (%(source)s) AS src(pid, note)
                ON CONFLICT (group_id, partner_id) DO UPDATE
                   SET note = EXCLUDED.note, write_uid = %(uid)s, write_date = %(now)s
                 WHERE EXCLUDED.note IS NOT NULL
                   AND EXCLUDED.note IS DISTINCT FROM sms_gateway_group_member.note
                RETURNING (xmax = 0)
                """,
                group=group_id,
                uid=uid,
                now=now,
                source=source,
            )
        )
        inserted = sum(1 for (is_new,) in rows if is_new)
        self.invalidate_model()
        self.env["sms.gateway.group"].browse(group_id).invalidate_recordset()
        return inserted, len(rows) - inserted
