# Copyright 2026 sms_gateway authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Dispatch N personalised SMS end to end: sms_gateway through the SMSAPI
double and through the Twilio double, against Odoo's own ``sms.sms`` queue
to an IAP double, each double answering after ``--delay`` (20 ms); then the
same sms_gateway dispatch with 1, 2 and 4 cron workers. One run, one
database, side-by-side tables.

Texts: ``Hei <name>, kevään kampanja alkaa huomenna! ...``, each different,
as a mailing whose body is ``Hei {{ object.name }}, ...`` writes them: the
mailing's ``body`` is that template (so that a dispatcher may use the
provider's personalisation API) and the queued ``sms.gateway.message`` rows
carry the rendered texts, written with SQL (``bench_lib.sql_queue_messages``
with ``personal``; the first 50 are checked against the mailing's own
``_sms_render_for``).
Odoo's side gets the same texts as ``sms.sms`` rows in state ``outgoing``.

Each run starts from a full queue and ends when every message is taken by
the double (nothing queued or sending is left, or ``--max-seconds``):

- sms_gateway: ``--workers`` separate processes (``--serve-worker``) each
  load Odoo, wait for a common start, then run what the dispatch cron runs
  (``sms.gateway.dispatcher._cron_dispatch()``, committing, as in
  production) again and again until nothing is queued, as several Odoo cron
  workers woken on the same queue would. (Stock ``ir.cron`` locks a job's
  row while it runs, so one cron record runs in one worker at a time; these
  processes are what several workers, or several servers, running the
  dispatch job do.) Seconds: from the start to the last worker's end.
- Odoo: what its cron ``sms.ir_cron_sms_scheduler_action`` runs,
  ``sms.sms._process_queue()`` (10,000 per call, batches of 500 per IAP
  request by ``sms.session.batch.size``, commits after each batch), called
  until nothing is outgoing.

Doubles, each in its own process, a fresh one per run:

- SMSAPI: ``python3 sms_gateway/tests/doubles smsapi --delay D --log F``.
- Twilio: ``python3 sms_gateway/tests/doubles twilio --delay D --log F``,
  with ``per_second_limit`` = ``--twilio-rate`` (100 by default: Twilio
  publishes no API rate per account, its short codes send 100 messages a
  second; 0 = no limit): more requests in one second are answered 429 /
  20429. When the account model has a per-account rate field
  (``--account-rate-field``, else guessed: a number field named
  ``*per_second*``, ``*rate_limit*`` or ``*_rate``), it is set to the same
  rate; the run prints which.
- IAP: ``bench_dispatch.py --serve-iap --delay D``: Odoo 18 calls
  ``<sms.endpoint>/api/sms/3/send`` (``addons/sms/tools/sms_api.py``,
  ``SmsApi._send_sms_batch`` through ``iap_tools.iap_jsonrpc``), the ICP
  parameter ``sms.endpoint`` (default https://sms.api.odoo.com) points it
  here; JSON-RPC 2.0 ``call`` with params ``messages`` = [{content, numbers:
  [{uuid, number}]}] (one entry per distinct text), ``webhook_url``,
  ``dbuuid``, ``account_token``; the answer's ``result`` is one {uuid,
  state: "success", credit} per number (``success`` -> sms.sms ``pending``,
  ``to_delete``).

Every run checks at the double that each message was taken exactly once (by
uid: SMSAPI's ``idx``; Twilio's ``To``, numbers being unique here; IAP's
``uuid``), none twice, none lost, and that the database shows them sent; a
run that does not is FAIL and the script exits 1. "texts as queued" counts
the messages whose text at the double is the one queued (a double that logs
a template and its parameters instead shows fewer; it is shown, not
checked).

Commands (the README's figures). With a dispatch that sends a personalised
text as one request per message (about 38 messages/s here at 20 ms), the
full run takes about 4 h on 2 cores (100,000 / 38 s per 1-worker run);
``--scale-messages`` makes the workers table cheaper::

    python3 bench/bench_dispatch_personal.py --db bench_dispatch_personal \\
        --install --messages 100000 --drop

    # only SMSAPI, or only the workers table, or fewer for the workers:
    python3 bench/bench_dispatch_personal.py --db bench_dispatch_personal \\
        --install --providers smsapi --workers 1,2,4 --scale-messages 20000

Development size::

    python3 bench/bench_dispatch_personal.py --db bdisp_personal --install \\
        --messages 5000 --drop

Ports: ``--smsapi-port`` (8151), ``--twilio-port`` (8152), ``--iap-port``
(8153).
"""

# A bench, not addon code: it prints its figures and commits like the crons.
# pylint: disable=invalid-commit,print-used
import argparse
import collections
import json
import subprocess
import sys
import tempfile
import time
import traceback
import urllib.error
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_dispatch
import bench_lib

MARKER = "BENCHP"
SMSAPI_TOKEN = "bench-personal-token"
TWILIO_SID = "AC" + "0123456789abcdef" * 2
TWILIO_TOKEN = "bench-personal-twilio-token"
TWILIO_SENDER = "+15005550006"
DOUBLES = bench_lib.REPO_ROOT / "sms_gateway/tests/doubles"
RATE_FIELD_HINTS = ("per_second", "rate_limit")


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--db")
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument(
        "--scale-messages",
        type=int,
        help="messages of the workers runs (default --messages)",
    )
    parser.add_argument(
        "--providers", default="smsapi,twilio", help="smsapi, twilio or both"
    )
    parser.add_argument(
        "--workers",
        default="1,2,4",
        help="worker counts of the second table ('' for none)",
    )
    parser.add_argument("--delay", type=float, default=0.02)
    parser.add_argument("--twilio-rate", type=float, default=100)
    parser.add_argument("--account-rate-field", help="'none' to set no field")
    parser.add_argument(
        "--connections",
        type=int,
        help="the Twilio account's Parallel Connections (default: the account's)",
    )
    parser.add_argument(
        "--batch-size",
        type=int,
        help="sms_gateway.dispatch_batch_size (default: the addon's setting)",
    )
    parser.add_argument("--skip-odoo", action="store_true")
    parser.add_argument("--max-seconds", type=float, default=7200)
    parser.add_argument("--addons-path")
    parser.add_argument("--smsapi-port", type=int, default=8151)
    parser.add_argument("--twilio-port", type=int, default=8152)
    parser.add_argument("--iap-port", type=int, default=8153)
    parser.add_argument("--install", action="store_true")
    parser.add_argument("--drop", action="store_true")
    parser.add_argument("--keep", action="store_true", help="keep the logs")
    parser.add_argument(
        "--profile",
        action="store_true",
        help="profile the workers (cProfile, one .prof file each, kept)",
    )
    parser.add_argument("--serve-worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--go", help=argparse.SUPPRESS)
    parser.add_argument("--mailing", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--profile-to", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


# ----------------------------------------------------------------------
# Small helpers
# ----------------------------------------------------------------------


def http_json(url, payload=None, timeout=300):
    data = None if payload is None else json.dumps(payload).encode()
    request = urllib.request.Request(
        url,
        data=data,
        headers={"Content-Type": "application/json"},
        method="GET" if payload is None else "POST",
    )
    with urllib.request.urlopen(request, timeout=timeout) as answer:
        return json.loads(answer.read())


def wait_http(url, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            return http_json(url, timeout=2)
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not answer within {timeout} s")


def stop(process):
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def read_log(path):
    if not path.exists():
        return []
    with open(path, encoding="utf-8") as log:
        return [json.loads(line) for line in log if line.strip()]


# ----------------------------------------------------------------------
# Worker process: what a cron worker running the dispatch job does
# ----------------------------------------------------------------------


def serve_worker(args):
    from odoo import SUPERUSER_ID, api

    registry = bench_lib.open_registry(args.db, args.addons_path)
    print("ready", flush=True)
    go = Path(args.go)
    while not go.exists():
        time.sleep(0.005)
    profile = None
    if args.profile_to:
        import cProfile

        profile = cProfile.Profile()
        profile.enable()
    started = time.time()
    done = runs = 0
    error = None
    deadline = time.monotonic() + args.max_seconds
    while time.monotonic() < deadline:
        try:
            with registry.cursor() as cr:
                env = api.Environment(cr, SUPERUSER_ID, {})
                sent = env["sms.gateway.dispatcher"]._cron_dispatch()
                cr.commit()
                cr.execute(
                    "SELECT count(*) FROM sms_gateway_message"
                    " WHERE mailing_id = %s AND state = 'queued'",
                    [args.mailing],
                )
                left = cr.fetchone()[0]
        except Exception:  # noqa: BLE001 (reported by the bench)
            error = traceback.format_exc()
            break
        runs += 1
        done += sent
        if not left:
            break
        if not sent:
            time.sleep(0.2)  # the rest waits (next_attempt_at) or is claimed
    if profile:
        profile.disable()
        profile.dump_stats(args.profile_to)
    result = {
        "done": done,
        "runs": runs,
        "start": started,
        "end": time.time(),
        "error": error,
    }
    print("RESULT " + json.dumps(result), flush=True)


# ----------------------------------------------------------------------
# The bench
# ----------------------------------------------------------------------


class Bench:
    def __init__(self, args):
        self.args = args
        self.work = Path(tempfile.mkdtemp(prefix="bench_dispatch_personal_"))
        self.registry = None
        self.rate_field = None
        self.failed = False

    # -- queue -----------------------------------------------------------------

    def env(self, cr):
        from odoo import SUPERUSER_ID, api

        return api.Environment(cr, SUPERUSER_ID, {})

    def prepare_partners(self, count):
        with self.registry.cursor() as cr:
            cr.execute("SELECT count(*) FROM res_partner WHERE ref = %s", [MARKER])
            needed = bench_lib.partners_needed(count)
            if cr.fetchone()[0] < needed:
                bench_lib.delete_partners(cr, MARKER)
                bench_lib.sql_partners(cr, needed, MARKER)
            env = self.env(cr)
            if self.args.batch_size:
                env["ir.config_parameter"].sudo().set_param(
                    "sms_gateway.dispatch_batch_size", str(self.args.batch_size)
                )
            # Only the dispatch matters here.
            for xmlid in (
                "sms_gateway.ir_cron_sms_gateway_poll_delivery",
                "sms_gateway.ir_cron_sms_gateway_delivery_events",
            ):
                env.ref(xmlid).active = False
            cr.commit()

    def account_values(self, provider):
        if provider == "smsapi":
            return {
                "smsapi_token": SMSAPI_TOKEN,
                "smsapi_base_url": f"http://127.0.0.1:{self.args.smsapi_port}",
            }
        return {
            "twilio_account_sid": TWILIO_SID,
            "twilio_auth_token": TWILIO_TOKEN,
            "twilio_base_url": f"http://127.0.0.1:{self.args.twilio_port}",
            "sender": TWILIO_SENDER,
        }

    def find_rate_field(self, env):
        wanted = self.args.account_rate_field
        if wanted == "none":
            return None
        fields = env["sms.gateway.account"]._fields
        if wanted:
            if wanted not in fields:
                sys.exit(f"sms.gateway.account has no field {wanted}")
            return wanted
        for name, field in fields.items():
            if field.type in ("integer", "float") and (
                any(hint in name for hint in RATE_FIELD_HINTS) or name.endswith("_rate")
            ):
                return name
        return None

    def queue(self, provider, count):
        """A new mailing with ``count`` personalised messages queued; the
        company sends through one account of ``provider``."""
        with self.registry.cursor() as cr:
            env = self.env(cr)
            cr.execute("DELETE FROM sms_gateway_message")
            cr.execute("DELETE FROM sms_sms")
            company = env.ref("base.main_company")
            values = self.account_values(provider)
            if provider == "twilio":
                self.rate_field = self.find_rate_field(env)
                if self.rate_field and self.args.twilio_rate:
                    values[self.rate_field] = self.args.twilio_rate
                if self.args.connections:
                    values["connections"] = self.args.connections
            bench_lib.use_only_account(env, company, provider, **values)
            mailing = env["sms.gateway.mailing"].create(
                {
                    "name": f"Bench personal dispatch ({provider})",
                    "body": bench_lib.PERSONAL_TEMPLATE,
                    "state": "sending",
                    "company_id": company.id,
                }
            )
            env.flush_all()
            queued = bench_lib.sql_queue_messages(
                cr, mailing.id, company.id, MARKER, count, personal=True
            )
            bench_lib.check_personal_texts(env, mailing)
            cr.commit()
            return mailing.id, queued

    def queue_odoo(self, count):
        """``count`` sms.sms rows in state outgoing with the same texts."""
        mailing_id, queued = self.queue("smsapi", count)
        with self.registry.cursor() as cr:
            env = self.env(cr)
            cr.execute(
                """
                INSERT INTO sms_sms (uuid, number, body, partner_id, state,
                                     to_delete, create_uid, write_uid,
                                     create_date, write_date)
                SELECT md5(random()::text || clock_timestamp()::text || m.id),
                       m.number, m.body, m.partner_id, 'outgoing', FALSE, 1, 1,
                       now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC'
                  FROM sms_gateway_message m
                 WHERE m.mailing_id = %s
                 ORDER BY m.id
                """,
                [mailing_id],
            )
            outgoing = cr.rowcount
            # Nothing for our dispatcher: Odoo's queue only.
            cr.execute("DELETE FROM sms_gateway_message")
            cr.execute("ANALYZE sms_sms")
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
        assert outgoing == queued, (outgoing, queued)
        return outgoing

    # -- doubles ---------------------------------------------------------------

    def start_double(self, provider, name):
        log = self.work / f"{name}.jsonl"
        out = open(self.work / f"{name}.out", "w")  # noqa: SIM115
        delay = str(self.args.delay)
        if provider == "iap":
            port = self.args.iap_port
            command = [
                sys.executable,
                str(Path(bench_dispatch.__file__).resolve()),
                "--serve-iap",
                "--port",
                str(port),
                "--delay",
                delay,
            ]
            ready = "/__double__/count"
        else:
            port = getattr(self.args, f"{provider}_port")
            credentials = (
                ["--token", SMSAPI_TOKEN]
                if provider == "smsapi"
                else ["--account-sid", TWILIO_SID, "--auth-token", TWILIO_TOKEN]
            )
            command = [
                sys.executable,
                str(DOUBLES),
                provider,
                "--port",
                str(port),
                "--delay",
                delay,
                "--log",
                str(log),
                *credentials,
            ]
            ready = "/__double__/counts"
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)
        url = f"http://127.0.0.1:{port}"
        wait_http(url + ready)
        rate = None
        if provider == "twilio" and self.args.twilio_rate:
            try:
                http_json(
                    f"{url}/__double__/config",
                    {"per_second_limit": self.args.twilio_rate},
                )
                rate = self.args.twilio_rate
            except urllib.error.HTTPError:
                print("  (this Twilio double has no per_second_limit: no limit)")
        return process, url, log, rate

    # -- runs ------------------------------------------------------------------

    def run_ours(self, provider, workers, count):
        label = f"{provider}, {workers} worker{'s' if workers > 1 else ''}"
        print(f"\n-- sms_gateway -> {label}: queueing {count:,} ...", flush=True)
        mailing_id, queued = self.queue(provider, count)
        name = f"{provider}_{workers}_{count}"
        double, url, log, rate = self.start_double(provider, name)
        go = self.work / f"go_{name}"
        processes = []
        try:
            for i in range(workers):
                out = open(self.work / f"worker_{name}_{i}.log", "w")  # noqa: SIM115
                processes.append(
                    subprocess.Popen(
                        [
                            sys.executable,
                            __file__,
                            "--serve-worker",
                            "--db",
                            self.args.db,
                            "--addons-path",
                            self.args.addons_path,
                            "--go",
                            str(go),
                            "--mailing",
                            str(mailing_id),
                            "--max-seconds",
                            str(self.args.max_seconds),
                            *(
                                ["--profile-to", f"{go}_{i}.prof"]
                                if self.args.profile
                                else []
                            ),
                        ],
                        stdout=subprocess.PIPE,
                        stderr=out,
                        text=True,
                    )
                )
            for process in processes:
                line = process.stdout.readline()
                if line.strip() != "ready":
                    raise RuntimeError(f"a worker did not start: {line!r}")
            print(f"   {workers} worker(s) ready, dispatching ...", flush=True)
            go_at = time.time()
            go.write_text("go")
            results = []
            for process in processes:
                output, _ = process.communicate()
                for line in output.splitlines():
                    if line.startswith("RESULT "):
                        results.append(json.loads(line[7:]))
            counts = http_json(f"{url}/__double__/counts")
        finally:
            for process in processes:
                stop(process)
            stop(double)
        end = max((r["end"] for r in results), default=time.time())
        seconds = end - go_at
        errors = [r["error"] for r in results if r["error"]]
        errors += ["a worker gave no result"] * (workers - len(results))
        check = self.verify_ours(provider, mailing_id, log, errors)
        return {
            "label": f"sms_gateway -> {label}",
            "provider": provider,
            "workers": workers,
            "queued": queued,
            "seconds": seconds,
            "requests": counts["requests"],
            "answered": counts["answered"],
            "rate": rate,
            "runs": [r["runs"] for r in results],
            "claimed": [r["done"] for r in results],
            **check,
        }

    def verify_ours(self, provider, mailing_id, log, errors):
        with self.registry.cursor() as cr:
            cr.execute(
                "SELECT uid, number, body,"
                " CASE WHEN needs_review THEN state || ' (review)' ELSE state END,"
                " needs_review FROM sms_gateway_message WHERE mailing_id = %s",
                [mailing_id],
            )
            rows = cr.fetchall()
        by_number = {number: uid for uid, number, _b, _s, _r in rows}
        bodies = {uid: body for uid, _n, body, _s, _r in rows}
        accepted = collections.Counter()
        same_text = 0
        for entry in read_log(log):
            if entry["state"] != "accepted":
                continue
            if provider == "smsapi":
                uid = entry.get("idx")
            else:
                uid = by_number.get(entry["number"])
            accepted[uid] += 1
            same_text += entry.get("body") == bodies.get(uid)
        states = collections.Counter(state for _u, _n, _b, state, _r in rows)
        uids = set(bodies)
        once = sum(1 for uid in uids if accepted.get(uid) == 1)
        twice = sum(1 for uid, n in accepted.items() if n > 1 and uid in uids)
        lost = sum(1 for uid in uids if uid not in accepted)
        unknown = sum(n for uid, n in accepted.items() if uid not in uids)
        ok = (
            once == len(uids)
            and not twice
            and not unknown
            and states.get("sent", 0) == len(uids)
            and not errors
        )
        if not ok:
            self.failed = True
            for error in errors[:1]:
                print(f"   a worker failed:\n{error}", flush=True)
        return {
            "accepted": sum(accepted.values()),
            "ok": ok,
            "detail": (
                f"{once:,} taken once, {twice} twice, {lost} lost, {unknown} "
                f"unknown; DB {dict(states)}; texts as queued {same_text:,}"
                + (f"; errors: {errors[0].strip().splitlines()[-1]}" if errors else "")
            ),
        }

    def run_odoo(self, count):
        print(f"\n-- Odoo sms.sms -> IAP: queueing {count:,} ...", flush=True)
        outgoing = self.queue_odoo(count)
        double, url, _log, _rate = self.start_double("iap", "iap")
        try:
            print("   dispatching with sms.sms._process_queue() ...", flush=True)
            calls, seconds = bench_dispatch.run_odoo(self.registry)
            counts = http_json(f"{url}/__double__/count")
            taken = set(http_json(f"{url}/__double__/uuids"))
        finally:
            stop(double)
        with self.registry.cursor() as cr:
            cr.execute("SELECT uuid, state, to_delete FROM sms_sms")
            rows = cr.fetchall()
        uuids = {uuid for uuid, _s, _d in rows}
        states = collections.Counter(
            f"{state}{' (to delete)' if to_delete else ''}"
            for _u, state, to_delete in rows
        )
        lost = len(uuids - taken)
        ok = (
            not lost
            and not counts["repeated"]
            and taken <= uuids
            and counts["accepted"] == outgoing
        )
        if not ok:
            self.failed = True
        return {
            "label": "Odoo sms.sms -> IAP",
            "queued": outgoing,
            "seconds": seconds,
            "requests": counts["requests"],
            "accepted": counts["accepted"],
            "ok": ok,
            "detail": (
                f"{counts['accepted'] - counts['repeated']:,} taken once, "
                f"{counts['repeated']} twice, {lost} lost, "
                f"{len(taken - uuids)} unknown; DB {dict(states)}; "
                f"_process_queue() called {calls} times"
            ),
        }

    # -- tables ----------------------------------------------------------------

    def table(self, title, runs, reference, ratio_title):
        print(f"\n{title}")
        head = (
            f"{'':34}{'messages':>10}{'seconds':>10}{'msg/s':>9}{'requests':>10}"
            f"{ratio_title:>14}  check"
        )
        print(head)
        print("-" * (len(head) + 4))
        for run in runs:
            rate = run["accepted"] / run["seconds"] if run["seconds"] else 0
            ref = reference(run)
            ratio = rate / ref if ref else 0
            print(
                f"{run['label']:34}{run['accepted']:>10,}{run['seconds']:>10.1f}"
                f"{rate:>9,.0f}{run['requests']:>10,}{ratio:>13.2f}x"
                f"  {'OK' if run['ok'] else 'FAIL'}"
            )
        for run in runs:
            print(f"  {run['label']}: {run['detail']}")
            if run.get("answered"):
                print(
                    f"    answers by status {run['answered']}; dispatch runs per "
                    f"worker {run['runs']}, messages claimed {run['claimed']}"
                )

    def run(self):
        args = self.args
        providers = [p for p in args.providers.split(",") if p]
        workers = [int(w) for w in args.workers.split(",") if w]
        scale = args.scale_messages or args.messages
        self.registry = bench_lib.open_registry(args.db, args.addons_path)
        self.prepare_partners(max(args.messages, scale))
        with self.registry.cursor() as cr:
            batch = self.env(cr)["sms.gateway.dispatcher"]._sms_dispatch_settings()[0]
        print(
            f"{args.db}: {args.messages:,} personalised messages "
            f"({bench_lib.PERSONAL_TEMPLATE!r}), doubles answering after "
            f"{args.delay * 1000:.0f} ms, dispatch batch {batch}"
        )
        main_runs = {}
        for provider in providers:
            main_runs[provider] = self.run_ours(provider, 1, args.messages)
        if not args.skip_odoo:
            main_runs["odoo"] = self.run_odoo(args.messages)
        scale_runs = []
        for provider in providers:
            for count in workers:
                if count == 1 and scale == args.messages:
                    scale_runs.append(main_runs[provider])
                else:
                    scale_runs.append(self.run_ours(provider, count, scale))

        def rate(run):
            return run["accepted"] / run["seconds"] if run["seconds"] else 0

        twilio = main_runs.get("twilio")
        rate_note = "no rate limit"
        if twilio and twilio["rate"]:
            rate_note = f"double's rate limit {twilio['rate']:g} requests/s"
        if twilio:
            rate_note += (
                f", account field {self.rate_field} set to it"
                if self.rate_field
                else ", no per-account rate field on the account"
            )
            if self.args.connections:
                rate_note += f", {self.args.connections} parallel connections"
        odoo = main_runs.get("odoo")
        self.table(
            f"Dispatch of {args.messages:,} personalised SMS, doubles answering "
            f"after {args.delay * 1000:.0f} ms"
            + (f" (Twilio: {rate_note})" if twilio else ""),
            list(main_runs.values()),
            lambda _run: rate(odoo) if odoo else 0,
            "vs Odoo",
        )
        if twilio and twilio["rate"]:
            print(
                f"  Twilio at {rate(twilio) / twilio['rate']:.0%} of the rate limit "
                f"({rate(twilio):,.0f} of {twilio['rate']:g} messages/s)"
            )
        if workers:
            ones = {r["provider"]: r for r in scale_runs if r["workers"] == 1}
            if scale == args.messages:  # the 1-worker run of the first table
                for provider in providers:
                    ones.setdefault(provider, main_runs[provider])
            self.table(
                f"The same dispatch ({scale:,} messages) with "
                f"{', '.join(map(str, workers))} cron workers",
                scale_runs,
                lambda run: (
                    rate(ones[run["provider"]]) if run["provider"] in ones else 0
                ),
                "vs 1 worker",
            )
            if odoo and rate(odoo) and scale == args.messages:
                print(
                    "  against Odoo's queue (one cron job, whatever the workers): "
                    + ", ".join(
                        f"{run['label'].removeprefix('sms_gateway -> ')} "
                        f"{rate(run) / rate(odoo):.2f}x"
                        for run in scale_runs
                    )
                )
        print(f"\n{'FAIL: a run lost or repeated messages' if self.failed else 'OK'}")
        return 1 if self.failed else 0

    def cleanup(self):
        if self.failed or self.args.keep or self.args.profile:
            print(f"kept the doubles' logs and the workers' logs in {self.work}")
            return
        for path in self.work.iterdir():
            path.unlink()
        self.work.rmdir()


def main():
    args = parse_args()
    if not args.db:
        sys.exit("--db is required")
    args.addons_path = args.addons_path or bench_lib.default_addons_path()
    if args.serve_worker:
        serve_worker(args)
        return
    if not bench_lib.db_exists(args.db):
        if not args.install:
            sys.exit(f"no database {args.db} (add --install to create it)")
        seconds = bench_lib.install_db(args.db, args.addons_path)
        print(f"created {args.db} in {seconds:.0f} s")
    bench = Bench(args)
    code = 1
    try:
        code = bench.run()
    finally:
        bench.cleanup()
        if args.drop:
            bench_lib.drop_db(args.db)
            print(f"dropped {args.db}")
    sys.exit(code)


if __name__ == "__main__":
    main()
