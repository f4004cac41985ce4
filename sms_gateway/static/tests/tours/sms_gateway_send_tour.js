/** @odoo-module **/
// Copyright 2026 sms_gateway authors
// License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
//
// A user selects partners in the SMS contacts list, opens Send SMS, types a
// Polish text, sees the parts drop when transliteration is ticked, and sends.

import { registry } from "@web/core/registry";

const POLISH = "Zażółć gęślą jaźń. ".repeat(8);

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

registry.category("web_tour.tours").add("sms_gateway_send_tour", {
    steps: () => [
        {
            content: "Search the tour's partners",
            trigger: ".o_searchview_input",
            run: "edit Tour Recipient",
        },
        {
            content: "Validate the search",
            trigger: ".o_searchview_input",
            run: "press Enter",
        },
        {
            content: "Wait for the filtered list",
            trigger: ".o_list_renderer .o_data_row:contains('Tour Recipient 3')",
        },
        {
            content: "Select all the partners of the list",
            trigger: "thead .o_list_record_selector input",
            run: "click",
        },
        {
            content: "Open the Actions menu",
            trigger: ".o_cp_action_menus .dropdown-toggle",
            run: "click",
        },
        {
            content: "Choose Send SMS",
            trigger: ".o-dropdown--menu .o-dropdown-item:contains('Send SMS')",
            run: "click",
        },
        {
            content: "The window counts the recipients",
            trigger: ".modal .o_field_widget[name=count_sendable]:contains('3')",
        },
        {
            content: "Type a Polish text",
            trigger: ".modal .o_field_sms_gateway_body textarea",
            run: `edit ${POLISH}`,
        },
        expectText(".modal .o_sms_gateway_encoding", "UCS-2"),
        expectText(".modal .o_sms_gateway_parts", "3"),
        {
            content: "Tick transliteration (keep GSM-7 characters)",
            trigger: ".modal .o_field_widget[name=transliterate] input[data-value=gsm]",
            run: "click",
        },
        expectText(".modal .o_sms_gateway_encoding", "GSM-7"),
        expectText(".modal .o_sms_gateway_parts", "1"),
        {
            content: "Send",
            trigger: ".modal-footer button[name=action_send]:visible",
            run: "click",
        },
        {
            content: "The mailing opens with its summary",
            trigger: ".o_form_view .o_field_widget[name=send_summary]:contains('3 queued')",
        },
    ],
});
