# Copyright 2026 sms_gateway authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Queue N partners chosen by a domain, with one placeholder: sms_gateway's
send wizard against Odoo's own SMS composer, on the same database; prints a
side-by-side table (seconds, messages per second, peak memory).

1. Writes ``--partners`` Finnish partners with SQL (``ref = 'BENCHQ<count>'``; see
   bench_lib.sql_partners: 93 % sendable, the rest consent unknown or
   refused, landline only or no number) and commits them; a later run with
   the same count reuses them.
2. In a fresh Odoo process (so that its peak RSS is its own), as the admin
   user: ``sms.gateway.send.wizard`` opened from the partner list with
   "select all" (context active_model, the first 20,000 active_ids as the web
   client sends them, active_domain ``[('ref', '=', 'BENCHQ100000')]``), body
   ``Hei {{ object.name }}, ...``, then ``action_send()`` and a flush. The
   transaction is rolled back.
3. In another fresh process: Odoo's ``sms.composer`` in mass mode
   (``default_composition_mode='mass'``, ``mass_keep_log=False``, every
   partner id in ``active_ids``: the composer has no domain mode), the same
   body, ``action_send_sms()`` and a flush; killed after
   ``--composer-timeout`` seconds. Rolled back too.

Peak memory is the process's peak RSS (ru_maxrss, and sampled from outside
so that a killed run still has a figure) and its growth over the RSS the
process had just before the send (Odoo loaded, partners not read).

    python3 bench/bench_queue.py --db bench5_queue --install --partners 100000
    python3 bench/bench_queue.py --db bench5_queue --partners 1000000 \\
        --composer-timeout 1800 [--skip-composer] [--drop]

``--install`` creates the database with sms_gateway when it does not exist;
``--drop`` drops it at the end (the partners are kept otherwise, for the next
run). Use the Python that runs Odoo; ``--addons-path`` defaults to Odoo's
addons folders and this repository.
"""

import argparse
import gc
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_lib

MARKER = "BENCHQ"  # + the partner count: runs of several sizes share a database
BODY = (
    "Hei {{ object.name }}, kevään kampanja alkaa huomenna! "
    "Vastaa STOP, jos et halua viestejä."
)
WEB_ACTIVE_IDS_LIMIT = 20000
# The limits for 100,000 recipients; ten times more time for 1,000,000.
LIMIT_SECONDS_100K = 20.0
LIMIT_MB_100K = 500.0


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--db", required=True)
    parser.add_argument("--partners", type=int, default=100_000)
    parser.add_argument("--addons-path")
    parser.add_argument("--composer-timeout", type=float, default=900)
    parser.add_argument("--skip-composer", action="store_true")
    parser.add_argument("--install", action="store_true")
    parser.add_argument("--drop", action="store_true")
    parser.add_argument("--child", choices=("ours", "odoo"), help=argparse.SUPPRESS)
    return parser.parse_args()


def max_ids_fitting(ids, limit):
    """How many of ``ids`` (a prefix) fit in ``limit`` characters of repr()."""
    length = 2  # the brackets
    for count, record_id in enumerate(ids):
        length += len(str(record_id)) + (2 if count else 0)
        if length > limit:
            return count
    return len(ids)


# ----------------------------------------------------------------------
# Children: one measurement each, rolled back
# ----------------------------------------------------------------------


def domain(args):
    return [("ref", "=", f"{MARKER}{args.partners}")]


def child(args):
    from odoo import SUPERUSER_ID, api

    DOMAIN = domain(args)
    registry = bench_lib.open_registry(args.db, args.addons_path)
    result = {"side": args.child}
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        admin = env.ref("base.user_admin")
        group = env.ref("sms_gateway.group_sms_gateway_user")
        if group not in admin.groups_id:
            admin.groups_id = [(4, group.id)]
        Partner = env["res.partner"]
        if args.child == "ours":
            # "Select all" in a list: the web client sends the first
            # web.active_ids_limit ids and the domain.
            ids = Partner.search(DOMAIN, limit=WEB_ACTIVE_IDS_LIMIT, order="id").ids
        else:
            ids = Partner.search(DOMAIN, order="id").ids
        result["selected"] = Partner.search_count(DOMAIN)
        cr.execute("SELECT COALESCE(max(id), 0) FROM sms_sms")
        last_sms = cr.fetchone()[0]
        env.flush_all()
        env.invalidate_all()
        gc.collect()
        uenv = env(user=admin.id, context={"lang": "en_US", "tz": "Europe/Helsinki"})
        result["rss_before_mb"] = bench_lib.rss_mb()
        print("START", flush=True)
        try:
            started = time.perf_counter()
            if args.child == "ours":
                wizard = (
                    uenv["sms.gateway.send.wizard"]
                    .with_context(
                        active_model="res.partner", active_ids=ids, active_domain=DOMAIN
                    )
                    .create({"body": BODY})
                )
                result["wizard_sendable"] = wizard.count_sendable
                action = wizard.action_send()
                env.flush_all()
                result["seconds"] = time.perf_counter() - started
                cr.execute(
                    "SELECT state, count(*) FROM sms_gateway_message"
                    " WHERE mailing_id = %s GROUP BY state",
                    [action["res_id"]],
                )
                states = dict(cr.fetchall())
                result["queued"] = states.get("queued", 0)
                result["excluded"] = states.get("canceled", 0)
                result["summary"] = (
                    env["sms.gateway.mailing"].browse(action["res_id"]).send_summary
                )
                cr.execute(
                    "SELECT body FROM sms_gateway_message WHERE mailing_id = %s"
                    " AND state = 'queued' ORDER BY id LIMIT 1",
                    [action["res_id"]],
                )
            else:
                # Odoo keeps the ids as repr() in a Char and reads them back with
                # literal_eval, limited to ODOO_LIMIT_LITEVAL_BUFFER (100 KiB).
                limit = int(os.environ.get("ODOO_LIMIT_LITEVAL_BUFFER") or 102400)
                result["literal_eval_limit"] = limit
                result["ids_repr_chars"] = len(repr(ids))
                result["max_ids_fitting"] = max_ids_fitting(ids, limit)
                composer = (
                    uenv["sms.composer"]
                    .with_context(
                        active_model="res.partner",
                        active_ids=ids,
                        default_composition_mode="mass",
                        default_mass_keep_log=False,
                    )
                    .create({"body": BODY})
                )
                composer.action_send_sms()
                env.flush_all()
                result["seconds"] = time.perf_counter() - started
                cr.execute(
                    "SELECT state, count(*) FROM sms_sms WHERE id > %s GROUP BY state",
                    [last_sms],
                )
                states = dict(cr.fetchall())
                result["queued"] = states.get("outgoing", 0)
                result["excluded"] = states.get("canceled", 0)
                cr.execute(
                    "SELECT body FROM sms_sms WHERE id > %s AND state = 'outgoing'"
                    " ORDER BY id LIMIT 1",
                    [last_sms],
                )
        except Exception as error:  # noqa: BLE001 (what a user would see)
            result["seconds"] = time.perf_counter() - started
            result["error"] = f"{type(error).__name__}: {error}"
            result["peak_rss_mb"] = bench_lib.peak_rss_mb()
            cr.rollback()
            print("RESULT " + json.dumps(result), flush=True)
            return
        row = cr.fetchone()
        result["sample"] = row[0] if row else None
        result["peak_rss_mb"] = bench_lib.peak_rss_mb()
        cr.rollback()
    print("RESULT " + json.dumps(result), flush=True)


# ----------------------------------------------------------------------
# Parent
# ----------------------------------------------------------------------


def prepare(args):
    from odoo import SUPERUSER_ID, api

    registry = bench_lib.open_registry(args.db, args.addons_path)
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        if not env["ir.module.module"].search_count(
            [("name", "=", "sms_gateway"), ("state", "=", "installed")]
        ):
            sys.exit(f"sms_gateway is not installed in {args.db}")
        marker = domain(args)[0][2]
        cr.execute("SELECT count(*) FROM res_partner WHERE ref = %s", [marker])
        existing = cr.fetchone()[0]
        if existing == args.partners:
            print(f"reusing {existing:,} partners (ref={marker})", flush=True)
            return
        started = time.perf_counter()
        if existing:
            bench_lib.delete_partners(cr, marker)
        bench_lib.sql_partners(cr, args.partners, marker)
        cr.commit()
        print(
            f"wrote {args.partners:,} partners with SQL in "
            f"{time.perf_counter() - started:.1f} s (ref={marker})",
            flush=True,
        )


def run_child(args, side, timeout, label=None, extra_env=None):
    """Run one measurement in a new process; sample its RSS from outside."""
    command = [
        sys.executable,
        __file__,
        "--db",
        args.db,
        "--child",
        side,
        "--partners",
        str(args.partners),
    ]
    if args.addons_path:
        command.append(f"--addons-path={args.addons_path}")
    stderr_file = tempfile.TemporaryFile(mode="w+")  # noqa: SIM115
    process = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=stderr_file,
        text=True,
        env=dict(os.environ, **(extra_env or {})),
    )
    peak = [0.0]
    started = [None]
    done = threading.Event()

    def sample():
        while not done.is_set():
            try:
                peak[0] = max(peak[0], bench_lib.rss_mb(process.pid))
            except Exception:  # noqa: BLE001 (the process ended)
                return
            done.wait(0.2)

    lines = []

    def read():
        for line in process.stdout:
            if line.startswith("START"):
                started[0] = time.perf_counter()
            lines.append(line)

    threads = [threading.Thread(target=sample), threading.Thread(target=read)]
    for thread in threads:
        thread.start()
    launched = time.perf_counter()
    failure = None
    # the timeout counts from the start of the send, not of Odoo's loading
    while process.poll() is None:
        now = time.perf_counter()
        if timeout is not None and (
            (started[0] is not None and now - started[0] > timeout)
            or (started[0] is None and now - launched > timeout + 300)
        ):
            process.kill()
            process.wait()
            break
        time.sleep(0.2)
    done.set()
    for thread in threads:
        thread.join()
    stderr_file.seek(0)
    stderr = stderr_file.read()
    stderr_file.close()
    result = next(
        (json.loads(line[7:]) for line in lines if line.startswith("RESULT ")), None
    )
    if result is None:
        elapsed = time.perf_counter() - (started[0] or launched)
        tail = " | ".join(stderr.strip().splitlines()[-3:])
        failure = (
            f"killed after {elapsed:.0f} s (timeout)"
            if process.returncode == -9
            else f"failed (exit {process.returncode}) after {elapsed:.0f} s: {tail}"
        )
        result = {"side": side, "seconds": elapsed}
    result["failure"] = failure or result.get("error")
    result["sampled_peak_rss_mb"] = peak[0]
    result["label"] = label or side
    return result


def fmt(value, spec):
    return "-" if value is None else format(value, spec)


def report(args, results):
    scale = args.partners / 100_000
    limit_s = LIMIT_SECONDS_100K * scale
    print()
    print(
        f"Queue {args.partners:,} partners chosen by a domain, one placeholder "
        f"({args.db}):"
    )
    width = 24
    header = f"{'':32}" + "".join(f"{r['label']:>{width}}" for r in results)
    print(header)
    print("-" * len(header))

    def peak(r):
        return max(r.get("peak_rss_mb") or 0, r["sampled_peak_rss_mb"])

    def row(label, value):
        cells = []
        for result in results:
            try:
                cell = value(result)
            except (KeyError, TypeError, ZeroDivisionError):
                cell = None
            cells.append("-" if cell is None else cell)
        print(f"{label:32}" + "".join(f"{cell:>{width}}" for cell in cells))

    row("selected partners", lambda r: f"{r['selected']:,}")
    row("messages queued", lambda r: f"{r['queued']:,}")
    row("recipients excluded (logged)", lambda r: f"{r['excluded']:,}")
    row(
        "seconds",
        lambda r: f"{r['seconds']:.1f}" + (" (failed)" if r["failure"] else ""),
    )
    row("queued per second", lambda r: f"{r['queued'] / r['seconds']:,.0f}")
    row("peak RSS, MB", lambda r: f"{peak(r):.0f}")
    row("RSS before the send, MB", lambda r: f"{r['rss_before_mb']:.0f}")
    row("RSS growth in the send, MB", lambda r: f"{peak(r) - r['rss_before_mb']:.0f}")
    for result in results:
        if result.get("failure"):
            print(f"  {result['label']}: {result['failure']}")
        if result.get("max_ids_fitting") is not None and result.get("failure"):
            print(
                f"    (the ids of the {result['selected']:,} partners take "
                f"{result['ids_repr_chars']:,} characters; at most "
                f"{result['max_ids_fitting']:,} of them fit in the "
                f"{result['literal_eval_limit']:,}-character literal_eval limit)"
            )
    ours = results[0]
    if ours.get("sample"):
        print(f"  sample text: {ours['sample']!r}")
    if ours.get("summary"):
        print(f"  mailing summary: {ours['summary']}")
    if not ours.get("failure"):
        limit_mb = LIMIT_MB_100K * max(scale, 1)
        print(
            f"  => ours {ours['seconds']:.1f} s "
            f"({'OK' if ours['seconds'] <= limit_s else 'TOO SLOW'} against "
            f"{limit_s:.0f} s), peak RSS {peak(ours):.0f} MB "
            f"({'OK' if peak(ours) <= limit_mb else 'OVER'} against {limit_mb:.0f} MB)"
        )
        for other in results[1:]:
            if not other.get("failure"):
                print(
                    f"  => {other['label']}: {other['seconds'] / ours['seconds']:.1f}"
                    f" times as long as ours"
                )


def main():
    args = parse_args()
    if args.child:
        child(args)
        return
    args.addons_path = args.addons_path or bench_lib.default_addons_path()
    if not bench_lib.db_exists(args.db):
        if not args.install:
            sys.exit(f"no database {args.db} (add --install to create it)")
        seconds = bench_lib.install_db(args.db, args.addons_path)
        print(f"created {args.db} with sms_gateway in {seconds:.0f} s")
    try:
        prepare(args)
        print("timing sms_gateway's send wizard ...", flush=True)
        results = [run_child(args, "ours", None, "sms_gateway wizard")]
        if not args.skip_composer:
            print(
                f"timing Odoo's sms.composer (timeout {args.composer_timeout:.0f}"
                " s) ...",
                flush=True,
            )
            stock = run_child(args, "odoo", args.composer_timeout, "Odoo composer")
            results.append(stock)
            if "buffer limit" in (stock.get("failure") or ""):
                print("again with ODOO_LIMIT_LITEVAL_BUFFER raised ...", flush=True)
                results.append(
                    run_child(
                        args,
                        "odoo",
                        args.composer_timeout,
                        "Odoo, limit raised",
                        {"ODOO_LIMIT_LITEVAL_BUFFER": str(2**30)},
                    )
                )
        report(args, results)
    finally:
        if args.drop:
            bench_lib.drop_db(args.db)
            print(f"dropped {args.db}")


if __name__ == "__main__":
    main()
