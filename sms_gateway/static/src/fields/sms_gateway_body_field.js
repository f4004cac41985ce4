/** @odoo-module **/
// Copyright 2026 sms_gateway authors
// License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
//
// The SMS text of the send window. Each keystroke (debounced) is sent to the
// server, where the exact SMS engine computes characters, encoding, parts and
// cost: the counters under the text follow as the user types.

import { useEffect } from "@odoo/owl";
import { registry } from "@web/core/registry";
import { useDebounced } from "@web/core/utils/timing";
import { TextField, textField } from "@web/views/fields/text/text_field";

export class SmsGatewayBodyField extends TextField {
    setup() {
        super.setup();
        this.pushText = useDebounced(async () => {
            const el = this.textareaRef.el;
            if (el && el.value !== (this.props.record.data[this.props.name] || "")) {
                await this.props.record.update({ [this.props.name]: el.value });
            }
        }, 200);
        useEffect(
            (el) => {
                if (!el) {
                    return;
                }
                const onInput = () => this.pushText();
                el.addEventListener("input", onInput);
                return () => el.removeEventListener("input", onInput);
            },
            () => [this.textareaRef.el]
        );
    }
}

export const smsGatewayBodyField = {
    ...textField,
    component: SmsGatewayBodyField,
};

registry.category("fields").add("sms_gateway_body", smsGatewayBodyField);
