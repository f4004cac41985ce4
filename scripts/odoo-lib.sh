# Copyright 2026 sms_gateway authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
#
# Shell functions shared by scripts/test and scripts/demo: find an Odoo 18, its
# addons folders and a PostgreSQL server. Source it; needs ROOT and PY set.
# An Odoo is found as an Odoo user has it: ODOO_BIN, or odoo-bin / odoo on PATH,
# or a source checkout given as a path (scripts/demo /path/to/odoo).

odoo_from_path() {  # $1: an Odoo source checkout or an odoo-bin file
    if [ -f "$1/odoo-bin" ]; then echo "$1/odoo-bin"
    elif [ -f "$1" ]; then echo "$1"
    else return 1
    fi
}

find_odoo() {
    if [ -n "${ODOO_BIN:-}" ]; then echo "$ODOO_BIN"; return; fi
    command -v odoo-bin 2>/dev/null && return
    command -v odoo 2>/dev/null && return
    return 1
}
odoo_version() {  # prints the major version of the odoo package the runner imports
    "$PY" - "$1" <<'PYEOF' 2>/dev/null
import os, sys
odoo_bin = os.path.realpath(sys.argv[1])
here = os.path.dirname(odoo_bin)
if os.path.isdir(os.path.join(here, "odoo")):
    sys.path.insert(0, here)
import odoo.release
print(odoo.release.version_info[0])
PYEOF
}
odoo_addons_path() {  # Odoo's own addons folders, then this repo
    if [ -n "${ODOO_ADDONS_PATH:-}" ]; then echo "$ODOO_ADDONS_PATH,$ROOT"; return; fi
    "$PY" - "$1" "$ROOT" <<'PYEOF'
import os, sys
odoo_bin, root = os.path.realpath(sys.argv[1]), sys.argv[2]
here = os.path.dirname(odoo_bin)
if os.path.isdir(os.path.join(here, "odoo")):
    sys.path.insert(0, here)
import odoo
pkg = os.path.dirname(os.path.realpath(odoo.__file__))
paths = [p for p in (os.path.join(pkg, "addons"), os.path.join(os.path.dirname(pkg), "addons"))
         if os.path.isdir(os.path.join(p, "sms"))]
paths.append(os.path.join(pkg, "addons"))
print(",".join(dict.fromkeys(paths + [root])))
PYEOF
}
ensure_postgres() {
    pg_isready -q 2>/dev/null && return 0
    if command -v pg_lsclusters >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
        pg_lsclusters -h 2>/dev/null | while read -r ver name _; do
            pg_ctlcluster "$ver" "$name" start 2>/dev/null
        done
        sleep 2
    fi
    pg_isready -q 2>/dev/null || return 1
    if [ "$(id -u)" = 0 ] && ! psql -d postgres -Atc 'select 1' >/dev/null 2>&1; then
        su postgres -c "createuser --superuser $(id -un)" 2>/dev/null
    fi
    psql -d postgres -Atc 'select 1' >/dev/null 2>&1
}
