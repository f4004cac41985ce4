# Copyright 2026 sms_gateway authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Reply keywords: the words that make an SMS reply a STOP, START or HELP.

A reply is a keyword when the whole reply, trimmed and folded (case,
accents; ``tools/keywords.py``), is one of these words. A word with no
company counts for every company; SMS managers edit them in *SMS >
Configuration > Reply Keywords*.
"""

from odoo import api, fields, models
from odoo.exceptions import ValidationError

from ..tools import keywords


class SmsGatewayKeyword(models.Model):
    _name = "sms.gateway.keyword"
    _description = "SMS Reply Keyword"
    _order = "action, lang, word"
    _rec_name = "word"

    word = fields.Char(
        required=True,
        help="The whole reply, in any case and with or without accents: "
        "'Stop', ' STOP ' and 'stop.' are STOP.",
    )
    word_key = fields.Char(compute="_compute_word_key", store=True, index=True)
    action = fields.Selection(
        [
            ("stop", "Stop: refuse SMS"),
            ("start", "Start: receive SMS again"),
            ("help", "Help: answer with the help text"),
        ],
        required=True,
        default="stop",
    )
    lang = fields.Selection(
        [
            ("en", "English"),
            ("fi", "Finnish"),
            ("sv", "Swedish"),
            ("pl", "Polish"),
            ("ru", "Russian"),
            ("other", "Other"),
        ],
        string="Language",
        help="The language the word belongs to, for the list: every word counts "
        "whatever the language of the message answered.",
    )
    company_id = fields.Many2one(
        "res.company",
        default=lambda self: self.env.company,
        help="Empty: the word counts for every company (such shared keywords "
        "are changed by system administrators).",
    )
    active = fields.Boolean(default=True)

    @api.depends("word")
    def _compute_word_key(self):
        for keyword in self:
            keyword.word_key = keywords.fold(keyword.word) or False

    @api.constrains("word", "company_id")
    def _check_word(self):
        for keyword in self:
            if not keyword.word_key:
                raise ValidationError(
                    self.env._(
                        "A keyword is one or two words of at most %(count)s "
                        "characters: %(word)r is not.",
                        count=keywords.MAX_KEYWORD_LENGTH,
                        word=keyword.word,
                    )
                )
            twins = self.with_context(active_test=False).search_count(
                [
                    ("id", "!=", keyword.id),
                    ("word_key", "=", keyword.word_key),
                    ("company_id", "=", keyword.company_id.id),
                ]
            )
            if twins:
                raise ValidationError(
                    self.env._(
                        "The keyword %(word)s exists already (in another case or "
                        "with other accents).",
                        word=keyword.word,
                    )
                )

    @api.model
    def _sms_keyword_table(self):
        """{company id: {folded word: action}} of the active keywords; the
        words of no company under None (they count for every company)."""
        rows = self.sudo().search_read(
            [("active", "=", True)], ["word_key", "action", "company_id"]
        )
        table = {}
        for row in rows:
            company = row["company_id"][0] if row["company_id"] else None
            table.setdefault(company, {})[row["word_key"]] = row["action"]
        return table

    @api.model
    def _sms_company_words(self, table, company):
        """{folded word: action} of ``company`` in ``table``."""
        return {**table.get(None, {}), **table.get(company.id, {})}
