# Copyright 2026 sms_gateway authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Who the members of SMS groups are, and whom a send to them reaches.

The added members and, for a dynamic group, the partners its filter (a
literal domain the user may evaluate, ``_sms_user_domain``) matches; the
send wizard's recipients, who may send to a group, the groups' counts through
the recipient rule (``res.partner._sms_recipient_sql``) and the groups a
partner is in.

Nothing here loads a group's members into Python: counts are SQL over the
members, and ``_sms_recipient_partners_query()`` returns a ``Query``.
"""

import logging

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.models import READ_GROUP_NUMBER_GRANULARITY
from odoo.osv import expression
from odoo.tools import SQL

from ..tools.domain import DomainError, DomainValues, check_domain, parse_domain
from .sms_gateway_group import field_refusal

_logger = logging.getLogger(__name__)

USER_GROUP = "sms_gateway.group_sms_gateway_user"
# Dynamic groups looked up per query when listing a partner's groups.
DYNAMIC_BATCH = 100


class SmsGatewayGroup(models.Model):
    _inherit = "sms.gateway.group"  # pylint: disable=consider-merging-classes-inherited

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
            if not field._description_searchable:
                # Odoo would drop the condition (match everybody) with an error
                # in the log: a filter meant to narrow a send would widen it.
                raise UserError(
                    self.env._(
                        "%(path)s: the field %(field)s cannot be searched",
                        path=path,
                        field=field.name,
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
    # Counts
    # ------------------------------------------------------------------

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
    # A partner's groups
    # ------------------------------------------------------------------

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
