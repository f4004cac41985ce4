#!/usr/bin/env bash
# Copyright 2026 sms_gateway authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
#
# End-to-end check of the upgrade to 18.0.1.7.0 (two-way SMS: messages get a
# direction, replies, keywords), not part of CI:
#   1. a database made with the previous version (git worktree of OLD_COMMIT),
#      sms_gateway installed with demo data;
#   2. filled there through odoo shell, with the old code: a User; a mailing
#      sent through the sandbox and delivered, one queued for tomorrow, one
#      with excluded recipients; every message's state, parts, cost, text and
#      times and the usage totals are saved;
#   3. pg_dump -Fc, restored into a new database, upgraded with this
#      checkout (-u sms_gateway, log at info);
#   4. checked: nothing logged as ERROR / WARNING; every message unchanged
#      and of direction "out"; usage totals unchanged; the default reply
#      keywords and the inbound cron are there;
#   5. after the upgrade: a reply "Stop" simulated by its sender (given the
#      right to change contacts, which a simulated keyword needs) to a
#      delivered SMS of the old mailing is linked to its partner, mailing and
#      sender, refuses the partner's consent and cancels the partner's SMS
#      queued for tomorrow.
# Everything created is removed on exit. Prints PASS/FAIL lines:
#   bench/check_upgrade_replies.sh OLD_COMMIT [database]   (default smsgw_upg_replies)
# Environment: PYTHON, ODOO_BIN, ODOO_ADDONS_PATH (as scripts/test).
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
DEFAULT_DB=smsgw_upg_replies
# shellcheck source=bench/upgrade_lib.sh
. "$ROOT/bench/upgrade_lib.sh"

install_old_version

step "2. A user and mailings with the previous version"
oshell 2 "$DB" "$OLD_ADDONS" <<'PYEOF'
import json, os
from datetime import timedelta
from odoo import fields
users = make_users((("upg_user", "Ulla User", ["user"]),))
sms_user = users["upg_user"]
people = make_partners("Reply person", "+35840777", (11, 12, 13))
delivered = send(sms_user, "res.partner", people.ids, body="Hei {{ object.name }}!")
sent = dispatch_and_poll()
tomorrow = fields.Datetime.now().replace(microsecond=0) + timedelta(days=1)
later = send(sms_user, "res.partner", people.ids, body="Huomenna ale",
             send_mode="later", scheduled_at=tomorrow)
env.cr.commit()
Message = env["sms.gateway.message"]
rows = Message.search_read([], ["id", "state", "parts", "cost", "body", "sent_at",
                                "mailing_id", "partner_id", "user_id"], order="id")
for row in rows:
    for key in ("sent_at",):
        row[key] = str(row[key])
usage = env["sms.gateway.usage.report"].read_group([], ["parts:sum", "cost:sum"], [])
with open(os.path.join(os.environ["WORK"], "before.json"), "w") as f:
    json.dump({"rows": rows, "usage": usage[0]["parts"], "delivered": delivered.id,
               "later": later.id, "person": people[0].id, "user": sms_user.id}, f,
              default=str)
check("messages written", len(rows) == 6, f"{len(rows)} messages, {sent} sent")
check("one mailing delivered",
      set(delivered.message_ids.mapped("state")) == {"delivered"},
      str(delivered.message_ids.mapped("state")))
PYEOF

step "3. Upgrade a copy with this checkout"
upgrade_copy
log_problems "4: upgrade log without errors or warnings" "$UPGRADE_LOG"

step "4-5. The data after the upgrade, and a reply"
oshell 4 "$NEW_DB" "$ADDONS" <<'PYEOF'
import json, os
before = json.load(open(os.path.join(os.environ["WORK"], "before.json")))
Message = env["sms.gateway.message"]
rows = Message.search_read([], ["id", "state", "parts", "cost", "body", "sent_at",
                                "mailing_id", "partner_id", "user_id"], order="id")
for row in rows:
    row["sent_at"] = str(row["sent_at"])
same = json.loads(json.dumps(rows, default=str)) == before["rows"]
check("every message unchanged", same, f"{len(rows)} messages")
env.cr.execute("SELECT direction, count(*) FROM sms_gateway_message GROUP BY 1")
directions = dict(env.cr.fetchall())
check("every message went out", directions == {"out": len(rows)}, str(directions))
usage = env["sms.gateway.usage.report"].read_group([], ["parts:sum", "cost:sum"], [])
check("usage unchanged", usage[0]["parts"] == before["usage"],
      f"{usage[0]['parts']} parts")
words = env["sms.gateway.keyword"].search([]).mapped("word")
check("default keywords", {"STOP", "LOPETA", "СТОП", "START"} <= set(words), str(len(words)))
check("inbound cron", bool(env.ref("sms_gateway.ir_cron_sms_gateway_inbound").active))
# A reply to the delivered SMS of the old mailing, as its sender simulates it.
person = env["res.partner"].browse(before["person"])
user = env["res.users"].browse(before["user"])
# A keyword is simulated by who may change the partners it reaches.
user.groups_id |= env.ref("base.group_partner_manager")
answered = Message.search([("mailing_id", "=", before["delivered"]),
                           ("partner_id", "=", person.id)])
wizard = env["sms.gateway.reply.simulate"].with_user(user).create(
    {"message_id": answered.id, "text": " Stop "})
reply = Message.browse(wizard.action_simulate()["res_id"])
check("reply linked", (reply.partner_id, reply.reply_mailing_id.id, reply.user_id) ==
      (person, before["delivered"], user), f"{reply.partner_id.name} {reply.user_id.name}")
check("consent refused by the reply",
      (person.sms_consent, person.sms_consent_source) == ("refused", "reply"),
      f"{person.sms_consent} {person.sms_consent_source}")
later = Message.search([("mailing_id", "=", before["later"]), ("partner_id", "=", person.id)])
check("the partner's SMS of tomorrow canceled", later.state == "canceled", later.state)
env.cr.rollback()
PYEOF

summary check_upgrade_replies
