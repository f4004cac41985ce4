#!/usr/bin/env bash
# Copyright 2026 sms_gateway authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
#
# End-to-end check of the upgrade to 18.0.1.5.0 (Odoo's own SMS through the
# company's SMS accounts), not part of CI:
#   1. a database made with the previous version (git worktree of OLD_COMMIT),
#      sms_gateway installed with demo data;
#   2. filled there through odoo shell, with the old code: a User, a mailing
#      sent through the sandbox and delivered, a second company, an SMSAPI
#      account with fake credentials; the messages and usage totals saved;
#   3. pg_dump -Fc, restored into a new database, upgraded with this checkout
#      (-u sms_gateway, log at info);
#   4. checked: nothing logged as ERROR / WARNING; every company keeps Odoo
#      IAP for Odoo's own SMS (a database that had the module never switches
#      by itself); every message and the usage totals unchanged, the old
#      messages counted as sent from SMS Gateway;
#   5. after the upgrade, as a person would: a chatter SMS on a partner goes
#      to Odoo IAP (its send patched to record it); the administrator
#      switches the company to its SMS accounts in Settings, with an SMSAPI
#      account pointing at the SMSAPI double: the next chatter SMS reaches
#      the double once, the chatter shows it sent, the usage report counts it
#      as an SMS of Odoo's apps.
# Everything created is removed on exit. Prints PASS/FAIL lines:
#   bench/check_upgrade_odoo_sms.sh OLD_COMMIT [database]   (default smsgw_upg_odoo_sms)
# Environment: PYTHON, ODOO_BIN, ODOO_ADDONS_PATH (as scripts/test).
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
DEFAULT_DB=smsgw_upg_odoo_sms
# shellcheck source=bench/upgrade_lib.sh
. "$ROOT/bench/upgrade_lib.sh"

install_old_version

step "2. A delivered mailing, a second company and an SMSAPI account with the previous version"
oshell 2 "$DB" "$OLD_ADDONS" <<'PYEOF'
import json, os
users = make_users((("upg_user", "Ulla User", ["user"]),))
members = make_partners("Upgrade member", "+35840555", (31, 32, 33))
mailing = send(users["upg_user"], "res.partner", members.ids,
               body="Hello {{ object.name }}")
sent = dispatch_and_poll()
check("the mailing went through the sandbox", sent == 3, f"{sent} sent")
env["res.company"].create({"name": "Upgrade B Oy"})
env["sms.gateway.account"].create({
    "name": "SMSAPI (fake)", "provider": "smsapi", "smsapi_token": "fake-token",
    "sequence": 90,
})
env.cr.commit()
messages = env["sms.gateway.message"].sudo().search([], order="id")
before = {
    "messages": [[m.id, m.state, m.parts, m.cost, m.number, m.body] for m in messages],
    "usage": env["sms.gateway.usage.report"].read_group(
        [], ["parts:sum", "delivered_parts:sum", "cost:sum"], [])[0],
}
with open(os.path.join(os.environ["WORK"], "before.json"), "w") as f:
    json.dump(before, f, default=str)
print(f"  {len(messages)} messages, companies {env['res.company'].search([]).mapped('name')}")
PYEOF

step "3. Dump, restore, upgrade with this checkout"
upgrade_copy
log_problems "3: the upgrade logs no ERROR or WARNING" "$UPGRADE_LOG"

step "4. Odoo IAP kept, data intact"
oshell 4 "$NEW_DB" "$ADDONS" <<'PYEOF'
import json, os
with open(os.path.join(os.environ["WORK"], "before.json")) as f:
    before = json.load(f)
companies = env["res.company"].search([])
check("every company keeps Odoo IAP for Odoo's own SMS",
      set(companies.mapped("sms_gateway_odoo_sms")) == {"iap"},
      str(companies.mapped("sms_gateway_odoo_sms")))
messages = env["sms.gateway.message"].sudo().search([], order="id")
after = [[m.id, m.state, m.parts, m.cost, m.number, m.body] for m in messages]
check("every message unchanged", json.loads(json.dumps(after, default=str)) == before["messages"],
      f"{len(after)} messages")
usage = env["sms.gateway.usage.report"].read_group(
    [], ["parts:sum", "delivered_parts:sum", "cost:sum"], [])[0]
check("usage totals unchanged", all(usage[k] == before["usage"][k]
      for k in ("parts", "delivered_parts", "cost")), str(usage))
sources = env["sms.gateway.usage.report"].read_group([], ["source"], ["source"])
check("old messages count as sent from SMS Gateway",
      [(g["source"], g["source_count"]) for g in sources] == [("gateway", len(messages))],
      str([(g["source"], g["source_count"]) for g in sources]))
PYEOF

step "5. After the upgrade: IAP until switched, then the SMSAPI double"
oshell 5 "$NEW_DB" "$ADDONS" <<'PYEOF'
from unittest.mock import patch
from odoo.addons.sms_gateway.tests.doubles import SMSAPI_TOKEN, SmsapiDouble
calls = []
def iap_send(api, messages, delivery_reports_url=False):
    calls.append(messages)
    return [{"uuid": n["uuid"], "state": "success", "credit": 1}
            for m in messages for n in m["numbers"]]
customer = env["res.partner"].create({
    "name": "Upgrade customer", "mobile": "+358 40 555 0199",
    "country_id": env.ref("base.fi").id})
with patch("odoo.addons.sms.tools.sms_api.SmsApi._send_sms_batch", iap_send):
    first = customer._message_sms("Still through IAP", partner_ids=customer.ids)
check("before switching, a chatter SMS goes to Odoo IAP", len(calls) == 1, f"{len(calls)} IAP calls")
with SmsapiDouble() as double:
    account = env["sms.gateway.account"].search([("provider", "=", "smsapi")])
    account.write({"smsapi_token": SMSAPI_TOKEN, "smsapi_base_url": double.url,
                   "sequence": 1})
    settings = env["res.config.settings"].create({"sms_gateway_odoo_sms": "gateway"})
    settings.execute()
    check("Settings switch the company to its SMS accounts",
          env.company.sms_gateway_odoo_sms == "gateway")
    with patch("odoo.addons.sms.tools.sms_api.SmsApi._send_sms_batch", iap_send):
        chatter = customer._message_sms("Now through our account", partner_ids=customer.ids)
    env.cr.commit()
    env["sms.gateway.dispatcher"]._cron_dispatch()
    env.cr.commit()
    accepted = double.accepted()
check("after switching, IAP gets nothing more", len(calls) == 1, f"{len(calls)} IAP calls")
check("the SMSAPI double got the chatter SMS once",
      [m["body"] for m in accepted] == ["Now through our account"],
      str([m["body"] for m in accepted]))  # not the entries: their notify_url has the secret
notification = chatter.notification_ids.filtered(lambda n: n.notification_type == "sms")
check("the chatter shows it sent", notification.notification_status == "pending",
      notification.notification_status)
message = env["sms.gateway.message"].sudo().search([("mail_message_id", "=", chatter.id)])
usage = env["sms.gateway.usage.report"].search([("id", "=", message.id)])
check("the usage report counts it as an SMS of Odoo's apps",
      (usage.source, usage.res_model, usage.parts) == ("odoo", "res.partner", 1),
      str((usage.source, usage.res_model, usage.parts)))
env.cr.commit()
PYEOF

summary check_upgrade_odoo_sms
