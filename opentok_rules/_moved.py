"""Old module paths that still work until 0.3, with a DeprecationWarning.

The package was split into layers (``engine/`` for the rules, ``http/`` for sending); a module
left at an old path is only a forwarder built here, so the code itself lives in one place.
Each forwarder goes away in 0.3 (CHANGELOG.md lists them).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Collection, Mapping
from typing import Any

from opentok_rules._lazy import lazy_attributes

#: The release that removes the old paths.
REMOVED_IN = "0.3"


def forwarder(
    old: str,
    new: str,
    extra: Mapping[str, str] | None = None,
    *,
    only: Collection[str] | None = None,
) -> Callable[[str], Any]:
    """A module ``__getattr__`` for ``old`` that serves names from ``new`` (or ``extra``'s):
    every name, or with ``only`` just those (a module that still defines the rest itself)."""
    elsewhere = dict(extra or {})

    def where(name: str) -> str | None:
        if name.startswith("__") or (only is not None and name not in only):
            return None
        return elsewhere.get(name, new)

    def warn(name: str, target: str) -> None:
        warnings.warn(
            f"{old} is deprecated and goes away in {REMOVED_IN}; "
            f"import {name} from {target} instead",
            DeprecationWarning,
            stacklevel=3,  # the line that used the old path (through __getattr__)
        )

    return lazy_attributes(old, where, before_import=warn)
