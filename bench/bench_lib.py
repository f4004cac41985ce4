# Copyright 2026 sms_gateway authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Helpers shared by bench_queue.py, bench_dispatch.py and
check_dispatch_reliability.py: find Odoo, open a registry, create a database
with sms_gateway, write many partners or queued messages with SQL.

Not a test module and not imported by the addon.
"""

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
# Finnish names (with ä, ö: GSM-7 letters) for the generated partners.
FIRST_NAMES = [
    "Matti",
    "Päivi",
    "Jörgen",
    "Aino",
    "Eero",
    "Kaisa",
    "Sven",
    "Mikko",
    "Ülle",
    "Björn",
    "Jussi",
    "Sanna",
    "Heikki",
    "Tuula",
    "Ville",
    "Riikka",
]
LAST_NAMES = [
    "Virtanen",
    "Hämäläinen",
    "Öberg",
    "Korhonen",
    "Nieminen",
    "Lindqvist",
    "Mäkinen",
    "Mäkelä",
    "Laine",
    "Heikkinen",
    "Koskinen",
    "Järvinen",
]


def default_addons_path():
    import odoo

    package = Path(odoo.__file__).resolve().parent
    paths = [package.parent / "addons", package / "addons", REPO_ROOT]
    return ",".join(str(p) for p in paths if p.is_dir())


def odoo_command():
    """How to run Odoo's command line with this interpreter (no shim)."""
    odoo_bin = os.environ.get("ODOO_BIN") or shutil.which("odoo-bin")
    if not odoo_bin and (Path(sys.executable).parent / "odoo").is_file():
        odoo_bin = str(Path(sys.executable).parent / "odoo")
    if odoo_bin:
        return [sys.executable, odoo_bin]
    return [sys.executable, "-c", "import odoo.cli; odoo.cli.main()"]


def db_exists(name):
    out = subprocess.run(
        [
            "psql",
            "-d",
            "postgres",
            "-Atc",
            f"SELECT 1 FROM pg_database WHERE datname = '{name}'",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    return out.stdout.strip() == "1"


def install_db(name, addons_path, log=None, modules="sms_gateway"):
    """Create ``name`` with sms_gateway (or ``modules``) installed, no demo
    data."""
    started = time.perf_counter()
    subprocess.run(
        [
            *odoo_command(),
            "-d",
            name,
            "-i",
            modules,
            "--stop-after-init",
            "--without-demo=all",
            "--no-http",
            f"--addons-path={addons_path}",
            "--log-level=warn",
            "--max-cron-threads=0",
        ],
        check=True,
        stdout=log or subprocess.DEVNULL,
        stderr=log or subprocess.DEVNULL,
    )
    return time.perf_counter() - started


def drop_db(name):
    subprocess.run(["dropdb", "--if-exists", "--force", name], check=False)
    filestore = Path.home() / ".local/share/Odoo/filestore" / name
    shutil.rmtree(filestore, ignore_errors=True)


def open_registry(db, addons_path=None, extra=()):
    import odoo
    from odoo.modules.registry import Registry

    odoo.tools.config.parse_config(
        [
            "-d",
            db,
            f"--addons-path={addons_path or default_addons_path()}",
            "--log-level=warn",
            *extra,
        ]
    )
    return Registry(db)


def rss_mb(pid=None):
    import psutil

    return psutil.Process(pid or os.getpid()).memory_info().rss / 2**20


def peak_rss_mb():
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# ----------------------------------------------------------------------
# Data written with SQL
# ----------------------------------------------------------------------


def sql_partners(cr, count, marker, start=1):
    """``count`` Finnish partners marked ``ref = marker``, written by SQL.

    Per 100 partners (by n % 100): 0-2 consent unknown, 3 consent refused
    (number on the opt-out list, as the addon keeps it), 4-5 landline only,
    6 no number at all, the other 93 a valid mobile (+35840 NNNNNNN) with
    consent granted. Numbers are unique.
    """
    cr.execute("SELECT id FROM res_country WHERE code = 'FI'")
    fi = cr.fetchone()[0]
    cr.execute(
        """
        INSERT INTO res_partner
            (name, complete_name, ref, active, type, is_company, partner_share,
             lang, country_id, mobile, phone, phone_sanitized, sms_number,
             sms_number_state, sms_number_error, sms_consent, sms_consent_date,
             sms_consent_source, email, email_normalized,
             create_uid, write_uid, create_date, write_date)
        SELECT v.name, v.name, %(marker)s, TRUE, 'contact', FALSE, TRUE, 'en_US',
               %(fi)s, v.mobile, v.phone, COALESCE(v.mobile, v.phone),
               COALESCE(v.mobile, v.phone),
               CASE WHEN v.mobile IS NOT NULL THEN 'mobile'
                    WHEN v.phone IS NOT NULL THEN 'landline' ELSE 'missing' END,
               CASE WHEN v.mobile IS NULL AND v.phone IS NOT NULL
                    THEN v.phone || ' is not a mobile number.' END,
               v.consent,
               CASE WHEN v.consent <> 'unknown' THEN now() AT TIME ZONE 'UTC' END,
               CASE WHEN v.consent <> 'unknown' THEN 'import' END,
               'bench' || v.n || '@example.fi', 'bench' || v.n || '@example.fi',
               1, 1, now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC'
          FROM (
            SELECT n,
                   (%(first)s::varchar[])[1 + n %% 16] || ' '
                   || (%(last)s::varchar[])[1 + (n / 16) %% 12] || ' ' || n AS name,
                   CASE WHEN n %% 100 NOT IN (4, 5, 6)
                        THEN '+35840' || lpad(n::text, 7, '0') END AS mobile,
                   CASE WHEN n %% 100 IN (4, 5)
                        THEN '+3589' || lpad(n::text, 7, '0') END AS phone,
                   CASE WHEN n %% 100 IN (0, 1, 2) THEN 'unknown'
                        WHEN n %% 100 = 3 THEN 'refused' ELSE 'granted' END AS consent
              FROM generate_series(%(start)s, %(stop)s) AS n
          ) v
        """,
        {
            "marker": marker,
            "fi": fi,
            "first": FIRST_NAMES,
            "last": LAST_NAMES,
            "start": start,
            "stop": start + count - 1,
        },
    )
    cr.execute(
        "UPDATE res_partner SET commercial_partner_id = id"
        " WHERE commercial_partner_id IS NULL AND ref = %s",
        [marker],
    )
    cr.execute(
        """
        INSERT INTO phone_blacklist (number, active, create_uid, write_uid,
                                     create_date, write_date)
        SELECT sms_number, TRUE, 1, 1, now() AT TIME ZONE 'UTC',
               now() AT TIME ZONE 'UTC'
          FROM res_partner
         WHERE ref = %s AND sms_consent = 'refused'
        ON CONFLICT DO NOTHING
        """,
        [marker],
    )
    cr.execute("ANALYZE res_partner")
    cr.execute("ANALYZE phone_blacklist")


def delete_partners(cr, marker):
    cr.execute(
        "DELETE FROM phone_blacklist WHERE number IN "
        "(SELECT sms_number FROM res_partner WHERE ref = %s)",
        [marker],
    )
    for table in ("sms_gateway_message", "sms_sms"):
        cr.execute(
            f"DELETE FROM {table} WHERE partner_id IN "
            "(SELECT id FROM res_partner WHERE ref = %s)",
            [marker],
        )
    cr.execute("DELETE FROM res_partner WHERE ref = %s", [marker])


def sql_queue_messages(
    cr, mailing_id, company_id, marker, count, body=None, user_id=2, personal=False
):
    """``count`` queued sms.gateway.message rows, one per sendable partner
    marked ``marker``, due now; returns how many. Their text is ``body``, the
    same for all (one part), or with ``personal`` each its own:
    ``PERSONAL_TEMPLATE`` rendered for its partner (``name`` in SQL, as
    ``_sms_insert_rendered`` writes it: body, hash, chars, parts); check those
    with ``check_personal_texts``."""
    if personal == (body is not None):
        raise ValueError("queue either one body or personal texts")
    if personal:
        text = "p.body"
        rendered = ", %(before)s || name || %(after)s AS body"
        parts = (
            "CASE WHEN length(p.body) <= 160 THEN 1"
            " ELSE (length(p.body) + 152) / 153 END"
        )
    else:
        text, rendered, parts = "%(body)s", "", "1"
    cr.execute(
        f"""
        INSERT INTO sms_gateway_message
            (uid, mailing_id, partner_id, number, channel, body, body_hash,
             encoding, chars, parts, state, scheduled_at, attempt_count, user_id,
             company_id, cost, create_uid, create_date, write_uid, write_date)
        SELECT md5(random()::text || clock_timestamp()::text || p.id),
               %(mailing)s, p.id, p.sms_number, 'sms', {text}, md5({text}),
               'GSM-7', length({text}), {parts}, 'queued',
               now() AT TIME ZONE 'UTC' - interval '1 minute', 0, %(user)s,
               %(company)s, 0, %(user)s, now() AT TIME ZONE 'UTC', %(user)s,
               now() AT TIME ZONE 'UTC'
          FROM (SELECT id, sms_number{rendered} FROM res_partner
                 WHERE ref = %(marker)s AND sms_number_state = 'mobile'
                   AND sms_consent = 'granted'
                 ORDER BY id LIMIT %(count)s) p
        """,
        {
            "mailing": mailing_id,
            "company": company_id,
            "marker": marker,
            "count": count,
            "body": body,
            "before": PERSONAL_BEFORE,
            "after": PERSONAL_AFTER,
            "user": user_id,
        },
    )
    inserted = cr.rowcount
    cr.execute("ANALYZE sms_gateway_message")
    return inserted


def partners_needed(messages):
    """How many generated partners give ``messages`` sendable ones (93 %)."""
    return messages * 100 // 93 + 200


def use_only_account(env, company, provider, **values):
    """Archive the company's SMS accounts and give it one of ``provider``."""
    Account = env["sms.gateway.account"].with_context(active_test=False)
    Account.search([("company_id", "=", company.id)]).write({"active": False})
    return Account.create(
        {
            "name": f"Bench {provider}",
            "provider": provider,
            "company_id": company.id,
            **values,
        }
    )


# ----------------------------------------------------------------------
# Personalised texts (``{{ object.name }}``), as a mailing renders them
# ----------------------------------------------------------------------

PERSONAL_BEFORE = "Hei "
PERSONAL_AFTER = ", kevään kampanja alkaa huomenna! Vastaa STOP, jos et halua viestejä."
# The mailing's body: what the send wizard stores and the dispatcher may use.
PERSONAL_TEMPLATE = PERSONAL_BEFORE + "{{ object.name }}" + PERSONAL_AFTER


def check_personal_texts(env, mailing, sample=50):
    """The first ``sample`` queued texts are what the mailing itself renders
    for their partners (``_sms_render_for``): raise when one differs."""
    env.cr.execute(
        "SELECT partner_id, body FROM sms_gateway_message WHERE mailing_id = %s"
        " ORDER BY id LIMIT %s",
        [mailing.id, sample],
    )
    rows = env.cr.fetchall()
    for partner_id, body in rows:
        rendered = mailing._sms_render_for(partner_id)
        if rendered != body:
            raise AssertionError(
                f"queued text {body!r} is not what the mailing renders: {rendered!r}"
            )
    env.cr.execute(
        "SELECT count(DISTINCT body), count(*) FROM sms_gateway_message"
        " WHERE mailing_id = %s",
        [mailing.id],
    )
    distinct, total = env.cr.fetchone()
    if distinct != total:
        raise AssertionError(f"{total - distinct} queued texts are not unique")
    return len(rows)
