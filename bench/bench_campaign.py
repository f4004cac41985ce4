# Copyright 2026 sms_gateway authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""An SMS Marketing campaign (``mass_mailing_sms``) to the contacts of a
mailing list, end to end: through the company's SMS account (the SMSAPI
double) with sms_gateway, against the same campaign through Odoo IAP (a
double of it), each double answering after ``--delay`` (20 ms). One run, one
database, one table.

Each side is a new mailing of the same list (100,000 contacts, written with
SQL once), launched as a user does (*Send*: ``action_launch``), then worked
by separate processes that do what Odoo's cron workers do, each committing:

- the *Mass Mailing* cron: ``mailing.mailing._process_mass_mailing_queue()``
  (Odoo's SMS composer writes one ``sms.sms`` and one trace per contact),
  then the *SMS: SMS Queue Manager* cron: ``sms.sms._process_queue()`` until
  nothing is outgoing. With Odoo IAP this sends (500 SMS per request); with
  the company's accounts it queues one SMS Gateway message per SMS;
- with sms_gateway, also ``--dispatch-workers`` processes (1) running the
  dispatch cron (``sms.gateway.dispatcher._cron_dispatch()``), which sends
  while the queue is still being written, as a cron worker woken by it does
  (Odoo's default two cron threads: one runs Odoo's crons, one the
  dispatch).

Seconds: from *Send* to the moment the double holds every contact's SMS
(its counts, read every 0.1 s). Each side is checked: every contact's SMS
taken by the double exactly once (SMSAPI's ``idx``, IAP's ``uuid``), none
lost, each marketing trace "sent" (pending delivery report) in the
database; a side that is not is FAIL and the script exits 1.

Odoo 18's SMS Marketing hands a campaign's recipients to its composer as one
text of ids, which Odoo refuses above 100 KiB (about 15,000 contacts): a
larger campaign fails in stock Odoo, through IAP and through the accounts
alike, unless the environment variable ``ODOO_LIMIT_LITEVAL_BUFFER`` is
raised. The bench raises it for both sides (the run prints the value).

Commands::

    python3 bench/bench_campaign.py --db bench_campaign --install --contacts 100000

    # development size
    python3 bench/bench_campaign.py --db bench_campaign --install --contacts 5000 --drop

Ports: ``--smsapi-port`` (8161), ``--iap-port`` (8163).
"""

import argparse
import collections
import json
import os
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_dispatch
import bench_lib
from bench_dispatch_personal import http_json, stop, wait_http

SMSAPI_TOKEN = "bench-campaign-token"
LIST_NAME = "Bench campaign contacts"
TEXT = "Talvialennus -20 % kaikesta tänään ja huomenna! Tervetuloa, Kauppa."
DOUBLES = bench_lib.REPO_ROOT / "sms_gateway/tests/doubles"
MODULES = "sms_gateway,mass_mailing_sms"


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--db")
    parser.add_argument("--contacts", type=int, default=100_000)
    parser.add_argument("--delay", type=float, default=0.02)
    parser.add_argument("--dispatch-workers", type=int, default=1)
    parser.add_argument("--max-seconds", type=float, default=3600)
    parser.add_argument("--addons-path")
    parser.add_argument("--smsapi-port", type=int, default=8161)
    parser.add_argument("--iap-port", type=int, default=8163)
    parser.add_argument("--sides", default="gateway,iap", help="gateway, iap or both")
    parser.add_argument("--install", action="store_true")
    parser.add_argument("--drop", action="store_true")
    parser.add_argument(
        "--serve", choices=("mailing", "dispatch"), help=argparse.SUPPRESS
    )
    parser.add_argument("--go", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


# ----------------------------------------------------------------------
# Worker processes: what Odoo's cron workers do
# ----------------------------------------------------------------------


def serve(args):
    from odoo import SUPERUSER_ID, api

    registry = bench_lib.open_registry(args.db, args.addons_path)
    print("ready", flush=True)
    go, done = Path(args.go), Path(args.go + ".done")
    while not go.exists():
        time.sleep(0.005)
    started = time.time()
    result = {"error": None, "runs": 0}
    deadline = time.monotonic() + args.max_seconds
    try:
        with registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            if args.serve == "mailing":
                env["mailing.mailing"]._process_mass_mailing_queue()
                cr.commit()
                result["mailing_cron"] = time.time() - started
                while time.monotonic() < deadline:
                    env["sms.sms"]._process_queue()
                    cr.commit()
                    result["runs"] += 1
                    cr.execute("SELECT count(*) FROM sms_sms WHERE state = 'outgoing'")
                    if not cr.fetchone()[0]:
                        break
                result["sms_cron"] = time.time() - started - result["mailing_cron"]
            else:
                while time.monotonic() < deadline and not done.exists():
                    sent = env["sms.gateway.dispatcher"]._cron_dispatch()
                    cr.commit()
                    result["runs"] += 1
                    if not sent:
                        # As a cron worker woken by the dispatch trigger (Odoo
                        # wakes its cron threads within a second of one).
                        time.sleep(0.5)
    except Exception:  # noqa: BLE001 (reported by the bench)
        result["error"] = traceback.format_exc()
    result["end"] = time.time()
    result["rss_mb"] = bench_lib.peak_rss_mb()
    print("RESULT " + json.dumps(result), flush=True)


# ----------------------------------------------------------------------
# The bench
# ----------------------------------------------------------------------


class Bench:
    def __init__(self, args):
        self.args = args
        self.work = Path(tempfile.mkdtemp(prefix="bench_campaign_"))
        self.registry = None
        self.failed = False

    def env(self, cr):
        from odoo import SUPERUSER_ID, api

        return api.Environment(cr, SUPERUSER_ID, {})

    def prepare(self):
        """The list of ``--contacts`` contacts (SQL, once); only the crons
        this bench runs itself."""
        count = self.args.contacts
        with self.registry.cursor() as cr:
            env = self.env(cr)
            mailing_list = env["mailing.list"].search([("name", "=", LIST_NAME)])
            if not mailing_list:
                mailing_list = env["mailing.list"].create({"name": LIST_NAME})
            cr.execute(
                "SELECT count(*) FROM mailing_subscription WHERE list_id = %s",
                [mailing_list.id],
            )
            if cr.fetchone()[0] != count:
                cr.execute(
                    "DELETE FROM mailing_contact WHERE id IN (SELECT contact_id"
                    " FROM mailing_subscription WHERE list_id = %s)",
                    [mailing_list.id],
                )
                cr.execute(
                    """
                    WITH new AS (
                        INSERT INTO mailing_contact (name, mobile, phone_sanitized,
                               create_uid, write_uid, create_date, write_date)
                        SELECT 'Asiakas ' || i, '+35850' || lpad(i::text, 7, '0'),
                               '+35850' || lpad(i::text, 7, '0'), 1, 1,
                               now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC'
                          FROM generate_series(1, %s) i
                        RETURNING id
                    )
                    INSERT INTO mailing_subscription (contact_id, list_id, opt_out,
                           create_uid, write_uid, create_date, write_date)
                    SELECT id, %s, FALSE, 1, 1, now() AT TIME ZONE 'UTC',
                           now() AT TIME ZONE 'UTC'
                      FROM new
                    """,
                    [count, mailing_list.id],
                )
                cr.execute("ANALYZE mailing_contact")
                cr.execute("ANALYZE mailing_subscription")
            # The crons of the bench are its processes; Odoo's own stay idle.
            for xmlid in (
                "sms_gateway.ir_cron_sms_gateway_poll_delivery",
                "sms_gateway.ir_cron_sms_gateway_delivery_events",
            ):
                env.ref(xmlid).active = False
            env["ir.config_parameter"].sudo().set_param(
                "sms.endpoint", f"http://127.0.0.1:{self.args.iap_port}"
            )
            account = env["iap.account"].search([("service_name", "=", "sms")])
            if account:
                account.account_token = bench_dispatch.IAP_TOKEN
            else:
                service = env["iap.service"].search([("technical_name", "=", "sms")])
                env["iap.account"].create(
                    {
                        "service_id": service.id,
                        "account_token": bench_dispatch.IAP_TOKEN,
                    }
                )
            cr.commit()
            return mailing_list.id

    def launch(self, side, list_id):
        """The company's route for Odoo's SMS, and a new campaign launched."""
        with self.registry.cursor() as cr:
            env = self.env(cr)
            cr.execute("DELETE FROM sms_gateway_message")
            cr.execute("DELETE FROM sms_sms")
            # Only this campaign for the Mass Mailing cron (not one an
            # interrupted run left queued).
            cr.execute(
                "UPDATE mailing_mailing SET state = 'done'"
                " WHERE state IN ('in_queue', 'sending')"
            )
            company = env.ref("base.main_company")
            if side == "gateway":
                bench_lib.use_only_account(
                    env,
                    company,
                    "smsapi",
                    smsapi_token=SMSAPI_TOKEN,
                    smsapi_base_url=f"http://127.0.0.1:{self.args.smsapi_port}",
                )
            company.sms_gateway_odoo_sms = side
            mailing = env["mailing.mailing"].create(
                {
                    "name": f"Bench campaign ({side})",
                    "subject": f"Bench campaign ({side})",
                    "mailing_type": "sms",
                    "body_plaintext": TEXT,
                    "mailing_model_id": env["ir.model"]._get_id("mailing.list"),
                    "contact_list_ids": [(6, 0, [list_id])],
                    "sms_allow_unsubscribe": False,
                }
            )
            cr.commit()
            return mailing.id

    def start_double(self, side):
        out = open(self.work / f"{side}.out", "w")  # noqa: SIM115
        log = self.work / f"{side}.jsonl"
        if side == "iap":
            port = self.args.iap_port
            command = [
                sys.executable,
                str(Path(bench_dispatch.__file__).resolve()),
                "--serve-iap",
                "--port",
                str(port),
                "--delay",
                str(self.args.delay),
            ]
            counts = "/__double__/count"
        else:
            port = self.args.smsapi_port
            command = [
                sys.executable,
                str(DOUBLES),
                "smsapi",
                "--port",
                str(port),
                "--delay",
                str(self.args.delay),
                "--log",
                str(log),
                "--token",
                SMSAPI_TOKEN,
            ]
            counts = "/__double__/counts"
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)
        url = f"http://127.0.0.1:{port}{counts}"
        wait_http(url)
        return process, url, log

    def taken(self, side, url):
        counts = http_json(url)
        if side == "iap":
            return counts["accepted"]
        return counts["messages"].get("accepted", 0)

    def worker(self, role, go):
        out = open(self.work / f"{role}_{time.time_ns()}.log", "w")  # noqa: SIM115
        return subprocess.Popen(
            [
                sys.executable,
                __file__,
                "--serve",
                role,
                "--db",
                self.args.db,
                "--addons-path",
                self.args.addons_path,
                "--go",
                str(go),
                "--max-seconds",
                str(self.args.max_seconds),
            ],
            stdout=subprocess.PIPE,
            stderr=out,
            text=True,
            env=dict(os.environ, ODOO_LIMIT_LITEVAL_BUFFER=str(self.literal_limit())),
        )

    def literal_limit(self):
        """Odoo 18's SMS Marketing gives its composer all the recipients' ids
        as one text, which Odoo refuses above 100 KiB (about 15,000
        contacts): stock Odoo fails a larger campaign, through IAP as
        through the accounts, unless ``ODOO_LIMIT_LITEVAL_BUFFER`` is
        raised, as this bench does for both sides."""
        return max(102400, 12 * self.args.contacts + 4096)

    def run_side(self, side, list_id):
        count = self.args.contacts
        label = (
            "sms_gateway -> SMSAPI double" if side == "gateway" else "Odoo IAP double"
        )
        print(f"\n-- {label}: a campaign to {count:,} contacts ...", flush=True)
        mailing_id = self.launch(side, list_id)
        double, url, log = self.start_double(side)
        go = self.work / f"go_{side}"
        roles = ["mailing"]
        if side == "gateway":
            roles += ["dispatch"] * self.args.dispatch_workers
        processes = [self.worker(role, go) for role in roles]
        results = []
        try:
            for process in processes:
                line = process.stdout.readline()
                if line.strip() != "ready":
                    raise RuntimeError(f"a worker did not start: {line!r}")
            with self.registry.cursor() as cr:
                self.env(cr)["mailing.mailing"].browse(mailing_id).action_launch()
                cr.commit()
            started = time.time()
            go.write_text("go")
            deadline = time.monotonic() + self.args.max_seconds
            taken, still_since = 0, None
            while time.monotonic() < deadline:
                now = self.taken(side, url)
                if now >= count:
                    break
                # Odoo's queue is done (or failed) and nothing more arrives.
                if processes[0].poll() is not None:
                    if now != taken or still_since is None:
                        still_since = time.monotonic()
                    elif time.monotonic() - still_since > 10:
                        break
                taken = now
                time.sleep(0.1)
            seconds = time.time() - started
            Path(f"{go}.done").write_text("done")
            for process in processes:
                output, _ = process.communicate(timeout=600)
                for line in output.splitlines():
                    if line.startswith("RESULT "):
                        results.append(json.loads(line[7:]))
            taken = self.taken(side, url)
            uuids = (
                http_json(url.replace("/count", "/uuids")) if side == "iap" else None
            )
        finally:
            for process in processes:
                stop(process)
            stop(double)
        errors = [r["error"] for r in results if r["error"]]
        check = self.verify(side, mailing_id, log, uuids, errors)
        mailing = results[0] if results else {}
        return {
            "side": side,
            "label": label,
            "seconds": seconds,
            "taken": taken,
            "mailing_cron": mailing.get("mailing_cron", 0),
            "sms_cron": mailing.get("sms_cron", 0),
            "rss": max((r["rss_mb"] for r in results), default=0),
            **check,
        }

    def verify(self, side, mailing_id, log, iap_uuids, errors):
        with self.registry.cursor() as cr:
            cr.execute(
                "SELECT trace_status, count(*) FROM mailing_trace"
                " WHERE mass_mailing_id = %s GROUP BY trace_status",
                [mailing_id],
            )
            traces = dict(cr.fetchall())
            cr.execute(
                "SELECT t.sms_uuid FROM sms_tracker t JOIN mailing_trace m"
                " ON m.id = t.mailing_trace_id WHERE m.mass_mailing_id = %s",
                [mailing_id],
            )
            sms_uuids = {row[0] for row in cr.fetchall()}
            cr.execute(
                "SELECT uid, sms_uuid FROM sms_gateway_message"
                " WHERE sms_uuid IS NOT NULL"
            )
            by_uid = dict(cr.fetchall())
        if side == "iap":
            at_double = collections.Counter(iap_uuids or ())
        else:
            at_double = collections.Counter()
            if log.exists():
                with open(log) as lines:
                    for line in lines:
                        entry = json.loads(line)
                        if entry["state"] == "accepted":
                            at_double[by_uid.get(entry["idx"])] += 1
        once = sum(1 for uuid in sms_uuids if at_double.get(uuid) == 1)
        twice = sum(1 for uuid in sms_uuids if at_double.get(uuid, 0) > 1)
        lost = len(sms_uuids) - once - twice
        unknown = sum(n for uuid, n in at_double.items() if uuid not in sms_uuids)
        ok = (
            once == self.args.contacts == len(sms_uuids)
            and not twice
            and not unknown
            and traces.get("pending", 0) == self.args.contacts
            and not errors
        )
        if not ok:
            self.failed = True
            for error in errors[:1]:
                print(f"   a worker failed:\n{error}", flush=True)
        return {
            "ok": ok,
            "detail": f"{once:,} taken once, {twice} twice, {lost} lost, "
            f"{unknown} unknown; traces {traces}",
        }

    def run(self):
        args = self.args
        self.registry = bench_lib.open_registry(args.db, args.addons_path)
        list_id = self.prepare()
        print(
            f"{args.db}: an SMS campaign to {args.contacts:,} contacts of a mailing"
            f" list ({TEXT!r}), doubles answering after {args.delay * 1000:.0f} ms,"
            f" {args.dispatch_workers} dispatch workers beside Odoo's crons,"
            f" ODOO_LIMIT_LITEVAL_BUFFER={self.literal_limit()}"
        )
        runs = [self.run_side(side, list_id) for side in args.sides.split(",") if side]
        print(
            f"\nSMS campaign to {args.contacts:,} contacts, end to end (Send to the"
            " last SMS at the provider)"
        )
        head = (
            f"{'':30}{'SMS':>9}{'seconds':>9}{'SMS/s':>8}{'mailing cron':>14}"
            f"{'SMS queue':>11}{'worker MB':>11}  check"
        )
        print(head)
        print("-" * (len(head) + 4))
        for run in runs:
            rate = run["taken"] / run["seconds"] if run["seconds"] else 0
            print(
                f"{run['label']:30}{run['taken']:>9,}{run['seconds']:>9.1f}{rate:>8,.0f}"
                f"{run['mailing_cron']:>13.1f}s{run['sms_cron']:>10.1f}s"
                f"{run['rss']:>11,.0f}  {'OK' if run['ok'] else 'FAIL'}"
            )
        for run in runs:
            print(f"  {run['label']}: {run['detail']}")
        by_side = {run["side"]: run for run in runs}
        if len(by_side) == 2 and all(run["seconds"] for run in runs):
            speed = by_side["iap"]["seconds"] / by_side["gateway"]["seconds"]
            print(f"  sms_gateway end to end: {speed:.2f}x the speed of Odoo IAP's")
        print(f"\n{'FAIL' if self.failed else 'OK'}")
        return 1 if self.failed else 0


def main():
    args = parse_args()
    if not args.db:
        sys.exit("--db is required")
    args.addons_path = args.addons_path or bench_lib.default_addons_path()
    if args.serve:
        serve(args)
        return
    if not bench_lib.db_exists(args.db):
        if not args.install:
            sys.exit(f"no database {args.db} (add --install to create it)")
        seconds = bench_lib.install_db(args.db, args.addons_path, modules=MODULES)
        print(f"created {args.db} in {seconds:.0f} s")
    bench = Bench(args)
    code = 1
    try:
        code = bench.run()
    finally:
        if args.drop:
            bench_lib.drop_db(args.db)
            print(f"dropped {args.db}")
    sys.exit(code)


if __name__ == "__main__":
    main()
