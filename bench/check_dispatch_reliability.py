# Copyright 2026 sms_gateway authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""End-to-end reliability checks of SMS dispatch on a real database (not CI).

A fresh database with sms_gateway; the company sends with SMSAPI (or
Twilio: ``--provider twilio``) to the standalone double
(``sms_gateway/tests/doubles smsapi|twilio --log FILE.jsonl``, its own
process, a new one and a new log per check). Each check queues
``--messages`` (10,000) SMS with SQL, one constant text, or with
``--personal`` each message its own text (``Hei <name>, ...``, the mailing's
body being the template ``Hei {{ object.name }}, ...``, as a mailing with a
placeholder queues them: ``bench_lib.sql_queue_messages`` with ``personal``),
in dispatch batches of ``--batch-size`` (default: the addon's 2,000, fewer
for small runs so that a kill lands between batches: messages / 5, at least
50), then:

a. SIGKILL: ``odoo`` (threaded server, ``--max-cron-threads=1``) runs the
   dispatch cron (triggered as the send wizard does); when the double's log
   has some but not all messages, the Odoo process gets SIGKILL; Odoo is
   started again and its cron finishes the queue.
b. Two workers: two ``odoo shell`` processes call ``_cron_dispatch()`` on
   the same queue at the same time.
c. HTTP 500 for two minutes: the double answers 500 to every request for
   120 s while ``odoo`` (cron thread, real RETRY_PATTERN, cron every minute
   and woken at ``next_attempt_at``) dispatches; then it answers normally.

d. (SMSAPI only) Delivery reports racing the dispatch: while ``odoo`` dispatches, the
   checker posts an SMSAPI delivery report to Odoo's real report route for
   each message the moment the double has logged it (before its answer
   reaches Odoo, as Twilio can), 100 per request from 4 threads. Passes when
   every route answer is 200, every message ends delivered, no report is
   left waiting and the server logged no error.

SMSAPI: each of a-c passes when the database shows every message sent (none
queued, sending or failed) and the double's log shows every message uid
(idx) ACCEPTED exactly once and nothing else accepted. The double refuses a
repeated idx with error 53 and logs it as "duplicate": that is the
idempotency key doing its job, counted but not a failure.

Twilio has no idempotency key: a message whose request was in flight when
the worker died (SIGKILL) may or may not have reached Twilio, so the
dispatcher flags it for review (``needs_review``, left ``sending``) and never
resends it. The double's log names a message by its ``To`` number (unique
in these checks). Twilio passes when every message is either ACCEPTED
exactly once and sent in the database, or flagged for review (accepted once
or not at all), none is accepted twice, none is lost (neither accepted nor
flagged), nothing else is accepted; the counts printed say how many were
flagged and how many of those the double had taken.

PASS/FAIL is printed per check with counts; databases and processes are
removed at the end (``--keep`` keeps the database and the work folder).

    python3 bench/check_dispatch_reliability.py [--db bench5_rel] \\
        [--messages 10000] [--checks abcd] [--keep] \\
        [--provider smsapi|twilio] [--personal] [--batch-size N]

The acceptance runs (a-c, each provider, constant and personalised)::

    for provider in smsapi twilio; do for personal in "" --personal; do
        python3 bench/check_dispatch_reliability.py --db bench5_rel \\
            --messages 2000 --checks abc --provider $provider $personal
    done; done

Ports: ``--double-port`` (8145) and ``--http-port`` (8146) for Odoo.
"""

import argparse
import collections
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_lib

MARKER = "BENCHR"
BODY = "Muistutus: huoltokatko lauantaina klo 8-12. Vastaa STOP, jos et halua viestejä."
TOKEN = "bench-reliability-token"
TWILIO_SID = "AC" + "0123456789abcdef" * 2
TWILIO_SENDER = "+15005550006"
# Names the checker may drop (it drops its database at the end).
DB_PREFIXES = ("bench5_", "bdisp_")
DOUBLES = bench_lib.REPO_ROOT / "sms_gateway/tests/doubles"


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--db", default="bench5_rel")
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--addons-path")
    parser.add_argument("--double-port", type=int, default=8145)
    parser.add_argument("--http-port", type=int, default=8146)
    parser.add_argument("--checks", help="default abcd (SMSAPI), abc (Twilio)")
    parser.add_argument("--fail-seconds", type=float, default=120)
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--provider", choices=("smsapi", "twilio"), default="smsapi")
    parser.add_argument(
        "--personal",
        action="store_true",
        help="each message its own text (mailing body Hei {{ object.name }}, ...)",
    )
    parser.add_argument("--batch-size", type=int)
    args = parser.parse_args()
    if args.checks is None:
        args.checks = "abcd" if args.provider == "smsapi" else "abc"
    if args.provider != "smsapi" and "d" in args.checks:
        parser.error("check d posts SMSAPI delivery reports: --provider smsapi")
    if args.batch_size is None:
        args.batch_size = min(2000, max(50, args.messages // 5))
    return args


class Checker:
    def __init__(self, args):
        self.args = args
        self.work = Path(tempfile.mkdtemp(prefix="bench5_rel_"))
        self.processes = []
        self.results = []
        self.double = None
        self.registry = None
        self.started = time.monotonic()

    # -- processes -------------------------------------------------------------

    def spawn(self, command, name, **kwargs):
        log = open(self.work / f"{name}.log", "a")  # noqa: SIM115
        process = subprocess.Popen(
            command, stdout=log, stderr=subprocess.STDOUT, **kwargs
        )
        process.name = name
        self.processes.append(process)
        return process

    def stop(self, process, sig=signal.SIGTERM):
        if process.poll() is None:
            process.send_signal(sig)
            try:
                process.wait(20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if process in self.processes:
            self.processes.remove(process)

    def cleanup(self):
        for process in list(self.processes):
            self.stop(process)
        if not self.args.keep:
            bench_lib.drop_db(self.args.db)
            for path in self.work.iterdir():
                path.unlink()
            self.work.rmdir()
        else:
            print(f"kept database {self.args.db} and {self.work}")

    def start_double(self, name):
        if self.double:
            self.stop(self.double)
        self.log_path = self.work / f"{name}.jsonl"
        credentials = (
            ["--token", TOKEN]
            if self.args.provider == "smsapi"
            else ["--account-sid", TWILIO_SID, "--auth-token", TOKEN]
        )
        self.double = self.spawn(
            [
                sys.executable,
                str(DOUBLES),
                self.args.provider,
                "--port",
                str(self.args.double_port),
                *credentials,
                "--log",
                str(self.log_path),
            ],
            f"double_{name}",
        )
        self.wait_http(f"{self.double_url}/__double__/messages", 20)

    @property
    def double_url(self):
        return f"http://127.0.0.1:{self.args.double_port}"

    def double_config(self, **knobs):
        request = urllib.request.Request(
            f"{self.double_url}/__double__/config",
            data=json.dumps(knobs).encode(),
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=10) as answer:
            return json.loads(answer.read())

    def double_requests(self):
        with urllib.request.urlopen(
            f"{self.double_url}/__double__/requests", timeout=60
        ) as answer:
            return json.loads(answer.read())

    def wait_http(self, url, timeout):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(url, timeout=2):
                    return True
            except Exception:  # noqa: BLE001 (not up yet)
                time.sleep(0.2)
        raise RuntimeError(f"{url} did not answer within {timeout} s")

    def odoo_server(self, name):
        process = self.spawn(
            [
                *bench_lib.odoo_command(),
                "-d",
                self.args.db,
                f"--db-filter=^{self.args.db}$",
                f"--addons-path={self.addons_path}",
                "--http-port",
                str(self.args.http_port),
                "--max-cron-threads=1",
                "--workers=0",
                "--log-level=info",
            ],
            name,
        )
        root = f"http://127.0.0.1:{self.args.http_port}"
        self.wait_http(f"{root}/web/health", 120)
        # One static file first: Odoo reads every manifest on the first one, and
        # this Python (3.11.7) may crash parsing them in several threads at once
        # ("SystemError: AST constructor recursion depth mismatch"), which a
        # burst of first reports would do.
        self.wait_http(f"{root}/web/static/img/favicon.ico", 60)
        return process

    def odoo_shell(self, name, code):
        return self.spawn(
            [
                *bench_lib.odoo_command(),
                "shell",
                "-d",
                self.args.db,
                "--no-http",
                f"--addons-path={self.addons_path}",
                "--log-level=info",
                "--max-cron-threads=0",
            ],
            name,
            stdin=open(self._script(name, code)),
        )

    def _script(self, name, code):
        path = self.work / f"{name}.py"
        path.write_text(code)
        return path

    # -- database --------------------------------------------------------------

    def sql(self, query, params=None):
        with self.registry.cursor() as cr:
            cr.execute(query, params)
            rows = cr.fetchall() if cr.description else None
            cr.commit()
        return rows

    def counts(self):
        """Messages by state; "review" for the ones flagged for review (left
        ``sending``, never resent)."""
        return dict(
            self.sql(
                "SELECT CASE WHEN needs_review AND state = 'sending' THEN 'review'"
                " ELSE state END, count(*)"
                " FROM sms_gateway_message WHERE mailing_id = %s GROUP BY 1",
                [self.mailing_id],
            )
        )

    def trigger_cron(self):
        from odoo import SUPERUSER_ID, api

        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            env.ref("sms_gateway.ir_cron_sms_gateway_dispatch")._trigger()
            cr.commit()

    def setup_db(self):
        from odoo import SUPERUSER_ID, api

        args = self.args
        if args.db.startswith(DB_PREFIXES) and bench_lib.db_exists(args.db):
            bench_lib.drop_db(args.db)
        seconds = bench_lib.install_db(args.db, self.addons_path)
        print(f"created {args.db} with sms_gateway in {seconds:.0f} s")
        self.registry = bench_lib.open_registry(args.db, self.addons_path)
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            bench_lib.sql_partners(cr, bench_lib.partners_needed(args.messages), MARKER)
            if args.provider == "smsapi":
                credentials = {
                    "smsapi_token": TOKEN,
                    "smsapi_base_url": self.double_url,
                }
            else:
                credentials = {
                    "twilio_account_sid": TWILIO_SID,
                    "twilio_auth_token": TOKEN,
                    "twilio_base_url": self.double_url,
                    "sender": TWILIO_SENDER,
                }
            bench_lib.use_only_account(
                env, env.ref("base.main_company"), args.provider, **credentials
            )
            env["ir.config_parameter"].sudo().set_param(
                "sms_gateway.dispatch_batch_size", str(args.batch_size)
            )
            # Only the dispatch cron matters here.
            env.ref("sms_gateway.ir_cron_sms_gateway_poll_delivery").active = False
            cr.commit()

    def queue(self, name):
        """A new mailing with ``--messages`` queued SMS (the old ones gone)."""
        from odoo import SUPERUSER_ID, api

        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            cr.execute("DELETE FROM sms_gateway_message")
            company = env.ref("base.main_company")
            personal = self.args.personal
            mailing = env["sms.gateway.mailing"].create(
                {
                    "name": f"Reliability {name}",
                    "body": bench_lib.PERSONAL_TEMPLATE if personal else BODY,
                    "state": "sending",
                    "company_id": company.id,
                }
            )
            env.flush_all()
            if personal:
                queued = bench_lib.sql_queue_messages(
                    cr,
                    mailing.id,
                    company.id,
                    MARKER,
                    self.args.messages,
                    personal=True,
                )
                bench_lib.check_personal_texts(env, mailing)
            else:
                queued = bench_lib.sql_queue_messages(
                    cr, mailing.id, company.id, MARKER, self.args.messages, BODY
                )
            cr.commit()
            self.mailing_id = mailing.id
        assert queued == self.args.messages, queued
        return queued

    # -- the double's log ------------------------------------------------------

    def log_entries(self):
        if not self.log_path.exists():
            return []
        entries = []
        with open(self.log_path, encoding="utf-8") as log:
            for line in log:
                if line.strip():
                    entries.append(json.loads(line))
        return entries

    def accepted_count(self):
        if not self.log_path.exists():
            return 0
        with open(self.log_path, "rb") as log:
            return sum(1 for line in log if b'"state": "accepted"' in line)

    def accepted_by_uid(self, entries):
        """How many times the double accepted each message, by uid (SMSAPI's
        idx; for Twilio the uid of the message with that ``To`` number)."""
        if self.args.provider == "smsapi":
            return collections.Counter(
                e["idx"] for e in entries if e["state"] == "accepted"
            )
        by_number = dict(
            self.sql(
                "SELECT number, uid FROM sms_gateway_message WHERE mailing_id = %s",
                [self.mailing_id],
            )
        )
        return collections.Counter(
            by_number.get(e["number"], f"? {e['number']}")
            for e in entries
            if e["state"] == "accepted"
        )

    def verify(self, name, extra=""):
        """PASS when every message is sent once and nothing else was sent;
        with Twilio, a message may instead be flagged for review (see the
        module docstring)."""
        messages = self.sql(
            "SELECT uid, state, needs_review IS TRUE, body"
            " FROM sms_gateway_message WHERE mailing_id = %s",
            [self.mailing_id],
        )
        uids = {row[0] for row in messages}
        sent_uids = {row[0] for row in messages if row[1] == "sent"}
        flagged = {row[0] for row in messages if row[2]}
        bodies = {row[0]: row[3] for row in messages}
        states = self.counts()
        entries = self.log_entries()
        accepted = self.accepted_by_uid(entries)
        refused_dup = sum(1 for e in entries if e["state"] == "duplicate")
        rejected = sum(1 for e in entries if e["state"] == "rejected")
        once = sum(1 for uid in uids if accepted.get(uid) == 1)
        never = sum(1 for uid in uids if uid not in accepted)
        twice = sum(1 for count in accepted.values() if count > 1)
        unknown = sum(1 for idx in accepted if idx not in uids)
        sent = states.get("sent", 0)
        distinct = len(set(bodies.values()))
        texts = f"{distinct:,} distinct texts"
        if self.args.provider == "smsapi":
            ok = (
                once == len(uids) == self.args.messages
                and twice == 0
                and unknown == 0
                and sent == len(uids)
            )
            detail = (
                f"DB: {sent:,} sent, {states.get('queued', 0):,} queued, "
                f"{states.get('sending', 0):,} sending, "
                f"{states.get('review', 0):,} flagged for review, "
                f"{states.get('failed', 0):,} failed; double: {once:,} uids "
                f"accepted exactly once, {twice} accepted twice or more, {never} "
                f"never, {unknown} unknown idx, {refused_dup} repeats refused with "
                f"error 53 (logged 'duplicate'), {rejected} rejected; {texts}"
            )
        else:
            sent_once = sum(1 for uid in sent_uids if accepted.get(uid) == 1)
            flagged_taken = sum(1 for uid in flagged if accepted.get(uid) == 1)
            lost = sum(1 for uid in uids if uid not in accepted and uid not in flagged)
            # accepted by the double but neither sent nor flagged in the DB
            unrecorded = sum(
                1
                for uid in uids
                if accepted.get(uid) and uid not in sent_uids and uid not in flagged
            )
            ok = (
                len(uids) == self.args.messages
                and sent_once + len(flagged) == len(uids)
                and not sent_uids & flagged
                and twice == 0
                and unknown == 0
                and lost == 0
                and unrecorded == 0
            )
            detail = (
                f"DB: {sent:,} sent, {len(flagged):,} flagged for review, "
                f"{states.get('queued', 0):,} queued, "
                f"{states.get('sending', 0):,} sending (not flagged), "
                f"{states.get('failed', 0):,} failed; double: {sent_once:,} sent "
                f"and accepted exactly once, {len(flagged):,} flagged of which "
                f"{flagged_taken} accepted once and {len(flagged) - flagged_taken} "
                f"never (none resent), {twice} accepted twice or more, {lost} lost "
                f"(neither accepted nor flagged), {unrecorded} accepted but not "
                f"recorded, {unknown} unknown numbers, {rejected} rejected; {texts}"
            )
        if self.args.personal and distinct != len(uids):
            ok = False
        self.results.append((name, ok, detail + (f"; {extra}" if extra else "")))
        print(
            f"{'PASS' if ok else 'FAIL'}  {name}\n      {self.results[-1][2]}",
            flush=True,
        )
        return ok

    def wait_queue_empty(self, timeout, processes=()):
        deadline = time.monotonic() + timeout
        last_trigger = time.monotonic()
        while time.monotonic() < deadline:
            states = self.counts()
            if not states.get("queued") and not states.get("sending"):
                return True
            if any(p.poll() is not None for p in processes):
                return False
            if time.monotonic() - last_trigger > 90:
                last_trigger = time.monotonic()
                self.trigger_cron()  # in case a wake-up was missed
            time.sleep(1)
        return False

    # -- checks ----------------------------------------------------------------

    def check_kill(self):
        print("\n=== a. SIGKILL of Odoo in the middle of dispatching", flush=True)
        total = self.queue("kill")
        self.start_double("kill")
        # A little latency per request so that the kill lands mid-run.
        self.double_config(delay=0.03)
        server = self.odoo_server("odoo_kill_1")
        self.trigger_cron()
        kill_at = total * 3 // 10
        deadline = time.monotonic() + 300
        while self.accepted_count() < kill_at and time.monotonic() < deadline:
            if server.poll() is not None:
                break
            time.sleep(0.02)
        before_kill = self.accepted_count()
        os.kill(server.pid, signal.SIGKILL)
        server.wait()
        self.processes.remove(server)
        time.sleep(1)
        at_kill = self.accepted_count()
        states = self.counts()
        print(
            f"  SIGKILL (pid {server.pid}) with {before_kill:,} accepted in the "
            f"double's log ({at_kill:,} a second later); DB then: {states}",
            flush=True,
        )
        partial = 0 < at_kill < total
        self.double_config(delay=0)
        started = time.monotonic()
        server = self.odoo_server("odoo_kill_2")
        self.trigger_cron()
        finished = self.wait_queue_empty(300)
        seconds = time.monotonic() - started
        self.stop(server)
        log_text = (self.work / "odoo_kill_2.log").read_text(encoding="utf-8")
        recovered = log_text.count("was interrupted")
        self.verify(
            "a. SIGKILL mid-dispatch, restart: each message sent exactly once"
            + (" or flagged for review" if self.args.provider == "twilio" else ""),
            f"killed with {at_kill:,}/{total:,} in the log "
            f"({'mid-run' if partial else 'NOT mid-run'}); after restart the queue "
            f"{'emptied' if finished else 'did NOT empty'} in {seconds:.0f} s; "
            f"'interrupted run' recoveries logged: {recovered}",
        )
        if not partial:
            self.results[-1] = (self.results[-1][0], False, self.results[-1][2])

    def check_two_workers(self):
        print("\n=== b. two workers on the same queue", flush=True)
        total = self.queue("two")
        self.start_double("two")
        self.double_config(delay=0.01)
        code = (
            "import time\n"
            "start = time.time()\n"
            "done = env['sms.gateway.dispatcher']._cron_dispatch()\n"
            "env.cr.commit()\n"
            "print(f'WORKER_DONE {done} {start:.3f} {time.time():.3f}', flush=True)\n"
        )
        # Start both, then let them go together: each waits for a flag file.
        flag = self.work / "go"
        gated = (
            f"import os, time\nwhile not os.path.exists({str(flag)!r}):\n"
            "    time.sleep(0.01)\n" + code
        )
        workers = [self.odoo_shell(f"worker{i}", gated) for i in (1, 2)]
        time.sleep(1)
        # wait until both have loaded Odoo (their log says the registry loaded)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            logs = [(self.work / f"worker{i}.log").read_text() for i in (1, 2)]
            if all(
                "Registry loaded" in log or "registry loaded" in log.lower()
                for log in logs
            ):
                break
            time.sleep(0.2)
        flag.write_text("go")
        for worker in workers:
            worker.wait(600)
            self.processes.remove(worker)
        done, errors = [], []
        for i in (1, 2):
            text = (self.work / f"worker{i}.log").read_text()
            for line in text.splitlines():
                if line.startswith("WORKER_DONE"):
                    _tag, count, start, end = line.split()
                    done.append((int(count), float(start), float(end)))
            # the last exception line of a traceback, if the worker died
            failures = [
                line
                for line in text.splitlines()
                if re.match(r"^[\w.]+(Error|Failure|Exception): ", line)
            ]
            if failures:
                errors.append(f"worker{i}: " + " <- ".join(reversed(failures)))
        overlap = (
            min(d[2] for d in done) - max(d[1] for d in done) if len(done) == 2 else 0
        )
        left = self.counts()
        follow_up = ""
        if left.get("sending") or left.get("queued"):
            # What the next cron run does: recover what a dead run left.
            follow_up = (
                f"; {left.get('sending', 0):,} left sending and "
                f"{left.get('queued', 0):,} queued after the two workers, "
                "finished by one more dispatch run (the next cron run)"
            )
            worker = self.odoo_shell("worker3", code)
            worker.wait(600)
            self.processes.remove(worker)
        self.verify(
            "b. two workers dispatching the same queue: no message sent twice",
            f"messages claimed per worker that finished: {[d[0] for d in done]} "
            f"(of {total:,}); the two runs overlapped for {max(overlap, 0):.1f} s"
            + follow_up,
        )
        if len(done) + len(errors) != 2 or (done and min(d[0] for d in done) == 0):
            name, _ok, detail = self.results[-1]
            self.results[-1] = (name, False, detail + " (no real concurrency)")
        ok = not errors
        self.results.append(
            (
                "b2. both workers ended without an error",
                ok,
                "; ".join(errors) or "no error",
            )
        )
        print(f"{'PASS' if ok else 'FAIL'}  {self.results[-1][0]}")
        print(f"      {self.results[-1][2]}", flush=True)

    def check_http_500(self):
        seconds_500 = self.args.fail_seconds
        print(
            f"\n=== c. the provider answers HTTP 500 for {seconds_500:.0f} s",
            flush=True,
        )
        self.queue("500")
        self.start_double("500")
        self.double_config(fail_status=500, fail_count=None)
        server = self.odoo_server("odoo_500")
        started = time.monotonic()
        self.trigger_cron()
        failing = True
        max_attempts = 0
        while True:
            elapsed = time.monotonic() - started
            if failing and elapsed >= seconds_500:
                self.double_config(fail_status=None)
                failing = False
                requests_500 = sum(
                    1 for r in self.double_requests() if r.get("answered") == 500
                )
                states = self.counts()
                print(
                    f"  {elapsed:.0f} s: double answers normally again; "
                    f"{requests_500} requests were answered 500; DB: {states}",
                    flush=True,
                )
            if not failing:
                states = self.counts()
                if not states.get("queued") and not states.get("sending"):
                    break
            if elapsed > seconds_500 + 1200 or server.poll() is not None:
                break
            time.sleep(1)
        wall = time.monotonic() - started
        self.stop(server)
        attempts = dict(
            self.sql(
                "SELECT attempt_count, count(*) FROM sms_gateway_message"
                " WHERE mailing_id = %s GROUP BY 1 ORDER BY 1",
                [self.mailing_id],
            )
        )
        max_attempts = max(attempts) if attempts else 0
        self.verify(
            f"c. HTTP 500 for {seconds_500:.0f} s: messages wait, then all go, "
            "none failed",
            f"all sent {wall:.0f} s after the start ({wall - seconds_500:.0f} s after "
            f"the provider came back); attempts per message {attempts} "
            f"(max {max_attempts}, RETRY_PATTERN 60 s, 120 s, 300 s ...)",
        )

    def check_reports(self):
        print("\n=== d. delivery reports racing the dispatch", flush=True)
        total = self.queue("reports")
        self.start_double("reports")
        self.double_config(delay=0.01)
        server = self.odoo_server("odoo_reports")
        route_root = f"http://127.0.0.1:{self.args.http_port}"
        pending = []
        lock = threading.Lock()
        answers = collections.Counter()
        retried = collections.Counter()
        stop = threading.Event()

        def follow_log():
            """The double's log as it grows: one report per accepted message."""
            offset = 0
            while not stop.is_set():
                if self.log_path.exists():
                    with open(self.log_path, "rb") as log:
                        log.seek(offset)
                        data = log.read()
                    complete = data[: data.rfind(b"\n") + 1]
                    offset += len(complete)
                    entries = [
                        json.loads(line) for line in complete.splitlines() if line
                    ]
                    with lock:
                        pending.extend(e for e in entries if e["state"] == "accepted")
                time.sleep(0.005)

        def post_reports():
            while not stop.is_set() or pending:
                with lock:
                    chunk, pending[:] = pending[:100], pending[100:]
                if not chunk:
                    time.sleep(0.005)
                    continue
                path = urllib.parse.urlsplit(chunk[0]["notify_url"]).path
                data = urllib.parse.urlencode(
                    {
                        "MsgId": ",".join(e["provider_ref"] for e in chunk),
                        "status": ",".join("404" for _e in chunk),
                        "status_name": ",".join("DELIVERED" for _e in chunk),
                        "idx": ",".join(e["idx"] for e in chunk),
                        "donedate": ",".join(str(int(e["at"])) for e in chunk),
                    }
                ).encode()
                # As SMSAPI does, a report answered 5xx is posted again later;
                # what counts is the last answer (the retries are shown).
                for attempt in range(3):
                    try:
                        with urllib.request.urlopen(
                            f"{route_root}{path}", data=data, timeout=30
                        ) as answer:
                            outcome = answer.status
                    except urllib.error.HTTPError as error:
                        outcome = error.code
                    except OSError as error:
                        outcome = type(error).__name__
                    if (
                        not (isinstance(outcome, int) and outcome >= 500)
                        or attempt == 2
                    ):
                        break
                    retried[outcome] += len(chunk)
                    time.sleep(1)
                answers[outcome] += len(chunk)

        threads = [threading.Thread(target=follow_log)] + [
            threading.Thread(target=post_reports) for _i in range(4)
        ]
        for thread in threads:
            thread.start()
        started = time.monotonic()
        self.trigger_cron()
        deadline = time.monotonic() + 600
        last_trigger = time.monotonic()
        wake_ups = 0
        most_waiting = 0
        while time.monotonic() < deadline and server.poll() is None:
            waiting = self.sql("SELECT count(*) FROM sms_gateway_delivery_event")
            most_waiting = max(most_waiting, waiting[0][0])
            if self.counts().get("delivered", 0) == total:
                break
            if time.monotonic() - last_trigger > 90:
                # In case a wake-up was missed (the cron runs every 5 minutes).
                last_trigger = time.monotonic()
                wake_ups += 1
                self.trigger_events_cron()
            time.sleep(1)
        seconds = time.monotonic() - started
        stop.set()
        for thread in threads:
            thread.join(60)
        waiting = self.sql("SELECT count(*) FROM sms_gateway_delivery_event")[0][0]
        states = self.counts()
        # What the dispatch records (billing) must be there for each message.
        recorded = self.sql(
            "SELECT count(*) FROM sms_gateway_message WHERE mailing_id = %s"
            " AND provider_ref IS NOT NULL AND sent_at IS NOT NULL"
            " AND delivered_at IS NOT NULL",
            [self.mailing_id],
        )[0][0]
        self.stop(server)
        log_text = (self.work / "odoo_reports.log").read_text(encoding="utf-8")
        errors = [
            line
            for line in log_text.splitlines()
            if " ERROR " in line or line.startswith("Traceback")
        ]
        entries = self.log_entries()
        accepted = collections.Counter(
            e["idx"] for e in entries if e["state"] == "accepted"
        )
        twice = sum(1 for count in accepted.values() if count > 1)
        ok = (
            states.get("delivered", 0) == total
            and recorded == total
            and answers.get(200, 0) == sum(answers.values()) >= total
            and waiting == 0
            and not errors
            and twice == 0
        )
        detail = (
            f"DB: {states}, {recorded:,} with reference, sent and delivery dates; "
            f"route answers (per report): {dict(answers)}, posted again after "
            f"5xx: {dict(retried)}; at most {most_waiting:,} "
            f"reports waiting at once, {waiting} left; uids accepted twice: {twice}; "
            f"server errors logged: {len(errors)}"
            + (f" (first: {errors[0][:200]})" if errors else "")
            + f"; {seconds:.0f} s from the start to the last delivered"
            + f"; wake-ups of the report cron by the checker: {wake_ups}"
        )
        self.results.append(
            ("d. delivery reports racing the dispatch: none lost", ok, detail)
        )
        print(f"{'PASS' if ok else 'FAIL'}  {self.results[-1][0]}")
        print(f"      {detail}", flush=True)

    def trigger_events_cron(self):
        from odoo import SUPERUSER_ID, api

        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            env.ref("sms_gateway.ir_cron_sms_gateway_delivery_events")._trigger()
            cr.commit()

    def run(self):
        args = self.args
        self.addons_path = args.addons_path or bench_lib.default_addons_path()
        try:
            self.setup_db()
            checks = {
                "a": self.check_kill,
                "b": self.check_two_workers,
                "c": self.check_http_500,
                "d": self.check_reports,
            }
            for letter in args.checks:
                try:
                    checks[letter]()
                except Exception as error:  # noqa: BLE001 (report, go on)
                    import traceback

                    traceback.print_exc()
                    self.results.append((f"{letter}. (crashed)", False, repr(error)))
        finally:
            self.cleanup()
        print(
            f"\nSummary ({time.monotonic() - self.started:.0f} s, "
            f"{args.messages:,} messages per check, {args.provider}, "
            f"{'personalised texts' if args.personal else 'one text'}, "
            f"batches of {args.batch_size}):"
        )
        for name, ok, _detail in self.results:
            print(f"  {'PASS' if ok else 'FAIL'}  {name}")
        return 0 if self.results and all(ok for _n, ok, _d in self.results) else 1


def main():
    args = parse_args()
    if not args.db.startswith(DB_PREFIXES):
        sys.exit(
            f"use a database name starting with {' or '.join(DB_PREFIXES)} "
            "(it is dropped)"
        )
    sys.exit(Checker(args).run())


if __name__ == "__main__":
    main()
