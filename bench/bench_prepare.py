# Copyright 2026 sms_gateway authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Prepare a large mailing in the background, through the real HTTP path of
the send wizard, on an Odoo started with ``--workers=2`` and Odoo's default
limits; prints one table (request times, preparation time, worker memory,
message rows).

1. Writes ``--partners`` Finnish partners with SQL (``ref = 'BENCHP<count>'``,
   see bench_lib.sql_partners: 93 % sendable) and commits them; a later run
   with the same count reuses them. Every earlier mailing of the database and
   its messages are removed first (TRUNCATE ... CASCADE: the database is the
   bench's own), so that the 24-hour guard sees no earlier send.
2. Starts ``odoo --workers=2 --max-cron-threads=2`` (no ``limit_*`` option:
   Odoo's defaults, ``limit_time_cpu`` 60 s, ``limit_time_real`` 120 s) and
   does over HTTP what the web client does when the admin selects all
   partners of the filter ``ref = BENCHP<count>`` in the list and sends an
   SMS with a placeholder: ``/web/session/authenticate``; ``search`` of the
   first 20,000 ids (the list's "select all"); ``/web/action/load`` of the
   list's "Send SMS" action; ``get_views`` of the wizard; ``onchange`` with
   the action's context (``active_model``, ``active_ids``,
   ``active_domain``); an ``onchange`` of ``body`` (``Hei {{ object.name }},
   ...``); ``web_save``; Send (``action_send`` through
   ``/web/dataset/call_button``); ``get_views`` and ``web_read`` of the
   mailing form it opens; then a ``web_read`` of the mailing's state and
   progress every second, until it is "sending"; then the form read again
   (its counts of a mailing of that size).
3. Measures the wall time of every request (the slowest are printed; the
   issue asks for none over 2 s), the time from the click on Send to
   "sending" (at most 60 s for 1,000,000), and the RSS of each Odoo process
   (master, HTTP and cron workers, sampled with psutil from outside every
   0.2 s; cron workers are the children of the master with nice 10): peak,
   and growth over the RSS just before the wizard was opened (at most
   +300 MB).
4. Checks the messages of the mailing with SQL: one row per partner of the
   marker (count, count distinct partner, partners without a row, partners
   with more than one).

    python3 bench/bench_prepare.py --db bprep_bench --install --partners 100000
    python3 bench/bench_prepare.py --db bprep_bench --partners 1000000 [--drop]

``--install`` creates the database with sms_gateway when it does not exist;
``--drop`` drops it at the end. ``--http-port`` (8600; the gevent port is the
next one). Use the Python that runs Odoo; ``--addons-path`` defaults to
Odoo's addons folders and this repository. The Odoo server log is kept in
``--log`` (a temporary file by default).
"""

import argparse
import http.cookiejar
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
import xml.etree.ElementTree as ET
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_lib

MARKER = "BENCHP"  # + the partner count
SERVE_ENV = "SMS_GATEWAY_BENCH_SERVE_ODOO"
_CONFIGURED = []  # Odoo's configuration is parsed once per process
BODY = (
    "Hei {{ object.name }}, kevään kampanja alkaa huomenna! "
    "Vastaa STOP, jos et halua viestejä."
)
WEB_ACTIVE_IDS_LIMIT = 20000
LIMIT_REQUEST_SECONDS = 2.0
LIMIT_PREPARE_SECONDS_1M = 60.0
LIMIT_GROWTH_MB = 300.0
SAMPLE_SECONDS = 0.2
POLL_SECONDS = 1.0
POLL_FIELDS = (
    "state",
    "prepare_step",
    "prepare_done",
    "prepare_total",
    "progress_value",
    "progress_total",
)


def add_arguments(parser):
    parser.add_argument("--db", default="bprep_bench")
    parser.add_argument("--partners", type=int, default=100_000)
    parser.add_argument("--addons-path")
    parser.add_argument("--http-port", type=int, default=8600)
    parser.add_argument(
        "--timeout",
        type=float,
        default=900,
        help="seconds to wait for the mailing to be sending",
    )
    parser.add_argument("--log", help="Odoo's log file (a temporary file by default)")
    parser.add_argument("--install", action="store_true")
    parser.add_argument("--drop", action="store_true")


def marker(args):
    return f"{MARKER}{args.partners}"


# ----------------------------------------------------------------------
# The database
# ----------------------------------------------------------------------


def connect(db):
    import psycopg2

    return psycopg2.connect(dbname=db)


def prepare_db(args):
    """The database with sms_gateway, the partners of the marker, no earlier
    mailing; the admin in the SMS users group; an active sandbox account."""
    if not bench_lib.db_exists(args.db):
        if not args.install:
            sys.exit(f"no database {args.db} (add --install to create it)")
        seconds = bench_lib.install_db(args.db, args.addons_path)
        print(f"created {args.db} with sms_gateway in {seconds:.0f} s", flush=True)
    from odoo import SUPERUSER_ID, api

    if _CONFIGURED:
        from odoo.modules.registry import Registry

        registry = Registry(args.db)
    else:
        registry = bench_lib.open_registry(args.db, args.addons_path)
        _CONFIGURED.append(args.db)
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        admin = env.ref("base.user_admin")
        group = env.ref("sms_gateway.group_sms_gateway_user")
        if group not in admin.groups_id:
            admin.groups_id = [(4, group.id)]
        company = admin.company_id
        Account = env["sms.gateway.account"]
        if not Account.search_count([("company_id", "=", company.id)]):
            bench_lib.use_only_account(env, company, "sandbox")
        for xmlid in (
            "sms_gateway.ir_cron_sms_gateway_prepare",
            "sms_gateway.ir_cron_sms_gateway_prepare_2",
        ):
            if not env.ref(xmlid).active:
                sys.exit(f"{xmlid} is not active in {args.db}")
        env.flush_all()
        cr.execute(
            "TRUNCATE sms_gateway_message, sms_gateway_mailing,"
            " sms_gateway_mailing_recipient, sms_gateway_mailing_chunk CASCADE"
        )
        cr.execute("DELETE FROM ir_cron_trigger")
        cr.execute("SELECT count(*) FROM res_partner WHERE ref = %s", [marker(args)])
        existing = cr.fetchone()[0]
        if existing == args.partners:
            print(f"reusing {existing:,} partners (ref={marker(args)})", flush=True)
        else:
            started = time.perf_counter()
            if existing:
                bench_lib.delete_partners(cr, marker(args))
            bench_lib.sql_partners(cr, args.partners, marker(args))
            print(
                f"wrote {args.partners:,} partners with SQL in "
                f"{time.perf_counter() - started:.1f} s (ref={marker(args)})",
                flush=True,
            )
        cr.commit()
    registry.delete(args.db)
    import odoo.sql_db

    odoo.sql_db.close_all()


def check_rows(db, mailing_id, marker_ref):
    """One message row per partner of the marker: the figures."""
    with connect(db) as conn, conn.cursor() as cr:
        cr.execute(
            """
            SELECT count(*), count(DISTINCT partner_id)
              FROM sms_gateway_message WHERE mailing_id = %s
            """,
            [mailing_id],
        )
        rows, distinct = cr.fetchone()
        cr.execute("SELECT count(*) FROM res_partner WHERE ref = %s", [marker_ref])
        partners = cr.fetchone()[0]
        cr.execute(
            """
            SELECT count(*) FROM res_partner p
             WHERE p.ref = %s AND NOT EXISTS (
                   SELECT 1 FROM sms_gateway_message m
                    WHERE m.mailing_id = %s AND m.partner_id = p.id)
            """,
            [marker_ref, mailing_id],
        )
        missing = cr.fetchone()[0]
        cr.execute(
            """
            SELECT count(*) FROM (
                SELECT partner_id FROM sms_gateway_message WHERE mailing_id = %s
                 GROUP BY partner_id HAVING count(*) > 1) d
            """,
            [mailing_id],
        )
        doubled = cr.fetchone()[0]
        cr.execute(
            "SELECT state, count(*) FROM sms_gateway_message WHERE mailing_id = %s"
            " GROUP BY state",
            [mailing_id],
        )
        states = dict(cr.fetchall())
        cr.execute(
            "SELECT body FROM sms_gateway_message WHERE mailing_id = %s"
            " AND state = 'queued' ORDER BY id LIMIT 1",
            [mailing_id],
        )
        sample = cr.fetchone()
    return {
        "rows": rows,
        "distinct": distinct,
        "partners": partners,
        "missing": missing,
        "doubled": doubled,
        "states": states,
        "sample": sample[0] if sample else None,
        "ok": rows == distinct == partners and not missing and not doubled,
    }


# ----------------------------------------------------------------------
# The server and its processes
# ----------------------------------------------------------------------


class Server:
    """``odoo --workers=2 --max-cron-threads=2``, Odoo's default limits."""

    def __init__(self, args, log_path):
        self.args = args
        self.log_path = log_path
        self.process = None

    def start(self):
        log = open(self.log_path, "a")  # noqa: SIM115
        self.process = subprocess.Popen(
            [
                sys.executable,
                __file__,
                "-d",
                self.args.db,
                # A single-database server may go without (bench_inbound.py).
                *(
                    [f"--db-filter=^{self.args.db}$"]
                    if getattr(self.args, "db_filter", True)
                    else []
                ),
                f"--addons-path={self.args.addons_path}",
                "--workers=2",
                "--max-cron-threads=2",
                f"--http-port={self.args.http_port}",
                f"--gevent-port={self.args.http_port + 1}",
                "--log-level=info",
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            env=dict(os.environ, **{SERVE_ENV: "1"}),
        )
        log.close()
        self.wait_ready()

    def url(self, path):
        return f"http://127.0.0.1:{self.args.http_port}{path}"

    def wait_ready(self, timeout=180):
        limit = time.monotonic() + timeout
        while time.monotonic() < limit:
            if self.process.poll() is not None:
                sys.exit(
                    f"Odoo exited ({self.process.returncode}): see {self.log_path}"
                )
            try:
                with urllib.request.urlopen(self.url("/web/health"), timeout=5):
                    pass
                if len(self.workers("cron")) >= 2 and len(self.workers("http")) >= 2:
                    return
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.5)
        sys.exit(f"Odoo did not answer within {timeout} s: see {self.log_path}")

    def workers(self, kind=None):
        """{pid: kind} of the master's children: "cron" (nice 10), "gevent",
        "http"."""
        import psutil

        found = {}
        try:
            children = psutil.Process(self.process.pid).children()
        except psutil.Error:
            return found
        for child in children:
            try:
                if "gevent" in child.cmdline():
                    found[child.pid] = "gevent"
                elif child.nice() >= 10:
                    found[child.pid] = "cron"
                else:
                    found[child.pid] = "http"
            except psutil.Error:
                continue
        return {p: k for p, k in found.items() if kind is None or k == kind}

    def stop(self, sig=signal.SIGTERM):
        if self.process is None or self.process.poll() is not None:
            return
        try:
            os.killpg(self.process.pid, sig)
        except ProcessLookupError:
            return
        try:
            self.process.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()

    def kill_all(self):
        """SIGKILL the master and every worker at once."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()


class Sampler(threading.Thread):
    """RSS of the master and of each of its children every 0.2 s."""

    def __init__(self, server):
        super().__init__(daemon=True)
        self.server = server
        self.stats = {}  # pid: {kind, first, base, peak, last}
        self.done = threading.Event()
        self.lock = threading.Lock()

    def sample_once(self):
        import psutil

        procs = {self.server.process.pid: "master", **self.server.workers()}
        for pid, kind in procs.items():
            try:
                rss = psutil.Process(pid).memory_info().rss / 2**20
            except psutil.Error:
                continue
            with self.lock:
                stat = self.stats.setdefault(
                    pid, {"kind": kind, "first": rss, "base": None, "peak": rss}
                )
                stat["peak"] = max(stat["peak"], rss)
                stat["last"] = rss
                stat["alive"] = True

    def run(self):
        while not self.done.is_set():
            self.sample_once()
            self.done.wait(SAMPLE_SECONDS)

    def mark_base(self):
        """The RSS of each process now is its base (before the send)."""
        self.sample_once()
        with self.lock:
            for stat in self.stats.values():
                stat["base"] = stat.get("last")

    def stop(self):
        self.done.set()
        self.join()

    def cpu_mark(self, db):
        """CPU seconds so far of the Odoo processes and of the PostgreSQL
        backends of ``db``, and the machine's counters (``/proc/stat``)."""
        import psutil

        procs = {self.server.process.pid: "master", **self.server.workers()}
        for proc in psutil.process_iter(["name", "cmdline"]):
            cmdline = " ".join(proc.info["cmdline"] or ())
            if proc.info["name"] == "postgres" and f" {db} " in f"{cmdline} ":
                procs[proc.pid] = "PostgreSQL"
        seconds = {}
        for pid, kind in procs.items():
            try:
                times = psutil.Process(pid).cpu_times()
            except psutil.Error:
                continue
            seconds[pid] = (kind, times.user + times.system)
        return {"procs": seconds, "machine": machine_cpu()}


def machine_cpu():
    """(busy, steal, all) core-seconds of the machine since boot."""
    try:
        with open("/proc/stat", encoding="ascii") as stat:
            ticks = [int(v) for v in stat.readline().split()[1:]]
    except OSError:
        return None
    hertz = os.sysconf("SC_CLK_TCK")
    idle = ticks[3] + ticks[4]  # idle, iowait
    steal = ticks[7] if len(ticks) > 7 else 0
    every = sum(ticks[:8])
    return ((every - idle - steal) / hertz, steal / hertz, every / hertz)


def cpu_used(before, after):
    """{kind: CPU seconds} between two ``cpu_mark``s, and the machine's
    (busy, stolen, all) core-seconds."""
    kinds = {}
    for pid, (kind, seconds) in after["procs"].items():
        start = before["procs"].get(pid, (kind, 0.0))[1]
        kinds[kind] = kinds.get(kind, 0.0) + seconds - start
    machine = None
    if before["machine"] and after["machine"]:
        pairs = zip(before["machine"], after["machine"], strict=True)
        machine = tuple(end - start for start, end in pairs)
    return kinds, machine


# ----------------------------------------------------------------------
# The web client
# ----------------------------------------------------------------------


class WebClient:
    """JSON-RPC as the web client sends it, each request timed."""

    def __init__(self, server):
        self.server = server
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )
        self.timings = []  # (label, seconds)
        self.user_context = {}

    def post(self, path, params, label):
        data = json.dumps(
            {
                "jsonrpc": "2.0",
                "method": "call",
                "id": len(self.timings),
                "params": params,
            }
        ).encode()
        request = urllib.request.Request(
            self.server.url(path),
            data=data,
            headers={"Content-Type": "application/json"},
        )
        started = time.perf_counter()
        with self.opener.open(request, timeout=600) as response:
            answer = json.loads(response.read())
        self.timings.append((label, time.perf_counter() - started))
        if answer.get("error"):
            error = answer["error"]
            message = error.get("data", {}).get("message") or error.get("message")
            raise RuntimeError(f"{label}: {message}")
        return answer["result"]

    def authenticate(self, db, login="admin", password="admin"):
        result = self.post(
            "/web/session/authenticate",
            {"db": db, "login": login, "password": password},
            "authenticate",
        )
        self.user_context = result["user_context"]
        return result

    def call(self, model, method, args, kwargs=None, context=None, label=None):
        kwargs = dict(kwargs or {})
        kwargs["context"] = {**self.user_context, **(context or {})}
        return self.post(
            f"/web/dataset/call_kw/{model}/{method}",
            {"model": model, "method": method, "args": args, "kwargs": kwargs},
            label or f"{model}.{method}",
        )

    def call_button(self, model, method, ids, context=None, label=None):
        return self.post(
            f"/web/dataset/call_button/{model}/{method}",
            {
                "model": model,
                "method": method,
                "args": [ids],
                "kwargs": {"context": {**self.user_context, **(context or {})}},
            },
            label or f"{model}.{method} (button)",
        )

    def form_view(self, model, context=None, label=None):
        """(arch root, fields) of the model's form view, as get_views gives."""
        result = self.call(
            model,
            "get_views",
            [],
            {"views": [[False, "form"]], "options": {"load_filters": False}},
            context=context,
            label=label,
        )
        arch = ET.fromstring(result["views"]["form"]["arch"])
        return arch, result["models"][model]["fields"]


def form_fields(arch):
    """The <field> nodes of a form, not those of its embedded sub-views."""
    found = []

    def walk(node):
        for child in node:
            if child.tag == "field":
                found.append(child)
                continue  # a sub-view inside a field: read by its own spec
            walk(child)

    walk(arch)
    return found


def fields_spec(arch, fields):
    """The specification the web client reads a form with."""
    spec = {}
    for node in form_fields(arch):
        name = node.get("name")
        ftype = fields.get(name, {}).get("type")
        if ftype in ("many2one", "many2many", "one2many"):
            spec[name] = {"fields": {"display_name": {}}}
        else:
            spec[name] = {}
    return spec


def view_readonly(arch, fields):
    """Names the web client does not send on save: readonly in the model or
    in the view (``readonly="1"``), unless ``force_save``."""
    names = {name for name, info in fields.items() if info.get("readonly")}
    for node in form_fields(arch):
        if node.get("readonly") in ("1", "True", "true"):
            names.add(node.get("name"))
        if node.get("force_save") in ("1", "True", "true"):
            names.discard(node.get("name"))
    return names


def as_changes(values, fields):
    """Onchange values as the web client sends them back."""
    changes = {}
    for name, value in values.items():
        ftype = fields.get(name, {}).get("type")
        if ftype == "many2one" and isinstance(value, dict):
            value = value.get("id") or False
        elif ftype in ("many2many", "one2many") and isinstance(value, list):
            ids = [v["id"] for v in value if isinstance(v, dict) and v.get("id")]
            if value and not ids and isinstance(value[0], list):
                changes[name] = value  # commands already
                continue
            value = [[6, 0, ids]]
        changes[name] = value
    return changes


# ----------------------------------------------------------------------
# One send, as the admin in the browser
# ----------------------------------------------------------------------


def click_send(client, args, sampler=None):
    """Select all partners of the filter, open the wizard, type the body,
    save, click Send. Returns (mailing id, the moment of the click)."""
    domain = [["ref", "=", marker(args)]]
    client.authenticate(args.db)
    ids = client.call(
        "res.partner",
        "search",
        [domain],
        {"limit": WEB_ACTIVE_IDS_LIMIT},
        label="res.partner.search (select all)",
    )
    client.post(
        "/web/action/load",
        {"action_id": "sms_gateway.sms_gateway_send_wizard_action_partner_list"},
        "/web/action/load",
    )
    context = {
        "active_model": "res.partner",
        "active_id": ids[0],
        "active_ids": ids,
        "active_domain": domain,
    }
    model = "sms.gateway.send.wizard"
    arch, fields = client.form_view(model, context, label="wizard get_views")
    spec = fields_spec(arch, fields)
    if sampler:
        sampler.mark_base()
    opened = client.call(
        model, "onchange", [[], {}, [], spec], context=context, label="wizard onchange"
    )
    values = as_changes(opened["value"], fields)
    values["body"] = BODY
    typed = client.call(
        model,
        "onchange",
        [[], values, ["body"], spec],
        context=context,
        label="wizard onchange body",
    )
    values.update(as_changes(typed["value"], fields))
    readonly = view_readonly(arch, fields)
    to_save = {k: v for k, v in values.items() if k not in readonly}
    saved = client.call(
        model,
        "web_save",
        [[], to_save],
        {"specification": spec},
        context=context,
        label="wizard web_save",
    )
    wizard = saved[0]
    estimate = {
        "count_sendable": wizard.get("count_sendable"),
        "counts_estimated": wizard.get("counts_estimated"),
    }
    if sampler:
        sampler.cpu_at_click = sampler.cpu_mark(args.db)
    clicked = time.perf_counter()
    action = client.call_button(
        model,
        "action_send",
        [wizard["id"]],
        context=context,
        label="Send (call_button)",
    )
    mailing_id = action["res_id"]
    # The web client opens the mailing's form.
    read_form(client, mailing_id, "mailing web_read (form)", action.get("context"))
    return mailing_id, clicked, estimate


def read_form(client, mailing_id, label, context=None):
    """get_views and web_read of the mailing's form, as the web client
    opens or reloads it."""
    arch, fields = client.form_view(
        "sms.gateway.mailing", context, label="mailing get_views"
    )
    return client.call(
        "sms.gateway.mailing",
        "web_read",
        [[mailing_id]],
        {"specification": fields_spec(arch, fields)},
        context=context,
        label=label,
    )[0]


def poll(client, mailing_id, until=None, timeout=900, on_poll=None):
    """web_read of the mailing's progress every second until it is
    "sending" (or done, canceled); returns the last values and the polls."""
    spec = {name: {} for name in POLL_FIELDS}
    polls = []
    limit = time.monotonic() + timeout
    while True:
        started = time.perf_counter()
        try:
            values = client.call(
                "sms.gateway.mailing",
                "web_read",
                [[mailing_id]],
                {"specification": spec},
                label="mailing web_read (poll)",
            )[0]
        except (urllib.error.URLError, OSError, RuntimeError) as error:
            # the server being restarted: the form shows an error, tries again
            values = {"error": str(error)}
        values["at"] = time.perf_counter()
        polls.append(values)
        if values.get("state") in ("sending", "done", "canceled", "scheduled") and (
            values.get("prepare_step") == "done"
        ):
            return values, polls
        if until and until(values):
            return values, polls
        if on_poll:
            on_poll(values)
        if time.monotonic() > limit:
            values["timeout"] = True
            return values, polls
        time.sleep(max(POLL_SECONDS - (time.perf_counter() - started), 0))


# ----------------------------------------------------------------------
# Report
# ----------------------------------------------------------------------


def print_report(args, client, sampler, result):
    partners = args.partners
    print()
    print(
        f"Background preparation of {partners:,} partners, one placeholder, "
        f"through HTTP (--workers=2, --max-cron-threads=2, default limits; "
        f"{args.db}; load average before {result['load_before']}, "
        f"after {result['load_after']}):"
    )
    # The login is not part of the send: its time is the password hash and
    # the first request of a fresh worker (Odoo's routing map).
    login = [s for label, s in client.timings if label == "authenticate"]
    timings = [t for t in client.timings if t[0] != "authenticate"]
    slowest = sorted(timings, key=lambda t: -t[1])
    polls = [s for label, s in timings if label == "mailing web_read (poll)"]
    verdict = "OK" if slowest[0][1] <= LIMIT_REQUEST_SECONDS else "OVER 2 s"
    rows = [
        ("login (not counted), s", f"{max(login):.2f}" if login else "-"),
        ("requests of the send", f"{len(timings):,}"),
        ("slowest request, s", f"{slowest[0][1]:.2f} ({slowest[0][0]}) {verdict}"),
        ("requests over 2 s", f"{sum(1 for _l, s in timings if s > 2):,}"),
        ("slowest poll (web_read), s", f"{max(polls):.2f}" if polls else "-"),
        (
            "wizard estimate (sendable)",
            f"{result['estimate']['count_sendable']:,}"
            + (" (sample)" if result["estimate"]["counts_estimated"] else " (exact)"),
        ),
        ("click to staged, s", fmt_seconds(result.get("staged"))),
        ("click to sending, s", fmt_seconds(result.get("sending"))),
        ("final state", result["final"].get("state", result["final"].get("error"))),
    ]
    kinds, machine = result.get("cpu") or ({}, None)
    if kinds:
        rows.append(
            (
                "CPU click to sending, s",
                ", ".join(
                    f"{kind} {seconds:.1f}"
                    for kind, seconds in sorted(kinds.items(), key=lambda i: -i[1])
                ),
            )
        )
    if machine:
        busy, stolen, every = machine
        rows.append(
            (
                "machine CPU, core-s",
                (
                    f"busy {busy:.1f} of {every:.1f} ({busy / every:.0%}), "
                    f"stolen by the host {stolen:.1f}"
                ),
            )
        )
    if partners >= 1_000_000:
        limit = LIMIT_PREPARE_SECONDS_1M * partners / 1_000_000
        seconds = result.get("sending")
        rows.append(
            (
                "preparation against the limit",
                "-"
                if seconds is None
                else f"{'OK' if seconds <= limit else 'TOO SLOW'} ({limit:.0f} s)",
            )
        )
    check = result["check"]
    rows += [
        ("partners of the marker", f"{check['partners']:,}"),
        ("message rows", f"{check['rows']:,}"),
        ("distinct partners", f"{check['distinct']:,}"),
        ("partners without a row", f"{check['missing']:,}"),
        ("partners with 2+ rows", f"{check['doubled']:,}"),
        (
            "rows by state",
            ", ".join(f"{k} {v:,}" for k, v in sorted(check["states"].items())),
        ),
    ]
    for label, value in rows:
        print(f"  {label:34}{value}")
    print("  slowest requests:")
    for label, seconds in slowest[:8]:
        print(f"    {seconds:7.2f} s  {label}")
    print("  memory (RSS, MB) of each Odoo process:")
    print(f"    {'pid':>8} {'kind':8}{'start':>8}{'before':>8}{'peak':>8}{'growth':>8}")
    worst = 0.0
    for pid, stat in sorted(sampler.stats.items(), key=lambda i: (i[1]["kind"], i[0])):
        base = stat["base"] if stat["base"] is not None else stat["first"]
        growth = stat["peak"] - base
        if stat["kind"] in ("http", "cron"):
            worst = max(worst, growth)
        print(
            f"    {pid:>8} {stat['kind']:8}{stat['first']:>8.0f}"
            f"{(stat['base'] or 0):>8.0f}{stat['peak']:>8.0f}{growth:>+8.0f}"
            + ("" if stat["base"] is not None else "  (started after the send)")
        )
    verdicts = [
        ("no request over 2 s", slowest[0][1] <= LIMIT_REQUEST_SECONDS),
        (f"worker growth at most +{LIMIT_GROWTH_MB:.0f} MB", worst <= LIMIT_GROWTH_MB),
        ("one message row per partner", check["ok"]),
    ]
    if partners >= 1_000_000:
        seconds = result.get("sending")
        verdicts.append(
            (
                "1,000,000 prepared within 60 s",
                seconds is not None
                and seconds <= LIMIT_PREPARE_SECONDS_1M * partners / 1_000_000,
            )
        )
    for label, ok in verdicts:
        print(f"  => {'OK  ' if ok else 'FAIL'} {label}")
    if check.get("sample"):
        print(f"  sample text: {check['sample']!r}")
    return all(ok for _l, ok in verdicts)


def fmt_seconds(value):
    return "-" if value is None else f"{value:.1f}"


def load_average():
    return "/".join(f"{v:.2f}" for v in os.getloadavg())


def run(args):
    args.addons_path = args.addons_path or bench_lib.default_addons_path()
    prepare_db(args)
    log_path = args.log or tempfile.mkstemp(prefix="bprep_", suffix=".log")[1]
    server = Server(args, log_path)
    print(f"starting Odoo (log {log_path}) ...", flush=True)
    server.start()
    sampler = Sampler(server)
    sampler.start()
    client = WebClient(server)
    result = {"load_before": load_average()}
    try:
        print("sending from the partner list ...", flush=True)
        mailing_id, clicked, result["estimate"] = click_send(client, args, sampler)

        def progress(values):
            if values.get("prepare_step") == "write" and "staged" not in result:
                result["staged"] = values["at"] - clicked

        final, _polls = poll(client, mailing_id, timeout=args.timeout, on_poll=progress)
        result["final"] = final
        if final.get("state") == "sending":
            result["sending"] = final["at"] - clicked
        result["cpu"] = cpu_used(sampler.cpu_at_click, sampler.cpu_mark(args.db))
        # The user reloads the form of the mailing now sending.
        read_form(client, mailing_id, "mailing web_read (form, sending)")
        result["load_after"] = load_average()
    finally:
        sampler.stop()
        server.stop()
    result["check"] = check_rows(args.db, mailing_id, marker(args))
    return print_report(args, client, sampler, result)


def serve_odoo():
    """Run as Odoo's command line (the server this bench starts, with its
    own argv). Odoo's master spawns its long-polling server as ``<this
    script> gevent ...``: when that cannot start (on the bench machine
    gevent's plugin loader fails on zope.interface's metadata), a stand-in
    sleeps in its place, so that the master does not respawn it every
    second (a Python start each time, on the cores being measured). The
    bench uses no bus or websocket."""
    if sys.argv[1:2] == ["gevent"]:
        try:
            import odoo.cli

            odoo.cli.main()
        except Exception as error:  # noqa: BLE001 (the environment's fault)
            print(
                f"long-polling server not started ({type(error).__name__}: "
                f"{error}); a stand-in sleeps in its place",
                file=sys.stderr,
                flush=True,
            )
            threading.Event().wait()
        return
    import odoo.cli

    odoo.cli.main()


def main():
    if os.environ.get(SERVE_ENV):
        serve_odoo()
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    add_arguments(parser)
    args = parser.parse_args()
    try:
        ok = run(args)
    finally:
        if args.drop:
            bench_lib.drop_db(args.db)
            print(f"dropped {args.db}")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
