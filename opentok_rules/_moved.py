"""Old module paths that still work for one release, with a DeprecationWarning.

The package was split into layers (``engine/`` for the rules, ``http/`` for sending); a module
left at an old path is only a forwarder built here, so the code itself lives in one place.
"""

from __future__ import annotations

import importlib
import warnings
from collections.abc import Callable, Mapping
from typing import Any


def forwarder(old: str, new: str, extra: Mapping[str, str] | None = None) -> Callable[[str], Any]:
    """A module ``__getattr__`` for ``old`` that serves names from ``new`` (or ``extra``'s)."""
    elsewhere = dict(extra or {})

    def __getattr__(name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(f"module {old!r} has no attribute {name!r}")
        target = elsewhere.get(name, new)
        warnings.warn(
            f"{old} is deprecated and goes away in the next release; "
            f"import {name} from {target} instead",
            DeprecationWarning,
            stacklevel=2,
        )
        return getattr(importlib.import_module(target), name)

    return __getattr__
