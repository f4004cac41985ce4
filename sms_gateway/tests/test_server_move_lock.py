# Copyright 2026 sms_gateway authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""An SMS account's credentials lock when the database runs somewhere else.

Whether locked messages wait and go out after the unlock is the dispatch's
part (test_dispatch*); here: the account locks, says why, tells the
administrators once, and re-entering or confirming unlocks.
"""

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
        cls.Account = cls.registry["sms.gateway.account"]
        cls.sms_account = cls.set_sms_account(provider="smsapi", smsapi_token="tok")

    def moved(self, **changes):
        """Pretend the database now runs with ``changes`` to its location."""
        here = json.loads(self.env["sms.gateway.account"]._sms_current_location())
        there = json.dumps(dict(here, **changes), sort_keys=True)
        return patch.object(self.Account, "_sms_current_location", return_value=there)

    def lock_activities(self, account=None):
        return self.env["mail.activity"].search(
            [
                ("res_model", "=", "sms.gateway.account"),
                ("res_id", "=", (account or self.sms_account).id),
                ("summary", "=", LOCK_ACTIVITY_SUMMARY),
            ]
        )

    def test_saving_credentials_records_where(self):
        location = json.loads(self.sms_account.sudo().location)
        self.assertEqual(location["db"], self.env.cr.dbname)
        self.assertTrue(location["uuid"])
        self.assertTrue(location["cluster"].isdigit())
        self.assertFalse(self.sms_account.locked)

    def test_restart_does_not_lock(self):
        # A new cursor, as a restarted server or another worker has.
        with self.registry.cursor() as cr:
            cr.execute("SELECT system_identifier::text FROM pg_control_system()")
            cluster = cr.fetchone()[0]
        location = json.loads(self.sms_account.sudo().location)
        self.assertEqual(location["cluster"], cluster)
        self.env.invalidate_all()
        self.assertFalse(self.sms_account.locked)
        self.sms_account._sms_get_provider()

    def test_copy_under_another_name_locks(self):
        with self.moved(db="copy_of_prod"):
            self.env.invalidate_all()
            self.assertTrue(self.sms_account.locked)
            self.assertIn("copy_of_prod", self.sms_account.lock_reason)
            with self.assertRaisesMessage(ProviderLockedError, "Queued messages wait"):
                self.sms_account._sms_get_provider()
            # The company cannot send when all its active accounts are locked.
            self.assertIn(
                "copy_of_prod", self.company._sms_gateway_sending_problem() or ""
            )

    def test_restore_on_another_server_locks(self):
        with self.moved(cluster="7000000000000000001"):
            self.env.invalidate_all()
            self.assertIn("another PostgreSQL server", self.sms_account.lock_reason)

    def test_new_database_uuid_locks(self):
        with self.moved(uuid="00000000-0000-0000-0000-000000000000"):
            self.env.invalidate_all()
            self.assertTrue(self.sms_account.locked)

    def test_sandbox_never_locks(self):
        sandbox = self.add_sms_account()
        with self.moved(db="elsewhere"):
            self.env.invalidate_all()
            self.assertFalse(sandbox.locked)
            self.assertTrue(self.sms_account.locked)
            # One account still sends: the company is not stopped.
            self.assertFalse(self.company._sms_gateway_sending_problem())
            self.assertEqual((self.sms_account | sandbox)._sms_usable(), sandbox)

    def test_lock_is_per_account(self):
        other = self.add_sms_account(provider="quriiri", quriiri_api_key="k")
        with self.moved(db="copy_of_prod"):
            self.env.invalidate_all()
            self.assertTrue(self.sms_account.locked)
            self.assertTrue(other.locked)
            other.with_user(self.admin).action_confirm_location()
            self.assertFalse(other.locked)
            self.assertTrue(self.sms_account.locked)

    def test_administrators_are_told_once(self):
        with self.moved(db="copy_of_prod"):
            self.env["sms.gateway.account"]._cron_check_location()
            activities = self.lock_activities()
            self.assertIn(self.admin, activities.user_id)
            self.assertNotIn(self.user_manager, activities.user_id)
            self.env["sms.gateway.account"]._cron_check_location()
            self.assertEqual(self.lock_activities(), activities)

    def test_reentering_the_token_unlocks(self):
        with self.moved(db="copy_of_prod"):
            self.env["sms.gateway.account"]._cron_check_location()
            self.assertTrue(self.lock_activities())
            self.sms_account.with_user(self.admin).smsapi_token = "tok-again"
            self.env.invalidate_all()
            self.assertFalse(self.sms_account.locked)
            self.assertFalse(self.lock_activities())
            self.sms_account._sms_get_provider()

    def test_unlock_shows_at_once(self):
        # No cache reset: the flag follows the write in the same transaction.
        with self.moved(db="copy_of_prod"):
            self.env.invalidate_all()
            self.assertTrue(self.sms_account.locked)
            self.sms_account.sudo().smsapi_token = "tok-again"
            self.assertFalse(self.sms_account.locked)
            self.assertFalse(self.sms_account.lock_reason)

    def test_saving_without_new_credentials_keeps_the_lock(self):
        with self.moved(db="copy_of_prod"):
            self.sms_account.with_user(self.admin).write(
                {"sender": "MyShop", "timeout": 5, "price_per_part": 0.1}
            )
            self.settings(sms_gateway_max_parts=3)
            self.env.invalidate_all()
            self.assertTrue(self.sms_account.locked)

    def test_administrator_confirms_the_new_place(self):
        with self.moved(db="new_prod"):
            for user in (self.user_manager, self.user_sms):
                with self.assertRaises(UserError):
                    self.sms_account.with_user(user).action_confirm_location()
            self.assertTrue(self.sms_account.locked)
            self.sms_account.with_user(self.admin).action_confirm_location()
            self.env.invalidate_all()
            self.assertFalse(self.sms_account.locked)
