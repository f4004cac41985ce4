/** @odoo-module **/
// Copyright 2026 sms_gateway authors
// License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
//
// A group import as people do it on their first day: from the group's form,
// a file exported by their own software (a Polish ERP's Windows-1250 CSV, a
// Finnish member register's UTF-8 file with one line pasted from an old
// Excel file, a list whose phone column has a name nobody guessed), through
// the mapping step, to the result banner. The files are built here, byte by
// byte, and uploaded through the form's file input as a browser does.

import { registry } from "@web/core/registry";

// The letters of the files below in the Windows encodings.
const CP1250 = {
    ą: 0xb9, ć: 0xe6, ę: 0xea, ł: 0xb3, ń: 0xf1, ó: 0xf3, ś: 0x9c, ź: 0x9f, ż: 0xbf,
    Ą: 0xa5, Ć: 0xc6, Ę: 0xca, Ł: 0xa3, Ń: 0xd1, Ó: 0xd3, Ś: 0x8c, Ź: 0x8f, Ż: 0xaf,
};
const CP1252 = { ä: 0xe4, ö: 0xf6, å: 0xe5, Ä: 0xc4, Ö: 0xd6, Å: 0xc5 };

function encode8bit(text, table) {
    const bytes = [];
    for (const char of text) {
        const code = char.charCodeAt(0);
        if (code < 0x80) {
            bytes.push(code);
        } else if (table[char]) {
            bytes.push(table[char]);
        } else {
            throw new Error(`No byte for ${char}`);
        }
    }
    return new Uint8Array(bytes);
}

function utf8(text) {
    return new TextEncoder().encode(text);
}

function upload(name, parts) {
    const input = document.querySelector(".modal .o_field_widget[name=file] input[type=file]");
    const transfer = new DataTransfer();
    transfer.items.add(new File(parts, name, { type: "text/csv" }));
    input.files = transfer.files;
    input.dispatchEvent(new Event("change", { bubbles: true }));
}

function openImport() {
    return [
        {
            content: "Import from the group's form",
            trigger: ".o_form_view .o_form_statusbar button[name=action_import]",
            run: "click",
        },
        {
            content: "The import window opens on the file step",
            trigger: ".modal .o_field_widget[name=file] .o_select_file_button",
        },
    ];
}

function uploadStep(name, parts) {
    return [
        {
            content: `Upload ${name}`,
            trigger: ".modal .o_field_widget[name=file]",
            run() {
                upload(name, parts);
            },
        },
        {
            content: `${name} is chosen`,
            trigger: `.modal .o_field_widget[name=file] input.o_input:value('${name}')`,
        },
    ];
}

const next = {
    content: "Next",
    trigger: ".modal-footer button[name=action_read_file]",
    run: "click",
};
const doImport = {
    content: "Import",
    trigger: ".modal-footer button[name=action_import]",
    run: "click",
};

function column(header, sample, field) {
    return {
        content: `Column ${header}: sample ${sample}, imported as ${field}`,
        trigger:
            `.modal .o_field_widget[name=column_ids] .o_data_row:has(td[name=header]:contains('${header}'))` +
            `:has(td[name=sample]:contains('${sample}')):has(td[name=field]:contains('${field}'))`,
    };
}

// ---------------------------------------------------------------------------
// A Polish ERP user: Windows-1250, Polish headers, local numbers, "może".
// ---------------------------------------------------------------------------

const polishFile = encode8bit(
    [
        "Imię i nazwisko;Telefon komórkowy;Zgoda",
        "Łukasz Żółkiewski;501 719 301;tak",
        "Małgorzata Wiśniewska;602-719-302;nie",
        "Grzegorz Brzęczyszczykiewicz;791 719 303;może",
        "",
    ].join("\r\n"),
    CP1250
);

registry.category("web_tour.tours").add("sms_gateway_group_import_polish_tour", {
    steps: () => [
        ...openImport(),
        {
            content: "Local numbers are read as Polish ones (the SMS default country)",
            trigger: ".modal .o_field_widget[name=country_hint]:contains('Poland (+48)')",
        },
        ...uploadStep("kontrahenci.csv", [polishFile]),
        next,
        {
            content: "The mapping step names the encoding it read",
            trigger: ".modal .o_field_widget[name=file_encoding]:contains('Windows-1250')",
        },
        column("Imię i nazwisko", "Łukasz Żółkiewski", "Name"),
        column("Telefon komórkowy", "501 719 301", "Phone"),
        column("Zgoda", "tak", "Consent"),
        doImport,
        {
            content: "An orange banner with the counts",
            trigger:
                ".modal .alert-warning:contains('3 lines read: 3 imported, 0 refused, " +
                "1 imported with a warning'):contains('Added to the group: 3')",
        },
        {
            content: "Never green when a line has a warning",
            trigger: ".modal:not(:has(.alert-success)):not(:has(.alert-danger))",
        },
        {
            content: "The warned line is named, with its word",
            trigger:
                ".modal .o_field_widget[name=line_ids] .o_data_row:has(td[name=line_number]:contains('4'))" +
                ":has(td:contains('Grzegorz Brzęczyszczykiewicz'))" +
                ":has(td[name=message].o_list_text:contains('Consent \"może\" is not a word the import knows'))",
        },
        {
            content: "Close",
            trigger: ".modal-footer button:contains('Close')",
            run: "click",
        },
        {
            content: "The group counts its new members",
            trigger: ".o_form_view button[name=action_view_members]:contains('Members'):contains('3')",
        },
    ],
});

// ---------------------------------------------------------------------------
// A Finnish association secretary: a UTF-8 register with one Windows line.
// ---------------------------------------------------------------------------

const finnishHeader = "Nimi,Puhelin,Sähköposti,Suostumus\r\n";
const finnishLines = [
    "Päivi Äänekoski,040 719 0101,paivi@example.com,kyllä\r\n",
    "Jörgen Öhman,050 719 0102,,ei\r\n",
];
const pastedLine = "Kaisa Sääski,044 719 0103,,kyllä\r\n";
const mixedFile = [utf8(finnishHeader), ...finnishLines.map(utf8), encode8bit(pastedLine, CP1252)];
const fixedFile = [utf8(finnishHeader + finnishLines.join("") + pastedLine)];

registry.category("web_tour.tours").add("sms_gateway_group_import_finnish_tour", {
    steps: () => [
        ...openImport(),
        ...uploadStep("jasenet.csv", mixedFile),
        next,
        {
            content: "The refusal names the line that is not UTF-8",
            trigger:
                ".modal:contains('The file mixes encodings: line 4 is not UTF-8 while line 1 is')" +
                ":contains('Nothing was imported')",
        },
        {
            content: "Close the message",
            trigger: ".modal:contains('The file mixes encodings') .modal-footer .btn-primary",
            run: "click",
        },
        {
            content: "Try the Windows encoding instead",
            trigger: ".modal .o_field_widget[name=encoding] select",
            run: 'select "cp1252"',
        },
        next,
        {
            content: "Read as Windows-1252 the UTF-8 lines would be garbled: refused, naming them",
            trigger: ".modal:contains('line 1 is UTF-8'):contains('Nothing was imported')",
        },
        {
            content: "Close the message",
            trigger: ".modal:contains('line 1 is UTF-8') .modal-footer .btn-primary",
            run: "click",
        },
        {
            content: "Back to Detect",
            trigger: ".modal .o_field_widget[name=encoding] select",
            run: 'select "auto"',
        },
        ...uploadStep("jasenet-utf8.csv", fixedFile),
        next,
        {
            content: "The corrected file reads as UTF-8",
            trigger: ".modal .o_field_widget[name=file_encoding]:contains('UTF-8')",
        },
        column("Nimi", "Päivi Äänekoski", "Name"),
        column("Puhelin", "040 719 0101", "Phone"),
        column("Sähköposti", "paivi@example.com", "E-mail"),
        column("Suostumus", "kyllä", "Consent"),
        doImport,
        {
            content: "Green: every line went in",
            trigger:
                ".modal .alert-success:contains('3 lines read, all imported')" +
                ":contains('Added to the group: 3')",
        },
        {
            content: "No orange nor red banner",
            trigger: ".modal:not(:has(.alert-warning)):not(:has(.alert-danger))",
        },
        {
            content: "Close",
            trigger: ".modal-footer button:contains('Close')",
            run: "click",
        },
        {
            content: "The group counts its new members",
            trigger: ".o_form_view button[name=action_view_members]:contains('Members'):contains('3')",
        },
    ],
});

// ---------------------------------------------------------------------------
// A phone column nobody guessed: the user maps it.
// ---------------------------------------------------------------------------

const unguessedFile = [
    utf8("Nimi;Numero;Kaupunki\r\nMatti Virtanen;0407190201;Tampere\r\nLiisa Korhonen;0507190202;Oulu\r\n"),
];

registry.category("web_tour.tours").add("sms_gateway_group_import_mapping_tour", {
    steps: () => [
        ...openImport(),
        ...uploadStep("lista.csv", unguessedFile),
        next,
        column("Nimi", "Matti Virtanen", "Name"),
        column("Numero", "0407190201", "Ignore"),
        column("Kaupunki", "Tampere", "Ignore"),
        doImport,
        {
            content: "Import asks for the phone column",
            trigger: ".modal:contains('Choose the column that holds the phone numbers (set it to Phone)')",
        },
        {
            content: "Close the message",
            trigger: ".modal:contains('Choose the column that holds') .modal-footer .btn-primary",
            run: "click",
        },
        {
            content: "Edit the Numero column",
            trigger: ".modal .o_data_row:has(td[name=header]:contains('Numero')) td[name=field]",
            run: "click",
        },
        {
            content: "Import it as Phone",
            trigger: ".modal .o_data_row:has(td[name=header]:contains('Numero')) td[name=field] select",
            run: 'select "mobile"',
        },
        doImport,
        {
            content: "Both contacts are in, green",
            trigger: ".modal .alert-success:contains('2 lines read, all imported')",
        },
        {
            content: "Close",
            trigger: ".modal-footer button:contains('Close')",
            run: "click",
        },
        {
            content: "The group counts its new members",
            trigger: ".o_form_view button[name=action_view_members]:contains('Members'):contains('2')",
        },
    ],
});
