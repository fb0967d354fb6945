"""Names a module serves on first use (PEP 562): the one ``__getattr__`` the package writes.

``import opentok_rules`` (and ``opentok_rules.http``, ``opentok_rules.testing``) stays light:
a name whose module pulls in urllib3, PyJWT, cattrs, aiohttp or the emulator's server is
imported the first time it is asked for. The old module paths (:mod:`opentok_rules._moved`)
are the same loader with a warning before each import.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping, MutableMapping
from typing import Any

__all__ = ["lazy_attributes"]


def lazy_attributes(
    owner: str,
    where: Mapping[str, str] | Callable[[str], str | None],
    *,
    package: str | None = None,
    cache: MutableMapping[str, Any] | None = None,
    before_import: Callable[[str, str], None] | None = None,
) -> Callable[[str], Any]:
    """A module ``__getattr__`` for the module named ``owner``.

    :param where: the module that defines each name (a mapping), or a function giving it
        (``None``: the name is not served). A name served nowhere is an ``AttributeError``
        naming ``owner``, as for any missing attribute.
    :param package: when given, the modules in ``where`` are relative to it (``"client"`` is
        ``f"{package}.client"``).
    :param cache: the owner's ``globals()``: a loaded name is stored there, so the next use is
        a plain attribute read. Without it every use goes through the loader again.
    :param before_import: called with the name and its module before each import (the old
        paths warn there; its ``stacklevel`` 3 is the line that used the name).
    """
    find = where.get if isinstance(where, Mapping) else where

    def __getattr__(name: str) -> Any:
        module = find(name)
        if module is None:
            raise AttributeError(f"module {owner!r} has no attribute {name!r}")
        if package is not None:
            module = f"{package}.{module}"
        if before_import is not None:
            before_import(name, module)
        value = getattr(importlib.import_module(module), name)
        if cache is not None:
            cache[name] = value
        return value

    return __getattr__
