# Copyright 2026 sms_gateway authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Message texts leave the chatter; accountants' rules stop adding up with
the User's.

- The partner notes written when a mailing was queued held the first 70
  characters of the text (and the message key in their Message-Id): they
  now say only what was queued, by whom and in which mailing.
- The record rules "SMS mailing: all" and "SMS message: all" gave managers
  and accountants every record, so a User who was also an Accountant read
  every sender's texts. They are replaced by a rule for managers and a
  read-only one for accountants (sms_gateway_mailing_security.xml, loaded
  with noupdate: the old rules must be removed here).
"""

import logging

from odoo import SUPERUSER_ID, api

_logger = logging.getLogger(__name__)

OLD_RULES = ("sms_gateway_mailing_rule_all", "sms_gateway_message_rule_all")


def _escape(expression):
    return (
        f"replace(replace(replace({expression}, '&', '&amp;'), '<', '&lt;'), "
        "'>', '&gt;')"
    )


def migrate(cr, version):
    env = api.Environment(cr, SUPERUSER_ID, {})
    for name in OLD_RULES:
        rule = env.ref(f"sms_gateway.{name}", raise_if_not_found=False)
        if rule:
            rule.unlink()
    cr.execute(
        f"""
        UPDATE mail_message mm
           SET body = '<p>' || CASE WHEN m.channel = 'email' THEN 'E-mail'
                                    ELSE 'SMS' END
                   || ' queued by ' || {_escape("COALESCE(up.name, '')")}
                   || ' in the mailing <a href="#" data-oe-model="sms.gateway.mailing"'
                   || ' data-oe-id="' || g.id || '">' || {_escape("g.name")}
                   || '</a>.</p>',
               message_id = '<sms-gateway.' || m.id || '@' || current_database() || '>'
          FROM sms_gateway_message m
          JOIN sms_gateway_mailing g ON g.id = m.mailing_id
          LEFT JOIN res_users u ON u.id = m.user_id
          LEFT JOIN res_partner up ON up.id = u.partner_id
         WHERE mm.model = 'res.partner'
           AND m.uid = substring(mm.message_id from '^<([0-9a-f]+)[.]sms-gateway@')
        """
    )
    rewritten = cr.rowcount
    # Notes whose message was resent since (it has a new key): no text either.
    cr.execute(
        """
        UPDATE mail_message
           SET body = '<p>SMS queued (the text is in the SMS messages).</p>',
               message_id = '<sms-gateway.note.' || id || '@'
                            || current_database() || '>'
         WHERE model = 'res.partner' AND message_id LIKE '<%.sms-gateway@%>'
        """
    )
    _logger.info(
        "SMS notes without texts: %s rewritten, %s made generic",
        rewritten,
        cr.rowcount,
    )
