# Copyright 2026 sms_gateway authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Credentials lock when the database runs somewhere else."""

import json
from unittest.mock import patch

from odoo.exceptions import UserError
from odoo.tests import tagged

from ..models.sms_gateway_account import LOCK_ACTIVITY_SUMMARY, ProviderLockedError
from .test_provider_settings import ProviderCase


@tagged("post_install", "-at_install")
class TestServerMoveLock(ProviderCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Company = cls.registry["res.company"]
        cls.company.sudo().write(
            {"sms_gateway_provider": "smsapi", "sms_gateway_smsapi_token": "tok"}
        )

    def moved(self, **changes):
        """Pretend the database now runs with ``changes`` to its location."""
        here = json.loads(self.env["res.company"]._sms_gateway_current_location())
        there = json.dumps(dict(here, **changes), sort_keys=True)
        return patch.object(
            self.Company, "_sms_gateway_current_location", return_value=there
        )

    def lock_activities(self):
        return self.env["mail.activity"].search(
            [
                ("res_model", "=", "res.company"),
                ("res_id", "=", self.company.id),
                ("summary", "=", LOCK_ACTIVITY_SUMMARY),
            ]
        )

    def test_saving_credentials_records_where(self):
        location = json.loads(self.company.sudo().sms_gateway_location)
        self.assertEqual(location["db"], self.env.cr.dbname)
        self.assertTrue(location["uuid"])
        self.assertTrue(location["cluster"].isdigit())
        self.assertFalse(self.company.sms_gateway_locked)

    def test_restart_does_not_lock(self):
        # A new cursor, as a restarted server or another worker has.
        with self.registry.cursor() as cr:
            cr.execute("SELECT system_identifier::text FROM pg_control_system()")
            cluster = cr.fetchone()[0]
        location = json.loads(self.company.sudo().sms_gateway_location)
        self.assertEqual(location["cluster"], cluster)
        self.env.invalidate_all()
        self.assertFalse(self.company.sms_gateway_locked)
        self.company._sms_gateway_get_provider()

    def test_copy_under_another_name_locks(self):
        with self.moved(db="copy_of_prod"):
            self.env.invalidate_all()
            self.assertTrue(self.company.sms_gateway_locked)
            self.assertIn("copy_of_prod", self.company.sms_gateway_lock_reason)
            with self.assertRaisesMessage(ProviderLockedError, "Queued messages wait"):
                self.company._sms_gateway_get_provider()

    def test_restore_on_another_server_locks(self):
        with self.moved(cluster="7000000000000000001"):
            self.env.invalidate_all()
            self.assertIn(
                "another PostgreSQL server", self.company.sms_gateway_lock_reason
            )

    def test_new_database_uuid_locks(self):
        with self.moved(uuid="00000000-0000-0000-0000-000000000000"):
            self.env.invalidate_all()
            self.assertTrue(self.company.sms_gateway_locked)

    def test_sandbox_never_locks(self):
        self.company.sudo().sms_gateway_provider = "sandbox"
        with self.moved(db="elsewhere"):
            self.env.invalidate_all()
            self.assertFalse(self.company.sms_gateway_locked)

    def test_administrators_are_told_once(self):
        with self.moved(db="copy_of_prod"):
            self.env["res.company"]._cron_sms_gateway_check_location()
            activities = self.lock_activities()
            self.assertIn(self.admin, activities.user_id)
            self.assertNotIn(self.user_manager, activities.user_id)
            self.env["res.company"]._cron_sms_gateway_check_location()
            self.assertEqual(self.lock_activities(), activities)

    def test_reentering_the_token_unlocks(self):
        with self.moved(db="copy_of_prod"):
            self.env["res.company"]._cron_sms_gateway_check_location()
            self.assertTrue(self.lock_activities())
            self.settings(sms_gateway_smsapi_token="tok-again")
            self.env.invalidate_all()
            self.assertFalse(self.company.sms_gateway_locked)
            self.assertFalse(self.lock_activities())
            self.company._sms_gateway_get_provider()

    def test_unlock_shows_at_once(self):
        # No cache reset: the flag follows the write in the same transaction.
        with self.moved(db="copy_of_prod"):
            self.env.invalidate_all()
            self.assertTrue(self.company.sms_gateway_locked)
            self.company.sudo().sms_gateway_smsapi_token = "tok-again"
            self.assertFalse(self.company.sms_gateway_locked)
            self.assertFalse(self.company.sms_gateway_lock_reason)

    def test_saving_settings_without_new_credentials_keeps_the_lock(self):
        with self.moved(db="copy_of_prod"):
            self.settings(sms_gateway_sender="MyShop")
            self.env.invalidate_all()
            self.assertTrue(self.company.sms_gateway_locked)

    def test_administrator_confirms_the_new_place(self):
        with self.moved(db="new_prod"):
            with self.assertRaises(UserError):
                self.company.with_user(
                    self.user_manager
                ).action_sms_gateway_confirm_location()
            self.company.with_user(self.admin).action_sms_gateway_confirm_location()
            self.env.invalidate_all()
            self.assertFalse(self.company.sms_gateway_locked)
