# Copyright 2026 sms_gateway authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Replies posted to the inbound route as a provider posts them, many at
once: are they all stored once, how fast does the route answer, how long
until the cron has read them all (linked to partner, mailing, sender)?

1. Writes ``--partners`` Finnish partners with SQL (``bench_lib``; 93 %
   sendable), a mailing of the admin with one SMS to each sendable partner,
   marked sent through the company's SMSAPI account (reused by a later run
   with the same count; earlier replies are removed).
2. Starts ``odoo --workers=2 --max-cron-threads=2 -d <db>`` (Odoo's default
   limits; the same server class as ``bench_prepare.py``), a single-database
   server; with ``--db-filter`` also ``--db-filter=^<db>$``, with which Odoo
   lists the PostgreSQL server's databases (a connection to ``postgres``)
   for every request that has no session cookie, as a provider's have.
3. ``--clients`` threads (8) post ``--replies`` replies (10,000) to
   ``/sms_gateway/inbound/smsapi/<account>/<secret>`` as SMSAPI posts them
   (form fields ``sms_from``, ``sms_to``, ``sms_text``, ``sms_date``,
   ``MsgId``), each from a partner's number, with keep-alive connections;
   every 20th reply is posted a second time (a provider's repeated
   delivery) and every 50th is "STOP".
4. Prints the answers' times (median, 95th percentile, slowest), the
   throughput, the time until every reply is read, and checks with SQL: one
   row per distinct reply (none lost, none twice), all read, linked to their
   partner and to the mailing, STOP ones opted out.

Odoo's own SMS has no route for replies: there is nothing of Odoo's to set
beside these figures.

    python3 bench/bench_inbound.py --db bench_in --install [--drop]
"""

import argparse
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_lib
import bench_prepare

MARKER = "BENCHIN"
LIMIT_MEDIAN_MS = 100.0


def add_arguments(parser):
    parser.add_argument("--db", default="bench_in")
    parser.add_argument("--partners", type=int, default=12_000)
    parser.add_argument("--replies", type=int, default=10_000)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--addons-path")
    parser.add_argument("--http-port", type=int, default=8620)
    parser.add_argument("--timeout", type=float, default=600)
    parser.add_argument("--log")
    parser.add_argument(
        "--db-filter",
        action="store_true",
        help="start Odoo with --db-filter too (then Odoo lists the databases of "
        "the PostgreSQL server for every request without a session cookie, as "
        "a provider's are)",
    )
    parser.add_argument("--install", action="store_true")
    parser.add_argument("--drop", action="store_true")


def prepare_db(args):
    """Partners, a sent mailing to them, the SMSAPI account; returns
    (account id, secret, [numbers], mailing id)."""
    if not bench_lib.db_exists(args.db):
        if not args.install:
            sys.exit(f"no database {args.db} (add --install to create it)")
        seconds = bench_lib.install_db(args.db, args.addons_path)
        print(f"created {args.db} with sms_gateway in {seconds:.0f} s", flush=True)
    from odoo import SUPERUSER_ID, api

    registry = bench_lib.open_registry(args.db, args.addons_path)
    marker = f"{MARKER}{args.partners}"
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        company = env.ref("base.main_company")
        cr.execute("DELETE FROM sms_gateway_message WHERE direction = 'in'")
        cr.execute("DELETE FROM sms_gateway_inbound_part")
        cr.execute("SELECT count(*) FROM res_partner WHERE ref = %s", [marker])
        if not cr.fetchone()[0]:
            bench_lib.sql_partners(cr, args.partners, marker)
        cr.execute(
            "UPDATE res_partner SET sms_consent = 'granted' WHERE ref = %s "
            "AND sms_consent = 'refused' AND sms_number_state = 'mobile'",
            [marker],
        )
        cr.execute("DELETE FROM phone_blacklist")
        account = env["sms.gateway.account"].search(
            [("company_id", "=", company.id), ("provider", "=", "smsapi")], limit=1
        ) or bench_lib.use_only_account(
            env, company, "smsapi", smsapi_token="bench-inbound-token"
        )
        mailing = env["sms.gateway.mailing"].search(
            [("name", "=", f"Bench inbound {marker}")], limit=1
        )
        if not mailing:
            mailing = env["sms.gateway.mailing"].create(
                {
                    "name": f"Bench inbound {marker}",
                    "body": "Hei, vastaa tähän viestiin",
                    "user_id": env.ref("base.user_admin").id,
                    "company_id": company.id,
                    "state": "done",
                }
            )
            bench_lib.sql_queue_messages(
                cr,
                mailing.id,
                company.id,
                marker,
                args.partners,
                body="Hei, vastaa tähän viestiin",
            )
        cr.execute(
            """
            UPDATE sms_gateway_message
               SET state = 'sent', account_id = %s, provider = 'smsapi',
                   sent_at = now() AT TIME ZONE 'UTC' - interval '1 hour'
             WHERE mailing_id = %s
            """,
            [account.id, mailing.id],
        )
        cr.execute(
            "SELECT number FROM sms_gateway_message WHERE mailing_id = %s ORDER BY id",
            [mailing.id],
        )
        numbers = [row[0] for row in cr.fetchall()]
        secret = account.sudo()._sms_ensure_callback_secret()
        cr.commit()
        return account.id, secret, numbers, mailing.id


def post_all(args, url, numbers):
    """Post the replies from ``args.clients`` threads; returns (latencies in
    s, answers by status, distinct replies, STOP numbers, seconds)."""
    import requests

    jobs = []
    stops = set()
    for n in range(args.replies):
        number = numbers[n % len(numbers)]
        text = "STOP" if n % 50 == 7 else f"Kiitos, vastaus {n}"
        if text == "STOP":
            stops.add(number)
        fields = {
            "sms_from": number.lstrip("+"),
            "sms_to": "358400000000",
            "sms_text": text,
            "sms_date": str(int(time.time())),
            "MsgId": f"MO-{n}",
            "username": "bench",
        }
        jobs.append(urlencode(fields))
        if n % 20 == 3:
            jobs.append(urlencode(fields))  # the provider delivers it again
    latencies, statuses = [], {}
    lock = threading.Lock()
    cursor = iter(range(len(jobs)))

    def client():
        session = requests.Session()
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        while True:
            with lock:
                index = next(cursor, None)
            if index is None:
                return
            started = time.perf_counter()
            try:
                answer = session.post(
                    url, data=jobs[index], headers=headers, timeout=30
                )
                status = answer.status_code
            except requests.RequestException as error:
                status = type(error).__name__
            elapsed = time.perf_counter() - started
            with lock:
                latencies.append(elapsed)
                statuses[status] = statuses.get(status, 0) + 1

    threads = [threading.Thread(target=client) for _ in range(args.clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies, statuses, args.replies, stops, time.perf_counter() - started


def wait_read(args, timeout):
    import psycopg2

    started = time.perf_counter()
    with psycopg2.connect(dbname=args.db) as conn:
        conn.autocommit = True
        with conn.cursor() as cr:
            while time.perf_counter() - started < timeout:
                cr.execute(
                    "SELECT count(*) FROM sms_gateway_message "
                    "WHERE direction = 'in' AND NOT inbound_done"
                )
                if not cr.fetchone()[0]:
                    return time.perf_counter() - started
                time.sleep(0.5)
    return None


def check(args, mailing_id, stops):
    import psycopg2

    with psycopg2.connect(dbname=args.db) as conn, conn.cursor() as cr:
        cr.execute(
            """
            SELECT count(*), count(DISTINCT provider_ref),
                   count(*) FILTER (WHERE inbound_done),
                   count(*) FILTER (WHERE partner_id IS NOT NULL),
                   count(*) FILTER (WHERE reply_mailing_id = %s),
                   count(*) FILTER (WHERE keyword = 'stop')
              FROM sms_gateway_message WHERE direction = 'in'
            """,
            [mailing_id],
        )
        rows, distinct, read, linked, of_mailing, stop = cr.fetchone()
        cr.execute(
            "SELECT count(*) FROM phone_blacklist WHERE active AND number = ANY(%s)",
            [sorted(stops)],
        )
        listed = cr.fetchone()[0]
    return {
        "rows": rows,
        "distinct": distinct,
        "read": read,
        "linked": linked,
        "of_mailing": of_mailing,
        "stop": stop,
        "listed": listed,
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_arguments(parser)
    args = parser.parse_args()
    args.addons_path = args.addons_path or bench_lib.default_addons_path()
    account_id, secret, numbers, mailing_id = prepare_db(args)
    log_path = args.log or tempfile.mkstemp(prefix="bench_inbound_", suffix=".log")[1]
    print(f"starting Odoo (log {log_path}) ...", flush=True)
    server = bench_prepare.Server(args, log_path)
    ok = True
    try:
        server.start()
        url = server.url(f"/sms_gateway/inbound/smsapi/{account_id}/{secret}")
        load_before = os.getloadavg()
        latencies, statuses, distinct, stops, seconds = post_all(args, url, numbers)
        read_seconds = wait_read(args, args.timeout)
        load_after = os.getloadavg()
    finally:
        server.stop()
    result = check(args, mailing_id, stops)
    ms = sorted(x * 1000 for x in latencies)
    median = statistics.median(ms)
    p95 = ms[int(len(ms) * 0.95) - 1]
    print(
        f"\n{len(ms):,} requests ({distinct:,} replies, {len(ms) - distinct:,} "
        f"delivered twice) from {args.clients} clients to the SMSAPI inbound "
        f"route, odoo --workers=2 -d {args.db}"
        f"{' --db-filter' if args.db_filter else ''} (load average before "
        f"{'/'.join(f'{x:.2f}' for x in load_before)}, after "
        f"{'/'.join(f'{x:.2f}' for x in load_after)}):"
    )
    rows = [
        ("answers by status", str(statuses)),
        ("median answer, ms", f"{median:.1f}"),
        ("95th percentile, ms", f"{p95:.1f}"),
        ("slowest answer, ms", f"{ms[-1]:.1f}"),
        ("posting took, s", f"{seconds:.1f} ({len(ms) / seconds:.0f} requests/s)"),
        (
            "all read by the cron, s after the last post",
            "not within the timeout" if read_seconds is None else f"{read_seconds:.1f}",
        ),
        ("reply rows", f"{result['rows']:,} (distinct {result['distinct']:,})"),
        ("read", f"{result['read']:,}"),
        ("linked to a partner", f"{result['linked']:,}"),
        ("linked to the mailing", f"{result['of_mailing']:,}"),
        (
            "STOP replies",
            (
                f"{result['stop']:,} ({len(stops):,} numbers, "
                f"{result['listed']:,} on the opt-out list)"
            ),
        ),
        ("Odoo's own SMS", "no route for replies"),
    ]
    for label, value in rows:
        print(f"  {label:<44} {value}")
    checks = [
        (statuses == {200: len(ms)}, "every request answered 200"),
        (result["rows"] == distinct == result["distinct"], "each reply stored once"),
        (result["read"] == distinct, "every reply read"),
        (result["of_mailing"] == distinct, "every reply linked to the mailing"),
        (result["listed"] == len(stops), "every STOP number opted out"),
        (median < LIMIT_MEDIAN_MS, f"median answer under {LIMIT_MEDIAN_MS:.0f} ms"),
    ]
    for passed, label in checks:
        print(f"  => {'OK  ' if passed else 'FAIL'} {label}")
        ok = ok and passed
    if args.drop:
        bench_lib.drop_db(args.db)
    print("\nOK" if ok else "\nFAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
