# Copyright 2026 sms_gateway authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""SMS consent and the SMS number (E.164) of partners.

The opt-out side is Odoo's ``phone.blacklist``, kept in sync both ways:
refusing consent blacklists the number, blacklisting a number refuses the
consent of every partner with that number. Removing a number from the
blacklist never grants consent again: only a person does that. Only a
refusal lists a number: a refused partner given another number keeps its
refusal, and the new number is not listed.

A change of consent needs the right to write the partner and is always
tracked; the opt-out list is written with superuser rights only as the
consequence of such a change.
"""

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from ..tools import phone as phone_tools

# Context key set while consent and blacklist are being synchronised, so that
# one side does not call the other back. Only its value NO_SYNC_TOKEN counts:
# a context comes from the client too (any RPC can set a key to true), and
# the client must not skip the checks and the sync. Use ``sms_no_sync()``.
NO_SYNC = "sms_gateway_no_consent_sync"
NO_SYNC_TOKEN = object()
CONSENT_FIELDS = ("sms_consent", "sms_consent_date", "sms_consent_source")
# Context keys of mail.thread that turn tracking off: never for consent.
TRACKING_OFF = ("tracking_disable", "mail_notrack")


def sms_no_sync(records):
    """``records`` in a context where consent and opt-out list do not sync."""
    return records.with_context(**{NO_SYNC: NO_SYNC_TOKEN})


def sms_is_no_sync(env):
    """Whether the sync is off in ``env`` (set by the module, not a client)."""
    return env.context.get(NO_SYNC) is NO_SYNC_TOKEN


class ResPartner(models.Model):
    _inherit = "res.partner"

    sms_consent = fields.Selection(
        [("unknown", "Unknown"), ("granted", "Granted"), ("refused", "Refused")],
        string="SMS Consent",
        default="unknown",
        required=True,
        index=True,
        tracking=True,
        copy=False,
        help="Granted: the partner agreed to receive SMS; bulk sends go only to "
        "granted partners. Unknown: a single SMS can still be sent after a "
        "warning. Refused: no SMS at all; the number is on the opt-out list.",
    )
    sms_consent_date = fields.Datetime(
        string="SMS Consent Date",
        tracking=True,
        copy=False,
        help="When the consent was last given or refused.",
    )
    sms_consent_source = fields.Selection(
        [
            ("manual", "Manual"),
            ("import", "Import"),
            ("reply", "SMS reply"),
            ("web_form", "Web form"),
            ("opt_out", "Opt-out list"),
            ("api", "API / integration"),
        ],
        string="SMS Consent Source",
        tracking=True,
        copy=False,
    )
    sms_number = fields.Char(
        string="SMS Number",
        compute="_compute_sms_number",
        store=True,
        index="btree_not_null",
        help="The partner's mobile number in international E.164 form (+358...), "
        "read from Mobile, else from Phone when that is a mobile number, with "
        "the partner's country, else the company's.",
    )
    sms_number_state = fields.Selection(
        [
            ("mobile", "Mobile"),
            ("landline", "Not a mobile"),
            ("invalid", "Invalid"),
            ("missing", "Missing"),
        ],
        string="SMS Number Status",
        compute="_compute_sms_number",
        store=True,
        index=True,
    )
    sms_number_error = fields.Char(
        string="SMS Number Problem",
        compute="_compute_sms_number",
        store=True,
    )
    sms_is_blacklisted = fields.Boolean(
        string="SMS Opted Out",
        compute="_compute_sms_is_blacklisted",
        search="_search_sms_is_blacklisted",
        help="The SMS number is on Odoo's phone blacklist (opt-out list).",
    )

    # ------------------------------------------------------------------
    # Computes
    # ------------------------------------------------------------------

    def _sms_number_region(self):
        """ISO code of the country numbers without a prefix belong to."""
        self.ensure_one()
        company = self.company_id or self.env.company
        country = (
            self.country_id or company.sms_gateway_country_id or company.country_id
        )
        return country.code or None

    @api.depends("mobile", "phone", "country_id", "company_id")
    def _compute_sms_number(self):
        for partner in self:
            values = self._sms_number_values(
                [partner.mobile, partner.phone], partner._sms_number_region()
            )
            partner.update(values)

    @api.model
    def _sms_number_values(self, candidates, region):
        """Pick the number SMS go to among ``candidates`` (mobile first).

        The first candidate that is a mobile number wins; otherwise the first
        filled candidate tells why there is no SMS number.
        """
        first = None
        for raw in candidates:
            if not raw:
                continue
            try:
                e164 = phone_tools.normalize(raw, region)
            except ValueError as error:
                result = {
                    "sms_number": False,
                    "sms_number_state": "invalid",
                    "sms_number_error": str(error),
                }
            else:
                if phone_tools.is_mobile(e164):
                    return {
                        "sms_number": e164,
                        "sms_number_state": "mobile",
                        "sms_number_error": False,
                    }
                result = {
                    "sms_number": e164,
                    "sms_number_state": "landline",
                    "sms_number_error": self.env._(
                        "%(number)s is not a mobile number.", number=e164
                    ),
                }
            first = first or result
        return first or {
            "sms_number": False,
            "sms_number_state": "missing",
            "sms_number_error": False,
        }

    @api.depends("sms_number")
    def _compute_sms_is_blacklisted(self):
        numbers = [n for n in self.mapped("sms_number") if n]
        blacklisted = set()
        if numbers:
            blacklisted = set(
                self.env["phone.blacklist"]
                .sudo()
                .search([("number", "in", numbers), ("active", "=", True)])
                .mapped("number")
            )
        for partner in self:
            partner.sms_is_blacklisted = partner.sms_number in blacklisted

    def _search_sms_is_blacklisted(self, operator, value):
        if operator not in ("=", "!=") or not isinstance(value, bool):
            raise UserError(
                self.env._("SMS Opted Out can only be searched as true or false.")
            )
        listed = SQL("(SELECT number FROM phone_blacklist WHERE active)")
        if (operator == "=") == value:
            return [("sms_number", "in", listed)]
        return ["|", ("sms_number", "=", False), ("sms_number", "not in", listed)]

    # ------------------------------------------------------------------
    # Consent and opt-out, kept in sync with phone.blacklist
    # ------------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if vals.get("sms_consent", "unknown") != "unknown":
                vals.setdefault("sms_consent_date", fields.Datetime.now())
                vals.setdefault("sms_consent_source", "manual")
        partners = super().create(vals_list)
        to_sync = partners.filtered(lambda p: p.sms_number)
        if to_sync and not sms_is_no_sync(self.env):
            to_sync._sms_sync_opt_out()
        return partners

    def write(self, vals):
        if sms_is_no_sync(self.env):
            return super().write(vals)
        if set(vals) & set(CONSENT_FIELDS) and any(
            self.env.context.get(key) for key in TRACKING_OFF
        ):
            # Consent is evidence: its changes are always in the chatter.
            return self.with_context(**dict.fromkeys(TRACKING_OFF, False)).write(vals)
        if "sms_consent" not in vals:
            result = super().write(vals)
            if {"mobile", "phone", "country_id", "company_id"} & set(vals):
                # A new number on the list refuses consent; a new number of a
                # refused partner is not listed: only a refusal lists (whoever
                # may change a number, the portal user their own, could list
                # any number otherwise, or put back one a manager took off).
                self._sms_sync_opt_out(list_refused=False)
            return result
        # A consent change: stamp its date and source on the partners whose
        # consent really changes, check it, then sync the opt-out list. The
        # caller's right to write the partners is checked even when nothing
        # changes: the sync below runs with more rights than theirs.
        self.check_access("write")
        consent = vals["sms_consent"]
        changed = self.filtered(lambda p: p.sms_consent != consent)
        if consent == "granted":
            changed._sms_check_can_grant()
        other_vals = {k: v for k, v in vals.items() if k not in CONSENT_FIELDS}
        if other_vals and self - changed:
            super(ResPartner, self - changed).write(other_vals)
        if changed:
            changed_vals = dict(vals)
            changed_vals.setdefault("sms_consent_date", fields.Datetime.now())
            changed_vals.setdefault("sms_consent_source", "manual")
            super(ResPartner, changed).write(changed_vals)
        changed._sms_sync_opt_out()
        (self - changed)._sms_sync_opt_out(list_refused=False)
        return True

    def _sms_check_can_grant(self):
        listed = self.filtered("sms_is_blacklisted")
        if listed:
            raise UserError(
                self.env._(
                    "SMS consent cannot be granted while the number is on the opt-out "
                    "list: %(partners)s. Remove the number from the opt-out list "
                    "(SMS > Configuration > Opt-out List) first, if the person asked "
                    "to receive SMS again.",
                    partners=", ".join(
                        f"{p.display_name} ({p.sms_number})" for p in listed[:10]
                    ),
                )
            )

    def _sms_sync_opt_out(self, list_refused=True):
        """Make consent and the opt-out list agree for these partners.

        Refused consent puts the number on the blacklist (when
        ``list_refused``: for partners whose consent just became refused or
        that are created refused, never for a partner merely saved again or
        given another number); a blacklisted number refuses the consent of its
        partner.

        The list is written with superuser rights: callers run this only
        after a write the current user was allowed to make on ``self``.
        """
        partners = sms_no_sync(self)
        refused = partners.filtered(
            lambda p: list_refused and p.sms_consent == "refused" and p.sms_number
        )
        to_list = refused.filtered(lambda p: not p.sms_is_blacklisted)
        if to_list:
            # Not under NO_SYNC: other partners sharing the number are refused too.
            self.env["phone.blacklist"].sudo()._add(
                list(set(to_list.mapped("sms_number"))),
                message=self.env._(
                    "Opted out of SMS: consent refused on %(partners)s.",
                    partners=", ".join(to_list.mapped("display_name")[:10]),
                ),
            )
        to_refuse = partners.filtered(
            lambda p: p.sms_consent != "refused" and p.sms_is_blacklisted
        )
        if to_refuse:
            to_refuse._sms_refuse_from_opt_out()

    def _sms_refuse_from_opt_out(self):
        """Refuse consent because the number is on the opt-out list."""
        tracked = self.with_context(**dict.fromkeys(TRACKING_OFF, False))
        sms_no_sync(tracked).write(
            {
                "sms_consent": "refused",
                "sms_consent_date": fields.Datetime.now(),
                "sms_consent_source": "opt_out",
            }
        )

    @api.model
    def _sms_partners_with_numbers(self, numbers):
        """Partners whose SMS number or phone is one of ``numbers`` (E.164)."""
        if not numbers:
            return self.browse()
        return self.with_context(active_test=False).search(
            ["|", ("sms_number", "in", numbers), ("phone_sanitized", "in", numbers)]
        )

    # ------------------------------------------------------------------
    # Buttons
    # ------------------------------------------------------------------

    def _sms_check_button_access(self, model):
        """Refuse a smart button to who may not read these partners or what
        the button opens (``model``): it names the partner and its SMS."""
        self.check_access("read")
        self.env[model].check_access("read")

    def action_sms_consent_grant(self):
        self.write({"sms_consent": "granted", "sms_consent_source": "manual"})

    def action_sms_consent_refuse(self):
        self.write({"sms_consent": "refused", "sms_consent_source": "manual"})

    # ------------------------------------------------------------------
    # SMS sent to the partner (sms.gateway.message): smart button
    # ------------------------------------------------------------------

    sms_gateway_message_count = fields.Integer(
        string="Sent SMS",
        compute="_compute_sms_gateway_message_count",
        groups="sms_gateway.group_sms_gateway_user,"
        "sms_gateway.group_sms_gateway_accountant",
    )

    @api.depends_context("uid", "allowed_company_ids")
    def _compute_sms_gateway_message_count(self):
        counts = dict(
            self.env["sms.gateway.message"]._read_group(
                [
                    ("partner_id", "in", self._origin.ids),
                    ("state", "!=", "canceled"),
                    ("direction", "=", "out"),
                ],
                ["partner_id"],
                ["__count"],
            )
        )
        for partner in self:
            partner.sms_gateway_message_count = counts.get(partner._origin, 0)

    def action_view_sms_gateway_messages(self):
        self.ensure_one()
        self._sms_check_button_access("sms.gateway.message")
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "sms_gateway.sms_gateway_message_action"
        )
        action["domain"] = [("partner_id", "=", self.id)]
        action["context"] = {}
        # Sent and received: the conversation with the partner.
        action["name"] = self.env._("SMS of %(partner)s", partner=self.display_name)
        return action

    # ------------------------------------------------------------------
    # SMS usage of the partner (sms.gateway.usage.report): smart button
    # ------------------------------------------------------------------

    sms_gateway_usage_parts = fields.Integer(
        string="SMS Parts",
        compute="_compute_sms_gateway_usage_parts",
        groups="sms_gateway.group_sms_gateway_user,"
        "sms_gateway.group_sms_gateway_accountant",
        help="Billed parts of the SMS sent to this contact that you can see.",
    )

    @api.depends_context("uid", "allowed_company_ids")
    def _compute_sms_gateway_usage_parts(self):
        parts = dict(
            self.env["sms.gateway.usage.report"]._read_group(
                [("partner_id", "in", self._origin.ids)], ["partner_id"], ["parts:sum"]
            )
        )
        for partner in self:
            partner.sms_gateway_usage_parts = parts.get(partner._origin, 0)

    def action_view_sms_gateway_usage(self):
        """The usage report on this partner, all periods."""
        self.ensure_one()
        self._sms_check_button_access("sms.gateway.usage.report")
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "sms_gateway.sms_gateway_usage_report_action"
        )
        action["domain"] = [("partner_id", "=", self.id)]
        action["context"] = {"search_default_group_user": 1}
        action["name"] = self.env._(
            "SMS usage of %(partner)s", partner=self.display_name
        )
        return action

    # ------------------------------------------------------------------
    # SMS groups (sms.gateway.group): the partner form's smart button
    # ------------------------------------------------------------------

    sms_gateway_group_ids = fields.Many2many(
        "sms.gateway.group",
        string="SMS Groups",
        compute="_compute_sms_gateway_group_ids",
        search="_search_sms_gateway_group_ids",
        groups="sms_gateway.group_sms_gateway_user",
        help="The SMS groups you can see that this contact belongs to, added or "
        "matching a group's dynamic filter.",
    )
    sms_gateway_group_count = fields.Integer(
        string="SMS Group Count",
        compute="_compute_sms_gateway_group_ids",
        groups="sms_gateway.group_sms_gateway_user",
    )

    sms_gateway_sendable_group_ids = fields.Many2many(
        "sms.gateway.group",
        string="SMS Groups Sendable In",
        compute="_compute_sms_gateway_sendable_group_ids",
        search="_search_sms_gateway_sendable_group_ids",
        groups="sms_gateway.group_sms_gateway_user",
        help="The SMS groups you can see whose bulk SMS reach this contact.",
    )

    @api.depends_context("uid", "allowed_company_ids")
    def _compute_sms_gateway_group_ids(self):
        Group = self.env["sms.gateway.group"]
        by_partner = Group._sms_groups_by_partner(self._origin)
        for partner in self:
            groups = Group.browse(sorted(by_partner.get(partner._origin.id, ())))
            partner.sms_gateway_group_ids = groups
            partner.sms_gateway_group_count = len(groups)

    @api.depends_context("uid", "allowed_company_ids")
    def _compute_sms_gateway_sendable_group_ids(self):
        Group = self.env["sms.gateway.group"]
        partners = self._origin
        by_partner = Group._sms_groups_by_partner(partners)
        sendable = {partner_id: [] for partner_id in partners.ids}
        for group in Group.browse(sorted(set().union(*by_partner.values()))):
            domain = [("id", "in", partners.ids), *group._sms_sendable_partner_domain()]
            for partner_id in self.search(domain).ids:
                sendable[partner_id].append(group.id)
        for partner in self:
            partner.sms_gateway_sendable_group_ids = Group.browse(
                sendable.get(partner._origin.id, [])
            )

    def _search_sms_gateway_sendable_group_ids(self, operator, value):
        if operator not in ("in", "=") or not value:
            raise UserError(
                self.env._(
                    "SMS Groups Sendable In can only be searched for given groups."
                )
            )
        ids = [value] if isinstance(value, int) else list(value)
        groups = self.env["sms.gateway.group"].search([("id", "in", ids)])
        return groups._sms_sendable_partner_domain()

    def _search_sms_gateway_group_ids(self, operator, value):
        return self.env["sms.gateway.group"]._sms_partner_search_domain(operator, value)

    def action_view_sms_gateway_groups(self):
        self.ensure_one()
        self._sms_check_button_access("sms.gateway.group")
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "sms_gateway.sms_gateway_group_action"
        )
        group_ids = self.env["sms.gateway.group"]._sms_groups_by_partner(self)[self.id]
        action["domain"] = [("id", "in", sorted(group_ids))]
        action["context"] = {"default_partner_ids": [self.id]}
        return action
