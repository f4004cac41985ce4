# Copyright 2026 sms_gateway authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Send SMS: from partner lists (selected, or all of a filter), a partner
form, or recipient groups.

Everything the user sees updates as they type (the body field sends each
keystroke to the server, and the exact text engine answers): characters,
encoding, parts and the parts limit, the characters that force Unicode, the
estimated cost, and the recipients that will get the SMS or are excluded, by
reason.
"""

import math
from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools import SQL

from ..models.res_partner_recipient import BULK, SINGLE
from ..models.sms_gateway_mailing import TRANSLITERATE, TRANSLITERATE_HELP
from ..tools import sms_text

# Above this many partners the window counts a sample of about
# COUNT_SAMPLE of them and scales (an exact count of a million partners
# takes seconds; the exact counts are made when the mailing is prepared).
EXACT_COUNT_LIMIT = 200000
COUNT_SAMPLE = 50000

# Counts of the recipient rule (res_partner_recipient): channel or reason.
SUMMARY_FIELDS = {
    "sms": "count_sms_allowed",
    "no_consent": "count_no_consent",
    "opted_out": "count_opted_out",
    "no_mobile": "count_no_mobile",
    "landline": "count_landline",
    "duplicate": "count_duplicate",
    "email": "count_email",
}


class SmsGatewaySendWizard(models.TransientModel):
    _name = "sms.gateway.send.wizard"
    _description = "Send SMS"

    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company
    )
    partner_ids = fields.Many2many("res.partner", string="Recipients")
    partner_domain = fields.Char(
        string="Recipients Filter",
        help="All partners of this filter (when everything was selected in the list).",
    )
    group_ids = fields.Many2many(
        "sms.gateway.group", string="Groups", check_company=True
    )
    is_single = fields.Boolean(compute="_compute_is_single")
    name = fields.Char(
        string="Mailing Name",
        default=lambda self: self.env._(
            "SMS of %(date)s",
            date=fields.Datetime.context_timestamp(
                self, fields.Datetime.now()
            ).strftime("%Y-%m-%d %H:%M"),
        ),
    )
    body = fields.Text(string="Message")
    # The model of ``object`` in placeholders, for the placeholder picker.
    render_model = fields.Char(default="res.partner", readonly=True)
    transliterate = fields.Selection(
        TRANSLITERATE,
        default="none",
        required=True,
        help=TRANSLITERATE_HELP,
    )
    sender = fields.Char(
        help="Empty: each SMS account's own sender. A sender typed here goes "
        "through every account and must be registered with each provider."
    )
    send_mode = fields.Selection(
        [("now", "Send now"), ("later", "Send later")], default="now", required=True
    )
    scheduled_at = fields.Datetime(string="Send At")
    allow_duplicates = fields.Boolean(
        string="Send again within 24 hours",
        help="Send even to numbers that got the same text in the last 24 hours.",
    )
    email_fallback = fields.Boolean(
        string="E-mail when no mobile",
        help="Recipients without a valid mobile number but with an e-mail "
        "address get the text by e-mail instead.",
    )
    confirm_unknown_consent = fields.Boolean(
        string="I confirm this person may receive this SMS",
    )
    # What the text costs
    preview_partner_id = fields.Many2one("res.partner", string="Preview For")
    preview_body = fields.Text(string="Preview", compute="_compute_preview")
    chars = fields.Integer(string="Characters", compute="_compute_preview")
    encoding = fields.Char(compute="_compute_preview")
    units = fields.Integer(compute="_compute_preview")
    parts = fields.Integer(compute="_compute_preview")
    chars_left = fields.Integer(
        string="Left In This Part",
        compute="_compute_preview",
        help="Characters that still fit in the current part before another "
        "part is needed (in the text's encoding).",
    )
    # Read as the user (not as superuser, the default of related fields): a
    # draft shows only the settings of a company the user may read.
    max_parts = fields.Integer(
        related="company_id.sms_gateway_max_parts", compute_sudo=False
    )
    non_gsm = fields.Char(
        string="Characters Forcing Unicode", compute="_compute_preview"
    )
    too_long = fields.Boolean(compute="_compute_preview")
    cost_estimate = fields.Float(
        string="Estimated Cost", compute="_compute_cost", digits=(16, 2)
    )
    currency_id = fields.Many2one(
        related="company_id.sms_gateway_currency_id", compute_sudo=False
    )
    # Who gets it
    count_sms_allowed = fields.Integer(
        string="Allowed By Consent and Number", compute="_compute_summary"
    )
    counts_estimated = fields.Boolean(
        compute="_compute_summary",
        help="So many recipients that the counts are estimated from a sample; "
        "the exact counts are made when the mailing is prepared.",
    )
    count_sendable = fields.Integer(
        string="Will Receive",
        compute="_compute_limits",
        help="Recipients the SMS will go to: allowed by consent and number, "
        "less those the 24-hour guard skips.",
    )
    count_recent = fields.Integer(
        string="Same Text Within 24 Hours",
        compute="_compute_limits",
        help="Recipients who got this text in the last 24 hours: they are "
        'skipped unless "Send again within 24 hours" is ticked.',
    )
    limit_refusal = fields.Char(
        string="Send Will Be Refused",
        compute="_compute_limits",
        help="The limit (parts, 24-hour guard, monthly cap, your cap) that "
        "refuses this send as it stands.",
    )
    count_no_consent = fields.Integer(string="No Consent", compute="_compute_summary")
    count_opted_out = fields.Integer(string="Opted Out", compute="_compute_summary")
    count_no_mobile = fields.Integer(
        string="No Valid Mobile", compute="_compute_summary"
    )
    count_landline = fields.Integer(string="Landline", compute="_compute_summary")
    count_duplicate = fields.Integer(
        string="Duplicate Number", compute="_compute_summary"
    )
    count_email = fields.Integer(string="By E-mail", compute="_compute_summary")
    needs_consent_confirmation = fields.Boolean(compute="_compute_summary")
    provider_problem = fields.Char(compute="_compute_provider_problem")

    # ------------------------------------------------------------------
    # Defaults: where the wizard was opened from
    # ------------------------------------------------------------------

    @api.model
    def default_get(self, fields_list):
        values = super().default_get(fields_list)
        context = self.env.context
        if context.get("active_model") == "res.partner":
            ids = context.get("active_ids") or (
                [context["active_id"]] if context.get("active_id") else []
            )
            domain = context.get("active_domain")
            if domain is not None and self._sms_use_domain(ids, domain):
                values["partner_domain"] = repr(
                    self.env["sms.gateway.group"]._sms_user_domain(domain)
                )
            elif ids:
                values["partner_ids"] = [fields.Command.set(ids)]
        elif context.get("active_model") == "sms.gateway.group":
            values["group_ids"] = [fields.Command.set(context.get("active_ids") or [])]
            self.env["sms.gateway.group"]._sms_check_send_commands(values["group_ids"])
        return values

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            self.env["sms.gateway.group"]._sms_check_send_commands(
                vals.get("group_ids")
            )
            self._sms_later_when_scheduled(vals)
        return super().create(vals_list)

    def write(self, vals):
        self.env["sms.gateway.group"]._sms_check_send_commands(vals.get("group_ids"))
        self._sms_later_when_scheduled(vals)
        return super().write(vals)

    @api.model
    def _sms_later_when_scheduled(self, vals):
        """A time to send given without a send mode (a script, a default_
        context key) means "send later" at that time: never silently now."""
        if vals.get("scheduled_at") and "send_mode" not in vals:
            vals["send_mode"] = "later"

    @api.constrains("company_id")
    def _check_company_id(self):
        """A draft sends from one of the user's companies only."""
        if self.env.su:
            return
        foreign = self.company_id - self.env.companies
        if foreign:
            raise AccessError(
                self.env._(
                    "You cannot send SMS for a company you do not work in "
                    "(ids %(ids)s): switch company first.",
                    ids=", ".join(str(cid) for cid in foreign.ids),
                )
            )

    @api.constrains("partner_ids", "preview_partner_id", "group_ids")
    def _check_recipients_readable(self):
        """AccessError for recipients, a preview contact or groups the user
        may not read (forged ids, in values or ``default_*`` context keys): a
        draft never names nor renders them."""
        for wizard in self:
            (wizard.partner_ids | wizard.preview_partner_id).check_access("read")
            if wizard.group_ids:
                wizard.group_ids._check_sms_send_access()

    @api.constrains("partner_domain")
    def _check_partner_domain(self):
        """The domain is data the user may evaluate (see _sms_user_domain)."""
        Group = self.env["sms.gateway.group"]
        for wizard in self.filtered("partner_domain"):
            try:
                self.env["res.partner"]._search(
                    Group._sms_user_domain(wizard.partner_domain)
                )
            except UserError as error:
                raise ValidationError(error.args[0]) from error
            except (ValueError, TypeError, KeyError) as error:
                raise ValidationError(
                    self.env._("The recipients filter is not valid: %s", error)
                ) from error

    @api.model
    def _sms_use_domain(self, ids, domain):
        """Whether "select all" was used: the ids are all of the domain, or
        as many as the web client sends at most.

        The domain comes from the client: it is checked like any domain a
        user writes and counted with the user's rules (only the parameter is
        read as superuser).
        """
        domain = self.env["sms.gateway.group"]._sms_user_domain(domain)
        limit = int(
            self.env["ir.config_parameter"]
            .sudo()
            .get_param("web.active_ids_limit", 20000)
        )
        if len(ids) >= limit:
            return True
        return len(ids) > 1 and len(ids) >= self.env["res.partner"].search_count(domain)

    # ------------------------------------------------------------------
    # Recipients
    # ------------------------------------------------------------------

    @api.depends("partner_ids", "partner_domain", "group_ids")
    def _compute_is_single(self):
        for wizard in self:
            wizard.is_single = (
                len(wizard.partner_ids) == 1
                and not wizard.partner_domain
                and not wizard.group_ids
            )

    def _sms_partner_query(self):
        """Query of the recipients (partners), nothing loaded."""
        self.ensure_one()
        return self.env["sms.gateway.mailing"]._sms_partner_query(
            self.partner_ids._origin.ids,
            self.partner_domain,
            self.group_ids._origin,
        )

    def _sms_sample_query(self):
        """(SQL of partner ids, scale): the recipients, or for a very large
        send about COUNT_SAMPLE of them evenly spread and the factor that
        scales their counts to the whole send (1.0 when exact)."""
        self.ensure_one()
        query = self._sms_partner_query()
        if query is None:
            return None, 1.0
        if self.is_single:
            return query.subselect(), 1.0
        # The counts and the limits of one request ask for the same sample.
        subselect = query.subselect()
        key = (
            "sms_gateway_sample",
            self.env.uid,
            subselect.code,
            repr(subselect.params),
            EXACT_COUNT_LIMIT,
            COUNT_SAMPLE,
        )
        cache = self.env.cr.cache
        if key not in cache:
            self.env["res.partner"]._sms_flush_recipients()
            total = self.env.execute_query(
                SQL("SELECT count(*) FROM (%s) q", query.subselect())
            )[0][0]
            if total <= EXACT_COUNT_LIMIT:
                cache[key] = (query.subselect(), 1.0)
            else:
                # Spread by a hash of the id, not by the id: data written in
                # series has its patterns along the ids.
                step = math.ceil(total / COUNT_SAMPLE)
                sample = SQL(
                    "(SELECT q.id FROM (%s) q WHERE mod(abs(hashint4(q.id)), %s) = 0)",
                    query.subselect(),
                    step,
                )
                # About one partner in ``step`` (a hash spreads them evenly):
                # counting the sample exactly would cost another scan.
                cache[key] = (sample, float(step))
        return cache[key]

    @api.depends(
        "partner_ids", "partner_domain", "group_ids", "email_fallback", "is_single"
    )
    def _compute_summary(self):
        for wizard in self:
            counts, scale = wizard._sms_recipient_counts()
            for key, fname in SUMMARY_FIELDS.items():
                wizard[fname] = round(counts.get(key, 0) * scale)
            wizard.counts_estimated = scale != 1.0
            wizard.needs_consent_confirmation = bool(
                wizard.is_single and wizard.partner_ids.sms_consent == "unknown"
            )

    def _sms_recipient_counts(self):
        """({channel or reason: count} of the recipient rule for this send,
        the scale of a sample: see _sms_sample_query)."""
        self.ensure_one()
        partners, scale = self._sms_sample_query()
        if partners is None:
            return {}, 1.0
        counts = self.env["res.partner"]._sms_recipient_counts(
            partners,
            kind=SINGLE if self.is_single else BULK,
            email_fallback=self.email_fallback,
        )
        return counts, scale

    # ------------------------------------------------------------------
    # The text
    # ------------------------------------------------------------------

    def _sms_preview_partner(self):
        """The contact the preview is written for: one the user may read
        (a forged id in an unsaved draft is not rendered, nor named)."""
        self.ensure_one()
        if self.preview_partner_id:
            return self.preview_partner_id._origin._filtered_access("read")
        if self.partner_ids:
            return self.partner_ids._origin[:1]._filtered_access("read")
        query = self._sms_partner_query()
        if query is None:
            return self.env["res.partner"]
        query.limit = 1
        return self.env["res.partner"].browse(query)

    def _sms_mailing_values(self):
        self.ensure_one()
        return {
            "name": self.name or self.env._("SMS"),
            "body": self.body or "",
            "transliterate": self.transliterate,
            "sender": self.sender or False,
            "company_id": self.company_id.id,
            "allow_duplicates": self.allow_duplicates,
            "email_fallback": self.email_fallback,
            "group_ids": [fields.Command.set(self.group_ids._origin.ids)],
        }

    @api.depends("body", "transliterate", "preview_partner_id", "partner_ids")
    def _compute_preview(self):
        Mailing = self.env["sms.gateway.mailing"]
        for wizard in self:
            text = wizard.body or ""
            draft = Mailing.new(wizard._sms_mailing_values())
            partner = wizard._sms_preview_partner()
            try:
                text = (
                    draft._sms_render_for(partner)
                    if partner
                    else draft._sms_finish_text(text)
                )
            except UserError as error:
                text = error.args[0]
            info = sms_text.analyze(text)
            wizard.preview_body = text
            wizard.chars = info.chars
            wizard.encoding = info.encoding if text else False
            wizard.units = info.units
            wizard.parts = info.parts
            wizard.chars_left = info.remaining
            wizard.non_gsm = " ".join(info.non_gsm)
            wizard.too_long = info.parts > wizard.max_parts

    @api.depends(
        "count_sms_allowed",
        "count_email",
        "is_single",
        "body",
        "transliterate",
        "allow_duplicates",
        "send_mode",
        "scheduled_at",
        "company_id",
    )
    def _compute_limits(self):
        """What the limits make of the send as it stands, with the words Send
        would refuse it with (the mailing's own check, on a draft)."""
        Mailing = self.env["sms.gateway.mailing"]
        for wizard in self:
            wizard.count_sendable = wizard.count_sms_allowed
            wizard.count_recent = 0
            wizard.limit_refusal = False
            if not (wizard.body or "").strip():
                continue
            partners, scale = wizard._sms_sample_query()
            if partners is None:
                continue
            draft = Mailing.new(
                dict(wizard._sms_mailing_values(), scheduled_at=wizard._sms_send_at())
            )
            try:
                limits = draft._sms_limits(
                    partners,
                    not wizard.is_single,
                    {"sms": wizard.count_sms_allowed, "email": wizard.count_email},
                    preview=True,
                    recent_scale=scale,
                )
            except UserError as error:  # a placeholder that cannot be written
                limits = {"recent": 0, "refusal": error.args[0]}
            wizard.count_recent = limits["recent"]
            wizard.count_sendable = max(wizard.count_sms_allowed - limits["recent"], 0)
            wizard.limit_refusal = limits["refusal"]

    def _sms_send_at(self):
        """When the SMS go: the chosen time of a later send, else now."""
        self.ensure_one()
        now = fields.Datetime.now()
        if self.send_mode == "later" and self.scheduled_at and self.scheduled_at > now:
            return self.scheduled_at
        return now

    @api.depends("parts", "count_sendable", "company_id")
    def _compute_cost(self):
        for wizard in self:
            wizard.cost_estimate = (
                wizard.parts
                * wizard.count_sendable
                * wizard.company_id.sms_gateway_price_per_part
            )

    @api.depends("company_id")
    def _compute_provider_problem(self):
        for wizard in self:
            wizard.provider_problem = wizard.company_id._sms_gateway_sending_problem()

    # ------------------------------------------------------------------
    # Send
    # ------------------------------------------------------------------

    def _sms_check_request(self):
        """Refuse, with a message the user can act on, what cannot be sent."""
        self.ensure_one()
        if not (self.body or "").strip():
            raise UserError(self.env._("The message is empty: write the SMS text."))
        if self._sms_partner_query() is None:
            raise UserError(
                self.env._(
                    "No recipient: select partners in the list, or choose SMS groups."
                )
            )
        if self.group_ids:
            self.group_ids._origin._check_sms_send_access()
        if self.send_mode == "later":
            if not self.scheduled_at:
                raise UserError(self.env._("Choose when to send the SMS."))
            if self.scheduled_at < fields.Datetime.now() - timedelta(minutes=1):
                raise UserError(
                    self.env._(
                        "The time to send (%(at)s) is in the past: choose a later "
                        "time, or send now.",
                        at=fields.Datetime.context_timestamp(
                            self, self.scheduled_at
                        ).strftime("%Y-%m-%d %H:%M"),
                    )
                )
        problem = self.company_id._sms_gateway_sending_problem()
        if problem:
            raise UserError(problem)
        if self.sender:
            self.company_id._sms_gateway_check_sender(self.sender)
        if self.needs_consent_confirmation and not self.confirm_unknown_consent:
            raise UserError(
                self.env._(
                    "%(partner)s has not given SMS consent (unknown). Tick "
                    '"I confirm this person may receive this SMS" to send this one '
                    "message anyway.",
                    partner=self.partner_ids.display_name,
                )
            )
        if not self.count_sms_allowed and not self.count_email:
            raise UserError(self._sms_nobody_message())

    def _sms_nobody_message(self):
        if self.is_single:
            # One contact, one send: say why this one cannot go.
            message = self.env["res.partner"]._sms_single_refusal_message(
                self.partner_ids._origin
            )
            if message:
                return message
        reasons = [
            (self.count_no_consent, self.env._("without SMS consent")),
            (self.count_opted_out, self.env._("opted out")),
            (self.count_no_mobile, self.env._("without a valid mobile number")),
            (self.count_landline, self.env._("with a landline number")),
            (self.count_duplicate, self.env._("with a duplicate number")),
        ]
        details = ", ".join(f"{count} {label}" for count, label in reasons if count)
        return self.env._(
            "None of the recipients can receive an SMS (%(details)s). Bulk sends go "
            "only to partners with SMS consent granted and a valid mobile number.",
            details=details or self.env._("no recipient"),
        )

    def action_send(self):
        self.ensure_one()
        self._sms_check_request()
        now = fields.Datetime.now()
        later = self.send_mode == "later" and self.scheduled_at > now
        Mailing = self.env["sms.gateway.mailing"]
        if (
            not self.is_single
            and self.count_sms_allowed + self.count_email
            > Mailing._sms_prepare_threshold()
        ):
            return self._sms_send_in_background(later)
        mailing = Mailing.create(
            dict(
                self._sms_mailing_values(),
                scheduled_at=self.scheduled_at if later else now,
                state="scheduled" if later else "sending",
            )
        )
        partner_query = self._sms_partner_query().subselect()
        # The limits, from the preview's counts: a refusal queues nothing.
        mailing._sms_check_limits(
            partner_query,
            not self.is_single,
            {"sms": self.count_sms_allowed, "email": self.count_email},
        )
        result = mailing._sms_queue(
            partner_query,
            bulk=not self.is_single,
            group_ids=self.group_ids._origin.ids,
        )
        if not result.get("queued") and not result.get("email"):
            # Texts with placeholders: the 24-hour guard is known once written.
            raise UserError(mailing._sms_nothing_to_send_message())
        mailing.send_summary = self._sms_summary_text(result)
        self.env["sms.gateway.dispatcher"]._sms_trigger_dispatch(
            mailing.scheduled_at if later else None
        )
        return self._sms_open_mailing(mailing, self._sms_summary_text(result))

    def _sms_send_in_background(self, later):
        """A large send: the mailing is prepared by the prepare cron (see
        ``sms_gateway_mailing_prepare.py``); the request returns at once.
        What the window shows as refused is refused now; the exact limits
        are checked on the prepared recipients before anything is queued."""
        if self.limit_refusal:
            raise UserError(self.limit_refusal)
        mailing = self.env["sms.gateway.mailing"].create(
            dict(
                self._sms_mailing_values(),
                scheduled_at=self.scheduled_at if later else fields.Datetime.now(),
                state="scheduled" if later else "preparing",
                prepare_partner_ids=[fields.Command.set(self.partner_ids._origin.ids)],
                prepare_domain=self.partner_domain or False,
                prepare_total=self.count_sms_allowed + self.count_email,
            )
        )
        mailing._sms_check_placeholders()
        mailing._sms_prepare_later()
        summary = (
            self.env._(
                "About %(count)s recipients: the mailing is prepared in the "
                "background at its time; you get a notification when it is ready.",
                count=self.count_sms_allowed + self.count_email,
            )
            if later
            else self.env._(
                "About %(count)s recipients: the mailing is being prepared in the "
                "background; you get a notification when it is ready.",
                count=self.count_sms_allowed + self.count_email,
            )
        )
        return self._sms_open_mailing(mailing, summary)

    def _sms_open_mailing(self, mailing, summary):
        return {
            "type": "ir.actions.act_window",
            "res_model": "sms.gateway.mailing",
            "res_id": mailing.id,
            "view_mode": "form",
            "target": "current",
            "context": {"sms_gateway_summary": summary},
        }

    def _sms_summary_text(self, result):
        labels = {
            "queued": self.env._("queued"),
            "email": self.env._("by e-mail"),
            "no_consent": self.env._("excluded: no SMS consent"),
            "opted_out": self.env._("excluded: opted out"),
            "no_mobile": self.env._("excluded: no valid mobile"),
            "landline": self.env._("excluded: landline"),
            "duplicate": self.env._("excluded: duplicate number"),
            "recent": self.env._("skipped: same text within 24 hours"),
        }
        return ", ".join(
            f"{result[key]} {label}" for key, label in labels.items() if result.get(key)
        )
