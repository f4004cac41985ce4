# Copyright 2026 sms_gateway authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Attacks on the background preparation of large sends, the settings of its
workers and the accounts' sending speed, tried as each kind of person, with
``with_user`` and over JSON-RPC: nothing is sent that should not be, nothing
is read that should not be, nobody steers someone else's mailing."""

from unittest.mock import patch

from odoo import SUPERUSER_ID
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import HttpCase, JsonRpcException, tagged
from odoo.tools import SQL, mute_logger

from ..tools import providers
from ..tools.providers.errors import ProviderError
from .common import SmsGatewaySecurityCase

MAILING = "sms.gateway.mailing"
WIZARD = "sms.gateway.send.wizard"
TEMPLATE_EDITOR = "mail.group_mail_template_editor"
WORK_TABLES = ("sms_gateway_mailing_recipient", "sms_gateway_mailing_chunk")
PRIVATE_METHODS = (
    "_cron_prepare",
    "_sms_prepare_one",
    "_sms_prepare_chunk",
    "_sms_prepare_mailing",
    "_sms_prepare_stage",
    "_sms_prepare_finish",
    "_sms_prepare_refuse",
    "_sms_prepare_cancel_step",
    "_sms_prepare_tell",
    "_sms_prepare_later",
    "_sms_prepare_clean",
    "_sms_trigger_prepare",
    "_sms_write_messages",
)


class PrepareAttackMixin:
    """A crowd of company A larger than the threshold, partners of company B
    and a sender's helpers."""

    @classmethod
    def _setup_prepare(cls):
        cls.env["ir.config_parameter"].sudo().set_param(
            "sms_gateway.prepare_threshold", "3"
        )
        fi = {"country_id": cls.env.ref("base.fi").id, "sms_consent": "granted"}
        cls.crowd = cls.env["res.partner"].create(
            [
                dict(fi, name=f"Crowd {n}", mobile=f"+35840777{n + 10:04d}")
                for n in range(6)
            ]
        )
        cls.hidden_b = cls.env["res.partner"].create(
            [
                dict(
                    fi,
                    name=f"Hidden Hanna {n} of B",
                    mobile=f"+35840888{n + 10:04d}",
                    company_id=cls.company_b.id,
                )
                for n in range(4)
            ]
        )
        cls.Mailing = cls.env[MAILING]
        cls.Message = cls.env["sms.gateway.message"]

    def wizard(self, user, partners=None, context=None, **values):
        ctx = {"active_model": "res.partner"}
        ctx["active_ids"] = (self.crowd if partners is None else partners).ids
        ctx.update(context or {})
        return (
            self.env[WIZARD]
            .with_user(user)
            .with_context(**ctx)
            .create(dict({"body": "Hi {{ object.name }}"}, **values))
        )

    def send(self, user, partners=None, **values):
        action = self.wizard(user, partners, **values).action_send()
        mailing = self.Mailing.browse(action["res_id"])
        self.assertEqual(mailing.prepare_step, "stage", "a background send")
        return mailing

    def prepare(self):
        return self.Mailing._cron_prepare(time_budget=60)

    def sent_to(self, mailing=None):
        """Partners with a queued (or sent) message, of ``mailing`` or all."""
        domain = [("state", "not in", ("canceled",))]
        if mailing is not None:
            domain.append(("mailing_id", "=", mailing.id))
        return self.Message.sudo().search(domain).partner_id

    def sms_mailing_of(self, user, body="Hi {{ object.name }}", **values):
        """A large mailing of ``user`` being prepared (the click done)."""
        return self.send(user, body=body, **values)


@tagged("post_install", "-at_install", "sms_gateway_security")
class TestSecurityPrepare(PrepareAttackMixin, SmsGatewaySecurityCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_prepare()

    # ------------------------------------------------------------------
    # 1. Recipients the sender may not read
    # ------------------------------------------------------------------

    def test_wizard_refuses_partners_of_another_company(self):
        with self.assertRaises(AccessError):
            self.wizard(self.user_sms, self.crowd | self.hidden_b)
        with self.assertRaises(AccessError):
            self.wizard(
                self.user_sms,
                self.env["res.partner"],
                context={"default_partner_ids": (self.crowd | self.hidden_b).ids},
            )
        self.prepare()
        self.assertFalse(self.sent_to() & self.hidden_b)

    def test_context_default_cannot_start_a_preparation(self):
        """``default_prepare_step`` in the context is a value of the create:
        it cannot start a preparation that skips the send window."""
        Mailing = self.Mailing.with_user(self.user_sms)
        for key, value in (
            ("default_prepare_step", "stage"),
            ("default_prepare_step", "write"),
            ("default_prepare_error", "Forged reason"),
        ):
            with (
                self.subTest(key=key, value=value),
                self.assertRaisesMessage(UserError, "follow its preparation"),
            ):
                Mailing.with_context(**{key: value}).create(
                    {
                        "name": "Forged",
                        "body": "Hi {{ object.name }}",
                        "prepare_partner_ids": [(6, 0, self.crowd.ids)],
                    }
                )
        self.prepare()
        self.assertFalse(self.Mailing.search([("name", "=", "Forged")]))
        self.assertFalse(self.sent_to())

    def test_forged_prepare_partner_ids_of_another_company_are_never_sent(self):
        """prepare_partner_ids written on a mailing directly (a draft may
        hold any ids): the cron never prepares it, and when the wizard
        prepares one, only partners the sender may read get an SMS."""
        draft = self.Mailing.with_user(self.user_sms).create(
            {
                "name": "Forged ids",
                "body": "Hi",
                "prepare_partner_ids": [(6, 0, self.hidden_b.ids)],
            }
        )
        mailing = self.sms_mailing_of(self.user_sms)
        # The sender's partners move to the other company before the cron.
        self.crowd[:2].company_id = self.company_b
        self.prepare()
        self.assertFalse(self.sent_to(draft))
        self.assertEqual(self.sent_to(mailing), self.crowd[2:])
        self.assertFalse(self.sent_to() & (self.hidden_b | self.crowd[:2]))

    def test_rule_hidden_partners_are_not_sent_even_when_selected(self):
        hidden = self.crowd[:2]
        rule = self.env["ir.rule"].create(
            {
                "name": "sms users do not see two of the crowd",
                "model_id": self.env.ref("base.model_res_partner").id,
                "domain_force": repr([("id", "not in", hidden.ids)]),
                "groups": [(4, self.env.ref("sms_gateway.group_sms_gateway_user").id)],
            }
        )
        self.addCleanup(rule.unlink)
        with self.assertRaises(AccessError):
            self.wizard(self.user_sms, self.crowd)
        mailing = self.send(self.user_sms, self.crowd[2:])
        rule.domain_force = repr([("id", "not in", (hidden | self.crowd[2]).ids)])
        self.prepare()
        self.assertEqual(self.sent_to(mailing), self.crowd[3:])

    def test_forged_domain_is_refused_by_the_window(self):
        cases = [
            "[('id', 'in', __import__('os').getpid())]",
            "[('name', '=', eval('1+1'))]",
            "[('user_ids.password', '!=', False)]",
            "[('company_id.sms_gateway_account_ids.smsapi_token', '!=', False)]",
            "[('id', 'in', [%s])]" % ", ".join(["1"] * 60000),
            "[" + "('name', '=', 'x'), " * 600 + "]",
        ]
        for domain in cases:
            with (
                self.subTest(domain=domain[:60]),
                self.assertRaises(UserError),
            ):
                self.wizard(
                    self.user_sms, partner_domain=domain, allow_duplicates=True
                ).action_send()
        self.prepare()
        self.assertFalse(self.sent_to())

    def test_domain_the_sender_may_no_longer_use_refuses_the_send(self):
        """The cron checks the filter again as the sender: a filter that
        is not literal, or on fields the sender may not search, sends
        nothing (as a forged one would, however it got there)."""
        for domain in (
            "[('user_ids.password', '!=', False)]",
            "[('id', '>', __import__('os').getpid())]",
            "[('company_id.sms_gateway_account_ids.smsapi_token', '!=', False)]",
        ):
            with self.subTest(domain=domain):
                mailing = self.send(
                    self.user_sms,
                    partner_domain=repr([("id", "in", self.crowd.ids)]),
                    allow_duplicates=True,
                )
                self.env.cr.execute(
                    SQL(
                        "UPDATE sms_gateway_mailing SET prepare_domain = %s "
                        "WHERE id = %s",
                        domain,
                        mailing.id,
                    )
                )
                mailing.invalidate_recordset()
                self.prepare()
                mailing.invalidate_recordset()
                self.assertEqual(mailing.state, "canceled")
                self.assertTrue(mailing.prepare_error)
                self.assertFalse(self.sent_to(mailing))

    def test_groups_of_another_user_or_company_are_refused(self):
        Group = self.env["sms.gateway.group"]
        private = Group.create({"name": "Olli's", "user_id": self.user_sms_other.id})
        other_company = Group.create(
            {
                "name": "B's",
                "user_id": self.user_sms_b.id,
                "company_id": self.company_b.id,
            }
        )
        for group in (private, other_company):
            group.sudo()._add_partners([("id", "in", self.crowd.ids)])
            with self.subTest(group=group.name), self.assertRaises(AccessError):
                self.wizard(self.user_sms, group_ids=[(6, 0, group.ids)])
            with self.subTest(group=group.name), self.assertRaises(AccessError):
                self.Mailing.with_user(self.user_sms).create(
                    {"name": "G", "body": "Hi", "group_ids": [(6, 0, group.ids)]}
                )
        self.prepare()
        self.assertFalse(self.sent_to())

    def test_context_default_groups_are_checked_as_given_ones(self):
        """``default_group_ids`` is a value of the create: a private group
        of a colleague or another company's group is refused, its name
        never shown (the mailing's group names are read as superuser)."""
        Group = self.env["sms.gateway.group"]
        private = Group.create(
            {"name": "Olli's private list", "user_id": self.user_sms_other.id}
        )
        other_company = Group.create(
            {
                "name": "B's private list",
                "user_id": self.user_sms_b.id,
                "company_id": self.company_b.id,
            }
        )
        Mailing = self.Mailing.with_user(self.user_sms)
        for group in (private, other_company):
            for value in (group.ids, [(6, 0, group.ids)], [(4, group.id)]):
                with (
                    self.subTest(group=group.name, value=value),
                    self.assertRaises(AccessError),
                ):
                    mailing = Mailing.with_context(default_group_ids=value).create(
                        {"name": "Peek", "body": "Hi"}
                    )
                    self.assertNotIn("private", mailing.group_names or "")
        self.assertFalse(self.Mailing.search([("name", "=", "Peek")]))

    def test_group_unshared_before_the_cron_sends_nothing(self):
        """A shared group taken back after the click: the cron refuses the
        mailing (the sender may no longer send to it), and goes on with the
        other mailings."""
        group = self.env["sms.gateway.group"].create(
            {
                "name": "Shared",
                "user_id": self.user_sms_other.id,
                "shared_user_ids": [(6, 0, self.user_sms.ids)],
            }
        )
        group._add_partners([("id", "in", self.crowd.ids)])
        action = (
            self.env[WIZARD]
            .with_user(self.user_sms)
            .with_context(active_model="sms.gateway.group", active_ids=group.ids)
            .create({"body": "Hi {{ object.name }}"})
            .action_send()
        )
        mailing = self.Mailing.browse(action["res_id"])
        other = self.sms_mailing_of(self.user_sms_other)
        group.shared_user_ids = False
        self.prepare()
        mailing.invalidate_recordset()
        self.assertEqual(mailing.state, "canceled")
        self.assertFalse(self.sent_to(mailing))
        self.assertEqual(self.sent_to(other), self.crowd)

    def test_manager_cannot_send_as_someone_else(self):
        """The sender decides whose rights the cron uses: a Manager may not
        make another user (or the superuser) the sender of their send."""
        for sender in (SUPERUSER_ID, self.admin.id, self.user_sms.id):
            with self.subTest(sender=sender):
                try:
                    mailing = self.send(
                        self.user_manager,
                        partner_domain="[]",
                        context={"default_user_id": sender},
                    )
                except UserError:
                    continue
                self.assertEqual(mailing.user_id, self.user_manager)
        with self.assertRaises(UserError):
            self.Mailing.with_user(self.user_manager).create(
                {"name": "As admin", "body": "Hi", "user_id": SUPERUSER_ID}
            )
        self.prepare()
        self.assertFalse(self.sent_to() & self.hidden_b)
        self.assertLessEqual(
            set(self.Message.sudo().search([]).user_id.ids), {self.user_manager.id}
        )

    # ------------------------------------------------------------------
    # 2. Fields the sender may not read
    # ------------------------------------------------------------------

    def test_placeholders_reading_what_the_sender_may_not(self):
        for body in (
            "{{ object.sudo }}",
            "{{ object.user_ids.password }}",
            "{{ object.company_id.sms_gateway_account_ids.smsapi_token }}",
            "{{ object.env }}",
            "{{ object._fields }}",
            "{{ object.sudo().name }}",
            "{{ user.company_id.sms_gateway_account_ids.smsapi_token }}",
        ):
            with self.subTest(body=body):
                try:
                    mailing = self.send(self.user_sms, body=body)
                except UserError:
                    continue
                self.prepare()
                mailing.invalidate_recordset()
                self.assertEqual(mailing.state, "canceled")
                self.assertFalse(self.sent_to(mailing))

    def test_related_record_hidden_from_the_sender_is_not_rendered(self):
        self.crowd[0].parent_id = self.hidden_b[0]
        mailing = self.send(self.user_sms, body="Hi {{ object.parent_id.name }}")
        self.prepare()
        mailing.invalidate_recordset()
        self.assertEqual(mailing.state, "canceled")
        self.assertFalse(self.sent_to(mailing))
        # Nothing of the parent beyond what the sender reads on the contact
        # itself (its display name).
        shown = self.crowd[0].with_user(self.user_sms).display_name
        self.assertNotIn("Hidden Hanna", mailing.prepare_error.replace(shown, ""))
        bodies = self.Message.sudo().search([]).mapped("body")
        self.assertFalse([b for b in bodies if b and "Hidden" in b])

    def test_a_field_the_sender_lost_is_not_read_by_the_fast_path(self):
        """A plain field read in SQL: when the sender may no longer read it
        at the cron's time, nothing is written."""
        field = self.env["res.partner"]._fields["ref"]
        group = self.env["res.groups"].create({"name": "Ref readers"})
        self.user_sms.groups_id = [(4, group.id)]
        self.crowd.write({"ref": "SECRET-REF"})
        xmlid = self.env["ir.model.data"].create(
            {"name": "ref_readers", "module": "__test__", "model": "res.groups"}
            | {"res_id": group.id}
        )
        self.addCleanup(setattr, field, "groups", field.groups)
        field.groups = "__test__.ref_readers"
        mailing = self.send(self.user_sms, body="Ref {{ object.ref }}")
        self.user_sms.groups_id = [(3, group.id)]
        self.env.invalidate_all()
        self.env.registry.clear_cache()
        self.prepare()
        mailing.invalidate_recordset()
        self.assertEqual(mailing.state, "canceled")
        self.assertFalse(self.sent_to(mailing))
        bodies = self.Message.sudo().search([]).mapped("body")
        self.assertFalse([b for b in bodies if b and "SECRET-REF" in b])
        xmlid.unlink()

    def test_text_around_a_placeholder_is_data_for_the_sql_renderer(self):
        """The text a User types around a placeholder reaches PostgreSQL as
        values when the texts are rendered in SQL, never as SQL."""
        partners = self.env["res.partner"].search_count([])
        # GSM-7 characters alone: the SQL renderer writes these texts.
        tail = "'); DELETE FROM res_partner; -- %(mailing)s %s \" ' E'\"'"
        mailing = self.send(self.user_sms, body="Hei {{ object.name }}" + tail)
        copy = AssertionError("written by the Python renderer, not in SQL")
        with patch.object(type(self.Message), "_sms_copy", side_effect=copy):
            self.prepare()
        mailing.invalidate_recordset()
        self.assertEqual(mailing.state, "sending")
        self.assertEqual(self.env["res.partner"].search_count([]), partners)
        messages = self.Message.sudo().search([("mailing_id", "=", mailing.id)])
        self.assertTrue(messages)
        self.assertEqual(
            {m.body for m in messages if m.state == "queued"},
            {f"Hei {m.partner_id.name}{tail}" for m in messages if m.state == "queued"},
        )

    # ------------------------------------------------------------------
    # 3. Someone else's preparation
    # ------------------------------------------------------------------

    def test_nobody_else_cancels_a_preparation(self):
        mailing = self.sms_mailing_of(self.user_sms)
        for user in (
            self.user_sms_other,
            self.user_accountant,
            self.user_sms_accountant,
            self.user_employee,
            self.user_portal,
            self.user_sms_b,
        ):
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                mailing.with_user(user).action_cancel()
        self.prepare()
        mailing.invalidate_recordset()
        self.assertEqual(mailing.state, "sending")
        self.assertEqual(self.sent_to(mailing), self.crowd)

    def test_manager_of_a_company_cannot_cancel_another_companys(self):
        crowd_b = self.env["res.partner"].create(
            [
                {
                    "name": f"B crowd {n}",
                    "mobile": f"+35840999{n + 10:04d}",
                    "country_id": self.env.ref("base.fi").id,
                    "sms_consent": "granted",
                    "company_id": self.company_b.id,
                }
                for n in range(5)
            ]
        )
        mailing = self.send(self.user_sms_b, crowd_b)
        with self.assertRaises(AccessError):
            mailing.with_user(self.user_manager).action_cancel()
        self.prepare()
        mailing.invalidate_recordset()
        self.assertEqual(mailing.state, "sending")
        self.assertEqual(self.sent_to(mailing), crowd_b)

    def test_preparation_fields_cannot_be_written(self):
        mailing = self.sms_mailing_of(self.user_sms)
        for user in (self.user_sms, self.user_manager):
            for values in (
                {"prepare_step": "done"},
                {"prepare_step": "cancel"},
                {"prepare_error": "Forged"},
                {"prepare_total": 1},
                {"prepare_domain": "[]"},
                {"prepare_partner_ids": [(6, 0, self.hidden_b.ids)]},
                {"state": "canceled"},
                {"state": "sending"},
            ):
                with (
                    self.subTest(user=user.login, values=values),
                    self.assertRaises(UserError),
                ):
                    mailing.with_user(user).write(values)
        for user in (self.user_accountant, self.user_employee, self.user_sms_other):
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                mailing.with_user(user).write({"prepare_step": "done"})
        copy_default = {"prepare_step": "stage"}
        with self.assertRaises(UserError):
            mailing.with_user(self.user_sms).copy(copy_default)
        self.prepare()
        mailing.invalidate_recordset()
        self.assertEqual(mailing.state, "sending")
        self.assertEqual(self.sent_to(mailing), self.crowd)

    # ------------------------------------------------------------------
    # 4. What one should not read
    # ------------------------------------------------------------------

    def test_accountant_reads_no_recipients_or_text_of_a_preparation(self):
        mailing = self.sms_mailing_of(self.user_sms, body="Secret {{ object.name }}")
        for user in (self.user_accountant,):
            as_user = mailing.with_user(user)
            for fname in ("prepare_domain", "prepare_partner_ids", "body", "group_ids"):
                with self.subTest(field=fname), self.assertRaises(AccessError):
                    as_user.read([fname])
            values = as_user.read(["state", "progress_value", "progress_total"])[0]
            self.assertEqual(values["state"], "preparing")
        for user in (self.user_sms_b, self.user_employee, self.user_portal):
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                mailing.with_user(user).read(["progress_value", "prepare_done"])

    def test_no_model_exposes_the_work_tables(self):
        exposed = [
            name
            for name, model in self.env.registry.items()
            if model._table in WORK_TABLES
        ]
        self.assertFalse(exposed)

    def test_a_refusal_reason_shows_no_text_to_an_accountant(self):
        """A refusal's reason may quote the text (a placeholder, a value it
        rendered with the sender's rights): it is for SMS users, as the text
        is, and the author's notification for the author only."""
        self.user_sms.groups_id = [(4, self.env.ref(TEMPLATE_EDITOR).id)]
        mailing = self.send(self.user_sms, body="{{ int('SUMMERSALE' + object.name) }}")
        self.prepare()
        mailing.invalidate_recordset()
        self.assertEqual(mailing.state, "canceled")
        self.assertIn("SUMMERSALE", mailing.prepare_error)
        self.assertFalse(self.sent_to(mailing))
        # The author and SMS managers read why.
        for user in (self.user_sms, self.user_manager):
            values = mailing.with_user(user).read(["prepare_error"])[0]
            self.assertIn("SUMMERSALE", values["prepare_error"], user.login)
        # An Accountant reads that it was canceled, never the text.
        as_accountant = mailing.with_user(self.user_accountant)
        self.assertEqual(as_accountant.read(["state"])[0]["state"], "canceled")
        with self.assertRaises(AccessError):
            as_accountant.read(["prepare_error"])
        for user in (self.user_sms_other, self.user_employee, self.user_sms_b):
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                mailing.with_user(user).read(["state", "prepare_error"])
        notes = self.env["mail.message"].search(
            [("model", "=", MAILING), ("res_id", "=", mailing.id)]
        )
        self.assertTrue(notes)
        self.assertEqual(notes.partner_ids, self.user_sms.partner_id)
        for user in (
            self.user_accountant,
            self.user_sms_other,
            self.user_manager,
            self.user_employee,
        ):
            with self.subTest(user=user.login):
                seen = (
                    self.env["mail.message"]
                    .with_user(user)
                    .search([("model", "=", MAILING), ("res_id", "=", mailing.id)])
                )
                self.assertFalse(seen)

    # ------------------------------------------------------------------
    # 5. Settings
    # ------------------------------------------------------------------

    def test_non_administrators_change_no_background_setting(self):
        Param = self.env["ir.config_parameter"].sudo()
        lanes = self.env["sms.gateway.dispatcher"]._sms_cron_lanes("prepare")
        for user in (
            self.user_manager,
            self.user_sms,
            self.user_accountant,
            self.user_employee,
        ):
            with (
                self.subTest(user=user.login, door="settings"),
                self.assertRaises(AccessError),
            ):
                self.env["res.config.settings"].with_user(user).create(
                    {
                        "sms_gateway_prepare_threshold": 0,
                        "sms_gateway_cron_lanes": 4,
                    }
                ).execute()
            with (
                self.subTest(user=user.login, door="parameter"),
                self.assertRaises(AccessError),
            ):
                self.env["ir.config_parameter"].with_user(user).set_param(
                    "sms_gateway.prepare_threshold", "0"
                )
            with self.subTest(user=user.login, door="cron"):
                cron = self.env.ref("sms_gateway.ir_cron_sms_gateway_prepare_4")
                with self.assertRaises(AccessError):
                    cron.with_user(user).write({"active": True})
        self.assertEqual(Param.get_param("sms_gateway.prepare_threshold"), "3")
        self.assertEqual(
            self.env["sms.gateway.dispatcher"]._sms_cron_lanes("prepare"), lanes
        )

    def test_threshold_values_keep_sends_safe(self):
        Param = self.env["ir.config_parameter"].sudo()
        Mailing = self.env[MAILING]
        for value, expected in (
            ("0", 0),
            ("-5", 0),
            ("abc", 5000),
            ("1e99", 5000),
            ("", 5000),
        ):
            Param.set_param("sms_gateway.prepare_threshold", value)
            self.assertEqual(Mailing._sms_prepare_threshold(), expected, value)
        with self.assertRaises(ValidationError):
            self.env["res.config.settings"].with_user(self.admin).create(
                {"sms_gateway_prepare_threshold": -1}
            )
        # 0: every send of more than one recipient is prepared in the
        # background, and still reaches only the sender's partners.
        Param.set_param("sms_gateway.prepare_threshold", "0")
        mailing = self.send(self.user_sms, self.crowd[:2])
        self.prepare()
        self.assertEqual(self.sent_to(mailing), self.crowd[:2])

    def test_settings_still_save_when_the_lane_crons_were_deleted(self):
        for job in ("dispatch", "prepare"):
            for lane in (2, 3, 4):
                self.env.ref(f"sms_gateway.ir_cron_sms_gateway_{job}_{lane}").unlink()
        settings = self.env["res.config.settings"].with_user(self.admin).create({})
        self.assertEqual(settings.sms_gateway_cron_lanes, 1)
        settings.write({"sms_gateway_cron_lanes": 3})
        settings.execute()
        self.assertEqual(
            len(self.env["sms.gateway.dispatcher"]._sms_cron_lanes("prepare")), 1
        )
        # Without the prepare cron itself a large send is not left waiting
        # for ever: it is refused at the click with the reason.
        self.env.ref("sms_gateway.ir_cron_sms_gateway_prepare").unlink()
        self.env.ref("sms_gateway.ir_cron_sms_gateway_dispatch").unlink()
        settings = self.env["res.config.settings"].with_user(self.admin).create({})
        settings.execute()
        with self.assertRaisesMessage(UserError, "scheduled action"):
            self.wizard(self.user_sms).action_send()
        self.assertFalse(self.Mailing.search([("prepare_step", "!=", False)]))

    # ------------------------------------------------------------------
    # 6. The account's sending speed
    # ------------------------------------------------------------------

    def test_non_administrators_change_no_sending_speed(self):
        account = self.sms_account
        before = (account.requests_per_second, account.connections)
        for user in (
            self.user_manager,
            self.user_sms,
            self.user_accountant,
            self.user_sms_accountant,
            self.user_employee,
            self.user_portal,
        ):
            for values in (
                {"requests_per_second": 0},
                {"connections": 16},
                {"requests_per_second": 10000, "connections": 16},
            ):
                with (
                    self.subTest(user=user.login, values=values),
                    self.assertRaises(AccessError),
                ):
                    account.with_user(user).write(values)
        account.invalidate_recordset()
        self.assertEqual((account.requests_per_second, account.connections), before)

    def test_sending_speed_values_are_bounded(self):
        account = self.sms_account.with_user(self.admin)
        for values in (
            {"connections": 10000},
            {"connections": 0},
            {"connections": -1},
            {"requests_per_second": -1},
            {"requests_per_second": 10**9},
        ):
            with (
                self.subTest(values=values),
                self.assertRaises(ValidationError),
            ):
                account.write(values)
                account.flush_recordset()
        self.assertEqual(
            providers.build("sandbox", {"connections": 16}).connections, 16
        )
        for config in (
            {"connections": 10000},
            {"connections": -3},
            {"requests_per_second": -1},
            {"requests_per_second": "nan"},
        ):
            with self.subTest(config=config), self.assertRaises(ProviderError):
                providers.build("sandbox", config)

    # ------------------------------------------------------------------
    # 7. Work in a request
    # ------------------------------------------------------------------

    def _more_partners(self, count):
        fi = self.env.ref("base.fi").id
        return (
            self.env["res.partner"]
            .with_context(tracking_disable=True)
            .create(
                [
                    {
                        "name": f"Many {n}",
                        "mobile": f"+3584066{n:05d}",
                        "sms_consent": "granted",
                        "country_id": fi,
                    }
                    for n in range(count)
                ]
            )
        )

    def _queries(self, func):
        before = self.env.cr.sql_log_count
        func()
        return self.env.cr.sql_log_count - before

    def test_the_window_costs_the_same_for_thousands_of_ids(self):
        many = self._more_partners(5000)
        self.env.flush_all()

        def open_window(partners):
            def run():
                wizard = self.wizard(self.user_sms, partners)
                wizard.write({"body": "Hi {{ object.name }}!"})
                wizard.action_send()

            return run

        small = self._queries(open_window(many[:100]))
        large = self._queries(open_window(many[100:]))
        self.assertLessEqual(large, small + 5)
        self.prepare()

    def test_cancel_of_a_large_mailing_waits_for_no_message(self):
        many = self._more_partners(2000)
        mailing = self.send(self.user_sms, many)
        self.prepare()
        mailing.invalidate_recordset()
        self.assertEqual(mailing.count_queued, 2000)
        queries = self._queries(mailing.with_user(self.user_sms).action_cancel)
        self.assertLess(queries, 40)
        self.assertEqual(self.env["sms.gateway.dispatcher"]._cron_dispatch(), 0)
        self.prepare()
        mailing.invalidate_recordset()
        self.assertEqual(mailing.count_queued, 0)
        self.assertEqual(mailing.count_canceled, 2000)


@tagged("post_install", "-at_install", "sms_gateway_security")
class TestSecurityPrepareRpc(PrepareAttackMixin, SmsGatewaySecurityCase, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_prepare()

    def _call(self, model, method, args, **kwargs):
        return self.make_jsonrpc_request(
            f"/web/dataset/call_kw/{model}/{method}",
            {"model": model, "method": method, "args": args, "kwargs": kwargs},
        )

    def _button(self, model, method, ids, context=None):
        return self.make_jsonrpc_request(
            "/web/dataset/call_button",
            {
                "model": model,
                "method": method,
                "args": [ids],
                "kwargs": {"context": context or {}},
            },
        )

    @mute_logger("odoo.http")
    def test_rpc_create_cannot_start_a_preparation(self):
        self.authenticate("sms_user", "sms_user")
        for values, context in (
            ({"prepare_step": "stage"}, {}),
            ({}, {"default_prepare_step": "stage"}),
            (
                {"prepare_partner_ids": [(6, 0, self.hidden_b.ids)]},
                {"default_prepare_step": "stage"},
            ),
            ({"prepare_domain": "[]"}, {"default_prepare_step": "write"}),
        ):
            with (
                self.subTest(values=values, context=context),
                self.assertRaises(JsonRpcException),
            ):
                self._call(
                    MAILING,
                    "create",
                    [dict({"name": "Forged", "body": "Hi"}, **values)],
                    context=context,
                )
        self.prepare()
        self.assertFalse(self.Mailing.search([("name", "=", "Forged")]))
        self.assertFalse(self.sent_to())

    @mute_logger("odoo.http")
    def test_rpc_manager_send_as_the_superuser(self):
        self.authenticate("sms_manager", "sms_manager")
        wizard_id = self._call(
            WIZARD, "create", [{"body": "Hi {{ object.name }}", "partner_domain": "[]"}]
        )
        try:
            action = self._button(
                WIZARD,
                "action_send",
                [wizard_id],
                context={"default_user_id": SUPERUSER_ID},
            )
        except JsonRpcException:
            action = None
        self.prepare()
        self.assertFalse(self.sent_to() & self.hidden_b)
        if action:
            mailing = self.Mailing.browse(action["res_id"])
            self.assertEqual(mailing.user_id, self.user_manager)

    @mute_logger("odoo.http")
    def test_rpc_private_methods_and_other_users_buttons(self):
        mailing = self.sms_mailing_of(self.user_sms)
        self.authenticate("sms_user_other", "sms_user_other")
        for method in PRIVATE_METHODS:
            with self.subTest(method=method), self.assertRaises(JsonRpcException):
                self._call(MAILING, method, [mailing.ids])
            with self.subTest(method=method), self.assertRaises(JsonRpcException):
                self._button(MAILING, method, mailing.ids)
        with self.assertRaises(JsonRpcException):
            self._button(MAILING, "action_cancel", mailing.ids)
        for values in (
            {"prepare_step": "cancel"},
            {"state": "canceled"},
            {"prepare_total": 0},
        ):
            with self.subTest(values=values), self.assertRaises(JsonRpcException):
                self._call(MAILING, "write", [mailing.ids, values])
        self.authenticate("sms_user_b", "sms_user_b")
        with self.assertRaises(JsonRpcException):
            self._button(MAILING, "action_cancel", mailing.ids)
        mailing.invalidate_recordset()
        self.assertEqual(mailing.prepare_step, "stage")
        self.prepare()
        mailing.invalidate_recordset()
        self.assertEqual(mailing.state, "sending")
        self.assertEqual(self.sent_to(mailing), self.crowd)

    @mute_logger("odoo.http")
    def test_rpc_accountant_reads(self):
        mailing = self.sms_mailing_of(self.user_sms, body="Secret {{ object.name }}")
        self.authenticate("sms_accountant", "sms_accountant")
        for fname in ("prepare_domain", "prepare_partner_ids", "body"):
            with self.subTest(field=fname), self.assertRaises(JsonRpcException):
                self._call(MAILING, "read", [mailing.ids, [fname]])
        result = self._call(
            MAILING,
            "web_read",
            [mailing.ids],
            specification={"state": {}, "progress_value": {}, "progress_total": {}},
        )
        self.assertEqual(result[0]["state"], "preparing")
        self.user_sms.groups_id = [(4, self.env.ref(TEMPLATE_EDITOR).id)]
        refused = self.sms_mailing_of(
            self.user_sms, body="{{ int('SUMMERSALE' + object.name) }}"
        )
        self.prepare()
        refused.invalidate_recordset()
        self.assertEqual(refused.state, "canceled")
        # The form and the list as the browser loads them.
        views = self._call(MAILING, "get_views", [[[False, "form"], [False, "list"]]])
        self.assertNotIn("prepare_domain", repr(views["views"]))
        self.assertNotIn("prepare_error", repr(views["views"]))
        fields_in_view = views["models"][MAILING]["fields"]
        result = self._call(
            MAILING,
            "web_read",
            [(mailing | refused).ids],
            specification={name: {} for name in fields_in_view},
        )
        self.assertEqual(len(result), 2)
        self.assertNotIn("Secret", repr(result))
        self.assertNotIn("SUMMERSALE", repr(result))
        for model in ("sms.gateway.mailing.recipient", "sms.gateway.mailing.chunk"):
            with self.subTest(model=model), self.assertRaises(JsonRpcException):
                self._call(model, "search_read", [[]])

    @mute_logger("odoo.http")
    def test_rpc_settings_and_account_speed(self):
        for login in ("sms_manager", "sms_user", "sms_accountant"):
            self.authenticate(login, login)
            with (
                self.subTest(login=login, door="execute"),
                self.assertRaises(JsonRpcException),
            ):
                settings = self._call(
                    "res.config.settings",
                    "create",
                    [{"sms_gateway_prepare_threshold": 0}],
                )
                self._button("res.config.settings", "execute", [settings])
            with (
                self.subTest(login=login, door="parameter"),
                self.assertRaises(JsonRpcException),
            ):
                self._call(
                    "ir.config_parameter",
                    "set_param",
                    ["sms_gateway.prepare_threshold", "0"],
                )
            with self.subTest(login=login, door="cron"):
                cron = self.env.ref("sms_gateway.ir_cron_sms_gateway_prepare_3")
                with self.assertRaises(JsonRpcException):
                    self._call("ir.cron", "write", [cron.ids, {"active": True}])
            with (
                self.subTest(login=login, door="account"),
                self.assertRaises(JsonRpcException),
            ):
                self._call(
                    "sms.gateway.account",
                    "write",
                    [self.sms_account.ids, {"connections": 16}],
                )
        self.assertEqual(
            self.env["ir.config_parameter"]
            .sudo()
            .get_param("sms_gateway.prepare_threshold"),
            "3",
        )
        self.assertFalse(
            self.env.ref("sms_gateway.ir_cron_sms_gateway_prepare_3").active
        )
        self.assertNotEqual(self.sms_account.connections, 16)
