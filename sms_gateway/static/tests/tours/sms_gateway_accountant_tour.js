/** @odoo-module **/
// Copyright 2026 sms_gateway authors
// License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
//
// An Accountant's first day: every SMS screen they can reach opens without
// an error, and shows figures, never texts.

import { registry } from "@web/core/registry";

function noErrorDialog(content) {
    return {
        content,
        trigger: "body:not(:has(.o_error_dialog)):not(:has(.o_dialog .modal-title:contains('Error')))",
    };
}

registry.category("web_tour.tours").add("sms_gateway_accountant_tour", {
    steps: () => [
        {
            content: "SMS > Mailings lists the mailing sent to a group",
            trigger: ".o_list_renderer .o_data_row .o_data_cell[name=name]:contains('Spring news')",
            run: "click",
        },
        {
            content: "The mailing opens",
            trigger: ".o_form_view .o_field_widget[name=name]:contains('Spring news')",
        },
        noErrorDialog("No access error on the mailing"),
        {
            content: "No text is shown to an Accountant",
            trigger: ".o_form_view:not(:contains('Spring cleaning on Saturday'))",
        },
        {
            content: "Open SMS > Messages",
            trigger: ".o_menu_sections button:contains('Messages'), .o_menu_sections .o_nav_entry:contains('Messages')",
            run: "click",
        },
        {
            content: "All messages",
            trigger: ".dropdown-menu .dropdown-item:contains('All Messages'), .o-dropdown--menu .o-dropdown-item:contains('All Messages')",
            run: "click",
        },
        {
            content: "Open a message of the mailing",
            trigger: ".o_list_renderer .o_data_row:contains('Spring Volunteer 1') .o_data_cell:eq(1)",
            run: "click",
        },
        {
            content: "The message opens",
            trigger: ".o_form_view .o_field_widget[name=number]",
        },
        noErrorDialog("No access error on the message"),
        {
            content: "No text on the message",
            trigger: ".o_form_view:not(:contains('Spring cleaning on Saturday'))",
        },
        {
            content: "Open Reporting",
            trigger: ".o_menu_sections button:contains('Reporting')",
            run: "click",
        },
        {
            content: "Usage",
            trigger: ".dropdown-menu .dropdown-item:contains('Usage'), .o-dropdown--menu .o-dropdown-item:contains('Usage')",
            run: "click",
        },
        {
            content: "The usage report opens",
            trigger: ".o_action_manager .o_view_controller:not(.o_form_view)",
        },
        noErrorDialog("No access error on the usage report"),
        {
            content: "Open Reporting again",
            trigger: ".o_menu_sections button:contains('Reporting')",
            run: "click",
        },
        {
            content: "Billing Export",
            trigger: ".dropdown-menu .dropdown-item:contains('Billing Export'), .o-dropdown--menu .o-dropdown-item:contains('Billing Export')",
            run: "click",
        },
        {
            content: "The export window opens",
            trigger: ".modal .o_form_view, .o_form_view",
        },
        noErrorDialog("No access error on the billing export"),
    ],
});
