# Copyright 2026 sms_gateway authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Attacks on a running Odoo with sms_gateway, over JSON-RPC and HTTP (not CI).

The same attacks as the addon's ``tests/test_security_*.py``, tried from
outside the way an attacker would: each person logs in through
``/web/session/authenticate`` and calls ``/web/dataset/call_kw``; delivery
report routes get raw HTTP. The administrator (``--admin``/``--password``)
prepares the people and the data (users of each kind, a partner of another
company, a group of another user, a queued mailing), then each attack is tried
and one line printed: ``refused`` (what the attacker wanted did not happen) or
``OPEN`` (it did). Exit status 1 when any attack is open.

Use a throwaway database (it creates users and records, and writes a fake
SMSAPI account, archived, with a fake token):

    odoo -d sec_check -i sms_gateway --http-port=8069 &
    python3 bench/check_security_rpc.py --url http://127.0.0.1:8069 -d sec_check
"""

import argparse
import base64
import json
import sys
import uuid

import requests

TIMEOUT = 60


class Session:
    """One logged-in person (or nobody, for ``login=None``)."""

    def __init__(self, url, db, login=None, password=None):
        self.url = url.rstrip("/")
        self.http = requests.Session()
        self.uid = None
        if login:
            result = self._post(
                "/web/session/authenticate",
                {"db": db, "login": login, "password": password},
            )
            if "error" in result:
                raise SystemExit(f"cannot log in as {login}: {result['error']}")
            self.uid = result["result"]["uid"]

    def _post(self, path, params):
        response = self.http.post(
            self.url + path,
            json={"jsonrpc": "2.0", "method": "call", "id": 1, "params": params},
            timeout=TIMEOUT,
        )
        response.raise_for_status()
        return response.json()

    def call(self, model, method, *args, **kwargs):
        """The result, or raise RpcError with the server's error."""
        answer = self._post(
            f"/web/dataset/call_kw/{model}/{method}",
            {"model": model, "method": method, "args": list(args), "kwargs": kwargs},
        )
        if "error" in answer:
            data = answer["error"].get("data") or {}
            raise RpcError(data.get("name", ""), data.get("message", str(answer)))
        if "result" not in answer:
            raise RpcError("no result", str(answer)[:200])
        return answer["result"]

    def tries(self, model, method, *args, **kwargs):
        """(ok, result or error) without raising."""
        try:
            return True, self.call(model, method, *args, **kwargs)
        except RpcError as error:
            return False, error


class RpcError(Exception):
    def __init__(self, name, message):
        super().__init__(f"{name}: {message}")
        self.name = name


class Check:
    def __init__(self, args):
        self.args = args
        self.admin = Session(args.url, args.db, args.admin, args.password)
        self.results = []
        self.tag = uuid.uuid4().hex[:8]

    # -- set-up --------------------------------------------------------------
    def ref(self, xmlid):
        module, name = xmlid.split(".")
        rows = self.admin.call(
            "ir.model.data",
            "search_read",
            [("module", "=", module), ("name", "=", name)],
            ["res_id"],
        )
        return rows[0]["res_id"]

    def user(self, kind, groups, company_id=None):
        login = f"attack_{kind}_{self.tag}"
        values = {
            "name": f"Attacker {kind}",
            "login": login,
            "password": login,
            "groups_id": [(6, 0, [self.ref(g) for g in groups])],
        }
        if company_id:
            values.update(company_id=company_id, company_ids=[(6, 0, [company_id])])
        uid = self.admin.call("res.users", "create", values)
        session = Session(self.args.url, self.args.db, login, login)
        session.uid = uid
        return session

    def setup(self):
        a = self.admin
        self.company_id = a.call("res.users", "read", [a.uid], ["company_id"])[0][
            "company_id"
        ][0]
        self.company_b = a.call(
            "res.company", "create", {"name": f"Other Company {self.tag}"}
        )
        a.call(
            "res.users",
            "write",
            [a.uid],
            {"company_ids": [(4, self.company_b)]},
        )
        user, accountant = (
            "sms_gateway.group_sms_gateway_user",
            ("sms_gateway.group_sms_gateway_accountant"),
        )
        self.people = {
            "user": self.user("user", ["base.group_user", user]),
            "other user": self.user("other", ["base.group_user", user]),
            "accountant": self.user("accountant", ["base.group_user", accountant]),
            "user+accountant": self.user("both", ["base.group_user", user, accountant]),
            "employee": self.user("employee", ["base.group_user"]),
            "portal": self.user("portal", ["base.group_portal"]),
            "company B user": self.user(
                "companyb", ["base.group_user", user], self.company_b
            ),
        }
        self.people["anonymous"] = Session(self.args.url, self.args.db)
        self.token = f"ATTACK-TOKEN-{self.tag}"
        # An SMSAPI account with a token (archived: the sandbox keeps sending)
        # and a sandbox account of company B.
        self.account = a.call(
            "sms.gateway.account",
            "create",
            {
                "name": f"SMSAPI {self.tag}",
                "provider": "smsapi",
                "smsapi_token": self.token,
                "company_id": self.company_id,
                "active": False,
            },
        )
        self.account_b = a.call(
            "sms.gateway.account",
            "create",
            {
                "name": f"Sandbox B {self.tag}",
                "provider": "sandbox",
                "company_id": self.company_b,
            },
        )
        self.system_group = self.ref("base.group_system")
        self.partner = a.call(
            "res.partner",
            "create",
            {
                "name": f"Consenting Partner {self.tag}",
                "mobile": "+358401234567",
                "email": f"consent-{self.tag}@example.com",
                "sms_consent": "granted",
                "company_id": self.company_id,
            },
        )
        self.partner_b = a.call(
            "res.partner",
            "create",
            {
                "name": f"Company B Secret Partner {self.tag}",
                "mobile": "+46701234567",
                "email": f"secret-b-{self.tag}@example.com",
                "company_id": self.company_b,
            },
        )
        self.partner_fail = a.call(
            "res.partner",
            "create",
            {
                "name": f"Refused Number {self.tag}",
                "mobile": "+358401230000",
                "sms_consent": "granted",
                "company_id": self.company_id,
            },
        )
        sandbox = a.call(
            "sms.gateway.account",
            "search",
            [("company_id", "=", self.company_id), ("provider", "=", "sandbox")],
        )
        if not sandbox:
            a.call(
                "sms.gateway.account",
                "create",
                {"name": "Sandbox", "provider": "sandbox", "sequence": 1},
            )
        self.dispatch_cron = self.ref("sms_gateway.ir_cron_sms_gateway_dispatch")
        other = self.people["other user"]
        self.other_group = other.call(
            "sms.gateway.group", "create", {"name": f"Other's group {self.tag}"}
        )
        # A mailing of "user", scheduled for tomorrow: its messages stay queued.
        self.text = f"Private text {self.tag}"
        self.mailing, self.message_ids = self.send_later(self.people["user"])

    def send(self, person, partner, values):
        """Send ``values`` (the send window's) to ``partner`` as ``person``:
        the mailing's id and its messages' ids."""
        context = {"active_model": "res.partner", "active_ids": [partner]}
        values = dict(values, allow_duplicates=True)
        wizard = person.call(
            "sms.gateway.send.wizard", "create", values, context=context
        )
        action = person.call(
            "sms.gateway.send.wizard", "action_send", [wizard], context=context
        )
        mailing = action["res_id"]
        messages = self.admin.call(
            "sms.gateway.message", "search", [("mailing_id", "=", mailing)]
        )
        return mailing, messages

    def send_later(self, person, text=None):
        """A mailing of ``person`` scheduled far ahead: its messages stay queued."""
        return self.send(
            person,
            self.partner,
            {
                "body": text or self.text,
                "send_mode": "later",
                "scheduled_at": "2099-01-01 08:00:00",
            },
        )

    # -- reporting -----------------------------------------------------------
    def report(self, person, attack, is_open, detail=""):
        self.results.append(is_open)
        state = "OPEN   " if is_open else "refused"
        print(f"{state} {person:16} {attack}" + (f"  [{detail}]" if detail else ""))

    def is_admin(self, session):
        groups = self.admin.call("res.users", "read", [session.uid], ["groups_id"])
        return self.system_group in groups[0]["groups_id"]

    def demote(self, session):
        self.admin.call(
            "res.users",
            "write",
            [session.uid],
            {"groups_id": [(3, self.system_group)]},
        )

    # -- attacks ---------------------------------------------------------------
    def evil_domain(self):
        return (
            "[('id', '=', user.sudo().write({'groups_id': [(4, %d)]}) and 0)]"
            % self.system_group
        )

    def attack_domain_code(self):
        for name in ("user", "user+accountant"):
            person = self.people[name]
            ok, result = person.tries(
                "sms.gateway.group",
                "create",
                {
                    "name": "evil",
                    "is_dynamic": True,
                    "partner_domain": self.evil_domain(),
                },
            )
            if ok:
                person.tries("sms.gateway.group", "read", [result], ["member_count"])
            became = self.is_admin(person)
            self.report(name, "code in a group's dynamic filter makes me admin", became)
            self.demote(person)
            ok, wizard = person.tries(
                "sms.gateway.send.wizard",
                "create",
                {"body": "x", "partner_domain": self.evil_domain()},
                context={"active_model": "res.partner", "active_domain": []},
            )
            if ok:
                person.tries(
                    "sms.gateway.send.wizard", "read", [wizard], ["count_sendable"]
                )
            became = self.is_admin(person)
            self.report(name, "code in the send window's domain makes me admin", became)
            self.demote(person)

    def attack_placeholder(self):
        admin_partner = self.admin.call(
            "res.users", "read", [self.admin.uid], ["partner_id"]
        )[0]["partner_id"][0]
        person = self.people["user"]
        for path in (
            "object.user_ids.company_id.sms_gateway_account_ids.smsapi_token",
            "object.company_id.sms_gateway_account_ids.smsapi_token",
            "object.env.company.sms_gateway_account_ids.smsapi_token",
            "object.env['sms.gateway.account'].sudo().search([]).smsapi_token",
        ):
            ok, wizard = person.tries(
                "sms.gateway.send.wizard",
                "create",
                {"body": "{{ %s }}" % path, "preview_partner_id": admin_partner},
                context={"active_model": "res.partner", "active_ids": [admin_partner]},
            )
            leaked = False
            if ok:
                ok, rows = person.tries(
                    "sms.gateway.send.wizard", "read", [wizard], ["preview_body"]
                )
                leaked = ok and self.token in json.dumps(rows)
            self.report("user", f"provider token through {{{{ {path} }}}}", leaked)

    def attack_texts(self):
        for name in (
            "accountant",
            "user+accountant",
            "other user",
            "employee",
            "portal",
            "company B user",
        ):
            person = self.people[name]
            ok, rows = person.tries(
                "mail.message",
                "search_read",
                [("body", "ilike", self.text)],
                ["body"],
            )
            self.report(
                name,
                "reads another sender's SMS text in the chatter",
                ok and bool(rows),
            )
            ok, rows = person.tries(
                "sms.gateway.message",
                "search_read",
                [("id", "in", self.message_ids)],
                ["body"],
            )
            leaked = ok and any(r.get("body") for r in rows)
            self.report(name, "reads another sender's SMS text on the message", leaked)

    def failed_mailing(self):
        """A mailing of "user" whose one message failed (the sandbox refuses
        numbers ending in 0000)."""
        mailing, message_ids = self.send(
            self.people["user"], self.partner_fail, {"body": f"{self.text} failing"}
        )
        self.admin.call("ir.cron", "method_direct_trigger", [self.dispatch_cron])
        states = self.admin.call("sms.gateway.message", "read", message_ids, ["state"])
        assert [m["state"] for m in states] == ["failed"], states
        return mailing, message_ids

    def attack_state_changes(self):
        for name in (
            "accountant",
            "user+accountant",
            "other user",
            "employee",
            "portal",
            "company B user",
            "anonymous",
        ):
            person = self.people[name]
            for model, method, prepare in (
                ("sms.gateway.message", "action_cancel", self.send_later),
                ("sms.gateway.mailing", "action_cancel", self.send_later),
                ("sms.gateway.message", "action_mark_sent", self.send_later),
                ("sms.gateway.message", "action_resend", self.failed_mailing),
                ("sms.gateway.mailing", "action_resend_failed", self.failed_mailing),
            ):
                mailing, message_ids = (
                    prepare(self.people["user"])
                    if prepare == self.send_later
                    else prepare()
                )
                ids = message_ids if model == "sms.gateway.message" else [mailing]
                fields = ["state", "attempt_count"]
                before = self.admin.call(
                    "sms.gateway.message", "read", message_ids, fields
                )
                person.tries(model, method, ids)
                after = self.admin.call(
                    "sms.gateway.message", "read", message_ids, fields
                )
                self.report(
                    name, f"{model}.{method} on another's messages", before != after
                )

    def attack_readonly_fields(self):
        person = self.people["user"]
        ok, _ = person.tries(
            "sms.gateway.mailing",
            "write",
            [self.mailing],
            {"body": "changed after queueing", "sender": "EVIL"},
        )
        self.report("user", "changes own mailing's text and sender after queueing", ok)

    def attack_members(self):
        person = self.people["user"]
        group = person.call("sms.gateway.group", "create", {"name": f"mine {self.tag}"})
        ok, member = person.tries(
            "sms.gateway.group.member",
            "create",
            {"group_id": group, "partner_id": self.partner_b},
        )
        leaked = False
        if ok:
            ok2, rows = person.tries("sms.gateway.group.member", "read", [member])
            leaked = ok2 and f"secret-b-{self.tag}" in json.dumps(rows)
        self.report("user", "adds another company's partner to own group", ok)
        self.report("user", "reads another company's partner through a member", leaked)
        mine = person.call(
            "sms.gateway.group.member",
            "create",
            {"group_id": group, "partner_id": self.partner},
        )
        ok, _ = person.tries(
            "sms.gateway.group.member", "write", [mine], {"group_id": self.other_group}
        )
        moved = (
            self.admin.call("sms.gateway.group.member", "read", [mine], ["group_id"])[
                0
            ]["group_id"][0]
            == self.other_group
        )
        self.report("user", "moves a member into another user's group", moved)
        # The group form's Send SMS: only who may send to the group.
        for name in ("user", "accountant", "employee", "portal", "company B user"):
            ok, _ = self.people[name].tries(
                "sms.gateway.group", "action_send_sms", [self.other_group]
            )
            self.report(name, "opens Send SMS on another user's group", ok)

    def attack_wizards(self):
        owner = self.people["user"]
        draft = f"Draft nobody else may read {self.tag}"
        owner.call(
            "sms.gateway.send.wizard",
            "create",
            {"body": draft},
            context={"active_model": "res.partner", "active_ids": [self.partner]},
        )
        for name in (
            "other user",
            "user+accountant",
            "accountant",
            "employee",
            "portal",
        ):
            ok, rows = self.people[name].tries(
                "sms.gateway.send.wizard",
                "search_read",
                [("body", "ilike", draft)],
                ["body"],
            )
            self.report(name, "reads another user's send draft", ok and bool(rows))

    def attack_import_files(self):
        owner = self.people["user"]
        group = owner.call("sms.gateway.group", "create", {"name": f"imp {self.tag}"})
        csv = f"name,mobile\nImported Secret {self.tag},+358401112233\n"
        wizard = owner.call(
            "sms.gateway.group.import",
            "create",
            {
                "group_id": group,
                "filename": "people.csv",
                "file": base64.b64encode(csv.encode()).decode(),
            },
        )
        owner.tries("sms.gateway.group.import", "action_import", [wizard])
        for name in (
            "other user",
            "user+accountant",
            "accountant",
            "employee",
            "portal",
        ):
            person = self.people[name]
            ok, rows = person.tries(
                "sms.gateway.group.import", "search_read", [], ["file", "summary"]
            )
            leaked = ok and any(r.get("file") for r in rows)
            self.report(name, "reads another user's uploaded import file", leaked)
            ok, rows = person.tries(
                "sms.gateway.group.import.line",
                "search_read",
                [("name", "ilike", f"Imported Secret {self.tag}")],
                ["name"],
            )
            self.report(
                name, "reads another user's import report lines", ok and bool(rows)
            )

    def attack_export_file(self):
        owner = self.people["user+accountant"]
        export = owner.call("sms.gateway.usage.export", "create", {})
        owner.tries("sms.gateway.usage.export", "action_export", [export])
        attachment = owner.call(
            "sms.gateway.usage.export", "read", [export], ["attachment_id"]
        )[0]["attachment_id"]
        if not attachment:
            self.report("user+accountant", "billing export made no file", True)
            return
        for name in ("other user", "accountant", "employee", "portal", "anonymous"):
            person = self.people[name]
            ok, rows = person.tries(
                "ir.attachment", "read", [attachment[0]], ["datas", "name"]
            )
            leaked = ok and any(r.get("datas") for r in rows)
            response = person.http.get(
                f"{self.args.url}/web/content/{attachment[0]}?download=true",
                timeout=TIMEOUT,
            )
            leaked = leaked or (
                response.status_code == 200 and response.content[:2] == b"PK"
            )
            self.report(name, "downloads another user's billing export", leaked)

    def attack_settings_buttons(self):
        for name in ("user", "accountant", "employee", "portal", "company B user"):
            person = self.people[name]
            for method in (
                "action_confirm_location",
                "action_test_connection",
                "action_check_balance",
                "action_send_test",
                "action_renew_callback_secret",
                "copy",
                "unlink",
            ):
                ok, _ = person.tries("sms.gateway.account", method, [self.account])
                self.report(name, f"runs the SMS account's {method}", ok)
            ok, _ = person.tries(
                "sms.gateway.account",
                "write",
                [self.account],
                {"smsapi_base_url": "https://attacker.example"},
            )
            self.report(name, "changes an SMS account's address", ok)
            ok, _ = person.tries(
                "sms.gateway.account",
                "create",
                {"name": "Mine", "provider": "sandbox", "company_id": self.company_id},
            )
            self.report(name, "creates an SMS account", ok)
            ok, _ = person.tries("res.config.settings", "create", {})
            self.report(name, "opens the settings", ok)
        # Settings' test SMS, on a settings row an administrator made.
        settings = self.admin.call(
            "res.config.settings",
            "create",
            {"sms_gateway_test_number": "+358401234567"},
        )
        for name in ("user", "accountant", "employee", "portal", "company B user"):
            ok, _ = self.people[name].tries(
                "res.config.settings", "action_sms_gateway_send_test", [settings]
            )
            self.report(name, "sends the Settings' test SMS", ok)

    def attack_public_renderer(self):
        person = self.people["user"]
        ok, _ = person.tries(
            "sms.gateway.mailing", "render_for", [self.mailing], self.partner_b
        )
        self.report("user", "calls the mailing's renderer over RPC", ok)

    def attack_secrets(self):
        secrets = (self.token, self.secret())
        for name, person in self.people.items():
            for field in ("callback_secret", "smsapi_token", "location"):
                ok, rows = person.tries(
                    "sms.gateway.account", "read", [self.account], [field]
                )
                self.report(
                    name,
                    f"reads the SMS account's {field}",
                    ok and bool(rows and rows[0].get(field)),
                )
            for model, method, args, kwargs in (
                (
                    "sms.gateway.account",
                    "search_read",
                    [[("smsapi_token", "!=", False)]],
                    {"fields": ["smsapi_token"]},
                ),
                (
                    "sms.gateway.account",
                    "export_data",
                    [[self.account], ["smsapi_token", "callback_secret"]],
                    {},
                ),
                (
                    "sms.gateway.message",
                    "web_search_read",
                    [[]],
                    {"specification": {"account_id": {"fields": {"smsapi_token": {}}}}},
                ),
                (
                    "sms.gateway.usage.report",
                    "web_read_group",
                    [[], ["sms_count:sum"], ["account_id.callback_secret"]],
                    {},
                ),
            ):
                ok, answer = person.tries(model, method, *args, **kwargs)
                self.report(
                    name,
                    f"{model}.{method} gives a credential",
                    ok and any(secret in json.dumps(answer) for secret in secrets),
                )

    def secret(self):
        return self.admin.call(
            "sms.gateway.account",
            "read",
            [self.account],
            ["callback_secret"],
            context={"active_test": False},
        )[0]["callback_secret"]

    def attack_callbacks(self):
        secret = self.secret()
        url = f"{self.args.url}/sms_gateway/delivery/smsapi/{self.account}/{secret}"
        nested = "[" * 100000 + "]" * 100000
        for label, body, ctype in (
            ("deeply nested JSON", nested, "application/json"),
            ("not UTF-8", b"\xff\xfe\xfa" * 100, "application/json"),
            ("a list of numbers", "[1, 2, 3]", "application/json"),
            (
                "wrong types",
                json.dumps({"MsgId": [1], "status": {"a": 1}}),
                "application/json",
            ),
        ):
            response = requests.post(
                url, data=body, headers={"Content-Type": ctype}, timeout=TIMEOUT
            )
            self.report(
                "anonymous",
                f"delivery report with {label} -> {response.status_code}",
                response.status_code >= 500,
            )
        wrong = f"{self.args.url}/sms_gateway/delivery/smsapi/{self.account_b}/{secret}"
        response = requests.post(
            wrong, data={"MsgId": "x", "status": "403"}, timeout=TIMEOUT
        )
        self.report(
            "anonymous",
            f"company A's secret on company B's route -> {response.status_code}",
            response.status_code < 400,
        )

    def attack_anonymous_rpc(self):
        for name in ("anonymous", "portal", "employee"):
            for model in (
                "sms.gateway.message",
                "sms.gateway.mailing",
                "sms.gateway.group",
                "sms.gateway.group.member",
                "sms.gateway.usage.report",
            ):
                ok, rows = self.people[name].tries(
                    model, "search_read", [], [], limit=5
                )
                self.report(name, f"lists {model}", ok and bool(rows))

    def run(self):
        self.setup()
        for attack in (
            self.attack_domain_code,
            self.attack_placeholder,
            self.attack_texts,
            self.attack_state_changes,
            self.attack_readonly_fields,
            self.attack_members,
            self.attack_wizards,
            self.attack_import_files,
            self.attack_export_file,
            self.attack_settings_buttons,
            self.attack_public_renderer,
            self.attack_secrets,
            self.attack_callbacks,
            self.attack_anonymous_rpc,
        ):
            try:
                attack()
            except (RpcError, requests.RequestException) as error:
                self.report("-", f"{attack.__name__} could not run: {error}", True)
        opened = sum(self.results)
        print(f"\n{len(self.results) - opened} refused, {opened} open")
        return 1 if opened else 0


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--url", default="http://127.0.0.1:8069")
    parser.add_argument("-d", "--db", required=True)
    parser.add_argument("--admin", default="admin")
    parser.add_argument("--password", default="admin")
    sys.exit(Check(parser.parse_args()).run())


if __name__ == "__main__":
    main()
