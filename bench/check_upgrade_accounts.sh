#!/usr/bin/env bash
# Copyright 2026 sms_gateway authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
#
# End-to-end check of the upgrade to SMS accounts (18.0.1.2.0), not part of CI:
#   1. a database made with the previous version (git worktree of OLD_COMMIT),
#      sms_gateway installed with demo data;
#   2. filled there through odoo shell: company A on SMSAPI (token, address,
#      sender, price, timeout; it tried the sandbox first), B on Twilio with a
#      location recorded on another database (locked), C on Quriiri keeping
#      SMSAPI credentials, D disabled; messages sent, delivered and queued
#      for A and B; the figures before are saved;
#   3. pg_dump -Fc, restored into a new database, upgraded with this
#      checkout (-u sms_gateway);
#   4. checked: one active account per company with its provider,
#      credentials, sender, price and secret; C's SMSAPI account archived; D
#      none active; B still locked; messages linked to their accounts; usage
#      totals identical; the company columns gone; no ERROR/WARNING logged.
# Everything created is removed on exit. Prints PASS/FAIL lines:
#   bench/check_upgrade_accounts.sh OLD_COMMIT [database]   (default smsgw_upg)
# Environment: PYTHON, ODOO_BIN, ODOO_ADDONS_PATH (as scripts/test).
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
DEFAULT_DB=smsgw_upg
# shellcheck source=bench/upgrade_lib.sh
. "$ROOT/bench/upgrade_lib.sh"

install_old_version

step "2. Companies, credentials and messages with the previous version"
oshell 2 "$DB" "$OLD_ADDONS" <<'PYEOF'
import json, os
from datetime import datetime, timedelta
Company = env["res.company"]
a = env.ref("base.main_company")
b = Company.create({"name": "Upgrade B", "country_id": env.ref("base.se").id})
c = Company.create({"name": "Upgrade C", "country_id": env.ref("base.fi").id})
d = Company.create({"name": "Upgrade D"})
a.write({"sms_gateway_smsapi_token": "tok-A-upgrade", "sms_gateway_provider": "smsapi",
         "sms_gateway_smsapi_base_url": "https://smsapi-a.example/api",
         "sms_gateway_sender": "ShopA", "sms_gateway_price_per_part": 0.0725,
         "sms_gateway_timeout": 15})
b.write({"sms_gateway_twilio_account_sid": "AC" + "b" * 32,
         "sms_gateway_twilio_auth_token": "tw-B-upgrade", "sms_gateway_provider": "twilio",
         "sms_gateway_sender": "+15005550006", "sms_gateway_price_per_part": 0.9})
c.write({"sms_gateway_quriiri_api_key": "qk-C-upgrade", "sms_gateway_smsapi_token": "tok-C-kept",
         "sms_gateway_provider": "quriiri", "sms_gateway_sender": "ShopC"})
d.write({"sms_gateway_provider": "none"})
Message = env["sms.gateway.message"].sudo()
sent_at = datetime(2026, 10, 1, 9, 0)
values = []
for company, plan in ((a, [("sandbox", "delivered", 2), ("smsapi", "delivered", 5),
                           ("smsapi", "sent", 3), ("smsapi", "undelivered", 1),
                           (False, "queued", 2)]),
                      (b, [("twilio", "delivered", 4), ("twilio", "sent", 2),
                           (False, "queued", 1)])):
    price = company.sms_gateway_price_per_part
    for provider, state, count in plan:
        for n in range(count):
            uid = f"upg-{company.id}-{provider}-{state}-{n}"
            parts = 1 + n % 3
            values.append({
                "company_id": company.id, "number": f"+35840{company.id:02d}{len(values):05d}",
                "body": f"Upgrade {uid}", "state": state, "provider": provider,
                "provider_ref": provider and f"ref-{uid}", "uid": uid, "parts": parts,
                "cost": parts * price if provider else 0,
                "currency_id": company.sms_gateway_currency_id.id,
                "sent_at": provider and sent_at + timedelta(minutes=len(values)),
                "delivered_at": sent_at + timedelta(hours=1) if state == "delivered" else False,
            })
Message.create(values)
env.flush_all()  # B's location is written by the ORM first, then changed below
# B's credentials were entered on another database: locked.
location = json.loads(b.sms_gateway_location)
location["db"] = "prod_elsewhere"
env.cr.execute("UPDATE res_company SET sms_gateway_location = %s WHERE id = %s",
               [json.dumps(location, sort_keys=True), b.id])
env.cr.commit()
env.invalidate_all()
print(f"  B's location: {b.sudo().sms_gateway_location}; lock: {b.sms_gateway_lock_reason}")
columns = ["sms_gateway_provider", "sms_gateway_sender", "sms_gateway_price_per_part",
           "sms_gateway_timeout", "sms_gateway_callback_secret", "sms_gateway_location",
           "sms_gateway_smsapi_token", "sms_gateway_smsapi_base_url",
           "sms_gateway_twilio_account_sid", "sms_gateway_twilio_auth_token",
           "sms_gateway_quriiri_api_key"]
before = {"companies": {}, "usage": {}}
for label, company in (("A", a), ("B", b), ("C", c), ("D", d)):
    env.cr.execute(f"SELECT {', '.join(columns)} FROM res_company WHERE id = %s", [company.id])
    row = dict(zip(columns, env.cr.fetchone()))
    row["sms_gateway_price_per_part"] = float(row["sms_gateway_price_per_part"] or 0)
    row["id"] = company.id
    row["locked"] = company.sms_gateway_locked
    before["companies"][label] = row
env.cr.execute("""
    SELECT company_id, count(*), sum(parts), round(sum(cost)::numeric, 6)::float
      FROM sms_gateway_message WHERE state IN ('sent', 'delivered', 'undelivered')
     GROUP BY 1 ORDER BY 1""")
before["usage"]["messages"] = env.cr.fetchall()
env.cr.execute("""
    SELECT company_id, sum(message_count), sum(parts), round(sum(cost)::numeric, 6)::float
      FROM sms_gateway_usage_report GROUP BY 1 ORDER BY 1""")
before["usage"]["report"] = env.cr.fetchall()
env.cr.execute("SELECT state, count(*) FROM sms_gateway_message GROUP BY 1 ORDER BY 1")
before["states"] = env.cr.fetchall()
with open(os.path.join(os.environ["WORK"], "before.json"), "w") as f:
    json.dump(before, f, indent=1, default=str)
for label, row in before["companies"].items():
    print(f"  {label}: provider={row['sms_gateway_provider']} sender={row['sms_gateway_sender']} "
          f"price={row['sms_gateway_price_per_part']} locked={row['locked']}")
print(f"  usage before (company, billable, parts, cost): {before['usage']['messages']}")
print(f"  messages by state: {before['states']}")
check("4 companies, B locked", before["companies"]["B"]["locked"]
      and not before["companies"]["A"]["locked"])
check("messages made", sum(n for _s, n in before["states"]) == len(values), str(len(values)))
PYEOF

step "3. pg_dump -Fc $DB, restore into $NEW_DB, -u sms_gateway with this checkout"
upgrade_copy
grep -E "SMS account [0-9]+ made|running migration" "$UPGRADE_LOG" \
    | sed 's/^[0-9-]* [0-9:,]* [0-9]* /  /'
grep -q "SMS account [0-9]* made" "$UPGRADE_LOG" \
    && record "3: the $NEW_VERSION migration ran" PASS \
    || record "3: the $NEW_VERSION migration ran" FAIL
log_problems "3: no ERROR/WARNING in the upgrade log" "$UPGRADE_LOG"

step "4. Accounts, messages and usage after the upgrade"
oshell 4 "$NEW_DB" "$ADDONS" <<'PYEOF'
import json, os
with open(os.path.join(os.environ["WORK"], "before.json")) as f:
    before = json.load(f)
Account = env["sms.gateway.account"].with_context(active_test=False)
fields = {"sms_gateway_smsapi_token": "smsapi_token", "sms_gateway_smsapi_base_url": "smsapi_base_url",
          "sms_gateway_twilio_account_sid": "twilio_account_sid",
          "sms_gateway_twilio_auth_token": "twilio_auth_token",
          "sms_gateway_quriiri_api_key": "quriiri_api_key"}
prefix = {"smsapi": "smsapi_", "twilio": "twilio_", "quriiri": "quriiri_"}
for label, old in before["companies"].items():
    accounts = Account.search([("company_id", "=", old["id"])])
    active = accounts.filtered("active")
    print(f"  {label}: " + "; ".join(
        f"{a.name} [{a.provider}, {'active' if a.active else 'archived'}"
        f"{', locked' if a.locked else ''}]" for a in accounts))
    if old["sms_gateway_provider"] == "none":
        check(f"{label}: no active account (sending was disabled)", not active,
              str(active.mapped("name")))
        continue
    check(f"{label}: one active account, {old['sms_gateway_provider']}",
          len(active) == 1 and active.provider == old["sms_gateway_provider"],
          str([(a.name, a.provider) for a in active]))
    if len(active) != 1:
        continue
    code = active.provider
    creds = {new: old[col] for col, new in fields.items()
             if new.startswith(prefix.get(code, "-"))}
    check(f"{label}: credentials intact", all(active[f] == v for f, v in creds.items()),
          ", ".join(creds))
    check(f"{label}: sender, price, timeout",
          (active.sender or None, round(active.price_per_part, 6), active.timeout)
          == (old["sms_gateway_sender"], round(old["sms_gateway_price_per_part"], 6),
              old["sms_gateway_timeout"] or 10),
          f"{active.sender} {active.price_per_part} {active.timeout}")
    check(f"{label}: delivery report secret kept",
          active.callback_secret == old["sms_gateway_callback_secret"])
    check(f"{label}: location kept as recorded",
          active.location == old["sms_gateway_location"])
    if label == "B":
        check("B: still locked (credentials entered on prod_elsewhere)",
              active.locked and "prod_elsewhere" in (active.lock_reason or ""),
              active.lock_reason or "")
    else:
        print(f"  {label} lock after restoring under a new name: {active.lock_reason}")
c_smsapi = Account.search([("company_id", "=", before["companies"]["C"]["id"]),
                           ("provider", "=", "smsapi")])
check("C: SMSAPI credentials kept in an archived account",
      len(c_smsapi) == 1 and not c_smsapi.active and c_smsapi.smsapi_token == "tok-C-kept")
a_sandbox = Account.search([("company_id", "=", before["companies"]["A"]["id"]),
                            ("provider", "=", "sandbox")])
check("A: the sandbox it sent through before is an archived account",
      len(a_sandbox) == 1 and not a_sandbox.active)
Message = env["sms.gateway.message"].with_context(active_test=False)
sent = Message.search([("provider", "!=", False)])
wrong = sent.filtered(lambda m: not m.account_id or m.account_id.provider != m.provider
                      or m.account_id.company_id != m.company_id)
check("every sent message linked to its company's account of its provider", not wrong,
      f"{len(sent)} linked, {len(wrong)} not")
queued = Message.search([("provider", "=", False)])
check("queued messages still queued", set(queued.mapped("state")) == {"queued"},
      str(len(queued)))
env.cr.execute("SELECT state, count(*) FROM sms_gateway_message GROUP BY 1 ORDER BY 1")
check("messages by state unchanged", [list(r) for r in env.cr.fetchall()] == before["states"])
env.cr.execute("""
    SELECT company_id, count(*), sum(parts), round(sum(cost)::numeric, 6)::float
      FROM sms_gateway_message WHERE state IN ('sent', 'delivered', 'undelivered')
     GROUP BY 1 ORDER BY 1""")
after = [list(r) for r in env.cr.fetchall()]
print(f"  usage after (company, billable, parts, cost): {after}")
check("usage totals per company identical (count, parts, cost)", after == before["usage"]["messages"])
env.cr.execute("""
    SELECT company_id, sum(message_count), sum(parts), round(sum(cost)::numeric, 6)::float
      FROM sms_gateway_usage_report GROUP BY 1 ORDER BY 1""")
check("usage report totals identical", [list(r) for r in env.cr.fetchall()] == before["usage"]["report"])
env.cr.execute("""
    SELECT a.company_id, sum(r.message_count), sum(r.parts), round(sum(r.cost)::numeric, 6)::float
      FROM sms_gateway_usage_report r JOIN sms_gateway_account a ON a.id = r.account_id
     GROUP BY 1 ORDER BY 1""")
by_account = [list(r) for r in env.cr.fetchall()]
check("usage by account adds up to the same totals", by_account == before["usage"]["messages"],
      str(by_account))
env.cr.execute("""
    SELECT table_name || '.' || column_name FROM information_schema.columns
     WHERE table_name IN ('res_company', 'res_config_settings')
       AND column_name IN ('sms_gateway_provider', 'sms_gateway_sender', 'sms_gateway_timeout',
           'sms_gateway_price_per_part', 'sms_gateway_callback_secret', 'sms_gateway_location',
           'sms_gateway_lock_notified', 'sms_gateway_test_number')
        OR (table_name = 'res_company' AND column_name ~ '^sms_gateway_(smsapi|twilio|quriiri)_')""")
left = [r[0] for r in env.cr.fetchall()]
check("the old company and settings columns are gone", not left, ", ".join(left))
env.cr.execute("SELECT count(*) FROM mail_activity WHERE res_model = 'res.company' "
               "AND summary ILIKE 'SMS%%'")
check("no SMS activity left on companies", env.cr.fetchone()[0] == 0)
PYEOF

summary check_upgrade_accounts
