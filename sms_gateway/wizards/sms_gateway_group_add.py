# Copyright 2026 sms_gateway authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Add contacts to an SMS group: selected ones, or all matching a filter.

From the contact list the wizard gets ``active_ids``; when the user clicked
"Select all", the web client also sends ``active_domain`` and only the first
``web.active_ids_limit`` ids, so the domain is used then. The partners go into
the group with one INSERT ... SELECT: no loop over ids in Python.
"""

import json

from odoo import api, fields, models
from odoo.exceptions import UserError

from ..tools.domain import MAX_CHARS


class SmsGatewayGroupAdd(models.TransientModel):
    _name = "sms.gateway.group.add"
    _description = "Add Contacts to an SMS Group"

    group_id = fields.Many2one(
        "sms.gateway.group",
        help="Leave empty and give a name to create a new group.",
    )
    new_group_name = fields.Char(string="New Group")
    partner_ids = fields.Many2many(
        "res.partner",
        "sms_gateway_group_add_partner_rel",
        "wizard_id",
        "partner_id",
        string="Contacts",
    )
    partner_domain = fields.Char(
        help="All contacts matching this domain (JSON), when the whole list was "
        "selected.",
    )
    partner_count = fields.Integer(
        string="Contacts to Add", compute="_compute_partner_count"
    )

    @api.constrains("group_id")
    def _check_group_id(self):
        """A forged group id: a draft never names a group the user cannot see."""
        for wizard in self.filtered("group_id"):
            wizard.group_id._sms_check_exist()
            wizard.group_id.check_access("read")

    @api.model
    def default_get(self, fields_list):
        values = super().default_get(fields_list)
        context = self.env.context
        if context.get("active_model") != "res.partner":
            return values
        active_ids = context.get("active_ids") or []
        active_domain = context.get("active_domain")
        limit = int(
            self.env["ir.config_parameter"]
            .sudo()
            .get_param("web.active_ids_limit", default="20000")
        )
        # "Select all" sends the list's domain and at most ``limit`` ids: the
        # ids are the whole selection only when there are fewer than that.
        if active_domain is not None and (not active_ids or len(active_ids) >= limit):
            if "partner_domain" in fields_list:
                values["partner_domain"] = json.dumps(active_domain)
        elif active_ids and "partner_ids" in fields_list:
            values["partner_ids"] = [fields.Command.set(active_ids)]
        return values

    def _partner_domain(self):
        """The contacts to add as a domain; a stored one is checked like any
        domain a user writes (``sms.gateway.group._sms_user_domain``)."""
        self.ensure_one()
        if self.partner_domain:
            unreadable = self.env._("The selection of contacts cannot be read.")
            if len(self.partner_domain) > MAX_CHARS:
                raise UserError(unreadable)
            try:
                domain = json.loads(self.partner_domain)
            except (ValueError, RecursionError) as error:
                raise UserError(unreadable) from error
            if not isinstance(domain, list):
                raise UserError(unreadable)
            return self.env["sms.gateway.group"]._sms_user_domain(
                domain, label=self.env._("The selection of contacts")
            )
        return [("id", "in", self.partner_ids.ids)]

    @api.depends("partner_ids", "partner_domain")
    def _compute_partner_count(self):
        Partner = self.env["res.partner"]
        for wizard in self:
            if wizard.partner_domain:
                wizard.partner_count = Partner.search_count(wizard._partner_domain())
            else:
                wizard.partner_count = len(wizard.partner_ids)

    def action_add(self):
        self.ensure_one()
        group = self.group_id
        if not group:
            if not self.new_group_name:
                raise UserError(
                    self.env._("Choose a group, or give a name for a new one.")
                )
            group = self.env["sms.gateway.group"].create({"name": self.new_group_name})
        if not self.partner_domain and not self.partner_ids:
            raise UserError(self.env._("Select the contacts to add."))
        added = group._add_partners(self._partner_domain())
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success",
                "title": group.display_name,
                "message": self.env._(
                    "%(count)s contacts added to the group.", count=added
                ),
                "next": {"type": "ir.actions.act_window_close"},
            },
        }
