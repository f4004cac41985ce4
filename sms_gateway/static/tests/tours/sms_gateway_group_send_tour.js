/** @odoo-module **/
// Copyright 2026 sms_gateway authors
// License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
//
// The README's first SMS to a group, as a User or a Manager would do it
// without developer mode: contacts into a new group from the contacts list,
// then the group's Send SMS.

import { registry } from "@web/core/registry";

registry.category("web_tour.tours").add("sms_gateway_group_send_tour", {
    steps: () => [
        {
            content: "SMS > Contacts: search the volunteers",
            trigger: ".o_searchview_input",
            run: "edit Spring Volunteer",
        },
        {
            content: "Validate the search",
            trigger: ".o_searchview_input",
            run: "press Enter",
        },
        {
            content: "Wait for the filtered list",
            trigger: ".o_list_renderer .o_data_row:contains('Spring Volunteer 2')",
        },
        {
            content: "Select them all",
            trigger: "thead .o_list_record_selector input",
            run: "click",
        },
        {
            content: "Open the Actions menu",
            trigger: ".o_cp_action_menus .dropdown-toggle",
            run: "click",
        },
        {
            content: "Choose Add to SMS group",
            trigger: ".o-dropdown--menu .o-dropdown-item:contains('Add to SMS group')",
            run: "click",
        },
        {
            content: "Name a new group",
            trigger: ".modal .o_field_widget[name=new_group_name] input",
            run: "edit Spring Volunteers",
        },
        {
            content: "Add",
            trigger: ".modal-footer button[name=action_add]",
            run: "click",
        },
        {
            content: "The contacts are added",
            trigger: ".o_notification:contains('2 contacts added to the group')",
        },
        {
            content: "Open SMS > Groups",
            trigger: ".o_menu_sections .o_nav_entry:contains('Groups'), .o_menu_sections button:contains('Groups')",
            run: "click",
        },
        {
            content: "Open the new group",
            trigger: ".o_data_row .o_data_cell:contains('Spring Volunteers')",
            run: "click",
        },
        {
            content: "Send SMS from the group's form",
            trigger: ".o_form_view button[name=action_send_sms]",
            run: "click",
        },
        {
            content: "The window counts the group's members",
            trigger: ".modal .o_field_widget[name=count_sendable]:contains('2')",
        },
        {
            content: "Write the text",
            trigger: ".modal .o_field_sms_gateway_body textarea",
            run: "edit Spring cleaning on Saturday at 10. Welcome!",
        },
        {
            content: "The counter follows",
            trigger: ".modal .o_sms_gateway_chars_left:contains('117')",
        },
        {
            content: "Send",
            trigger: ".modal-footer button[name=action_send]:visible",
            run: "click",
        },
        {
            content: "The mailing opens with its summary",
            trigger: ".o_form_view .o_field_widget[name=send_summary]:contains('2 queued')",
        },
    ],
});
