# Copyright 2026 sms_gateway authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The provider registry: every module of this package declares its own.

A provider is one module here with a ``BaseProvider`` subclass that has a
``code``: the registry imports each module of the package and collects those
classes, so adding a provider is adding its file. ``PROVIDERS`` maps each
code to its class (the sandbox first, then by label).
"""

import importlib
import inspect
import pkgutil

from .base import BaseProvider

# Modules of the package that hold no provider (and import the registry).
_NOT_PROVIDERS = ("callbacks", "inbound", "registry")


def _discover():
    package = __name__.rpartition(".")[0]
    found = {}
    for info in pkgutil.iter_modules(importlib.import_module(package).__path__):
        if info.name in _NOT_PROVIDERS or info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{package}.{info.name}")
        for _name, value in inspect.getmembers(module, inspect.isclass):
            if (
                issubclass(value, BaseProvider)
                and value.code
                and value.__module__ == module.__name__
            ):
                if value.code in found and found[value.code] is not value:
                    raise RuntimeError(f"two SMS providers use the code {value.code!r}")
                found[value.code] = value
    ordered = sorted(
        found.values(), key=lambda cls: (cls.code != "sandbox", cls.label or "")
    )
    return {cls.code: cls for cls in ordered}


PROVIDERS = _discover()


def get(code):
    """The provider class of ``code``; ValueError for an unknown code."""
    try:
        return PROVIDERS[code]
    except (KeyError, TypeError):
        raise ValueError(
            f"unknown SMS provider code {code!r} (known: {', '.join(PROVIDERS)})"
        ) from None


def build(code, config=None):
    """Provider instance for ``code`` configured with ``config`` (a dict)."""
    return get(code)(config or {})
