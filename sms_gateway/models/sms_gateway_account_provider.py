# Copyright 2026 sms_gateway authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""What each provider adds to ``sms.gateway.account``, read from its
declaration in ``tools/providers/<code>.py``.

For every provider of the registry: its code in the ``provider`` selection
(``selection_add``, as each ``payment_<code>`` module extends
``payment.provider``) and one field ``<code>_<key>`` per declared credential,
readable and writable by system administrators only, shown on the account's
form when the account uses that provider. A credential that declares
``choices`` (SMSAPI's two addresses, .com and .pl) is offered as a choice,
``<code>_<key>_choice``, with "Other" for any other value (a proxy, a test
server): the stored value stays in the credential's own field. Adding a
provider is adding its module to ``tools/providers/``: nothing here changes.
"""

from lxml import etree

from odoo import api, fields, models

from ..tools import providers


def _extension(provider_class):
    code = provider_class.code
    attrs = {
        "__module__": __name__,
        "_inherit": "sms.gateway.account",
        "provider": fields.Selection(
            selection_add=[(code, provider_class.label)],
            ondelete={code: "set default"},
        ),
    }
    for credential in provider_class.credentials:
        attrs[f"{code}_{credential.key}"] = fields.Char(
            string=f"{provider_class.label} {credential.label}",
            groups="base.group_system",
            copy=not credential.secret,
            default=credential.default,
            help=credential.help or None,
        )
        if credential.choices:
            attrs.update(_choice_field(code, credential, provider_class.label))
    return type(f"SmsGatewayAccount{code.title()}", (models.Model,), attrs)


OTHER = "other"


def _choice_field(code, credential, label):
    """A selection over ``credential.choices`` (and "Other") that reads and
    writes the credential's field ``<code>_<key>``."""
    name = f"{code}_{credential.key}"
    values = dict(credential.choices)

    def compute(self):
        for account in self:
            value = (account[name] or credential.default or "").strip().rstrip("/")
            account[f"{name}_choice"] = value if value in values else OTHER

    def inverse(self):
        for account in self:
            choice = account[f"{name}_choice"]
            if choice in values and account[name] != choice:
                account[name] = choice

    return {
        f"{name}_choice": fields.Selection(
            [*credential.choices, (OTHER, "Other address")],
            string=f"{label} Service",
            compute=f"_compute_{name}_choice",
            inverse=f"_inverse_{name}_choice",
            groups="base.group_system",
            help=credential.help or None,
        ),
        f"_compute_{name}_choice": api.depends(name)(compute),
        f"_inverse_{name}_choice": inverse,
    }


EXTENSIONS = [
    _extension(provider_class)
    for code, provider_class in providers.PROVIDERS.items()
    if code != "sandbox"
]


class SmsGatewayAccount(models.Model):
    _inherit = "sms.gateway.account"  # pylint: disable=consider-merging-classes-inherited

    @api.model
    def _get_view(self, view_id=None, view_type="form", **options):
        """Each provider's credential fields in the form's credentials group."""
        arch, view = super()._get_view(view_id, view_type, **options)
        group = (
            arch.find(".//group[@name='credentials']") if view_type == "form" else None
        )
        if group is not None:
            for code, provider_class in providers.PROVIDERS.items():
                for credential in provider_class.credentials:
                    name = f"{code}_{credential.key}"
                    invisible = f"provider != '{code}'"
                    if credential.choices:
                        etree.SubElement(
                            group,
                            "field",
                            {
                                "name": f"{name}_choice",
                                "string": credential.label,
                                "groups": "base.group_system",
                                "invisible": invisible,
                            },
                        )
                        invisible = f"{invisible} or {name}_choice != '{OTHER}'"
                    node = etree.SubElement(
                        group,
                        "field",
                        {
                            "name": name,
                            "string": credential.label
                            if not credential.choices
                            else f"{credential.label} (URL)",
                            "groups": "base.group_system",
                            "invisible": invisible,
                        },
                    )
                    if credential.required:
                        node.set("required", f"provider == '{code}' and active")
                    if credential.secret:
                        node.set("password", "True")
        return arch, view
