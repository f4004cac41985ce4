/** @odoo-module **/
// Copyright 2026 sms_gateway authors
// License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
//
// A first day in the browser: the administrator sends a test SMS from
// Settings, and a user sees in the send window what the 24-hour guard and
// the monthly cap will do before clicking Send.

import { registry } from "@web/core/registry";

registry.category("web_tour.tours").add("sms_gateway_test_sms_tour", {
    steps: () => [
        {
            content: "Settings > SMS: type a number to send a test SMS to",
            trigger: ".o_field_widget[name=sms_gateway_test_number] input",
            run: "edit 040 123 4567",
        },
        {
            content: "Send a test SMS",
            trigger: "button[name=action_sms_gateway_send_test]",
            run: "click",
        },
        {
            content: "It went through the account that serves the number, from its sender",
            trigger:
                ".o_notification:contains('Tour Sandbox accepted the test SMS to +358401234567 from Yhdistys')",
        },
        {
            content: "The number is still there: a second click sends again",
            trigger: ".o_field_widget[name=sms_gateway_test_number] input:value(040 123 4567)",
        },
        {
            content: "Send a test SMS again",
            trigger: "button[name=action_sms_gateway_send_test]",
            run: "click",
        },
        {
            content: "Two notifications",
            trigger: ".o_notification:contains('accepted the test SMS'):eq(1)",
        },
        {
            content: "Settings > SMS: open the SMS accounts",
            trigger: "button[name=action_sms_gateway_accounts]",
            run: "click",
        },
        {
            content: "Open the account",
            trigger: ".o_data_row .o_data_cell[name=name]:contains('Tour Sandbox')",
            run: "click",
        },
        {
            content: "Type the number to send the test SMS to",
            trigger: ".o_field_widget[name=test_number] input",
            run: "edit +358 40 123 4567",
        },
        {
            content: "Send the test SMS",
            trigger: "button[name=action_send_test]",
            run: "click",
        },
        {
            content: "The notification says it went, from the account's sender",
            trigger:
                ".o_notification:contains('accepted the test SMS to +358401234567 from Yhdistys')",
        },
        {
            content: "The chatter notes it",
            trigger: ".o-mail-Message:contains('accepted the test SMS to +358401234567')",
        },
        {
            content: "Click again: the number is still there and it sends again",
            trigger: "button[name=action_send_test]",
            run: "click",
        },
        {
            content: "The account's chatter notes all four test SMS",
            trigger: ".o-mail-Message:contains('accepted the test SMS'):eq(3)",
        },
    ],
});

registry.category("web_tour.tours").add("sms_gateway_preview_limits_tour", {
    steps: () => [
        {
            content: "Search the tour's contacts",
            trigger: ".o_searchview_input",
            run: "edit Limit Tour",
        },
        {
            content: "Validate the search",
            trigger: ".o_searchview_input",
            run: "press Enter",
        },
        {
            content: "Wait for the filtered list",
            trigger: ".o_list_renderer .o_data_row:contains('Limit Tour B')",
        },
        {
            content: "Select both contacts",
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
            content: "Type the text one of them got this morning",
            trigger: ".modal .o_field_sms_gateway_body textarea",
            run: "edit Welcome to the spring meeting on Friday!",
        },
        {
            content: "The window counts the one who got it within 24 hours",
            trigger: ".modal .o_field_widget[name=count_recent]:contains('1')",
        },
        {
            content: "and will send to the other one only",
            trigger: ".modal .o_field_widget[name=count_sendable]:contains('1')",
        },
        {
            content: "Send again to both",
            trigger: ".modal .o_field_widget[name=allow_duplicates] input",
            run: "click",
        },
        {
            content: "The window says the monthly cap refuses it, before Send",
            trigger:
                ".modal .o_sms_gateway_limit_refusal:visible:contains('monthly cap of 2 leaves 1')",
        },
        {
            content: "Keep the 24-hour guard",
            trigger: ".modal .o_field_widget[name=allow_duplicates] input",
            run: "click",
        },
        {
            content: "The refusal is gone",
            trigger: ".modal:not(:has(.o_sms_gateway_limit_refusal:visible))",
        },
        {
            content: "Send",
            trigger: ".modal-footer button[name=action_send]:visible",
            run: "click",
        },
        {
            content: "The mailing says what was done",
            trigger:
                ".o_form_view .o_field_widget[name=send_summary]:contains('1 queued'):contains('1 skipped')",
        },
    ],
});

registry.category("web_tour.tours").add("sms_gateway_placeholder_picker_tour", {
    steps: () => [
        {
            content: "Search the tour's contacts",
            trigger: ".o_searchview_input",
            run: "edit Limit Tour A",
        },
        {
            content: "Validate the search",
            trigger: ".o_searchview_input",
            run: "press Enter",
        },
        {
            content: "Select the contact",
            trigger: ".o_list_renderer .o_data_row:contains('Limit Tour A') .o_list_record_selector input",
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
            content: "Start the text",
            trigger: ".modal .o_field_sms_gateway_body textarea",
            run: "edit Hello",
        },
        {
            content: "The placeholder picker sits inside the text box",
            trigger: ".modal .o_field_sms_gateway_body button.fa-magic",
            run: function () {
                const button = this.anchor.getBoundingClientRect();
                const box = document
                    .querySelector(".modal .o_field_sms_gateway_body textarea")
                    .getBoundingClientRect();
                const inside =
                    button.left >= box.left - 1 &&
                    button.right <= box.right + 1 &&
                    button.top >= box.top - 1 &&
                    button.bottom <= box.bottom + 1;
                if (!inside) {
                    throw new Error(
                        `the magic wand (${JSON.stringify(button)}) is outside the text (${JSON.stringify(box)})`
                    );
                }
            },
        },
        {
            content: "Open the placeholder picker",
            trigger: ".modal .o_field_sms_gateway_body button.fa-magic",
            run: "click",
        },
        {
            content: "Pick the contact's name",
            trigger: ".o_model_field_selector_popover_item[data-name=name] button",
            run: "click",
        },
        {
            content: "Insert it",
            trigger: ".o_model_field_selector_popover button:contains('Insert')",
            run: "click",
        },
        {
            content: "The preview is written for the contact",
            trigger: ".modal .o_field_widget[name=preview_body]:contains('Hello Limit Tour A')",
        },
        {
            content: "Close the window without sending",
            trigger: ".modal-footer button:contains('Cancel')",
            run: "click",
        },
        {
            content: "The window is closed",
            trigger: "body:not(:has(.modal))",
        },
    ],
});
