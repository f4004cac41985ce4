# Copyright 2026 sms_gateway authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Every screen an Accountant reaches opens, as the web client opens it.

For each menu of the SMS app the Accountant sees, and for the SMS buttons of a
partner's form, the test does over JSON-RPC what the browser does: load the
action, ``get_views`` of its views, ``web_search_read`` with the list view's
fields, ``web_read`` with the form view's fields, the pivot's and the search
view's groupings; on mailings that went to another user's group, to several
partners, of another sender and of another company. Every call must succeed
and never return a message text.
"""

import io
import json
from datetime import datetime

import openpyxl
from lxml import etree

from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tools.safe_eval import safe_eval

from .common import SmsGatewaySecurityCase

TEXTS = (
    "Olli's group text, private",
    "Sanna's text to two partners",
    "Ulla's own text",
    "Britt's text of the second company",
    "A reply to Olli, private",
)


def view_specification(arch, fields, models):
    """The ``web_read`` specification the web client builds from a view."""
    spec = {}
    root = etree.fromstring(arch)
    for node in root.iter("field"):
        # Fields of a sub-view (x2many inline list) belong to the co-model.
        if any(parent.tag == "field" for parent in node.iterancestors()):
            continue
        name = node.get("name")
        field = fields.get(name)
        if not field:
            continue
        if field["type"] == "many2one":
            spec[name] = {"fields": {"display_name": {}}}
        elif field["type"] in ("one2many", "many2many"):
            sub_fields = {"display_name": {}}
            comodel = models.get(field["relation"], {}).get("fields", {})
            for sub in node.iter("field"):
                if sub is not node and sub.get("name") in comodel:
                    sub_fields[sub.get("name")] = {}
            spec[name] = {"fields": sub_fields}
        else:
            spec[name] = {}
    return spec


@tagged("post_install", "-at_install", "sms_gateway_security")
class TestAccountantScreens(SmsGatewaySecurityCase, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_a = cls.env.company
        cls.user_accountant_ab = new_test_user(
            cls.env,
            login="sms_accountant_ab",
            name="Aino Accountant of both",
            groups="base.group_user,base.group_multi_company,"
            "sms_gateway.group_sms_gateway_accountant",
            company_id=cls.company_a.id,
            company_ids=[(6, 0, (cls.company_a | cls.company_b).ids)],
        )
        cls.partners = cls.env["res.partner"].create(
            [{"name": f"Recipient {n}", "mobile": f"+35840123450{n}"} for n in range(3)]
        )
        cls.partner_b = cls.env["res.partner"].create(
            {"name": "Recipient B", "company_id": cls.company_b.id}
        )
        cls.group = cls.env["sms.gateway.group"].create(
            {"name": "Olli's private group", "user_id": cls.user_sms_other.id}
        )
        cls.group_b = (
            cls.env["sms.gateway.group"]
            .with_company(cls.company_b)
            .create(
                {
                    "name": "Britt's group",
                    "user_id": cls.user_sms_b.id,
                    "company_id": cls.company_b.id,
                }
            )
        )
        cls.mailings = cls.env["sms.gateway.mailing"]
        cls.messages = cls.env["sms.gateway.message"]
        for user, text, partners, groups, company in (
            (cls.user_sms_other, TEXTS[0], cls.partners[:2], cls.group, cls.company_a),
            (cls.user_sms, TEXTS[1], cls.partners[1:], None, cls.company_a),
            (
                cls.user_sms_accountant,
                TEXTS[2],
                cls.partners[0],
                cls.group,
                cls.company_a,
            ),
            (cls.user_sms_b, TEXTS[3], cls.partner_b, cls.group_b, cls.company_b),
        ):
            mailing = cls.env["sms.gateway.mailing"].create(
                {
                    "name": f"Mailing of {user.name}",
                    "user_id": user.id,
                    "company_id": company.id,
                    "body": text,
                    "state": "done",
                    "group_ids": [(6, 0, groups.ids)] if groups else [],
                }
            )
            cls.mailings |= mailing
            cls.messages |= cls.env["sms.gateway.message"].create(
                [
                    {
                        "mailing_id": mailing.id,
                        "group_id": groups.id if groups else False,
                        "partner_id": partner.id,
                        "number": partner.mobile or "+46701234567",
                        "channel": "sms",
                        "body": text,
                        "chars": len(text),
                        "parts": 1,
                        "state": "delivered",
                        "sent_at": datetime(2026, 3, 10, 10, 0),
                        "user_id": user.id,
                        "company_id": company.id,
                    }
                    for partner in partners
                ]
            )
        # A reply to Olli's SMS: on the mailing (Replies) and in Received.
        answered = cls.messages.filtered(lambda m: m.user_id == cls.user_sms_other)[0]
        cls.messages |= cls.env["sms.gateway.message"].create(
            {
                "direction": "in",
                "state": "received",
                "partner_id": answered.partner_id.id,
                "number": answered.number,
                "body": TEXTS[4],
                "chars": len(TEXTS[4]),
                "parts": 0,
                "received_at": datetime(2026, 3, 10, 11, 0),
                "reply_to_id": answered.id,
                "reply_mailing_id": answered.mailing_id.id,
                "user_id": cls.user_sms_other.id,
                "company_id": cls.company_a.id,
                "inbound_done": True,
            }
        )
        cls.env.flush_all()

    # ------------------------------------------------------------------
    # What the web client does
    # ------------------------------------------------------------------

    def rpc(self, model, method, *args, **kwargs):
        kwargs.setdefault("context", {}).update(self.context)
        result = self.make_jsonrpc_request(
            f"/web/dataset/call_kw/{model}/{method}",
            {"model": model, "method": method, "args": list(args), "kwargs": kwargs},
        )
        self.assertNoText(result, f"{model}.{method}")
        return result

    def assertNoText(self, result, where):
        dumped = json.dumps(result, default=str)
        for text in self.forbidden_texts:
            self.assertNotIn(text, dumped, f"{self.login}: text in {where}")

    def load_action(self, action):
        if isinstance(action, str):
            action = self.env.ref(action).id
        if isinstance(action, int):
            action = self.make_jsonrpc_request(
                "/web/action/load", {"action_id": action}
            )
        return action

    def open_action(self, action, records=None):
        """Open a window action in each of its views: what the user sees (a
        menu's server action is run first, as the web client does)."""
        action = self.load_action(action)
        if action["type"] == "ir.actions.server":
            action = self.make_jsonrpc_request(
                "/web/action/run", {"action_id": action["id"], "context": self.context}
            )
        if action["type"] != "ir.actions.act_window":
            return action
        model = action["res_model"]
        views = [list(view) for view in action["views"]]
        views.append(
            [action.get("search_view_id") and action["search_view_id"][0], "search"]
        )
        result = self.rpc(
            model,
            "get_views",
            views=views,
            options={"load_filters": True, "action_id": action["id"], "toolbar": True},
        )
        models = result["models"]
        fields = models[model]["fields"]
        domain = self.eval_context(action.get("domain")) or []
        opened = {"action": action, "views": result["views"], "models": models}
        if "list" in result["views"]:
            spec = view_specification(result["views"]["list"]["arch"], fields, models)
            found = self.rpc(model, "web_search_read", domain, spec, limit=80)
            opened["ids"] = [row["id"] for row in found["records"]]
        if "form" in result["views"]:
            spec = view_specification(result["views"]["form"]["arch"], fields, models)
            ids = records.ids if records is not None else opened.get("ids") or []
            if action.get("res_id"):
                ids = [action["res_id"]]
            if ids:
                opened["form"] = self.rpc(model, "web_read", ids, spec)
            elif action.get("target") == "new":
                opened["form"] = self.rpc(model, "onchange", [], {}, [], spec)
        measures = []
        for kind in ("pivot", "graph"):
            if kind in result["views"]:
                arch = etree.fromstring(result["views"][kind]["arch"])
                measures += [
                    f"{node.get('name')}:sum"
                    for node in arch.iter("field")
                    if node.get("type") == "measure"
                ]
        search = etree.fromstring(result["views"]["search"]["arch"])
        groupbys = [
            self.eval_context(node.get("context"))["group_by"]
            for node in search.iter("filter")
            if "group_by" in (node.get("context") or "")
        ]
        # Typing in the search bar: the autocompletion of relational fields,
        # then the search itself.
        for node in search.iter("field"):
            name = node.get("name")
            field = fields.get(name, {})
            if field.get("relation") and node.get("filter_domain") is None:
                self.rpc(field["relation"], "name_search", name="Rec", limit=8)
            if node.get("filter_domain") is None:
                self.rpc(
                    model,
                    "web_search_read",
                    [(name, "ilike", "Rec")],
                    {"display_name": {}},
                    limit=80,
                )
        for groupby in groupbys:
            self.rpc(
                model,
                "read_group",
                domain,
                measures or ["__count"],
                [groupby],
                lazy=False,
            )
            if "list" in result["views"]:
                self.rpc(
                    model, "web_read_group", domain, ["__count"], [groupby], lazy=True
                )
        return opened

    @staticmethod
    def eval_context(text):
        if not text or isinstance(text, (dict, list)):
            return text or {}
        return safe_eval(
            text,
            {"uid": 1, "context_today": datetime.today, "allowed_company_ids": [1]},
        )

    def visible_actions(self, user):
        """The actions of the SMS app's menus ``user`` sees."""
        Menu = self.env["ir.ui.menu"].with_user(user)
        root = self.env.ref("sms_gateway.sms_gateway_menu_root")
        visible = Menu.browse(Menu._visible_menu_ids()) & Menu.search(
            [("id", "child_of", root.id)]
        )
        return [menu.action for menu in visible if menu.action]

    def open_everything(self, login, user, companies):
        self.login = login
        self.authenticate(login, login)
        self.context = {"allowed_company_ids": companies.ids, "lang": "en_US"}
        actions = self.visible_actions(user)
        self.assertTrue(actions)
        opened = {}
        for action in actions:
            opened[action.xml_id] = self.open_action(action.id)
        # A mailing's stat button, the partner's SMS buttons.
        for mailing_id in opened["sms_gateway.sms_gateway_mailing_action"]["ids"]:
            self.open_action(
                self.rpc("sms.gateway.mailing", "action_view_messages", [mailing_id])
            )
        partner_form = self.open_action(
            "base.action_partner_form",
            records=self.partners
            | self.partner_b.filtered(lambda p: p.company_id in companies),
        )
        for button in etree.fromstring(partner_form["views"]["form"]["arch"]).iter(
            "button"
        ):
            name = button.get("name") or ""
            if button.get("type") == "object" and "sms_gateway" in name:
                for partner in self.partners:
                    self.open_action(self.rpc("res.partner", name, [partner.id]))
        # The billing export, saved and downloaded as its button does.
        export = opened["sms_gateway.sms_gateway_usage_export_action"]
        values = {
            name: value
            for name, value in export["form"]["value"].items()
            if name in ("period", "date_from", "date_to", "grouping", "company_ids")
        }
        values["period"] = "custom"
        values["date_from"], values["date_to"] = "2026-03-01", "2026-03-31"
        values["company_ids"] = [(6, 0, companies.ids)]
        for grouping in ("user", "group"):
            values["grouping"] = grouping
            saved = self.rpc(
                "sms.gateway.usage.export", "web_save", [], values, specification={}
            )
            download = self.rpc(
                "sms.gateway.usage.export", "action_export", [saved[0]["id"]]
            )
            response = self.url_open(download["url"])
            self.assertEqual(response.status_code, 200)
            book = openpyxl.load_workbook(io.BytesIO(response.content))
            cells = [
                str(cell.value)
                for sheet in book
                for row in sheet.iter_rows()
                for cell in row
                if cell.value
            ]
            self.assertNoText(cells, f"billing export by {grouping}")
        return opened

    def mailing_form(self, opened, mailing):
        """The mailing's form values, as the accountant's browser got them."""
        action = opened["sms_gateway.sms_gateway_mailing_action"]
        models = action["models"]
        spec = view_specification(
            action["views"]["form"]["arch"],
            models["sms.gateway.mailing"]["fields"],
            models,
        )
        return spec, self.rpc("sms.gateway.mailing", "web_read", mailing.ids, spec)[0]

    # ------------------------------------------------------------------
    # The tests
    # ------------------------------------------------------------------

    def test_accountant_opens_every_screen(self):
        self.forbidden_texts = TEXTS
        opened = self.open_everything(
            "sms_accountant", self.user_accountant, self.company_a
        )
        self.assertEqual(
            set(opened),
            {
                "sms_gateway.sms_gateway_mailing_action",
                "sms_gateway.sms_gateway_mailing_action_scheduled",
                "sms_gateway.sms_gateway_message_action_open",
                "sms_gateway.sms_gateway_message_action_problems",
                "sms_gateway.sms_gateway_message_action_received",
                "sms_gateway.sms_gateway_usage_report_action",
                "sms_gateway.sms_gateway_usage_export_action",
            },
        )
        mailings = opened["sms_gateway.sms_gateway_mailing_action"]["ids"]
        company_a = self.mailings.filtered(lambda m: m.company_id == self.company_a)
        self.assertEqual(set(mailings), set(company_a.ids))
        # The mailing that went to Olli's group: its figures and the group's
        # name, not the group itself.
        spec, form = self.mailing_form(opened, self.mailings[0])
        self.assertNotIn("group_ids", spec)
        self.assertNotIn("body", spec)
        self.assertEqual(form["group_names"], "Olli's private group")
        self.assertEqual(form["count_delivered"], 2)
        # The message form names the group without a link to it.
        message_form = self.rpc(
            "sms.gateway.message", "get_views", views=[[False, "form"]]
        )["views"]["form"]["arch"]
        nodes = etree.fromstring(message_form).xpath("//field[@name='group_id']")
        self.assertEqual(len(nodes), 1)
        self.assertIn("no_open", nodes[0].get("options"))

    def test_accountant_of_two_companies_opens_every_screen(self):
        self.forbidden_texts = TEXTS
        opened = self.open_everything(
            "sms_accountant_ab",
            self.user_accountant_ab,
            self.company_a | self.company_b,
        )
        mailings = opened["sms_gateway.sms_gateway_mailing_action"]["ids"]
        self.assertEqual(set(mailings), set(self.mailings.ids))

    def test_user_accountant_opens_every_screen(self):
        self.forbidden_texts = TEXTS[:2] + TEXTS[3:]
        opened = self.open_everything(
            "sms_user_accountant", self.user_sms_accountant, self.company_a
        )
        mailings = opened["sms_gateway.sms_gateway_mailing_action"]["ids"]
        own = self.mailings.filtered(lambda m: m.user_id == self.user_sms_accountant)
        self.assertEqual(mailings, own.ids)
