/** @odoo-module **/
// Copyright 2026 sms_gateway authors
// License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
//
// Where the company's SMS accounts send Odoo's SMS: a user opens Odoo's own
// SMS composer on a document (as an app's "Send SMS" opens it), types a text with GSM-7
// extension characters, sees the SMS engine's counter (GSM-7, 1 part: Odoo's
// own counter says Unicode), and sends it.

import { registry } from "@web/core/registry";

function expectText(selector, expected) {
    return {
        content: `${selector} shows ${expected}`,
        trigger: `${selector}:contains("${expected}")`,
        run: function () {
            const text = this.anchor.textContent.trim();
            if (text !== expected) {
                throw new Error(`${selector}: expected "${expected}", got "${text}"`);
            }
        },
    };
}

registry.category("web_tour.tours").add("sms_gateway_odoo_composer_tour", {
    steps: () => [
        {
            content: "The composer shows the SMS engine's text box, not Odoo's counter",
            trigger: ".modal:has(.o_sms_gateway_body):not(:has(.o_sms_count))",
        },
        {
            content: "Type the text",
            trigger: ".modal .o_sms_gateway_body textarea",
            run: "edit Hinta 5 € [ale] {koodi}",
        },
        expectText(".modal .o_sms_gateway_chars", "23"),
        expectText(".modal .o_sms_gateway_encoding", "GSM-7"),
        expectText(".modal .o_sms_gateway_parts", "1"),
        {
            content: "Send",
            trigger: ".modal-footer button.btn-primary:contains('Send SMS'):enabled",
            run: "click",
        },
        {
            content: "The composer closes",
            trigger: "body:not(:has(.modal))",
        },
    ],
});
