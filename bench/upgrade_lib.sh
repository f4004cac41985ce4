# Copyright 2026 sms_gateway authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
#
# What the upgrade checks (bench/check_upgrade_*.sh) share, sourced by them
# after they set ROOT and DEFAULT_DB: the arguments (OLD_COMMIT [database]),
# the work folder and its cleanup on exit, the version check (Odoo runs a
# version's migrations only for databases of an older one), PASS/FAIL
# records, odoo shell steps, and the three steps every check makes:
#   install_old_version   1. a database with sms_gateway of OLD_COMMIT (demo data)
#   upgrade_copy          3. pg_dump -Fc, restored into a new database, -u sms_gateway
#   summary NAME          the PASS/FAIL lines; exit 1 with the logs kept when one failed
# Every odoo shell step (oshell) starts with oshell_prelude: check() for its
# PASS/FAIL lines and the helpers that fill the old database.
# shellcheck shell=bash
PY=${PYTHON:-python3}  # scripts/odoo-lib.sh runs Python with it
# shellcheck source=scripts/odoo-lib.sh
. "$ROOT/scripts/odoo-lib.sh"
OLD_COMMIT=${1:?usage: $0 OLD_COMMIT [database]}
DB=${2:-$DEFAULT_DB}
NEW_DB=${DB}_new
FILESTORE=${HOME}/.local/share/Odoo/filestore
WORK=$(mktemp -d)
OLD_TREE=$WORK/old
RESULTS=$WORK/results LOG=$WORK/odoo.log UPGRADE_LOG=$WORK/upgrade.log
SMS_LOG=$WORK/update_sms.log
CREATED=()  # what cleanup removes: db:NAME, filestore:NAME, worktree
START=$SECONDS

die() { echo "ERROR: $*" >&2; exit 2; }
record() { echo "CHECK|$1|$2|${3:-}" >>"$RESULTS"; }
step() { printf '\n=== %s\n' "$*"; }
cleanup() {
    local item
    for item in "${CREATED[@]}"; do
        case $item in
            db:*) dropdb --if-exists "${item#db:}" ;;
            filestore:*) rm -rf "${FILESTORE:?}/${item#filestore:}" ;;
            worktree) git -C "$ROOT" worktree remove --force "$OLD_TREE" 2>/dev/null ;;
        esac
    done
    rm -rf "$WORK"
}
trap cleanup EXIT

ODOO=$(find_odoo) || die "no Odoo found (set ODOO_BIN)"
ADDONS=$(odoo_addons_path "$ODOO") || die "cannot compute the addons path"
OLD_ADDONS="${ADDONS%,"$ROOT"},$OLD_TREE"
ensure_postgres || die "no PostgreSQL server reachable"
[ -z "$(psql -d postgres -Atc "select 1 from pg_database where datname in ('$DB', '$NEW_DB')")" ] \
    || die "database $DB or $NEW_DB already exists; drop it or pass another name"
git -C "$ROOT" rev-parse --verify -q "$OLD_COMMIT^{commit}" >/dev/null \
    || die "no commit $OLD_COMMIT"
manifest_version() {  # $1: a commit, or "" for this checkout
    if [ -n "$1" ]; then git -C "$ROOT" show "$1:sms_gateway/__manifest__.py"
    else cat "$ROOT/sms_gateway/__manifest__.py"; fi | sed -n 's/.*"version": "\(.*\)".*/\1/p'
}
OLD_VERSION=$(manifest_version "$OLD_COMMIT") NEW_VERSION=$(manifest_version "")
# Odoo runs a version's migration scripts only for databases of an older one.
[ "$(printf '%s\n%s\n' "$OLD_VERSION" "$NEW_VERSION" | sort -V | head -n1)" = "$OLD_VERSION" ] \
    && [ "$OLD_VERSION" != "$NEW_VERSION" ] \
    || die "$OLD_COMMIT is version $OLD_VERSION, not older than $NEW_VERSION: its \
databases would not run the $NEW_VERSION migration (pass the commit before the version bump)"
echo "Upgrade from $OLD_COMMIT ($OLD_VERSION) to this checkout ($NEW_VERSION)"

oshell_prelude() {  # the Python that every oshell step starts with
    cat <<'PYEOF'
import os, time
def check(name, ok, detail=""):
    print(f"CHECK|{os.environ['STEP']}: {name}|{'PASS' if ok else 'FAIL'}|{detail}", flush=True)
def make_users(specs):  # (login, name, [SMS group kinds]): employees, by login
    G = "sms_gateway.group_sms_gateway_"
    employee = env.ref("base.group_user")
    return {login: env["res.users"].create({
        "name": name, "login": login, "password": login,
        "email": f"{login}@example.com",
        "groups_id": [(6, 0, (employee | env["res.groups"].browse(
            [env.ref(G + kind).id for kind in kinds])).ids)],
    }) for login, name, kinds in specs}
def make_partners(name, mobile, numbers):  # "NAME N", MOBILE and N on 4 digits, consent
    fi = env.ref("base.fi")
    return env["res.partner"].create([
        {"name": f"{name} {n}", "country_id": fi.id, "mobile": f"{mobile}{n:04d}",
         "sms_consent": "granted"} for n in numbers])
def make_group(user, name, partners):
    return env["sms.gateway.group"].with_user(user).create({
        "name": name,
        "member_ids": [(0, 0, {"partner_id": p.id}) for p in partners],
    })
def send(user, model, ids, **values):  # the send wizard's mailing, as user
    wizard = env["sms.gateway.send.wizard"].with_user(user).with_context(
        active_model=model, active_ids=ids).create(values)
    return env["sms.gateway.mailing"].browse(wizard.action_send()["res_id"])
def dispatch_and_poll():  # committed, dispatched, the sandbox's reports polled: how many sent
    env.cr.commit()
    sent = env["sms.gateway.dispatcher"]._cron_dispatch()
    env.cr.commit()
    time.sleep(6)  # the sandbox is polled for messages sent 5 s ago
    env["sms.gateway.delivery"]._cron_poll_delivery()
    env.cr.commit()
    return sent
PYEOF
}
oshell() {  # $1 label, $2 database, $3 addons path; Python on stdin, after oshell_prelude
    local label=$1 db=$2 addons=$3 out=$WORK/out rc
    { oshell_prelude; cat; } \
        | STEP=$label WORK=$WORK "$ODOO" shell -d "$db" --no-http --addons-path="$addons" \
            --log-level=warn >"$out" 2>>"$LOG"
    rc=${PIPESTATUS[1]}  # the odoo shell's
    grep -v '^CHECK|' "$out"; grep '^CHECK|' "$out" | tee -a "$RESULTS" | cut -d'|' -f2-3
    [ "$rc" -eq 0 ] || { record "$label: odoo shell" FAIL "exit $rc"; tail -n 20 "$LOG"; }
}
log_problems() {  # $1 label, $2 log file
    local problems
    problems=$(grep -E "^[0-9-]+ [0-9:,]+ [0-9]+ (ERROR|WARNING|CRITICAL) " "$2")
    if [ -z "$problems" ]; then
        record "$1" PASS
    else
        record "$1" FAIL "$(echo "$problems" | wc -l) lines"
        echo "$problems" | head -n 20
    fi
}

install_old_version() {
    step "1. $DB with sms_gateway of $OLD_COMMIT (demo data)"
    CREATED+=(worktree "db:$DB" "filestore:$DB")
    git -C "$ROOT" worktree add --detach -q "$OLD_TREE" "$OLD_COMMIT" \
        || die "cannot check out $OLD_COMMIT"
    if "$ODOO" -d "$DB" -i sms_gateway --stop-after-init --no-http \
            --addons-path="$OLD_ADDONS" --log-level=warn >>"$LOG" 2>&1; then
        record "1: install sms_gateway $(git -C "$OLD_TREE" log -1 --format=%h)" PASS
    else
        record "1: install sms_gateway" FAIL; tail -n 30 "$LOG"
    fi
}

upgrade_copy() {
    CREATED+=("db:$NEW_DB" "filestore:$NEW_DB")
    { pg_dump -Fc -f "$WORK/db.dump" "$DB" && createdb "$NEW_DB" &&
      pg_restore -d "$NEW_DB" --no-owner "$WORK/db.dump"; } >>"$LOG" 2>&1 \
        && record "3: dumped and restored" PASS \
        || { record "3: dumped and restored" FAIL; tail -n 20 "$LOG"; }
    [ -d "$FILESTORE/$DB" ] && cp -a "$FILESTORE/$DB" "$FILESTORE/$NEW_DB"
    if "$ODOO" -d "$NEW_DB" -u sms_gateway --stop-after-init --no-http \
            --addons-path="$ADDONS" --log-level=info >"$UPGRADE_LOG" 2>&1; then
        record "3: -u sms_gateway" PASS
    else
        record "3: -u sms_gateway" FAIL "exit $?"; tail -n 30 "$UPGRADE_LOG"
    fi
}

summary() {  # $1: the check's name, for the kept logs
    step "Summary ($((SECONDS - START)) s)"
    awk -F'|' '{printf "%-4s  %s%s\n", $3, $2, ($4 == "" ? "" : "  (" $4 ")")}' "$RESULTS"
    local failed
    failed=$(grep -c '|FAIL|' "$RESULTS")
    if [ "$failed" -gt 0 ]; then
        cp "$LOG" "/tmp/$1.$$.log"
        cp "$UPGRADE_LOG" "/tmp/$1.$$.upgrade.log"
        [ -f "$SMS_LOG" ] && cp "$SMS_LOG" "/tmp/$1.$$.update_sms.log"
        echo "$failed check(s) FAILED; logs: /tmp/$1.$$.*.log"
        exit 1
    fi
    echo "all $(wc -l <"$RESULTS") checks PASSED"
}
