# Copyright 2026 sms_gateway authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Settings > SMS > Large Sends: the background workers (the lanes of the
dispatch and prepare crons) and the threshold above which a send is
prepared in the background. Only system administrators change them, in
Python as over JSON-RPC; the form renders as the web client reads it."""

from lxml import etree

from odoo.exceptions import AccessError, ValidationError
from odoo.tests import HttpCase, JsonRpcException, new_test_user, tagged
from odoo.tools import mute_logger

from .common import SmsGatewaySecurityCase

THRESHOLD = "sms_gateway.prepare_threshold"
JOBS = ("dispatch", "prepare")


class BackgroundSettingsCase(SmsGatewaySecurityCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.user_access_rights = new_test_user(
            cls.env,
            login="bg_access_rights",
            name="Aarne Access-Rights",
            groups="base.group_user,base.group_erp_manager,"
            "sms_gateway.group_sms_gateway_manager",
        )
        cls.Dispatcher = cls.env["sms.gateway.dispatcher"]
        cls.ICP = cls.env["ir.config_parameter"].sudo()

    def save_settings(self, user=None, **values):
        settings = self.env["res.config.settings"].with_user(user or self.admin)
        settings.create(values).execute()

    def active_lanes(self):
        """For each job, the xml ids of its active lanes."""
        return {
            job: sorted(
                cron.get_external_id()[cron.id]
                for cron in self.Dispatcher._sms_cron_lanes(job)
            )
            for job in JOBS
        }

    def lanes(self, count):
        return {
            job: sorted(
                f"sms_gateway.ir_cron_sms_gateway_{job}"
                + ("" if lane == 1 else f"_{lane}")
                for lane in range(1, count + 1)
            )
            for job in JOBS
        }


@tagged("post_install", "-at_install")
class TestSettingsBackground(BackgroundSettingsCase):
    def test_background_workers_activate_and_archive_the_lanes(self):
        self.assertEqual(self.active_lanes(), self.lanes(2), "2 lanes by default")
        self.save_settings(sms_gateway_cron_lanes=3)
        self.assertEqual(self.active_lanes(), self.lanes(3))
        lane_4 = self.env.ref("sms_gateway.ir_cron_sms_gateway_prepare_4")
        self.assertFalse(lane_4.active)
        self.assertEqual(
            self.env["res.config.settings"]
            .with_user(self.admin)
            .create({})
            .sms_gateway_cron_lanes,
            3,
            "the form shows the lanes that run",
        )
        self.save_settings(sms_gateway_cron_lanes=1)
        self.assertEqual(self.active_lanes(), self.lanes(1), "only lane 1 stays")
        # Lane 1 is never archived, and a large send wakes only what runs.
        self.assertTrue(self.env.ref("sms_gateway.ir_cron_sms_gateway_dispatch").active)
        self.save_settings(sms_gateway_cron_lanes=4)
        self.assertEqual(self.active_lanes(), self.lanes(4))

    def test_background_workers_out_of_bounds_are_refused(self):
        for lanes in (0, 5, -1):
            with self.subTest(lanes=lanes):
                with self.assertRaisesMessage(
                    ValidationError, r"SMS background workers: from 1 to 4\."
                ):
                    self.save_settings(sms_gateway_cron_lanes=lanes)
                self.assertEqual(self.active_lanes(), self.lanes(2))

    def test_threshold_is_saved_and_decides_what_goes_in_the_background(self):
        self.save_settings(sms_gateway_prepare_threshold=3)
        self.assertEqual(self.ICP.get_param(THRESHOLD), "3")
        self.assertEqual(
            self.env["res.config.settings"]
            .with_user(self.admin)
            .create({})
            .sms_gateway_prepare_threshold,
            3,
        )
        partners = self.Partner.create(
            [
                {
                    "name": f"Threshold {n}",
                    "mobile": f"+35840778{n:04d}",
                    "country_id": self.country_fi.id,
                    "sms_consent": "granted",
                }
                for n in range(10, 17)
            ]
        )
        Mailing = self.env["sms.gateway.mailing"]
        Message = self.env["sms.gateway.message"].sudo()

        def send(recipients):
            wizard = (
                self.env["sms.gateway.send.wizard"]
                .with_user(self.user_sms)
                .with_context(active_model="res.partner", active_ids=recipients.ids)
                .create({"body": "Hello {{ object.name }}"})
            )
            return Mailing.browse(wizard.action_send()["res_id"])

        above = send(partners[:4])  # just above the threshold
        self.assertEqual(above.state, "preparing")
        self.assertEqual(above.prepare_step, "stage")
        self.assertFalse(Message.search([("mailing_id", "=", above.id)]))
        below = send(partners[4:7])  # at the threshold: at once
        self.assertEqual(below.state, "sending")
        self.assertFalse(below.prepare_step)
        self.assertEqual(
            Message.search([("mailing_id", "=", below.id)]).partner_id,
            partners[4:7],
        )

    def test_threshold_zero_prepares_every_bulk_send_in_the_background(self):
        """0 is a threshold (everything in the background), not "unset"."""
        self.save_settings(sms_gateway_prepare_threshold=0)
        self.assertEqual(self.env["sms.gateway.mailing"]._sms_prepare_threshold(), 0)
        self.assertEqual(
            self.env["res.config.settings"]
            .with_user(self.admin)
            .create({})
            .sms_gateway_prepare_threshold,
            0,
        )
        self.save_settings(sms_gateway_prepare_threshold=7)
        self.assertEqual(self.ICP.get_param(THRESHOLD), "7")

    def test_a_negative_threshold_is_refused(self):
        with self.assertRaisesMessage(ValidationError, "0 or more"):
            self.save_settings(sms_gateway_prepare_threshold=-1)
        self.assertFalse(self.ICP.get_param(THRESHOLD))

    @mute_logger("odoo.models", "odoo.addons.base.models.ir_model")
    def test_non_administrators_change_neither(self):
        row = self.env["res.config.settings"].with_user(self.admin).create({})
        row.write({"sms_gateway_cron_lanes": 4, "sms_gateway_prepare_threshold": 1})
        attackers = {
            "User": self.user_sms,
            "Manager": self.user_manager,
            "Accountant": self.user_accountant,
            "User+Accountant": self.user_sms_accountant,
            "Access Rights": self.user_access_rights,
        }
        for label, user in attackers.items():
            with self.subTest(user=label):
                with self.assertRaises(AccessError):
                    self.save_settings(user, sms_gateway_cron_lanes=4)
                with self.assertRaises(AccessError):
                    self.save_settings(user, sms_gateway_prepare_threshold=1)
                for method in ("execute", "set_values"):
                    with self.assertRaises(AccessError):
                        getattr(row.with_user(user), method)()
        self.assertEqual(self.active_lanes(), self.lanes(2))
        self.assertFalse(self.ICP.get_param(THRESHOLD))


@tagged("post_install", "-at_install")
class TestSettingsBackgroundRpc(BackgroundSettingsCase, HttpCase):
    """Over JSON-RPC, as the web client sends it."""

    def rpc(self, method, args, kwargs=None, route="call_kw"):
        path = f"/web/dataset/{route}" + (
            f"/res.config.settings/{method}" if route == "call_kw" else ""
        )
        return self.make_jsonrpc_request(
            path,
            {
                "model": "res.config.settings",
                "method": method,
                "args": args,
                "kwargs": kwargs or {},
            },
        )

    def form_spec(self):
        """The settings form and the specification the web client reads it
        with (the top-level fields of its arch)."""
        views = self.rpc("get_views", [], {"views": [[False, "form"]]})
        arch = views["views"]["form"]["arch"]
        fields = views["models"]["res.config.settings"]["fields"]
        spec = {}
        for node in etree.fromstring(arch).iter("field"):
            if any(parent.tag == "field" for parent in node.iterancestors()):
                continue
            field = fields.get(node.get("name"))
            if not field:
                continue
            if field["type"] in ("many2one", "one2many", "many2many"):
                spec[node.get("name")] = {"fields": {"display_name": {}}}
            else:
                spec[node.get("name")] = {}
        return arch, spec

    def test_administrator_reads_and_saves_the_form(self):
        self.authenticate(self.admin.login, self.admin.login)
        arch, spec = self.form_spec()
        for name in ("sms_gateway_cron_lanes", "sms_gateway_prepare_threshold"):
            self.assertIn(f'name="{name}"', arch)
            self.assertIn(name, spec)
        shown = self.rpc("onchange", [[], {}, [], spec])["value"]
        self.assertEqual(shown["sms_gateway_cron_lanes"], 2)
        self.assertEqual(shown["sms_gateway_prepare_threshold"], 5000)
        saved = self.rpc(
            "web_save",
            [[], {"sms_gateway_cron_lanes": 3, "sms_gateway_prepare_threshold": 40}],
            {"specification": spec},
        )
        self.rpc("execute", [[saved[0]["id"]]], route="call_button")
        self.assertEqual(self.active_lanes(), self.lanes(3))
        self.assertEqual(self.ICP.get_param(THRESHOLD), "40")
        reread = self.rpc("onchange", [[], {}, [], spec])["value"]
        self.assertEqual(
            (reread["sms_gateway_cron_lanes"], reread["sms_gateway_prepare_threshold"]),
            (3, 40),
        )

    @mute_logger("odoo.http", "odoo.models", "odoo.addons.base.models.ir_model")
    def test_non_administrators_get_access_error_over_rpc(self):
        row = self.env["res.config.settings"].with_user(self.admin).create({})
        row.write({"sms_gateway_cron_lanes": 4, "sms_gateway_prepare_threshold": 1})
        values = {"sms_gateway_cron_lanes": 4, "sms_gateway_prepare_threshold": 1}
        for user in (
            self.user_sms,
            self.user_manager,
            self.user_accountant,
            self.user_access_rights,
        ):
            with self.subTest(user=user.login):
                self.authenticate(user.login, user.login)
                with self.assertRaisesRegex(JsonRpcException, "AccessError"):
                    self.rpc("web_save", [[], values], {"specification": {}})
                with self.assertRaisesRegex(JsonRpcException, "AccessError"):
                    self.rpc("web_save", [[row.id], values], {"specification": {}})
                with self.assertRaisesRegex(JsonRpcException, "AccessError"):
                    self.rpc("execute", [[row.id]], route="call_button")
                with self.assertRaisesRegex(JsonRpcException, "AccessError"):
                    self.rpc("set_values", [[row.id]])
        self.assertEqual(self.active_lanes(), self.lanes(2))
        self.assertFalse(self.ICP.get_param(THRESHOLD))
