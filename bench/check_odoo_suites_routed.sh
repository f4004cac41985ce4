#!/usr/bin/env bash
# Copyright 2026 sms_gateway authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
#
# Odoo's own SMS suites (the ones the test command runs) with Odoo's SMS routed
# through the company's SMS accounts: a database with sms_gateway and Odoo's SMS
# test modules, each company given an SMSAPI account and "Odoo's own SMS"
# set to its accounts, then the suites run in it. Prints the tests that fail,
# by class, and the totals. Odoo's SMS tests mostly assert Odoo IAP itself
# (they mock its request and check what it got, or count the queries of its
# path): those are expected to fail here; the others must pass.
#
#   bench/check_odoo_suites_routed.sh [DATABASE]     (default: sms_routed_suites)
#
# The database is dropped at the end (KEEP=1 keeps it). Needs Odoo 18 and
# PostgreSQL as the test command does.
set -uo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PY=${PYTHON:-python3}
# shellcheck source=scripts/odoo-lib.sh
. "$ROOT/scripts/odoo-lib.sh"
DB=${1:-sms_routed_suites}
ODOO=$(find_odoo) || { echo "no Odoo 18 found"; exit 2; }
ADDONS=$(odoo_addons_path "$ODOO")
ensure_postgres || { echo "no PostgreSQL server answers"; exit 2; }
SUITES=/sms,/phone_validation,/test_mail_sms,/mass_mailing_sms
for f in test_mailing_sms test_mailing_statistics_sms test_link_tracker_sms test_sms_controller; do
    SUITES="$SUITES,/test_mass_mailing/tests/$f.py"
done
LOG=$(mktemp)
OPTS=(--addons-path="$ADDONS" -d "$DB" --stop-after-init --max-cron-threads=0
      --http-interface=127.0.0.1 --http-port=8181 --gevent-port=8182 --log-level=info)

dropdb --if-exists "$DB" >/dev/null 2>&1
echo "installing sms_gateway and Odoo's SMS test modules in $DB ..."
"$ODOO" "${OPTS[@]}" -i sms_gateway,test_mail_sms,mass_mailing_sms,test_mass_mailing \
    --without-demo=all >"$LOG" 2>&1 || { tail -20 "$LOG"; exit 1; }

echo "routing Odoo's SMS of every company through an SMSAPI account ..."
"$ODOO" shell --addons-path="$ADDONS" -d "$DB" --no-http --log-level=warn >"$LOG" 2>&1 <<'PYEOF'
for company in env["res.company"].search([]):
    env["sms.gateway.account"].create({
        "name": "SMSAPI (routed suites)",
        "provider": "smsapi",
        "company_id": company.id,
        "smsapi_token": "routed-suites-token",
        # Nothing listens here: the suites never run the dispatcher.
        "smsapi_base_url": "http://127.0.0.1:9",
    })
    company.sms_gateway_odoo_sms = "gateway"
env.cr.commit()
print("routed:", env["res.company"]._sms_gateway_odoo_sms_company_ids())
PYEOF
grep -q "^routed: " "$LOG" || { tail -20 "$LOG"; exit 1; }
grep "^routed: " "$LOG"

echo "running Odoo's SMS suites ..."
"$ODOO" "${OPTS[@]}" -u sms,phone_validation,test_mail_sms,mass_mailing_sms,test_mass_mailing \
    --test-enable --test-tags "$SUITES" >"$LOG" 2>&1
grep -oE '(FAIL|ERROR): [A-Za-z0-9_]+\.[A-Za-z0-9_]+' "$LOG" | sort | uniq \
    | awk -F'[ .]' '{by[$2] = by[$2] " " $3; n[$2]++} END {for (c in by) printf "%s (%d):%s\n", c, n[c], by[c]}' \
    | sort
grep -oE '[0-9]+ failed, [0-9]+ error\(s\) of [0-9]+ tests' "$LOG" | tail -n 1
echo "log: $LOG"
if [ "${KEEP:-0}" != 1 ]; then
    dropdb --if-exists "$DB" >/dev/null 2>&1
    rm -rf "${HOME}/.local/share/Odoo/filestore/$DB"
fi
