# Copyright 2026 sms_gateway authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Dispatch N queued SMS: sms_gateway's ``_cron_dispatch()`` through the
SMSAPI adapter to a loopback SMSAPI double, against Odoo's own
``sms.sms._process_queue()`` to a loopback double of Odoo's IAP SMS service,
in the same run, on the same database; prints messages per second and the
ratio.

Setup (SQL, committed): ``--messages`` partners' worth of queued
``sms.gateway.message`` rows (one mailing, constant text, due now, partner
set, as the send wizard leaves them) and as many ``sms.sms`` rows in state
``outgoing`` (same numbers, text and partners, as Odoo's composer leaves
them). The company sends with an SMSAPI account, ``smsapi_base_url``
pointing at ``sms_gateway/tests/doubles smsapi`` run in its own
process; Odoo's ``sms.endpoint`` parameter points at the IAP double of this
file (``--serve-iap``, ``--delay`` seconds before each answer), also in its
own process: it answers
``POST /api/sms/3/send`` (JSON-RPC 2.0, params ``messages`` = [{content,
numbers: [{uuid, number}]}], ``account_token``, ``webhook_url``, ``dbuuid``)
with ``result`` = [{uuid, state: "success", credit}] as sms.sms._send reads
it.

Then, each with commits as in production (outside test mode): our
``_cron_dispatch()`` (one call: it loops over batches until nothing is due)
and Odoo's ``_process_queue()`` called until no SMS is outgoing (it takes
10,000 per call, as its cron). Both use batches of 500 (sms_gateway's
``sms_gateway.dispatch_batch_size``, Odoo's ``sms.session.batch.size``).

    python3 bench/bench_dispatch.py --db bench5_dispatch --install \\
        [--messages 100000] [--profile] [--drop]

Both doubles answer with TCP_NODELAY (``--nagle``: as the doubles' base.py
does by default, which adds a ~40 ms delayed-ACK stall to every request on
Linux loopback, so that the request count dominates). ``--profile`` runs our
dispatch under cProfile and prints where the time goes. ``--odoo-first``
swaps the order. Ports: ``--smsapi-port`` (8141), ``--iap-port`` (8143).
"""

import argparse
import cProfile
import io
import json
import pstats
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_lib

MARKER = "BENCHD"
BODY = "Hei, kevään kampanja alkaa huomenna! Vastaa STOP, jos et halua viestejä."
TOKEN = "bench-dispatch-token"
IAP_TOKEN = "bench-iap-account-token"


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--db")
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("--addons-path")
    parser.add_argument("--smsapi-port", type=int, default=8141)
    parser.add_argument("--iap-port", type=int, default=8143)
    parser.add_argument("--install", action="store_true")
    parser.add_argument("--drop", action="store_true")
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--odoo-first", action="store_true")
    parser.add_argument(
        "--without-partners",
        action="store_true",
        help="diagnostic: queue without partner_id (sms_gateway then writes no "
        "chatter note per message)",
    )
    parser.add_argument(
        "--nagle",
        action="store_true",
        help="leave Nagle's algorithm on in the doubles' sockets (their "
        "default): each answer then waits ~40 ms for a delayed ACK",
    )
    parser.add_argument("--serve-iap", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--serve-smsapi", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--delay", type=float, default=0.0, help=argparse.SUPPRESS)
    return parser.parse_args()


# ----------------------------------------------------------------------
# A loopback double of Odoo's IAP SMS service (sms/tools/sms_api.py)
# ----------------------------------------------------------------------


class IapDouble:
    def __init__(self, delay=0.0):
        # Seconds to wait before each answer (network and service latency).
        self.delay = delay
        self.lock = threading.Lock()
        self.accepted = 0
        self.requests = 0
        self.uuids = set()
        self.repeated = 0


class IapHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format, *args):
        pass

    def _answer(self, status, payload):
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        double = self.server.double
        if self.path == "/__double__/count":
            with double.lock:
                self._answer(
                    200,
                    {
                        "accepted": double.accepted,
                        "requests": double.requests,
                        "repeated": double.repeated,
                    },
                )
            return
        if self.path == "/__double__/uuids":
            with double.lock:
                self._answer(200, sorted(double.uuids))
            return
        self._answer(404, {"error": "not found"})

    def do_POST(self):
        double = self.server.double
        length = int(self.headers.get("Content-Length") or 0)
        payload = json.loads(self.rfile.read(length) or b"{}")
        if self.path != "/api/sms/3/send":
            self._answer(404, {"error": "not found"})
            return
        params = payload.get("params") or {}
        if double.delay:
            time.sleep(double.delay)
        if params.get("account_token") != IAP_TOKEN:
            self._answer(
                200,
                {
                    "jsonrpc": "2.0",
                    "id": payload.get("id"),
                    "result": [
                        {"uuid": n["uuid"], "state": "unregistered"}
                        for m in params.get("messages") or []
                        for n in m["numbers"]
                    ],
                },
            )
            return
        result = []
        with double.lock:
            double.requests += 1
            for message in params.get("messages") or []:
                parts = 1 if len(message["content"]) <= 160 else 2
                for number in message["numbers"]:
                    if number["uuid"] in double.uuids:
                        double.repeated += 1
                    double.uuids.add(number["uuid"])
                    double.accepted += 1
                    result.append(
                        {"uuid": number["uuid"], "state": "success", "credit": parts}
                    )
        self._answer(200, {"jsonrpc": "2.0", "id": payload.get("id"), "result": result})


def serve_iap(port, nagle, delay=0.0):
    IapHandler.disable_nagle_algorithm = not nagle
    server = ThreadingHTTPServer(("127.0.0.1", port), IapHandler)
    server.daemon_threads = True
    server.double = IapDouble(delay)
    signal.signal(
        signal.SIGTERM, lambda *_a: threading.Thread(target=server.shutdown).start()
    )
    print(f"iap double serving on http://127.0.0.1:{port}", flush=True)
    server.serve_forever(poll_interval=0.05)


# ----------------------------------------------------------------------
# Bench
# ----------------------------------------------------------------------


def serve_smsapi(port, nagle):
    """sms_gateway/tests/doubles' SMSAPI double, TCP_NODELAY on.

    Its handler writes the headers and the body of an answer in two writes;
    with Nagle's algorithm on, the body waits for the client's delayed ACK
    (~40 ms on Linux loopback), so every request would cost 40 ms of nothing.
    """
    import importlib.util

    path = bench_lib.REPO_ROOT / "sms_gateway/tests/doubles/__main__.py"
    spec = importlib.util.spec_from_file_location("sms_gateway_doubles_main", path)
    bootstrap = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bootstrap)
    bootstrap._bare_packages()
    module = importlib.import_module("sms_gateway.tests.doubles")
    module.base._Handler.disable_nagle_algorithm = not nagle
    sys.exit(module.main(["smsapi", "--port", str(port), "--token", TOKEN]))


def start_process(command, ready_text):
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    line = process.stdout.readline()
    if ready_text not in line:
        process.kill()
        sys.exit(f"{command[1]} did not start: {line!r}")
    return process


def get_json(url):
    with urllib.request.urlopen(url, timeout=120) as answer:
        return json.loads(answer.read())


def setup(env, args):
    """Queue ``args.messages`` SMS on both sides; return the mailing id."""
    cr = env.cr
    cr.execute("SELECT count(*) FROM res_partner WHERE ref = %s", [MARKER])
    needed = bench_lib.partners_needed(args.messages)
    if cr.fetchone()[0] < needed:
        bench_lib.delete_partners(cr, MARKER)
        bench_lib.sql_partners(cr, needed, MARKER)
    # The bench's own database: nothing else may be queued.
    cr.execute("DELETE FROM sms_gateway_message")
    cr.execute("DELETE FROM sms_sms")
    company = env.ref("base.main_company")
    bench_lib.use_only_account(
        env,
        company,
        "smsapi",
        smsapi_token=TOKEN,
        smsapi_base_url=f"http://127.0.0.1:{args.smsapi_port}",
    )
    mailing = env["sms.gateway.mailing"].create(
        {
            "name": "Bench dispatch",
            "body": BODY,
            "state": "sending",
            "company_id": company.id,
        }
    )
    env.flush_all()
    queued = bench_lib.sql_queue_messages(
        cr, mailing.id, company.id, MARKER, args.messages, BODY
    )
    cr.execute(
        """
        INSERT INTO sms_sms (uuid, number, body, partner_id, state, to_delete,
                             create_uid, write_uid, create_date, write_date)
        SELECT md5(random()::text || clock_timestamp()::text || m.id), m.number,
               m.body, m.partner_id, 'outgoing', FALSE, 1, 1,
               now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC'
          FROM sms_gateway_message m
         WHERE m.mailing_id = %s
         ORDER BY m.id
        """,
        [mailing.id],
    )
    outgoing = cr.rowcount
    if args.without_partners:
        cr.execute(
            "UPDATE sms_gateway_message SET partner_id = NULL WHERE mailing_id = %s",
            [mailing.id],
        )
        cr.execute("UPDATE sms_sms SET partner_id = NULL")
    cr.execute("ANALYZE sms_sms")
    params = env["ir.config_parameter"].sudo()
    params.set_param("sms.endpoint", f"http://127.0.0.1:{args.iap_port}")
    account = env["iap.account"].search([("service_name", "=", "sms")])
    if account:
        account.account_token = IAP_TOKEN
    else:
        service = env["iap.service"].search([("technical_name", "=", "sms")])
        env["iap.account"].create(
            {"service_id": service.id, "account_token": IAP_TOKEN}
        )
    cr.commit()
    return mailing.id, queued, outgoing


def run_ours(registry, args):
    from odoo import SUPERUSER_ID, api

    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        Dispatcher = env["sms.gateway.dispatcher"]
        profile = cProfile.Profile() if args.profile else None
        started = time.perf_counter()
        if profile:
            profile.enable()
        done = Dispatcher._cron_dispatch()
        cr.commit()
        if profile:
            profile.disable()
        seconds = time.perf_counter() - started
    if profile:
        out = io.StringIO()
        stats = pstats.Stats(profile, stream=out).sort_stats("cumulative")
        stats.print_stats(35)
        print(out.getvalue())
        out = io.StringIO()
        pstats.Stats(profile, stream=out).sort_stats("tottime").print_stats(20)
        print(out.getvalue())
        out = io.StringIO()
        # who waits on PostgreSQL
        pstats.Stats(profile, stream=out).sort_stats("cumulative").print_callers(
            r"sql_db.py:\d+\(execute\)"
        )
        print(out.getvalue())
    return done, seconds


def run_odoo(registry):
    from odoo import SUPERUSER_ID, api

    calls = 0
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        Sms = env["sms.sms"]
        started = time.perf_counter()
        while True:
            Sms._process_queue()
            cr.commit()
            calls += 1
            cr.execute(
                "SELECT count(*) FROM sms_sms WHERE state = 'outgoing'"
                " AND NOT COALESCE(to_delete, FALSE)"
            )
            if not cr.fetchone()[0] or calls > 1000:
                break
        seconds = time.perf_counter() - started
    return calls, seconds


def main():
    args = parse_args()
    if args.serve_iap:
        serve_iap(args.port, args.nagle, args.delay)
        return
    if args.serve_smsapi:
        serve_smsapi(args.port, args.nagle)
        return
    if not args.db:
        sys.exit("--db is required")
    args.addons_path = args.addons_path or bench_lib.default_addons_path()
    if not bench_lib.db_exists(args.db):
        if not args.install:
            sys.exit(f"no database {args.db} (add --install to create it)")
        print(
            f"created {args.db} in "
            f"{bench_lib.install_db(args.db, args.addons_path):.0f} s"
        )
    doubles = []
    try:
        nagle = ["--nagle"] if args.nagle else []
        doubles.append(
            start_process(
                [
                    sys.executable,
                    __file__,
                    "--serve-smsapi",
                    "--port",
                    str(args.smsapi_port),
                    *nagle,
                ],
                "serving",
            )
        )
        doubles.append(
            start_process(
                [
                    sys.executable,
                    __file__,
                    "--serve-iap",
                    "--port",
                    str(args.iap_port),
                    *nagle,
                ],
                "serving",
            )
        )
        main_bench(args)
    finally:
        for process in doubles:
            process.terminate()
            try:
                process.wait(5)
            except subprocess.TimeoutExpired:
                process.kill()
        if args.drop:
            bench_lib.drop_db(args.db)
            print(f"dropped {args.db}")


def main_bench(args):
    from odoo import SUPERUSER_ID, api

    registry = bench_lib.open_registry(args.db, args.addons_path)
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        started = time.perf_counter()
        mailing_id, queued, outgoing = setup(env, args)
        print(
            f"queued {queued:,} sms.gateway.message and {outgoing:,} sms.sms "
            f"with SQL in {time.perf_counter() - started:.1f} s",
            flush=True,
        )

    with registry.cursor() as cr:
        cr.execute("SELECT COALESCE(max(id), 0) FROM mail_message")
        last_message = cr.fetchone()[0]
    order = ["odoo", "ours"] if args.odoo_first else ["ours", "odoo"]
    figures = {}
    for side in order:
        if side == "ours":
            print("dispatching with sms_gateway (SMSAPI adapter) ...", flush=True)
            done, seconds = run_ours(registry, args)
            figures["ours"] = (done, seconds)
        else:
            print("dispatching with Odoo's sms.sms queue (IAP) ...", flush=True)
            calls, seconds = run_odoo(registry)
            figures["odoo"] = (calls, seconds)

    with registry.cursor() as cr:
        cr.execute(
            "SELECT state, count(*) FROM sms_gateway_message WHERE mailing_id = %s"
            " GROUP BY state",
            [mailing_id],
        )
        ours_states = dict(cr.fetchall())
        cr.execute("SELECT state, count(*) FROM sms_sms WHERE to_delete GROUP BY state")
        odoo_states = dict(cr.fetchall())
        cr.execute("SELECT count(*) FROM sms_sms WHERE NOT COALESCE(to_delete, FALSE)")
        odoo_left = cr.fetchone()[0]
        cr.execute(
            "SELECT count(*) FROM mail_message WHERE model = 'res.partner' AND id > %s",
            [last_message],
        )
        notes = cr.fetchone()[0]
    smsapi = get_json(f"http://127.0.0.1:{args.smsapi_port}/__double__/messages")
    smsapi_requests = get_json(
        f"http://127.0.0.1:{args.smsapi_port}/__double__/requests"
    )
    smsapi_accepted = [m["idx"] for m in smsapi if m["state"] == "accepted"]
    iap = get_json(f"http://127.0.0.1:{args.iap_port}/__double__/count")

    _done, ours_seconds = figures["ours"]
    calls, odoo_seconds = figures["odoo"]
    ours_sent = ours_states.get("sent", 0)
    odoo_sent = sum(odoo_states.values())
    ours_rate = ours_sent / ours_seconds
    odoo_rate = odoo_sent / odoo_seconds
    print()
    print(
        f"Dispatch {queued:,} queued SMS ({args.db}, batches of 500, order: "
        f"{' then '.join(order)}, doubles with Nagle "
        f"{'on' if args.nagle else 'off (TCP_NODELAY)'}):"
    )
    width = 26
    print(f"{'':34}{'sms_gateway -> SMSAPI':>{width}}{'Odoo sms.sms -> IAP':>{width}}")
    print("-" * (34 + 2 * width))
    print(f"{'queued':34}{queued:>{width},}{outgoing:>{width},}")
    print(f"{'sent (DB)':34}{ours_sent:>{width},}{odoo_sent:>{width},}")
    print(
        f"{'left in the queue (DB)':34}"
        f"{ours_states.get('queued', 0) + ours_states.get('sending', 0):>{width},}"
        f"{odoo_left:>{width},}"
    )
    print(
        f"{'taken by the double':34}{len(smsapi_accepted):>{width},}"
        f"{iap['accepted']:>{width},}"
    )
    print(
        f"{'taken twice by the double':34}"
        f"{len(smsapi_accepted) - len(set(smsapi_accepted)):>{width},}"
        f"{iap['repeated']:>{width},}"
    )
    requests_ours, requests_odoo = len(smsapi_requests), iap["requests"]
    print(f"{'HTTP requests':34}{requests_ours:>{width},}{requests_odoo:>{width},}")
    print(f"{'seconds':34}{ours_seconds:>{width}.1f}{odoo_seconds:>{width}.1f}")
    print(f"{'messages per second':34}{ours_rate:>{width},.0f}{odoo_rate:>{width},.0f}")
    print(
        f"  (ours also wrote {notes:,} chatter notes on the partners; Odoo's "
        f"_process_queue() was called {calls} times)"
    )
    verdict = "OK (at least as fast)" if ours_rate >= odoo_rate else "SLOWER"
    print(f"  => ours/Odoo = {ours_rate / odoo_rate:.2f}: {verdict}")


if __name__ == "__main__":
    main()
