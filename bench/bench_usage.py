# Copyright 2026 sms_gateway authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Time the SMS usage report and billing export on a generated database.

1. Creates the database ``--database`` (``bench6_usage``; any name must start
   with ``bench6_``), installs sms_gateway without demo data and writes, with
   SQL, ``--messages`` messages that went out (sent, delivered, undelivered;
   SMS and e-mail fallbacks) over the last 12 months for 20 senders in two
   companies, plus ``--extra`` (15 %) failed, queued and canceled ones.
2. Times the pivot's queries (``read_group`` by month and sender, as the
   pivot view asks for them, as an accountant, record rules on).
3. Times the billing export of the whole period (one Detail row per message),
   in a child process: wall time and peak memory (RSS high-water mark, reset
   after Odoo is loaded, so it measures the export alone), as a manager (with
   the text column) and as an accountant (without).
4. In the same run, times Odoo's standard list export of the same messages:
   ``export_data`` and ``/web/export/xlsx``'s writer (``ExcelExport.from_data``),
   in a child process too.
5. Drops the database (``--keep`` keeps it).

Run it with the Python that runs Odoo:

    python3 bench/bench_usage.py [--messages 1000000] [--keep] [--no-standard]
"""

import argparse
import json
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
TZ = "Europe/Helsinki"
SENDERS = 20  # the last two in company B
GROUPS = 40
MAILINGS_PER_SENDER = 100
PARTNERS = 20_000
MEASURES = ["message_count:sum", "parts:sum", "delivered_parts:sum", "cost:sum"]
TEXTS = [
    "Hyvää päivää! Tilauksesi on valmis noudettavaksi myymälästä.",
    "Muistutus: ajanvarauksesi on huomenna klo 10.00. Peruutukset 0401234567.",
    "Zażółć gęślą jaźń: twoje zamówienie jest gotowe do odbioru.",
    "Your parcel is on its way and arrives tomorrow between 9 and 17.",
    "Tervetuloa asiakkaaksi! Etukoodisi on KEVÄT2026.",
    "Ваш заказ готов к выдаче. Спасибо!",
]


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("-d", "--database", default="bench6_usage")
    parser.add_argument("--addons-path")
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument(
        "--extra", type=int, default=None, help="failed/queued/canceled (15 %%)"
    )
    parser.add_argument("--keep", action="store_true", help="do not drop the database")
    parser.add_argument("--no-standard", action="store_true")
    parser.add_argument(
        "--child", choices=["export", "standard"], help=argparse.SUPPRESS
    )
    parser.add_argument("--login", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if not args.database.startswith("bench6_"):
        parser.error("the database name must start with bench6_")
    if args.extra is None:
        args.extra = args.messages * 15 // 100
    return args


def default_addons_path():
    import odoo

    package = Path(odoo.__file__).resolve().parent
    paths = [package.parent / "addons", package / "addons", REPO_ROOT]
    return ",".join(str(p) for p in paths if p.is_dir())


def configure(args):
    import odoo

    odoo.tools.config.parse_config(
        [
            "-d",
            args.database,
            f"--addons-path={args.addons_path or default_addons_path()}",
            "--log-level=warn",
        ]
    )


def memory():
    """(current RSS, peak RSS) of this process in MB."""
    values = {}
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(("VmRSS:", "VmHWM:")):
                values[line[:5]] = int(line.split()[1]) / 1024
    return values["VmRSS"], values["VmHWM"]


def reset_peak():
    """Reset the RSS high-water mark (Linux >= 4.0)."""
    with open("/proc/self/clear_refs", "w") as clear_refs:
        clear_refs.write("5")


def period():
    today = date.today()
    return today - timedelta(days=366), today


# ----------------------------------------------------------------------
# Database and data
# ----------------------------------------------------------------------


def install(args):
    subprocess.run(["dropdb", "--if-exists", args.database], check=True)
    start = time.perf_counter()
    subprocess.run(
        [
            sys.executable,
            "-m",
            "odoo",
            f"--addons-path={args.addons_path or default_addons_path()}",
            "-d",
            args.database,
            "-i",
            "sms_gateway",
            "--without-demo=all",
            "--stop-after-init",
            "--max-cron-threads=0",
            "--http-port=8190",
            "--gevent-port=8191",
            "--log-level=warn",
        ],
        check=True,
    )
    print(f"  install sms_gateway{'':<38} {time.perf_counter() - start:>9.1f} s")


def new_user(env, login, groups, **values):
    """A user in ``groups`` (xml ids, comma-separated)."""
    return env["res.users"].create(
        {
            "login": login,
            "name": values.pop("name", login),
            "email": f"{login}@example.com",
            "groups_id": [(6, 0, [env.ref(xmlid).id for xmlid in groups.split(",")])],
            **values,
        }
    )


def generate(env, args):
    cr = env.cr
    company_a = env.company
    company_b = env["res.company"].create({"name": "Bench B"})
    sek = env.ref("base.SEK")
    sek.active = True
    company_b.sms_gateway_currency_id = sek
    both = company_a | company_b
    users = []
    for n in range(SENDERS):
        company = company_b if n >= SENDERS - 2 else company_a
        users.append(
            new_user(
                env,
                login=f"bench_sender_{n}",
                name=f"Lähettäjä {n:02d}",
                tz=TZ,
                company_id=company.id,
                company_ids=[(6, 0, [company.id])],
                groups="base.group_user,sms_gateway.group_sms_gateway_user",
            )
        )
    for login, group in (
        ("bench_accountant", "group_sms_gateway_accountant"),
        ("bench_manager", "group_sms_gateway_manager"),
    ):
        new_user(
            env,
            login=login,
            tz=TZ,
            company_id=company_a.id,
            company_ids=[(6, 0, both.ids)],
            groups=f"base.group_user,base.group_allow_export,sms_gateway.{group}",
        )
    groups = env["sms.gateway.group"].create(
        [
            {"name": f"Ryhmä {n}", "user_id": users[n % (SENDERS - 2)].id}
            for n in range(GROUPS)
        ]
    )
    mailings = env["sms.gateway.mailing"].create(
        [
            {
                "name": f"Mailing {u}-{n}",
                "body": TEXTS[n % len(TEXTS)],
                "user_id": user.id,
                "company_id": user.company_id.id,
                "state": "done",
            }
            for u, user in enumerate(users)
            for n in range(MAILINGS_PER_SENDER)
        ]
    )
    cr.execute(
        """
        INSERT INTO res_partner
            (name, complete_name, active, type, is_company, partner_share, lang,
             mobile, sms_number, sms_number_state, sms_consent,
             create_uid, write_uid, create_date, write_date)
        SELECT 'Vastaanottaja ' || n, 'Vastaanottaja ' || n, TRUE, 'contact',
               FALSE, TRUE, 'en_US', '+35840' || lpad(n::text, 7, '0'),
               '+35840' || lpad(n::text, 7, '0'), 'mobile', 'granted',
               1, 1, now() at time zone 'UTC', now() at time zone 'UTC'
          FROM generate_series(1, %s) AS n
        RETURNING id
        """,
        (PARTNERS,),
    )
    partners = [row[0] for row in cr.fetchall()]
    cr.execute(
        "UPDATE res_partner SET commercial_partner_id = id"
        " WHERE commercial_partner_id IS NULL"
    )
    env.flush_all()
    total = args.messages + args.extra
    start = time.perf_counter()
    cr.execute("SELECT setseed(0.6)")
    cr.execute(
        """
        INSERT INTO sms_gateway_message
            (uid, mailing_id, group_id, partner_id, number, email, channel, body,
             encoding, chars, parts, state, skip_reason, failure_reason, provider,
             provider_ref, cost, currency_id, user_id, company_id, scheduled_at,
             sent_at, delivered_at, attempt_count, needs_review,
             create_uid, create_date, write_uid, write_date)
        SELECT md5(s.n::text), s.mailing, s.grp, s.partner,
               CASE WHEN s.email THEN NULL ELSE '+35840' || lpad(s.n::text, 7, '0') END,
               CASE WHEN s.email THEN 'r' || s.n || '@example.com' END,
               CASE WHEN s.email THEN 'email' ELSE 'sms' END,
               s.body, 'GSM-7', length(s.body), s.parts, s.state,
               CASE WHEN s.state = 'canceled' THEN 'no_consent' END,
               CASE WHEN s.state = 'failed' THEN 'Invalid number' END,
               CASE WHEN s.email OR s.state IN ('queued', 'canceled') THEN NULL
                    ELSE (ARRAY['sandbox', 'smsapi', 'quriiri'])[1 + s.n %% 3] END,
               CASE WHEN s.state IN ('sent', 'delivered', 'undelivered')
                    THEN 'ref' || s.n END,
               s.parts * 0.0725, s.currency, s.usr, s.company,
               s.at - interval '1 minute',
               CASE WHEN s.state IN ('sent', 'delivered', 'undelivered') THEN s.at END,
               CASE WHEN s.state = 'delivered' THEN s.at + interval '20 seconds' END,
               1, FALSE, s.usr, s.at - interval '1 minute', s.usr, s.at
          FROM (
            SELECT n, email, at, company, currency, usr, partner, mailing, grp, body,
                   CASE WHEN email OR state = 'canceled' THEN 0
                        ELSE 1 + n %% 3 END AS parts,
                   state
              FROM (
                SELECT n, n %% 31 = 0 AS email,
                       (now() AT TIME ZONE 'UTC') - random() * interval '365 days'
                           AS at,
                       (%(companies)s::int[])[1 + n %% %(senders)s] AS company,
                       (%(currencies)s::int[])[1 + n %% %(senders)s] AS currency,
                       (%(users)s::int[])[1 + n %% %(senders)s] AS usr,
                       (%(partners)s::int[])[1 + n %% %(npartners)s] AS partner,
                       CASE WHEN n %% 7 = 0 THEN NULL
                            ELSE (%(mailings)s::int[])[
                                1 + (n %% %(senders)s) * %(per_sender)s
                                  + (n / %(senders)s) %% %(per_sender)s] END
                           AS mailing,
                       CASE WHEN n %% 5 = 0 OR n %% %(senders)s >= %(senders)s - 2
                            THEN NULL
                            ELSE (%(groups)s::int[])[1 + n %% %(ngroups)s] END AS grp,
                       (%(texts)s::text[])[1 + n %% %(ntexts)s] || ' #' || n AS body,
                       CASE WHEN n <= %(billable)s THEN
                            CASE WHEN random() < 0.8 THEN 'delivered'
                                 WHEN random() < 0.75 THEN 'sent'
                                 ELSE 'undelivered' END
                       ELSE (ARRAY['failed', 'queued', 'canceled'])[1 + n %% 3]
                       END AS state
                  FROM generate_series(1, %(total)s) AS n
              ) r
          ) s
        """,
        {
            "companies": [u.company_id.id for u in users],
            "currencies": [u.company_id.sms_gateway_currency_id.id for u in users],
            "users": [u.id for u in users],
            "senders": SENDERS,
            "partners": partners,
            "npartners": len(partners),
            "mailings": mailings.ids,
            "per_sender": MAILINGS_PER_SENDER,
            "groups": groups.ids,
            "ngroups": len(groups),
            "texts": TEXTS,
            "ntexts": len(TEXTS),
            "billable": args.messages,
            "total": total,
        },
    )
    cr.commit()
    print(
        f"  INSERT {total:,} messages ({args.messages:,} went out){'':<9}"
        f" {time.perf_counter() - start:>9.1f} s"
    )
    subprocess.run(
        ["psql", "-q", "-d", args.database, "-c", "VACUUM ANALYZE sms_gateway_message"],
        check=True,
    )


# ----------------------------------------------------------------------
# Measures
# ----------------------------------------------------------------------


def time_pivot(env):
    """The queries the pivot view runs: totals, months, senders, both."""
    accountant = env["res.users"].search([("login", "=", "bench_accountant")])
    Report = (
        env["sms.gateway.usage.report"]
        .with_user(accountant)
        .with_context(tz=TZ, allowed_company_ids=accountant.company_ids.ids)
    )
    results = {}
    today = date.today()
    this_month = [("date", ">=", today.replace(day=1))]
    for label, domain, groupby in (
        ("all messages, by month and sender", [], ["date:month", "user_id"]),
        ("all messages, by month", [], ["date:month"]),
        ("all messages, by sender", [], ["user_id"]),
        ("all messages, total", [], []),
        ("this month, by sender (the default view)", this_month, ["user_id"]),
    ):
        timings = []
        for _attempt in range(3):
            env.invalidate_all()
            start = time.perf_counter()
            groups = Report.read_group(domain, MEASURES, groupby, lazy=False)
            timings.append(time.perf_counter() - start)
        results[label] = (timings, groups)
        print(
            f"  read_group {label:<46} first {timings[0] * 1000:>7.0f} ms,"
            f" best {min(timings) * 1000:>7.0f} ms ({len(groups)} groups)"
        )
    return results


def child_export(env, login):
    """The billing export of the whole period, as ``login``."""
    user = env["res.users"].search([("login", "=", login)])
    date_from, date_to = period()
    Export = (
        env["sms.gateway.usage.export"]
        .with_user(user)
        .with_context(tz=TZ, allowed_company_ids=user.company_ids.ids)
    )
    wizard = Export.create(
        {
            "period": "custom",
            "date_from": date_from,
            "date_to": date_to,
            "company_ids": [(6, 0, user.company_ids.ids)],
        }
    )
    rows = sum(
        count
        for (count,) in wizard._sms_report()._read_group(
            wizard._sms_usage_domain(), [], ["message_count:sum"]
        )
    )
    env.invalidate_all()
    base, _peak = memory()
    reset_peak()
    start = time.perf_counter()
    wizard.action_export()
    elapsed = time.perf_counter() - start
    _rss, peak = memory()
    return {
        "rows": rows,
        "seconds": elapsed,
        "base_mb": base,
        "peak_mb": peak,
        "size_mb": wizard.attachment_id.file_size / 1e6,
        "text": wizard._sms_can_read_texts(),
    }


def child_standard(env, login):
    """Odoo's list export (export_data + /web/export/xlsx's writer)."""
    from types import SimpleNamespace

    from odoo import http

    from odoo.addons.web.controllers.export import ExcelExport

    user = env["res.users"].search([("login", "=", login)])
    date_from, date_to = period()
    wizard = (
        env["sms.gateway.usage.export"]
        .with_user(user)
        .with_context(tz=TZ)
        .new({"period": "custom", "date_from": date_from, "date_to": date_to})
    )
    start_at, end_at = wizard._sms_utc_bounds()
    Message = (
        env["sms.gateway.message"]
        .with_user(user)
        .with_context(tz=TZ, allowed_company_ids=user.company_ids.ids)
    )
    names = [".id", "user_id", "body", "chars", "parts", "state", "sent_at", "channel"]
    names += ["mailing_id"]
    fields_desc = [
        {
            "name": name,
            "label": name,
            "type": Message._fields[name.lstrip(".")].type,
        }
        for name in names
    ]
    env.invalidate_all()
    base, _peak = memory()
    reset_peak()
    start = time.perf_counter()
    records = Message.search(
        [
            ("state", "in", ("sent", "delivered", "undelivered")),
            ("sent_at", ">=", start_at),
            ("sent_at", "<", end_at),
        ]
    )
    rows = records.export_data(names).get("datas", [])
    data_seconds = time.perf_counter() - start
    http._request_stack.push(SimpleNamespace(env=Message.env))
    try:
        content = ExcelExport().from_data(fields_desc, names, rows)
    finally:
        http._request_stack.pop()
    elapsed = time.perf_counter() - start
    _rss, peak = memory()
    return {
        "rows": len(rows),
        "seconds": elapsed,
        "export_data_seconds": data_seconds,
        "base_mb": base,
        "peak_mb": peak,
        "size_mb": len(content) / 1e6,
    }


def run_child(args, kind, login):
    command = [sys.executable, __file__, "-d", args.database, "--child", kind]
    command += ["--login", login]
    if args.addons_path:
        command.append(f"--addons-path={args.addons_path}")
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode:
        print(done.stdout, done.stderr, file=sys.stderr)
        raise SystemExit(f"child {kind} failed")
    return json.loads(done.stdout.strip().splitlines()[-1])


def print_export(label, result):
    delta = result["peak_mb"] - result["base_mb"]
    print(
        f"  {label:<44} {result['rows']:>9,} rows {result['seconds']:>7.1f} s"
        f"  peak RSS {result['peak_mb']:>6.0f} MB (Odoo loaded: "
        f"{result['base_mb']:.0f} MB, +{delta:.0f} MB)  file {result['size_mb']:.1f} MB"
    )


def child_main(args):
    from odoo import SUPERUSER_ID, api
    from odoo.modules.registry import Registry

    configure(args)
    registry = Registry(args.database)
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        function = child_export if args.child == "export" else child_standard
        result = function(env, args.login)
        cr.rollback()
    print(json.dumps(result))


def main():
    args = parse_args()
    if args.child:
        return child_main(args)
    from odoo import SUPERUSER_ID, api
    from odoo.modules.registry import Registry
    from odoo.service import db as db_service

    print(f"Database {args.database}")
    install(args)
    configure(args)
    try:
        registry = Registry(args.database)
        with registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            generate(env, args)
        print("Pivot (sms.gateway.usage.report, accountant, record rules on)")
        with registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            time_pivot(env)
        print("Billing export, whole period (child process each)")
        manager = run_child(args, "export", "bench_manager")
        print_export("XLSX (constant memory), manager, with text", manager)
        accountant = run_child(args, "export", "bench_accountant")
        print_export("XLSX (constant memory), accountant, no text", accountant)
        if not args.no_standard:
            standard = run_child(args, "standard", "bench_manager")
            print_export("Odoo list export (export_data + xlsx)", standard)
            ours = max(manager["peak_mb"] - manager["base_mb"], 1)
            print(
                f"  (of which export_data: {standard['export_data_seconds']:.1f} s);"
                f" ours is {standard['seconds'] / manager['seconds']:.1f}x faster and"
                f" uses {(standard['peak_mb'] - standard['base_mb']) / ours:.0f}x"
                " less memory"
            )
    finally:
        if not args.keep:
            db_service.exp_drop(args.database)
            print(f"Dropped {args.database}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
