# Copyright 2026 sms_gateway authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""SIGKILL during the background preparation of a large mailing, then
recovery: every partner must end with exactly one message row.

The setup is bench_prepare.py's (its functions): ``--partners`` Finnish
partners (``ref = 'BENCHP<count>'``), Odoo started with ``--workers=2
--max-cron-threads=2`` and default limits, the admin selects all partners of
the filter and sends ``Hei {{ object.name }}, ...`` through the wizard over
HTTP; the mailing's progress is read every second. When some but not all
chunks are written (``prepare_done`` between 10 % and 80 % of
``prepare_total``):

a. worker: SIGKILL of the cron worker(s) writing a chunk: the Odoo
   workers whose PostgreSQL connection is in a transaction that ran the
   chunk write (``pg_stat_activity``: a statement on
   ``sms_gateway_message`` or ``sms_gateway_mailing_recipient``; the
   connection is paired with its Odoo process through its Unix socket,
   ``ss -xp``; both lanes when both are writing). The master respawns them;
   the check waits until the mailing is "sending".
b. server: SIGKILL of the whole server (master, HTTP and cron workers, at
   once), then Odoo is started again; the check waits until "sending".

Each passes when the mailing is "sending", its message rows are as many as
the partners of the marker, as many distinct partners, no partner without a
row and none with two (the partners the rule excludes have their row too,
canceled with the reason), and the queued rows are the staged sendable
recipients. PASS/FAIL is printed per check with the counts; the time from
the kill to "sending" is printed too (a respawned cron worker first sleeps
up to 60 s + pid % 10 before it looks for jobs, unless a trigger wakes it).

    python3 bench/check_prepare_kill.py --db bprep_bench --install \\
        --partners 50000
    python3 bench/check_prepare_kill.py --db bprep_bench --partners 1000000 \\
        [--checks ab] [--drop]

Ports: ``--http-port`` (8610; gevent the next one).
"""

import argparse
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_lib
import bench_prepare

CHUNK_WRITE = re.compile(
    r"sms_gateway_message|sms_gateway_mailing_recipient", re.IGNORECASE
)
LOW, HIGH = 0.10, 0.80


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    bench_prepare.add_arguments(parser)
    parser.set_defaults(partners=1_000_000, http_port=8610)
    parser.add_argument("--checks", default="ab")
    return parser.parse_args()


def socket_owners():
    """{inode of a Unix socket: pid of the process holding it} (``ss -xp``),
    and {inode: inode of its peer}."""
    out = subprocess.run(
        ["ss", "-xpn"], capture_output=True, text=True, check=True
    ).stdout
    owner, peer = {}, {}
    for line in out.splitlines():
        fields = line.split()
        if len(fields) < 8 or fields[0] != "u_str":
            continue
        pids = re.findall(r"pid=(\d+)", line)
        try:
            local, remote = int(fields[5]), int(fields[7])
        except ValueError:
            continue
        peer[local] = remote
        if pids:
            owner[local] = int(pids[0])
    return owner, peer


def backend_clients(backend_pids):
    """{PostgreSQL backend pid: pid of the client process} over Unix
    sockets."""
    owner, peer = socket_owners()
    by_pid = {}
    for inode, pid in owner.items():
        by_pid.setdefault(pid, []).append(inode)
    clients = {}
    for backend in backend_pids:
        for inode in by_pid.get(backend, ()):
            client = owner.get(peer.get(inode))
            if client and client != backend:
                clients[backend] = client
    return clients


def writing_workers(db, cron_pids):
    """The cron workers (pids) whose connection is in a transaction that ran
    a statement of the chunk write, with what it ran."""
    with bench_prepare.connect("postgres") as conn, conn.cursor() as cr:
        cr.execute(
            """
            SELECT pid, state, left(regexp_replace(query, '\\s+', ' ', 'g'), 80)
              FROM pg_stat_activity
             WHERE datname = %s AND pid <> pg_backend_pid()
               AND xact_start IS NOT NULL
            """,
            [db],
        )
        backends = cr.fetchall()
    candidates = {pid: (state, query) for pid, state, query in backends}
    clients = backend_clients(list(candidates))
    found = {}
    for backend, (state, query) in candidates.items():
        client = clients.get(backend)
        if client in cron_pids and CHUNK_WRITE.search(query or ""):
            found[client] = f"backend {backend} {state}: {query}"
    return found


def in_window(values):
    total = values.get("prepare_total") or 0
    done = values.get("prepare_done") or 0
    return (
        values.get("prepare_step") == "write"
        and total
        and LOW * total <= done <= HIGH * total
    )


def run_check(args, name, log_path):
    print(f"\n=== {name}: SIGKILL mid-preparation", flush=True)
    bench_prepare.prepare_db(args)
    server = bench_prepare.Server(args, log_path)
    server.start()
    client = bench_prepare.WebClient(server)
    result = {"name": name}
    try:
        mailing_id, clicked, _estimate = bench_prepare.click_send(client, args)
        result["mailing"] = mailing_id
        killed = {}
        at_kill = None
        limit = time.monotonic() + args.timeout
        while not killed and time.monotonic() < limit:
            values, _polls = bench_prepare.poll(
                client,
                mailing_id,
                until=in_window,
                timeout=max(limit - time.monotonic(), 1),
            )
            if not in_window(values):
                result["failure"] = (
                    f"never caught between {LOW:.0%} and {HIGH:.0%} written "
                    f"(last: {values})"
                )
                return result
            at_kill = values
            if name.startswith("a"):
                crons = set(server.workers("cron"))
                for _attempt in range(50):
                    killed = writing_workers(args.db, crons)
                    if killed:
                        break
                    time.sleep(0.1)
                for pid in killed:
                    os.kill(pid, signal.SIGKILL)
                if not killed:
                    time.sleep(0.5)  # no chunk being written now: look again
            else:
                killed = {server.process.pid: "the whole server (process group)"}
                server.kill_all()
        killed_at = time.perf_counter()
        result["at_kill"] = (
            (at_kill or {}).get("prepare_done"),
            (at_kill or {}).get("prepare_total"),
        )
        result["killed"] = killed
        for pid, what in killed.items():
            print(f"  SIGKILL {pid}: {what}", flush=True)
        print(
            f"  at {result['at_kill'][0]:,} of {result['at_kill'][1]:,} written, "
            f"{killed_at - clicked:.1f} s after the click",
            flush=True,
        )
        if name.startswith("b"):
            time.sleep(2)
            server.start()
            print("  Odoo started again", flush=True)
        else:
            time.sleep(2)
            print(f"  cron workers now: {sorted(server.workers('cron'))}", flush=True)
        final, _polls = bench_prepare.poll(client, mailing_id, timeout=args.timeout)
        result["final"] = final
        result["recovery"] = final["at"] - killed_at
    finally:
        server.stop()
    result["check"] = bench_prepare.check_rows(
        args.db, mailing_id, bench_prepare.marker(args)
    )
    with bench_prepare.connect(args.db) as conn, conn.cursor() as cr:
        cr.execute(
            "SELECT state, prepare_step, prepare_total, prepare_error"
            " FROM sms_gateway_mailing WHERE id = %s",
            [mailing_id],
        )
        result["mailing_row"] = cr.fetchone()
    return result


def verdict(args, result):
    name = result["name"]
    if result.get("failure"):
        print(f"FAIL {name}: {result['failure']}")
        return False
    check = result["check"]
    state, step, total, error = result["mailing_row"]
    sendable = check["states"].get("queued", 0) + sum(
        v for k, v in check["states"].items() if k in ("sending", "sent", "failed")
    )
    ok = (
        state == "sending"
        and step == "done"
        and check["ok"]
        and total == check["partners"]
        and not error
    )
    print(
        f"{'PASS' if ok else 'FAIL'} {name}: mailing {state}/{step}; "
        f"{check['rows']:,} message rows for {check['partners']:,} partners of "
        f"the marker ({check['distinct']:,} distinct, {check['missing']:,} "
        f"without a row, {check['doubled']:,} with two or more; staged "
        f"{total:,}; to send {sendable:,}, excluded "
        f"{check['states'].get('canceled', 0):,}); "
        f"{result['recovery']:.0f} s from the kill to sending"
        + (f"; error: {error}" if error else "")
    )
    return ok


def main():
    args = parse_args()
    args.addons_path = args.addons_path or bench_lib.default_addons_path()
    log_path = args.log or tempfile.mkstemp(prefix="bprep_kill_", suffix=".log")[1]
    print(f"Odoo's log: {log_path}", flush=True)
    checks = {"a": "a. cron worker", "b": "b. whole server"}
    results = []
    try:
        for key in args.checks:
            results.append(run_check(args, checks[key], log_path))
    finally:
        if args.drop:
            bench_lib.drop_db(args.db)
            print(f"dropped {args.db}")
    print(
        f"\nSIGKILL during preparation, {args.partners:,} partners "
        f"(load average {bench_prepare.load_average()}):"
    )
    oks = [verdict(args, result) for result in results]
    with open(log_path) as log:
        errors = [line.rstrip() for line in log if " ERROR " in line]
    print(f"Odoo logged {len(errors)} ERROR line(s)" + (":" if errors else "."))
    for line in errors[:10]:
        print(f"  {line[:200]}")
    sys.exit(0 if all(oks) else 1)


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    main()
