# Copyright 2026 sms_gateway authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Static members of an SMS group: one row per (group, partner), with a note.

A member never reveals more than its partner: a user sees (and adds) only the
members whose partner they may read themselves, company rules included, and
the member's contact fields are read through the partner under the reader's
own rights. The group and the partner of a member are fixed at creation: a
member is moved by removing it and adding the contact to the other group.
"""

from odoo import api, fields, models
from odoo.exceptions import AccessError, ValidationError
from odoo.osv import expression
from odoo.tools import SQL, create_index

NOTE_MAX_LENGTH = 255
# Fields of a membership that cannot change once it exists.
FIXED_FIELDS = ("group_id", "partner_id")


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
    # Read through the partner under the reader's rights (not as superuser, the
    # default of related fields): the member shows what the partner shows.
    sms_number = fields.Char(related="partner_id.sms_number", compute_sudo=False)
    sms_number_state = fields.Selection(
        related="partner_id.sms_number_state", compute_sudo=False
    )
    sms_consent = fields.Selection(related="partner_id.sms_consent", compute_sudo=False)
    sms_is_blacklisted = fields.Boolean(
        related="partner_id.sms_is_blacklisted", compute_sudo=False
    )
    email = fields.Char(related="partner_id.email", compute_sudo=False)

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

    # ------------------------------------------------------------------
    # Access: a member is visible only with its partner
    # ------------------------------------------------------------------

    @api.model
    def _sms_readable_partners_query(self):
        """``Query`` of the partners the current user may read (archived ones
        included): record rules of res.partner, company rules among them."""
        return self.env["res.partner"].with_context(active_test=False)._search([])

    @api.model
    def _search(self, domain, offset=0, limit=None, order=None):
        # Members of partners the user may not read are not found (lists,
        # counts, read_group): not even how many there are.
        if not self.env.su:
            domain = expression.AND(
                [domain, [("partner_id", "in", self._sms_readable_partners_query())]]
            )
        return super()._search(domain, offset=offset, limit=limit, order=order)

    def _check_access(self, operation):
        result = super()._check_access(operation)
        if result or self.env.su or not self._ids:
            return result
        partners = self.sudo().partner_id
        # one query under the user's rules (not a Python filter of each rule
        # over what may be 100,000 partners)
        readable = (
            self.env["res.partner"]
            .with_context(active_test=False)
            .search([("id", "in", partners.ids)])
        )
        hidden = partners - readable.sudo()
        if not hidden:
            return None
        forbidden = self.sudo().filtered(lambda m: m.partner_id in hidden)
        return forbidden.with_env(self.env), lambda: AccessError(
            self.env._(
                "You may not read the contact(s) %(ids)s (ids): only contacts you "
                "may read can be added to a group or seen in it.",
                ids=", ".join(str(pid) for pid in hidden.ids[:20]),
            )
        )

    def write(self, vals):
        if not self.env.su:
            self._sms_check_fixed_fields(vals)
        return super().write(vals)

    def _sms_check_fixed_fields(self, vals):
        """The group and the contact of a membership never change: moving a
        member would take it past the rules of the group it leaves."""
        for name in FIXED_FIELDS:
            if name not in vals:
                continue
            value = vals[name]
            value = value.id if isinstance(value, models.BaseModel) else value
            if any(member[name].id != value for member in self.sudo()):
                raise AccessError(
                    self.env._(
                        "The group and the contact of a group member cannot be "
                        "changed: remove the member and add the contact to the "
                        "other group instead."
                    )
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
        Return (inserted, already members) counts.

        The same rights as ``create()`` apply: the current user must be allowed
        to edit the group, and only the partners they may read are inserted
        (of ``partner_query``, the others are left out; in ``values``, one
        partner they may not read refuses all).
        """
        group = self.env["sms.gateway.group"].browse(group_id)
        if not self.env.su:
            group._sms_check_can_edit()
            self.check_access("create")
        self.flush_model()
        now = fields.Datetime.now()
        uid = self.env.uid
        if partner_query is not None:
            source = SQL("SELECT pid, NULL::varchar FROM %s AS src(pid)", partner_query)
        else:
            self._sms_check_partner_ids([pid for pid, _note in values])
            source = SQL(
                "SELECT pid, NULLIF(note, '') FROM unnest(%s::int[], %s::varchar[])"
                " AS src(pid, note)",
                [pid for pid, _note in values],
                [note or "" for _pid, note in values],
            )
        if not self.env.su:
            source = SQL(
                "SELECT src.pid, src.note FROM (%s) AS src(pid, note)"
                " WHERE src.pid IN %s",
                source,
                self._sms_readable_partners_query().subselect(),
            )
        ((wanted, inserted),) = self.env.execute_query(
            SQL(
                """
                WITH src AS (SELECT pid, note FROM (%(source)s) AS s(pid, note)),
                     ins AS (
                    INSERT INTO sms_gateway_group_member
                        (group_id, partner_id, note,
                         create_uid, create_date, write_uid, write_date)
                    SELECT %(group)s, src.pid, src.note,
                           %(uid)s, %(now)s, %(uid)s, %(now)s
                      FROM src
                    ON CONFLICT (group_id, partner_id) DO UPDATE
                       SET note = EXCLUDED.note, write_uid = %(uid)s,
                           write_date = %(now)s
                     WHERE EXCLUDED.note IS NOT NULL
                       AND EXCLUDED.note IS DISTINCT FROM sms_gateway_group_member.note
                    RETURNING (xmax = 0) AS is_new
                )
                SELECT (SELECT count(DISTINCT pid) FROM src),
                       (SELECT count(*) FROM ins WHERE is_new)
                """,
                group=group_id,
                uid=uid,
                now=now,
                source=source,
            )
        )
        self.invalidate_model()
        group.invalidate_recordset()
        return inserted, wanted - inserted

    @api.model
    def _sms_check_partner_ids(self, partner_ids):
        """AccessError unless the current user may read all these partners
        (one query, nothing loaded)."""
        if self.env.su or not partner_ids:
            return
        wanted = set(partner_ids)
        Partner = self.env["res.partner"].with_context(active_test=False)
        readable = set(Partner.search([("id", "in", list(wanted))]).ids)
        if wanted - readable:
            raise AccessError(
                self.env._(
                    "You may not read some of these contacts (ids %(ids)s): only "
                    "contacts you may read can be added to a group.",
                    ids=", ".join(str(pid) for pid in sorted(wanted - readable)[:20]),
                )
            )
