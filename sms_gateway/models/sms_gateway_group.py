# Copyright 2026 sms_gateway authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""SMS groups: recipient lists a user keeps, may share, and sends to.

Privacy comes from record rules (security/sms_gateway_group_security.xml): a
user sees the groups they own or that are shared with them; the owner decides
whether colleagues may also edit. Members are rows of
``sms.gateway.group.member`` (with a note); a group may also have a dynamic
filter whose matching partners count as members when an SMS is sent.

Nothing here loads a group's members into Python: counts are SQL over the
members, and ``_sms_recipient_partners_query()`` returns a ``Query``.
"""

import logging

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.models import READ_GROUP_NUMBER_GRANULARITY
from odoo.osv import expression
from odoo.tools import SQL

from ..tools.domain import DomainError, DomainValues, check_domain, parse_domain

_logger = logging.getLogger(__name__)

MANAGER_GROUP = "sms_gateway.group_sms_gateway_manager"
USER_GROUP = "sms_gateway.group_sms_gateway_user"
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
# Dynamic groups looked up per query when listing a partner's groups.
DYNAMIC_BATCH = 100
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

    def _sms_member_counts(self):
        """{group id: (members, granted, opted out, no mobile, sendable)}.

        One SQL statement for all groups, members never loaded: each group's
        members (active and allowed by record rules: the partners the current
        user could send to) go through the recipient rule of a bulk send
        (``res.partner._sms_recipient_sql``), as a send to the group would.
        """
        groups = self._origin.filtered("id")
        if not groups:
            return {}
        self.env["sms.gateway.group.member"].flush_model()
        Partner = self.env["res.partner"]
        Partner._sms_flush_recipients()
        selects = []
        for group in groups:
            query = Partner._search(group._sms_recipient_domain(strict=False))
            if query.is_empty():
                continue
            selects.append(
                SQL(
                    """
                    SELECT %(group)s, COUNT(*),
                           COUNT(*) FILTER (WHERE p.sms_consent = 'granted'),
                           COUNT(*) FILTER (WHERE r.reason = 'opted_out'),
                           COUNT(*) FILTER (WHERE r.reason = 'no_mobile'
                                              OR r.reason = 'landline'),
                           COUNT(*) FILTER (WHERE r.reason IS NULL)
                      FROM (%(rows)s) r
                      JOIN res_partner p ON p.id = r.partner_id
                    """,
                    group=group.id,
                    rows=Partner._sms_recipient_sql(query),
                )
            )
        if not selects:
            return {}
        rows = self.env.execute_query(SQL(" UNION ALL ").join(selects))
        return {row[0]: row[1:] for row in rows}

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
    # Recipients: used by the send wizard
    # ------------------------------------------------------------------

    @api.model
    def _sms_user_domain(self, domain, label=None):
        """A domain on res.partner a user wrote (text, or a list from the web
        client or JSON), as a literal domain the current user may evaluate.

        The text is read as data (``tools.domain``: no code, bounded size;
        ``uid``, ``company_id``, ``company_ids`` and ``context_today()`` are
        the current user's); every field of every path must exist and be
        readable by the current user, and none may hold credentials. The
        caller evaluates it under the current user's rules (never sudo).
        Raises UserError saying what is not allowed.
        """
        label = label or self.env._("The recipients filter")
        env = self.env
        values = DomainValues(
            uid=env.uid,
            company_id=env.company.id,
            company_ids=tuple(env.companies.ids),
            today=fields.Date.context_today(self),
            tz=env.context.get("tz") or env.user.tz or "UTC",
        )
        try:
            if domain is None or isinstance(domain, str):
                parsed = parse_domain(domain, values)
            else:
                parsed = check_domain(domain)
            self._sms_check_domain_fields(env["res.partner"], parsed)
        except (DomainError, UserError) as error:
            raise UserError(
                env._(
                    "%(label)s cannot be used: %(error)s.",
                    label=label,
                    error=str(error.args[0]).rstrip("."),
                )
            ) from None
        return parsed

    @api.model
    def _sms_check_domain_fields(self, model, domain):
        """UserError unless every path of ``domain`` (on ``model``) is made of
        fields the current user may use (``field_refusal``)."""
        for leaf in domain:
            if not isinstance(leaf, tuple) or not isinstance(leaf[0], str):
                continue
            path, operator, value = leaf
            comodel = self._sms_check_path(model, path)
            if operator in ("any", "not any") and isinstance(value, list):
                if comodel is None:
                    raise UserError(
                        self.env._(
                            "%(path)s is not a relation: '%(operator)s' needs one",
                            path=path,
                            operator=operator,
                        )
                    )
                self._sms_check_domain_fields(comodel, value)

    @api.model
    def _sms_check_path(self, model, path):
        """The comodel a field path ends on (None for a plain field); raise
        UserError for a field that does not exist or may not be used."""
        current, field = model, None
        names = path.split(".")
        for index, name in enumerate(names):
            if field is not None and not field.relational:
                if field.type == "properties" or (
                    field.type in ("date", "datetime")
                    and name in READ_GROUP_NUMBER_GRANULARITY
                    and index == len(names) - 1
                ):
                    return None
                raise UserError(
                    self.env._(
                        "%(path)s: %(field)s is not a relation",
                        path=path,
                        field=field.name,
                    )
                )
            field = current._fields.get(name)
            if field is None:
                raise UserError(
                    self.env._(
                        "%(path)s: %(model)s has no field %(name)s",
                        path=path,
                        model=current._description,
                        name=name,
                    )
                )
            reason = field_refusal(self.env, field)
            if reason:
                raise UserError(
                    self.env._(
                        "%(path)s may not be used: %(reason)s", path=path, reason=reason
                    )
                )
            if field.relational:
                current = self.env[field.comodel_name]
        return current if field.relational else None

    def _sms_partner_domain(self, strict=True):
        """The dynamic filter as a literal domain on res.partner ([] for none),
        for the current user (see ``_sms_user_domain``).

        ``strict``: raise UserError when the current user may not use it (a
        send); otherwise such a filter matches nobody (counts, a partner's
        groups: a colleague's filter never breaks the reader's screens).
        """
        self.ensure_one()
        if not self.is_dynamic:
            return []
        try:
            return self._sms_user_domain(
                self.partner_domain,
                label=self.env._("The filter of group %s", self.display_name),
            )
        except UserError as error:
            if strict:
                raise
            _logger.info("SMS group %s: filter not used: %s", self.id, error.args[0])
            return expression.FALSE_DOMAIN

    def _sms_recipient_domain(self, strict=True):
        """Domain on res.partner of the members of ``self``: added ones and,
        for dynamic groups, the matches of their filter. No ids in it.
        ``strict``: see ``_sms_partner_domain``."""
        ids = tuple(self._origin.ids)
        if not ids:
            return expression.FALSE_DOMAIN
        domains = [
            [
                (
                    "id",
                    "in",
                    SQL(
                        "(SELECT partner_id FROM sms_gateway_group_member"
                        " WHERE group_id IN %s)",
                        ids,
                    ),
                )
            ]
        ]
        domains += [
            group._sms_partner_domain(strict=strict)
            for group in self
            if group.is_dynamic
        ]
        return expression.OR(domains)

    def _check_sms_send_access(self):
        """Raise AccessError unless the current user may send to ``self``.

        Record rules decide: the user must see every group (own, shared with
        them, or any as a manager, within their companies). A forged id, for
        a group that does not exist or is not visible, fails here.
        """
        if self.env.su:
            return
        if not self.env.user.has_group(USER_GROUP):
            raise AccessError(self.env._("Only SMS users can send SMS to groups."))
        self._sms_check_exist()
        self.check_access("read")

    @api.model
    def _sms_check_send_commands(self, commands):
        """AccessError for the groups that x2many ``commands`` (of a mailing
        or a send window) add, unless the user may send to them (forged ids
        too)."""
        ids = set()
        for command in commands or []:
            if isinstance(command, int):  # a plain list of ids
                ids.add(command)
            elif command[0] == fields.Command.SET:
                ids.update(command[2])
            elif command[0] == fields.Command.LINK:
                ids.add(command[1])
        if ids:
            self.browse(sorted(ids))._check_sms_send_access()

    def _sms_check_exist(self):
        """AccessError (not MissingError) for ids of groups that do not exist."""
        if len(self.sudo().exists()) != len(set(self.ids)):
            raise AccessError(self.env._("These SMS groups do not exist."))

    def _sms_recipient_partners_query(self, sendable_only=False):
        """``Query`` of res.partner: the members of ``self`` (added and matching
        the dynamic filters), active and visible to the current user.

        Nothing is loaded: use ``query.subselect()`` in SQL, or the query as a
        domain value: ``[('id', 'in', query)]``. ``sendable_only`` keeps only
        the partners a bulk send to ``self`` reaches (the recipient rule,
        ``res.partner._sms_recipient_sql``). Raises AccessError when the user
        may not send to these groups.
        """
        self._check_sms_send_access()
        Partner = self.env["res.partner"]
        query = Partner._search(self._sms_recipient_domain())
        if sendable_only and not query.is_empty():
            Partner._sms_flush_recipients()
            query = Partner._search(Partner._sms_recipient_search_domain(query))
        return query

    def _sms_sendable_partner_domain(self):
        """Domain on res.partner of the partners a bulk send to one of
        ``self`` reaches (the recipient rule, group by group)."""
        Partner = self.env["res.partner"]
        Partner._sms_flush_recipients()
        domains = []
        for group in self:
            query = Partner._search(group._sms_recipient_domain(strict=False))
            if not query.is_empty():
                domains.append(Partner._sms_recipient_search_domain(query))
        return expression.OR(domains) if domains else expression.FALSE_DOMAIN

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

    @api.model
    def _sms_groups_by_partner(self, partners):
        """{partner id: group ids} of the groups the current user sees that
        ``partners`` belong to, by being added or by a dynamic filter."""
        result = {pid: set() for pid in partners.ids}
        if not partners.ids:
            return result
        Member = self.env["sms.gateway.group.member"]
        for member_group, partner in Member._read_group(
            [("partner_id", "in", partners.ids), ("group_id.active", "=", True)],
            ["group_id", "partner_id"],
        ):
            result[partner.id].add(member_group.id)
        dynamic = self.search([("is_dynamic", "=", True)])
        Partner = self.env["res.partner"]
        for start in range(0, len(dynamic), DYNAMIC_BATCH):
            selects = []
            for group in dynamic[start : start + DYNAMIC_BATCH]:
                query = Partner._search(
                    expression.AND(
                        [
                            [("id", "in", partners.ids)],
                            group._sms_partner_domain(strict=False),
                        ]
                    )
                )
                if not query.is_empty():
                    selects.append(
                        query.select(SQL("%s", group.id), SQL('"res_partner".id'))
                    )
            if selects:
                sql = SQL(" UNION ALL ").join(SQL("(%s)", s) for s in selects)
                for group_id, partner_id in self.env.execute_query(sql):
                    result[partner_id].add(group_id)
        return result

    @api.model
    def _sms_partner_search_domain(self, operator, value):
        """Domain on res.partner for a search on their SMS groups."""
        if operator in expression.NEGATIVE_TERM_OPERATORS:
            positive = expression.TERM_OPERATORS_NEGATION[operator]
            return ["!", *self._sms_partner_search_domain(positive, value)]
        if value is False or value is None:
            # ('sms_gateway_group_ids', '=', False): in none of the visible groups
            static = [
                (
                    "id",
                    "in",
                    SQL(
                        "(SELECT partner_id FROM sms_gateway_group_member"
                        " WHERE group_id IN %s)",
                        self._search([]).subselect(),
                    ),
                )
            ]
            dynamic = self.search([("is_dynamic", "=", True)])
            domains = [static] + [g._sms_partner_domain(strict=False) for g in dynamic]
            return ["!", *expression.OR(domains)]
        if isinstance(value, str):
            groups = self.search([("name", operator, value)])
        else:
            ids = [value] if isinstance(value, int) else list(value)
            groups = self.search([("id", "in", ids)])
        return groups._sms_recipient_domain(strict=False)

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
