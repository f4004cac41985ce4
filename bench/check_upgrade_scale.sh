#!/usr/bin/env bash
# Copyright 2026 sms_gateway authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
#
# End-to-end check of the upgrade to 18.0.1.4.0 (background preparation,
# cron lanes, account rates and connections), not part of CI:
#   1. a database made with the previous version (git worktree of OLD_COMMIT),
#      sms_gateway installed with demo data;
#   2. filled there through odoo shell, with the old code: a User, an
#      Accountant and a Manager; a group with members; mailings in every
#      state: delivered (one undelivered), queued for tomorrow (the group's
#      members skipped by the 24-hour guard, two messages canceled by their
#      sender), canceled as a whole, with excluded recipients (no consent,
#      opted out, no mobile); a Vonage, an SMSAPI and a Twilio account with
#      fake credentials next to the sandbox; the figures before are saved;
#   3. pg_dump -Fc, restored into a new database, upgraded with this
#      checkout (-u sms_gateway, log at info);
#   4. checked: nothing logged as ERROR / WARNING; every mailing (state,
#      counts, summary, time) and every message (state, parts, cost, account,
#      time, text) unchanged and no old mailing in a preparation step; usage
#      totals unchanged; the dispatch and prepare cron lanes 1 and 2 active,
#      3 and 4 archived, as Settings shows them; the two work tables of the
#      preparation; existing accounts got their rate and connections
#      defaults (Vonage 30 per second, the others none; 4 connections) with
#      their credentials intact; the old mailings' progress as the form reads
#      it;
#   5. after the upgrade: a large send (threshold 3, a placeholder) returns
#      "preparing", is prepared by _cron_prepare (one message per recipient,
#      personalised) and sent through the sandbox; the old mailing queued
#      for tomorrow is not due now and goes at its time (the dispatcher run
#      with the clock set just after it).
# Everything created is removed on exit. Prints PASS/FAIL lines:
#   bench/check_upgrade_scale.sh OLD_COMMIT [database]   (default smsgw_upg_scale)
# Environment: PYTHON, ODOO_BIN, ODOO_ADDONS_PATH (as scripts/test).
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
DEFAULT_DB=smsgw_upg_scale
# shellcheck source=bench/upgrade_lib.sh
. "$ROOT/bench/upgrade_lib.sh"

install_old_version

step "2. Users, a group, mailings in every state and accounts with the previous version"
oshell 2 "$DB" "$OLD_ADDONS" <<'PYEOF'
import json, os
from datetime import timedelta
from odoo import fields
users = make_users((("upg_user", "Ulla User", ["user"]),
                    ("upg_accountant", "Aku Accountant", ["accountant"]),
                    ("upg_manager", "Maija Manager", ["manager"])))
sms_user = users["upg_user"]
fi = env.ref("base.fi")
Partner = env["res.partner"]
# Sandbox numbers: ...0002 is accepted and reported undelivered, others delivered.
members = make_partners("Scale member", "+35840555", (31, 32, 33, 2))
others = make_partners("Scale other", "+35840666", (41, 42, 43, 44))
later_ones = make_partners("Scale later", "+35840667", (51, 52, 53))
mixed = Partner.create([
    {"name": "Scale granted", "country_id": fi.id, "mobile": "+358406680061",
     "sms_consent": "granted"},
    {"name": "Scale refused", "country_id": fi.id, "mobile": "+358406680062",
     "sms_consent": "refused"},
    {"name": "Scale opted out", "country_id": fi.id, "mobile": "+358406680063",
     "sms_consent": "granted"},
    {"name": "Scale no mobile", "country_id": fi.id, "sms_consent": "granted"},
])
env["phone.blacklist"].sudo().add("+358406680063")
group = make_group(sms_user, "Scale regulars", members)
text = ("Scale day: the shop opens at nine tomorrow and the first hundred customers "
        "get a coffee. Bring this message to the counter, valid until Sunday evening. "
        "Welcome!")  # 2 parts
# delivered: to the group, now (one undelivered); excluded: to the mixed four.
delivered = send(sms_user, "sms.gateway.group", group.ids, body=text)
excluded = send(sms_user, "res.partner", mixed.ids,
                body="Scale: a short one for {{ object.name }}")
sent = dispatch_and_poll()
# queued for tomorrow: the same text to the group (skipped by the 24-hour
# guard) and four others, two of which canceled by their sender.
tomorrow = fields.Datetime.now().replace(microsecond=0) + timedelta(days=1)
scheduled = send(sms_user, "res.partner", others.ids, body=text,
                 group_ids=[(6, 0, group.ids)], send_mode="later", scheduled_at=tomorrow)
env.cr.commit()
scheduled.message_ids.filtered(lambda m: m.state == "queued")[:2] \
    .with_user(sms_user).action_cancel()
# canceled: queued for the day after, then the whole mailing canceled.
canceled = send(sms_user, "res.partner", later_ones.ids, body="Scale: see you on Friday",
                send_mode="later", scheduled_at=tomorrow + timedelta(days=1))
canceled.with_user(sms_user).action_cancel()
env.cr.commit()
# Accounts next to the sandbox (after sending: nothing went through them).
Account = env["sms.gateway.account"].sudo()
company = env.company
accounts = Account.create([
    {"name": "Vonage scale", "provider": "vonage", "company_id": company.id,
     "vonage_api_key": "fakekey1", "vonage_api_secret": "fake-secret-scale",
     "vonage_base_url": "https://vonage.invalid", "sender": "ScaleShop",
     "price_per_part": 0.05, "sequence": 20},
    {"name": "SMSAPI scale", "provider": "smsapi", "company_id": company.id,
     "smsapi_token": "fake-token-scale", "smsapi_base_url": "https://smsapi.invalid/api",
     "sender": "ScaleShop", "price_per_part": 0.045, "sequence": 30},
    {"name": "Twilio scale", "provider": "twilio", "company_id": company.id,
     "twilio_account_sid": "AC" + "5" * 32, "twilio_auth_token": "fake-twilio-scale",
     "twilio_base_url": "https://twilio.invalid", "sender": "+15005550006",
     "price_per_part": 0.08, "sequence": 40},
])
env.cr.commit()
env.invalidate_all()

before = {"users": {u.login: u.id for u in users.values()}, "group": group.id,
          "mailings": {}}
names = {"delivered": delivered, "excluded": excluded, "scheduled": scheduled,
         "canceled": canceled}
COUNTS = ["count_total", "count_queued", "count_sending", "count_sent", "count_delivered",
          "count_undelivered", "count_failed", "count_excluded", "count_canceled",
          "count_email", "count_review"]
for label, mailing in names.items():
    mailing = mailing.sudo()
    before["mailings"][label] = dict(
        {f: mailing[f] for f in COUNTS}, id=mailing.id, state=mailing.state,
        name=mailing.name, summary=mailing.send_summary,
        scheduled_at=str(mailing.scheduled_at))
env.cr.execute("""
    SELECT id, mailing_id, state, channel, skip_reason, parts,
           round(cost::numeric, 6)::float, account_id, number, body, scheduled_at,
           failure_reason, needs_review, next_attempt_at, partner_id
      FROM sms_gateway_message ORDER BY id""")
before["messages"] = env.cr.fetchall()
env.cr.execute("SELECT state, count(*) FROM sms_gateway_message GROUP BY 1 ORDER BY 1")
before["states"] = env.cr.fetchall()
env.cr.execute("""
    SELECT count(*), sum(message_count), sum(parts), sum(delivered_parts),
           round(sum(cost)::numeric, 6)::float FROM sms_gateway_usage_report""")
before["report"] = list(env.cr.fetchone())
before["accounts"] = {
    str(a.id): {"name": a.name, "provider": a.provider, "sender": a.sender,
                "price": a.price_per_part, "active": a.active}
    for a in Account.with_context(active_test=False).search([])}
before["secrets"] = {"vonage": "fake-secret-scale", "smsapi": "fake-token-scale",
                     "twilio": "fake-twilio-scale"}
before["partners"] = {"others": others.ids, "members": members.ids}
with open(os.path.join(os.environ["WORK"], "before.json"), "w") as f:
    json.dump(before, f, indent=1, default=str)
for label, m in before["mailings"].items():
    print(f"  {label}: {m['state']}, {m['summary']} (total {m['count_total']}, "
          f"queued {m['count_queued']}, excluded {m['count_excluded']}, "
          f"canceled {m['count_canceled']})")
print(f"  messages by state: {before['states']} ({sent} sent by the dispatcher)")
print(f"  usage report (rows, messages, parts, delivered parts, cost): {before['report']}")
print("  accounts: " + "; ".join(f"{a['name']} [{a['provider']}]"
                                 for a in before["accounts"].values()))
m = before["mailings"]
states = dict(before["states"])
check("delivered, undelivered, queued and canceled messages made",
      all(states.get(s) for s in ("delivered", "undelivered", "queued", "canceled")),
      str(states))
check("mailings done, scheduled for tomorrow and canceled",
      m["delivered"]["state"] == "done" and m["scheduled"]["state"] == "scheduled"
      and m["canceled"]["state"] == "canceled" and m["excluded"]["state"] == "done",
      ", ".join(f"{k}: {v['state']}" for k, v in m.items()))
check("excluded recipients (no consent, opted out, no mobile) and the 24-hour guard",
      m["excluded"]["count_excluded"] == 3 and m["scheduled"]["count_excluded"] == 4,
      f"{m['excluded']['count_excluded']} and {m['scheduled']['count_excluded']}")
check("Vonage, SMSAPI and Twilio accounts next to the sandbox",
      {"sandbox", "vonage", "smsapi", "twilio"}
      <= {a["provider"] for a in before["accounts"].values() if a["active"]})
PYEOF

step "3. pg_dump -Fc $DB, restore into $NEW_DB, -u sms_gateway with this checkout"
upgrade_copy
grep -E "Running migration \[?$NEW_VERSION" "$UPGRADE_LOG" | sed 's/^[0-9-]* [0-9:,]* [0-9]* /  /'
log_problems "3: no ERROR/WARNING/CRITICAL in the upgrade log" "$UPGRADE_LOG"

step "4. Mailings, messages, crons, work tables and accounts after the upgrade"
oshell 4 "$NEW_DB" "$ADDONS" <<'PYEOF'
import json, os
with open(os.path.join(os.environ["WORK"], "before.json")) as f:
    before = json.load(f)
rows = lambda: json.loads(json.dumps(env.cr.fetchall(), default=str))
COUNTS = ["count_total", "count_queued", "count_sending", "count_sent", "count_delivered",
          "count_undelivered", "count_failed", "count_excluded", "count_canceled",
          "count_email", "count_review"]
Mailing = env["sms.gateway.mailing"].sudo()
changed = []
for label, old in before["mailings"].items():
    mailing = Mailing.browse(old["id"])
    now = dict({f: mailing[f] for f in COUNTS}, id=mailing.id, state=mailing.state,
               name=mailing.name, summary=mailing.send_summary,
               scheduled_at=str(mailing.scheduled_at))
    diff = sorted(k for k in old if old[k] != now[k])
    if diff:
        changed.append(f"{label}: " + ", ".join(f"{k} {old[k]!r} -> {now[k]!r}" for k in diff))
check("every mailing's state, counts, summary and time unchanged", not changed,
      "; ".join(changed))
old_ids = [m["id"] for m in before["mailings"].values()]
steps = Mailing.browse(old_ids).mapped("prepare_step")
check("no old mailing in a preparation step", not any(steps), str(steps))
env.cr.execute("""
    SELECT id, mailing_id, state, channel, skip_reason, parts,
           round(cost::numeric, 6)::float, account_id, number, body, scheduled_at,
           failure_reason, needs_review, next_attempt_at, partner_id
      FROM sms_gateway_message ORDER BY id""")
after = rows()
old = json.loads(json.dumps(before["messages"], default=str))
diff = [(a, b) for a, b in zip(old, after) if a != b]
check("every message unchanged (state, parts, cost, account, time, text)",
      len(after) == len(old) and not diff,
      f"{len(old)} before, {len(after)} after, {len(diff)} changed: {diff[:2]}")
env.cr.execute("""
    SELECT count(*), sum(message_count), sum(parts), sum(delivered_parts),
           round(sum(cost)::numeric, 6)::float FROM sms_gateway_usage_report""")
after = list(env.cr.fetchone())
check("usage report totals unchanged", after == before["report"], str(after))

# The old mailings' progress, as their form reads it (as the User).
sms_user = env["res.users"].browse(before["users"]["upg_user"])
progress = {}
for label, old in before["mailings"].items():
    read = env["sms.gateway.mailing"].with_user(sms_user).browse(old["id"]).web_read(
        {"state": {}, "progress_value": {}, "progress_total": {}, "progress_label": {},
         "prepare_done": {}, "prepare_total": {}})[0]
    progress[label] = (read["progress_value"], read["progress_total"], read["progress_label"])
m = before["mailings"]
expected = {
    label: (old["count_sent"] + old["count_failed"] + old["count_email"],
            old["count_total"] - old["count_excluded"] - old["count_canceled"], "Sent")
    for label, old in m.items()}
check("old mailings show sent / to send as their progress", progress == expected,
      f"{progress} (expected {expected})")

# Cron lanes: 1 and 2 active, 3 and 4 archived; Settings says 2 workers.
lanes = {}
for job in ("dispatch", "prepare"):
    for lane in range(1, 5):
        xmlid = f"sms_gateway.ir_cron_sms_gateway_{job}" + ("" if lane == 1 else f"_{lane}")
        cron = env.ref(xmlid, raise_if_not_found=False)
        lanes[f"{job} {lane}"] = cron.active if cron else None
expected = {f"{job} {lane}": lane <= 2 for job in ("dispatch", "prepare") for lane in range(1, 5)}
check("dispatch and prepare lanes 1 and 2 active, 3 and 4 archived", lanes == expected,
      str(lanes))
Dispatcher = env["sms.gateway.dispatcher"]
codes = {job: set(Dispatcher._sms_cron_lanes(job).mapped("code")) for job in ("dispatch", "prepare")}
check("each lane runs its job's code",
      codes == {"dispatch": {"model._cron_dispatch()"}, "prepare": {"model._cron_prepare()"}},
      str(codes))
values = env["res.config.settings"].get_values()
check("Settings shows 2 background workers and the threshold 5000",
      (values["sms_gateway_cron_lanes"], values["sms_gateway_prepare_threshold"]) == (2, 5000),
      f"{values['sms_gateway_cron_lanes']}, {values['sms_gateway_prepare_threshold']}")

# The work tables of the preparation, with their keys.
env.cr.execute("""
    SELECT c.relname, string_agg(a.attname, ',' ORDER BY k.ord)
      FROM pg_index i
      JOIN pg_class c ON c.oid = i.indrelid
      CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord)
      JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.attnum
     WHERE i.indisprimary
       AND c.relname IN ('sms_gateway_mailing_recipient', 'sms_gateway_mailing_chunk')
     GROUP BY 1 ORDER BY 1""")
tables = dict(env.cr.fetchall())
filled = {}
for table in tables:
    env.cr.execute(f"SELECT count(*) FROM {table}")
    filled[table] = env.cr.fetchone()[0]
check("the work tables sms_gateway_mailing_recipient and _chunk exist, empty",
      tables == {"sms_gateway_mailing_chunk": "mailing_id,start",
                 "sms_gateway_mailing_recipient": "mailing_id,seq"}
      and not any(filled.values()), f"{tables}, rows {filled}")

# Accounts: the rate and connections defaults; credentials intact.
Account = env["sms.gateway.account"].sudo().with_context(active_test=False)
accounts = Account.search([])
got = {a.provider: (a.requests_per_second, a.connections) for a in accounts}
check("accounts got their rate and connections defaults "
      "(Vonage 30/s, Twilio, SMSAPI, sandbox none; 4 connections)",
      got == {"sandbox": (0, 4), "vonage": (30, 4), "smsapi": (0, 4), "twilio": (0, 4)},
      str(got))
wrong = [f"{a.name}: {k}" for a in accounts if str(a.id) in before["accounts"]
         for k, v in before["accounts"][str(a.id)].items()
         if v != {"name": a.name, "provider": a.provider, "sender": a.sender,
                  "price": a.price_per_part, "active": a.active}[k]]
secrets = {a.provider: {"vonage": a.vonage_api_secret, "smsapi": a.smsapi_token,
                        "twilio": a.twilio_auth_token}[a.provider]
           for a in accounts if a.provider in before["secrets"]}
check("accounts, senders, prices and credentials intact",
      sorted(accounts.ids) == sorted(int(i) for i in before["accounts"])
      and not wrong and secrets == before["secrets"], "; ".join(wrong))
PYEOF

step "5. A large send prepared in the background; the old scheduled mailing at its time"
oshell 5 "$NEW_DB" "$ADDONS" <<'PYEOF'
import json, os
from datetime import timedelta
from unittest.mock import patch
from odoo import fields
with open(os.path.join(os.environ["WORK"], "before.json")) as f:
    before = json.load(f)
sms_user = env["res.users"].browse(before["users"]["upg_user"])
Dispatcher = env["sms.gateway.dispatcher"]
Mailing = env["sms.gateway.mailing"]
Message = env["sms.gateway.message"].sudo()
sandbox = env.ref("sms_gateway.sms_gateway_account_demo_sandbox")
old = before["mailings"]["scheduled"]
scheduled = Mailing.sudo().browse(old["id"])
old_queued = {row[0]: row[10] for row in before["messages"]
              if row[1] == old["id"] and row[2] == "queued"}

# Now: the old scheduled mailing is not due.
Dispatcher._cron_dispatch()
env.cr.commit()
env.invalidate_all()
still = Message.search([("mailing_id", "=", old["id"]), ("state", "=", "queued")])
check("the old scheduled mailing is not sent before its time",
      sorted(still.ids) == sorted(old_queued) and scheduled.state == "scheduled",
      f"{len(still)} of {len(old_queued)} queued, {scheduled.state}")

# A large send after the upgrade: threshold 3, five recipients, a placeholder.
env["ir.config_parameter"].sudo().set_param("sms_gateway.prepare_threshold", "3")
fi = env.ref("base.fi")
crowd = env["res.partner"].create([
    {"name": f"Scale crowd {n}", "country_id": fi.id, "mobile": f"+35840777{n:04d}",
     "sms_consent": "granted"} for n in range(71, 76)])
env.cr.commit()
wizard = env["sms.gateway.send.wizard"].with_user(sms_user).with_context(
    active_model="res.partner", active_ids=crowd.ids).create(
    {"body": "Hello {{ object.name }}, the upgrade went well"})
mailing = Mailing.browse(wizard.action_send()["res_id"]).sudo()
env.cr.commit()
check("a send above the threshold returns preparing, nothing written yet",
      mailing.state == "preparing" and mailing.prepare_step == "stage"
      and not mailing.message_ids,
      f"{mailing.state}, {mailing.prepare_step}, {len(mailing.message_ids)} messages")
steps = Mailing._cron_prepare(time_budget=60)
env.invalidate_all()
messages = Message.search([("mailing_id", "=", mailing.id)])
check("_cron_prepare writes one personalised message per recipient",
      mailing.prepare_step == "done" and mailing.state == "sending"
      and sorted(messages.partner_id.ids) == sorted(crowd.ids) and len(messages) == 5
      and sorted(messages.mapped("body"))
      == sorted(f"Hello {p.name}, the upgrade went well" for p in crowd),
      f"{steps} steps, {mailing.state}, {mailing.prepare_step}, {len(messages)} messages")
Dispatcher._cron_dispatch()
env.cr.commit()
env.invalidate_all()
check("the prepared mailing is sent through the sandbox",
      set(messages.mapped("state")) == {"sent"} and messages.account_id == sandbox,
      f"{sorted(set(messages.mapped('state')))} through {messages.account_id.mapped('name')}")
check("the old scheduled mailing is still not sent",
      Message.search_count([("mailing_id", "=", old["id"]), ("state", "=", "queued")])
      == len(old_queued))

# Its time: the dispatcher with the clock just after it sends it.
at = max(fields.Datetime.to_datetime(v) for v in old_queued.values()) + timedelta(minutes=1)
real_now = fields.Datetime.now
with patch.object(fields.Datetime, "now", lambda *a, **k: at):
    Dispatcher._cron_dispatch()
env.cr.commit()
env.invalidate_all()
went = Message.search([("id", "in", list(old_queued))])
check("the old scheduled mailing goes at its time, through the sandbox",
      set(went.mapped("state")) == {"sent"} and went.account_id == sandbox
      and scheduled.state in ("sending", "done"),
      f"{sorted(set(went.mapped('state')))}, mailing {scheduled.state}")
PYEOF

summary check_upgrade_scale
