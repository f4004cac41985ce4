/** @odoo-module **/
// Copyright 2026 sms_gateway authors
// License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
//
// An administrator, without developer mode, opens Settings > Users, a user,
// gives them the SMS Gateway level and the SMS Billing right, and saves.

import { registry } from "@web/core/registry";

function choose(label, option) {
    return {
        content: `Choose "${option}" for ${label}`,
        trigger: `.o_wrap_field:has(label:contains("${label}")) select`,
        run: `selectByLabel ${option}`,
    };
}

registry.category("web_tour.tours").add("sms_gateway_rights_tour", {
    steps: () => [
        {
            content: "Open the apps menu",
            trigger: ".o_navbar_apps_menu button",
            run: "click",
        },
        {
            content: "Open Settings",
            trigger: ".dropdown-item.o_app[data-menu-xmlid='base.menu_administration']",
            run: "click",
        },
        {
            content: "Open the Users & Companies menu",
            trigger: ".o_menu_sections button[data-menu-xmlid='base.menu_users']",
            run: "click",
        },
        {
            content: "Open Users",
            trigger: ".dropdown-item[data-menu-xmlid='base.menu_action_res_users']",
            run: "click",
        },
        {
            content: "Open the new colleague",
            trigger: ".o_data_row .o_data_cell:contains('Tiina Trainee')",
            run: "click",
        },
        {
            content: "The SMS Gateway rights are on the Access Rights tab",
            trigger: ".o_horizontal_separator:contains('SMS Gateway')",
        },
        choose("SMS Gateway", "Manager"),
        choose("SMS Gateway", "User"),
        choose("SMS Billing", "Accountant"),
        {
            content: "Save",
            trigger: ".o_form_button_save",
            run: "click",
        },
        {
            content: "Saved",
            trigger: ".o_form_renderer.o_form_saved",
        },
    ],
});
