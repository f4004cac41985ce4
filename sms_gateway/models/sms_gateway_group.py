# Copyright 2026 sms_gateway authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""SMS groups: recipient lists a user keeps, may share, and sends to.

Privacy comes from record rules (security/sms_gateway_group_security.xml): a
user sees the groups they own or that are shared with them; the owner decides
whether colleagues may also edit. Members are rows of
``sms.gateway.group.member`` (with a note); a group may also have a dynamic
filter whose matching partners count as members when an SMS is sent.

Who the members are and whom a send reaches (the filter, the recipient rule
over the members, a partner's groups) is in ``sms_gateway_group_recipients.py``.
"""

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools import SQL

MANAGER_GROUP = "sms_gateway.group_sms_gateway_manager"
# Fields only the owner (or a manager) may change.
OWNER_FIELDS = {"user_id", "shared_user_ids", "shared_can_edit", "company_id"}
COUNT_FIELDS = (
    "member_count",
    "consent_granted_count",
    "opted_out_count",
    "no_mobile_count",
    "sendable_count",
)
PREVIEW_SIZE = 80
# Fields no domain or placeholder a user writes may use, whoever writes it:
# credentials (provider tokens, callback secrets) and access data (signup
# tokens...). Other fields with groups are usable by who may read them.
RESTRICTED_GROUPS = frozenset({"base.group_system", "base.group_erp_manager"})


def field_refusal(env, field):
    """Why the user of ``env`` may not use ``field`` in a domain or a
    placeholder, or None when they may."""
    groups = {name.strip() for name in (field.groups or "").split(",")} - {""}
    if groups & RESTRICTED_GROUPS or field.groups == ".":
        return env._(
            "the field %(field)s of %(model)s holds credentials or access data",
            field=field.name,
            model=env[field.model_name]._description,
        )
    if not field.is_accessible(env):
        return env._(
            "you may not read the field %(field)s of %(model)s",
            field=field.name,
            model=env[field.model_name]._description,
        )
    if field.relational and not env[field.comodel_name].has_access("read"):
        return env._(
            "you may not read %(model)s records",
            model=env[field.comodel_name]._description,
        )
    return None


class SmsGatewayGroup(models.Model):
    _name = "sms.gateway.group"
    _description = "SMS Group"
    _order = "name, id"
    _check_company_auto = True

    name = fields.Char(required=True)
    active = fields.Boolean(default=True)
    user_id = fields.Many2one(
        "res.users",
        string="Owner",
        required=True,
        index=True,
        default=lambda self: self.env.user,
        domain=[("share", "=", False)],
        check_company=True,
        help="The owner sees, edits and shares the group.",
    )
    shared_user_ids = fields.Many2many(
        "res.users",
        "sms_gateway_group_shared_user_rel",
        "group_id",
        "user_id",
        string="Shared With",
        domain=[("share", "=", False)],
        check_company=True,
        help="Colleagues who see this group and may send SMS to it.",
    )
    shared_can_edit = fields.Boolean(
        string="Colleagues May Edit",
        help="The colleagues it is shared with may also change its members, "
        "filter and note (not its owner or sharing).",
    )
    company_id = fields.Many2one(
        "res.company",
        required=True,
        index=True,
        default=lambda self: self.env.company,
    )
    note = fields.Text()
    member_ids = fields.One2many(
        "sms.gateway.group.member",
        "group_id",
        string="Memberships",
        help="Contacts added by hand, from the contact list or by import.",
    )
    member_preview_ids = fields.One2many(
        "sms.gateway.group.member",
        string="Latest Members",
        compute="_compute_member_preview_ids",
        help=f"The {PREVIEW_SIZE} members added last.",
    )
    partner_ids = fields.Many2many(
        "res.partner",
        string="Contacts in Group",
        compute="_compute_partner_ids",
        inverse="_inverse_partner_ids",
        search="_search_partner_ids",
        help="Contacts added to the group (not those of the dynamic filter). "
        "Reading or writing this field handles every member: for large groups "
        "use the member list, the contact list action or the import.",
    )
    is_dynamic = fields.Boolean(
        string="Dynamic Filter",
        help="Contacts matching the filter count as members when an SMS is sent, "
        "in addition to the contacts added to the group.",
    )
    partner_domain = fields.Char(
        string="Filter",
        default="[]",
        help="Contacts matching this filter at send time are members too.",
    )
    membership_count = fields.Integer(
        string="Added Contacts",
        compute="_compute_membership_count",
        help="Contacts added to the group by hand, from the list or by import.",
    )
    member_count = fields.Integer(
        string="Members",
        compute="_compute_counts",
        help="Active contacts you can see that are members: added ones and, for "
        "a dynamic group, those matching the filter now.",
    )
    consent_granted_count = fields.Integer(
        string="Consent Granted", compute="_compute_counts"
    )
    opted_out_count = fields.Integer(
        string="Opted Out",
        compute="_compute_counts",
        help="Consent refused or number on the opt-out list.",
    )
    no_mobile_count = fields.Integer(
        string="No Valid Mobile",
        compute="_compute_counts",
        help="No number, an invalid number or a number that is not a mobile.",
    )
    sendable_count = fields.Integer(
        string="Sendable",
        compute="_compute_counts",
        help="Members a bulk SMS reaches: consent granted, a valid mobile number, "
        "not opted out, one per number.",
    )
    is_owner = fields.Boolean(
        compute="_compute_access_flags",
        help="You own the group or are an SMS manager: you may share it.",
    )
    can_edit = fields.Boolean(
        compute="_compute_access_flags",
        help="You may change the group's members, filter and note.",
    )

    # ------------------------------------------------------------------
    # Computes
    # ------------------------------------------------------------------

    @api.depends_context("uid")
    @api.depends("member_ids")
    def _compute_member_preview_ids(self):
        Member = self.env["sms.gateway.group.member"]
        for group in self:
            if group._origin.id:
                group.member_preview_ids = Member.search(
                    [("group_id", "=", group._origin.id)], limit=PREVIEW_SIZE
                )
            else:
                group.member_preview_ids = Member

    @api.depends_context("uid")
    @api.depends("member_ids")
    def _compute_membership_count(self):
        ids = [gid for gid in self._origin.ids if gid]
        counts = {}
        if ids:
            counts = dict(
                self.env["sms.gateway.group.member"]._read_group(
                    [("group_id", "in", ids)], ["group_id"], ["__count"]
                )
            )
            counts = {group.id: count for group, count in counts.items()}
        for group in self:
            group.membership_count = counts.get(group._origin.id, 0)

    @api.depends_context("uid")
    @api.depends("member_ids.partner_id")
    def _compute_partner_ids(self):
        ids = [gid for gid in self._origin.ids if gid]
        partners = {gid: [] for gid in ids}
        if ids:
            Member = self.env["sms.gateway.group.member"]
            Member.flush_model(["group_id", "partner_id"])
            # only the contacts the reader may read (as the member list shows)
            readable = SQL("TRUE")
            if not self.env.su:
                readable = SQL(
                    "partner_id IN %s",
                    Member._sms_readable_partners_query().subselect(),
                )
            rows = self.env.execute_query(
                SQL(
                    "SELECT group_id, partner_id FROM sms_gateway_group_member"
                    " WHERE group_id IN %s AND %s ORDER BY id",
                    tuple(ids),
                    readable,
                )
            )
            for group_id, partner_id in rows:
                partners[group_id].append(partner_id)
        Partner = self.env["res.partner"]
        for group in self:
            group.partner_ids = Partner.browse(partners.get(group._origin.id, []))

    def _inverse_partner_ids(self):
        Member = self.env["sms.gateway.group.member"]
        for group in self:
            wanted = set(group.partner_ids.ids)
            members = Member.search([("group_id", "=", group.id)])
            members.filtered(
                lambda m, keep=wanted: m.partner_id.id not in keep
            ).unlink()
            new = wanted - set(members.partner_id.ids)
            if new:
                Member.create(
                    [{"group_id": group.id, "partner_id": pid} for pid in sorted(new)]
                )

    def _search_partner_ids(self, operator, value):
        return [("member_ids.partner_id", operator, value)]

    @api.depends_context("uid")
    @api.depends("user_id", "shared_user_ids", "shared_can_edit")
    def _compute_access_flags(self):
        user = self.env.user
        is_manager = self.env.su or user.has_group(MANAGER_GROUP)
        for group in self:
            owner = is_manager or not group.user_id or group.user_id == user
            group.is_owner = owner
            group.can_edit = owner or (
                group.shared_can_edit and user in group.shared_user_ids
            )

    @api.depends_context("uid", "allowed_company_ids")
    @api.depends("member_ids", "is_dynamic", "partner_domain")
    def _compute_counts(self):
        counts = self._sms_member_counts()
        for group in self:
            values = counts.get(group._origin.id) or (0,) * len(COUNT_FIELDS)
            group.update(dict(zip(COUNT_FIELDS, values, strict=True)))

    # ------------------------------------------------------------------
    # Constraints and CRUD
    # ------------------------------------------------------------------

    @api.constrains("is_dynamic", "partner_domain")
    def _check_partner_domain(self):
        """The filter is a literal domain its writer may evaluate (fields
        they may read), checked by Odoo's expression engine."""
        for group in self.filtered("is_dynamic"):
            try:
                self.env["res.partner"]._search(group._sms_partner_domain())
            except UserError as error:
                raise ValidationError(error.args[0]) from error
            except (ValueError, TypeError, KeyError) as error:
                raise ValidationError(
                    self.env._(
                        "The filter of group %(group)s is not valid: %(error)s",
                        group=group.display_name,
                        error=error,
                    )
                ) from error

    def write(self, vals):
        if OWNER_FIELDS & set(vals):
            self._sms_check_owner()
        return super().write(vals)

    def _sms_check_owner(self):
        """Only the owner (or a manager) changes owner, sharing and company."""
        if self.env.su or self.env.user.has_group(MANAGER_GROUP):
            return
        foreign = self.filtered(lambda g: g.user_id != self.env.user)
        if foreign:
            raise AccessError(
                self.env._(
                    "Only the owner of an SMS group can change its owner, sharing or "
                    "company: %(groups)s.",
                    groups=", ".join(foreign.mapped("display_name")),
                )
            )

    def copy(self, default=None):
        new_groups = super().copy(default)
        Member = self.env["sms.gateway.group.member"]
        for old, new in zip(self, new_groups, strict=True):
            Member.flush_model()
            Member._insert_sql(
                new.id,
                partner_query=SQL(
                    "(SELECT partner_id FROM sms_gateway_group_member"
                    " WHERE group_id = %s)",
                    old.id,
                ),
            )
            self.env.execute_query(
                SQL(
                    "UPDATE sms_gateway_group_member new SET note = old.note"
                    "  FROM sms_gateway_group_member old"
                    " WHERE new.group_id = %s AND old.group_id = %s"
                    "   AND old.partner_id = new.partner_id AND old.note IS NOT NULL",
                    new.id,
                    old.id,
                )
            )
        Member.invalidate_model()
        return new_groups

    def copy_data(self, default=None):
        vals_list = super().copy_data(default=default)
        for group, vals in zip(self, vals_list, strict=True):
            if "name" not in (default or {}):
                vals["name"] = self.env._("%s (copy)", group.name)
            if "user_id" not in (default or {}):
                vals["user_id"] = self.env.uid
        return vals_list

    # ------------------------------------------------------------------
    # Members
    # ------------------------------------------------------------------

    def _sms_check_can_edit(self):
        """Raise AccessError unless the current user may change the members."""
        self._sms_check_exist()
        self.check_access("write")
        self.env["sms.gateway.group.member"].check_access("create")

    def _add_partners(self, domain):
        """Add the partners matching ``domain`` (as the current user sees them)
        to ``self`` with one INSERT ... SELECT per group; return how many
        memberships were added."""
        self._sms_check_can_edit()
        query = self.env["res.partner"]._search(domain)
        if query.is_empty():
            return 0
        Member = self.env["sms.gateway.group.member"]
        added = 0
        for group in self:
            added += Member._insert_sql(group.id, partner_query=query.subselect())[0]
        return added

    def _remove_partners(self, domain):
        """Remove the memberships of the partners matching ``domain``."""
        self._sms_check_can_edit()
        query = self.env["res.partner"].with_context(active_test=False)._search(domain)
        members = self.env["sms.gateway.group.member"].search(
            [("group_id", "in", self.ids), ("partner_id", "in", query)]
        )
        count = len(members)
        members.unlink()
        return count

    # ------------------------------------------------------------------
    # Buttons
    # ------------------------------------------------------------------

    def _sms_partner_action(self, name, domain):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": name,
            "res_model": "res.partner",
            "view_mode": "list,form",
            "views": [
                (self.env.ref("sms_gateway.res_partner_view_list_sms").id, "list"),
                (False, "form"),
            ],
            "domain": domain,
            "context": {"create": False},
        }

    def action_view_members(self):
        return self._sms_partner_action(
            self.env._("Members of %s", self.display_name),
            [("sms_gateway_group_ids", "in", [self.id])],
        )

    def action_view_sendable(self):
        return self._sms_partner_action(
            self.env._("Sendable members of %s", self.display_name),
            [("sms_gateway_sendable_group_ids", "in", [self.id])],
        )

    def action_view_memberships(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "sms_gateway.sms_gateway_group_member_action"
        )
        action["name"] = self.env._("Added contacts of %s", self.display_name)
        action["domain"] = [("group_id", "=", self.id)]
        action["context"] = {
            "default_group_id": self.id,
            "create": self.can_edit,
            "edit": self.can_edit,
            "delete": self.can_edit,
        }
        return action

    def _sms_wizard_action(self, model, name):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": name,
            "res_model": model,
            "view_mode": "form",
            "target": "new",
            "context": {"default_group_id": self.id},
        }

    def action_add_partners(self):
        return self._sms_wizard_action(
            "sms.gateway.group.add", self.env._("Add contacts to %s", self.display_name)
        )

    def action_import(self):
        return self._sms_wizard_action(
            "sms.gateway.group.import", self.env._("Import into %s", self.display_name)
        )

    def action_send_sms(self):
        """The send window for this group (as from the list's gear menu)."""
        self.ensure_one()
        self._check_sms_send_access()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Send SMS to %s", self.display_name),
            "res_model": "sms.gateway.send.wizard",
            "view_mode": "form",
            "target": "new",
            "context": {
                "active_model": self._name,
                "active_id": self.id,
                "active_ids": self.ids,
            },
        }
