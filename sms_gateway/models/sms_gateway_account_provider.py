# Copyright 2026 sms_gateway authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""What each provider adds to ``sms.gateway.account``, read from its
declaration in ``tools/providers/<code>.py``.

For every provider of the registry: its code in the ``provider`` selection
(``selection_add``, as each ``payment_<code>`` module extends
``payment.provider``) and one field ``<code>_<key>`` per declared credential,
readable and writable by system administrators only, shown on the account's
form when the account uses that provider. Adding a provider is adding its
module to ``tools/providers/``: nothing here changes.
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
    return type(f"SmsGatewayAccount{code.title()}", (models.Model,), attrs)


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
                    node = etree.SubElement(
                        group,
                        "field",
                        {
                            "name": f"{code}_{credential.key}",
                            "string": credential.label,
                            "groups": "base.group_system",
                            "invisible": f"provider != '{code}'",
                        },
                    )
                    if credential.required:
                        node.set("required", f"provider == '{code}' and active")
                    if credential.secret:
                        node.set("password", "True")
        return arch, view
