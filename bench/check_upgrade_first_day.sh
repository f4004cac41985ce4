#!/usr/bin/env bash
# Copyright 2026 sms_gateway authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
#
# End-to-end check of the upgrade to 18.0.1.3.0 (the first day's fixes), not
# part of CI:
#   1. a database made with the previous version (git worktree of OLD_COMMIT),
#      sms_gateway installed with demo data;
#   2. filled there through odoo shell, with the old code: a User, an
#      Accountant, a Manager and a User+Accountant; a group with members;
#      mailings sent through the sandbox (delivered, undelivered, queued for
#      tomorrow, canceled by their sender after queueing, skipped by the
#      24-hour guard: the old code kept the parts and cost of the last two);
#      an SMSAPI account with a (fake) token next to the sandbox; the figures
#      before are saved;
#   3. pg_dump -Fc, restored into a new database, upgraded with this
#      checkout (-u sms_gateway, log at info);
#   4. checked: the 18.0.1.3.0 migrations ran, nothing logged as ERROR /
#      WARNING; messages by state, billable parts and cost, usage report
#      totals and group members unchanged; canceled and skipped messages
#      count no parts and no cost; every user keeps exactly their SMS groups,
#      which the user form offers without developer mode; the accounts and
#      their credentials intact; Odoo's composer actions bound to partners in
#      the data and one "Send SMS" (ours) in the partners' Actions menu; the
#      mailing form and list open for the Accountant;
#   5. -u sms on the upgraded database: still one "Send SMS".
# Everything created is removed on exit. Prints PASS/FAIL lines:
#   bench/check_upgrade_first_day.sh OLD_COMMIT [database]   (default smsgw_upg_day1)
# Environment: PYTHON, ODOO_BIN, ODOO_ADDONS_PATH (as scripts/test).
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
DEFAULT_DB=smsgw_upg_day1
# shellcheck source=bench/upgrade_lib.sh
. "$ROOT/bench/upgrade_lib.sh"

install_old_version

step "2. Users, a group, mailings and an SMSAPI account with the previous version"
oshell 2 "$DB" "$OLD_ADDONS" <<'PYEOF'
import json, os
from datetime import timedelta
from odoo import fields
from odoo.addons.sms_gateway.tools import providers
users = make_users((("upg_user", "Ulla User", ["user"]),
                    ("upg_accountant", "Aku Accountant", ["accountant"]),
                    ("upg_manager", "Maija Manager", ["manager"]),
                    ("upg_user_accountant", "Urho User and Accountant",
                     ["user", "accountant"])))
sms_user = users["upg_user"]
# Sandbox numbers: ...0002 is accepted and reported undelivered, others delivered.
members = make_partners("Upgrade member", "+35840555", (11, 12, 13, 2))
others = make_partners("Upgrade other", "+35840666", (21, 22, 23, 24))
group = make_group(sms_user, "Upgrade regulars", members)
text = ("Upgrade day: the shop opens at nine tomorrow and the first hundred customers "
        "get a coffee. Bring this message to the counter, valid until Sunday evening. "
        "Welcome!")  # 2 parts
# A: to the group, now: sent through the sandbox, delivered (one undelivered).
mailing_a = send(sms_user, "sms.gateway.group", group.ids, body=text)
sent = dispatch_and_poll()
# B: the same text, to the group and four others, tomorrow: the group's
# members are skipped by the 24-hour guard, the others queued.
mailing_b = send(sms_user, "res.partner", others.ids, body=text,
                 group_ids=[(6, 0, group.ids)], send_mode="later",
                 scheduled_at=fields.Datetime.now() + timedelta(days=1))
env.cr.commit()
# Two of B's queued messages canceled by their sender.
queued_b = mailing_b.message_ids.filtered(lambda m: m.state == "queued")
queued_b[:2].with_user(sms_user).action_cancel()
env.cr.commit()
# An SMSAPI account next to the sandbox (after sending: nothing went through it).
smsapi = env["sms.gateway.account"].sudo().create({
    "name": "SMSAPI upgrade", "provider": "smsapi", "company_id": env.company.id,
    "smsapi_token": "fake-token-upgrade-first-day", "sender": "UpgShop",
    "price_per_part": 0.045, "sequence": 20,
    "smsapi_base_url": "https://smsapi.invalid/api"})
env.cr.commit()
env.invalidate_all()

Message = env["sms.gateway.message"].sudo()
before = {"users": {}, "accounts": {}}
env.cr.execute("SELECT state, count(*) FROM sms_gateway_message GROUP BY 1 ORDER BY 1")
before["states"] = env.cr.fetchall()
env.cr.execute("""
    SELECT company_id, count(*), sum(parts), round(sum(cost)::numeric, 6)::float
      FROM sms_gateway_message WHERE state IN ('sent', 'delivered', 'undelivered')
     GROUP BY 1 ORDER BY 1""")
before["billable"] = env.cr.fetchall()
env.cr.execute("""
    SELECT count(*), sum(message_count), sum(parts), sum(delivered_parts),
           round(sum(cost)::numeric, 6)::float FROM sms_gateway_usage_report""")
before["report"] = list(env.cr.fetchone())
env.cr.execute("""
    SELECT count(*) FILTER (WHERE skip_reason IS NULL),
           count(*) FILTER (WHERE skip_reason = 'recent'),
           count(*) FILTER (WHERE parts > 0 AND cost > 0)
      FROM sms_gateway_message WHERE state = 'canceled'""")
before["canceled"] = list(env.cr.fetchone())  # by a user, by the guard, with parts
before["groups"] = {g.name: sorted(g.member_ids.partner_id.ids)
                    for g in env["sms.gateway.group"].sudo().with_context(active_test=False).search([])}
sms_groups = env["ir.model.data"].search([("module", "=", "sms_gateway"), ("model", "=", "res.groups")])
xmlid_of = {d.res_id: f"sms_gateway.{d.name}" for d in sms_groups}
for user in list(users.values()) + [env.ref("base.user_admin")]:
    before["users"][user.login] = {"id": user.id, "groups": sorted(
        xmlid_of[g.id] for g in user.groups_id if g.id in xmlid_of)}
credentials = [f"{code}_{c.key}" for code, provider_class in providers.PROVIDERS.items()
               for c in provider_class.credentials]
for account in env["sms.gateway.account"].sudo().with_context(active_test=False).search([]):
    before["accounts"][str(account.id)] = dict(
        {f: account[f] or False for f in credentials + ["callback_secret", "location",
                                                       "name", "provider", "sender"]},
        active=account.active, company=account.company_id.id,
        price=account.price_per_part, currency=account.currency_id.name)
before["composer_bound"] = {
    xmlid: env.ref(xmlid).binding_model_id.model or False
    for xmlid in ("sms.res_partner_act_window_sms_composer_multi",
                  "sms.res_partner_act_window_sms_composer_single")}
before["group_mailing"] = mailing_a.id
with open(os.path.join(os.environ["WORK"], "before.json"), "w") as f:
    json.dump(before, f, indent=1, default=str)
print(f"  mailing A: {mailing_a.send_summary} ({sent} sent); mailing B: {mailing_b.send_summary}")
print(f"  messages by state: {before['states']}")
print(f"  billable (company, count, parts, cost): {before['billable']}")
print(f"  usage report (rows, messages, parts, delivered parts, cost): {before['report']}")
print(f"  canceled (by a user, by the 24-hour guard, with parts and cost): {before['canceled']}")
print(f"  users' SMS groups: " + "; ".join(
    f"{login}: {', '.join(g.split('_')[-1] for g in u['groups'])}"
    for login, u in before["users"].items()))
print(f"  accounts: " + "; ".join(f"{a['name']} [{a['provider']}]"
                                  for a in before["accounts"].values()))
print(f"  Odoo's composer actions bound to: {before['composer_bound']}")
states = dict(before["states"])
check("delivered, undelivered, queued and canceled messages made",
      all(states.get(s) for s in ("delivered", "undelivered", "queued", "canceled")), str(states))
check("canceled by a user and skipped by the guard, with parts and cost (old behaviour)",
      before["canceled"][0] >= 2 and before["canceled"][1] >= 4
      and before["canceled"][2] == before["canceled"][0] + before["canceled"][1],
      str(before["canceled"]))
check("SMSAPI account with its token next to the sandbox",
      {"sandbox", "smsapi"} <= {a["provider"] for a in before["accounts"].values()
                                if a["active"]})
check("the old version unbound Odoo's composer actions",
      not any(before["composer_bound"].values()), str(before["composer_bound"]))
PYEOF

step "3. pg_dump -Fc $DB, restore into $NEW_DB, -u sms_gateway with this checkout"
upgrade_copy
grep -E "Running migration \[?$NEW_VERSION|canceled messages now count" "$UPGRADE_LOG" \
    | sed 's/^[0-9-]* [0-9:,]* [0-9]* /  /'
for script in post-canceled-parts post-odoo-composer-bindings; do
    grep -qE "sms_gateway: Running migration \[?$NEW_VERSION.* $script" "$UPGRADE_LOG" \
        && record "3: the $NEW_VERSION migration $script ran" PASS \
        || record "3: the $NEW_VERSION migration $script ran" FAIL
done
log_problems "3: no ERROR/WARNING/CRITICAL in the upgrade log" "$UPGRADE_LOG"

step "4. Messages, users, accounts and screens after the upgrade"
oshell 4 "$NEW_DB" "$ADDONS" <<'PYEOF'
import json, os
from lxml import etree
from odoo.exceptions import AccessError
from odoo.addons.sms_gateway.tools import providers
with open(os.path.join(os.environ["WORK"], "before.json")) as f:
    before = json.load(f)
rows = lambda: [list(r) for r in env.cr.fetchall()]
env.cr.execute("SELECT state, count(*) FROM sms_gateway_message GROUP BY 1 ORDER BY 1")
check("messages by state unchanged", rows() == before["states"])
env.cr.execute("""
    SELECT count(*), count(*) FILTER (WHERE COALESCE(parts, 0) <> 0 OR COALESCE(cost, 0) <> 0)
      FROM sms_gateway_message WHERE state = 'canceled'""")
canceled, counting = env.cr.fetchone()
check("canceled and skipped messages count 0 parts and 0 cost", counting == 0,
      f"{canceled} canceled, {counting} still counting")
env.cr.execute("""
    SELECT company_id, count(*), sum(parts), round(sum(cost)::numeric, 6)::float
      FROM sms_gateway_message WHERE state IN ('sent', 'delivered', 'undelivered')
     GROUP BY 1 ORDER BY 1""")
after = rows()
check("billable messages' parts and cost unchanged", after == before["billable"], str(after))
env.cr.execute("""
    SELECT count(*), sum(message_count), sum(parts), sum(delivered_parts),
           round(sum(cost)::numeric, 6)::float FROM sms_gateway_usage_report""")
after = list(env.cr.fetchone())
check("usage report totals unchanged", after == before["report"], str(after))
members = {g.name: sorted(g.member_ids.partner_id.ids)
           for g in env["sms.gateway.group"].sudo().with_context(active_test=False).search([])}
check("group members unchanged", members == before["groups"], str(members))

# Users: exactly the SMS groups they had, offered on the form without debug mode.
sms_groups = env["ir.model.data"].search([("module", "=", "sms_gateway"), ("model", "=", "res.groups")])
xmlid_of = {d.res_id: f"sms_gateway.{d.name}" for d in sms_groups}
changed = []
for login, old in before["users"].items():
    user = env["res.users"].browse(old["id"])
    now = sorted(xmlid_of[g.id] for g in user.groups_id if g.id in xmlid_of)
    if now != old["groups"]:
        changed.append(f"{login}: {old['groups']} -> {now}")
check("every user keeps exactly their SMS groups", not changed, "; ".join(changed))
G = "sms_gateway.group_sms_gateway_"
admin = env.ref("base.user_admin")
# The form of Settings > Users, as the web client gets it (no debug mode here).
form = env.ref("base.view_users_form").id
arch = env["res.users"].with_user(admin).get_views([(form, "form")])["views"]["form"]["arch"]
names = {node.get("name") for node in etree.fromstring(arch).iter("field")}
expected = {
    "SMS Gateway (User, Manager)": "sel_groups_" + "_".join(
        str(i) for i in sorted([env.ref(G + "user").id, env.ref(G + "manager").id])),
    "SMS Billing (Accountant)": f"sel_groups_{env.ref(G + 'accountant').id}",
}
missing = [label for label, name in expected.items() if name not in names]
check("the user form offers both SMS categories without developer mode", not missing,
      "missing: " + ", ".join(missing) if missing else ", ".join(expected.values()))

# Accounts and credentials, read as superuser.
credentials = [f"{code}_{c.key}" for code, provider_class in providers.PROVIDERS.items()
               for c in provider_class.credentials]
Account = env["sms.gateway.account"].sudo().with_context(active_test=False)
accounts = Account.search([])
check("the same accounts", sorted(accounts.ids) == sorted(int(i) for i in before["accounts"]),
      str(accounts.mapped("name")))
wrong = []
for account_id, old in before["accounts"].items():
    account = Account.browse(int(account_id))
    now = dict(
        {f: (account[f] or False) if f in account._fields else "<gone>"
         for f in credentials + ["callback_secret", "location", "name", "provider", "sender"]
         if f in old},
        active=account.active, company=account.company_id.id,
        price=account.price_per_part, currency=account.currency_id.name)
    diff = sorted(k for k in old if old[k] != now.get(k))
    if diff:
        wrong.append(f"{old['name']}: {', '.join(diff)}")
check("accounts, credentials, senders, prices and currencies intact", not wrong, "; ".join(wrong))
smsapi = accounts.filtered(lambda a: a.provider == "smsapi")
check("the SMSAPI token intact", smsapi.smsapi_token == "fake-token-upgrade-first-day")

# Odoo's composer: bound in the data, hidden in the Actions menu.
composer = ("sms.res_partner_act_window_sms_composer_multi",
            "sms.res_partner_act_window_sms_composer_single")
bound = {x: env.ref(x).binding_model_id.model for x in composer}
check("Odoo's composer actions bound to res.partner in the data",
      set(bound.values()) == {"res.partner"}, str(bound))
sms_user = env["res.users"].browse(before["users"]["upg_user"]["id"])
ours = env.ref("sms_gateway.sms_gateway_send_wizard_action_partner_list").id
def send_sms_entries():
    env.registry.clear_cache()
    actions = env["ir.actions.actions"].with_user(sms_user)._get_bindings("res.partner")
    return [a["id"] for a in actions.get("action", ()) if a.get("name") == "Send SMS"]
entries = send_sms_entries()
check('one "Send SMS" in the partners\' Actions menu, sms_gateway\'s', entries == [ours],
      str(entries))

# The mailing form and list, as the Accountant opens them.
accountant = env["res.users"].browse(before["users"]["upg_accountant"]["id"])
Mailing = env["sms.gateway.mailing"].with_user(accountant)
def spec_of(arch, fields, models):
    spec = {}
    for node in etree.fromstring(arch).iter("field"):
        if any(parent.tag == "field" for parent in node.iterancestors()):
            continue
        field = fields.get(node.get("name"))
        if not field:
            continue
        if field["type"] == "many2one":
            spec[node.get("name")] = {"fields": {"display_name": {}}}
        elif field["type"] in ("one2many", "many2many"):
            comodel = models.get(field["relation"], {}).get("fields", {})
            sub = {"display_name": {}}
            sub.update({n.get("name"): {} for n in node.iter("field")
                        if n is not node and n.get("name") in comodel})
            spec[node.get("name")] = {"fields": sub}
        else:
            spec[node.get("name")] = {}
    return spec
mailing = env["sms.gateway.mailing"].browse(before["group_mailing"])
try:
    views = Mailing.get_views([(False, "list"), (False, "form"), (False, "search")])
    models = views["models"]
    fields_ = models["sms.gateway.mailing"]["fields"]
    listed = Mailing.web_search_read(
        [], spec_of(views["views"]["list"]["arch"], fields_, models), limit=80)
    read = Mailing.browse(mailing.id).web_read(
        spec_of(views["views"]["form"]["arch"], fields_, models))
    ok = bool(read) and mailing.group_ids and mailing.id in [r["id"] for r in listed["records"]]
    detail = f"{listed['length']} mailings listed; read {read[0].get('name')!r}"
except AccessError as error:
    ok, detail = False, str(error).splitlines()[0]
check("the Accountant opens the mailing list and a group mailing's form", ok, detail)
print(f"  {detail}")
PYEOF

step "5. -u sms on $NEW_DB"
if "$ODOO" -d "$NEW_DB" -u sms --stop-after-init --no-http \
        --addons-path="$ADDONS" --log-level=info >"$SMS_LOG" 2>&1; then
    record "5: -u sms" PASS
else
    record "5: -u sms" FAIL "exit $?"; tail -n 30 "$SMS_LOG"
fi
log_problems "5: no ERROR/WARNING/CRITICAL in the -u sms log" "$SMS_LOG"
oshell 5 "$NEW_DB" "$ADDONS" <<'PYEOF'
import json, os
with open(os.path.join(os.environ["WORK"], "before.json")) as f:
    before = json.load(f)
sms_user = env["res.users"].browse(before["users"]["upg_user"]["id"])
actions = env["ir.actions.actions"].with_user(sms_user)._get_bindings("res.partner")
entries = [a["id"] for a in actions.get("action", ()) if a.get("name") == "Send SMS"]
ours = env.ref("sms_gateway.sms_gateway_send_wizard_action_partner_list").id
check('still one "Send SMS" in the partners\' Actions menu, sms_gateway\'s',
      entries == [ours], str(entries))
bound = {x: env.ref(x).binding_model_id.model
         for x in ("sms.res_partner_act_window_sms_composer_multi",
                   "sms.res_partner_act_window_sms_composer_single")}
check("Odoo's composer actions still bound to res.partner in the data",
      set(bound.values()) == {"res.partner"}, str(bound))
PYEOF

summary check_upgrade_first_day
