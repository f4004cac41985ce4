# Copyright 2026 sms_gateway authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Time SMS groups at scale on a real Odoo 18 database; prints figures.

1. Pads res.partner with contacts written by SQL (``--members`` of them, plus
   ``--extra-partners`` more to look like a big database).
2. Builds a ``--lines`` CSV (UTF-8 with BOM, semicolons): new contacts, contacts
   matched by number, duplicates and 1 % of bad lines (invalid numbers, missing
   names, notes too long, invalid emails), and times the import wizard run by
   an SMS user (record rules on). Checks that every bad line is reported.
3. Puts ``--members`` contacts into one group (INSERT ... SELECT), then times
   what opening its form costs: ``web_read`` with the form view's own field
   specification (as the web client asks for it), the counts, a page of the
   member list and of the partner list of members.

Everything runs in one transaction that is rolled back at the end (``--keep``
commits instead), so the database is left as it was. Timings include flushing
to PostgreSQL, not the final commit. Run it with the Python that runs Odoo, on
a database where sms_gateway is installed:

    python3 bench/bench_groups.py -d DB [--addons-path=ODOO_ADDONS,REPO] \\
        [--lines 50000] [--members 100000] [--extra-partners 0] [--keep]

e.g. ``odoo -d bench -i sms_gateway --stop-after-init`` first, then
``python3 bench/bench_groups.py -d bench``. Without ``--addons-path``, Odoo's
own addons folders and this repository are used.
"""

import argparse
import base64
import json
import os
import random
import sys
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
SEED = 20260101
BAD_EVERY = 100  # one bad line in a hundred
FIRST_NAMES = [
    "Matti", "Päivi", "Jörgen", "Åsa", "Łukasz", "Żaneta", "Aino", "Eero",
    "Kaisa", "Sven", "Agnieszka", "Mikko", "Ülle", "Björn", "Zofia", "Jussi",
]  # fmt: skip
LAST_NAMES = [
    "Virtanen", "Hämäläinen", "Öberg", "Ångström", "Wiśniewski", "Ćwik",
    "Korhonen", "Nieminen", "Lindqvist", "Kowalska", "Mäkinen", "Søgaard",
]  # fmt: skip


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("-d", "--database", required=True)
    parser.add_argument("--addons-path")
    parser.add_argument("--lines", type=int, default=50_000)
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--extra-partners", type=int, default=0)
    parser.add_argument("--keep", action="store_true", help="commit, do not roll back")
    return parser.parse_args()


def default_addons_path():
    import odoo

    package = Path(odoo.__file__).resolve().parent
    paths = [package.parent / "addons", package / "addons", REPO_ROOT]
    return ",".join(str(p) for p in paths if p.is_dir())


def timed(label, func, *args, **kwargs):
    start = time.perf_counter()
    result = func(*args, **kwargs)
    elapsed = time.perf_counter() - start
    print(f"  {label:<58} {elapsed * 1000:>10.1f} ms")
    return result, elapsed


# ----------------------------------------------------------------------
# Data
# ----------------------------------------------------------------------


def sql_partners(env, count, prefix, consent_cycle=("granted", "unknown", "refused")):
    """``count`` partners written by SQL; mobile numbers ``+358 {prefix} NNNNNNN``."""
    if count <= 0:
        return
    cr = env.cr
    cr.execute(
        """
        INSERT INTO res_partner
            (name, complete_name, active, type, is_company, partner_share, lang,
             mobile, sms_number, sms_number_state, phone_sanitized, sms_consent,
             email, email_normalized, create_uid, write_uid, create_date, write_date)
        SELECT 'Bench ' || n, 'Bench ' || n, TRUE, 'contact', FALSE, TRUE, 'en_US',
               %(cc)s || lpad(n::text, 7, '0'), %(cc)s || lpad(n::text, 7, '0'),
               CASE WHEN n %% 20 = 0 THEN 'landline' ELSE 'mobile' END,
               %(cc)s || lpad(n::text, 7, '0'),
               (%(consents)s::varchar[])[1 + n %% %(cycle)s],
               'bench' || n || '@example.com', 'bench' || n || '@example.com',
               1, 1, now() at time zone 'UTC', now() at time zone 'UTC'
          FROM generate_series(1, %(count)s) AS n
        """,
        {
            "cc": f"+358{prefix}",
            "consents": list(consent_cycle),
            "cycle": len(consent_cycle),
            "count": count,
        },
    )
    cr.execute(
        "UPDATE res_partner SET commercial_partner_id = id"
        " WHERE commercial_partner_id IS NULL"
    )
    cr.execute("ANALYZE res_partner")
    env.invalidate_all()


def build_csv(lines, matched_prefix, matched_count):
    """CSV bytes and the set of line numbers that must be refused."""
    rng = random.Random(SEED)
    rows = ["name;mobile;email;note"]
    bad = set()
    new_numbers = []
    for index in range(lines):
        number = index + 2  # line number in the file (header is line 1)
        name = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
        if index % BAD_EVERY == BAD_EVERY - 1:
            bad.add(number)
            kind = (index // BAD_EVERY) % 4
            mobile = f"045 {index:07d}"
            if kind == 0:
                rows.append(f"{name};12{index % 10};;invalid number")
            elif kind == 1:
                rows.append(f";{mobile};;missing name")
            elif kind == 2:
                rows.append(f"{name};{mobile};;{'x' * 256}")
            else:
                rows.append(f"{name};{mobile};not-an-email-{index};")
            continue
        if index % 10 == 0 and matched_count:
            # an existing contact, written the national way
            n = 1 + rng.randrange(matched_count)
            digits = f"{n:07d}"
            rows.append(f"{name};0{matched_prefix} {digits[:3]} {digits[3:]};;matched")
            continue
        if index % 97 == 0 and new_numbers:
            # a duplicate of an earlier line, written with the country code
            rows.append(f"{name};+358 {rng.choice(new_numbers)[1:]};;duplicate")
            continue
        mobile = f"046{index:07d}"
        new_numbers.append(mobile)
        email = f"{name.split()[0].lower()}.{index}@example.fi" if index % 3 else ""
        note = "imported" if index % 5 == 0 else ""
        rows.append(f"{name};{mobile};{email};{note}")
    return ("\n".join(rows) + "\n").encode("utf-8-sig"), bad


def bench_user(env):
    groups = [
        env.ref("base.group_user").id,
        env.ref("base.group_partner_manager").id,
        env.ref("sms_gateway.group_sms_gateway_user").id,
    ]
    return (
        env["res.users"]
        .with_context(no_reset_password=True)
        .create(
            {
                "name": "Bench Sender",
                "login": f"bench_groups_{os.getpid()}",
                "groups_id": [(6, 0, groups)],
            }
        )
    )


def form_specification(env, model):
    """The field specification the web client sends to open the form view."""
    views = env[model].get_views([(False, "form")])
    models = views["models"]

    def spec(model_name, field_names):
        result = {}
        fields = models[model_name]["fields"]
        for name in field_names:
            field = fields[name]
            if field["type"] in ("many2one", "many2many"):
                result[name] = {"fields": {"display_name": {}}}
            elif field["type"] == "one2many":
                comodel = field["relation"]
                result[name] = {
                    "fields": spec(comodel, list(models[comodel]["fields"])),
                    "limit": 40,
                }
            else:
                result[name] = {}
        return result

    return spec(model, list(models[model]["fields"]))


# ----------------------------------------------------------------------


def run(env, args):
    cr = env.cr
    print(f"Database {args.database}: {env['res.partner'].search_count([])} partners")
    # existing partners: the future group members (prefix 50) and padding (41)
    _, elapsed = timed(
        f"setup: {args.members:,} partners by SQL (+{args.extra_partners:,} more)",
        lambda: (
            sql_partners(env, args.members, "50"),
            sql_partners(env, args.extra_partners, "41"),
        ),
    )
    total = env["res.partner"].search_count([])
    print(f"  partners now: {total:,}")
    user = bench_user(env)
    uenv = env(user=user, context=dict(env.context, lang="en_US"))

    # -- import ----------------------------------------------------------------
    data, bad = build_csv(args.lines, "50", args.members)
    print(f"\nImport of a {args.lines:,}-line CSV ({len(data) / 1e6:.1f} MB, "
          f"{len(bad)} bad lines), as an SMS user:")  # fmt: skip
    group = uenv["sms.gateway.group"].create({"name": "Bench import"})
    wizard = uenv["sms.gateway.group.import"].create(
        {
            "group_id": group.id,
            "file": base64.b64encode(data),
            "filename": "bench.csv",
            "country_id": env.ref("base.fi").id,  # numbers written 050 123 4567
        }
    )
    env.flush_all()

    def do_import():
        wizard.action_import()
        env.flush_all()

    _, import_seconds = timed(
        "import wizard (read, match, create, add, report)", do_import
    )
    refused = set(
        wizard.line_ids.filtered(lambda li: li.result == "refused").mapped(
            "line_number"
        )
    )
    print(
        f"  lines {wizard.line_count:,}: created {wizard.created_count:,}, "
        f"existing {wizard.matched_count:,}, merged {wizard.merged_count:,}, "
        f"refused {wizard.refused_count:,}; members added {wizard.added_count:,}"
    )
    print(
        f"  every bad line reported: {refused == bad} "
        f"({len(refused)} reported, {len(bad)} bad)"
    )
    verdict = "OK" if import_seconds <= 60 else "SLOW"
    print(f"  => import {import_seconds:.1f} s ({verdict} against 60 s)")

    # -- a group with many members ----------------------------------------------
    print(f"\nA group with {args.members:,} members:")
    big = uenv["sms.gateway.group"].create({"name": "Bench big"})
    env.flush_all()
    (added, _elapsed) = timed(
        f"add {args.members:,} contacts (INSERT ... SELECT from a domain)",
        big._add_partners,
        [("name", "=like", "Bench %"), ("mobile", "=like", "+35850%")],
    )
    print(f"  added: {added:,}")
    cr.execute("ANALYZE sms_gateway_group_member")
    spec = form_specification(uenv, "sms.gateway.group")
    print(f"  form specification: {sorted(spec)}")

    def open_form():
        env.invalidate_all()
        return big.web_read(spec)

    for attempt in ("cold", "warm"):
        values, elapsed = timed(
            f"web_read with the form's specification ({attempt})", open_form
        )
    payload = len(json.dumps(values, default=str))
    row = values[0]
    print(
        f"  members {row['member_count']:,}, sendable {row['sendable_count']:,}, "
        f"granted {row['consent_granted_count']:,}, opted out "
        f"{row['opted_out_count']:,}, no mobile {row['no_mobile_count']:,}; "
        f"rows sent {len(row['member_preview_ids'])}, answer {payload / 1024:.1f} KB"
    )
    print(f"  => form opens in {elapsed * 1000:.0f} ms")

    def counts_only():
        env.invalidate_all()
        big.read(["member_count", "sendable_count"])

    timed("counts alone (one SQL query)", counts_only)

    def member_page():
        env.invalidate_all()
        return uenv["sms.gateway.group.member"].web_search_read(
            [("group_id", "=", big.id)],
            {"partner_id": {"fields": {"display_name": {}}}, "sms_consent": {},
             "sms_number": {}, "note": {}},
            limit=80,
        )  # fmt: skip

    page, _e = timed("member list: first page of 80 + count", member_page)

    def partner_page():
        env.invalidate_all()
        return uenv["res.partner"].web_search_read(
            [("sms_gateway_group_ids", "in", [big.id])],
            {"display_name": {}, "sms_number": {}, "sms_consent": {}},
            limit=80,
        )

    page2, _e = timed("'Members' button: partner list page of 80 + count", partner_page)
    print(f"  list lengths: members {page['length']:,}, partners {page2['length']:,}")

    def recipients():
        env.invalidate_all()
        query = big._sms_recipient_partners_query(sendable_only=True)
        return env.execute_query(query.select("COUNT(*)"))[0][0]

    sendable, _e = timed(
        "_sms_recipient_partners_query(sendable_only) COUNT", recipients
    )
    print(f"  sendable recipients: {sendable:,}")


def main():
    args = parse_args()
    import odoo
    from odoo import SUPERUSER_ID, api
    from odoo.modules.registry import Registry

    odoo.tools.config.parse_config(
        [
            "-d",
            args.database,
            f"--addons-path={args.addons_path or default_addons_path()}",
            "--log-level=warn",
        ]
    )
    registry = Registry(args.database)
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        if not env["ir.module.module"].search_count(
            [("name", "=", "sms_gateway"), ("state", "=", "installed")]
        ):
            sys.exit(f"sms_gateway is not installed in {args.database}")
        try:
            run(env, args)
        finally:
            if args.keep:
                cr.commit()
            else:
                cr.rollback()
                print("\n(rolled back: the database is unchanged)")


if __name__ == "__main__":
    main()
