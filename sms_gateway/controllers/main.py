# Copyright 2026 sms_gateway authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Delivery report routes of the SMS providers.

- SMSAPI and Quriiri: ``/sms_gateway/status/<code>/<company id>/<secret>``;
  the per-company secret (compared in constant time) authenticates the call.
- Twilio: ``/sms_gateway/status/twilio/<company id>``, authenticated by
  Twilio's ``X-Twilio-Signature`` made with the company's auth token.

A call that does not authenticate gets 404 (wrong secret or unknown company)
or 403 (bad signature) and changes nothing. A report only ever reaches the
messages of the company named in its address. Answers are short and fast;
applying the same report twice changes nothing the second time.
"""

import hmac
import json
import logging

from werkzeug.exceptions import BadRequest, Forbidden, NotFound

from odoo import http
from odoo.http import request

from ..tools import providers

_logger = logging.getLogger(__name__)

SECRET_CODES = ("smsapi", "quriiri", "sandbox")


class SmsGatewayController(http.Controller):
    def _sms_gateway_company(self, company_id):
        company = request.env["res.company"].sudo().browse(company_id).exists()
        if not company:
            raise NotFound()
        return company

    def _sms_gateway_check_secret(self, company, secret):
        expected = company.sms_gateway_callback_secret or ""
        if not (expected and hmac.compare_digest(expected.encode(), secret.encode())):
            raise NotFound()

    def _sms_gateway_payload(self):
        httprequest = request.httprequest
        if httprequest.mimetype == "application/json":
            try:
                return json.loads(httprequest.get_data(as_text=True) or "null")
            except ValueError as error:
                raise BadRequest("The body is not JSON.") from error
        params = {key: values for key, values in httprequest.values.lists()}
        return {
            key: values[0] if len(values) == 1 else values
            for key, values in params.items()
        }

    def _sms_gateway_apply(self, company, code, payload):
        try:
            events = providers.parse_callback(code, payload)
        except (TypeError, ValueError, AttributeError) as error:
            raise BadRequest("The delivery report is not readable.") from error
        return (
            request.env["sms.gateway.delivery.event"]
            .sudo()
            ._sms_store(company, code, events)
        )

    @http.route(
        "/sms_gateway/status/<string:code>/<int:company_id>/<string:secret>",
        type="http",
        auth="public",
        methods=["GET", "POST"],
        csrf=False,
        save_session=False,
    )
    def sms_gateway_status_secret(self, code, company_id, secret, **_kwargs):
        if code not in SECRET_CODES:
            raise NotFound()
        company = self._sms_gateway_company(company_id)
        self._sms_gateway_check_secret(company, secret)
        result = self._sms_gateway_apply(company, code, self._sms_gateway_payload())
        if code == "quriiri" and result["unknown"] and not result["applied"]:
            # Quriiri retries a report answered with 404: the message may
            # not be recorded yet.
            raise NotFound()
        return request.make_response("OK", headers=[("Content-Type", "text/plain")])

    @http.route(
        "/sms_gateway/status/twilio/<int:company_id>",
        type="http",
        auth="public",
        methods=["POST"],
        csrf=False,
        save_session=False,
    )
    def sms_gateway_status_twilio(self, company_id, **_kwargs):
        company = self._sms_gateway_company(company_id)
        token = company.sms_gateway_twilio_auth_token
        httprequest = request.httprequest
        params = httprequest.form.to_dict()
        signature = httprequest.headers.get("X-Twilio-Signature", "")
        urls = {httprequest.url}
        query = (
            f"?{httprequest.query_string.decode()}" if httprequest.query_string else ""
        )
        urls.add(f"{company.get_base_url()}{httprequest.path}{query}")
        if not (
            token
            and signature
            and any(
                providers.twilio.verify_signature(token, url, params, signature)
                for url in urls
            )
        ):
            _logger.info(
                "Twilio status callback with a bad signature for company %s", company_id
            )
            raise Forbidden()
        self._sms_gateway_apply(company, "twilio", params)
        return request.make_response("", headers=[("Content-Type", "text/plain")])
