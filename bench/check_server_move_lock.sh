#!/usr/bin/env bash
# Copyright 2026 sms_gateway authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
#
# End-to-end check of the server-move lock on real PostgreSQL (not part of CI):
#   1. fresh database, sms_gateway installed, an SMSAPI account saved;
#   2. a new Odoo process on the same database: not locked;
#   3. createdb -T copy: locked (new name), cron notifies admins once,
#      re-entering the token unlocks and closes the activity;
#   4. pg_dump/pg_restore into a second PostgreSQL 15 cluster under the same
#      name: locked (other server), an administrator's confirmation unlocks.
# Everything created is removed on exit. Run as root (creates a cluster):
#   bench/check_server_move_lock.sh [database]     (default smsgw_move_src)
# Environment: PYTHON, ODOO_BIN, ODOO_ADDONS_PATH (as scripts/test), PORT2 (5439).
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PY=${PYTHON:-python3}
# shellcheck source=scripts/odoo-lib.sh
. "$ROOT/scripts/odoo-lib.sh"
DB=${1:-smsgw_move_src}
COPY=${DB}_copy
CLUSTER=smsgwmove
PORT2=${PORT2:-5439}
FILESTORE=${HOME}/.local/share/Odoo/filestore
WORK=$(mktemp -d)
RESULTS=$WORK/results LOG=$WORK/odoo.log
CREATED=()  # what cleanup removes: db:NAME, cluster, filestore:NAME
START=$SECONDS

die() { echo "ERROR: $*" >&2; exit 2; }
record() { echo "CHECK|$1|$2|${3:-}" >>"$RESULTS"; }
step() { printf '\n=== %s\n' "$*"; }
cleanup() {  # removes what this run created, in order
    local item
    for item in "${CREATED[@]}"; do
        case $item in
            db:*) dropdb --if-exists "${item#db:}" ;;
            cluster) pg_dropcluster --stop 15 "$CLUSTER" 2>/dev/null ;;
            filestore:*) rm -rf "${FILESTORE:?}/${item#filestore:}" ;;
        esac
    done
    rm -rf "$WORK"
}
trap cleanup EXIT

ODOO=$(find_odoo) || die "no Odoo found (set ODOO_BIN)"
ADDONS=$(odoo_addons_path "$ODOO") || die "cannot compute the addons path"
ensure_postgres || die "no PostgreSQL server reachable"
[ -z "$(psql -d postgres -Atc "select 1 from pg_database where datname in ('$DB', '$COPY')")" ] \
    || die "database $DB or $COPY already exists; drop it or pass another name"
pg_lsclusters -h | awk '{print $2}' | grep -qx "$CLUSTER" \
    && die "cluster 15/$CLUSTER exists (pg_dropcluster --stop 15 $CLUSTER)"

# Python run before each snippet: check() records a result, REASON lines are kept.
PRELUDE=$(cat <<'PYEOF'
import os
from odoo.addons.sms_gateway.models.sms_gateway_account import LOCK_ACTIVITY_SUMMARY, ProviderLockedError
admin = env.ref("base.user_admin")
Account = env["sms.gateway.account"]
account = Account.search([("name", "=", "Bench SMSAPI")], limit=1)
def check(name, ok, detail=""):
    print(f"CHECK|{os.environ['STEP']}: {name}|{'PASS' if ok else 'FAIL'}|{detail}", flush=True)
def show():
    print(f"  location={account.location}\n  locked={account.locked}"
          f" reason={account.lock_reason}", flush=True)
def provider_error():
    try:
        account._sms_get_provider()
    except ProviderLockedError as error:
        return str(error)
    return None
def lock_activities(user=None):
    domain = [("res_model", "=", "sms.gateway.account"), ("res_id", "=", account.id),
              ("summary", "=", LOCK_ACTIVITY_SUMMARY)]
    return env["mail.activity"].search(domain + ([("user_id", "=", user.id)] if user else []))
PYEOF
)
oshell() {  # $1 step label, $2 database, $3... odoo options; Python on stdin
    local label=$1 db=$2 out=$WORK/out rc
    shift 2
    { printf '%s\n' "$PRELUDE"; cat; } | STEP=$label "$ODOO" shell -d "$db" --no-http \
        --addons-path="$ADDONS" --log-level=warn "$@" >"$out" 2>>"$LOG"
    rc=$?
    grep -Ev '^(CHECK|REASON)\|' "$out"; grep '^CHECK|' "$out" | tee -a "$RESULTS" | cut -d'|' -f2-3
    grep '^REASON|' "$out" >>"$WORK/reasons"
    [ "$rc" -eq 0 ] || { record "$label: odoo shell" FAIL "exit $rc"; tail -n 20 "$LOG"; }
}

step "1. Install sms_gateway in a fresh database $DB"
CREATED+=("db:$DB" "filestore:$DB")
if "$ODOO" -d "$DB" -i sms_gateway --stop-after-init --without-demo=all --no-http \
        --addons-path="$ADDONS" --log-level=warn >>"$LOG" 2>&1; then
    record "1: install sms_gateway" PASS
else
    record "1: install sms_gateway" FAIL; tail -n 30 "$LOG"
fi
oshell 1 "$DB" <<'PYEOF'
account = Account.create({"name": "Bench SMSAPI", "provider": "smsapi",
                          "smsapi_token": "bench-token"})
env.cr.commit()
show()
check("credentials saved, location recorded", bool(account.location))
check("locked=False after saving", not account.locked)
PYEOF

step "2. Restart: a new Odoo process on $DB"
oshell 2 "$DB" <<'PYEOF'
show()
check("locked=False", not account.locked, account.lock_reason or "")
check("_sms_get_provider() works", provider_error() is None)
PYEOF

step "3. Copy: createdb -T $DB $COPY"
CREATED+=("db:$COPY" "filestore:$COPY")
createdb -T "$DB" "$COPY" || record "3: createdb -T" FAIL
[ -d "$FILESTORE/$DB" ] && cp -a "$FILESTORE/$DB" "$FILESTORE/$COPY"
oshell 3 "$COPY" <<'PYEOF'
show()
reason = account.lock_reason or ""
print(f"REASON|copy|{reason}")
check("locked=True", account.locked)
check("reason names the new database", env.cr.dbname in reason, reason)
check("_sms_get_provider() raises ProviderLockedError", provider_error() is not None)
admins = env.ref("base.group_system").users.filtered(lambda u: u.active and not u.share)
Account._cron_check_location()
check("cron: an activity for base.user_admin", len(lock_activities(admin)) == 1)
Account._cron_check_location()
counts = {u.login: len(lock_activities(u)) for u in admins}
check("cron again: still one activity per admin", set(counts.values()) == {1}, str(counts))
env.cr.commit()
account.write({"smsapi_token": "bench-token-2"})
env.cr.commit()
show()
check("token re-entered: locked=False", not account.locked, account.lock_reason or "")
check("token re-entered: activity closed", not lock_activities())
check("token re-entered: _sms_get_provider() works", provider_error() is None)
PYEOF

step "4. Second cluster 15/$CLUSTER on port $PORT2, same database name $DB"
CREATED+=(cluster)
{ pg_createcluster 15 "$CLUSTER" --port "$PORT2" -- --auth-local=trust --auth-host=trust &&
  pg_ctlcluster 15 "$CLUSTER" start &&
  su postgres -c "psql -p $PORT2 -qc 'create role root superuser login'" &&
  pg_dump -Fc -f "$WORK/db.dump" "$DB" && createdb -p "$PORT2" "$DB" &&
  pg_restore -p "$PORT2" -d "$DB" --no-owner "$WORK/db.dump"; } >>"$LOG" 2>&1 \
    && record "4: cluster created, database restored" PASS \
    || { record "4: cluster created, database restored" FAIL; tail -n 20 "$LOG"; }
oshell 4 "$DB" --db_port="$PORT2" <<'PYEOF'
show()
reason = account.lock_reason or ""
print(f"REASON|second cluster|{reason}")
check("locked=True", account.locked)
check("reason: PostgreSQL server changed (not name/uuid)", "PostgreSQL server" in reason
      and "now called" not in reason and "uuid" not in reason, reason)
check("_sms_get_provider() raises ProviderLockedError", provider_error() is not None)
account.with_user(admin).action_confirm_location()
env.cr.commit()
show()
check("admin confirmed: locked=False", not account.locked, account.lock_reason or "")
check("admin confirmed: _sms_get_provider() works", provider_error() is None)
PYEOF

step "Summary ($((SECONDS - START)) s; Odoo log kept only on failure)"
awk -F'|' '{printf "%-4s  %s\n", $3, $2}' "$RESULTS"
[ -f "$WORK/reasons" ] && awk -F'|' '{printf "Lock reason (%s): %s\n", $2, $3}' "$WORK/reasons"
FAILED=$(grep -c '|FAIL|' "$RESULTS")
if [ "$FAILED" -gt 0 ]; then
    cp "$LOG" "/tmp/check_server_move_lock.$$.log"
    echo "$FAILED check(s) FAILED; Odoo log: /tmp/check_server_move_lock.$$.log"
    exit 1
fi
echo "all $(wc -l <"$RESULTS") checks PASSED"
