# Copyright 2026 sms_gateway authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Delivery report routes of the SMS providers.

- SMSAPI, Quriiri and the sandbox:
  ``/sms_gateway/status/<code>/<company id>/<secret>``; the company's own
  secret (compared in constant time) authenticates the call.
- Twilio: ``/sms_gateway/status/twilio/<company id>``, authenticated by
  Twilio's ``X-Twilio-Signature`` made with the company's auth token; a
  company without a token accepts no Twilio report.

A call that does not authenticate gets 404 (wrong secret or unknown company)
or 403 (bad signature) and changes nothing. A malformed report (not an object
of texts and numbers, nested, not UTF-8, a NUL, too long, no message named)
gets 400, a body over ``MAX_BODY_BYTES`` or more than ``callbacks.MAX_EVENTS``
events 413, a JSON body without a length 411; none changes anything. Refusals
are logged with the company id and the reason, never the secret nor the
body. A report only ever reaches the messages the company sent through that
provider (see ``sms.gateway.message``). Answers are short and fast; applying
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
from ..tools.providers.callbacks import CallbackError

_logger = logging.getLogger(__name__)

# Providers whose report route carries the company's secret: those that send
# reports (or, like the sandbox, simulate them) and do not sign them; a
# signed provider has its own route.
SECRET_CODES = tuple(
    code
    for code, provider in providers.PROVIDERS.items()
    if (provider.supports_callbacks or provider.supports_polling)
    and not provider.callback_signed
)
# Largest report body read; werkzeug refuses bigger forms before parsing them.
MAX_BODY_BYTES = 1024 * 1024
# Ids beyond PostgreSQL's integer: no such company.
MAX_COMPANY_ID = 2**31 - 1


class SmsGatewayController(http.Controller):
    def _sms_gateway_company(self, company_id):
        if not 0 < company_id <= MAX_COMPANY_ID:
            raise NotFound()
        company = request.env["res.company"].sudo().browse(company_id).exists()
        if not company:
            raise NotFound()
        return company

    def _sms_gateway_check_secret(self, company, secret):
        expected = company.sms_gateway_callback_secret or ""
        given = secret.encode("utf-8", "replace")
        if not (expected and hmac.compare_digest(expected.encode(), given)):
            _logger.info(
                "Delivery report with a wrong secret for company %s", company.id
            )
            raise NotFound()

    def _sms_gateway_refuse(self, company, code, reason, exception=BadRequest):
        _logger.info(
            "Delivery report of %s for company %s refused: %s",
            code,
            company.id,
            reason,
        )
        raise exception(reason)

    def _sms_gateway_payload(self, company, code):
        """The report's fields: the JSON body, else the query and form values."""
        httprequest = request.httprequest
        if httprequest.mimetype == "application/json":
            length = httprequest.content_length
            if length is None:
                self._sms_gateway_refuse(
                    company, code, "A JSON report needs a length.", LengthRequired
                )
            if length > MAX_BODY_BYTES:
                self._sms_gateway_refuse(
                    company, code, "The report is too large.", RequestEntityTooLarge
                )
            try:
                return json.loads(httprequest.get_data().decode("utf-8"))
            except UnicodeDecodeError:
                self._sms_gateway_refuse(company, code, "The report is not UTF-8.")
            except (ValueError, RecursionError):
                self._sms_gateway_refuse(company, code, "The report is not JSON.")
        return {
            key: values[0] if len(values) == 1 else values
            for key, values in httprequest.values.lists()
        }

    def _sms_gateway_events(self, company, code, payload):
        try:
            return providers.parse_callback(code, payload)
        except CallbackError as error:
            exception = (
                RequestEntityTooLarge if error.http_status == 413 else BadRequest
            )
            return self._sms_gateway_refuse(
                company,
                code,
                f"The delivery report is not readable: {error}",
                exception,
            )

    def _sms_gateway_deliver(self, company, code, events):
        """The one place the routes hand delivery events over to the messages:
        they are stored at once (a plain INSERT that never waits for the
        dispatch) and applied as soon as their message is recorded."""
        request.env["sms.gateway.delivery.event"].sudo()._sms_store(
            company, code, events
        )

    @http.route(
        "/sms_gateway/status/<string:code>/<int:company_id>/<string:secret>",
        type="http",
        auth="public",
        methods=["GET", "POST"],
        csrf=False,
        save_session=False,
        max_content_length=MAX_BODY_BYTES,
    )
    def sms_gateway_status_secret(self, code, company_id, secret, **_kwargs):
        if code not in SECRET_CODES:
            raise NotFound()
        company = self._sms_gateway_company(company_id)
        self._sms_gateway_check_secret(company, secret)
        payload = self._sms_gateway_payload(company, code)
        events = self._sms_gateway_events(company, code, payload)
        self._sms_gateway_deliver(company, code, events)
        return request.make_response("OK", headers=[("Content-Type", "text/plain")])

    @http.route(
        "/sms_gateway/status/twilio/<int:company_id>",
        type="http",
        auth="public",
        methods=["POST"],
        csrf=False,
        save_session=False,
        max_content_length=MAX_BODY_BYTES,
    )
    def sms_gateway_status_twilio(self, company_id, **_kwargs):
        company = self._sms_gateway_company(company_id)
        token = company.sms_gateway_twilio_auth_token
        httprequest = request.httprequest
        params = {key: values for key, values in httprequest.form.lists()}
        signature = httprequest.headers.get("X-Twilio-Signature", "")
        urls = {httprequest.url}
        query = (
            f"?{httprequest.query_string.decode()}" if httprequest.query_string else ""
        )
        urls.add(f"{company.get_base_url()}{httprequest.path}{query}")
        twilio = providers.get("twilio")
        if not (
            token
            and signature
            and httprequest.mimetype == "application/x-www-form-urlencoded"
            and any(
                twilio.verify_callback(
                    {"auth_token": token}, url, params, httprequest.headers
                )
                for url in urls
            )
        ):
            _logger.info(
                "Twilio status callback with a bad signature for company %s", company_id
            )
            raise Forbidden()
        payload = {
            key: values[0] if len(values) == 1 else values
            for key, values in params.items()
        }
        events = self._sms_gateway_events(company, "twilio", payload)
        self._sms_gateway_deliver(company, "twilio", events)
        return request.make_response("", headers=[("Content-Type", "text/plain")])
