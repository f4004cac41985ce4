# Copyright 2026 sms_gateway authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Delivery report and reply routes of the SMS accounts.

- Providers that do not sign their reports (SMSAPI, Quriiri, Vonage, the
  sandbox): ``/sms_gateway/delivery/<code>/<account id>/<secret>``; the
  account's own secret (compared in constant time) authenticates the call.
- Providers that sign (Twilio): ``/sms_gateway/delivery/<code>/<account id>``,
  checked with the provider's signature made with the account's credentials.
- The addresses of the previous version, ``/sms_gateway/status/<code>/
  <company id>/<secret>`` and ``/sms_gateway/status/twilio/<company id>``,
  still take the reports of messages sent before the upgrade: they are
  checked against that company's accounts of that provider.

Replies (incoming SMS) come the same two ways:
``/sms_gateway/inbound/<code>/<account id>/<secret>`` and, signed,
``/sms_gateway/inbound/twilio/<account id>``; they are stored at once (a
repeated delivery of the same reply once) and read by the inbound cron
(``models/sms_gateway_message_inbound.py``); each provider gets the answer
it expects (``inbound_answer``: SMSAPI ``OK``, Twilio empty TwiML).

A call that does not authenticate gets 404 (wrong secret, unknown account or
provider) or 403 (bad signature) and changes nothing. A malformed report (not
an object of texts and numbers, nested, not UTF-8, a NUL, too long, no message
named) gets 400, a body over ``MAX_BODY_BYTES`` or more than
``callbacks.MAX_EVENTS`` events 413, a JSON body without a length 411; none
changes anything. Refusals are logged with the account or company id and the
reason, never the secret nor the body. A report only ever reaches the messages
its company sent through that provider. Answers are short and fast; applying
the same report twice changes nothing the second time.
"""

import hmac
import json
import logging

from werkzeug.exceptions import (
    BadRequest,
    Forbidden,
    LengthRequired,
    NotFound,
    RequestEntityTooLarge,
)

from odoo import http
from odoo.http import request

from ..tools import providers
from ..tools.providers import inbound
from ..tools.providers.callbacks import CallbackError

_logger = logging.getLogger(__name__)

# Largest report body read; werkzeug refuses bigger forms before parsing them.
MAX_BODY_BYTES = 1024 * 1024
# Ids beyond PostgreSQL's integer: no such record.
MAX_ID = 2**31 - 1
# What every report route is: public, no CSRF token, no session, bounded.
REPORT_ROUTE = {
    "type": "http",
    "auth": "public",
    "csrf": False,
    "save_session": False,
    "max_content_length": MAX_BODY_BYTES,
}


def _provider_class(code, signed):
    """The provider of ``code`` when its reports come this way, else 404."""
    provider_class = providers.PROVIDERS.get(code)
    reports = provider_class and (
        provider_class.supports_callbacks or provider_class.supports_polling
    )
    if not (reports and provider_class.callback_signed == signed):
        raise NotFound()
    return provider_class


def _inbound_class(code, signed):
    """The provider of ``code`` when it forwards replies this way, else 404."""
    provider_class = providers.PROVIDERS.get(code)
    if not (
        provider_class
        and provider_class.supports_inbound
        and provider_class.inbound_signed == signed
    ):
        raise NotFound()
    return provider_class


def _same_secret(expected, given):
    given = given.encode("utf-8", "replace")
    return bool(expected) and hmac.compare_digest(expected.encode(), given)


class SmsGatewayController(http.Controller):
    # ------------------------------------------------------------------
    # Who sends the report
    # ------------------------------------------------------------------

    def _sms_gateway_account(self, code, account_id):
        if not 0 < account_id <= MAX_ID:
            raise NotFound()
        # One query (a reply route is called many times a second).
        account = (
            request.env["sms.gateway.account"]
            .sudo()
            .with_context(active_test=False)
            .search_fetch(
                [("id", "=", account_id)],
                ["provider", "callback_secret", "company_id"],
                limit=1,
            )
        )
        if not account or account.provider != code:
            raise NotFound()
        return account

    def _sms_gateway_company_accounts(self, code, company_id):
        """The accounts of ``code`` of a company (the previous addresses)."""
        if not 0 < company_id <= MAX_ID:
            raise NotFound()
        return (
            request.env["sms.gateway.account"]
            .sudo()
            .with_context(active_test=False)
            .search([("company_id", "=", company_id), ("provider", "=", code)])
        )

    def _sms_gateway_check_secret(
        self, accounts, secret, where, what="Delivery report"
    ):
        """The account among ``accounts`` whose secret is ``secret``, else 404."""
        for account in accounts:
            if _same_secret(account.callback_secret or "", secret):
                return account
        _logger.info("%s with a wrong secret for %s", what, where)
        raise NotFound()

    def _sms_gateway_check_signature(
        self, accounts, provider_class, where, what="report"
    ):
        """The account among ``accounts`` that signed this request, else 403."""
        httprequest = request.httprequest
        if httprequest.mimetype == "application/x-www-form-urlencoded":
            params = {key: values for key, values in httprequest.form.lists()}
            query = (
                f"?{httprequest.query_string.decode()}"
                if httprequest.query_string
                else ""
            )
            for account in accounts:
                config = account._sms_provider_config()
                urls = {
                    httprequest.url,
                    f"{account.company_id.get_base_url()}{httprequest.path}{query}",
                }
                if any(
                    provider_class.verify_callback(
                        config, url, params, httprequest.headers
                    )
                    for url in urls
                ):
                    return account, params
        _logger.info(
            "%s %s with a bad signature for %s", provider_class.label, what, where
        )
        raise Forbidden()

    # ------------------------------------------------------------------
    # What it says
    # ------------------------------------------------------------------

    def _sms_gateway_refuse(self, where, code, reason, exception=BadRequest):
        _logger.info("Delivery report of %s for %s refused: %s", code, where, reason)
        raise exception(reason)

    def _sms_gateway_payload(self, where, code):
        """The report's fields: the JSON body, else the query and form values."""
        httprequest = request.httprequest
        if httprequest.mimetype == "application/json":
            length = httprequest.content_length
            if length is None:
                self._sms_gateway_refuse(
                    where, code, "A JSON report needs a length.", LengthRequired
                )
            if length > MAX_BODY_BYTES:
                self._sms_gateway_refuse(
                    where, code, "The report is too large.", RequestEntityTooLarge
                )
            try:
                return json.loads(httprequest.get_data().decode("utf-8"))
            except UnicodeDecodeError:
                self._sms_gateway_refuse(where, code, "The report is not UTF-8.")
            except (ValueError, RecursionError):
                self._sms_gateway_refuse(where, code, "The report is not JSON.")
        return {
            key: values[0] if len(values) == 1 else values
            for key, values in httprequest.values.lists()
        }

    def _sms_gateway_events(self, where, code, payload):
        try:
            return providers.parse_callback(code, payload)
        except CallbackError as error:
            exception = (
                RequestEntityTooLarge if error.http_status == 413 else BadRequest
            )
            return self._sms_gateway_refuse(
                where, code, f"The delivery report is not readable: {error}", exception
            )

    def _sms_gateway_deliver(self, account, code, events, bound=True):
        """The one place the routes hand delivery events over to the messages:
        they are stored at once (a plain INSERT that never waits for the
        dispatch) and applied as soon as their message is recorded. A report
        to an account's address (``bound``) reaches only that account's
        messages; one to a previous per-company address, the company's."""
        request.env["sms.gateway.delivery.event"].sudo()._sms_store(
            account.company_id, code, events, account=account if bound else None
        )

    def _sms_gateway_secret_report(self, code, accounts, secret, where, bound=True):
        account = self._sms_gateway_check_secret(accounts, secret, where)
        payload = self._sms_gateway_payload(where, code)
        events = self._sms_gateway_events(where, code, payload)
        self._sms_gateway_deliver(account, code, events, bound)
        return request.make_response("OK", headers=[("Content-Type", "text/plain")])

    def _sms_gateway_signed_report(self, provider_class, accounts, where, bound=True):
        account, params = self._sms_gateway_check_signature(
            accounts, provider_class, where
        )
        payload = {
            key: values[0] if len(values) == 1 else values
            for key, values in params.items()
        }
        events = self._sms_gateway_events(where, provider_class.code, payload)
        self._sms_gateway_deliver(account, provider_class.code, events, bound)
        return request.make_response("", headers=[("Content-Type", "text/plain")])

    def _sms_gateway_inbound(self, account, provider_class, payload, where):
        """Store the replies of ``payload`` received through ``account`` and
        answer as the provider expects."""
        code = provider_class.code
        try:
            messages = inbound.parse_inbound(code, payload)
        except inbound.InboundError as error:
            exception = (
                RequestEntityTooLarge if error.http_status == 413 else BadRequest
            )
            _logger.info("Reply of %s for %s refused: %s", code, where, error)
            raise exception(f"The message is not readable: {error}") from None
        request.env["sms.gateway.message"].sudo()._sms_store_inbound(account, messages)
        status, body, content_type = provider_class.inbound_answer
        return request.make_response(
            body, headers=[("Content-Type", content_type)], status=status
        )

    # ------------------------------------------------------------------
    # Routes
    # ------------------------------------------------------------------

    @http.route(
        "/sms_gateway/inbound/<string:code>/<int:account_id>/<string:secret>",
        methods=["GET", "POST"],
        **REPORT_ROUTE,
    )
    def sms_gateway_inbound_secret(self, code, account_id, secret, **_kwargs):
        provider_class = _inbound_class(code, signed=False)
        where = f"SMS account {account_id}"
        account = self._sms_gateway_check_secret(
            self._sms_gateway_account(code, account_id), secret, where, "Reply"
        )
        payload = self._sms_gateway_payload(where, code)
        return self._sms_gateway_inbound(account, provider_class, payload, where)

    @http.route(
        "/sms_gateway/inbound/<string:code>/<int:account_id>",
        methods=["POST"],
        **REPORT_ROUTE,
    )
    def sms_gateway_inbound_signed(self, code, account_id, **_kwargs):
        provider_class = _inbound_class(code, signed=True)
        where = f"SMS account {account_id}"
        account, params = self._sms_gateway_check_signature(
            self._sms_gateway_account(code, account_id), provider_class, where, "reply"
        )
        payload = {
            key: values[0] if len(values) == 1 else values
            for key, values in params.items()
        }
        return self._sms_gateway_inbound(account, provider_class, payload, where)

    @http.route(
        "/sms_gateway/delivery/<string:code>/<int:account_id>/<string:secret>",
        methods=["GET", "POST"],
        **REPORT_ROUTE,
    )
    def sms_gateway_delivery_secret(self, code, account_id, secret, **_kwargs):
        _provider_class(code, signed=False)
        account = self._sms_gateway_account(code, account_id)
        return self._sms_gateway_secret_report(
            code, account, secret, f"SMS account {account_id}"
        )

    @http.route(
        "/sms_gateway/delivery/<string:code>/<int:account_id>",
        methods=["POST"],
        **REPORT_ROUTE,
    )
    def sms_gateway_delivery_signed(self, code, account_id, **_kwargs):
        provider_class = _provider_class(code, signed=True)
        account = self._sms_gateway_account(code, account_id)
        return self._sms_gateway_signed_report(
            provider_class, account, f"SMS account {account_id}"
        )

    @http.route(
        "/sms_gateway/status/<string:code>/<int:company_id>/<string:secret>",
        methods=["GET", "POST"],
        **REPORT_ROUTE,
    )
    def sms_gateway_status_secret(self, code, company_id, secret, **_kwargs):
        _provider_class(code, signed=False)
        accounts = self._sms_gateway_company_accounts(code, company_id)
        return self._sms_gateway_secret_report(
            code, accounts, secret, f"company {company_id}", bound=False
        )

    @http.route(
        "/sms_gateway/status/<string:code>/<int:company_id>",
        methods=["POST"],
        **REPORT_ROUTE,
    )
    def sms_gateway_status_signed(self, code, company_id, **_kwargs):
        provider_class = _provider_class(code, signed=True)
        accounts = self._sms_gateway_company_accounts(code, company_id)
        return self._sms_gateway_signed_report(
            provider_class, accounts, f"company {company_id}", bound=False
        )
